"""Step 5 — Compare: plans side by side on outcomes, credits, hours, travel and cost — and why
each goal has the chance it has.

The ticks are bound to ``state.compare_ids`` (``from_param``): the state is the one place the
choice lives, so ticks and table cannot drift apart however fast boxes are ticked. The charts sit
in one box that is shown or hidden as a whole (hiding a HoloViews pane itself makes Panel push
its ``design`` onto the Bokeh figure, which fails and leaves stale charts behind).
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param

from ..domain.explain import explanation_text
from ..domain.feasibility import check_plan, kind_title
from ..domain.ledger import NO_GAIN
from ..domain.summary import goals_likely
from ..domain.words import ENGLISH, Words, capitalize, goal_reached
from ..markup import attr, escape_text
from ..plots import PALETTE, plan_labels, short_plan_label, trajectory_svgs
from ..state import MAX_PLANS
from .opportunities import CONTROL_CSS, bound_tick
from .widgets import WRAP, StepView, held, watch_when_shown

TEXT_CSS = """
:host{display:block;width:100%;font-size:16px;line-height:1.4}
.wb-scroll{overflow-x:auto;max-width:100%}
table.wb-compare{border-collapse:collapse;width:100%;min-width:18rem}
.wb-compare th,.wb-compare td{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;
vertical-align:top;overflow-wrap:break-word}
@media (max-width:640px){
.wb-compare thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.wb-compare,.wb-compare tbody,.wb-compare tr,.wb-compare th,.wb-compare td{display:block;
width:auto;min-width:0}
.wb-compare tr{border-bottom:2px solid #c9ccd1;padding:.3rem 0}
.wb-compare th[scope=row]{border:0;padding-bottom:0}
.wb-compare td{border:0;padding:.1rem .5rem}
.wb-compare td::before{content:attr(data-plan) ": ";font-weight:600}
.wb-compare caption{display:block}}
.wb-bars{list-style:none;margin:.2rem 0 .8rem;padding:0}
.wb-bars li{margin:.25rem 0}
.wb-bar{display:flex;align-items:center;gap:.5rem}
.wb-bar-track{flex:1 1 auto;height:14px;background:#eef0f2;border-radius:7px;overflow:hidden;
min-width:60px;max-width:420px}
.wb-bar-fill{height:100%;border-radius:7px}
.wb-bar-text{min-width:4.5em;text-align:right;font-variant-numeric:tabular-nums}
table.wb-heat{border-collapse:collapse;min-width:18rem}
.wb-heat th,.wb-heat td{padding:.3rem .5rem;border:1px solid #fff;text-align:left}
.wb-heat td{text-align:center;min-width:4.5em}
.wb-compare caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.wb-warn{color:#8a4b00;font-weight:600}
.wb-why{border-left:4px solid #0b4f8a;padding:.2rem .8rem;margin:.8rem 0}
.wb-why h4{margin:.2rem 0;font-size:1.05rem;font-weight:700}
.wb-why ul{margin:.2rem 0 .2rem 1.1rem;padding:0}
.wb-raise{color:#0b5a31;font-weight:600}
details{margin:.6rem 0}summary{cursor:pointer;min-height:44px;display:flex;align-items:center;
font-weight:600}
dt{font-weight:600;margin-top:.4rem}dd{margin:0 0 .3rem 0}
.wb-compare .wb-draft{background:#f3f7fb}
.wb-draft-tag{font-weight:400;font-style:italic}
.wb-draft-note{border-left:4px solid #6b7785;padding:.2rem .8rem}
"""
#: The class a suggested (unsaved) plan's cells carry in the comparison table.
DRAFT_CLASS = ' class="wb-draft"'



def _goal_likely(w: Words, led: dict) -> str:
    """"2 of 3 goals likely" (``summary.goals_likely``: a chance of ``words.ON_TRACK`` or
    more)."""
    goals = led.get("goals") or []
    if not goals:
        return "—"
    likely, n = goals_likely(goals)
    return w.ngettext("{likely} of {n} goal likely", "{likely} of {n} goals likely",
                      n).format(likely=likely, n=n)


def _breaks(w: Words, problems, led: dict) -> str:
    if problems is None:
        return "—"
    if problems:
        kinds = list(dict.fromkeys(kind_title(p.kind, w) for p in problems))
        return w.ngettext("{n} problem: {kinds}", "{n} problems: {kinds}",
                          len(problems)).format(n=len(problems), kinds="; ".join(kinds))
    goals = [g for g in led.get("goals") or [] if g["current_level"] < g["target_level"]]
    if goals and all(g["probability"] < 0.005 for g in goals):
        return w.gettext("Nothing — but it practises none of the goals")
    return w.gettext("Nothing: it fits")


def _credits(w: Words, led: dict) -> str:
    text = w.number_span(led["expected_credits"], led.get("expected_credits_low"),
                         led.get("expected_credits_high"))
    if led["credits_gained"] < NO_GAIN:
        return w.gettext("{credits} (all from levels already reached)").format(credits=text)
    return text


def _chance_cell(w: Words, g: dict) -> str:
    if goal_reached(g["current_level"], g["target_level"], g["probability"]):
        return w.gettext("already reached")
    p = g["probability"]
    word = w.likelihood(p)
    span = w.likely_range(p, g.get("probability_low"), g.get("probability_high"))
    if span == w.gettext("very likely, not certain"):
        return w.gettext("{chance} ({range})").format(chance=w.chance(p), range=span)
    if span:
        return w.gettext("{chance} ({likely}); {range}").format(chance=w.chance(p), likely=word,
                                                                 range=span)
    return w.gettext("{chance} ({likely})").format(chance=w.chance(p), likely=word)


def comparison_html(ledgers: list[dict], problems: dict | None = None,
                    words: Words = ENGLISH, drafts=frozenset()) -> str:
    """A plain table of the numbers that matter to a family, one column per plan (text escaped;
    wide tables scroll inside their own box). Plans whose id is in ``drafts`` are suggestions
    that are not saved: their column says so in words and is shaded."""
    w = words
    _ = w.gettext
    problems = problems or {}
    drafts = set(drafts)
    rows = [
        (_("What would break it"), lambda d: _breaks(w, problems.get(d["plan_id"]), d)),
        (_("Goals likely to be reached"), lambda d: _goal_likely(w, d)),
        (_("Hours of learning a week"), lambda d: w.hours(d["hours_per_week"])),
        (_("Travel a week"), lambda d: w.duration(d["travel_minutes_per_week"])),
        (_("Cost for the year"), lambda d: w.money(d["cost"])),
        (_("Competency credits expected"), lambda d: _credits(w, d)),
        (_("New credits this year"), lambda d: w.number(d["credits_gained"])),
        (_("Seat-time (Carnegie) units"), lambda d: w.number(d["carnegie_units"], 2)),
        (_("Cost per new credit"), lambda d: _("free") if d["cost"] == 0 else (
            _("no new credit to divide by") if d["cost_per_credit"] is None
            else w.money(d["cost_per_credit"], estimate=True))),
    ]
    draft_words = _("draft, not saved")
    head = "".join(
        f'<th scope="col"{DRAFT_CLASS if d["plan_id"] in drafts else ""}>'
        f'{escape_text(d["plan_name"])}'
        + (f' <span class="wb-draft-tag">({escape_text(draft_words)})</span>'
           if d["plan_id"] in drafts else "") + "</th>" for d in ledgers)
    # each cell carries its plan's name: on a phone the table becomes a list per row
    plan = [attr(short_plan_label(d["plan_name"]) + (
        f" ({draft_words})" if d["plan_id"] in drafts else "")) for d in ledgers]
    shade = [DRAFT_CLASS if d["plan_id"] in drafts else "" for d in ledgers]
    body = "".join(
        f'<tr><th scope="row">{escape_text(label)}</th>'
        + "".join(f'<td data-plan="{plan[j]}"{shade[j]}>{escape_text(fmt(d))}</td>'
                  for j, d in enumerate(ledgers)) + "</tr>"
        for label, fmt in rows)
    goal_rows = ""
    if ledgers and ledgers[0].get("goals"):
        for i, g in enumerate(ledgers[0]["goals"]):
            cells = "".join(f'<td data-plan="{plan[j]}"{shade[j]}>'
                            f"{escape_text(_chance_cell(w, d['goals'][i]))}</td>"
                            for j, d in enumerate(ledgers))
            label = _("Chance: {level} in {competency} by {date}").format(
                level=w.level(g["target_level"]), competency=g["name"], date=w.date(g["by"]))
            goal_rows += f'<tr><th scope="row">{escape_text(label)}</th>{cells}</tr>'
    caption = escape_text(_("Plans side by side"))
    return (f'<div class="wb-scroll" role="region" aria-label="{caption}" tabindex="0">'
            f'<table class="wb-compare"><caption>{caption}</caption>'
            f'<thead><tr><td></td>{head}</tr></thead><tbody>{body}{goal_rows}</tbody></table>'
            "</div>")


def drafts_note_html(names: list[str], keep_as: str, words: Words = ENGLISH) -> str:
    """What the draft columns are, and the one way to keep one (the Plans step's button)."""
    if not names:
        return ""
    w = words
    text = w.ngettext(
        "{names} is a draft from “Suggest plans”: it is not saved, and it goes away when the "
        "learner's details change. To keep it, use “Keep as {plan}” beside it on the Plans "
        "step.",
        "{names} are drafts from “Suggest plans”: they are not saved, and they go away when the "
        "learner's details change. To keep one, use “Keep as {plan}” beside it on the Plans "
        "step.", len(names)).format(names=w.join(names), plan=keep_as)
    return f'<p class="wb-draft-note">{escape_text(text)}</p>'


def goal_bars_html(ledgers: list[dict], words: Words = ENGLISH, drafts=frozenset()) -> str:
    """The chance of each goal by its date, one bar per plan (plain HTML: it reads the same on
    a phone, in print and to a screen reader; the numbers are written beside the bars). Plans
    whose id is in ``drafts`` are named as drafts, not saved."""
    w = words
    if not ledgers or not ledgers[0].get("goals"):
        return ""
    labels = plan_labels([d["plan_name"] for d in ledgers])
    labels = {d["plan_name"]: w.gettext("{plan} (draft, not saved)").format(
        plan=labels[d["plan_name"]]) if d.get("plan_id") in drafts else labels[d["plan_name"]]
        for d in ledgers}
    out = []
    for i, g in enumerate(ledgers[0]["goals"]):
        title = capitalize(w.gettext("{level} in {competency} by {date}").format(
            level=w.level(g["target_level"]), competency=g["name"], date=w.date(g["by"])))
        bars = []
        for j, d in enumerate(ledgers):
            goal = d["goals"][i]
            p = float(goal["probability"])
            text = w.chance_span(p, goal.get("probability_low"), goal.get("probability_high"))
            bars.append(
                f'<li><div>{escape_text(labels[d["plan_name"]])}</div><div class="wb-bar">'
                f'<div class="wb-bar-track" aria-hidden="true"><div class="wb-bar-fill" '
                f'style="width:{100 * p:.1f}%;background:{PALETTE[j % len(PALETTE)]}"></div>'
                f'</div><span class="wb-bar-text">{escape_text(text)}</span></div></li>')
        out.append(f"<p><b>{escape_text(title)}</b></p><ul class=\"wb-bars\">{''.join(bars)}"
                   "</ul>")
    return "".join(out)


def heat_html(heat, words: Words = ENGLISH) -> str:
    """Chance of Proficient by the end of the year, competency x plan, as a shaded table (the
    numbers are in the cells; it scrolls inside its own box on a phone)."""
    w = words
    if heat.empty:
        return ""
    plans = list(dict.fromkeys(heat["plan_name"]))
    labels = plan_labels(plans)
    # competency x plan: each cell's chance and its range (the first value given, as a pivot
    # table's "first" would take it, without building three of them)
    cols = {c: heat[f"p_proficient_end{c}"].to_numpy(float) if f"p_proficient_end{c}" in heat
            else None for c in ("", "_low", "_high")}
    cells_at: dict[tuple, dict[str, list]] = {}
    for i, (cid, name, plan) in enumerate(zip(heat["competency_id"], heat["name"],
                                              heat["plan_name"], strict=True)):
        cell = cells_at.setdefault((cid, name), {}).setdefault(plan, [np.nan, np.nan, np.nan])
        for j, c in enumerate(cols.values()):
            if c is not None and np.isnan(cell[j]):
                cell[j] = c[i]
    head = "".join(f'<th scope="col">{escape_text(labels[p])}</th>' for p in plans)
    rows = []
    for key, by_plan in cells_at.items():
        name = key[1]
        cells = []
        for p in plans:
            v, lo, hi = (float(x) for x in by_plan.get(p, [np.nan] * 3))
            lo, hi = (lo if cols["_low"] is not None else None,
                      hi if cols["_high"] is not None else None)
            ink = "#fff" if v >= 0.55 else "#1b1b1b"
            cells.append(f'<td style="background:rgba(8,81,156,{0.08 + 0.92 * v:.2f});'
                         f'color:{ink}">{escape_text(w.chance_span(v, lo, hi))}</td>')
        rows.append(f'<tr><th scope="row">{escape_text(name)}</th>{"".join(cells)}</tr>')
    caption = escape_text(w.gettext("Chance of {level} by the end of the year").format(
        level=w.level(3)))
    return (f'<div class="wb-scroll" role="region" aria-label="{caption}" tabindex="0">'
            f'<table class="wb-heat"><caption>{caption}</caption><thead><tr><td></td>{head}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def explanations_html(explanations, words: Words = ENGLISH, plan_name: str = "") -> str:
    """Why each goal has its chance under one plan (``domain.explain``), as HTML."""
    w = words
    if not explanations:
        return "<p>" + escape_text(w.gettext("This learner has no goals yet: add them on the "
                                             "Learner step.")) + "</p>"
    parts = ["<p><b>" + escape_text(w.gettext("Plan: {plan}").format(plan=plan_name))
             + "</b></p>"]
    for e in explanations:
        t = explanation_text(e, w)
        block = [f'<div class="wb-why"><h4>{escape_text(t.headline)}</h4>']
        if t.band:
            block.append(f"<p>{escape_text(t.band)}</p>")
        if t.range:
            block.append(f"<p>{escape_text(t.range)}</p>")
        if t.practised_by:
            block.append("<p>" + escape_text(w.gettext("What practises it:")) + "</p><ul>"
                         + "".join(f"<li>{escape_text(x)}</li>" for x in t.practised_by)
                         + "</ul>")
        if t.lowered_by:
            block.append("<p>" + escape_text(w.gettext("What holds it back:")) + "</p><ul>"
                         + "".join(f"<li>{escape_text(x)}</li>" for x in t.lowered_by)
                         + "</ul>")
        if t.raise_most:
            block.append(f'<p class="wb-raise">{escape_text(t.raise_most)}</p>')
        block.append("</div>")
        parts.append("".join(block))
    return "".join(parts)


class CompareStep(StepView):
    """Two to five plans side by side: goals and why, credits, hours, travel, cost, charts."""

    show_charts = param.Boolean(default=True, doc="Show the charts under the table.")
    explain_plan = param.Selector(default=None, objects=[None], allow_None=True,
                                  doc="The plan whose goal chances are explained.")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        self.choose = pn.widgets.CheckBoxGroup.from_param(
            s.param.compare_ids, name=_("Plans to compare"),
            options=s.plan_choices(), inline=False,
            stylesheets=[WRAP, ":host{font-size:16px} :host input{width:22px;height:22px;"
                         "flex:none} :host label{min-height:44px;display:flex;align-items:"
                         "center;gap:.5em;white-space:normal}"])
        self.table = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[TEXT_CSS])
        self.which = pn.widgets.RadioButtonGroup.from_param(
            self.param.explain_plan, name=_("Explain the chances of"), description=None,
            color="primary",
            variant="outline", sizing_mode="stretch_width",
            stylesheets=[CONTROL_CSS + ":host .bk-btn-group{flex-wrap:wrap}"])
        self.why = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[TEXT_CSS])
        self.charts_tick = bound_tick(self, "show_charts", _("Show the charts"))
        self.goals = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[TEXT_CSS])
        self.curves = pn.pane.HTML(sizing_mode="stretch_width")
        self.heat = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[TEXT_CSS])
        self.no_goals = pn.pane.HTML(
            "<p><i>" + escape_text(_("Add goals on the Learner step to see them here.")) +
            "</i></p>", sizing_mode="stretch_width")

        def heading(text: str, level: int = 3) -> pn.pane.HTML:
            return pn.pane.HTML(f"<h{level}>{escape_text(text)}</h{level}>",
                                sizing_mode="stretch_width",
                                stylesheets=[":host{font-size:16px}"])

        # the charts are shown and hidden as one box, never pane by pane
        self.charts = pn.Column(
            heading(_("Chance of reaching each goal by its date")), self.goals,
            heading(_("Projected level over the year for each goal")), self.curves,
            self.no_goals,
            heading(_("Chance of Proficient by the end of the year, every competency the plans "
                      "touch")), self.heat, sizing_mode="stretch_width")
        self.intro = pn.pane.HTML(
            "<h2>" + escape_text(_("Compare plans")) + "</h2><p>" + escape_text(
                _("Tick 2 to {n} plans. Projections are estimates with a range: the shaded band "
                  "shows where the learner will likely be (8 in 10 chances).").format(
                    n=MAX_PLANS)) + "</p>",
            sizing_mode="stretch_width", stylesheets=[":host{font-size:16px}"])
        self.why_heading = heading(_("Why these chances"))
        self._layout = pn.Column(
            self.intro, self.choose, self.table, self.why_heading, self.which, self.why,
            self.charts_tick, self.charts, sizing_mode="stretch_width",
        )
        self.param.watch(held(lambda _e: self._draw_charts()), "show_charts")
        self.param.watch(held(lambda _e: self._explain()), "explain_plan")
        self._draft_problems: dict[tuple, list] = {}
        watch_when_shown(self, "Compare", self._sync, ["comparison_version", "plans", "plan_id",
                                                       "suggestions", "suggestion_ledgers"])

    def _sync(self, *_):
        s = self.state
        _ = s.gettext
        choices = s.plan_choices()
        if self.choose.options != choices:
            self.choose.options = choices
        ledgers, problems, drafts = self.compared()
        if len(ledgers) < 2:
            self.table.object = "<p>" + escape_text(_(
                "Tick at least two plans to compare them. Make a second plan on the Plans "
                "step.")) + "</p>"
        else:
            names = [d["plan_name"] for d in ledgers if d["plan_id"] in drafts]
            self.table.object = comparison_html(ledgers, problems, s.format, drafts) + \
                drafts_note_html(names, s.next_plan_name(), s.format)
        # whose chances are explained: the current plan unless another was chosen
        names = {p.name: p.plan_id for p in s.plans}
        keep = self.explain_plan if self.explain_plan in names.values() else s.plan_id
        with param.parameterized.discard_events(self):
            self.param.explain_plan.objects = names or {"": None}
            self.explain_plan = keep
        self.which.options = names
        self.which.value = keep
        self.which.visible = len(names) > 1
        self._explain()
        self._draw_charts()

    def compared(self) -> tuple[list[dict], dict, set]:
        """The columns of the table: the ticked saved plans, then the suggested drafts (not
        saved; shown until the learner changes), with what would break each, and the drafts'
        ids."""
        s = self.state
        comp = s.comparison
        ids = list(comp.table["plan_id"]) if comp is not None else [
            p.plan_id for p in s.plans if p.plan_id in s.compare_ids]
        ledgers = [s.ledgers[i] for i in ids if i in s.ledgers]
        problems = dict(s.plan_problems)
        drafts = set()
        live = {}
        for d in s.suggestions:
            led = s.suggestion_ledgers.get(d.plan_id)
            if led is None or s.learner is None:
                continue
            key = (d.plan_id, tuple(d.sections))
            if key not in self._draft_problems:
                self._draft_problems[key] = check_plan(s.catalogue, s.learner, d.sections)
            live[key] = problems[d.plan_id] = self._draft_problems[key]
            ledgers.append(led)
            drafts.add(d.plan_id)
        self._draft_problems = live  # drafts go with the learner's change: so does this
        return ledgers, problems, drafts

    def _explain(self) -> None:
        s = self.state
        plan = next((p for p in s.plans if p.plan_id == self.explain_plan), None)
        if plan is None:
            self.why.object = ""
            return
        self.why.object = explanations_html(s.explain(plan.plan_id), s.format, plan.name)

    def _draw_charts(self) -> None:
        s, comp, w = self.state, self.state.comparison, self.state.format
        self.charts.visible = bool(self.show_charts and comp is not None)
        if comp is None or not self.show_charts:
            return  # drawn again, from the current comparison, when shown
        ids = list(comp.table["plan_id"])
        # the drafts' chances beside the plans' (their curves and heat map come when kept)
        self.goals.object = goal_bars_html(
            [s.ledgers[i] for i in ids if i in s.ledgers]
            + [s.suggestion_ledgers[d.plan_id] for d in s.suggestions
               if d.plan_id in s.suggestion_ledgers], w,
            drafts={d.plan_id for d in s.suggestions})
        goal_ids = [g.competency_id for g in s.learner.goals]
        first = comp.projections[ids[0]].goals if ids else None
        plots = [c for c in goal_ids if c in set(comp.trajectories["competency_id"])]
        # drawn at a phone's width (text at 16 px); several side by side on a wide screen
        self.curves.object = trajectory_svgs(comp.trajectories, goal_ids, first, width=360,
                                             height=250, words=w)
        self.no_goals.visible = not plots
        heat = comp.heatmap
        touched = heat.groupby("competency_id")["p_proficient_end"].transform(
            lambda v: v.max() - v.min() > 0.005 or v.max() > 0.01)
        self.heat.object = heat_html(heat[touched.astype(bool)], w)
