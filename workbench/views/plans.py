"""Step 4 — Plans: up to five named plans, a weekly calendar, and the live list of problems."""

from __future__ import annotations

import panel as pn

from ..domain.feasibility import KIND_TITLES
from ..domain.schedule import day_trips, plan_meetings
from ..markup import escape_text
from ..plots import week_calendar
from ..state import MAX_PLANS
from .week import blocks_frame
from .widgets import StepView, held, watch_when_shown


def problems_html(problems, catalogue) -> str:
    """The problems of a plan as an accessible HTML list (all text escaped)."""
    if not problems:
        return ('<div class="wb-ok" role="status"><b>No problems found.</b> '
                "This plan fits the learner's week, travel, budget and needs.</div>")
    items = []
    for p in problems:
        fix = f'<div class="wb-fix">What could help: {escape_text(p.fix)}</div>' if p.fix else ""
        items.append(f'<li><b>{escape_text(KIND_TITLES.get(p.kind, p.kind))}</b>: '
                     f"{escape_text(p.message)}{fix}</li>")
    n = len(problems)
    return (f'<div class="wb-problems" role="status"><b>{n} thing{"s" if n > 1 else ""} '
            f"would break this plan:</b><ul>{''.join(items)}</ul></div>")


class PlansStep(StepView):
    """Create, duplicate, rename and delete plans; see the week and what would break it."""


    def __init__(self, **params):
        super().__init__(**params)
        self._syncing = False
        self.picker = pn.widgets.Select(label="Plan", width=280)
        self.picker.param.watch(held(self._pick), "value")
        self.new = pn.widgets.Button(label="New plan")
        self.duplicate = pn.widgets.Button(label="Duplicate plan")
        self.delete = pn.widgets.Button(label="Delete plan", color="danger")
        self.rename_to = pn.widgets.TextInput(label="Plan name", width=280)
        self.rename = pn.widgets.Button(label="Rename plan")
        self.new.on_click(held(lambda _e: self.state.new_plan()))
        self.duplicate.on_click(held(lambda _e: self.state.duplicate_plan()))
        self.delete.on_click(held(lambda _e: self.state.delete_plan()))
        self.rename.on_click(held(lambda _e: self.state.rename_plan(self.rename_to.value)))
        self.calendar = pn.pane.HoloViews(sizing_mode="stretch_width", min_height=420,
                                          min_width=320)
        self.problems = pn.pane.HTML(sizing_mode="stretch_width")
        self.totals = pn.pane.HTML(sizing_mode="stretch_width")
        self.sections = pn.Column(sizing_mode="stretch_width")
        self._layout = pn.Column(
            pn.pane.Markdown(f"## Plans\nA learner can have up to {MAX_PLANS} plans. "
                             "Problems update as soon as a plan changes."),
            pn.FlexBox(self.picker, pn.Column(pn.Spacer(height=18),
                                          pn.FlexBox(self.new, self.duplicate, self.delete))),
            pn.FlexBox(self.rename_to, pn.Column(pn.Spacer(height=18), self.rename)),
            pn.FlexBox(
                pn.Column(self.calendar, sizing_mode="stretch_width", min_width=320),
                pn.Column(self.problems, self.totals, pn.pane.Markdown("### In this plan"),
                          self.sections, sizing_mode="stretch_width", min_width=300,
                          max_width=460),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Plans", self._sync, ["problems", "plans", "plan_id"])

    def _sync(self, *_):
        s = self.state
        self._syncing = True
        try:
            self.picker.options = s.plan_choices()
            self.picker.value = s.plan_id
            self.rename_to.value = s.plan.name if s.plan else ""
            self.new.disabled = len(s.plans) >= MAX_PLANS or s.learner is None
            self.duplicate.disabled = s.plan is None or len(s.plans) >= MAX_PLANS
            self.delete.disabled = s.plan is None
        finally:
            self._syncing = False
        self._render()

    def _render(self):
        s, lr, plan = self.state, self.state.learner, self.state.plan
        if lr is None:
            return
        sections = plan.sections if plan else []
        meetings = plan_meetings(s.catalogue, sections)
        trips = day_trips(s.catalogue, lr, sections)
        self.calendar.object = week_calendar(
            meetings, trips, free=blocks_frame(lr.availability), busy=blocks_frame(lr.commitments),
            title=f"{plan.name if plan else 'No plan yet'} — a typical week",
            highlight={sid for p in s.problems if p.kind in ("time_conflict", "travel_time",
                                                             "unavailable") for sid in p.sections})
        self.problems.object = problems_html(s.problems, s.catalogue)
        ledger = s.ledgers.get(plan.plan_id) if plan else None
        if ledger:
            self.totals.object = (
                f"<p>About <b>{ledger['hours_per_week']:.1f} hours a week</b> of learning "
                f"(most in one week: {ledger['max_hours_per_week']:.1f}), "
                f"<b>{ledger['travel_minutes_per_week']:.0f} minutes</b> of travel a week, "
                f"costs <b>${ledger['cost']:,.0f}</b> in all.</p>")
        else:
            self.totals.object = ""
        rows = []
        table = s.plan_sections(plan)
        for sid, row in table.iterrows():
            btn = pn.widgets.Button(label=f"Remove {row['title']}", color="light",
                                    sizing_mode="stretch_width", max_width=420)
            btn.on_click(held(lambda _e, sid=sid: s.remove_section(sid)))
            rows.append(pn.Column(pn.pane.HTML(
                f"<b>{escape_text(str(row['title']))}</b> — "
                f"{escape_text(str(row['provider_name']))}", sizing_mode="stretch_width",
                margin=(5, 10, 0, 10)), btn, sizing_mode="stretch_width"))
        self.sections.objects = rows or [pn.pane.Markdown(
            "*Nothing in this plan yet. Add opportunities on the Opportunities step.*")]

    def _pick(self, event):
        if not self._syncing and event.new:
            self.state.plan_id = event.new

