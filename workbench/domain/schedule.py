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
import weakref

import numpy as np
import pandas as pd

from .dataset import DAYS, MODES, Catalogue, Learner

MEETING_COLUMNS = [
    "section_id", "opportunity_id", "title", "provider_name", "day", "start_min", "end_min",
    "zone", "in_person", "start_date", "end_date",
]
TRIP_COLUMNS = [
    "day", "from_zone", "to_zone", "depart_min", "arrive_min", "minutes", "mode",
    "before_section", "after_section", "window_minutes", "weeks",
]
HOME = "home"

_CACHES: dict[int, dict] = {}


def _cache_for(catalogue: Catalogue) -> dict:
    """A per-catalogue scratch dict, dropped when the catalogue is garbage collected.

    A Catalogue is an unhashable dataclass, so it is keyed by id(); the finaliser makes sure a
    recycled id never sees a dead catalogue's arrays.
    """
    key = id(catalogue)
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = {}
        weakref.finalize(catalogue, _CACHES.pop, key, None)
    return cache


def day_numbers(dates) -> np.ndarray:
    """Dates as whole days since 1970-01-01 (int64), for fast date arithmetic."""
    return np.asarray(pd.DatetimeIndex(dates).values.astype("datetime64[D]").astype(np.int64))


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Monday = 0 for day numbers (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


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

    Returns ``(minutes, mode)``, two ``len(catalogue.zones)``-square arrays (inf / None when no
    listed mode connects two zones). A trip inside one zone with no travel row is taken to be
    0 minutes on foot: getting around one's own neighbourhood is never what breaks a plan.
    Cached per catalogue and set of modes.
    """
    modes = tuple(m for m in MODES if m in set(modes))
    cache = _cache_for(catalogue).setdefault("fastest", {})
    if modes not in cache:
        n = len(catalogue.zones)
        best = np.full((n, n), np.inf)
        mode = np.full((n, n), None, dtype=object)
        for m in modes:
            mat = catalogue.travel_matrix[m]
            faster = mat < best
            best = np.where(faster, mat, best)
            mode[faster] = m
        diag = np.arange(n)
        missing = ~np.isfinite(best[diag, diag])
        best[diag[missing], diag[missing]] = 0.0
        mode[diag[missing], diag[missing]] = "walk"
        cache[modes] = (best, mode)
    return cache[modes]


class _Sections:
    """The catalogue's section columns a schedule needs, as numpy arrays (built once)."""

    def __init__(self, catalogue: Catalogue):
        t = catalogue.section_table
        self.index = t.index
        self.position = {sid: i for i, sid in enumerate(t.index)}
        self.text = {c: t[c].astype(str).to_numpy(dtype=object)
                     for c in ("section_id", "opportunity_id", "title", "provider_name", "zone")}
        self.meets = t["meets"].to_numpy(dtype=bool)
        self.in_person = t["in_person"].to_numpy(dtype=bool)
        self.mask = np.where(self.meets, t["day_mask"].to_numpy(dtype=np.int64), 0)
        self.start = t["start_min"].to_numpy(dtype=np.int64)
        self.end = t["end_min"].to_numpy(dtype=np.int64)
        self.start_date = t["start_date"].to_numpy(dtype="datetime64[ns]")
        self.end_date = t["end_date"].to_numpy(dtype="datetime64[ns]")
        self.first = day_numbers(t["start_date"])
        self.last = day_numbers(t["end_date"])
        self.self_paced = t["self_paced_hours"].to_numpy(dtype=float)
        zone_at = {z: i for i, z in enumerate(catalogue.zones)}
        self.zone = t["zone"].map(zone_at).fillna(-1).to_numpy(dtype=np.int64)


def _sections(catalogue: Catalogue) -> _Sections:
    cache = _cache_for(catalogue)
    if "sections" not in cache:
        cache["sections"] = _Sections(catalogue)
    return cache["sections"]


def _known(catalogue: Catalogue, section_ids) -> list[str]:
    """The plan's section ids that exist, each once, in plan order."""
    position = _sections(catalogue).position
    return [s for s in dict.fromkeys(str(x) for x in section_ids) if s in position]


def _positions(catalogue: Catalogue, section_ids) -> np.ndarray:
    """Row positions in ``section_table`` of the plan's known sections, in plan order."""
    position = _sections(catalogue).position
    return np.array([position[s] for s in _known(catalogue, section_ids)], dtype=np.int64)


def _meeting_rows(S: _Sections, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(section position, weekday) of every meeting, ordered by day, start and plan order."""
    pos = pos[S.meets[pos]]
    bits = (S.mask[pos][:, None] >> np.arange(7)) & 1
    r, d = np.nonzero(bits)
    order = np.lexsort((r, S.start[pos][r], d))
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
    S = _sections(catalogue)
    rows, d = _meeting_rows(S, _positions(catalogue, section_ids))
    return pd.DataFrame({
        "section_id": S.text["section_id"][rows], "opportunity_id": S.text["opportunity_id"][rows],
        "title": S.text["title"][rows], "provider_name": S.text["provider_name"][rows],
        "day": np.asarray(DAYS, dtype=object)[d], "start_min": S.start[rows],
        "end_min": S.end[rows], "zone": S.text["zone"][rows], "in_person": S.in_person[rows],
        "start_date": S.start_date[rows], "end_date": S.end_date[rows],
    }, columns=MEETING_COLUMNS)


def _week_grid(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the Mondays of every week from ``first_day`` to ``last_day``."""
    start = first_day - weekday_of(first_day)
    return np.arange(start, last_day + 1, 7, dtype=np.int64)


def _trip_legs(catalogue: Catalogue, learner: Learner, section_ids) -> list[dict]:
    """The trips of every week pattern as records, in day and time order.

    One edit asks for the same plan's trips several times (its check, its ledger), so the
    records are kept per catalogue, home, ways of travelling and sections; each caller gets
    its own copies.
    """
    ids = tuple(_known(catalogue, section_ids))
    key = (learner.home_zone, tuple(learner.transport), ids)
    cache = _cache_for(catalogue).setdefault("trip_legs", {})
    legs = cache.get(key)
    if legs is None:
        if len(cache) >= 64:  # a few learners' plans in use at once; forget old ones
            cache.clear()
        legs = cache[key] = _work_out_trip_legs(catalogue, learner, ids)
    return [dict(leg) for leg in legs]


def _work_out_trip_legs(catalogue: Catalogue, learner: Learner, section_ids) -> list[dict]:
    """``_trip_legs`` without the cache."""
    S = _sections(catalogue)
    rows, d = _meeting_rows(S, _positions(catalogue, section_ids))
    keep = S.in_person[rows]
    rows, d = rows[keep], d[keep]
    if not len(rows):
        return []
    minutes, mode = fastest_trips(catalogue, learner.transport)
    zones = catalogue.zones
    home = learner.home_zone
    home_at = zones.index(home) if home in zones else -1

    def trip(i: int, j: int) -> tuple[float, str | None]:
        if i < 0 or j < 0:
            return float("inf"), None
        return float(minutes[i, j]), mode[i, j]

    first, last = S.first[rows], S.last[rows]
    weeks = _week_grid(int(first.min()), int(last.max()))
    dates = weeks[:, None] + d[None, :]
    active = (dates >= first) & (dates <= last)
    patterns, counts = np.unique(active, axis=0, return_counts=True)
    sid, zone_name = S.text["section_id"], S.text["zone"]
    legs: dict[tuple, dict] = {}

    def add(day, a, b, before, after, anchor, window, count, first_leg):
        a_zone = home if a is None else zone_name[a]
        b_zone = home if b is None else zone_name[b]
        key = (day, before, after)
        if key in legs:
            legs[key]["weeks"] += int(count)
            return
        mins, how = trip(home_at if a is None else S.zone[a], home_at if b is None else S.zone[b])
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
            chain.sort(key=lambda r: (S.start[r], S.end[r]))
            day = int(day)
            add(day, None, chain[0], None, sid[chain[0]], S.start[chain[0]], np.nan, count,
                True)
            for prev, nxt in itertools.pairwise(chain):
                if zone_name[prev] != zone_name[nxt]:
                    add(day, prev, nxt, sid[prev], sid[nxt], S.end[prev],
                        float(S.start[nxt] - S.end[prev]), count, False)
            last_one = max(chain, key=lambda r: S.end[r])
            add(day, last_one, None, sid[last_one], None, S.end[last_one], np.nan, count, False)
    return sorted(legs.values(), key=lambda leg: (
        DAYS.index(leg["day"]),
        leg["arrive_min"] if leg["before_section"] is None else leg["depart_min"]))


def day_trips(catalogue: Catalogue, learner: Learner, section_ids) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Columns ``day, from_zone, to_zone`` (home is the learner's zone), ``depart_min,
        arrive_min`` (NaN where unknown), ``minutes`` (inf when the learner's modes cannot make
        the trip), ``mode`` (missing then), ``before_section`` / ``after_section`` (the
        sections the trip leaves / reaches; missing for home), ``window_minutes`` (time between
        two meetings; NaN for trips from or to home) and ``weeks``.
    """
    legs = _trip_legs(catalogue, learner, section_ids)
    if not legs:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRIP_COLUMNS})
    return pd.DataFrame(legs, columns=TRIP_COLUMNS)


def _hours_matrix(S: _Sections, pos: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Hours each section takes in each week: a ``len(pos) x len(weeks)`` array.

    ``weeks`` are Monday day numbers. A meeting counts when its date falls inside the section's
    dates; self-paced hours count in full in any week the section runs on at least one day.
    """
    first, last = S.first[pos], S.last[pos]
    dates = weeks[:, None] + np.arange(7)[None, :]                       # W x 7
    running = (dates[None] >= first[:, None, None]) & (dates[None] <= last[:, None, None])
    meets = S.meets[pos]
    on_day = ((S.mask[pos][:, None] >> np.arange(7)) & 1) > 0            # S x 7
    length = np.where(meets, (S.end[pos] - S.start[pos]) / 60, 0.0)
    meeting = (running & on_day[:, None, :]).sum(axis=2) * length[:, None]
    return meeting + running.any(axis=2) * S.self_paced[pos][:, None]


def _plan_weeks(S: _Sections, pos: np.ndarray) -> np.ndarray:
    if not len(pos):
        return np.zeros(0, dtype=np.int64)
    return _week_grid(int(S.first[pos].min()), int(S.last[pos].max()))


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
    S = _sections(catalogue)
    pos = _positions(catalogue, section_ids)
    weeks = _plan_weeks(S, pos) if week_starts is None else day_numbers(week_starts)
    index = pd.DatetimeIndex(weeks.astype("datetime64[D]").astype("datetime64[ns]"),
                             name="week_start")
    hours = _hours_matrix(S, pos, weeks).sum(axis=0) if len(pos) else np.zeros(len(weeks))
    return pd.Series(hours, index=index, name="hours")


def weekly_travel_minutes(catalogue: Catalogue, learner: Learner, section_ids) -> float:
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

    Returns
    -------
    float
        Minutes per week; 0.0 for a plan without in-person meetings.
    """
    legs = _trip_legs(catalogue, learner, section_ids)
    if not legs:
        return 0.0
    total = sum(leg["minutes"] * leg["weeks"] for leg in legs if np.isfinite(leg["minutes"]))
    S = _sections(catalogue)
    pos = _positions(catalogue, section_ids)
    weeks = _plan_weeks(S, pos)
    running = ((weeks[:, None] <= S.last[pos][None, :])
               & (weeks[:, None] + 6 >= S.first[pos][None, :])).any(axis=1)
    return float(total) / max(int(running.sum()), 1)
