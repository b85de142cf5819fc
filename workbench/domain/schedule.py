"""A plan's week: its meetings, the trips between them, and its hours and travel per week.

Sections run over date ranges, so two sections meeting on Tuesdays only share a Tuesday when
their ranges overlap on one. Trips are therefore worked out per **week pattern**: for every week
(Monday start) the plan runs, the meetings that actually happen that week (each meeting day is
checked against its section's first and last date); weeks with the same meetings share a
pattern. ``day_trips`` returns every distinct trip of every pattern with the number of weeks it
is made, so a calendar that shows all of a plan's meetings also shows all of its trips.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .arrays import (
    CatalogueArrays,
    EngineCache,
    catalogue_arrays,
    day_numbers,
    monday_grid,
    weekday_of,
)
from .dataset import DAYS, Catalogue, Learner

__all__ = ["HOME", "MEETING_COLUMNS", "TRIP_COLUMNS", "day_numbers", "day_trips",
           "fastest_trips", "plan_meetings", "plan_trips", "shared_weekdays", "weekday_of", "weekly_hours",
           "weekly_travel_minutes"]

MEETING_COLUMNS = [
    "section_id", "opportunity_id", "title", "provider_name", "day", "start_min", "end_min",
    "zone", "in_person", "start_date", "end_date",
]
TRIP_COLUMNS = [
    "day", "from_zone", "to_zone", "depart_min", "arrive_min", "minutes", "mode",
    "before_section", "after_section", "window_minutes", "weeks",
]
HOME = "home"


def shared_weekdays(first_a, last_a, first_b, last_b) -> np.ndarray:
    """The weekdays (7-bit mask, bit 0 = Monday) with a date inside both date ranges.

    Arguments are day numbers (arrays broadcast together). Two sections can only clash on a
    weekday in this mask: a fall Tuesday class never meets a spring Tuesday club.
    """
    lo = np.maximum(first_a, first_b)
    hi = np.minimum(last_a, last_b)
    n = np.clip(hi - lo + 1, 0, 7).astype(np.int64)
    run = (np.int64(1) << n) - 1
    w = weekday_of(lo).astype(np.int64)
    return ((run << w) | (run >> (7 - w))) & 127


def fastest_trips(catalogue: Catalogue, modes) -> tuple[np.ndarray, np.ndarray]:
    """Fastest minutes and mode between every pair of zones using any of ``modes``.

    Returns ``(minutes, mode)``, two ``len(catalogue.zones)``-square read-only arrays (inf /
    None when no listed mode connects two zones). A trip inside one zone with no travel row is
    taken to be 0 minutes on foot: getting around one's own neighbourhood is never what breaks
    a plan. Worked out once per catalogue for every set of modes (``CatalogueArrays``).
    """
    return catalogue_arrays(catalogue).trips(modes)


def _meeting_rows(A: CatalogueArrays, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(section position, weekday) of every meeting, ordered by day, start and plan order."""
    pos = pos[A.meets[pos]]
    bits = (A.day_mask[pos][:, None] >> np.arange(7)) & 1
    r, d = np.nonzero(bits)
    order = np.lexsort((r, A.start_min[pos][r], d))
    return pos[r][order], d[order]


def plan_meetings(catalogue: Catalogue, section_ids) -> pd.DataFrame:
    """One row per weekly meeting of the plan's sections (self-paced and TBA sections have none).

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    section_ids
        The plan's sections; unknown ids and repeats are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``section_id, opportunity_id, title, provider_name, day`` (Mon..Sun),
        ``start_min, end_min`` (minutes after midnight), ``zone, in_person`` and
        ``start_date, end_date``; sorted by day, start time and plan order.
    """
    A = catalogue_arrays(catalogue)
    rows, d = _meeting_rows(A, A.positions(section_ids))
    return pd.DataFrame({
        "section_id": A.section_ids[rows], "opportunity_id": A.opportunity_id[rows],
        "title": A.title[rows], "provider_name": A.provider_name[rows],
        "day": np.asarray(DAYS, dtype=object)[d], "start_min": A.start_min[rows],
        "end_min": A.end_min[rows], "zone": A.zone_name[rows], "in_person": A.in_person[rows],
        "start_date": A.start_date[rows], "end_date": A.end_date[rows],
    }, columns=MEETING_COLUMNS)


def plan_trips(catalogue: Catalogue, learner: Learner, section_ids,
               cache: EngineCache | None = None) -> list[dict]:
    """The trips of every week pattern as records (``day_trips``' rows), in day and time order.

    One edit asks for the same plan's trips several times (its check, its ledger), so a
    session's ``cache`` keeps the records per home, ways of travelling and sections; each
    caller gets its own copies.
    """
    A = catalogue_arrays(catalogue)
    ids = tuple(A.known(section_ids))
    if cache is None:
        return _work_out_trip_legs(A, learner, ids)
    key = (learner.home_zone, tuple(learner.transport), ids)
    legs = cache.get("trip_legs", A, key)
    if legs is None:
        legs = cache.keep("trip_legs", key, _work_out_trip_legs(A, learner, ids))
    return [dict(leg) for leg in legs]


def _work_out_trip_legs(A: CatalogueArrays, learner: Learner, section_ids) -> list[dict]:
    """``plan_trips`` without the cache."""
    rows, d = _meeting_rows(A, A.positions(section_ids))
    keep = A.in_person[rows]
    rows, d = rows[keep], d[keep]
    if not len(rows):
        return []
    minutes, mode = A.trips(learner.transport)
    home = learner.home_zone
    home_at = A.zone_at.get(home, -1)

    def trip(i: int, j: int) -> tuple[float, str | None]:
        if i < 0 or j < 0:
            return float("inf"), None
        return float(minutes[i, j]), mode[i, j]

    first, last = A.first_day[rows], A.last_day[rows]
    weeks = monday_grid(int(first.min()), int(last.max()))
    dates = weeks[:, None] + d[None, :]
    active = (dates >= first) & (dates <= last)
    patterns, counts = np.unique(active, axis=0, return_counts=True)
    sid, zone_name = A.section_ids, A.zone_name
    legs: dict[tuple, dict] = {}

    def add(day, a, b, before, after, anchor, window, count, first_leg):
        a_zone = home if a is None else zone_name[a]
        b_zone = home if b is None else zone_name[b]
        key = (day, before, after)
        if key in legs:
            legs[key]["weeks"] += int(count)
            return
        mins, how = trip(home_at if a is None else A.zone[a], home_at if b is None else A.zone[b])
        ok = np.isfinite(mins)
        if first_leg:  # arrive as the first meeting starts
            depart, arrive = (anchor - mins if ok else np.nan), float(anchor)
        else:  # leave as the previous meeting ends
            depart, arrive = float(anchor), (anchor + mins if ok else np.nan)
        legs[key] = {"day": DAYS[day], "from_zone": a_zone, "to_zone": b_zone,
                     "depart_min": depart, "arrive_min": arrive, "minutes": mins,
                     "mode": how if ok else None,
                     "before_section": None if a is None else sid[a],
                     "after_section": None if b is None else sid[b],
                     "window_minutes": window, "weeks": int(count)}

    # rows are already in (day, start, plan order): walking them in order gives each day's chain
    for pattern, count in zip(patterns, counts, strict=True):
        on = np.flatnonzero(pattern)
        for day in np.unique(d[on]):
            chain = [int(x) for x in rows[on[d[on] == day]]]
            chain.sort(key=lambda r: (A.start_min[r], A.end_min[r]))
            day = int(day)
            add(day, None, chain[0], None, sid[chain[0]], A.start_min[chain[0]], np.nan, count,
                True)
            for prev, nxt in itertools.pairwise(chain):
                if zone_name[prev] != zone_name[nxt]:
                    add(day, prev, nxt, sid[prev], sid[nxt], A.end_min[prev],
                        float(A.start_min[nxt] - A.end_min[prev]), count, False)
            last_one = max(chain, key=lambda r: A.end_min[r])
            add(day, last_one, None, sid[last_one], None, A.end_min[last_one], np.nan, count, False)
    return sorted(legs.values(), key=lambda leg: (
        DAYS.index(leg["day"]),
        leg["arrive_min"] if leg["before_section"] is None else leg["depart_min"]))


def day_trips(catalogue: Catalogue, learner: Learner, section_ids,
              cache: EngineCache | None = None) -> pd.DataFrame:
    """The trips a typical week of the plan needs, by the learner's fastest way of travelling.

    For each weekday, in-person meetings in time order: home to the first, between consecutive
    meetings in different zones, and the last back home. Meetings count as on the same day only
    in weeks when both run (see the module docstring); a trip made in several week patterns is
    listed once, with ``weeks`` saying in how many weeks it is made.

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    learner
        Whose home and ways of travelling to use.
    section_ids
        The plan's sections.
    cache
        The session's ``EngineCache``, to reuse the trips between calls.

    Returns
    -------
    pandas.DataFrame
        Columns ``day, from_zone, to_zone`` (home is the learner's zone), ``depart_min,
        arrive_min`` (NaN where unknown), ``minutes`` (inf when the learner's modes cannot make
        the trip), ``mode`` (missing then), ``before_section`` / ``after_section`` (the
        sections the trip leaves / reaches; missing for home), ``window_minutes`` (time between
        two meetings; NaN for trips from or to home) and ``weeks``.
    """
    legs = plan_trips(catalogue, learner, section_ids, cache)
    if not legs:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRIP_COLUMNS})
    return pd.DataFrame(legs, columns=TRIP_COLUMNS)


def _plan_weeks(A: CatalogueArrays, pos: np.ndarray) -> np.ndarray:
    if not len(pos):
        return np.zeros(0, dtype=np.int64)
    return monday_grid(int(A.first_day[pos].min()), int(A.last_day[pos].max()))


def weekly_hours(catalogue: Catalogue, section_ids,
                 week_starts: pd.DatetimeIndex | None = None) -> pd.Series:
    """Hours of planned learning (meetings + self-paced) in each week.

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    section_ids
        The plan's sections.
    week_starts
        The weeks to report, each the seven days from its start (usually Mondays); by default
        every week (Monday to Sunday) from the plan's first to its last date.

    Returns
    -------
    pandas.Series
        Hours per week, indexed by ``week_start``. Empty for an empty plan with no weeks given.
    """
    A = catalogue_arrays(catalogue)
    pos = A.positions(section_ids)
    weeks = _plan_weeks(A, pos) if week_starts is None else day_numbers(week_starts)
    index = pd.DatetimeIndex(weeks.astype("datetime64[D]").astype("datetime64[ns]"),
                             name="week_start")
    hours = A.hours_in_weeks(pos, weeks).sum(axis=0) if len(pos) else np.zeros(len(weeks))
    return pd.Series(hours, index=index, name="hours")


def weekly_travel_minutes(catalogue: Catalogue, learner: Learner, section_ids,
                          cache: EngineCache | None = None) -> float:
    """Average minutes of travel per week, over the weeks the plan runs.

    "Weeks the plan runs" are the weeks in which at least one of its sections runs (its dates
    touch the week), so a plan with a long holiday gap is not averaged down by empty weeks.
    Trips the learner cannot make (no listed mode) are left out: ``check_plan`` reports them.

    Parameters
    ----------
    catalogue
        The catalogue the sections come from.
    learner
        Whose home and ways of travelling to use.
    section_ids
        The plan's sections.
    cache
        The session's ``EngineCache``, to reuse the trips between calls.

    Returns
    -------
    float
        Minutes per week; 0.0 for a plan without in-person meetings.
    """
    legs = plan_trips(catalogue, learner, section_ids, cache)
    if not legs:
        return 0.0
    total = sum(leg["minutes"] * leg["weeks"] for leg in legs if np.isfinite(leg["minutes"]))
    A = catalogue_arrays(catalogue)
    pos = A.positions(section_ids)
    weeks = _plan_weeks(A, pos)
    running = ((weeks[:, None] <= A.last_day[pos][None, :])
               & (weeks[:, None] + 6 >= A.first_day[pos][None, :])).any(axis=1)
    return float(total) / max(int(running.sum()), 1)
