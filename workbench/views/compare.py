"""Step 5 — Compare: plans side by side on outcomes, credits, hours, travel and cost."""

from __future__ import annotations

import math

import panel as pn

from ..domain.feasibility import KIND_TITLES
from ..markup import escape_text
from ..plots import goal_bars, heatmap, trajectory_svgs
from ..state import MAX_PLANS
from .widgets import WRAP, StepView, held, watch_when_shown


def _money(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"${v:,.0f}"


def _chance(p: float) -> str:
    """A probability as families read it; never a promise of 0% or 100%."""
    p = float(p)
    if p > 0.995:
        return "over 99%"
    if 0 < p < 0.005:
        return "under 1%"
    return f"{p * 100:.0f}%"


def _breaks(problems) -> str:
    if problems is None:
        return "—"
    if not problems:
        return "Nothing: it fits"
    kinds = list(dict.fromkeys(KIND_TITLES.get(p.kind, p.kind) for p in problems))
    return f"{len(problems)} problem{'s' if len(problems) > 1 else ''}: " + "; ".join(kinds)


def comparison_html(ledgers: list[dict], problems: dict | None = None) -> str:
    """A plain table of the numbers that matter to a family, one column per plan."""
    problems = problems or {}
    rows = [
        ("What would break it", lambda d: _breaks(problems.get(d["plan_id"]))),
        ("Hours of learning a week", lambda d: f"{d['hours_per_week']:.1f}"),
        ("Travel a week", lambda d: f"{d['travel_minutes_per_week']:.0f} min"),
        ("Cost for the year", lambda d: _money(d["cost"])),
        ("Competency credits expected", lambda d: f"{d['expected_credits']:.1f}"),
        ("New credits this year", lambda d: f"{d['credits_gained']:.1f}"),
        ("Seat-time (Carnegie) units", lambda d: f"{d['carnegie_units']:.2f}"),
        ("Cost per new credit", lambda d: "free" if d["cost"] == 0 else
         _money(d["cost_per_credit"])),
    ]
    head = "".join(f'<th scope="col">{escape_text(d["plan_name"])}</th>' for d in ledgers)
    body = "".join(
        f'<tr><th scope="row">{label}</th>'
        + "".join(f"<td>{escape_text(fmt(d))}</td>" for d in ledgers) + "</tr>"
        for label, fmt in rows)
    goal_rows = ""
    if ledgers and ledgers[0].get("goals"):
        for i, g in enumerate(ledgers[0]["goals"]):
            cells = "".join(f"<td>{_chance(d['goals'][i]['probability'])}</td>"
                            for d in ledgers)
            goal_rows += (f'<tr><th scope="row">Chance: {escape_text(g["target_word"])} in '
                          f'{escape_text(g["name"])} by {g["by"]:%b %-d, %Y}</th>{cells}</tr>')
    return (f'<div style="overflow-x:auto"><table class="wb-compare"><caption>Plans side by side</caption>'
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}{goal_rows}</tbody></table></div>")


class CompareStep(StepView):
    """Two to five plans side by side: trajectories with uncertainty, goals, credits, cost."""


    def __init__(self, **params):
        super().__init__(**params)
        self._syncing = False
        self.choose = pn.widgets.CheckBoxGroup(label="Plans to compare", inline=True, stylesheets=[WRAP])
        self.choose.param.watch(held(self._chosen), "value")
        self.table = pn.pane.HTML(sizing_mode="stretch_width")
        self.goals = pn.pane.HoloViews(sizing_mode="stretch_width", min_height=260)
        self.curves = pn.pane.HTML(sizing_mode="stretch_width")
        self.no_goals = pn.pane.Markdown("*Add goals on the Learner step to see them here.*",
                                         visible=False)
        self.heat = pn.pane.HoloViews(sizing_mode="stretch_width", min_height=420)
        self._layout = pn.Column(
            pn.pane.Markdown(f"## Compare plans\nTick 2 to {MAX_PLANS} plans. Projections are "
                             "estimates with a range: the shaded band shows where the learner "
                             "will likely be (8 in 10 chances)."),
            self.choose, self.table,
            pn.pane.Markdown("### Chance of reaching each goal by its date"), self.goals,
            pn.pane.Markdown("### Projected level over the year for each goal"), self.curves,
            self.no_goals,
            pn.pane.Markdown("### Chance of Proficient by the end of the year, every competency "
                             "the plans touch"), self.heat,
            sizing_mode="stretch_width",
        )
        watch_when_shown(self, "Compare", self._sync, ["comparison", "plans", "compare_ids"])

    def _sync(self, *_):
        s = self.state
        self._syncing = True
        try:
            self.choose.options = s.plan_choices()
            self.choose.value = [i for i in s.compare_ids if i in {p.plan_id for p in s.plans}]
        finally:
            self._syncing = False
        comp = s.comparison
        if comp is None:
            self.table.object = ("<p>Tick at least two plans to compare them. "
                                 "Make a second plan on the Plans step.</p>")
            for pane in (self.goals, self.curves, self.heat):
                pane.visible = False
            return
        for pane in (self.goals, self.curves, self.heat):
            pane.visible = True
        ids = list(comp.table["plan_id"])
        self.table.object = comparison_html([s.ledgers[i] for i in ids if i in s.ledgers],
                                            s.plan_problems)
        self.goals.object = goal_bars(comp.table)
        goal_ids = [g.competency_id for g in s.learner.goals]
        first = comp.projections[ids[0]].goals if ids else None
        plots = [c for c in goal_ids if c in set(comp.trajectories["competency_id"])]
        self.curves.object = trajectory_svgs(comp.trajectories, goal_ids, first)
        self.curves.visible = bool(plots)
        self.no_goals.visible = not plots
        heat = comp.heatmap
        touched = heat.groupby("competency_id")["p_proficient_end"].transform(
            lambda v: v.max() - v.min() > 0.005 or v.max() > 0.01)
        self.heat.object = heatmap(heat[touched.astype(bool)])

    def _chosen(self, event):
        if not self._syncing:
            self.state.compare_ids = list(event.new)[:MAX_PLANS]
