"""A family-readable one-page summary of a plan, as self-contained HTML that prints well.

Every piece of text that comes from data files is escaped: names and titles are shown as text,
never run as HTML. The page reads on a phone (a viewport and wrapping for long names) and prints
on one US Letter page for a typical plan.

Also here, because the app's header and the summary must say the same thing: how many goals a
plan makes likely (:func:`goals_likely`), whether a plan moves no goal at all
(:func:`moves_no_goal`), and a file name that says whose plan a download is (:func:`file_stem`).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ..markup import escape_text
from .dataset import DAYS, Catalogue, Learner, Plan
from .feasibility import problem_text
from .schedule import day_trips, plan_meetings
from .words import ENGLISH, NOTHING_YET, ON_TRACK, Words, capitalize, possessive

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
max-width:50rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;font-size:16px;
overflow-wrap:break-word}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.4rem;
border-bottom:2px solid #0072B2;padding-bottom:.15rem}
.sub{color:#444;margin-top:0}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
.ok{color:#0b6b3a}.warn{color:#a33b00}.small{font-size:.95rem;color:#444}
ul{padding-left:1.2rem}li{margin:.2rem 0}
@media screen and (max-width:560px){body{margin:.8rem auto}
table.week thead{display:none}table.week tr{display:block;padding:.4rem 0;
border-bottom:1px solid #ddd}table.week td{display:block;border:0;padding:.05rem .2rem}
table.week td:first-child{font-weight:700}}
@page{size:letter;margin:.45in .5in}
@media print{body{margin:0;max-width:none;font-size:9.5pt;line-height:1.25}
h1{font-size:15pt;margin:0}h2{font-size:11pt;margin:.55rem 0 .2rem;break-after:avoid}
.sub{margin:0 0 .2rem}p{margin:.2rem 0}ul{margin:.15rem 0}li{margin:.05rem 0}
td,th{padding:.1rem .3rem}.small{font-size:8.5pt}
table,li{break-inside:avoid}}
"""

#: A goal counts as likely from this chance on: the goal sentence's "On track" (``Words``).
LIKELY = ON_TRACK
#: Below this chance a plan has nothing that practises the goal (the goal sentence says so).
NOTHING = NOTHING_YET

_e = escape_text


def goal_sentence(row, words: Words = ENGLISH) -> str:
    """"On track to reach Proficient in Algebra by June 1, 2027 (72% chance; likely
    60%–80%)" in plain words.

    ``row`` is a row of ``Projection.goals``; ``words`` the session's language.
    """
    return words.goal_sentence(row["name"], int(row["target_level"]), row["by"],
                               int(row["current_level"]), float(row["probability"]),
                               row.get("probability_low"), row.get("probability_high"))


def grade_heading(words: Words, grade: int) -> str:
    """A grade as a heading or a label says it: "grade 9" / "grado 9", "kindergarten"."""
    if int(grade) == 0:
        return words.pgettext("heading", "kindergarten")
    return words.pgettext("heading", "grade {grade}").format(grade=int(grade))


def _goal_rows(goals) -> list[dict]:
    if goals is None:
        return []
    if isinstance(goals, pd.DataFrame):
        return goals.to_dict(orient="records")
    return list(goals)


def goals_likely(goals) -> tuple[int, int]:
    """(likely, all): how many of the learner's goals the plan makes likely — a chance of at
    least :data:`LIKELY`, where the goal's sentence says "On track" — out of how many goals
    there are. A goal reached already has a chance of 1; a recorded level that evidence makes
    uncertain is a chance like any other (the sentence says so too).

    ``goals`` is a ledger's ``goals`` records or a ``Projection.goals`` table.
    """
    rows = _goal_rows(goals)
    return sum(1 for g in rows if float(g["probability"]) >= LIKELY), len(rows)


def moves_no_goal(ledger: dict) -> bool:
    """True when the plan has pieces but practises none of the goals still to reach (each of
    their chances stays under :data:`NOTHING`): it may fit, yet it moves no goal."""
    if not ledger or not ledger.get("sections"):
        return False
    open_goals = [g for g in _goal_rows(ledger.get("goals"))
                  if int(g["current_level"]) < int(g["target_level"])]
    # a goal the plan practises no step of moves only by evidence already on record
    return bool(open_goals) and all(not g.get("practised", True)
                                    or float(g["probability"]) < NOTHING for g in open_goals)


def file_stem(*names: str, limit: int = 60) -> str:
    """A file name that says whose it is: ``file_stem("Lucía M.", "Plan A: Farm")`` ->
    ``"lucia-m-plan-a-farm"`` (letters and digits only, accents dropped, at most ``limit``
    characters, never empty)."""
    text = " ".join(str(n) for n in names)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or "plan"


#: Optional provider columns a catalogue may carry, shown as the contact for a sign-up.
CONTACT_COLUMNS = ("contact", "phone", "email", "website")


def _place(catalogue: Catalogue, section_id, words: Words) -> str:
    """Where a section meets, as a family would look for it: "Keller Metal Works, 1200
    Foundry Rd" (the provider's address only when the section meets at the provider's
    zone), or "online"."""
    t = catalogue.section_table
    if section_id is None or section_id not in t.index:
        return words.gettext("home")
    r = t.loc[section_id]
    if not r["in_person"]:
        return words.gettext("online")
    providers = catalogue.provider_table
    name = str(r["provider_name"])
    if r["provider_id"] in providers.index:
        p = providers.loc[r["provider_id"]]
        address = str(p.get("address", "") or "").strip()
        if address and str(p.get("zone", "")) == str(r["zone"]):
            return words.gettext("{place}, {address}").format(place=name, address=address)
    return words.gettext("{place} ({area})").format(place=name, area=r["zone"])


def _contact(catalogue: Catalogue, provider_id) -> str:
    providers = catalogue.provider_table
    if provider_id not in providers.index:
        return ""
    p = providers.loc[provider_id]
    found = [str(p[c]).strip() for c in CONTACT_COLUMNS
             if c in providers.columns and isinstance(p[c], str) and p[c].strip()]
    return ", ".join(found)


def driving(catalogue: Catalogue, learner: Learner, trips: pd.DataFrame,
            words: Words = ENGLISH) -> list[str]:
    """Who must drive when: one sentence per car trip of the week, with where to and the times,
    in the session's language. Days that share a trip and its dates are said together, and a
    trip there with its trip back on the same days is one sentence."""
    if trips is None or not len(trips):
        return []
    car = trips[trips["mode"] == "car"]
    if not len(car):
        return []
    w = words
    name = w.learner_name(learner.name)
    t = catalogue.section_table
    # (from, to, leave, arrive, minutes) -> day -> the pieces the trip serves that day
    legs: dict[tuple, dict[str, set]] = {}
    places: dict[str, str] = {}  # a week's trips go to the same few places

    def place(section_id: str | None) -> str | None:
        if not section_id:
            return None
        if section_id not in places:
            places[section_id] = _place(catalogue, section_id, w)
        return places[section_id]

    for r in car.itertuples():
        before = r.before_section if isinstance(r.before_section, str) else None
        after = r.after_section if isinstance(r.after_section, str) else None
        key = (place(before), place(after),
               float(r.depart_min), float(r.arrive_min), float(r.minutes))
        legs.setdefault(key, {}).setdefault(r.day, set()).update(
            s for s in (before, after) if s and s in t.index)
    # a trip's days with the same stretch of dates are said together
    said: list[tuple[tuple, tuple, tuple]] = []
    served = sorted({s for by_day in legs.values() for pieces in by_day.values() for s in pieces})
    dates = t.loc[served, ["start_date", "end_date"]]   # one look-up, not one per trip and day
    starts, ends = dates["start_date"].to_dict(), dates["end_date"].to_dict()
    for key, by_day in legs.items():
        spans: dict[tuple, list[str]] = {}
        for day, pieces in by_day.items():
            span = (min(starts[s] for s in pieces), max(ends[s] for s in pieces)) \
                if pieces else ()
            spans.setdefault(span, []).append(day)
        for span, days in spans.items():
            said.append((key, tuple(sorted(days, key=DAYS.index)), span))
    back = {(k[0], days, span): k for k, days, span in said if k[1] is None}
    used: set[tuple] = set()
    lines = []

    def clock(minutes: float) -> str:
        return w.clock(minutes) if np.isfinite(minutes) else "—"

    for key, days, span in sorted(said, key=lambda x: (DAYS.index(x[1][0]), x[0][2])):
        if (key, days, span) in used:
            continue
        origin, target, depart, arrive, minutes = key
        when = {"days": capitalize(w.join([w.every_day(d) for d in days])),
                "dates": w.date_span(*span) if span else "", "name": name,
                "place": target, "origin": origin, "depart": clock(depart),
                "arrive": clock(arrive), "trip": w.duration(minutes)}
        home_again = back.get((target, days, span)) if origin is None else None
        if home_again is not None:
            used.add((home_again, days, span))
            text = w.gettext("{days} ({dates}): drive {name} from home to {place}, leaving at "
                             "{depart} to arrive by {arrive}, and pick {name} up there at "
                             "{pickup} ({trip} each way).")
            when["pickup"] = clock(home_again[2])
        elif origin is None:
            text = w.gettext("{days} ({dates}): drive {name} from home to {place}, leaving at "
                             "{depart} to arrive by {arrive} ({trip}).")
        elif target is None:
            text = w.gettext("{days} ({dates}): pick {name} up at {origin} at {depart} and "
                             "drive home ({trip}).")
        else:
            text = w.gettext("{days} ({dates}): drive {name} from {origin} to {place}, "
                             "leaving at {depart} ({trip}).")
        lines.append(text.format(**when))
    return lines


def family_summary(catalogue: Catalogue, learner: Learner, plan: Plan, problems: list,
                   projection, ledger: dict, meetings: pd.DataFrame | None = None,
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
        ``schedule.plan_meetings`` and ``schedule.day_trips`` for the plan (worked out here
        when not given).
    words
        The session's ``Words`` (``PlanningSession.format``): every sentence, number, date and
        the page's ``lang`` come from it. English by default.
    """
    w, _ = words, words.gettext
    t = catalogue.section_table
    if meetings is None:
        meetings = plan_meetings(catalogue, plan.sections)
    if trips is None:
        trips = day_trips(catalogue, learner, plan.sections)
    name = w.learner_name(learner.name)
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    heading = _("{name_s} learning plan").format(name=name, name_s=possessive(name))
    grade = grade_heading(w, learner.grade)
    sub = _("{plan} · {grade}").format(plan=plan.name, grade=grade)
    # the saved file may run nothing and fetch nothing, whatever text it carries
    parts = [f"<!doctype html><html lang=\"{_e(w.language)}\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
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
        parts.append(f"<table class=\"week\"><thead><tr>{heads}</tr></thead><tbody>")
        order = {d: i for i, d in enumerate(DAYS)}
        m = meetings.assign(_o=meetings["day"].map(order)).sort_values(["_o", "start_min"])
        # one row per piece and time, with all its days ("Tuesday and Thursday")
        rows: dict[tuple, dict] = {}
        for _i, r in m.iterrows():
            row = rows.setdefault((r["section_id"], r["start_min"], r["end_min"]),
                                  {"r": r, "days": []})
            row["days"].append(r["day"])
        for row in rows.values():
            r = row["r"]
            where = _("Online") if not r.get("in_person", True) else r.get("provider_name", "")
            when = w.clock_span(r["start_min"], r["end_min"])
            if pd.notna(r.get("start_date")) and pd.notna(r.get("end_date")):
                when = _("{times} ({dates})").format(
                    times=when, dates=w.date_span(r["start_date"], r["end_date"]))
            parts.append(f"<tr><td>{_e(capitalize(w.days(row['days'])))}</td>"
                         f"<td>{_e(when)}</td>"
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
    span = w.number_range(ledger.get("expected_credits_low"), ledger.get("expected_credits_high"))
    if span:
        credit_text = w.ngettext(
            "Expected competency credits by the end of the year: {credits} ({new} new; "
            "{range}). Seat time: {hours} hours = {units} Carnegie unit.",
            "Expected competency credits by the end of the year: {credits} ({new} new; "
            "{range}). Seat time: {hours} hours = {units} Carnegie units.", w.plural(units, 2))
    else:
        credit_text = w.ngettext(
            "Expected competency credits by the end of the year: {credits} ({new} new). "
            "Seat time: {hours} hours = {units} Carnegie unit.",
            "Expected competency credits by the end of the year: {credits} ({new} new). "
            "Seat time: {hours} hours = {units} Carnegie units.", w.plural(units, 2))
    parts.append("<p>" + _e(credit_text.format(
        credits=w.number(ledger.get("expected_credits", 0), 1),
        new=w.number(ledger.get("credits_gained", 0), 1), range=span,
        hours=w.integer(ledger.get("total_hours", 0)),
        units=w.number(units, 2))))
    if not plan.sections:
        parts.append(" " + _e(_("With nothing planned yet, these credits come from levels "
                                "the learner has already reached.")))
    parts.append("</p>")

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
    for line in driving(catalogue, learner, trips, w):
        parts.append(f"<li>{_e(line)}</li>")
    signed = set()
    for sid in plan.sections:
        if sid not in t.index:
            continue
        r = t.loc[sid]
        if (r["opportunity_id"], r["start_date"]) in signed:
            continue
        signed.add((r["opportunity_id"], r["start_date"]))
        where = _place(catalogue, sid, w) if r["in_person"] else r["provider_name"]
        line = _("Sign up for {title} with {place} ({dates}).").format(
            title=r["title"], place=where, dates=w.date_span(r["start_date"], r["end_date"]))
        contact = _contact(catalogue, r["provider_id"])
        if contact:
            line += " " + _("Contact: {contact}.").format(contact=contact)
        parts.append(f"<li>{_e(line)}</li>")
    parts.append("</ul>")
    if learner.supportive_adults:
        parts.append("<p class=\"small\">" + _e(_("Supportive adults: {names}.").format(
            names=", ".join(learner.supportive_adults))) + "</p>")
    parts.append("<p class=\"small\">" + _e(_(
        "Projections are estimates from a transparent model, not promises; they change as the "
        "learner's evidence changes.")) + "</p></body></html>")
    return "".join(parts)
