"""Small accessible controls the stock widgets lack."""

from __future__ import annotations

import panel as pn
import param
from bokeh.models import NumericInput as _BkNumericInput
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


def rule() -> pn.pane.HTML:
    """A horizontal rule. (Panel's ``Divider`` keeps a CDN address for its stylesheet when it
    is built after the page has loaded; the app loads nothing from outside.)"""
    return pn.pane.HTML("<hr>", sizing_mode="stretch_width", margin=(5, 10))


def watch_when_shown(view, step: str, callback, names: list[str]) -> None:
    """Run ``callback`` now and whenever ``names`` of the state change — but, when the view is
    ``lazy`` (the served app), only while its step is on screen; a step that changed while
    hidden catches up the moment it is shown. Keeps one edit from re-rendering six steps."""
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

    state.param.watch(run_or_defer, names)
    state.param.watch(shown, "step")
    run_or_defer()


def held(fn):
    """Run a user action with the document held, so the browser gets one update, not dozens."""

    def run(*args, **kwargs):
        with pn.io.hold():
            return fn(*args, **kwargs)

    return run


class StepView(pn.viewable.Viewer):
    """A step of the workbench: a view over the session's state, built once.

    Subclasses build ``self._layout`` in ``__init__``; it is what the step shows.
    """

    state = param.ClassSelector(class_=PlanningSession, doc="The planning session.")
    lazy = param.Boolean(default=False, doc="Render only while this step is on screen (the "
                         "served app); in a notebook every step shows at once.")

    def __panel__(self):
        return self._layout
