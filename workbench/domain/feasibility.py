"""What would break a plan, in words a family understands, and what else in the catalogue fits.

``check_plan`` lists every problem of a plan, each with a plain-language message and, where the
data can tell, a fix. ``catalogue_fit`` answers, for every section of the catalogue at once,
"could we add this to the plan without adding a problem?"; it is vectorised over the catalogue
(per-catalogue arrays are built once and cached) so the app can recompute it on every change.

Both use the same per-section tests, so they agree on every kind the fit checks. Choices made:

* in the fit, travel time between a candidate and the plan is checked against the plan meeting
  just before and just after it on each weekday, among those whose dates overlap the
  candidate's; ``check_plan`` works per week pattern (see ``schedule``). The two can differ only
  when three or more sections on one weekday run over different parts of the year.
* an empty ``availability`` list means the family has not said when the learner is free, so no
  meeting is "outside free time" (commitments still count).
* a section is at a place (travel, ``too_far``, ``transport``) when its modality is in person or
  blended, even if its times are not published yet.
* per-catalogue arrays are cached on first use: a catalogue is treated as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import (
    DAY_NAMES,
    DAYS,
    LEVELS,
    MODES,
    Catalogue,
    Learner,
    day_mask,
    format_minutes,
)
from .schedule import (
    _cache_for,
    _hours_matrix,
    _known,
    _positions,
    _sections,
    _trip_legs,
    _week_grid,
    day_numbers,
    fastest_trips,
    shared_weekdays,
)

PROBLEM_KINDS = (
    "time_conflict", "duplicate", "unavailable", "travel_time", "too_far", "transport",
    "weekly_hours", "budget", "broadband", "device", "grade", "prerequisite", "capacity",
    "times_tba",
)
KIND_TITLES = {
    "time_conflict": "Two things at the same time",
    "duplicate": "The same thing twice",
    "unavailable": "Outside free time",
    "travel_time": "Not enough time to get there",
    "too_far": "Too far from home",
    "transport": "No way to get there",
    "weekly_hours": "Too many hours in a week",
    "budget": "Over budget",
    "broadband": "Needs internet at home",
    "device": "Needs a computer or tablet",
    "grade": "Not for this grade",
    "prerequisite": "Needs more practice first",
    "capacity": "No seats left",
    "times_tba": "Times not published yet",
}
# the order catalogue_fit picks its one reason in: what rules a section out most plainly first
FIT_KINDS = (
    "grade", "capacity", "times_tba", "duplicate", "broadband", "device", "transport",
    "too_far", "unavailable", "time_conflict", "travel_time", "weekly_hours", "budget",
    "prerequisite",
)
TRIP_WORDS = {"walk": "on foot", "bike": "by bike", "transit": "by bus or train", "car": "by car"}
_EPS = 1e-9


@dataclass(frozen=True)
class Problem:
    """One thing that would break a plan: what kind, which sections, what to tell the family."""

    kind: str
    sections: tuple[str, ...]
    message: str
    fix: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "sections": list(self.sections), "message": self.message,
                "fix": self.fix}


# ---- words -----------------------------------------------------------------------------------
def _join(items, last: str = "and") -> str:
    items = [str(x) for x in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def days_words(mask: int) -> str:
    """A 7-bit day mask as words: "Tuesday", "Tuesday and Thursday", "Monday to Friday"."""
    idx = [i for i in range(7) if int(mask) >> i & 1]
    if len(idx) >= 3 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{DAY_NAMES[DAYS[idx[0]]]} to {DAY_NAMES[DAYS[idx[-1]]]}"
    return _join(DAY_NAMES[DAYS[i]] for i in idx)


def _span(start: int, end: int) -> str:
    return f"{format_minutes(start)}–{format_minutes(end)}"


def _hours(h: float) -> str:
    return f"{h:.1f}".rstrip("0").rstrip(".")


def _money(x: float) -> str:
    return f"${x:,.0f}" if abs(x - round(x)) < 0.005 else f"${x:,.2f}"


def _date(ts) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts:%B} {ts.day}, {ts.year}"


def _modes_words(modes) -> str:
    words = [TRIP_WORDS[m] for m in MODES if m in set(modes)]
    return _join(words, "or") if words else "with no way of travelling listed"


def _grade_words(lo: int, hi: int) -> str:
    def g(x):
        return "kindergarten" if x == 0 else f"grade {x}"
    if lo == hi:
        return f"{g(lo)} only"
    return f"grades {lo}–{hi}" if lo > 0 else f"kindergarten to grade {hi}"


def _name(learner: Learner) -> str:
    return learner.name.strip() or "the learner"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


# ---- per-catalogue arrays --------------------------------------------------------------------
class _Arrays:
    """The catalogue's sections as numpy arrays, built once per catalogue."""

    def __init__(self, catalogue: Catalogue):
        t = catalogue.section_table
        self.table = t
        self.index = t.index
        self.ids = t.index.to_numpy(dtype=object)
        self.opp, self.opp_ids = pd.factorize(t["opportunity_id"])
        self.title = t["title"].astype(str).to_numpy(dtype=object)
        self.provider = t["provider_name"].astype(str).to_numpy(dtype=object)
        self.min_grade = t["min_grade"].to_numpy(dtype=np.int64)
        self.max_grade = t["max_grade"].to_numpy(dtype=np.int64)
        self.seats = t["seats_left"].to_numpy(dtype=np.int64)
        self.tba = t["times_tba"].to_numpy(dtype=bool)
        self.needs_internet = (t["requires_broadband"].to_numpy(dtype=bool)
                               | t["online"].to_numpy(dtype=bool))
        self.needs_device = t["requires_device"].to_numpy(dtype=bool)
        self.needs_car = t["requires_car"].to_numpy(dtype=bool)
        # in-person sections need a trip even when their times are not published
        self.at_place = t["modality"].isin(["in_person", "blended"]).to_numpy(dtype=bool)
        self.meets = t["meets"].to_numpy(dtype=bool)
        self.in_person = t["in_person"].to_numpy(dtype=bool)
        self.mask = np.where(self.meets, t["day_mask"].to_numpy(dtype=np.int64), 0)
        self.start = t["start_min"].to_numpy(dtype=np.int64)
        self.end = t["end_min"].to_numpy(dtype=np.int64)
        self.first = day_numbers(t["start_date"])
        self.last = day_numbers(t["end_date"])
        zone_at = {z: i for i, z in enumerate(catalogue.zones)}
        self.zone = t["zone"].map(zone_at).fillna(-1).to_numpy(dtype=np.int64)
        self.cost = t["cost"].to_numpy(dtype=float)
        self.n = len(t)
        self.rows = np.arange(self.n)
        self.section_index = pd.Index(self.ids, name="section_id", dtype=object)
        if self.n:
            self.weeks = _week_grid(int(self.first.min()), int(self.last.max()))
            self.hours = _hours_matrix(_sections(catalogue), np.arange(self.n), self.weeks)
        else:
            self.weeks = np.zeros(0, dtype=np.int64)
            self.hours = np.zeros((0, 0))
        # when each section meets, in words: built per distinct (days, start, end), not per row
        key = pd.Series(list(zip(self.mask, self.start, self.end, strict=True)))
        codes, uniques = pd.factorize(key)
        words = np.array([f"{days_words(m)} {_span(s, e)}" if m else "" for m, s, e in uniques],
                         dtype=object)
        self.when = words[codes] if len(codes) else np.zeros(0, dtype=object)
        self.grade_text = ("For " + pd.Series(
            [_grade_words(a, b) for a, b in zip(self.min_grade, self.max_grade, strict=True)],
            dtype=object)).to_numpy(dtype=object)
        # prerequisites: a sections x competencies matrix of levels needed to join
        a = catalogue.alignments
        a = a[a["min_level"].to_numpy() > 0]
        self.prereq_ids = list(dict.fromkeys(a["competency_id"]))
        self.prereq = np.zeros((self.n, len(self.prereq_ids)), dtype=np.int64)
        if len(a):
            need = a.pivot_table(index="opportunity_id", columns="competency_id",
                                 values="min_level", aggfunc="max").reindex(
                index=self.opp_ids, columns=self.prereq_ids).fillna(0).to_numpy(dtype=np.int64)
            self.prereq = need[self.opp] if self.n else self.prereq
        order = np.argsort(self.opp, kind="stable")
        self.by_opportunity = np.split(order, np.flatnonzero(np.diff(self.opp[order])) + 1) \
            if self.n else []
        names = catalogue.competency_names
        self.prereq_names = np.array([names.get(c, c) for c in self.prereq_ids], dtype=object)

    def label(self, i: int) -> str:
        """"Robotics Club (Tuesday 3:30 pm–5:30 pm)", or just the title without meetings."""
        return f"{self.title[i]} ({self.when[i]})" if self.when[i] else str(self.title[i])


def _arrays(catalogue: Catalogue) -> _Arrays:
    cache = _cache_for(catalogue)
    if "arrays" not in cache:
        cache["arrays"] = _Arrays(catalogue)
    return cache["arrays"]


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

    These do not change while a family edits a plan, so the whole catalogue's answers are kept
    per catalogue and learner situation (read-only) and ``idx`` picks rows out of them.
    """
    cache = _cache_for(catalogue).setdefault("section_tests", {})
    key = _learner_key(learner)
    full = cache.get(key)
    if full is None:
        if len(cache) >= 16:  # a handful of learners in use at once; forget old ones
            cache.clear()
        full = _all_section_tests(catalogue, A, learner)
        for v in (*full.values(), *full["clashes"]):
            if isinstance(v, np.ndarray):
                v.setflags(write=False)
        cache[key] = full
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
_LEVEL_ARRAY = np.asarray(LEVELS, dtype=object)


def _reasons(A: _Arrays, learner: Learner, k: dict, cand: np.ndarray) -> tuple:
    """The first failing kind per candidate and a short plain-language reason for it.

    Words are built only for the rows that fail on that kind, and numbers are formatted once
    per distinct value, so this stays cheap on a large catalogue.
    """
    n = len(cand)
    failing = np.column_stack([k[name] for name in FIT_KINDS] + [np.ones(n, dtype=bool)])
    code = np.argmax(failing, axis=1)
    kind = _FIT_KIND_ARRAY[code]
    reason = np.full(n, "", dtype=object)
    who = _possessive(_name(learner))
    modes = _modes_words(learner.transport)

    def put(name, words):
        # comparing small integer codes, not thousands of strings
        sel = np.flatnonzero(code == _FIT_KIND_CODE[name])
        if len(sel):
            reason[sel] = words(sel) if callable(words) else words

    put("grade", lambda i: A.grade_text[cand[i]])
    put("capacity", "No seats left")
    put("times_tba", "Times to be arranged with the provider")
    put("duplicate", "Another group of this is already in the plan")
    put("broadband", "Needs internet at home")
    put("device", "Needs a computer or tablet")
    put("transport", lambda i: np.where(
        k["no_car"][i], "Needs a car at the site",
        np.where(k["unreachable"][i], f"No way to get there {modes}",
                 "No way to get there from " + A.title[np.maximum(k["cut_off"][i], 0)])))
    put("too_far", lambda i: _per_value(k["home_minutes"][i], lambda m: (
        f"{m:.0f} minutes away; {who} longest trip is {learner.max_travel_minutes}")))
    put("unavailable", lambda i: np.where(k["outside"][i] > 0, f"Outside {who} free time",
                                          "Clashes with a family commitment"))
    put("time_conflict", lambda i: "Same time as " + A.title[k["conflict_with"][i]])
    put("travel_time", lambda i: np.where(
        k["late_from"][i] >= 0, "Not enough time to get there from ",
        "Not enough time to get from there to ").astype(object) + A.title[
        np.where(k["late_from"][i] >= 0, k["late_from"][i], k["late_to"][i])])
    def busiest(i):
        total = k["plan_hours"][None, :] + np.where(k["in_plan"][i, None], 0.0, k["hours"][i])
        return np.where(k["over_weeks"][i], total, 0).max(axis=1)

    put("weekly_hours", lambda i: _per_value(
        busiest(i),
        lambda h: f"Would make {_hours(h)} hours in a week (most "
                  f"{_hours(learner.max_hours_per_week)})"))
    put("budget", lambda i: _per_value(k["over_by"][i],
                                       lambda x: f"Would be {_money(x)} over budget"))

    def prerequisite(i):
        lv = np.array([learner.level(c) for c in A.prereq_ids], dtype=np.int64)
        j = np.argmax(k["short"][i], axis=1)
        return ("Needs " + _LEVEL_ARRAY[A.prereq[cand[i], j]] + " in " + A.prereq_names[j]
                + " first (now " + _LEVEL_ARRAY[lv[j]] + ")")

    put("prerequisite", prerequisite)
    return kind, reason


def _per_value(values: np.ndarray, fmt) -> np.ndarray:
    """Format each distinct value once (there are few) and spread the words back out."""
    uniques, inverse = np.unique(np.round(values.astype(float), 6), return_inverse=True)
    words = np.array([fmt(u) for u in uniques], dtype=object)
    return words[inverse.reshape(-1)]


def catalogue_fit(catalogue: Catalogue, learner: Learner, section_ids) -> pd.DataFrame:
    """For every section of the catalogue: could it be added to this plan without a new problem?

    Parameters
    ----------
    catalogue
        The catalogue.
    learner
        The learner the plan is for.
    section_ids
        The plan's sections (unknown ids are ignored).

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
    A = _arrays(catalogue)
    plan = _positions(catalogue, section_ids)
    k = _fit(catalogue, A, learner, plan, slice(None))
    kind, reason = _reasons(A, learner, k, A.rows)
    columns = {"in_plan": k["in_plan"], "fits": kind == "", "reason_kind": kind,
               "reason": reason, "travel_minutes": k["home_minutes"].astype(float),
               "travel_mode": k["home_mode"].copy()}  # the tests are cached: never share them
    # plain object columns: inferring string dtypes would cost more than the whole fit
    if _FROM_ARRAYS is not None:
        # pandas' own column-arrays constructor: the same frame as the public route below,
        # without wrapping each column in a Series first (a third of the fit's time)
        return _FROM_ARRAYS(list(columns.values()), columns=pd.Index(list(columns)),
                            index=A.section_index, verify_integrity=False)
    return pd.DataFrame({name: pd.Series(values, index=A.section_index, copy=False,
                                         dtype=values.dtype)
                         for name, values in columns.items()})


_FROM_ARRAYS = getattr(pd.DataFrame, "_from_arrays", None)


# ---- check_plan ------------------------------------------------------------------------------
def _alternatives(catalogue: Catalogue, A: _Arrays, learner: Learner, plan: np.ndarray,
                  row: int) -> str:
    """Other groups of the same opportunity that would fit the rest of the plan, in words."""
    siblings = A.by_opportunity[A.opp[row]]
    siblings = siblings[~np.isin(siblings, plan)]
    if not len(siblings):
        return ""
    rest = plan[plan != row]
    k = _fit(catalogue, A, learner, rest, siblings)
    # a sibling fits when no fit test fails; its reason words are never shown, so not built
    fails = np.column_stack([k[name] for name in FIT_KINDS]).any(axis=1)
    good = siblings[~fails][:2]
    if not len(good):
        return ""
    what = []
    for g in good:
        when = A.when[g] or "at its own pace"
        dates = ""
        if (A.first[g], A.last[g]) != (A.first[row], A.last[row]):
            dates = f", {_date(A.table['start_date'].iat[g])} to {_date(A.table['end_date'].iat[g])}"
        what.append(f"{when}{dates}")
    return f"Another group of {A.title[row]} would fit: {_join(what, 'or')}."


def check_plan(catalogue: Catalogue, learner: Learner, section_ids) -> list[Problem]:
    """Every problem that would break this plan for this learner, in a fixed order.

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    learner
        The learner the plan is for.
    section_ids
        The plan's sections (unknown ids and repeats are ignored).

    Returns
    -------
    list of Problem
        Ordered by ``PROBLEM_KINDS`` and then by plan order; empty when the plan fits.
    """
    A = _arrays(catalogue)
    ids = _known(catalogue, section_ids)
    plan = _positions(catalogue, ids)
    if not len(plan):
        return []
    name = _name(learner)
    who = _possessive(name)
    k = _section_tests(catalogue, A, learner, plan)
    found: dict[str, list[Problem]] = {kind: [] for kind in PROBLEM_KINDS}
    alt_cache: dict[int, str] = {}

    def alt(row: int) -> str:
        if row not in alt_cache:
            alt_cache[row] = _alternatives(catalogue, A, learner, plan, row)
        return alt_cache[row]

    def add(kind, rows, message, fix=""):
        found[kind].append(Problem(kind, tuple(A.ids[r] for r in rows), message, fix))

    # two things at the same time (every pair, whichever order they were added in)
    for a_pos, a in enumerate(plan):
        for b in plan[a_pos + 1:]:
            if not (A.meets[a] and A.meets[b]):
                continue
            common = int(A.mask[a] & A.mask[b]
                         & shared_weekdays(A.first[a], A.last[a], A.first[b], A.last[b]))
            if common and A.start[a] < A.end[b] and A.start[b] < A.end[a]:
                days = days_words(common)
                fix = " ".join(x for x in (alt(b), alt(a)) if x)
                add("time_conflict", (a, b),
                    f"{A.title[a]} ({days} {_span(A.start[a], A.end[a])}) overlaps "
                    f"{A.title[b]} ({days} {_span(A.start[b], A.end[b])}).", fix)

    # the same opportunity twice
    for opp in pd.unique(A.opp[plan]):
        rows = plan[A.opp[plan] == opp]
        if len(rows) > 1:
            groups = "; ".join(A.when[r] or "own pace" for r in rows)
            add("duplicate", rows,
                f"{A.title[rows[0]]} is in this plan {len(rows)} times ({groups}). "
                "One group is enough.", "Keep the group that suits the week best.")

    # outside free time, or during a family commitment
    blocks = _free_blocks(learner)
    for i, r in enumerate(plan):
        out = int(k["outside"][i])
        if out:
            d = next(j for j in range(7) if out >> j & 1)
            day = DAY_NAMES[DAYS[d]]
            free = (f"is free on {day} only {_join(_span(a, b) for a, b in blocks[d])}"
                    if blocks[d] else f"is not free on {day}s")
            add("unavailable", (r,),
                f"{A.title[r]} meets {days_words(out)} {_span(A.start[r], A.end[r])}, but "
                f"{name} {free}.", alt(r))
        for c, days in zip(learner.commitments, k["clashes"], strict=True):
            if days[i]:
                label = c.label or "a family commitment"
                add("unavailable", (r,),
                    f"{A.title[r]} ({days_words(int(days[i]))} {_span(A.start[r], A.end[r])}) "
                    f"clashes with {label} ({days_words(day_mask(c.days))} "
                    f"{_span(c.start, c.end)}).", alt(r))

    # trips between meetings: not enough time, or no way at all
    pos = {s: i for s, i in zip(ids, plan, strict=True)}
    seen: dict[tuple, list] = {}
    cut_off: list[Problem] = []
    for leg in _trip_legs(catalogue, learner, ids):
        if leg["before_section"] is None or leg["after_section"] is None:
            continue
        mins, window = leg["minutes"], leg["window_minutes"]
        if window < 0 or (np.isfinite(mins) and window >= mins - _EPS):
            continue  # an overlap is a time conflict, reported above
        key = (leg["before_section"], leg["after_section"], bool(np.isfinite(mins)))
        seen.setdefault(key, []).append(leg)
    for (before, after, reachable), trips in seen.items():
        a, b = pos[before], pos[after]
        days = days_words(sum(1 << DAYS.index(t["day"]) for t in trips))
        if reachable:
            worst = min(trips, key=lambda t: t["window_minutes"] - t["minutes"])
            window = worst["window_minutes"]
            has = f"has {window:.0f} minutes" if window >= 1 else "has no time"
            add("travel_time", (a, b),
                f"On {days}, {name} {has} to get from "
                f"{A.title[a]} ({A.provider[a]}) to {A.title[b]} ({A.provider[b]}), but the "
                f"trip takes {worst['minutes']:.0f} minutes {TRIP_WORDS[worst['mode']]}.",
                " ".join(x for x in (alt(b), alt(a)) if x))
        else:
            cut_off.append(Problem(
                "transport", (A.ids[a], A.ids[b]),
                f"On {days}, {name} cannot get from {A.title[a]} ({A.provider[a]}) to "
                f"{A.title[b]} ({A.provider[b]}) {_modes_words(learner.transport)}.",
                " ".join(x for x in (alt(b), alt(a)) if x)))

    # trips from home
    for i, r in enumerate(plan):
        if k["too_far"][i]:
            add("too_far", (r,),
                f"It takes {k['home_minutes'][i]:.0f} minutes {TRIP_WORDS[k['home_mode'][i]]} "
                f"from home to {A.title[r]} at {A.provider[r]}; {who} longest trip is "
                f"{learner.max_travel_minutes} minutes.", alt(r))
        if k["unreachable"][i]:
            add("transport", (r,),
                f"{name} cannot get from home to {A.title[r]} at {A.provider[r]} "
                f"{_modes_words(learner.transport)}.", _other_modes(catalogue, learner, A, r))
        if k["no_car"][i]:
            add("transport", (r,),
                f"{A.title[r]} needs a car at the site, and {name} has no car listed.", alt(r))

    found["transport"].extend(cut_off)

    # hours in a week
    weeks = _week_grid(int(A.first[plan].min()), int(A.last[plan].max()))
    H = _hours_matrix(_sections(catalogue), plan, weeks)
    hours = H.sum(axis=0)
    over = hours > learner.max_hours_per_week + _EPS
    if over.any():
        rows = plan[(H[:, over] > 0).any(axis=1)]
        w = int(np.argmax(hours))
        heavy = plan[int(np.argmax(H[:, w]))]
        n_over = int(over.sum())
        more = f" {n_over} weeks go over in all." if n_over > 1 else ""
        monday = np.datetime64(int(weeks[w]), "D")
        add("weekly_hours", rows,
            f"In the week of {_date(monday)} the plan takes {_hours(hours[w])} "
            f"hours; {name} wants at most {_hours(learner.max_hours_per_week)} hours a week."
            + more,
            f"Leaving out {A.title[heavy]} would save {_hours(H[:, w].max())} hours that week.")

    # money: each opportunity is paid for once
    paid = _first_of_each(A, plan)
    total = float(A.cost[paid].sum())
    if total > learner.budget + _EPS:
        costly = paid[A.cost[paid] > 0]
        top = paid[int(np.argmax(A.cost[paid]))]
        add("budget", costly,
            f"The plan costs {_money(total)} in all; the budget is {_money(learner.budget)}.",
            f"That is {_money(total - learner.budget)} over. The biggest cost is "
            f"{A.title[top]} ({_money(A.cost[top])}).")

    # internet and devices
    for i, r in enumerate(plan):
        if k["broadband"][i]:
            add("broadband", (r,),
                f"{A.title[r]} needs internet, and {who} home has none.",
                _nearby(catalogue, learner, "offers_broadband", "offers free internet"))
        if k["device"][i]:
            add("device", (r,),
                f"{A.title[r]} needs a computer or tablet (a phone is not enough), and {name} "
                "does not have one.",
                _nearby(catalogue, learner, "lends_devices", "lends laptops"))

    # who may join
    lv = np.array([learner.level(c) for c in A.prereq_ids], dtype=np.int64)
    for i, r in enumerate(plan):
        if k["grade"][i]:
            add("grade", (r,),
                f"{A.title[r]} is for {_grade_words(A.min_grade[r], A.max_grade[r])}; {name} "
                f"is in {_grade_words(learner.grade, learner.grade).removesuffix(' only')}.")
    for i, r in enumerate(plan):
        if k["prerequisite"][i]:
            needs = [f"{LEVELS[A.prereq[r, j]]} in {A.prereq_names[j]} (now {LEVELS[lv[j]]})"
                     for j in np.flatnonzero(k["short"][i])]
            add("prerequisite", (r,), f"{A.title[r]} expects {_join(needs)} first.")
    for i, r in enumerate(plan):
        if k["capacity"][i]:
            add("capacity", (r,), f"{A.label(r)} has no seats left.", alt(r))
    for i, r in enumerate(plan):
        if k["times_tba"][i]:
            add("times_tba", (r,),
                f"{A.title[r]} ({A.provider[r]}): times to be arranged — ask the provider "
                "before counting on it.")
    return [p for kind in PROBLEM_KINDS for p in found[kind]]


def _other_modes(catalogue: Catalogue, learner: Learner, A: _Arrays, row: int) -> str:
    """How else the place could be reached, from the travel times the data has."""
    zone = catalogue.zones[A.zone[row]] if A.zone[row] >= 0 else None
    if zone is None:
        return ""
    options = []
    for mode in MODES:
        if mode in learner.transport:
            continue
        mins, _ = catalogue.travel_minutes(learner.home_zone, zone, [mode])
        if np.isfinite(mins):
            options.append(f"{mins:.0f} minutes {TRIP_WORDS[mode]}")
    return f"It can be reached in {_join(options, 'or')}." if options else ""


def _nearby(catalogue: Catalogue, learner: Learner, flag: str, offers: str) -> str:
    """Providers with ``flag`` the learner can reach within their longest trip, nearest first."""
    p = catalogue.providers
    p = p[p[flag].to_numpy(dtype=bool)]
    if p.empty:
        return ""
    minutes, mode = fastest_trips(catalogue, learner.transport)
    zone_at = {z: i for i, z in enumerate(catalogue.zones)}
    h = zone_at.get(learner.home_zone)
    if h is None:
        return ""
    z = p["zone"].map(zone_at)
    ok = z.notna().to_numpy()
    p, z = p[ok], z[ok].astype(int).to_numpy()
    mins = minutes[h, z]
    keep = np.isfinite(mins) & (mins <= learner.max_travel_minutes + _EPS)
    if not keep.any():
        return (f"No place that {offers} is within {learner.max_travel_minutes} minutes of "
                "home; ask the provider about other ways to join.")
    order = np.argsort(mins[keep], kind="stable")[:2]
    names = p["name"].to_numpy(dtype=object)[keep][order]
    near = [f"{n} {offers}, {mins[keep][o]:.0f} minutes away {TRIP_WORDS[mode[h, z[keep][o]]]}"
            for n, o in zip(names, order, strict=True)]
    return "; ".join(near) + "."
