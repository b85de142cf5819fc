"""A plan's week: its meetings, the trips between them, and its hours and travel per week.

Sections run over date ranges, so two sections meeting on Tuesdays only share a Tuesday when
their ranges overlap on one. Trips are therefore worked out per **week pattern**: for every week
(Monday start) the plan runs, the meetings that actually happen that week (each meeting day is
checked against its section's first and last date); weeks with the same meetings share a
pattern. ``day_trips`` returns every distinct trip of every pattern with the number of weeks it
is made, so a calendar that shows all of a plan's meetings also shows all of its trips.
"""

from __future__ import annotations

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


def _known(catalogue: Catalogue, section_ids) -> list[str]:
    """The plan's section ids that exist, each once, in plan order."""
    index = catalogue.section_table.index
    return [s for s in dict.fromkeys(str(x) for x in section_ids) if s in index]


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
    ids = _known(catalogue, section_ids)
    rows = catalogue.section_table.loc[ids]
    rows = rows[rows["meets"].to_numpy(dtype=bool)]
    bits = (rows["day_mask"].to_numpy(dtype=np.int64)[:, None] >> np.arange(7)) & 1
    r, d = np.nonzero(bits)
    out = rows.iloc[r][[c for c in MEETING_COLUMNS if c != "day"]].reset_index(drop=True)
    out.insert(4, "day", np.asarray(DAYS, dtype=object)[d])
    out["_order"] = d * 10_000 + out["start_min"].to_numpy() + r / (len(rows) + 1)
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    out["in_person"] = out["in_person"].astype(bool)
    return out.reset_index(drop=True)[MEETING_COLUMNS]


def _week_grid(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the Mondays of every week from ``first_day`` to ``last_day``."""
    start = first_day - weekday_of(first_day)
    return np.arange(start, last_day + 1, 7, dtype=np.int64)


def _trip_legs(catalogue: Catalogue, learner: Learner, section_ids) -> pd.DataFrame:
    m = plan_meetings(catalogue, section_ids)
    m = m[m["in_person"]].reset_index(drop=True)
    if m.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRIP_COLUMNS})
    minutes, mode = fastest_trips(catalogue, learner.transport)
    zone_at = {z: i for i, z in enumerate(catalogue.zones)}

    def trip(a: str, b: str) -> tuple[float, str | None]:
        i, j = zone_at.get(a), zone_at.get(b)
        if i is None or j is None:
            return float("inf"), None
        return float(minutes[i, j]), mode[i, j]

    start, end = day_numbers(m["start_date"]), day_numbers(m["end_date"])
    weekday = m["day"].map({d: i for i, d in enumerate(DAYS)}).to_numpy(dtype=np.int64)
    weeks = _week_grid(int(start.min()), int(end.max()))
    dates = weeks[:, None] + weekday[None, :]
    active = (dates >= start) & (dates <= end)
    patterns, counts = np.unique(active, axis=0, return_counts=True)
    home = learner.home_zone
    legs: dict[tuple, dict] = {}

    def add(day, a_zone, b_zone, before, after, anchor, window, count, first):
        key = (day, before, after, a_zone, b_zone)
        if key in legs:
            legs[key]["weeks"] += count
            return
        mins, how = trip(a_zone, b_zone)
        ok = np.isfinite(mins)
        if first:  # arrive at the first meeting's start
            depart, arrive = (anchor - mins if ok else np.nan), float(anchor)
        else:  # leave when the previous meeting ends
            depart, arrive = float(anchor), (anchor + mins if ok else np.nan)
        legs[key] = {"day": day, "from_zone": a_zone, "to_zone": b_zone, "depart_min": depart,
                     "arrive_min": arrive, "minutes": mins, "mode": how if ok else None,
                     "before_section": before, "after_section": after,
                     "window_minutes": window, "weeks": int(count)}

    for pattern, count in zip(patterns, counts, strict=True):
        if not pattern.any():
            continue
        week = m[pattern]
        for day, g in week.groupby("day", sort=False):
            g = g.sort_values(["start_min", "end_min"], kind="stable")
            recs = list(g.itertuples(index=False))
            add(day, home, recs[0].zone, None, recs[0].section_id, recs[0].start_min, np.nan,
                count, True)
            for prev, nxt in zip(recs, recs[1:], strict=False):
                if prev.zone != nxt.zone:
                    add(day, prev.zone, nxt.zone, prev.section_id, nxt.section_id, prev.end_min,
                        float(nxt.start_min - prev.end_min), count, False)
            last = max(recs, key=lambda r: r.end_min)
            add(day, last.zone, home, last.section_id, None, last.end_min, np.nan, count, False)
    out = pd.DataFrame(list(legs.values()), columns=TRIP_COLUMNS)
    anchor = out["depart_min"].where(out["before_section"].notna(), out["arrive_min"])
    out["_order"] = out["day"].map({d: i for i, d in enumerate(DAYS)}) * 10_000 + anchor
    return out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


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
        Columns ``day, from_zone, to_zone`` (``"home"`` is not used: home is the learner's
        zone), ``depart_min, arrive_min`` (NaN where unknown), ``minutes`` (inf when the
        learner's modes cannot make the trip), ``mode`` (None then), ``before_section`` /
        ``after_section`` (the meetings the trip leaves / reaches; None for home),
        ``window_minutes`` (time between two meetings; NaN for trips from or to home) and
        ``weeks``.
    """
    return _trip_legs(catalogue, learner, section_ids)


def _plan_week_grid(catalogue: Catalogue, ids: list[str]) -> pd.DatetimeIndex:
    if not ids:
        return pd.DatetimeIndex([], name="week_start")
    t = catalogue.section_table.loc[ids]
    first = int(day_numbers(t["start_date"]).min())
    last = int(day_numbers(t["end_date"]).max())
    days = _week_grid(first, last)
    return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"),
                            name="week_start")


def hours_by_week(rows: pd.DataFrame, weeks: np.ndarray) -> np.ndarray:
    """Hours each section takes in each week: a ``len(rows) x len(weeks)`` array.

    ``rows`` are section_table rows; ``weeks`` are Monday day numbers. A meeting counts when its
    date falls inside the section's dates; self-paced hours count in full in any week the
    section runs on at least one day.
    """
    start, end = day_numbers(rows["start_date"]), day_numbers(rows["end_date"])
    dates = weeks[:, None] + np.arange(7)[None, :]                       # W x 7
    running = (dates[None] >= start[:, None, None]) & (dates[None] <= end[:, None, None])
    meets = rows["meets"].to_numpy(dtype=bool)
    on_day = ((rows["day_mask"].to_numpy(dtype=np.int64)[:, None] >> np.arange(7)) & 1) > 0
    on_day &= meets[:, None]                                              # S x 7
    length = np.where(meets, (rows["end_min"].to_numpy() - rows["start_min"].to_numpy()) / 60,
                      0.0)
    meeting = (running & on_day[:, None, :]).sum(axis=2) * length[:, None]
    self_paced = running.any(axis=2) * rows["self_paced_hours"].to_numpy(dtype=float)[:, None]
    return meeting + self_paced


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
        Mondays to report; by default every week from the plan's first to its last date.

    Returns
    -------
    pandas.Series
        Hours per week, indexed by ``week_start`` (Mondays). Empty for an empty plan.
    """
    ids = _known(catalogue, section_ids)
    if week_starts is None:
        week_starts = _plan_week_grid(catalogue, ids)
    week_starts = pd.DatetimeIndex(week_starts, name="week_start")
    if not ids or len(week_starts) == 0:
        return pd.Series(np.zeros(len(week_starts)), index=week_starts, name="hours")
    hours = hours_by_week(catalogue.section_table.loc[ids], day_numbers(week_starts))
    return pd.Series(hours.sum(axis=0), index=week_starts, name="hours")


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
    ids = _known(catalogue, section_ids)
    legs = _trip_legs(catalogue, learner, ids)
    if legs.empty:
        return 0.0
    mins = legs["minutes"].to_numpy(dtype=float)
    ok = np.isfinite(mins)
    total = float((mins[ok] * legs["weeks"].to_numpy(dtype=float)[ok]).sum())
    t = catalogue.section_table.loc[ids]
    weeks = day_numbers(_plan_week_grid(catalogue, ids))
    start, end = day_numbers(t["start_date"]), day_numbers(t["end_date"])
    running = ((weeks[:, None] <= end[None, :]) & (weeks[:, None] + 6 >= start[None, :])).any(1)
    return total / max(int(running.sum()), 1)
