"""What would break a plan, in words a family understands, and what else in the catalogue fits.

``check_plan`` lists every problem of a plan, each with a plain-language message and, where the
data can tell, a fix. ``catalogue_fit`` answers, for every section of the catalogue at once,
"could we add this to the plan without adding a problem?"; it is vectorised over the catalogue
(over the catalogue's shared read-only arrays, ``arrays.CatalogueArrays``) so the app can recompute
it on every change.

Both use the same per-section tests, so they agree on every kind the fit checks. Choices made:

* in the fit, travel time between a candidate and the plan is checked against the plan meeting
  just before and just after it on each weekday, among those whose dates overlap the
  candidate's; ``check_plan`` works per week pattern (see ``schedule``). The two can differ only
  when three or more sections on one weekday run over different parts of the year.
* an empty ``availability`` list means the family has not said when the learner is free, so no
  meeting is "outside free time" (commitments still count).
* a section is at a place (travel, ``too_far``, ``transport``) when its modality is in person or
  blended, even if its times are not published yet.
* the catalogue's arrays are built once and shared (a catalogue is treated as read-only); what
  is worked out about a learner is kept only in the session's own ``EngineCache``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from .arrays import (
    CatalogueArrays,
    EngineCache,
    catalogue_arrays,
    frame_of_arrays,
    monday_grid,
)
from .dataset import (
    DAYS,
    MODES,
    Catalogue,
    Learner,
    day_mask,
)
from .projection import per_row
from .schedule import fastest_trips, plan_trips, shared_weekdays
from .words import ENGLISH, N_, Words, possessive

PROBLEM_KINDS = (
    "time_conflict", "duplicate", "unavailable", "travel_time", "too_far", "transport",
    "weekly_hours", "budget", "broadband", "device", "grade", "prerequisite", "capacity",
    "times_tba",
)
#: Each kind's title in English; ``kind_title(kind, words)`` in the session's language.
KIND_TITLES = {
    "time_conflict": N_("Two things at the same time"),
    "duplicate": N_("The same thing twice"),
    "unavailable": N_("Outside free time"),
    "travel_time": N_("Not enough time to get there"),
    "too_far": N_("Too far from home"),
    "transport": N_("No way to get there"),
    "weekly_hours": N_("Too many hours in a week"),
    "budget": N_("Over budget"),
    "broadband": N_("Needs internet at home"),
    "device": N_("Needs a computer or tablet"),
    "grade": N_("Not for this grade"),
    "prerequisite": N_("Needs more practice first"),
    "capacity": N_("No seats left"),
    "times_tba": N_("Times not published yet"),
}
# the order catalogue_fit picks its one reason in: what rules a section out most plainly first
FIT_KINDS = (
    "grade", "capacity", "times_tba", "duplicate", "broadband", "device", "transport",
    "too_far", "unavailable", "time_conflict", "travel_time", "weekly_hours", "budget",
    "prerequisite",
)
_EPS = 1e-9


# ---- problems as data, put into words at display time ----------------------------------------
@dataclass(frozen=True)
class Phrase:
    """One sentence of a problem or of its fix, as data: which sentence and what goes in it.

    ``args`` are (name, value) pairs of plain values (text from the data, numbers, day masks,
    minutes, dates, codes); ``render(words)`` fills the sentence in that language.
    """

    key: str
    args: tuple[tuple[str, object], ...] = ()

    def render(self, words: Words = ENGLISH) -> str:
        text = _SENTENCES[self.key](words, **dict(self.args))
        # a sentence ending on an abbreviation ("... a 7 p.m.") takes no second full stop
        return text[:-1] if text.endswith("..") and not text.endswith("...") else text


def _phrase(key: str, **args) -> Phrase:
    return Phrase(key, tuple((k, _plain(v)) for k, v in args.items()))


def _plain(v):
    """numpy scalars and arrays as plain, hashable Python values (a Problem is compared)."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | tuple | np.ndarray):
        return tuple(_plain(x) for x in v)
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


@dataclass(frozen=True)
class Problem:
    """One thing that would break a plan: what kind, which sections, what to tell the family.

    ``message`` and ``fix`` are the English words; ``what`` and ``helps`` are the same as data,
    so ``problem_text(problem, words)`` says it in any language.
    """

    kind: str
    sections: tuple[str, ...]
    message: str
    fix: str = ""
    what: Phrase | None = field(default=None, repr=False)
    helps: tuple[Phrase, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, kind: str, sections, what: Phrase, helps=()) -> Problem:
        """A problem from its phrases, with its English message and fix."""
        helps = tuple(h for h in helps if h is not None)
        return cls(kind, tuple(sections), what.render(ENGLISH),
                   " ".join(h.render(ENGLISH) for h in helps), what, helps)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "sections": list(self.sections), "message": self.message,
                "fix": self.fix}


class ProblemText(NamedTuple):
    """A problem in one language: its title, what is wrong, and what could help ("" if none)."""

    title: str
    message: str
    fix: str


def kind_title(kind: str, words: Words = ENGLISH) -> str:
    """The title of a kind of problem: "Over budget" / "Se pasa del presupuesto"."""
    return words.gettext(KIND_TITLES[kind]) if kind in KIND_TITLES else str(kind)


def problem_text(problem: Problem, words: Words = ENGLISH) -> ProblemText:
    """A problem in the session's language, built from its data at display time.

    Parameters
    ----------
    problem
        From ``check_plan`` (a problem made by hand, without phrases, keeps its own words).
    words
        The session's ``Words`` (``workbench.i18n.Translator``): translations and locale.
    """
    if problem.what is None:
        return ProblemText(kind_title(problem.kind, words), problem.message, problem.fix)
    return ProblemText(kind_title(problem.kind, words), problem.what.render(words),
                       " ".join(h.render(words) for h in problem.helps))


def days_words(mask: int, words: Words = ENGLISH) -> str:
    """A 7-bit day mask as words: "Tuesday", "Tuesday and Thursday", "Monday to Friday"."""
    return words.days(int(mask))


def _name_s(w: Words, name: str) -> str:
    return possessive(w.learner_name(name))


def _when(w: Words, days, start, end) -> str:
    return w.when(days, start, end) if days else ""


# the sentences: one function per Phrase key, each a catalogue string filled from the data
def _s_time_conflict(w, title, days, start, end, other, other_start, other_end):
    return w.gettext("{title} ({when}) overlaps {other} ({other_when}).").format(
        title=title, when=w.when(days, start, end), other=other,
        other_when=w.when(days, other_start, other_end))


def _s_duplicate(w, title, n, groups):
    return w.gettext("{title} is in this plan {n} times ({groups}). One group is enough.").format(
        title=title, n=n, groups="; ".join(
            w.when(*g) if g else w.gettext("own pace") for g in groups))


def _s_keep_one(w):
    return w.gettext("Keep the group that suits the week best.")


def _s_outside_free(w, title, days, start, end, name, day, free):
    who = w.learner_name(name)
    if free:
        return w.gettext("{title} meets {when}, but {name} is free on {day} only {times}.").format(
            title=title, when=w.when(days, start, end), name=who, day=w.day(day),
            times=w.join(w.clock_span(a, b) for a, b in free))
    return w.gettext("{title} meets {when}, but {name} is not free on {days}.").format(
        title=title, when=w.when(days, start, end), name=who, days=w.every_day(day))


def _s_commitment(w, title, days, start, end, label, other_days, other_start, other_end):
    return w.gettext("{title} ({when}) clashes with {commitment} ({other_when}).").format(
        title=title, when=w.when(days, start, end),
        commitment=label or w.gettext("a family commitment"),
        other_when=w.when(other_days, other_start, other_end))


def _s_travel_time(w, days, name, window, title, provider, other, other_provider, minutes,
                   mode):
    if window >= 1:
        text = w.gettext("On {days}, {name} has {window} to get from {title} ({provider}) to "
                         "{other} ({other_provider}), but the trip takes {trip} {how}.")
    else:
        text = w.gettext("On {days}, {name} has no time to get from {title} ({provider}) to "
                         "{other} ({other_provider}), but the trip takes {trip} {how}.")
    return text.format(days=w.days(days), name=w.learner_name(name), window=w.minutes(window),
                       title=title, provider=provider, other=other,
                       other_provider=other_provider, trip=w.minutes(minutes),
                       how=w.by_mode(mode))


def _s_cut_off(w, days, name, title, provider, other, other_provider, modes):
    return w.gettext("On {days}, {name} cannot get from {title} ({provider}) to {other} "
                     "({other_provider}) {modes}.").format(
        days=w.days(days), name=w.learner_name(name), title=title, provider=provider,
        other=other, other_provider=other_provider, modes=w.modes(modes))


def _s_too_far(w, minutes, mode, title, provider, name, longest):
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    return w.gettext("It takes {trip} {how} from home to {title} at {provider}; {name_s} "
                     "longest trip is {longest}.").format(
        trip=w.minutes(minutes), how=w.by_mode(mode), title=title, provider=provider,
        name=w.learner_name(name), name_s=_name_s(w, name), longest=w.minutes(longest))


def _s_unreachable(w, name, title, provider, modes):
    return w.gettext("{name} cannot get from home to {title} at {provider} {modes}.").format(
        name=w.learner_name(name), title=title, provider=provider, modes=w.modes(modes))


def _s_other_modes(w, options):
    return w.gettext("It can be reached in {options}.").format(options=w.join(
        [w.pgettext("trip", "{trip} {how}").format(trip=w.minutes(m), how=w.by_mode(mode))
         for m, mode in options], "or"))


def _s_no_car(w, title, name):
    return w.gettext("{title} needs a car at the site, and {name} has no car listed.").format(
        title=title, name=w.learner_name(name))


def _s_weekly_hours(w, week, hours, name, most, weeks_over):
    text = w.gettext("In the week of {date} the plan takes {hours}; {name} wants at most "
                     "{most} a week.").format(date=w.date(week), hours=w.hours(hours),
                                              name=w.learner_name(name), most=w.hours(most))
    if weeks_over > 1:
        text += " " + w.gettext("{n} weeks go over in all.").format(n=weeks_over)
    return text


def _s_leave_out(w, title, hours):
    return w.gettext("Leaving out {title} would save {hours} that week.").format(
        title=title, hours=w.hours(hours))


def _s_budget(w, total, budget):
    return w.gettext("The plan costs {total} in all; the budget is {budget}.").format(
        total=w.money(total), budget=w.money(budget))


def _s_over_by(w, over, title, cost):
    return w.gettext("That is {over} over. The biggest cost is {title} ({cost}).").format(
        over=w.money(over), title=title, cost=w.money(cost))


def _s_broadband(w, title, name):
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    return w.gettext("{title} needs internet, and {name_s} home has none.").format(
        title=title, name=w.learner_name(name), name_s=_name_s(w, name))


def _s_device(w, title, name):
    return w.gettext("{title} needs a computer or tablet (a phone is not enough), and {name} "
                     "does not have one.").format(title=title, name=w.learner_name(name))


_OFFERS = {
    "offers_broadband": (N_("{place} offers free internet, {trip} away {how}"),
                         N_("No place that offers free internet is within {longest} of home; "
                            "ask the provider about other ways to join.")),
    "lends_devices": (N_("{place} lends laptops, {trip} away {how}"),
                      N_("No place that lends laptops is within {longest} of home; ask the "
                         "provider about other ways to join.")),
}


def _s_nearby(w, flag, places):
    near = w.gettext(_OFFERS[flag][0])
    return "; ".join(near.format(place=p, trip=w.minutes(m), how=w.by_mode(mode))
                     for p, m, mode in places) + "."


def _s_none_nearby(w, flag, longest):
    return w.gettext(_OFFERS[flag][1]).format(longest=w.minutes(longest))


def _s_grade(w, title, low, high, name, grade):
    return w.gettext("{title} is for {grades}; {name} is in {grade}.").format(
        title=title, grades=w.grades(low, high), name=w.learner_name(name), grade=w.grade(grade))


def _s_prerequisite(w, title, needs):
    return w.gettext("{title} expects {needs} first.").format(title=title, needs=w.join(
        w.gettext("{level} in {competency} (now {now})").format(
            level=w.level(need), competency=competency, now=w.level(now))
        for need, competency, now in needs))


def _s_capacity(w, title, days, start, end):
    if days:
        return w.gettext("{title} ({when}) has no seats left.").format(
            title=title, when=w.when(days, start, end))
    return w.gettext("{title} has no seats left.").format(title=title)


def _s_times_tba(w, title, provider):
    return w.gettext("{title} ({provider}): times to be arranged — ask the provider before "
                     "counting on it.").format(title=title, provider=provider)


def _s_other_group(w, title, groups):
    what = []
    for days, start, end, first, last in groups:
        when = w.when(days, start, end) if days else w.gettext("at its own pace")
        if first is not None:
            when = w.pgettext("group", "{when}, {start} to {end}").format(
                when=when, start=w.date(first), end=w.date(last))
        what.append(when)
    return w.gettext("Another group of {title} would fit: {groups}.").format(
        title=title, groups=w.join(what, "or"))


_SENTENCES = {
    "time_conflict": _s_time_conflict, "duplicate": _s_duplicate, "keep_one": _s_keep_one,
    "outside_free": _s_outside_free, "commitment": _s_commitment,
    "travel_time": _s_travel_time, "cut_off": _s_cut_off, "too_far": _s_too_far,
    "unreachable": _s_unreachable, "other_modes": _s_other_modes, "no_car": _s_no_car,
    "weekly_hours": _s_weekly_hours, "leave_out": _s_leave_out, "budget": _s_budget,
    "over_by": _s_over_by, "broadband": _s_broadband, "device": _s_device,
    "nearby": _s_nearby, "none_nearby": _s_none_nearby, "grade": _s_grade,
    "prerequisite": _s_prerequisite, "capacity": _s_capacity, "times_tba": _s_times_tba,
    "other_group": _s_other_group,
}



# ---- per-catalogue arrays --------------------------------------------------------------------
class _Arrays:
    """The catalogue's shared read-only arrays under the names the tests below use, and the
    session's cache: made for each call (nothing is copied, and nothing here is kept)."""

    def __init__(self, catalogue: Catalogue, cache: EngineCache | None = None):
        a = self.shared = catalogue_arrays(catalogue)
        self.cache = cache
        self.table = catalogue.section_table
        self.ids, self.section_index, self.n, self.rows = (a.section_ids, a.section_index,
                                                           a.n_sections, a.rows)
        self.opp, self.opp_ids = a.opportunity, a.opportunity_ids
        self.title, self.provider = a.title, a.provider_name
        self.min_grade, self.max_grade, self.seats, self.tba = (a.min_grade, a.max_grade,
                                                                a.seats_left, a.times_tba)
        self.needs_internet, self.needs_device, self.needs_car = (a.needs_internet,
                                                                  a.needs_device, a.needs_car)
        self.at_place, self.meets, self.in_person = a.at_place, a.meets, a.in_person
        self.mask, self.start, self.end = a.day_mask, a.start_min, a.end_min
        self.first, self.last, self.zone, self.cost = a.first_day, a.last_day, a.zone, a.cost
        self.weeks, self.hours = a.weeks, a.hours
        self.prereq_ids, self.prereq, self.prereq_names = (a.prerequisite_ids, a.prerequisite,
                                                           a.prerequisite_names)

    def siblings(self, row: int) -> np.ndarray:
        """Every section of the opportunity of section ``row`` (itself included), in order."""
        a = self.shared
        o = a.opportunity[row]
        return a.opportunity_sections[a.opportunity_section_ptr[o]:a.opportunity_section_ptr[o + 1]]

    def meeting(self, i: int) -> tuple[int, int, int]:
        """When section ``i`` meets, as (day mask, start, end); a zero mask when it does not."""
        return int(self.mask[i]), int(self.start[i]), int(self.end[i])


def _arrays(catalogue: Catalogue, cache: EngineCache | None = None) -> _Arrays:
    return _Arrays(catalogue, cache)


# ---- the per-section tests shared by check_plan and catalogue_fit ----------------------------
def _home_trips(catalogue: Catalogue, A: _Arrays, learner: Learner, idx):
    """One-way minutes and mode from home to each section (0 / "" when no trip is needed)."""
    minutes, mode = fastest_trips(catalogue, learner.transport)
    zone = A.zone[idx]
    try:
        h = catalogue.zones.index(learner.home_zone)
    except ValueError:
        h = -1
    ok = (zone >= 0) & (h >= 0)
    mins = np.where(ok, minutes[max(h, 0)][np.maximum(zone, 0)], np.inf)
    how = np.where(ok, mode[max(h, 0)][np.maximum(zone, 0)], None)
    place = A.at_place[idx]
    mins = np.where(place, mins, 0.0)
    how = np.where(place, np.where(np.isfinite(mins), how, None), "")
    return mins, how


def _free_blocks(learner: Learner) -> list[list[tuple[int, int]]]:
    """The learner's free time per weekday as merged, sorted intervals."""
    out = []
    for d in DAYS:
        spans = sorted((b.start, b.end) for b in learner.availability if d in b.days)
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out.append(merged)
    return out


def _outside_free_days(A: _Arrays, learner: Learner, idx) -> np.ndarray:
    """The meeting days (7-bit mask) that fall outside the learner's free time."""
    mask = A.mask[idx]
    if not learner.availability:
        return np.zeros_like(mask)
    start, end = A.start[idx], A.end[idx]
    covered = np.zeros_like(mask)
    for d, blocks in enumerate(_free_blocks(learner)):
        ok = np.zeros(mask.shape, dtype=bool)
        for a, b in blocks:
            ok |= (start >= a) & (end <= b)
        covered |= np.where(ok, 1 << d, 0)
    return mask & ~covered & 127


def _commitment_days(A: _Arrays, learner: Learner, idx) -> list[np.ndarray]:
    """Per commitment, the meeting days (7-bit mask) that overlap it."""
    mask, start, end = A.mask[idx], A.start[idx], A.end[idx]
    return [np.where((start < c.end) & (c.start < end), mask & day_mask(c.days), 0)
            for c in learner.commitments]


def _all_section_tests(catalogue: Catalogue, A: _Arrays, learner: Learner) -> dict:
    """Every test that depends on one section and the learner only, for the whole catalogue."""
    idx = slice(None)
    mins, how = _home_trips(catalogue, A, learner, idx)
    finite = np.isfinite(mins)
    lv = np.array([learner.level(c) for c in A.prereq_ids], dtype=np.int64)
    short = A.prereq[idx] > lv[None, :]
    outside = _outside_free_days(A, learner, idx)
    clashes = _commitment_days(A, learner, idx)
    clash_any = np.zeros(outside.shape, dtype=bool)
    for c in clashes:
        clash_any |= c > 0
    return {
        "home_minutes": mins, "home_mode": how,
        "grade": (learner.grade < A.min_grade[idx]) | (learner.grade > A.max_grade[idx]),
        "capacity": A.seats[idx] <= 0,
        "times_tba": A.tba[idx],
        "broadband": A.needs_internet[idx] & (not learner.home_broadband),
        "device": A.needs_device[idx] & (not learner.has_device),
        "unreachable": A.at_place[idx] & ~finite,
        "no_car": A.needs_car[idx] & ("car" not in learner.transport),
        "too_far": A.at_place[idx] & finite & (mins > learner.max_travel_minutes + _EPS),
        "outside": outside, "clashes": clashes,
        "unavailable": (outside > 0) | clash_any,
        "short": short, "prerequisite": short.any(axis=1),
    }


def _learner_key(learner: Learner) -> tuple:
    """Everything about the learner that ``_all_section_tests`` reads (a learner is mutable)."""
    return (learner.grade, learner.home_zone, tuple(learner.transport),
            learner.max_travel_minutes, learner.home_broadband, learner.device,
            tuple(learner.availability), tuple(learner.commitments),
            tuple(sorted((str(c), int(v)) for c, v in learner.levels.items())))


def _section_tests(catalogue: Catalogue, A: _Arrays, learner: Learner, idx) -> dict:
    """Every test that depends on one section and the learner only (not on the plan).

    These do not change while a family edits a plan, so the session's cache (``A.cache``) keeps
    the whole catalogue's answers per learner situation (read-only) and ``idx`` picks rows out.
    """
    key = _learner_key(learner)
    full = None if A.cache is None else A.cache.get("section_tests", A.shared, key)
    if full is None:
        full = _all_section_tests(catalogue, A, learner)
        for v in (*full.values(), *full["clashes"]):
            if isinstance(v, np.ndarray):
                v.setflags(write=False)
        if A.cache is not None:
            A.cache.keep("section_tests", key, full)
    if isinstance(idx, slice) and idx == slice(None):
        return {**full, "clashes": list(full["clashes"])}
    return {name: ([c[idx] for c in v] if name == "clashes" else v[idx])
            for name, v in full.items()}


# ---- catalogue fit ---------------------------------------------------------------------------
def _fit(catalogue: Catalogue, A: _Arrays, learner: Learner, plan: np.ndarray, idx) -> dict:
    """Every fit test for the candidate rows ``idx`` against the plan rows ``plan``."""
    # ``idx`` is a slice (the whole catalogue: views, no copies) or an array of rows
    cand = A.rows[idx]
    k = _section_tests(catalogue, A, learner, idx)
    plan_flag = np.zeros(A.n, dtype=bool)
    plan_flag[plan] = True
    in_plan = plan_flag[cand]
    n = len(cand)

    # duplicate: another section of the same opportunity is in the plan
    per_opp = np.bincount(A.opp[plan], minlength=len(A.opp_ids))
    others_same_opp = per_opp[A.opp[idx]] - in_plan
    k["duplicate"] = others_same_opp > 0

    # time conflicts and neighbouring meetings: a small loop over the plan, never the catalogue
    mask, start, end = A.mask[idx], A.start[idx], A.end[idx]
    first, last, zone = A.first[idx], A.last[idx], A.zone[idx]
    conflict_with = np.full(n, -1, dtype=np.int64)
    neighbours: dict[int, list[np.ndarray]] = {}  # weekday -> [prev_key, prev, next_key, next]
    my_key = start * 2000 + end
    cand_in_person = A.in_person[idx]
    for p in plan:
        if not A.meets[p]:
            continue
        common = mask & A.mask[p] & shared_weekdays(first, last, A.first[p], A.last[p])
        common[cand == p] = 0
        overlap = (common > 0) & (start < A.end[p]) & (A.start[p] < end)
        conflict_with[overlap & (conflict_with < 0)] = p
        if not A.in_person[p]:
            continue
        p_key = A.start[p] * 2000 + A.end[p]
        for d in (d for d in range(7) if A.mask[p] >> d & 1):
            if d not in neighbours:
                neighbours[d] = [np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64),
                                 np.full(n, 1 << 40, dtype=np.int64),
                                 np.full(n, -1, dtype=np.int64)]
            prev_key, prev_row, next_key, next_row = neighbours[d]
            on = ((common >> d) & 1 > 0) & cand_in_person
            before = on & (p_key < my_key) & (p_key > prev_key)
            prev_key[before], prev_row[before] = p_key, p
            after = on & (p_key > my_key) & (p_key < next_key)
            next_key[after], next_row[after] = p_key, p
    k["time_conflict"] = conflict_with >= 0
    k["conflict_with"] = conflict_with

    minutes, _mode = fastest_trips(catalogue, learner.transport)
    late_from = np.full(n, -1, dtype=np.int64)   # a plan section there is no time to come from
    late_to = np.full(n, -1, dtype=np.int64)     # a plan section there is no time to reach
    cut_off = np.full(n, -1, dtype=np.int64)     # a plan section no mode connects to
    for _prev_key, prev_row, _next_key, next_row in neighbours.values():
        for rows, leaving in ((prev_row, True), (next_row, False)):
            # only candidates with a plan meeting next to them on this day can be late
            sel = np.flatnonzero(rows >= 0)
            if not len(sel):
                continue
            other, z = rows[sel], zone[sel]
            oz = A.zone[other]
            moves = oz != z
            trip = np.where((oz >= 0) & (z >= 0),
                            minutes[np.maximum(oz, 0), np.maximum(z, 0)], np.inf)
            window = (start[sel] - A.end[other]) if leaving else (A.start[other] - end[sel])
            moves &= window >= 0      # an overlap is a time conflict, not a travel problem
            reachable = np.isfinite(trip)
            hit = sel[moves & ~reachable]
            hit = hit[cut_off[hit] < 0]
            cut_off[hit] = rows[hit]
            target = late_from if leaving else late_to
            hit = sel[moves & reachable & (window < trip - _EPS)]
            hit = hit[target[hit] < 0]
            target[hit] = rows[hit]
    k["travel_time"] = (late_from >= 0) | (late_to >= 0)
    k["late_from"], k["late_to"], k["cut_off"] = late_from, late_to, cut_off
    k["transport"] = k["unreachable"] | k["no_car"] | (cut_off >= 0)

    # hours: would a week the candidate runs in go over the learner's most?
    H = A.hours[idx]
    plan_hours = A.hours[plan].sum(axis=0)
    most = learner.max_hours_per_week + _EPS
    over = np.maximum(most - plan_hours, 0)[None, :] < H
    # a section already in the plan is only part of the problem when the plan itself goes over
    over[in_plan] = (H[in_plan] > 0) & (plan_hours > most)[None, :]
    k["weekly_hours"] = over.any(axis=1)
    k["hours"], k["plan_hours"], k["over_weeks"] = H, plan_hours, over

    # budget: each opportunity is paid for once
    plan_cost = float(A.cost[_first_of_each(A, plan)].sum()) if len(plan) else 0.0
    alone = others_same_opp == 0
    baseline = plan_cost - np.where(in_plan & alone, A.cost[idx], 0.0)
    added = np.where(alone, A.cost[idx], 0.0)
    k["budget"] = (added > 0) & (baseline + added > learner.budget + _EPS)
    k["over_by"] = baseline + added - learner.budget
    k["in_plan"] = in_plan
    return k


def _first_of_each(A: _Arrays, rows: np.ndarray) -> np.ndarray:
    """The first row of each opportunity among ``rows`` (keeps plan order)."""
    _, first = np.unique(A.opp[rows], return_index=True)
    return rows[np.sort(first)]


_FIT_KIND_ARRAY = np.array([*FIT_KINDS, ""], dtype=object)
_FIT_KIND_CODE = {name: i for i, name in enumerate(FIT_KINDS)}


def _titled(template: str, titles: np.ndarray, **args) -> np.ndarray:
    """A translated ``template`` with one ``{title}``, filled for many titles at once."""
    before, _, after = template.partition("{title}")
    return before.format(**args) + titles.astype(object) + after.format(**args)


def _reasons(A: _Arrays, learner: Learner, k: dict, cand: np.ndarray,
             words: Words = ENGLISH) -> tuple:
    """The first failing kind per candidate and a short plain-language reason for it.

    Words are built only for the rows that fail on that kind, and numbers are formatted once
    per distinct value, so this stays cheap on a large catalogue.
    """
    w, _ = words, words.gettext
    n = len(cand)
    failing = np.column_stack([k[name] for name in FIT_KINDS] + [np.ones(n, dtype=bool)])
    code = np.argmax(failing, axis=1)
    kind = _FIT_KIND_ARRAY[code]
    reason = np.full(n, "", dtype=object)
    name = w.learner_name(learner.name)
    who = {"name": name, "name_s": possessive(name)}
    modes = w.modes(learner.transport)

    def put(kind_name, text):
        # comparing small integer codes, not thousands of strings
        sel = np.flatnonzero(code == _FIT_KIND_CODE[kind_name])
        if len(sel):
            reason[sel] = text(sel) if callable(text) else text

    def grade(i):
        lo, hi = A.min_grade[cand[i]], A.max_grade[cand[i]]
        return _per_value(lo * 100 + hi, lambda g: _("For {grades}").format(
            grades=w.grades(int(g) // 100, int(g) % 100)))

    put("grade", grade)
    put("capacity", _("No seats left"))
    put("times_tba", _("Times to be arranged with the provider"))
    put("duplicate", _("Another group of this is already in the plan"))
    put("broadband", _("Needs internet at home"))
    put("device", _("Needs a computer or tablet"))
    put("transport", lambda i: np.where(
        k["no_car"][i], _("Needs a car at the site"),
        np.where(k["unreachable"][i], _("No way to get there {modes}").format(modes=modes),
                 _titled(_("No way to get there from {title}"),
                         A.title[np.maximum(k["cut_off"][i], 0)]))))
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    far = _("{trip} away; {name_s} longest trip is {longest}")
    put("too_far", lambda i: _per_value(k["home_minutes"][i], lambda m: far.format(
        trip=w.minutes(m), longest=learner.max_travel_minutes, **who)))
    # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name} in your language.
    put("unavailable", lambda i: np.where(k["outside"][i] > 0,
                                          _("Outside {name_s} free time").format(**who),
                                          _("Clashes with a family commitment")))
    put("time_conflict", lambda i: _titled(_("Same time as {title}"),
                                           A.title[k["conflict_with"][i]]))
    put("travel_time", lambda i: np.where(
        k["late_from"][i] >= 0,
        _titled(_("Not enough time to get there from {title}"), A.title[k["late_from"][i]]),
        _titled(_("Not enough time to get from there to {title}"), A.title[k["late_to"][i]])))

    def busiest(i):
        total = k["plan_hours"][None, :] + np.where(k["in_plan"][i, None], 0.0, k["hours"][i])
        return np.where(k["over_weeks"][i], total, 0).max(axis=1)

    most = w.number(learner.max_hours_per_week)
    put("weekly_hours", lambda i: _per_value(busiest(i), lambda h: _(
        "Would make {hours} hours in a week (most {most})").format(hours=w.number(h),
                                                                   most=most)))
    put("budget", lambda i: _per_value(k["over_by"][i], lambda x: _(
        "Would be {amount} over budget").format(amount=w.money(x))))

    def prerequisite(i):
        lv = np.array([learner.level(c) for c in A.prereq_ids], dtype=np.int64)
        j = np.argmax(k["short"][i], axis=1)
        need = A.prereq[cand[i], j]
        text = _("Needs {level} in {competency} first (now {now})")
        return _per_value((j * 5 + need) * 5 + lv[j], lambda c: text.format(
            level=w.level(int(c) // 5 % 5), competency=A.prereq_names[int(c) // 25],
            now=w.level(int(c) % 5)))

    put("prerequisite", prerequisite)
    return kind, reason



def _per_value(values: np.ndarray, fmt) -> np.ndarray:
    """Format each distinct value once (there are few) and spread the words back out."""
    uniques, inverse = np.unique(np.round(values.astype(float), 6), return_inverse=True)
    words = np.array([fmt(u) for u in uniques], dtype=object)
    return words[inverse.reshape(-1)]


def catalogue_fit(catalogue: Catalogue, learner: Learner, section_ids,
                  words: Words = ENGLISH, *, cache: EngineCache | None = None) -> pd.DataFrame:
    """For every section of the catalogue: could it be added to this plan without a new problem?

    Parameters
    ----------
    catalogue
        The catalogue.
    learner
        The learner the plan is for.
    section_ids
        The plan's sections (unknown ids are ignored).
    words
        The language of the ``reason`` column (the session's ``Words``; English by default).
    cache
        The session's ``EngineCache``: the learner-only tests are kept there between edits.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``section_id`` in catalogue order, with ``in_plan``; ``fits`` (adding it adds
        no problem; for a section already in the plan: it causes none); ``reason_kind``
        (the first failing kind, "" when it fits) and ``reason`` (short, plain words);
        ``travel_minutes`` (one way from home by the fastest listed mode; 0 when no trip is
        needed, inf when none is possible) and ``travel_mode`` ("" when no trip is needed,
        None when none is possible).
    """
    A = _arrays(catalogue, cache)
    plan = A.shared.positions(section_ids)
    k = _fit(catalogue, A, learner, plan, slice(None))
    kind, reason = _reasons(A, learner, k, A.rows, words)

    columns = {"in_plan": k["in_plan"], "fits": kind == "", "reason_kind": kind,
               "reason": reason, "travel_minutes": k["home_minutes"].astype(float),
               "travel_mode": k["home_mode"].copy()}  # the tests may be kept: never share them
    # plain object columns: inferring string dtypes would cost more than the whole fit, and
    # wrapping each column in a Series a third of it
    return frame_of_arrays(columns, A.section_index)


# ---- check_plan ------------------------------------------------------------------------------
def _alternatives(catalogue: Catalogue, A: _Arrays, learner: Learner, plan: np.ndarray,
                  row: int) -> Phrase | None:
    """Other groups of the same opportunity that would fit the rest of the plan."""
    siblings = A.siblings(row)
    siblings = siblings[~np.isin(siblings, plan)]
    if not len(siblings):
        return None
    # a group that fails a test of its own (grade, seats, times, internet, device, the trip
    # from home, free time, prerequisites) fails whatever the plan; only the others are tried
    # against the rest of the plan, in the same order
    # (the fit kinds _section_tests answers, and the two that make "transport" fail alone)
    own = _section_tests(catalogue, A, learner, siblings)
    fails = [own[name] for name in (*FIT_KINDS, "unreachable", "no_car") if name in own]
    siblings = siblings[~np.column_stack(fails).any(axis=1)]
    if not len(siblings):
        return None
    rest = plan[plan != row]
    k = _fit(catalogue, A, learner, rest, siblings)
    # a sibling fits when no fit test fails; its reason words are never shown, so not built
    fails = np.column_stack([k[name] for name in FIT_KINDS]).any(axis=1)
    good = siblings[~fails][:2]
    if not len(good):
        return None
    groups = []
    for g in good:
        dates = (None, None)
        if (A.first[g], A.last[g]) != (A.first[row], A.last[row]):
            dates = (pd.Timestamp(A.table["start_date"].iat[g]).date(),
                     pd.Timestamp(A.table["end_date"].iat[g]).date())
        groups.append((*A.meeting(g), *dates))
    return _phrase("other_group", title=A.title[row], groups=groups)


def check_plan(catalogue: Catalogue, learner: Learner, section_ids, *,
               cache: EngineCache | None = None) -> list[Problem]:
    """Every problem that would break this plan for this learner, in a fixed order.

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    learner
        The learner the plan is for.
    section_ids
        The plan's sections (unknown ids and repeats are ignored).
    cache
        The session's ``EngineCache``: the learner-only tests and the plan's trips are kept
        there between edits.

    Returns
    -------
    list of Problem
        Ordered by ``PROBLEM_KINDS`` and then by plan order; empty when the plan fits. Each
        carries its words as data: ``problem_text(problem, words)`` says it in a language.
    """
    # without a session's cache, one for this call: its alternatives reuse the learner's tests
    A = _arrays(catalogue, EngineCache() if cache is None else cache)
    ids = A.shared.known(section_ids)
    plan = A.shared.positions(ids)
    if not len(plan):
        return []
    name = learner.name
    k = _section_tests(catalogue, A, learner, plan)
    found: dict[str, list[Problem]] = {kind: [] for kind in PROBLEM_KINDS}
    alt_cache: dict[int, Phrase | None] = {}

    def alt(row: int) -> Phrase | None:
        if row not in alt_cache:
            alt_cache[row] = _alternatives(catalogue, A, learner, plan, row)
        return alt_cache[row]

    def add(kind, rows, what: Phrase, *helps: Phrase | None):
        found[kind].append(Problem.of(kind, (A.ids[r] for r in rows), what, helps))

    # two things at the same time (every pair, whichever order they were added in)
    for a_pos, a in enumerate(plan):
        for b in plan[a_pos + 1:]:
            if not (A.meets[a] and A.meets[b]):
                continue
            common = int(A.mask[a] & A.mask[b]
                         & shared_weekdays(A.first[a], A.last[a], A.first[b], A.last[b]))
            if common and A.start[a] < A.end[b] and A.start[b] < A.end[a]:
                add("time_conflict", (a, b),
                    _phrase("time_conflict", title=A.title[a], days=common, start=A.start[a],
                            end=A.end[a], other=A.title[b], other_start=A.start[b],
                            other_end=A.end[b]),
                    alt(b), alt(a))

    # the same opportunity twice
    for opp in pd.unique(A.opp[plan]):
        rows = plan[A.opp[plan] == opp]
        if len(rows) > 1:
            groups = [A.meeting(r) if A.mask[r] else () for r in rows]
            add("duplicate", rows,
                _phrase("duplicate", title=A.title[rows[0]], n=len(rows), groups=groups),
                _phrase("keep_one"))

    # outside free time, or during a family commitment
    blocks = _free_blocks(learner)
    for i, r in enumerate(plan):
        out = int(k["outside"][i])
        if out:
            d = next(j for j in range(7) if out >> j & 1)
            add("unavailable", (r,),
                _phrase("outside_free", title=A.title[r], days=out, start=A.start[r],
                        end=A.end[r], name=name, day=d, free=blocks[d]),
                alt(r))
        for c, days in zip(learner.commitments, k["clashes"], strict=True):
            if days[i]:
                add("unavailable", (r,),
                    _phrase("commitment", title=A.title[r], days=int(days[i]),
                            start=A.start[r], end=A.end[r], label=c.label,
                            other_days=day_mask(c.days), other_start=c.start,
                            other_end=c.end),
                    alt(r))

    # trips between meetings: not enough time, or no way at all
    pos = {s: i for s, i in zip(ids, plan, strict=True)}
    seen: dict[tuple, list] = {}
    cut_off: list[Problem] = []
    for leg in plan_trips(catalogue, learner, ids, A.cache):
        if leg["before_section"] is None or leg["after_section"] is None:
            continue
        mins, window = leg["minutes"], leg["window_minutes"]
        if window < 0 or (np.isfinite(mins) and window >= mins - _EPS):
            continue  # an overlap is a time conflict, reported above
        key = (leg["before_section"], leg["after_section"], bool(np.isfinite(mins)))
        seen.setdefault(key, []).append(leg)
    for (before, after, reachable), trips in seen.items():
        a, b = pos[before], pos[after]
        days = sum(1 << DAYS.index(t["day"]) for t in trips)
        between = {"title": A.title[a], "provider": A.provider[a], "other": A.title[b],
                   "other_provider": A.provider[b]}
        if reachable:
            worst = min(trips, key=lambda t: t["window_minutes"] - t["minutes"])
            add("travel_time", (a, b),
                _phrase("travel_time", days=days, name=name,
                        window=round(float(worst["window_minutes"])),
                        minutes=float(worst["minutes"]), mode=worst["mode"], **between),
                alt(b), alt(a))
        else:
            cut_off.append(Problem.of(
                "transport", (A.ids[a], A.ids[b]),
                _phrase("cut_off", days=days, name=name, modes=tuple(learner.transport),
                        **between),
                (alt(b), alt(a))))

    # trips from home
    for i, r in enumerate(plan):
        if k["too_far"][i]:
            add("too_far", (r,),
                _phrase("too_far", minutes=float(k["home_minutes"][i]),
                        mode=k["home_mode"][i], title=A.title[r], provider=A.provider[r],
                        name=name, longest=learner.max_travel_minutes),
                alt(r))
        if k["unreachable"][i]:
            add("transport", (r,),
                _phrase("unreachable", name=name, title=A.title[r], provider=A.provider[r],
                        modes=tuple(learner.transport)),
                _other_modes(catalogue, learner, A, r))
        if k["no_car"][i]:
            add("transport", (r,), _phrase("no_car", title=A.title[r], name=name), alt(r))

    found["transport"].extend(cut_off)

    # hours in a week
    weeks = monday_grid(int(A.first[plan].min()), int(A.last[plan].max()))
    H = A.shared.hours_in_weeks(plan, weeks)
    hours = H.sum(axis=0)
    over = hours > learner.max_hours_per_week + _EPS
    if over.any():
        rows = plan[(H[:, over] > 0).any(axis=1)]
        w = int(np.argmax(hours))
        heavy = plan[int(np.argmax(H[:, w]))]
        monday = dt.date(1970, 1, 1) + dt.timedelta(days=int(weeks[w]))
        add("weekly_hours", rows,
            _phrase("weekly_hours", week=monday, hours=float(hours[w]), name=name,
                    most=float(learner.max_hours_per_week), weeks_over=int(over.sum())),
            _phrase("leave_out", title=A.title[heavy], hours=float(H[:, w].max())))

    # money: each opportunity is paid for once
    paid = _first_of_each(A, plan)
    total = float(A.cost[paid].sum())
    if total > learner.budget + _EPS:
        costly = paid[A.cost[paid] > 0]
        top = paid[int(np.argmax(A.cost[paid]))]
        add("budget", costly,
            _phrase("budget", total=total, budget=float(learner.budget)),
            _phrase("over_by", over=total - learner.budget, title=A.title[top],
                    cost=float(A.cost[top])))

    # internet and devices
    for i, r in enumerate(plan):
        if k["broadband"][i]:
            add("broadband", (r,), _phrase("broadband", title=A.title[r], name=name),
                _nearby(catalogue, learner, "offers_broadband"))
        if k["device"][i]:
            add("device", (r,), _phrase("device", title=A.title[r], name=name),
                _nearby(catalogue, learner, "lends_devices"))

    # who may join
    lv = np.array([learner.level(c) for c in A.prereq_ids], dtype=np.int64)
    for i, r in enumerate(plan):
        if k["grade"][i]:
            add("grade", (r,),
                _phrase("grade", title=A.title[r], low=A.min_grade[r], high=A.max_grade[r],
                        name=name, grade=learner.grade))
    for i, r in enumerate(plan):
        if k["prerequisite"][i]:
            needs = [(A.prereq[r, j], A.prereq_names[j], lv[j])
                     for j in np.flatnonzero(k["short"][i])]
            add("prerequisite", (r,), _phrase("prerequisite", title=A.title[r], needs=needs))
    for i, r in enumerate(plan):
        if k["capacity"][i]:
            add("capacity", (r,), _phrase("capacity", title=A.title[r], days=A.mask[r],
                                          start=A.start[r], end=A.end[r]), alt(r))
    for i, r in enumerate(plan):
        if k["times_tba"][i]:
            add("times_tba", (r,),
                _phrase("times_tba", title=A.title[r], provider=A.provider[r]))
    return [p for kind in PROBLEM_KINDS for p in found[kind]]


def _other_modes(catalogue: Catalogue, learner: Learner, A: _Arrays, row: int) -> Phrase | None:
    """How else the place could be reached, from the travel times the data has."""
    zone = catalogue.zones[A.zone[row]] if A.zone[row] >= 0 else None
    if zone is None:
        return None
    options = []
    for mode in MODES:
        if mode in learner.transport:
            continue
        mins, _ = catalogue.travel_minutes(learner.home_zone, zone, [mode])
        if np.isfinite(mins):
            options.append((float(mins), mode))
    return _phrase("other_modes", options=options) if options else None


def _nearby(catalogue: Catalogue, learner: Learner, flag: str) -> Phrase | None:
    """Providers with ``flag`` the learner can reach within their longest trip, nearest first."""
    p = catalogue.providers
    p = p[p[flag].to_numpy(dtype=bool)]
    if p.empty:
        return None
    minutes, mode = fastest_trips(catalogue, learner.transport)
    zone_at = {z: i for i, z in enumerate(catalogue.zones)}
    h = zone_at.get(learner.home_zone)
    if h is None:
        return None
    z = p["zone"].map(zone_at)
    ok = z.notna().to_numpy()
    p, z = p[ok], z[ok].astype(int).to_numpy()
    mins = minutes[h, z]
    keep = np.isfinite(mins) & (mins <= learner.max_travel_minutes + _EPS)
    if not keep.any():
        return _phrase("none_nearby", flag=flag, longest=learner.max_travel_minutes)
    order = np.argsort(mins[keep], kind="stable")[:2]
    names = p["name"].to_numpy(dtype=object)[keep][order]
    places = [(str(n), float(mins[keep][o]), str(mode[h, z[keep][o]]))
              for n, o in zip(names, order, strict=True)]
    return _phrase("nearby", flag=flag, places=places)


# ---- many plans at once: the checks a roster can answer ---------------------------------------
def roster_feasible(arrays: CatalogueArrays, rows, cost: np.ndarray) -> np.ndarray:
    """For many learner-plans at once: does each pass the checks a roster can answer?

    The per-section tests of ``check_plan`` that need no free time, no meeting times of other
    sections and no prerequisites: grade, seats, broadband, device, a car where one is needed,
    a way to get there by the learner's own transport within their longest trip; and the plan's
    budget and busiest week. It does not check time conflicts, travel between sections, free
    time or prerequisites (a roster carries no availability).

    Parameters
    ----------
    arrays : CatalogueArrays
    rows : projection.PlanRows
        The learner-plans.
    cost : array
        Each plan's cost (``ledger.plan_totals``).

    Returns
    -------
    numpy.ndarray of bool, one per row
    """
    n = rows.n
    rs_row, rs_sec = rows.section_rows(), rows.section_pos
    car = (rows.transport >> MODES.index("car") & 1).astype(bool)
    zone = arrays.zone[rs_sec]
    fast = arrays.fastest[rows.transport[rs_row], rows.home[rs_row],
                          np.where(zone >= 0, zone, len(arrays.zones))]
    place = arrays.at_place[rs_sec]
    grade = rows.grade[rs_row]
    bad = ((grade < arrays.min_grade[rs_sec]) | (grade > arrays.max_grade[rs_sec])
           | (arrays.seats_left[rs_sec] <= 0)
           | (arrays.needs_internet[rs_sec] & ~rows.home_broadband[rs_row])
           | (arrays.needs_device[rs_sec] & ~rows.has_device[rs_row])
           | (arrays.needs_car[rs_sec] & ~car[rs_row])
           | (place & ~np.isfinite(fast))
           | (place & np.isfinite(fast) & (fast > rows.max_travel_minutes[rs_row] + _EPS)))
    busiest = per_row(n, rs_row, arrays.hours[rs_sec]).max(axis=1, initial=0.0)
    return (np.bincount(rs_row, weights=bad, minlength=n) == 0) \
        & (cost <= rows.budget + _EPS) & (busiest <= rows.max_hours_per_week + _EPS)
