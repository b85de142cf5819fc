"""The workbench app: six steps over one PlanningSession, served locally or shown in a notebook.

``create_app`` builds a fresh, independent app (its own session state) every time it is called;
``serve`` hands Panel that function, so every browser session gets its own.

The page is built for a phone first (a viewport, 16 px text, 44 px tap targets, nothing wider
than the screen) on Panel's Bootstrap template with a calmer stylesheet (``CSS``), in the
session's language: a switch on every page rebuilds the steps in the new language without a
reload. The page's address keeps the session's place (learner, plan, step, compared plans,
language), so a reload comes back to it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import re
import time
import uuid
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import babel
import panel as pn
import param
import tornado.web
from bokeh.application.handlers import Handler
from panel.io.application import build_applications
from tornado.ioloop import IOLoop

from . import SAMPLE_DATA
from .domain.summary import goals_likely, grade_heading, moves_no_goal
from .formats.datadir import load_dataset
from .markup import attr as attr_text
from .markup import escape_text
from .state import STEPS, PlanningSession
from .store import Store, default_db_path
from .views.compare import CompareStep
from .views.learner import LearnerStep
from .views.opportunities import OpportunitiesStep
from .views.plans import PlansStep
from .views.share import ShareStep
from .views.week import WeekStep
from .views.widgets import ClickableTable, PageLanguage, held, wrap_row

#: The whole app's look: calm Bootstrap, phone first. Panel puts ``raw_css`` into every
#: component's shadow root, so these rules reach the widgets inside them.
CSS = """
:host{--bokeh-font-size:16px;--bokeh-base-font-size:16px;font-size:16px}
:host .bk-btn{--bs-btn-font-size:16px;font-size:16px;min-height:44px;min-width:44px;
padding:.45rem .8rem;line-height:1.25;white-space:normal;border-radius:.4rem}
.bk-btn-group{flex-wrap:wrap;gap:4px}
.bk-btn-group>.bk-btn{flex:1 1 auto;border-radius:.4rem!important;margin:0!important}
.bk-input,select.bk-input,textarea.bk-input{font-size:16px;min-height:44px}
.bk-input-group>label,.bk-input-group label{font-size:16px;white-space:normal}
.bk-input-group .bk-checkbox-group label,.bk-input-group.bk-inline label,
.bk-input-group>div>label{display:inline-flex;align-items:center;gap:.45rem;min-height:44px;
padding-right:.6rem}
label:has(>input[type=checkbox]),label:has(>input[type=radio]){display:inline-flex;
align-items:center;gap:.45rem;min-height:44px;padding-right:.6rem}
input[type=checkbox],input[type=radio]{width:22px;height:22px;margin:0}
.markdown,.markdown p,.markdown li{font-size:16px;line-height:1.45}
.markdown h2{font-size:1.5rem;margin:.6rem 0 .3rem}.markdown h3{font-size:1.2rem;margin:.6rem 0 .2rem}
.wb-who{font-size:16px;line-height:1.4;overflow-wrap:anywhere;min-width:0}
.wb-who .wb-plan-warn{color:#7a3b00;font-weight:600}
.wb-message{font-size:16px;font-weight:600;padding:.7rem 1rem;border-radius:6px;
overflow-wrap:anywhere}
.wb-status{background:#e7f1fb;border-left:6px solid #0b4f8a;color:#0b3560}
.wb-error{background:#fdecea;border-left:6px solid #a32020;color:#6f1111}
.wb-notice{background:#fff4e5;border-left:6px solid #b54708;color:#5c2a00}
.wb-ok{background:#e6f4ea;border-left:5px solid #0b6b3a;padding:.6rem .8rem;border-radius:4px}
.wb-problems{background:#fff4e5;border-left:5px solid #b54708;padding:.6rem .8rem;
border-radius:4px}
.wb-problems ul{margin:.3rem 0 0 1rem;padding:0}.wb-problems li{margin:.35rem 0}
.wb-fix{color:#0b4f8a;margin-top:.15rem}
table.wb-compare{border-collapse:collapse;width:100%}
.wb-compare th,.wb-compare td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}
.wb-compare caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.wb-glance{overflow-x:auto;max-width:100%}
table.wb-glance-table{border-collapse:collapse;width:100%;font-size:16px}
.wb-glance-table caption{caption-side:top;text-align:left;font-weight:700;padding:.2rem 0}
.wb-glance-table th,.wb-glance-table td{padding:.25rem .45rem;text-align:left;
border-bottom:1px solid #e5e5e5;vertical-align:middle;overflow-wrap:break-word}
.wb-glance-table tr.wb-current{background:#eef5fb}
.wb-glance-table tr.wb-draft{background:#f3f7fb;font-style:italic}
.wb-glance-table button{font:inherit;font-weight:600;text-align:left;min-height:44px;
min-width:44px;padding:.3rem .5rem;border:1px solid transparent;border-radius:.35rem;
background:none;color:#0b4f8a;text-decoration:underline;cursor:pointer;overflow-wrap:anywhere;
max-width:22rem;word-break:break-word}
.wb-glance-table tr.wb-current button{color:#1b1b1b;text-decoration:none}
.wb-glance-table button:focus-visible{outline:3px solid #0b4f8a}
@media (max-width:700px){.wb-glance-table .wb-wide{display:none}}
details.wb-glossary{font-size:16px;border:1px solid #d0d7de;border-radius:6px;
padding:.2rem .8rem;background:#fafbfc}
details.wb-glossary summary{cursor:pointer;font-weight:600;min-height:44px;display:flex;
align-items:center}
details.wb-glossary dt{font-weight:700;margin-top:.5rem}
details.wb-glossary dd{margin:0 0 .3rem 0;line-height:1.45}
.wb-title{display:block;color:#fff;font-size:1.25rem;font-weight:600;white-space:normal;
overflow-wrap:anywhere;line-height:1.25}
/* the served page's roots in order (the glance after the step on a phone); a grid, not a flex
column: in a flex column each root's height is definite and the step buttons stretch to fill it */
#main{display:grid;grid-template-columns:minmax(0,1fr);align-items:start;align-content:start}
@media (max-width:700px){.wb-glance-host{order:9}}
@media (max-width:700px){#main{padding:6px 8px 16px 8px}.wb-title{font-size:1.05rem}
#header .title,.navbar-brand{font-size:1.05rem}}
"""


def _theme_css_resolved(theme: type) -> type:
    """``theme`` with its two stylesheet paths (``base_css``, ``css``) held as the paths they
    resolve to. Panel reads both through ``param.Filename``, which looks the file up on disk at
    every read, and it reads them whenever it makes or updates any component's model
    (``Design.params``, about 63 calls a new session and 21-45 a step's first visit): 450 us a
    call, 230 once read (2026-12-07, a slow day). Same files, same page; read once."""
    resolved = theme()
    return type(theme.__name__, (theme,), {
        "base_css": param.String(default=resolved.base_css, allow_None=True),
        "css": param.String(default=resolved.css, allow_None=True),
        "__module__": __name__})


class _Bootstrap(pn.theme.Bootstrap):
    """Panel's Bootstrap design, its themes' stylesheet paths read once
    (``_theme_css_resolved``)."""

    _themes: ClassVar[dict] = {name: _theme_css_resolved(theme)
               for name, theme in pn.theme.Bootstrap._themes.items()}


# the styles reach the panes inside their shadow roots only through the global raw_css.
# No Tabulator and no toast notifications: the app uses neither, and each cost every page
# (Tabulator's scripts and styles on every load, a notification area model in every session)
pn.extension(design=_Bootstrap, loading_indicator=True, raw_css=[CSS])


@pn.cache(max_items=4)
def _load_dataset(path: str):
    # the catalogue is read-only and shared; learners and plans live in each session's store
    return load_dataset(path)


#: The steps' views, by the state's step names.
STEP_VIEWS = {"Learner": LearnerStep, "Week": WeekStep, "Opportunities": OpportunitiesStep,
              "Plans": PlansStep, "Compare": CompareStep, "Share": ShareStep}


#: A served session builds the steps not yet shown while it is idle, one at a time, so that a
#: step's first visit is as quick as coming back to it: the first this long after the page
#: has loaded or the last one was built, ... (0.3 s rather than 1 s: all five are there
#: about 2 s after the page instead of 5-6 s, for the same work, and a family that moves on
#: early meets fewer steps still to build; bench_load's quiet step switches, 2 x 72 each,
#: p95 948 and 852 -> 635 and 694 ms on a slow day, 2026-12-07)
PREBUILD_AFTER_S = 0.3
#: ... unless the server was busy (the wait ran this much late: other sessions' work), when it
#: waits twice as long again, up to ``PREBUILD_MAX_WAIT_S``.
PREBUILD_BUSY_LATE_S = 0.15
PREBUILD_MAX_WAIT_S = 16.0
#: The first step of a served page comes with what its first screen shows; the rest of it
#: is built this long after the page has loaded, ...
FINISH_AFTER_S = 0.05
#: ... or, while new sessions wait for their turn (``_OneNewSessionAtATime``), this long
#: again, until none do: a crowd's first screens first.
FINISH_RETRY_S = 0.25


class StepViews(Mapping):
    """The steps' views by step name, each built the first time it is asked for.

    The served app (``lazy``) builds only the step on screen: a new session then pays for one
    step, not six (building a step's widgets is most of a session's server time). Otherwise
    (a notebook, tests) every step is built at once. ``built()`` lists those built so far.
    """

    def __init__(self, build, names, eager: bool):
        self._build, self._names, self._built = build, tuple(names), {}
        if eager:
            for name in self._names:
                self[name]

    def __getitem__(self, name: str) -> pn.viewable.Viewer:
        view = self._built.get(name)
        if view is None:
            if name not in self._names:
                raise KeyError(name)
            view = self._built[name] = self._build(name)
        return view

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def built(self) -> list[pn.viewable.Viewer]:
        """The views built so far (releasing them must not build the others)."""
        return list(self._built.values())

    def is_built(self, name: str) -> bool:
        return name in self._built


def language_name(code: str) -> str:
    """A language in its own words ("English", "Español"), for the language switch."""
    try:
        name = babel.Locale.parse(code).get_display_name(code) or code
    except (ValueError, babel.UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


class WorkbenchApp(pn.viewable.Viewer):
    """The whole workbench: a stepper over Learner, Week, Opportunities, Plans, Compare, Share.

    Above every step: who and which plan, Back/Next, the language switch, the step buttons,
    the last message (dismissable), "Plans at a glance" (a plan's name opens it) and the
    glossary.
    """

    state = param.ClassSelector(class_=PlanningSession, doc="This session's planning state.")
    lazy = param.Boolean(default=False, doc="Render each step only while it is on screen "
                         "(set when served; a notebook shows steps side by side).")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.steps = StepViews(None, (), eager=False)
        self._page_loaded = False  # served: the browser has the page (``_on_page_loaded``)
        self.stepper = pn.widgets.RadioButtonGroup(
            options=[], color="primary", variant="outline",
            sizing_mode="stretch_width",
            stylesheets=[":host .bk-btn{min-width:6.8em}"])
        self.stepper.param.watch(held(self._stepper_changed), "value")
        # one place per step, in the steps' order, each empty until its step is first shown.
        # Served, each place is a root of its own in the page (``servable_page``): in the
        # browser a change inside one step then lays out that step alone, not the shell and
        # every hidden step with it (Bokeh lays out from the root of whatever changed)
        self.places = {name: pn.Column(sizing_mode="stretch_width", margin=0,
                                       styles={"display": "none"}, css_classes=["wb-step"])
                       for name in STEP_VIEWS}
        self.content = pn.Column(*self.places.values(), sizing_mode="stretch_width",
                                 css_classes=["wb-content"])
        self.back = pn.widgets.Button(width=110, disabled=True)
        self.next = pn.widgets.Button(width=140, color="primary")
        self.back.on_click(held(lambda _e: self._move(-1)))
        self.next.on_click(held(lambda _e: self._move(1)))
        # the state owns the language: the switch is bound to it both ways
        self.language = pn.widgets.Select.from_param(
            s.param.language, options={language_name(c): c for c in s.param.language.objects},
            width=140, description=None)
        self.status = pn.pane.HTML(sizing_mode="stretch_width", min_width=0)
        self.dismiss = pn.widgets.Button(width=120, visible=False)
        self.dismiss.on_click(held(lambda _e: self.clear_messages()))
        self.glance = ClickableTable(on_pick=held(self._open_plan), sizing_mode="stretch_width")
        self.glossary = pn.pane.HTML(sizing_mode="stretch_width")
        # beside Back/Next/Language on a wide screen, above them on a phone
        self.who = pn.pane.HTML(sizing_mode="stretch_width", min_width=0,
                                styles={"flex": "1 1 20rem"})
        self.title = pn.pane.HTML(sizing_mode="stretch_width", min_width=0, margin=(0, 5),
                                  stylesheets=[":host{flex:1 1 auto;min-width:0;"
                                               "max-width:calc(100vw - 70px)}"])
        self.page_language = PageLanguage(width=0, height=0, margin=0)
        self._build_steps()
        s.param.watch(held(self._on_language), "language")
        s.param.watch(self._on_step, "step")
        s.param.watch(self._on_status, ["status", "error", "notice", "learner", "plan_id",
                                        "problems", "ledgers"])
        s.param.watch(self._on_glance, ["ledgers", "plan_problems", "plan_id", "plans",
                                       "suggestion_ledgers"])
        self._relabel()
        self._show_step()
        self.glance.css_classes = ["wb-glance-host"]
        self.nav = wrap_row(self.back, self.next, self.language, align="end")
        self.top = pn.Column(
            wrap_row(self.who, self.nav, justify="space-between", align="center"),
            self.stepper,
            wrap_row(self.status, self.dismiss, wrap=False, align="center"),
            self.glossary, sizing_mode="stretch_width", margin=0)
        self._layout = pn.Column(
            self.top, self.glance, self.content, self.page_language,
            sizing_mode="stretch_width",
        )
        self._follow_address()

    def __panel__(self):
        return self._layout

    # ---- the steps, in the session's language ----------------------------------------------
    def _build_steps(self) -> None:
        for view in self.steps.built():
            view.release()
        kw = {"state": self.state, "lazy": self.lazy}
        # served, a step built before the page has loaded (the first step) is built with only
        # what its first screen shows (``StepView.first_screen``)
        self.steps = StepViews(lambda name: STEP_VIEWS[name](
            **kw, first_screen=self.lazy and not self._page_loaded), STEP_VIEWS,
            eager=not self.lazy)

    def _on_language(self, _event=None) -> None:
        """A new language: every step built again in it, the shell relabelled (served, the
        steps not on screen again ahead of time, while the session is idle)."""
        self._build_steps()
        self._relabel()
        self._show_step()
        if self.lazy and self._page_loaded:
            self._prebuild_later(pn.state.curdoc, PREBUILD_AFTER_S)

    def _relabel(self) -> None:
        s, _ = self.state, self.state.gettext
        self.labels = [f"{i + 1}. {_(name)}" for i, name in enumerate(STEPS)]
        self.stepper.param.update(options=self.labels, label=_("Steps"),
                                  value=self.labels[STEPS.index(s.step)])
        self.back.label, self.next.label = _("← Back"), _("Next →")
        self.language.label = _("Language")
        self.dismiss.label = _("Dismiss")
        name = _("Anywhere Learning Workbench")
        self.title.object = f'<span class="wb-title">{escape_text(name)}</span>'
        self.page_language.param.update(lang=s.language, title=_("Anywhere Learning Workbench"))
        self.glossary.object = self.glossary_html()
        self._on_status()
        self._on_glance()

    def _show_step(self) -> None:
        i = STEPS.index(self.state.step)
        self.stepper.value = self.labels[i]
        # steps seen before stay on the page, hidden, in their places: switching back only shows
        # them again (removing one destroyed its models, so every switch rendered the step from
        # scratch; moving the shown step to the front made the browser build every step again).
        # Hidden by an inline style, not ``visible`` or a CSS class: in the browser a change of
        # either makes Bokeh lay the step out again, a style only sets ``display``
        live = {id(v.__panel__()) for v in self.steps.built()}
        for name, place in self.places.items():
            if name == self.state.step:
                step = self.steps[name]
                if self._page_loaded and not step.finished:
                    step.finish()  # come back to before its rest was built
                view = step.__panel__()
                if len(place.objects) != 1 or place.objects[0] is not view:
                    place.objects = [view]
            elif place.objects and id(place.objects[0]) not in live:
                place.objects = []  # a step built again (a new language) is built when shown
            display = "" if name == self.state.step else "none"
            if place.styles.get("display") != display:
                place.styles = {**place.styles, "display": display}
        # which step is showing, for a reader of the page (and a test waiting for it), on a
        # model that is not laid out (a class on ``content`` would lay the page out again)
        self.page_language.step = self.state.step.lower()
        self.back.disabled = i == 0
        self.next.disabled = i == len(STEPS) - 1

    def _move(self, delta: int):
        i = min(max(STEPS.index(self.state.step) + delta, 0), len(STEPS) - 1)
        self.state.step = STEPS[i]

    def _stepper_changed(self, event):
        if event.new in self.labels:
            self.state.step = STEPS[self.labels.index(event.new)]

    def _on_step(self, _event):
        self.state.status = ""  # a message belongs to the step it was said on
        self._show_step()

    # ---- messages --------------------------------------------------------------------------
    def clear_messages(self) -> None:
        """Take the last message away (the Dismiss button)."""
        self.state.param.update(status="", error="", notice="")

    def _on_status(self, *_):
        s = self.state
        w, _ = s.format, s.gettext
        lr, plan = s.learner, s.plan
        if lr is None:
            who = escape_text(_("No learner chosen"))
        else:
            who = f"<b>{escape_text(lr.name)}</b>, {escape_text(grade_heading(w, lr.grade))}"
        if plan is not None:
            n = len(s.problems)
            state = _("fits") if not n else s.ngettext("{n} problem", "{n} problems", n).format(n=n)
            who += f" · {escape_text(plan.name)} ({escape_text(state)})"
            likely, total = goals_likely(s.ledgers.get(plan.plan_id, {}).get("goals", []))
            if total:
                who += " · " + escape_text(s.ngettext(
                    "{likely} of {n} goal likely", "{likely} of {n} goals likely",
                    total).format(likely=w.integer(likely), n=w.integer(total)))
            if not n and moves_no_goal(s.ledgers.get(plan.plan_id, {})):
                who += (' <span class="wb-plan-warn" role="note">⚠ ' + escape_text(_(
                    "It fits, but it practises none of the goals yet.")) + "</span>")
        self.who.object = f'<div class="wb-who">{who}</div>'
        shown = []
        if s.error:
            shown.append(f'<div class="wb-message wb-error" role="alert">'
                         f"{escape_text(s.error)}</div>")
        elif s.status:
            shown.append(f'<div class="wb-message wb-status" role="status">'
                         f"{escape_text(s.status)}</div>")
        if s.notice and s.notice not in (s.error, s.status):
            shown.append(f'<div class="wb-message wb-notice" role="status">'
                         f"{escape_text(s.notice)}</div>")
        self.status.object = "".join(shown) or '<div role="status" aria-live="polite"></div>'
        self.dismiss.visible = bool(shown)

    # ---- plans at a glance -----------------------------------------------------------------
    def glance_rows(self) -> list[dict]:
        """One plain row of words per plan (what "Plans at a glance" shows)."""
        s = self.state
        w, _ = s.format, s.gettext
        rows = []
        # the saved plans, then the solver's drafts (not saved: "Keep as Plan D" saves one;
        # a draft fits by construction, every feasibility kind checked by the solver)
        drafts = [(d, s.suggestion_ledgers.get(d.plan_id), [], True) for d in s.suggestions]
        for p, led, probs, draft in [(p, s.ledgers.get(p.plan_id), s.plan_problems.get(p.plan_id),
                                      False) for p in s.plans] + drafts:
            if led is None:
                continue
            likely, total = goals_likely(led.get("goals", []))
            goals = (s.ngettext("{likely} of {n} goal likely", "{likely} of {n} goals likely",
                                total).format(likely=w.integer(likely), n=w.integer(total))
                     if total else _("No goals yet"))
            credits = w.number_span(led["expected_credits"], led.get("expected_credits_low"),
                                    led.get("expected_credits_high"))
            if not p.sections:
                credits = _("{credits} (from levels already reached)").format(credits=credits)
            rows.append({
                "plan_id": p.plan_id, "draft": draft,
                "name": _("{plan} (draft, not saved)").format(plan=p.name) if draft else p.name,
                "current": p.plan_id == s.plan_id,
                "problems": _("fits") if not probs else s.ngettext(
                    "{n} problem", "{n} problems", len(probs)).format(n=len(probs)),
                "goals": goals, "week": w.hours(led["hours_per_week"]),
                "travel": w.duration(led.get("travel_minutes_per_week", 0)),
                "cost": w.money(led["cost"]), "credits": credits,
                "pieces": w.integer(len(p.sections)),
            })
        return rows

    def _on_glance(self, *_):
        """All plans at a glance, updated live: the comparison in one line per plan."""
        _ = self.state.gettext
        rows = self.glance_rows()
        if not rows:
            self.glance.html = ""
            return
        heads = [(_("Plan"), ""), (_("Problems"), ""), (_("Goals"), ""),
                 (_("Learning a week"), "wb-wide"), (_("Travel a week"), "wb-wide"),
                 (_("Cost"), "wb-wide"), (_("Credits expected"), "wb-wide"),
                 (_("Pieces"), "wb-wide")]
        body = []
        for r in rows:
            mark = ' aria-current="true" class="wb-current"' if r["current"] else ""
            label = (_("{plan} (open now)") if r["current"] else _("Open {plan}")).format(
                plan=r["name"])
            cells = "".join(f'<td class="{cls}">{escape_text(r[key])}</td>' for key, cls in (
                ("problems", ""), ("goals", ""), ("week", "wb-wide"), ("travel", "wb-wide"),
                ("cost", "wb-wide"), ("credits", "wb-wide"), ("pieces", "wb-wide")))
            if r["draft"]:  # nothing to open: the Plans step keeps it
                body.append(f'<tr class="wb-draft"><th scope="row">{escape_text(r["name"])}'
                            f"</th>{cells}</tr>")
                continue
            body.append(f'<tr{mark}><th scope="row"><button type="button" data-pick="'
                        f'{attr_text(r["plan_id"])}" aria-label="{attr_text(label)}">'
                        f'{escape_text(r["name"])}</button></th>{cells}</tr>')
        head = "".join(f'<th scope="col" class="{cls}">{escape_text(h)}</th>' for h, cls in heads)
        caption = _("Plans at a glance")
        self.glance.html = (
            f'<div class="wb-glance"><table class="wb-glance-table"><caption>'
            f"{escape_text(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")

    def _open_plan(self, plan_id: str) -> None:
        if plan_id in {p.plan_id for p in self.state.plans}:
            self.state.plan_id = plan_id

    # ---- glossary --------------------------------------------------------------------------
    def glossary_html(self) -> str:
        """What the numbers mean, one click away on every step (``state.format.glossary()``)."""
        _ = self.state.gettext
        items = "".join(f'<dt id="wb-term-{attr_text(key)}">{escape_text(term)}</dt>'
                        f"<dd>{escape_text(text)}</dd>"
                        for key, term, text in self.state.format.glossary())
        summary = _("What the words and numbers mean")
        return (f'<details class="wb-glossary"><summary>{escape_text(summary)}'
                f"</summary><dl>{items}</dl></details>")

    # ---- the page's address ----------------------------------------------------------------
    def _follow_address(self) -> None:
        """Come back to the place in the page's address, then keep the address up to date."""
        location = pn.state.location if pn.state.curdoc is not None else None
        if location is None:
            return
        query = location.query_params
        place = {k: (",".join(map(str, v)) if isinstance(v, list) else str(v))
                 for k, v in query.items() if k in ("learner", "plan", "step", "compare", "lang")}
        if place:
            self.state.go_to(**place)
        self._location = location
        self.state.param.watch(self._to_address, ["learner_id", "plan_id", "step",
                                                  "compare_ids", "language"])
        # the browser sets the address it opened with once the page has loaded: write the
        # session's place after that
        pn.state.onload(self._to_address)
        if self.lazy:
            pn.state.onload(self._on_page_loaded)

    def _on_page_loaded(self) -> None:
        # steps are built ahead only once the page has its document: a change made before the
        # browser is connected (a language taken from the address starts this too) never
        # reaches it, and the step would stay empty when shown
        self._page_loaded = True
        self._prebuild_later(pn.state.curdoc, PREBUILD_AFTER_S if self._shown_finished()
                             else FINISH_AFTER_S)

    def _shown_finished(self) -> bool:
        """Whether the step on screen has no part left to build (one not built yet is built
        whole when shown, so nothing is left for the build-ahead chain to finish)."""
        name = self.state.step
        return not self.steps.is_built(name) or not self._left_to_build(name)

    def _left_to_build(self, name: str) -> bool:
        """Whether step ``name`` is not built yet, or built without all its parts."""
        return not self.steps.is_built(name) or not self.steps[name].finished

    # ---- steps built ahead, while the session is idle ---------------------------------------
    def _prebuild_later(self, doc, wait_s: float, chain: int | None = None) -> None:
        """Build the next step after ``wait_s`` (``_prebuild_tick``). A new chain (no
        ``chain``) ends the one before it: only one runs per session."""
        if chain is None:
            self._prebuild_chain = chain = getattr(self, "_prebuild_chain", 0) + 1
        if doc is None or doc.session_context is None or self.next_to_build() is None:
            return  # not served (nothing would run the wait), or every step is built
        due = time.monotonic() + wait_s
        doc.add_timeout_callback(lambda: self._prebuild_tick(doc, due, wait_s, chain),
                                 int(wait_s * 1000))

    def _prebuild_tick(self, doc, due: float, wait_s: float, chain: int) -> None:
        """Build the rest of the step on screen, or else the next step not yet built, hidden
        in its place, unless the server is busy (then try again later); then wait for the
        one after."""
        session = getattr(doc.session_context, "session", None)
        if chain != self._prebuild_chain or (session is not None and
                                             session.connection_count == 0):
            return  # a newer chain runs, or the page has gone (nobody will open its steps)
        if not self._shown_finished():
            if new_sessions_waiting():  # other families' first screens come first
                self._prebuild_later(doc, FINISH_RETRY_S, chain)
                return
        elif new_sessions_waiting() or time.monotonic() - due > PREBUILD_BUSY_LATE_S:
            self._prebuild_later(doc, min(2 * wait_s, PREBUILD_MAX_WAIT_S), chain)
            return
        self._prebuild_in(doc)
        self._prebuild_later(doc, PREBUILD_AFTER_S, chain)

    def _prebuild_in(self, doc) -> None:
        from panel.io.state import set_curdoc

        with set_curdoc(doc), pn.io.hold(doc):  # the page gets the step in one message
            self.prebuild_one()

    def next_to_build(self) -> str | None:
        """What a family is likely to open next that is not built yet: the rest of the step
        on screen, then the steps after it, in order, then the ones before it."""
        i = STEPS.index(self.state.step)
        return next((name for name in STEPS[i:] + STEPS[:i] if self._left_to_build(name)),
                    None)

    def prebuild_one(self) -> str | None:
        """Build the rest of the step on screen, or one step not shown yet, in its hidden
        place (``next_to_build``), drawn for the state as it is; a hidden step catches up
        with later edits when shown. Returns the step's name."""
        name = self.next_to_build()
        if name is None:
            return None
        view = self.steps[name]
        view.finish()  # the rest of a first screen; nothing for a step built whole
        if name != self.state.step:
            self.places[name].objects = [view.__panel__()]
        return name

    def _to_address(self, *_):
        place = self.state.place()
        if self._location.query_params != place:
            self._location.update_query(**place)

    def servable_page(self) -> pn.template.BaseTemplate:
        """The app inside a page template, for serving (phone-sized viewport)."""
        tpl = _Page(
            title="", header_background="#0b4f8a", collapsed_sidebar=True, design=_Bootstrap,
            meta_viewport="width=device-width, initial-scale=1",
            # no header spinner: it changed its css_classes twice or three times per click, and
            # each change made Bokeh lay out (and the browser reflow) again in the browser
            busy_indicator=None,
        )
        tpl.header.append(self.title)
        # the shell, "Plans at a glance" and each step's place are roots of their own: a change
        # in one is laid out in the browser without the others (``places``); the page's
        # stylesheet puts them in order (the glance after the step on a phone)
        tpl.main.extend([self.top, self.glance, *self.places.values(), self.page_language])
        return tpl


class _Page(pn.template.BootstrapTemplate):
    """The Bootstrap template, its document built with the models frozen
    (``Document.models.freeze``): Panel adds the page's roots one by one, and the document
    walked every model of the page after each root (about 65 of a new session's 270 ms of
    document building on a 2,000-section catalogue); frozen, it does that walk once. And
    ``pn.config.set`` sets and restores only what it is given meanwhile
    (``_config_set_names_only``)."""

    def _init_doc(self, doc=None, *args, **kwargs):
        target = doc if doc is not None else pn.state.curdoc
        if target is None:
            return super()._init_doc(doc, *args, **kwargs)
        with target.models.freeze(), _config_set_names_only():
            return super()._init_doc(target, *args, **kwargs)


@contextlib.contextmanager
def _config_set_names_only():
    """While a page's document is built, ``pn.config.set(**values)`` sets the values it names
    and puts back only those.

    The template builds each root of the page inside ``config.set(design=...)``. Panel's own
    ``set`` reads all of its 120-odd settings before and after, each through the per-session
    look-up, and then ``param.update`` reads them all once more: about 3 ms a root, ten roots,
    some 15% of a new session's server time (py-spy, 2026-12-04). Building the roots changes
    no other setting, so putting back the named ones is the same result. Panel's method is
    back in place when the build ends, whatever happens; one event loop builds one document
    at a time, so nothing else runs meanwhile.
    """
    cls = type(pn.config)
    panels_set = cls.set

    @contextlib.contextmanager
    def set_names_only(self, **values):
        before = {name: getattr(self, name) for name in values}
        for name, value in values.items():
            setattr(self, name, value)
        try:
            yield
        finally:
            for name, value in before.items():
                setattr(self, name, value)

    cls.set = set_names_only
    try:
        yield
    finally:
        cls.set = panels_set


def create_app(data_dir: str | Path | None = None, db_path: str | Path | None = None,
               learner_id: str | None = None, lazy: bool = False,
               parameters=None) -> WorkbenchApp:
    """A fresh workbench with its own session state over a data directory and local store.

    Parameters
    ----------
    data_dir
        Catalogue and seed learners (default: the built-in sample data).
    db_path
        The local SQLite store (default: one per data directory under the user's data folder).
    learner_id
        Open this learner first.
    lazy
        Render steps only while on screen (what ``serve`` uses).
    parameters
        The projection's ``ModelParameters``, or a parameters file to read them from
        (``workbench calibrate``); default: the built-in defaults.
    """
    data_dir = Path(data_dir or SAMPLE_DATA).resolve()
    dataset = _load_dataset(str(data_dir))
    store = Store(Path(db_path) if db_path else default_db_path(data_dir))
    store.seed_from(dataset)
    imported = store.get_meta("catalogue_dir")
    if imported and (Path(imported) / "sections.csv").exists():
        # a provider catalogue the user imported earlier stays in use
        dataset = _load_dataset(imported)
    extra = {} if parameters is None else {"model_parameters": _parameters(parameters)}
    state = PlanningSession(dataset, store, learner_id=learner_id, **extra) if learner_id else \
        PlanningSession(dataset, store, **extra)
    return WorkbenchApp(state=state, lazy=lazy)


def _parameters(value):
    """``ModelParameters`` as given, or read from a parameters file."""
    if isinstance(value, str | Path):
        from .formats.parameters import read_parameters

        return read_parameters(value).parameters
    return value


#: The addresses that mean "this computer only".
LOOPBACK = ("127.0.0.1", "::1", "localhost")

#: Why ``serve`` refuses any other address (said in one line by ``workbench serve``).
NOT_LOOPBACK = ("sign-in is not available yet; serving beyond this computer would show every "
                "family's data to anyone on the network")

#: What the page may load: only this server's own files (scripts and styles inline too, which
#: Bokeh's page needs; blob: and data: for downloads and fonts), nothing from anywhere else, and
#: no other site may frame it. The browser enforces this even if something tried to fetch out.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline' blob:",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

#: Sent with every response: the content policy above (no other site may frame the app:
#: clickjacking), browsers must not guess content types, no address of the app leaks out.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _SecurityHeaders(tornado.web.OutputTransform):
    """Adds ``SECURITY_HEADERS`` to every response of the server (page, assets, errors).

    Tornado applies output transforms to every handler of the application, so one transform
    covers Bokeh's and Panel's own handlers without replacing any of them.
    """

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in SECURITY_HEADERS.items():
            old = headers.get(name)
            if name == "Content-Security-Policy" and old and "frame-ancestors" not in old:
                value = f"{old}; {value}"
            elif old:
                continue
            headers[name] = value
        return status_code, headers, chunk


def _use_local_assets() -> None:
    """Make every stylesheet of this session's document load from this server, never a CDN.

    Panel points component stylesheets at its CDN unless the document says where its own copy
    is; it says so only while rendering the HTML page, after the app has been built, so a
    session built first (e.g. under load) kept CDN addresses. Set it before anything is built.
    """
    from panel.io.resources import LOCAL_DIST

    doc = pn.state.curdoc
    if doc is not None:
        rel = pn.state.rel_path
        doc.template_variables["dist_url"] = f"{rel}/{LOCAL_DIST}" if rel else LOCAL_DIST


_RESOURCE_ATTRS = ("__javascript__", "__css__", "__javascript_modules__")
_models_checked = {"count": -1}


def _drop_outside_model_files() -> None:
    """Keep every page's script and style list on this server.

    Bokeh puts the files of *every* model class imported in the process on every page, so one
    import anywhere (a load test imports all of ``panel.models``) made each page fetch e.g.
    Vizzu from a public CDN. The app uses no model whose files exist only on a CDN, so their
    outside addresses are dropped from the server process's model classes; checked again only
    when new model classes have been imported.
    """
    from bokeh.model import Model

    models = Model.model_class_reverse_map
    if len(models) == _models_checked["count"]:
        return
    for cls in list(models.values()):
        for attr in _RESOURCE_ATTRS:
            files = getattr(cls, attr, None)
            if isinstance(files, str):
                files = [files]
            if not isinstance(files, list):
                continue
            local = [f for f in files if not re.match(r"(https?:)?//", str(f))]
            if len(local) != len(files):
                setattr(cls, attr, local)
    _models_checked["count"] = len(models)


def _no_developer_checks_per_session() -> None:
    """Leave out two of Bokeh's checks meant for a developer from every new session.

    Bokeh looks through every attribute of every model of a new page (``dir()`` of each) for
    warnings such as an empty layout (about 4% of a new session's server time), and reads the
    signature of every callback Panel attaches to a model (``inspect.signature``, about 3%)
    to say early when one takes the wrong arguments. Neither changes what a family sees.
    The test suite runs the model checks on a whole session's document instead
    (``tests/test_views_speed.py``); ``BOKEH_VALIDATE_DOC=true`` and
    ``BOKEH_PERFORM_ERROR_DIAGNOSTICS=true`` turn them back on.
    """
    import os

    from bokeh.settings import settings

    for env, setting in (("BOKEH_VALIDATE_DOC", settings.perform_document_validation),
                         ("BOKEH_PERFORM_ERROR_DIAGNOSTICS", settings.perform_error_diagnostics)):
        if env not in os.environ:
            setting.set_value(False)


#: Websocket close codes a browser sends when its page goes on purpose: 1000 (Bokeh's page
#: closed its connection) and 1001 ("going away": the tab was closed, reloaded or left). A
#: phone that loses its signal, sleeps or puts the browser in the background sends none
#: (the connection just drops), and its session waits for it to come back.
LEFT_ON_PURPOSE = (1000, 1001)
#: How often the server looks for sessions to let go (Bokeh's default is every 17 s).
CHECK_SESSIONS_MS = 1000


class _SessionsGoWithTheirPages(pn.io.server.WSHandler):
    """Panel's websocket handler, and a session whose page was closed on purpose
    (``LEFT_ON_PURPOSE``) is let go at the next look (``CHECK_SESSIONS_MS``).

    Bokeh keeps every closed session 15 s, so that a dropped connection can come back to it
    (its page reconnects on its own). A closed tab never comes back: with families opening
    and closing pages, dozens of closed sessions waited at once (41-60 of them in 60 open and
    close cycles), and the server's memory grew to hold them all and never shrank. A dropped
    connection still gets its 15 s.
    """

    def on_close(self) -> None:
        session = self.connection.session if self.connection is not None else None
        super().on_close()
        if session is not None and self.close_code in LEFT_ON_PURPOSE:
            session.request_expiration()


#: BokehJS bundles the served page never uses, left out of it: MathJax (1.8 MB of script; Panel
#: loads it for any page with an HTML pane, in case one holds TeX, and then typesets any
#: ``$$…$$`` or ``\(…\)`` in a text, a data file's included) and WebGL (for plots drawn with
#: ``output_backend="webgl"``; the page's charts are plain SVG).
UNUSED_BUNDLES = ("bokeh-mathjax", "bokeh-gl")


class _ResourcesWithoutUnused:
    """The server application as a page request sees it, its BokehJS resources without
    ``UNUSED_BUNDLES`` (everything else is the application's own)."""

    def __init__(self, application):
        self._application = application

    def __getattr__(self, name):
        return getattr(self._application, name)

    def resources(self, *args, **kwargs):
        resources = self._application.resources(*args, **kwargs)
        return resources.clone(components=[c for c in resources.components
                                           if c not in UNUSED_BUNDLES])


class _LeanPage(pn.io.server.DocHandler):
    """Panel's page handler, and the page it writes loads no ``UNUSED_BUNDLES``: 2 MB less for
    a phone to fetch and run at every first visit."""

    async def get(self, *args, **kwargs):
        self.application = _ResourcesWithoutUnused(self.application)
        return await super().get(*args, **kwargs)


def _sessions_go_with_their_pages() -> None:
    """Every app served from now on takes its websocket through ``_SessionsGoWithTheirPages``
    and its page through ``_LeanPage`` (Bokeh's per-app routes, where Panel put its own
    handlers)."""
    from bokeh.server.urls import per_app_patterns

    for i, (route, handler, *rest) in enumerate(per_app_patterns):
        if route == "/ws" and handler is pn.io.server.WSHandler:
            per_app_patterns[i] = (route, _SessionsGoWithTheirPages, *rest)
        elif route == r"/?" and handler is pn.io.server.DocHandler:
            per_app_patterns[i] = (route, _LeanPage, *rest)


#: After sessions went, the server runs a full garbage collection this long after.
COLLECT_AFTER_S = 1.0
#: ... put off as many times at most while new sessions wait for their turn.
COLLECT_PUT_OFF = 10


class _MemoryBack:
    """Closed sessions are collected soon after they go, and the pages freed go back to the
    system (the C library's ``malloc_trim``, where it has one: glibc, so Debian).

    A session's objects are tied to each other in cycles that only a full collection frees.
    Panel runs one 5 s after the last session went (``panel.io.document``), which never comes
    while sessions keep closing; and served, Python's own come seldom
    (``FULL_COLLECTION_EVERY``). So a session that goes asks for one ``COLLECT_AFTER_S``
    later (``session_gone``), one for all that go meanwhile, put off while new sessions wait
    to be built. The allocator then kept the freed pages for itself, so the memory of closed
    sessions stayed with the process: ``after_collection`` is one of Python's
    ``gc.callbacks``, and trims at the end of a full collection, only when sessions went since
    the last trim.
    """

    def __init__(self):
        self.pending = False
        self._collection = None  # the full collection asked for, while it waits
        self._put_off = 0
        try:
            import ctypes

            self._trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            self._trim = None

    def session_gone(self, _context=None) -> None:
        """A session went: a full collection ``COLLECT_AFTER_S`` later, one for all that go
        meanwhile, on the event loop this runs on (outside one, none is asked for)."""
        self.pending = True
        if self._collection is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._collection = loop.call_later(COLLECT_AFTER_S, self._collect, loop)

    def _collect(self, loop) -> None:
        """Collect now, unless new sessions wait for their turn: then a little later, up to
        ``COLLECT_PUT_OFF`` times (a crowd does not wait for it, nor it for ever)."""
        if new_sessions_waiting() and self._put_off < COLLECT_PUT_OFF:
            self._put_off += 1
            self._collection = loop.call_later(COLLECT_AFTER_S, self._collect, loop)
            return
        self._collection, self._put_off = None, 0
        gc.collect()

    def after_collection(self, phase: str, info: dict) -> None:
        if phase == "stop" and info.get("generation") == 2 and self.pending:
            self.pending = False
            if self._trim is not None:
                self._trim(0)


#: The one ``_MemoryBack`` of this process (among Python's ``gc.callbacks`` once serving).
MEMORY_BACK = _MemoryBack()


def _memory_back_after_collections() -> _MemoryBack:
    if MEMORY_BACK.after_collection not in gc.callbacks:
        gc.callbacks.append(MEMORY_BACK.after_collection)
    return MEMORY_BACK


def _shared_tables_first(catalogue) -> None:
    """Build the catalogue's read-only tables that every session shares (the engine's arrays,
    the filters' index) before the first session, instead of in it: the first family does not
    wait for them, forked processes inherit them, and they are left out of full collections
    with the rest (``_freeze_what_is_loaded``). Nothing in them is about a learner. (A
    catalogue a user imported into the store is built on first use, as before: the store is
    not opened before serving.)"""
    from .domain.arrays import catalogue_arrays
    from .filters import catalogue_index

    catalogue_arrays(catalogue)
    catalogue_index(catalogue)


#: Served, Python considers a full garbage collection after this many collections of its
#: middle generation instead of its default 10 (``gc.set_threshold``'s third figure): one in
#: 30 new sessions or more instead of one in about six (see ``_freeze_what_is_loaded``).
FULL_COLLECTION_EVERY = 100


def _freeze_what_is_loaded() -> int:
    """Leave what the server has loaded before its first session (the libraries, the
    catalogue) out of Python's full garbage collections from now on (``gc.freeze``); returns
    how many objects that is.

    A full collection walks every object the process holds, and sessions' widgets bring one
    on every one or two sessions, on the event loop that every page waits for: about 250 ms
    with the 280,000 objects of a 2,000-section catalogue's server, a fifth of it once they
    are left out (2026-12-07, a slow day on a shared host). Panel also runs one after sessions
    close. Only for a process that serves and nothing else: what is left out is never
    collected, and no session exists yet, so nothing about a learner is.

    Full collections are also made rarer (``FULL_COLLECTION_EVERY``). What they walk then is
    the open sessions, which are alive, so one that falls in a session's build or a click is
    mostly wasted (18-140 ms each with ten sessions open, growing with them). Closed sessions
    do not wait for them: a collection follows sessions that went (``_MemoryBack``)."""
    gc.collect()
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    return gc.get_freeze_count()


#: The pause between one new session's build and the next one's, in which the server answers
#: what else came in meanwhile (clicks, documents asked for, pages).
TURN_GAP_S = 0.005
#: ... and this many turns of the event loop after it.
TURN_HOPS = 20
#: The longest a new session waits for its turn (then it is built anyway).
TURN_WAIT_S = 30.0


#: Every ``_OneNewSessionAtATime`` of this process (one per served application).
_TURN_KEEPERS: weakref.WeakSet = weakref.WeakSet()


def new_sessions_waiting() -> bool:
    """Whether new sessions of this process wait for their turn to be built: work that can
    wait (the rest of a first step, steps built ahead) waits for them."""
    return any(keeper.waiting for keeper in _TURN_KEEPERS)


class _OneNewSessionAtATime(Handler):
    """New sessions are built one at a time, each in a turn of the event loop of its own.

    A session's build is some 200 ms of work the event loop cannot interrupt. When twenty
    families open the page at once, Bokeh starts all twenty builds in the same turn of the
    loop, so each runs straight after the other: nothing else is answered for 4 s, not the
    clicks of families already working, not the documents of the sessions already built
    (every one of the twenty got its page at the very end). Here a build waits for the one
    before it, ``TURN_GAP_S`` and ``TURN_HOPS`` turns of the loop more, and meanwhile the
    server answers everything that came in: a click waits at most about one build, and pages
    arrive one after another. The work, and so the time until the last page, is the same.

    A Bokeh handler of the served application: Bokeh awaits every handler's
    ``on_session_created`` before it builds the session's document.
    """

    def __init__(self):
        super().__init__()
        self._busy = False
        self._waiting: collections.deque = collections.deque()
        _TURN_KEEPERS.add(self)

    @property
    def waiting(self) -> int:
        """How many new sessions wait for their turn now."""
        return sum(not turn.done() for turn in self._waiting)

    async def wait_for_turn(self) -> None:
        """Return when this session may be built.

        Bokeh builds the session straight after this returns, in the same turn of the loop,
        so the next turn, set here, comes only once this build is over (plus ``TURN_GAP_S``).
        """
        if self._busy:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await asyncio.wait_for(asyncio.shield(turn), TURN_WAIT_S)
            except TimeoutError:
                turn.cancel()  # passed over when its turn comes
        self._busy = True
        IOLoop.current().call_later(TURN_GAP_S, self._next)

    def _next(self, hops: int | None = None) -> None:
        hops = TURN_HOPS if hops is None else hops
        if hops and self._waiting:
            # one more turn of the loop first: what came in meanwhile (a click's several
            # steps, a document asked for) goes on without waiting for another build
            IOLoop.current().add_callback(self._next, hops - 1)
            return
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._busy = False

    def modify_document(self, doc) -> None:
        """Nothing: the workbench's own handler builds the page."""

    async def on_session_created(self, session_context) -> None:
        await self.wait_for_turn()


#: Where the served page finds ``CSS`` (one file the browser fetches and parses once).
STYLE_PATH = "workbench.css"


class _StyleHandler(tornado.web.RequestHandler):
    """``CSS`` as a file: served once and cached, instead of inline in every component."""

    def get(self):
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("Cache-Control", "public, max-age=86400")
        self.write(CSS)


def _style_from_file() -> None:
    """Move ``CSS`` from ``raw_css`` to a stylesheet file this server serves.

    Panel copies every ``raw_css`` string into every component's own stylesheet list, so each
    model of every page carried the whole ~4 KB stylesheet: a third of a session's server time
    went into serialising it, and the browser parsed it once per shadow root. A ``.css``
    address instead becomes one stylesheet model per page, shared by reference (the notebook
    keeps ``raw_css``: nothing serves the file there).
    """
    import hashlib

    pn.config.raw_css = [c for c in pn.config.raw_css if c != CSS]
    url = f"{STYLE_PATH}?v={hashlib.sha1(CSS.encode()).hexdigest()[:10]}"
    if url not in pn.config.css_files:
        pn.config.css_files = [*pn.config.css_files, url]


def serve(data_dir=None, port: int = 5006, address: str = "127.0.0.1", show: bool = False,
          db_path=None, threaded: bool = False, parameters=None, num_procs: int = 1):
    """Serve the workbench on this computer; every browser session gets a fresh app.

    Every asset (Bokeh, Panel, Bootstrap, the loading spinner) comes from this server, never a
    CDN, and every response carries ``SECURITY_HEADERS``.

    ``num_procs`` > 1 forks that many server processes sharing the port (0: one per core);
    each session lives in one of them. They share the SQLite store file, whose versioned saves
    hold across processes (``workbench.store``). Nothing touches the store before the fork.

    Raises
    ------
    ValueError
        When ``address`` is not a loopback address: there is no sign-in yet (``NOT_LOOPBACK``),
        or ``num_procs`` is negative or combined with ``threaded``.
    """
    from bokeh.settings import settings

    if address not in LOOPBACK:
        raise ValueError(NOT_LOOPBACK)
    if num_procs < 0 or (num_procs != 1 and threaded):
        raise ValueError("num_procs must be 0 (one per core) or more, and not threaded")
    data_dir = Path(data_dir or SAMPLE_DATA).resolve()
    # load once up front so bad data fails before serving (forked processes inherit it)
    _shared_tables_first(_load_dataset(str(data_dir)).catalogue)
    parameters = None if parameters is None else _parameters(parameters)  # read once, fail early
    if not threaded:  # this process serves and does nothing else (tests serve in a thread)
        _freeze_what_is_loaded()
    settings.resources.set_value("server")  # BOKEH_RESOURCES=cdn must not send us to a CDN
    _no_developer_checks_per_session()
    _style_from_file()
    _sessions_go_with_their_pages()
    memory_back = _memory_back_after_collections()

    def page():
        _use_local_assets()
        _drop_outside_model_files()
        pn.state.on_session_destroyed(memory_back.session_gone)
        return create_app(data_dir, db_path, lazy=True, parameters=parameters).servable_page()

    host = f"[{address}]" if ":" in address else address
    print(f"Anywhere Learning Workbench: http://{host}:{port}/", flush=True)
    extra = {"num_procs": num_procs} if num_procs != 1 else {}
    # Panel's application for the page function, as ``pn.serve`` would build it, with one
    # handler more: each new session waits for its turn
    server_id = uuid.uuid4().hex
    apps = build_applications({"/": page}, title="Anywhere Learning Workbench",
                              server_id=server_id)
    apps["/"].add(_OneNewSessionAtATime())
    return pn.serve(apps, port=port, address=address, show=show, threaded=threaded,
                    server_id=server_id, websocket_origin=[
                        f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"],
                    transforms=[_SecurityHeaders], verbose=False,
                    check_unused_sessions_milliseconds=CHECK_SESSIONS_MS,
                    extra_patterns=[(rf"/{re.escape(STYLE_PATH)}", _StyleHandler)], **extra)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackgroundServer:
    """``serve`` (its stylesheet route, security headers, local assets) in a background thread
    of this process on a free loopback port, answering by the time it is returned
    (``serve_in_background``). ``url`` is its address; ``stop()`` ends it."""

    def __init__(self, data_dir=None, db_path=None, wait_s: float = 60.0):
        import time
        import urllib.request

        self.port = free_port()
        self.db_path = db_path
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server = serve(data_dir=data_dir, port=self.port, db_path=db_path, threaded=True)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the workbench did not answer on {self.url} "
                                       f"within {wait_s:g} s") from None
                time.sleep(0.1)

    def sessions(self) -> dict:
        """Session id -> Bokeh's ``ServerSession``, every session the server holds now."""
        server = pn.state._servers[self.server.server_id][0]
        return {s.id: s for ctx in server._tornado._applications.values() for s in ctx.sessions}

    def stop(self) -> None:
        self.server.stop()


def serve_in_background(data_dir=None, db_path=None, wait_s: float = 60.0) -> BackgroundServer:
    """The workbench served as ``workbench serve`` serves it, in a background thread, once it
    answers (tests and benchmarks: one serve-and-wait loop for all of them)."""
    return BackgroundServer(data_dir, db_path, wait_s)
