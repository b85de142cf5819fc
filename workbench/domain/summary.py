"""A family-readable one-page summary of a plan, as self-contained HTML that prints well.

Every piece of text that comes from data files is escaped: names and titles are shown as text,
never run as HTML.
"""

from __future__ import annotations

import pandas as pd

from ..markup import escape_text
from .dataset import DAYS, Catalogue, Learner, Plan
from .feasibility import problem_text
from .words import ENGLISH, Words, capitalize, possessive

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


_e = escape_text


def goal_sentence(row, words: Words = ENGLISH) -> str:
    """"On track to reach Proficient in Algebra by June 1, 2027 (72% chance)" in plain words.

    ``row`` is a row of ``Projection.goals``; ``words`` the session's language.
    """
    return words.goal_sentence(row["name"], int(row["target_level"]), row["by"],
                               int(row["current_level"]), float(row["probability"]))


def family_summary(catalogue: Catalogue, learner: Learner, plan: Plan, problems: list,
                   projection, ledger: dict, meetings: pd.DataFrame,
                   trips: pd.DataFrame | None = None, words: Words = ENGLISH) -> str:
    """The whole one-page summary as an HTML document, in the session's language.

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
    words
        The session's ``Words`` (``PlanningSession.format``): every sentence, number, date and
        the page's ``lang`` come from it. English by default.
    """
    w, _ = words, words.gettext
    t = catalogue.section_table
    name = w.learner_name(learner.name)
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    heading = _("{name_s} learning plan").format(name=name, name_s=possessive(name))
    grade = (w.pgettext("heading", "kindergarten") if learner.grade == 0 else
             w.pgettext("heading", "grade {grade}").format(grade=learner.grade))
    sub = _("{plan} · {grade}").format(plan=plan.name, grade=grade)
    # the saved file may run nothing and fetch nothing, whatever text it carries
    parts = [f"<!doctype html><html lang=\"{_e(w.language)}\"><head><meta charset=\"utf-8\">"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             "style-src 'unsafe-inline'\">"
             f"<title>{_e(name)} — {_e(plan.name)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{_e(heading)}</h1>",
             f"<p class=\"sub\">{_e(sub)}"
             f"{' · ' + _e(learner.pathway) if learner.pathway else ''}</p>"]

    parts.append("<h2>" + _e(_("Goals")) + "</h2><ul>")
    goals = projection.goals if projection is not None else pd.DataFrame()
    if len(goals):
        for _i, row in goals.iterrows():
            parts.append(f"<li>{_e(goal_sentence(row, w))}</li>")
    else:
        parts.append("<li>" + _e(_("No goals set yet.")) + "</li>")
    parts.append("</ul>")

    parts.append("<h2>" + _e(_("The week")) + "</h2>")
    if meetings is not None and len(meetings):
        heads = "".join(f"<th>{_e(h)}</th>" for h in (
            w.pgettext("table heading", "Day"), w.pgettext("table heading", "Time"),
            w.pgettext("table heading", "What"), w.pgettext("table heading", "Where")))
        parts.append(f"<table><thead><tr>{heads}</tr></thead><tbody>")
        order = {d: i for i, d in enumerate(DAYS)}
        m = meetings.assign(_o=meetings["day"].map(order)).sort_values(["_o", "start_min"])
        for _i, r in m.iterrows():
            where = _("Online") if not r.get("in_person", True) else r.get("provider_name", "")
            parts.append(f"<tr><td>{_e(capitalize(w.day(r['day'])))}</td>"
                         f"<td>{_e(w.clock_span(r['start_min'], r['end_min']))}</td>"
                         f"<td>{_e(r['title'])}</td><td>{_e(where)}</td></tr>")
        parts.append("</tbody></table>")
    own_pace = t.loc[[s for s in plan.sections if s in t.index]]
    own_pace = own_pace[~own_pace["meets"]]
    for _i, r in own_pace.iterrows():
        if r.get("times_tba", False):
            what = _("{title} ({provider}): times to be arranged with the provider.")
        else:
            what = _("{title} ({provider}): about {hours} a week at their own pace.")
        parts.append("<p>" + _e(what.format(title=r["title"], provider=r["provider_name"],
                                            hours=w.hours(r["self_paced_hours"]))) + "</p>")
    if not plan.sections:
        parts.append("<p>" + _e(_("Nothing planned yet.")) + "</p>")
    if trips is not None and len(trips):
        modes = sorted({w.getting_around(str(x)) for x in trips["mode"].dropna()})
        travel = w.duration(ledger.get("travel_minutes_per_week", 0))
        line = (_("Travel: about {duration} a week, {modes}.").format(duration=travel,
                                                                       modes=", ".join(modes))
                if modes else _("Travel: about {duration} a week.").format(duration=travel))
        parts.append(f"<p>{_e(line)}</p>")
    parts.append("<p>" + _e(_("About {hours} of learning a week.").format(
        hours=w.hours(ledger.get("hours_per_week", 0)))) + "</p>")

    parts.append("<h2>" + _e(_("Costs")) + "</h2><table><tbody>")
    seen = set()
    for sid in plan.sections:
        if sid not in t.index:
            continue
        r = t.loc[sid]
        if r["opportunity_id"] in seen:
            continue
        seen.add(r["opportunity_id"])
        cost = _("Free") if float(r["cost"]) == 0 else w.money(float(r["cost"]))
        parts.append(f"<tr><td>{_e(r['title'])}</td><td>{_e(cost)}</td></tr>")
    total = float(ledger.get("cost", 0))
    left = learner.budget - total
    parts.append("<tr><th>" + _e(_("Total")) + f"</th><th>{_e(w.money(total))}</th></tr>"
                 "</tbody></table>")
    budget = (_("Budget {budget}: {left} left.").format(budget=w.money(learner.budget),
                                                         left=w.money(left))
              if left >= 0 else
              _("Budget {budget}: {over} over.").format(budget=w.money(learner.budget),
                                                         over=w.money(-left)))
    parts.append(f"<p class=\"{'ok' if left >= 0 else 'warn'}\">{_e(budget)}</p>")

    parts.append("<h2>" + _e(_("Credit")) + "</h2>")
    units = ledger.get("carnegie_units", 0)
    parts.append("<p>" + _e(w.ngettext(
        "Expected competency credits by the end of the year: {credits} ({new} new). "
        "Seat time: {hours} hours = {units} Carnegie unit.",
        "Expected competency credits by the end of the year: {credits} ({new} new). "
        "Seat time: {hours} hours = {units} Carnegie units.", w.plural(units, 2)).format(
        credits=w.number(ledger.get("expected_credits", 0), 1),
        new=w.number(ledger.get("credits_gained", 0), 1),
        hours=w.integer(ledger.get("total_hours", 0)),
        units=w.number(units, 2))) + "</p>")

    parts.append("<h2>" + _e(_("What to arrange")) + "</h2><ul>")
    if problems:
        for p in problems:
            text = problem_text(p, w)
            fix = f" {_e(text.fix)}" if text.fix else ""
            parts.append(f"<li class=\"warn\">{_e(text.message)}{fix}</li>")
    else:
        parts.append("<li class=\"ok\">" + _e(_(
            "Nothing in this plan clashes with the week, travel, budget or needs we know "
            "about.")) + "</li>")
    for sid in plan.sections:
        if sid in t.index:
            r = t.loc[sid]
            parts.append("<li>" + _e(_("Sign up for {title} with {provider} ({dates}).").format(
                title=r["title"], provider=r["provider_name"],
                dates=w.date_span(r["start_date"], r["end_date"]))) + "</li>")
    parts.append("</ul>")
    if learner.supportive_adults:
        parts.append("<p class=\"small\">" + _e(_("Supportive adults: {names}.").format(
            names=", ".join(learner.supportive_adults))) + "</p>")
    parts.append("<p class=\"small\">" + _e(_(
        "Projections are estimates from a transparent model, not promises; they change as the "
        "learner's evidence changes.")) + "</p></body></html>")
    return "".join(parts)
