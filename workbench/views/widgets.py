"""Small accessible controls the stock widgets lack, and what every step view shares."""

from __future__ import annotations

import datetime as dt
import functools
from typing import ClassVar

import panel as pn
import param
from bokeh.models import NumericInput as _BkNumericInput
from panel.custom import JSComponent
from panel.widgets.input import _IntInputBase

from ..state import PlanningSession

#: Lets a row of inline check boxes wrap onto more lines on a narrow screen.
WRAP = ":host .bk-input-group.bk-inline{flex-wrap:wrap;column-gap:1em}"


class Tick(pn.viewable.Viewer):
    """A yes/no box whose text is its accessible name (a real ``<label>`` around the input).

    Panel's single ``Checkbox`` renders its text beside the input, not as its label, so screen
    readers announce an unnamed checkbox; a one-option check-box group is labelled properly.
    """

    value = param.Boolean(default=False, doc="Ticked or not.")
    label = param.String(default="", doc="What ticking it means, in words.")

    def __init__(self, **params):
        super().__init__(**params)
        self._box = pn.widgets.CheckBoxGroup(options=[self.label],
                                             value=[self.label] if self.value else [])
        self._box.param.watch(lambda e: setattr(self, "value", bool(e.new)), "value")
        self.param.watch(self._push, "value")

    def _push(self, event):
        want = [self.label] if event.new else []
        if self._box.value != want:
            self._box.value = want

    def __panel__(self):
        return self._box


class WholeNumberInput(_IntInputBase):
    """A labelled whole-number box without the spinner's two unnamed arrow buttons.

    (Arrow keys still step the value; screen readers meet one named text box, not three
    controls of which two have no name.)
    """

    _widget_type = _BkNumericInput


class DateBox(JSComponent):
    """A date as the phone's own date picker: a native ``<input type="date">`` inside its
    ``<label>`` (Panel's DatePicker draws an unlabelled text box with a pop-up calendar)."""

    value = param.CalendarDate(default=None, allow_None=True, doc="The date chosen.")
    label = param.String(default="", doc="What the date is for, in words.")
    words = param.String(default="", doc="The chosen date in the page's language, shown under "
                         "the box (the phone draws the box in its own format, e.g. 06/11).")
    iso = param.String(default="", doc="The date as YYYY-MM-DD (what the browser sends).")

    _rename: ClassVar[dict] = {"value": None}
    _esm = """
    export function render({ model }) {
      const label = document.createElement("label")
      label.className = "wb-datebox"
      const text = document.createElement("span")
      const input = document.createElement("input")
      input.type = "date"
      input.className = "bk-input"
      const words = document.createElement("span")
      words.className = "wb-date-words"
      words.setAttribute("aria-live", "polite")
      label.append(text, input, words)
      const draw = () => {
        text.textContent = model.label
        if (input.value !== model.iso) input.value = model.iso
        words.textContent = model.words
      }
      draw()
      model.on(["label", "iso", "words"], draw)
      input.addEventListener("change", () => { model.iso = input.value })
      return label
    }
    """
    _stylesheets: ClassVar[list[str]] = [""":host{display:block}
    .wb-datebox{display:flex;flex-direction:column;gap:.25rem;font-size:16px}
    .wb-datebox input{font:inherit;min-height:44px;padding:.3rem .5rem;border:1px solid #6c757d;
    border-radius:.375rem;background:#fff;color:#1b1b1b;max-width:100%;box-sizing:border-box}
    .wb-date-words{font-size:16px;color:#333}"""]

    def __init__(self, **params):
        super().__init__(**params)
        self._to_text()

    @param.depends("value", watch=True)
    def _to_text(self):
        text = self.value.isoformat() if self.value else ""
        if text != self.iso:
            self.iso = text

    @param.depends("iso", watch=True)
    def _from_text(self):
        try:
            day = dt.date.fromisoformat(self.iso) if self.iso else None
        except ValueError:
            day = None
        if day != self.value:
            self.value = day


class ClickableTable(JSComponent):
    """HTML (a table, a list) whose buttons (``<button data-pick="...">``) tell Python which
    was pressed: real buttons, each with its own name, without a widget per row.

    The HTML is built by the caller with ``workbench.markup`` (data is escaped); ``on_pick``
    receives the ``data-pick`` value.
    """

    html = param.String(default="", doc="The HTML, escaped.")

    _esm = """
    export function render({ model }) {
      const box = document.createElement("div")
      box.className = "wb-clickable"
      const draw = () => { box.innerHTML = model.html }
      draw()
      model.on("html", draw)
      box.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-pick]")
        if (button) model.send_msg(button.dataset.pick)
      })
      return box
    }
    """

    #: ``:host`` only; rows built as ``<ul class="wb-rows">`` (lists of things with a button
    #: each) get the look below, anything else brings its own ``stylesheets``.
    _stylesheets: ClassVar[list[str]] = [""":host{display:block;width:100%}
    .wb-rows{list-style:none;margin:0;padding:0}
    .wb-rows li{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;
    gap:.4rem 1rem;padding:.35rem 10px;border-bottom:1px solid #e5e5e5;font-size:16px;
    overflow-wrap:anywhere}
    .wb-rows li>span{flex:1 1 14rem;min-width:0}
    .wb-rows button{font:inherit;font-size:16px;min-height:44px;min-width:44px;
    padding:.35rem .8rem;border-radius:.375rem;border:1px solid #6c757d;background:#f8f9fa;
    color:#1b1b1b;cursor:pointer}
    .wb-rows button:hover{background:#e2e6ea}
    .wb-rows button:focus-visible{outline:3px solid #0b4f8a;outline-offset:2px}
    .wb-empty{font-style:italic;color:#444;font-size:16px}"""]

    def __init__(self, on_pick=None, **params):
        super().__init__(**params)
        self._on_pick = on_pick

    def _handle_msg(self, msg):
        if self._on_pick is not None and isinstance(msg, str):
            self._on_pick(msg)


#: The same component, for HTML that is not a table (a list of rows with buttons).
ClickableHTML = ClickableTable


class SummaryFrame(JSComponent):
    """A document shown as it will print (its own page, its own styles) with a Print button.

    The summary is a whole HTML document: an ``<iframe srcdoc>`` shows it exactly as the
    download looks, and prints only it, not the app around it.
    """

    html = param.String(default="", doc="The whole document to show and print.")
    frame_title = param.String(default="", doc="The frame's accessible name.")
    print_label = param.String(default="Print", doc="The Print button's words.")

    _esm = """
    export function render({ model }) {
      const box = document.createElement("div")
      const button = document.createElement("button")
      button.type = "button"
      button.className = "bk-btn bk-btn-primary wb-print"
      const frame = document.createElement("iframe")
      frame.className = "wb-summary-frame"
      const fit = () => {
        try {
          const doc = frame.contentDocument
          if (doc && doc.documentElement) {
            frame.style.height = (doc.documentElement.scrollHeight + 8) + "px"
          }
        } catch (e) {}
      }
      frame.addEventListener("load", fit)
      const draw = () => {
        button.textContent = model.print_label
        frame.title = model.frame_title
        button.disabled = !model.html
        frame.srcdoc = model.html
      }
      draw()
      model.on(["html", "frame_title", "print_label"], draw)
      window.addEventListener("resize", fit)
      button.addEventListener("click", () => {
        if (frame.contentWindow) { frame.contentWindow.focus(); frame.contentWindow.print() }
      })
      box.append(button, frame)
      return box
    }
    """
    _stylesheets: ClassVar[list[str]] = [""":host{display:block;width:100%}
    .wb-summary-frame{display:block;width:100%;min-height:420px;border:1px solid #bbb;
    border-radius:6px;background:#fff;margin-top:.6rem;box-sizing:border-box}
    .wb-print{font-size:16px;min-height:44px;min-width:44px;padding:.4rem 1rem;border-radius:
    .375rem;border:1px solid #0b4f8a;background:#0b4f8a;color:#fff;cursor:pointer}
    .wb-print:disabled{opacity:.6}"""]


class PageLanguage(JSComponent):
    """Keeps the page's ``lang`` attribute and title in the session's language (screen readers
    pronounce the page by its ``lang``) and marks which step is showing (its element has the
    class ``wb-showing-<step>``, for a test or a reader of the page); shows nothing."""

    lang = param.String(default="en", doc="The page's language code.")
    title = param.String(default="", doc="The browser tab's title.")
    step = param.String(default="", doc="The step on screen, lower case ('learner', ...).")

    _esm = """
    export function render({ model }) {
      const el = document.createElement("span")
      const apply = () => {
        document.documentElement.lang = model.lang
        if (model.title) document.title = model.title
        el.className = model.step ? `wb-showing-${model.step}` : ""
      }
      apply()
      model.on(["lang", "title", "step"], apply)
      return el
    }
    """


#: CSS values for ``wrap_row``'s ``align`` and ``justify`` (Panel's FlexBox words).
_FLEX_WORDS = {"start": "flex-start", "end": "flex-end", "center": "center",
               "space-between": "space-between", "baseline": "baseline"}


class _WrapRow(pn.Row):
    """A Row whose least width is its widest item's, not the sum of its items' (it wraps)."""

    # Panel sums a row's items' widths into its least width, and takes the widest of a
    # column's; without a direction it takes the widest on both axes
    _direction = None


def wrap_row(*objects, align: str | None = None, justify: str = "start", wrap: bool = True,
             **params) -> pn.Row:
    """A row of controls that wraps onto more lines on a narrow screen (a phone); ``align``
    lines them up across (``"end"``: buttons level with the boxes beside them, whose labels
    sit above), ``justify`` along. It needs only the width of its widest item, and a row
    in it no more than the width it is in.

    A Bokeh ``Row`` with CSS, not Panel's ``FlexBox``: a FlexBox is a templated component
    whose every instance compiles its template and checks its property dictionaries, some
    3 ms of server time and two models each, on every page; a row is one model. The row's
    own style for its items (``:host>*``) wins over the ``align-self`` each item's layout
    sets in its own shadow root. An item that stretches takes a line of its own up to its
    ``max_width`` (as in a FlexBox), unless its ``styles`` give it a ``flex`` of its own.
    """
    for obj in objects:
        if getattr(obj, "sizing_mode", None) in ("stretch_width", "stretch_both") and \
                "flex" not in (obj.styles or {}):
            basis = f"{obj.max_width}px" if obj.max_width else "100%"
            obj.styles = {**(obj.styles or {}), "flex": f"1 1 {basis}"}
    css = [f"flex-wrap:{'wrap' if wrap else 'nowrap'}",
           f"justify-content:{_FLEX_WORDS[justify]}"]
    items = ""
    if align is not None:
        css.append(f"align-items:{_FLEX_WORDS[align]}")
        items = f":host>*{{align-self:{_FLEX_WORDS[align]}}}"
    sheet = f":host{{{';'.join(css)}}}{items}:host>.bk-Row{{max-width:100%}}"
    return _WrapRow(*objects, stylesheets=[sheet, *params.pop("stylesheets", [])], **params)


def rule() -> pn.pane.HTML:
    """A horizontal rule. (Panel's ``Divider`` keeps a CDN address for its stylesheet when it
    is built after the page has loaded; the app loads nothing from outside.)"""
    return pn.pane.HTML("<hr>", sizing_mode="stretch_width", margin=(5, 10))


def card_filled_when_opened(contents, lazy: bool, **params) -> pn.Card:
    """A collapsed card whose ``contents()`` (a list of objects) go in the first time it is
    opened, when ``lazy`` (the served app): a step's first visit then makes none of their
    models, on the server or in the browser. Otherwise (a notebook, tests) they are in from the
    start. The objects themselves can be made beforehand; only their place waits."""
    card = pn.Card(collapsed=True, **params)
    if not lazy:
        card.objects = list(contents())
        return card

    def opened(event):
        if not event.new and not card.objects:
            card.objects = list(contents())

    card.param.watch(held(opened), "collapsed")
    return card


def watch_when_shown(view, step: str, callback, names: list[str]) -> None:
    """Run ``callback`` now and whenever ``names`` of the state change — but, when the view is
    ``lazy`` (the served app), only while its step is on screen; a step that changed while
    hidden catches up the moment it is shown. Keeps one edit from re-rendering six steps.
    (Now is always: a step built ahead of being shown is drawn for the state as it is.)

    The watchers are the view's: ``StepView.release()`` takes them off the state."""
    state = view.state
    dirty = {"value": False}

    def run_or_defer(*_events):
        if not getattr(view, "lazy", False) or state.step == step:
            dirty["value"] = False
            callback()
        else:
            dirty["value"] = True

    def shown(event):
        if event.new == step and dirty["value"]:
            dirty["value"] = False
            callback()

    owned = view.__dict__.setdefault("_state_watchers", [])
    owned.append(state.param.watch(run_or_defer, names))
    owned.append(state.param.watch(shown, "step"))
    callback()


def held(fn):
    """Run a user action with the document held, so the browser gets one update, not dozens."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with pn.io.hold():
            return fn(*args, **kwargs)

    return run


def _owned_objects(view, state) -> set[int]:
    """Every Parameterized object a view holds (its widgets, panes, helper objects, the
    objects inside its layouts), by id; the state is not the view's."""
    seen: set[int] = set()
    stack = [view]
    while stack:
        obj = stack.pop()
        if obj is state or id(obj) in seen:
            continue
        if isinstance(obj, param.Parameterized):
            seen.add(id(obj))
            stack.extend(vars(obj).values())
            stack.extend(getattr(obj, n, None) for n in obj.param if n != "name")
            if isinstance(obj, pn.layout.base.ListLike | pn.layout.base.NamedListLike):
                stack.extend(obj.objects)
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
    return seen


def _callback_owners(fn) -> list:
    """The objects a watcher's callback belongs to: a bound method's ``self`` (also inside the
    ``functools.partial`` that ``param.depends(..., watch=True)`` registers) and, for a closure
    (``from_param``'s link), the objects it closes over."""
    found = []
    for _ in range(8):
        owner = getattr(fn, "__self__", None)
        if owner is not None:  # a bound method: its object (before any __wrapped__)
            found.append(owner)
            break
        if isinstance(fn, functools.partial):
            fn = fn.keywords.get("function", fn.func)
            continue
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None and wrapped is not fn:
            fn = wrapped
            continue
        break
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        found.append(value)
        if isinstance(value, dict):
            found.extend(value.values())
        elif isinstance(value, list | tuple):
            found.extend(value)
    return found


class StepView(pn.viewable.Viewer):
    """A step of the workbench: a view over the session's state, built once.

    Subclasses build ``self._layout`` in ``__init__``; it is what the step shows. Every string
    is in the session's language at the time the view is built: the app builds the steps
    again when the language changes, after ``release()`` took the old ones off the state.
    """

    state = param.ClassSelector(class_=PlanningSession, doc="The planning session.")
    lazy = param.Boolean(default=False, doc="Render only while this step is on screen (the "
                         "served app); in a notebook every step shows at once.")
    first_screen = param.Boolean(default=False, doc="Build only what a page shows first; the "
                                 "rest waits for ``finish()`` (the first step of a served page, "
                                 "finished once the page has loaded).")

    def __panel__(self):
        return self._layout

    @property
    def finished(self) -> bool:
        """Whether every part of the step is built (a step without later parts always is)."""
        return True

    def finish(self) -> None:
        """Build the parts ``first_screen`` left for later (nothing when ``finished``)."""

    def release(self) -> None:
        """Take every watcher this view put on the state off it (the view is being replaced):
        those of ``watch_when_shown`` and any ``param.depends("state.…", watch=True)``."""
        state = self.state
        for w in self.__dict__.pop("_state_watchers", []):
            state.param.unwatch(w)
        mine = _owned_objects(self, state)
        for _name, kinds in list(state.param.watchers.items()):
            for watchers in list(kinds.values()):
                for w in list(watchers):
                    if any(id(o) in mine for o in _callback_owners(w.fn)
                           if isinstance(o, param.Parameterized) and o is not state):
                        state.param.unwatch(w)
