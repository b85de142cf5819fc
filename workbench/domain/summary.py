"""A family-readable one-page summary of a plan, as self-contained HTML that prints well.

Every piece of text that comes from data files is escaped: names and titles are shown as text,
never run as HTML.
"""

from __future__ import annotations

import html

import pandas as pd

from .dataset import DAY_NAMES, DAYS, LEVELS, MODE_WORDS, Catalogue, Learner, Plan, format_minutes

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
max-width:50rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.4rem;
border-bottom:2px solid #0072B2;padding-bottom:.15rem}
.sub{color:#555;margin-top:0}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
.ok{color:#0b6b3a}.warn{color:#a33b00}.small{font-size:.85rem;color:#555}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}
table,li{break-inside:avoid}}
"""


def _e(x) -> str:
    return html.escape(str(x))


def goal_sentence(row) -> str:
    """"On track to reach Proficient in Algebra by June 1, 2027 (72% chance)" in plain words."""
    chance = float(row["probability"])
    by = pd.Timestamp(row["by"]).strftime("%B %-d, %Y")
    target = LEVELS[int(row["target_level"])]
    if int(row["current_level"]) >= int(row["target_level"]):
        return f"Already at {target} in {row['name']} — goal reached."
    if chance < 0.005:
        return (f"This plan has nothing yet that practises {row['name']}: "
                f"{target} by {by} would need another opportunity.")
    if chance >= 0.7:
        lead = "On track to reach"
    elif chance >= 0.4:
        lead = "Could reach"
    else:
        lead = "Not yet on track to reach"
    odds = "over 99% chance" if chance > 0.995 else f"{chance * 100:.0f}% chance"
    return f"{lead} {target} in {row['name']} by {by} ({odds})."


def family_summary(catalogue: Catalogue, learner: Learner, plan: Plan, problems: list,
                   projection, ledger: dict, meetings: pd.DataFrame,
                   trips: pd.DataFrame | None = None) -> str:
    """The whole one-page summary as an HTML document.

    Parameters
    ----------
    problems
        ``feasibility.Problem`` objects for this plan.
    projection
        The plan's ``projection.Projection`` (its ``goals`` table is used).
    ledger
        The plan's ``ledger.plan_ledger`` dict.
    meetings, trips
        ``schedule.plan_meetings`` and ``schedule.day_trips`` for the plan.
    """
    t = catalogue.section_table
    parts = [f"<!doctype html><html lang=\"{_e(learner.language or 'en')}\"><head>"
             f"<meta charset=\"utf-8\"><title>{_e(learner.name)} — {_e(plan.name)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{_e(learner.name)}'s learning plan</h1>",
             f"<p class=\"sub\">{_e(plan.name)} · grade {learner.grade}"
             f"{' · ' + _e(learner.pathway) if learner.pathway else ''}</p>"]

    parts.append("<h2>Goals</h2><ul>")
    goals = projection.goals if projection is not None else pd.DataFrame()
    if len(goals):
        for _, row in goals.iterrows():
            parts.append(f"<li>{_e(goal_sentence(row))}</li>")
    else:
        parts.append("<li>No goals set yet.</li>")
    parts.append("</ul>")

    parts.append("<h2>The week</h2>")
    if meetings is not None and len(meetings):
        parts.append("<table><thead><tr><th>Day</th><th>Time</th><th>What</th><th>Where</th>"
                     "</tr></thead><tbody>")
        order = {d: i for i, d in enumerate(DAYS)}
        m = meetings.assign(_o=meetings["day"].map(order)).sort_values(["_o", "start_min"])
        for _, r in m.iterrows():
            where = "Online" if not r.get("in_person", True) else r.get("provider_name", "")
            parts.append(f"<tr><td>{DAY_NAMES[r['day']]}</td><td>{format_minutes(r['start_min'])}"
                         f"–{format_minutes(r['end_min'])}</td><td>{_e(r['title'])}</td>"
                         f"<td>{_e(where)}</td></tr>")
        parts.append("</tbody></table>")
    own_pace = t.loc[[s for s in plan.sections if s in t.index]]
    own_pace = own_pace[~own_pace["meets"]]
    for _, r in own_pace.iterrows():
        what = ("times to be arranged with the provider" if r.get("times_tba", False) else
                f"about {r['self_paced_hours']:g} hours a week at their own pace")
        parts.append(f"<p>{_e(r['title'])} ({_e(r['provider_name'])}): {what}.</p>")
    if not plan.sections:
        parts.append("<p>Nothing planned yet.</p>")
    if trips is not None and len(trips):
        modes = sorted({MODE_WORDS.get(str(x), str(x)) for x in trips["mode"].dropna()})
        parts.append(f"<p>Travel: about {ledger.get('travel_minutes_per_week', 0):.0f} minutes a "
                     f"week{', ' + ', '.join(modes) if modes else ''}.</p>")
    parts.append(f"<p>About {ledger.get('hours_per_week', 0):.1f} hours of learning a week.</p>")

    parts.append("<h2>Costs</h2><table><tbody>")
    seen = set()
    for sid in plan.sections:
        if sid not in t.index:
            continue
        r = t.loc[sid]
        if r["opportunity_id"] in seen:
            continue
        seen.add(r["opportunity_id"])
        cost = "Free" if float(r["cost"]) == 0 else f"${float(r['cost']):,.0f}"
        parts.append(f"<tr><td>{_e(r['title'])}</td><td>{cost}</td></tr>")
    total = float(ledger.get("cost", 0))
    left = learner.budget - total
    parts.append(f"<tr><th>Total</th><th>${total:,.0f}</th></tr></tbody></table>")
    parts.append(f"<p class=\"{'ok' if left >= 0 else 'warn'}\">Budget ${learner.budget:,.0f}: "
                 + (f"${left:,.0f} left." if left >= 0 else f"${-left:,.0f} over.") + "</p>")

    parts.append("<h2>Credit</h2>")
    parts.append(f"<p>Expected competency credits by the end of the year: "
                 f"{ledger.get('expected_credits', 0):.1f} "
                 f"({ledger.get('credits_gained', 0):.1f} new). "
                 f"Seat time: {ledger.get('total_hours', 0):.0f} hours = "
                 f"{ledger.get('carnegie_units', 0):.2f} Carnegie units.</p>")

    parts.append("<h2>What to arrange</h2><ul>")
    if problems:
        for p in problems:
            fix = f" {_e(p.fix)}" if p.fix else ""
            parts.append(f"<li class=\"warn\">{_e(p.message)}{fix}</li>")
    else:
        parts.append("<li class=\"ok\">Nothing in this plan clashes with the week, travel, "
                     "budget or needs we know about.</li>")
    for sid in plan.sections:
        if sid in t.index:
            r = t.loc[sid]
            parts.append(f"<li>Sign up for {_e(r['title'])} with {_e(r['provider_name'])} "
                         f"({r['start_date']:%B %-d} – {r['end_date']:%B %-d, %Y}).</li>")
    parts.append("</ul>")
    if learner.supportive_adults:
        parts.append(f"<p class=\"small\">Supportive adults: "
                     f"{_e(', '.join(learner.supportive_adults))}.</p>")
    parts.append("<p class=\"small\">Projections are estimates from a transparent model, not "
                 "promises; they change as the learner's evidence changes.</p></body></html>")
    return "".join(parts)
