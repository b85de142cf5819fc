"""Suggested plans: the mixes of sections that give a learner the best chance of their goals.

``suggest_plans(catalogue, learner)`` returns up to ``count`` plans, each different in at least
one opportunity, that maximise the expected number of the learner's goals reached by their dates
(the sum of the goals' chances in the projection), ties going to lower cost and then to fewer
hours a week. Every plan fits the learner's week, travel, money, devices and grade exactly as
``check_plan`` sees them (each one is checked before it is returned). Each says why in plain
words, how far from the best it could be, and "proven best" when the search closed the gap.
When a goal stays out of reach, an ``Obstacle`` says what stands in the way and the least change
found (hours, budget, trip length, ways of travelling, free time, internet) that would make it
likely without lowering the other goals.

How (``docs/model.md``, "Plan suggestions", has the formulation and its assumptions):

* candidates are the sections ``catalogue_fit`` lets join the kept sections, narrowed to those
  that practise a goal's competency beyond the learner's level before the goal's date;
* each candidate's effect on each goal is measured with the projection itself (one batched
  call; candidates that share no goal competency are measured in the same plan, since
  competencies are projected independently): nothing here repeats the model's equations;
* a mixed-integer programme on HiGHS picks sections: one binary per candidate, one row per time
  slot (each set of meetings that share a moment), a row per pair of meetings with no time to
  travel between them, knapsack rows for the budget and for the hours of every distinct week;
  each goal's chance enters through an upper bound — exact for one-level goals
  (``1 - exp(-hazard)``, tangent cuts refined at every evaluated plan), a piecewise-linear bound
  of the continuous-time chain for goals several levels up, and the true chances of every plan
  already projected (more practice never lowers a chance);
* plans are re-scored with the real projection and checked with ``check_plan``; the search goes
  on (each plan seen cut off, with its twins) until no unseen plan's bound beats the ones kept.

Nothing here reads files or knows about Panel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from .dataset import MODES, Catalogue, Goal, Learner, Plan
from .feasibility import catalogue_fit, check_plan
from .projection import DEFAULT_PARAMETERS, ModelParameters, project
from .schedule import fastest_trips, shared_weekdays
from .words import ENGLISH, N_, ON_TRACK, Words, possessive

#: A tie in the expected goals goes to the cheaper plan, then to the plan with fewer hours: the
#: objective is ``goals - COST_WEIGHT x dollars - HOURS_WEIGHT x weekly hours`` (so $100 weighs
#: as much as 0.0001 of one goal's chance, and an hour a week as 1e-8).
COST_WEIGHT = 1e-6
HOURS_WEIGHT = 1e-8
#: "Proven best": no plan left unseen can beat this one by more than this (expected goals).
PROOF_TOLERANCE = 1e-4
#: A goal is "likely" from this chance up: the goal sentence's "On track" (``words.ON_TRACK``).
LIKELY = ON_TRACK
#: Hazard beyond which a chance is 1 to float precision (1 - exp(-40) = 1 - 4e-18).
_MAX_HAZARD = 40.0
_INF = highspy.kHighsInf
#: Model the chance of a goal several levels up with binaries (exact piecewise-linear bound)
#: rather than its concave envelope alone.
_CHAIN_BINARIES = True
#: HiGHS settings for these small models (a few dozen binaries): see docs/model.md.
_HIGHS_OPTIONS: dict = {
    "mip_allow_restart": False, "mip_detect_symmetry": False, "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False, "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False, "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_shifting": False, "mip_heuristic_run_zi_round": False,
}


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for the catalogue (``pybabel extract`` finds ``ngettext``
    calls); it is translated when shown, with ``words.ngettext``."""
    return singular, plural


_DAY_PARTS = ((12 * 60, N_("mornings")), (17 * 60, N_("afternoons")),
              (24 * 60 + 1, N_("evenings")))
# the reason words in an obstacle, by catalogue_fit reason kind (counted options)
_BLOCKED_WORDS = {
    "grade": ngettext("{n} is for other grades", "{n} are for other grades"),
    "capacity": ngettext("{n} has no seats left", "{n} have no seats left"),
    "times_tba": ngettext("{n} has no published times yet", "{n} have no published times yet"),
    "duplicate": ngettext("{n} is another group of a kept opportunity",
                          "{n} are other groups of a kept opportunity"),
    "broadband": ngettext("{n} needs internet at home", "{n} need internet at home"),
    "device": ngettext("{n} needs a computer or tablet", "{n} need a computer or tablet"),
    "transport": ngettext("{n} cannot be reached {modes}", "{n} cannot be reached {modes}"),
    "too_far": ngettext("{n} is more than {minutes} minutes away",
                        "{n} are more than {minutes} minutes away"),
    "unavailable": ngettext("{n} meets outside {whose} free time",
                            "{n} meet outside {whose} free time"),
    "time_conflict": ngettext("{n} clashes with the kept sections",
                              "{n} clash with the kept sections"),
    "travel_time": ngettext("{n} leaves no time to travel from the kept sections",
                            "{n} leave no time to travel from the kept sections"),
    "weekly_hours": ngettext("{n} would go over {hours} a week",
                             "{n} would go over {hours} a week"),
    "budget": ngettext("{n} would go over the budget", "{n} would go over the budget"),
    "prerequisite": ngettext("{n} needs more practice first", "{n} need more practice first"),
    "excluded": ngettext("{n} was left out on purpose", "{n} were left out on purpose"),
}
_EVERY_WORDS = {
    "grade": N_("every option that practises {what} is for other grades"),
    "capacity": N_("every option that practises {what} is full"),
    "times_tba": N_("no option that practises {what} has published times yet"),
    "broadband": N_("every option that practises {what} needs internet at home"),
    "device": N_("every option that practises {what} needs a computer or tablet"),
    "transport": N_("no option that practises {what} can be reached {modes}"),
    "too_far": N_("every option that practises {what} is more than {minutes} minutes away"),
    "unavailable": N_("every option that practises {what} meets outside {whose} free time"),
    "weekly_hours": N_("every option that practises {what} would go over {hours} a week"),
    "budget": N_("every option that practises {what} would go over the budget"),
    "prerequisite": N_("every option that practises {what} needs more practice first"),
}


# ---- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SuggestedPlan:
    """One suggested plan: its sections, its goal chances, and why, in plain words."""

    rank: int
    sections: tuple[str, ...]           #: kept sections first, then the added ones
    kept: tuple[str, ...]
    added: tuple[str, ...]
    goal_total: float                   #: expected number of goals reached by their dates
    goals: tuple[dict, ...]             #: per goal: competency, target, date, chance, sentence
    cost: float
    weekly_hours: float                 #: hours a week when every section runs
    busiest_week_hours: float
    gap: float                          #: how much better an unseen plan could be, relative
    proven: bool                        #: no unseen plan can be better (PROOF_TOLERANCE)
    why: tuple[str, ...]                #: one line per section
    summary: str

    def to_plan(self, plan_id: str, learner_id: str, name: str | None = None) -> Plan:
        """This suggestion as a (draft) plan the family can keep."""
        return Plan(plan_id, learner_id, name or f"Suggestion {self.rank}", list(self.sections))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for key in ("sections", "kept", "added", "why"):
            d[key] = list(d[key])
        d["goals"] = [dict(g, by=g["by"].isoformat()) for g in self.goals]
        return d


@dataclass(frozen=True)
class Change:
    """One change to the family's situation that would make a goal likely (or more likely)."""

    group: str          #: "hours", "budget", "trip", "transport", "free_time", "internet"
    now: object         #: the value today (hours a week, dollars, minutes, modes, ...)
    needed: object      #: the value the found plan needs
    probability: float  #: the goal's chance with the change (verified with the projection)
    sections: tuple[str, ...]
    message: str

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["sections"] = list(self.sections)
        return d


@dataclass(frozen=True)
class Obstacle:
    """What stands between a learner and one goal, and what change would help."""

    goal_index: int
    competency_id: str
    name: str
    target_level: int
    by: dt.date
    best_probability: float             #: the best chance any suggestion gives this goal
    options: int                        #: opportunities' sections that practise it in time
    blocked: dict                       #: reason kind -> how many of those options it rules out
    message: str
    changes: tuple[Change, ...] = ()

    def to_dict(self) -> dict:
        return {"goal_index": self.goal_index, "competency_id": self.competency_id,
                "name": self.name, "target_level": self.target_level,
                "by": self.by.isoformat(), "best_probability": self.best_probability,
                "options": self.options, "blocked": dict(self.blocked),
                "message": self.message, "changes": [c.to_dict() for c in self.changes]}


@dataclass
class Suggestions:
    """The answer of ``suggest_plans``: the plans, how sure the search is, and what is in the way.
    """

    learner_id: str
    kept: tuple[str, ...]
    excluded: tuple[str, ...]
    plans: list[SuggestedPlan]
    status: str            #: "proven", "time_limit", "no_goals", "no_candidates", "kept_broken"
    bound: float           #: upper bound on the best plan's objective (expected goals less the
    #: tie-break terms); nan when there was nothing to search
    candidates: int        #: sections the search chose from
    sections_in_catalogue: int
    seconds: float
    obstacles: list[Obstacle] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        """Every suggestion is proven best in its place."""
        return bool(self.plans) and all(p.proven for p in self.plans)

    def to_plans(self, learner_id: str | None = None, prefix: str = "S") -> list[Plan]:
        """The suggestions as draft plans (ids ``<prefix>-<learner>-1`` ...)."""
        lid = learner_id or self.learner_id
        return [p.to_plan(f"{prefix}-{lid}-{p.rank}", lid) for p in self.plans]

    def to_dict(self) -> dict:
        return {"learner_id": self.learner_id, "kept": list(self.kept),
                "excluded": list(self.excluded), "status": self.status,
                "proven": self.proven,
                "bound": None if not math.isfinite(self.bound) else self.bound,
                "candidates": self.candidates,
                "sections_in_catalogue": self.sections_in_catalogue,
                "seconds": self.seconds, "plans": [p.to_dict() for p in self.plans],
                "obstacles": [o.to_dict() for o in self.obstacles], "notes": list(self.notes),
                "stats": dict(self.stats)}


# ---- the projection as an oracle ---------------------------------------------------------------
def _goal_chances(catalogue: Catalogue, pairs, params: ModelParameters) -> list[np.ndarray]:
    """Each (learner, sections) pair's goal chances, in the learner's goal order.

    The one place the projection is asked: all pairs in one call of the batched kernel
    (``project_many``) when it is there, else ``project`` pair by pair (the same numbers;
    ``tests/test_suggest.py`` checks that the two agree).
    """
    pairs = [(lr, list(ids)) for lr, ids in pairs]
    if not pairs:
        return []
    try:
        return _batched_goal_chances(catalogue, pairs, params)
    except (ImportError, AttributeError, TypeError):
        # the chances at the central parameters, as the search works with (no ranges)
        return [_central(project(catalogue, lr, ids, params).goals) for lr, ids in pairs]


def _central(goals: pd.DataFrame) -> np.ndarray:
    column = "probability_point" if "probability_point" in goals else "probability"
    return goals[column].to_numpy(dtype=float)


def _batched_goal_chances(catalogue: Catalogue, pairs, params: ModelParameters
                          ) -> list[np.ndarray]:
    """``_goal_chances`` through ``project_many`` (one kernel call for every pair)."""
    from . import projection
    from .arrays import catalogue_arrays

    arrays = catalogue_arrays(catalogue)
    rows = projection.PlanRows.from_learners(arrays, pairs)
    many = projection.project_many(arrays, rows, projection.week_grid(arrays), params)
    ends = np.cumsum([len(lr.goals) for lr, _ in pairs])[:-1]
    return [np.asarray(p, dtype=float) for p in np.split(many.goal_probability, ends)]


def _hazard(p) -> np.ndarray:
    """``-log(1 - p)``: the chance of a one-level step as the hazard that gives it."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    return np.minimum(-np.log1p(-np.minimum(p, 1.0 - 1e-17)), _MAX_HAZARD)


# ---- the chance of several steps: the continuous-time chain ------------------------------------
class _Curve:
    """Chance that a chain of ``m`` one-level steps with rates ``rho`` is done by "time" ``t``.

    ``t`` is the first step's hazard (practice x -log(1 - learn rate)); step j's hazard is
    ``rho[j] t`` when practice is shared by every step. In continuous time this is the
    hypoexponential distribution function, worked out by uniformisation. The weekly model (at
    most one level a week) never exceeds it, so it bounds the projection from above.
    """

    def __init__(self, rho: Sequence[float]):
        self.rho = np.maximum(np.asarray(rho, dtype=float), 1e-9)
        self.m = len(self.rho)
        q = float(self.rho.max())
        self.q = q
        m = self.m
        P = np.zeros((m + 1, m + 1))
        for k in range(m):
            P[k, k] = 1.0 - self.rho[k] / q
            P[k, k + 1] = self.rho[k] / q
        P[m, m] = 1.0
        self.P = P
        self._star: float | None = None
        self._pieces: dict = {}

    def values(self, t) -> tuple[np.ndarray, np.ndarray]:
        """(F(t), F'(t)) for an array of t >= 0."""
        t = np.atleast_1d(np.asarray(t, dtype=float)).clip(0.0, None)
        if self.m == 1:
            return -np.expm1(-t), np.exp(-t)
        qt = self.q * t
        n_terms = int(qt.max() + 12 * math.sqrt(qt.max() + 1) + 40)
        v = np.zeros((n_terms, self.m + 1))
        v[0, 0] = 1.0
        for k in range(1, n_terms):
            v[k] = v[k - 1] @ self.P
        k = np.arange(n_terms)
        log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_terms)))])
        with np.errstate(divide="ignore", invalid="ignore"):
            logw = k[None, :] * np.log(qt[:, None]) - qt[:, None] - log_fact[None, :]
        logw[qt == 0, 0] = 0.0
        w = np.exp(logw)
        F = np.clip(w @ v[:, self.m], 0.0, 1.0)
        dF = self.rho[-1] * (w @ v[:, self.m - 1])
        return F, dF

    def tangent_point(self) -> float:
        """Where a line from the origin touches F (F(t) = t F'(t)): below it the best concave
        bound is that line; from it on, F is concave."""
        if self._star is None:
            self._star = self._touching_point()
        return self._star

    def pieces(self, top: float) -> tuple[float, np.ndarray, np.ndarray]:
        """(touching point, breakpoints, values) of the piecewise-linear bound on [0, top]:
        chords on the convex part, lifted where F bulges above them, and the tangent at the
        touching point beyond it. Cached per ``top``."""
        key = round(float(top), 9)
        if key not in self._pieces:
            self._pieces[key] = self._work_out_pieces(float(top))
        return self._pieces[key]

    def _work_out_pieces(self, top: float):
        star = self.tangent_point()
        end = max(top, star) * 1.0001
        a = np.linspace(0.0, min(star, end), 9)
        if end > a[-1] + 1e-9:
            a = np.r_[a, end]
        F, _dF = self.values(a)
        phi = F.copy()
        # where a chord runs below F (F concave there), lift its ends by the shortfall
        inner = [s for s in range(len(a) - 1) if a[s] < star - 1e-12]
        if inner:
            t = np.concatenate([np.linspace(a[s], a[s + 1], 60) for s in inner])
            Ft = self.values(t)[0].reshape(len(inner), 60)
            for row, s in enumerate(inner):
                tt = t[row * 60:(row + 1) * 60]
                chord = F[s] + (F[s + 1] - F[s]) * (tt - a[s]) / max(a[s + 1] - a[s], 1e-15)
                lift = float(max((Ft[row] - chord).max(), 0.0))
                phi[s] = max(phi[s], F[s] + lift)
                phi[s + 1] = max(phi[s + 1], F[s + 1] + lift)
        if a[-1] > star + 1e-9:
            Fs, dFs = self.values(star)
            phi[-1] = float(Fs[0] + dFs[0] * (a[-1] - star))
        return star, a, phi

    def _touching_point(self) -> float:
        if self.m == 1:
            return 0.0
        hi = 4.0 * float(np.sum(1.0 / self.rho)) + 10.0
        t = np.linspace(hi / 4000, hi, 4000)
        F, _ = self.values(t)
        i = int(np.argmax(F / t))
        fine = np.linspace(t[max(i - 1, 0)], t[min(i + 1, len(t) - 1)], 400)
        Ff, _ = self.values(fine)
        return float(fine[int(np.argmax(Ff / fine))])


# ---- the catalogue rows the search works on ----------------------------------------------------
def _day_numbers(values) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(values).values.astype("datetime64[D]").astype(np.int64))


_COLUMNS = ("opp", "title", "provider", "cost", "weekly_hours", "self_paced", "meets",
            "in_person", "mask", "start", "end", "first", "last", "start_date", "end_date",
            "tba", "zone")


def _catalogue_columns(catalogue: Catalogue, cache: dict | None) -> dict:
    """The section table's columns the search reads, as numpy arrays (once per call)."""
    if cache is not None and "columns" in cache:
        return cache["columns"]
    t = catalogue.section_table
    meets = t["meets"].to_numpy(dtype=bool)
    zone_at = {z: i for i, z in enumerate(catalogue.zones)}
    out = {
        "position": {sid: i for i, sid in enumerate(t.index)},
        "opp": t["opportunity_id"].astype(str).to_numpy(dtype=object),
        "title": t["title"].astype(str).to_numpy(dtype=object),
        "provider": t["provider_name"].astype(str).to_numpy(dtype=object),
        "cost": t["cost"].to_numpy(dtype=float),
        "weekly_hours": t["weekly_hours"].to_numpy(dtype=float),
        "self_paced": t["self_paced_hours"].to_numpy(dtype=float),
        "meets": meets,
        "in_person": t["in_person"].to_numpy(dtype=bool),
        "mask": np.where(meets, t["day_mask"].to_numpy(dtype=np.int64), 0),
        "start": t["start_min"].to_numpy(dtype=np.int64),
        "end": t["end_min"].to_numpy(dtype=np.int64),
        "first": _day_numbers(t["start_date"]),
        "last": _day_numbers(t["end_date"]),
        "start_date": t["start_date"].to_numpy(),
        "end_date": t["end_date"].to_numpy(),
        "tba": t["times_tba"].astype(bool).to_numpy() if "times_tba" in t
        else np.zeros(len(t), dtype=bool),
        "zone": np.array([zone_at.get(str(z), -1) for z in t["zone"]], dtype=np.int64),
    }
    if cache is not None:
        cache["columns"] = out
    return out


class _Rows:
    """Kept and candidate sections as arrays (kept first)."""

    def __init__(self, catalogue: Catalogue, ids: list[str], fit: pd.DataFrame,
                 cache: dict | None = None):
        cols = _catalogue_columns(catalogue, cache)
        pos = np.array([cols["position"][sid] for sid in ids], dtype=np.int64)
        self.ids = list(ids)
        self.n = len(ids)
        for name in _COLUMNS:
            setattr(self, name, cols[name][pos])
        at = fit.index.get_indexer(ids)
        minutes = fit["travel_minutes"].to_numpy(dtype=float)
        modes = fit["travel_mode"].to_numpy(dtype=object)
        self.trip_minutes = np.where(at >= 0, minutes[np.maximum(at, 0)], np.nan) \
            if len(at) else np.zeros(0)
        self.trip_mode = np.where(at >= 0, modes[np.maximum(at, 0)], None) \
            if len(at) else np.zeros(0, dtype=object)
        if self.n:
            lo, hi = int(self.first.min()), int(self.last.max())
            self.weeks = np.arange(lo - (lo + 3) % 7, hi + 1, 7, dtype=np.int64)
        else:
            self.weeks = np.zeros(0, dtype=np.int64)
        self.hours = self._hours_matrix()

    def _hours_matrix(self) -> np.ndarray:
        """Hours each section takes in each week (the rule ``check_plan`` applies): meetings on
        days inside the section's dates, self-paced hours in full in any week it runs."""
        if not self.n:
            return np.zeros((0, 0))
        dates = self.weeks[:, None] + np.arange(7)[None, :]
        running = (dates[None] >= self.first[:, None, None]) & \
            (dates[None] <= self.last[:, None, None])
        on_day = ((self.mask[:, None] >> np.arange(7)) & 1) > 0
        length = np.where(self.meets, (self.end - self.start) / 60.0, 0.0)
        meeting = (running & on_day[:, None, :]).sum(axis=2) * length[:, None]
        return meeting + running.any(axis=2) * self.self_paced[:, None]


def _time_slots(R: _Rows, rows: np.ndarray) -> list[np.ndarray]:
    """Sets of candidate rows that all meet at one moment (at most one of each set can be in a
    plan): per weekday, meetings are boxes in (dates, minutes), and boxes that meet pairwise
    share a point, so every clash is inside a set found at a (first date, start time) point."""
    found: dict[tuple, np.ndarray] = {}
    for d in range(7):
        on = rows[(R.mask[rows] >> d) & 1 > 0]
        if len(on) < 2:
            continue
        f, la = R.first[on], R.last[on]
        fo = f + (d - (f + 3) % 7) % 7          # first date that is this weekday
        lo = la - ((la + 3) % 7 - d) % 7        # last one
        ok = fo <= lo
        on, fo, lo = on[ok], fo[ok], lo[ok]
        if len(on) < 2:
            continue
        st, en = R.start[on], R.end[on]
        pw, pt = np.unique(fo), np.unique(st)
        in_w = (fo[None, :] <= pw[:, None]) & (pw[:, None] <= lo[None, :])
        in_t = (st[None, :] <= pt[:, None]) & (pt[:, None] < en[None, :])
        members = (in_w[:, None, :] & in_t[None, :, :]).reshape(-1, len(on))
        members = members[members.sum(axis=1) >= 2]
        if not len(members):
            continue
        members = np.unique(members, axis=0)
        size = members.sum(axis=1)
        inter = members.astype(np.int64) @ members.T.astype(np.int64)
        inside = (inter == size[:, None]) & (size[None, :] > size[:, None])
        for m in members[~inside.any(axis=1)]:
            key = tuple(sorted(on[m].tolist()))
            found[key] = on[m]
    # a set found on one day may sit inside a set found on another: keep the largest
    keys = sorted(found, key=len, reverse=True)
    kept: list[tuple] = []
    for k in keys:
        s = set(k)
        if not any(s <= set(big) for big in kept):
            kept.append(k)
    return [np.array(k, dtype=np.int64) for k in kept]


def _travel_pairs(R: _Rows, rows: np.ndarray, minutes: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of in-person candidates on a shared day with too little time to travel between
    them (or no way at all), as ``check_plan`` would find them next to each other."""
    on = rows[R.in_person[rows]]
    if len(on) < 2:
        return []
    a, b = np.triu_indices(len(on), 1)
    ra, rb = on[a], on[b]
    common = R.mask[ra] & R.mask[rb] & shared_weekdays(R.first[ra], R.last[ra], R.first[rb],
                                                       R.last[rb])
    za, zb = R.zone[ra], R.zone[rb]
    moves = (common > 0) & (za != zb)
    ok_zone = (za >= 0) & (zb >= 0)
    trip_ab = np.where(ok_zone, minutes[np.maximum(za, 0), np.maximum(zb, 0)], np.inf)
    trip_ba = np.where(ok_zone, minutes[np.maximum(zb, 0), np.maximum(za, 0)], np.inf)
    after = R.start[rb] - R.end[ra]      # b after a
    before = R.start[ra] - R.end[rb]     # a after b
    late = ((after >= 0) & (after < trip_ab - 1e-9)) | ((before >= 0) & (before < trip_ba - 1e-9))
    hit = np.flatnonzero(moves & late)
    return [(int(ra[i]), int(rb[i])) for i in hit]


def _hour_weeks(hours: np.ndarray, room: np.ndarray) -> list[int]:
    """The weeks whose hour limit can bind and is not implied by another week's: week w is
    implied by week v when every section takes at most as long in w as in v and w has at
    least as much room (a school year has a few distinct weeks, not forty)."""
    weeks = np.flatnonzero(hours.sum(axis=0) > room + 1e-9)
    if len(weeks) < 2:
        return weeks.tolist()
    H, r = hours[:, weeks], room[weeks]
    # distinct weeks first
    key = np.round(np.vstack([H, r[None]]), 9).T
    _, first = np.unique(key, axis=0, return_index=True)
    first = np.sort(first)
    H, r, weeks = H[:, first], r[first], weeks[first]
    le = (H[:, :, None] <= H[:, None, :] + 1e-12).all(axis=0)     # w <= v everywhere
    ge_room = r[:, None] >= r[None, :] - 1e-12
    implied = le & ge_room
    np.fill_diagonal(implied, False)
    return [int(weeks[i]) for i in range(len(weeks)) if not implied[i].any()]


# ---- goals -------------------------------------------------------------------------------------
@dataclass
class _Goal:
    index: int                 # in learner.goals
    competency_id: str
    name: str
    target: int
    by: dt.date
    current: int

    @property
    def steps(self) -> int:
        return max(self.target - self.current, 0)


def _open_goals(catalogue: Catalogue, learner: Learner) -> tuple[list[_Goal], float]:
    """Goals not reached yet (with a competency the catalogue knows), and how many are reached."""
    names = catalogue.competency_names
    out, reached = [], 0.0
    for i, g in enumerate(learner.goals):
        cur = learner.level(g.competency_id)
        if cur >= g.level:
            reached += 1.0
        elif g.competency_id in names:
            out.append(_Goal(i, g.competency_id, names[g.competency_id], int(g.level), g.by,
                             cur))
    return out, reached


def _lookup(catalogue: Catalogue, cache: dict | None) -> dict:
    """Per-call lookups: each section's opportunity and first day, alignments' top levels."""
    if cache is not None and "lookup" in cache:
        return cache["lookup"]
    t = catalogue.section_table
    out = {"max_level": _max_levels(catalogue),
           "opp": dict(zip(t.index, t["opportunity_id"].astype(str), strict=True)),
           "start": dict(zip(t.index, pd.DatetimeIndex(t["start_date"]).date, strict=True))}
    if cache is not None:
        cache["lookup"] = out
    return out


def _max_levels(catalogue: Catalogue) -> dict[tuple[str, str], int]:
    """(opportunity, competency) -> the highest level its alignment can take a learner to."""
    a = catalogue.alignments
    m = a.groupby(["opportunity_id", "competency_id"])["max_level"].max()
    return {k: int(v) for k, v in m.items()}


# ---- the problem: candidates, their effects and the rows that keep a plan whole ---------------
class _Problem:
    """Everything the solver needs for one learner, kept sections and candidate list."""

    def __init__(self, catalogue: Catalogue, learner: Learner, keep: list[str],
                 candidates: list[str], goals: list[_Goal], fit: pd.DataFrame,
                 params: ModelParameters, hazard_cache: dict | None = None):
        self.catalogue, self.learner, self.params = catalogue, learner, params
        # Effects are measured without forgetting, which only lowers a chance and which a
        # combination can undo (another section practising in a week one would leave idle):
        # so each measured hazard is at least the section's share of any plan's, and the sum
        # bounds the plan's from above. The week's saturation is concave, so sums of saturated
        # single-section practice already bound a combination's.
        self.bound_params = dataclasses.replace(params, forget_rate=0.0)
        self.goals = goals
        self.keep = list(keep)
        look = _lookup(catalogue, hazard_cache)
        max_level, opp_of, start_of = look["max_level"], look["opp"], look["start"]
        # only candidates aligned to a goal's competency beyond the learner's level, starting
        # before the goal's date, can change the objective
        comp_goals: dict[str, list[int]] = {}
        for gi, g in enumerate(goals):
            comp_goals.setdefault(g.competency_id, []).append(gi)

        def touches(sid: str) -> list[int]:
            o, first = opp_of[sid], start_of[sid]
            return [gi for c, gis in comp_goals.items()
                    if max_level.get((o, c), -1) > goals[gis[0]].current
                    for gi in gis if first <= goals[gi].by]

        keep_touch = [touches(s) for s in self.keep]
        cand = [(s, touches(s)) for s in candidates]
        cand = [(s, t) for s, t in cand if t]
        ids = self.keep + [s for s, _ in cand]
        self.touch = keep_touch + [t for _, t in cand]
        self.R = _Rows(catalogue, ids, fit, hazard_cache)
        self.k = len(self.keep)
        self.H = self._first_step_hazards(hazard_cache)          # n x G
        # drop candidates the projection says do nothing for any goal
        useful = np.ones(self.R.n, dtype=bool)
        useful[self.k:] = (self.H[self.k:] > 1e-12).any(axis=1) if len(goals) else False
        if not useful.all():
            keep_rows = np.flatnonzero(useful)
            ids = [ids[i] for i in keep_rows]
            self.touch = [self.touch[i] for i in keep_rows]
            self.H = self.H[keep_rows]
            self.R = _Rows(catalogue, ids, fit, hazard_cache)
        self.cand = np.arange(self.k, self.R.n)
        self.cover = self._coverage(max_level)                   # n x G x 4 bool
        self.twin = self._twins()
        self.rho = self._step_ratios(hazard_cache)
        self.curves = [_curve_for(r, hazard_cache) for r in self.rho]
        self.projections = self._n_projections

    # effects, measured with the projection
    def _first_step_hazards(self, cache: dict | None) -> np.ndarray:
        goals, R = self.goals, self.R
        H = np.zeros((R.n, len(goals)))
        self._n_projections = 0
        if not goals or not R.n:
            return H
        key = _projection_key(self.learner)
        gkey = [(g.competency_id, g.current, g.by) for g in goals]

        def ckey(i, g):
            return key, R.ids[i], round(float(R.trip_minutes[i]), 6), gkey[g]

        todo = []
        for i in range(R.n):
            missing = False
            for g in self.touch[i]:
                hit = None if cache is None else cache.get(ckey(i, g))
                if hit is None:
                    missing = True
                else:
                    H[i, g] = hit
            if missing:
                todo.append(i)
        if not todo:
            return H
        comp = [{goals[g].competency_id for g in self.touch[i]} for i in range(R.n)]
        # candidates sharing no goal competency are measured in one projection
        groups: list[tuple[list[int], set]] = []
        for i in sorted(todo, key=lambda i: -len(comp[i])):
            for members, used in groups:
                if not (comp[i] & used):
                    members.append(i)
                    used |= comp[i]
                    break
            else:
                groups.append(([i], set(comp[i])))
        variant = dataclasses.replace(self.learner, goals=[
            Goal(g.competency_id, g.current + 1, g.by) for g in goals])
        chances = _goal_chances(self.catalogue,
                                [(variant, [R.ids[i] for i in members]) for members, _ in groups],
                                self.bound_params)
        for (members, _), p in zip(groups, chances, strict=True):
            h = _hazard(p)
            for i in members:
                for g in self.touch[i]:
                    H[i, g] = h[g]
                    if cache is not None:
                        cache[ckey(i, g)] = float(h[g])
        self._n_projections = len(groups)
        return H

    def _twins(self) -> np.ndarray:
        """A group id per row: candidates of one opportunity that meet on the same days over
        the same dates, for the same hours, with the same measured effect on every goal."""
        R, out, seen = self.R, np.arange(self.R.n), {}
        for i in range(self.k, R.n):
            key = (R.opp[i], int(R.first[i]), int(R.last[i]), int(R.mask[i]),
                   round(float(R.weekly_hours[i]), 9), tuple(np.round(self.H[i], 12)))
            out[i] = seen.setdefault(key, i)
        return out

    def _coverage(self, max_level: dict) -> np.ndarray:
        cov = np.zeros((self.R.n, len(self.goals), 4), dtype=bool)
        for i in range(self.R.n):
            for gi in self.touch[i]:
                g = self.goals[gi]
                top = max_level.get((self.R.opp[i], g.competency_id), -1)
                for j in range(g.steps):
                    cov[i, gi, j] = top > g.current + j
        return cov

    def _step_ratios(self, cache: dict | None) -> list[np.ndarray]:
        """Per goal, each step's hazard relative to the first step's, measured on the section
        with the largest effect that covers every step (one projection per later step)."""
        rho: list[np.ndarray] = [np.ones(max(g.steps, 1)) for g in self.goals]
        pairs, where = [], []
        key = ("ratio", _projection_key(self.learner))
        for gi, g in enumerate(self.goals):
            if g.steps < 2:
                continue
            hit = None if cache is None else cache.get((key, g.competency_id, g.current, g.by))
            if hit is not None:
                rho[gi] = hit.copy()
                continue
            full = np.flatnonzero(self.cover[:, gi, :g.steps].all(axis=1) & (self.H[:, gi] > 0))
            if not len(full):
                continue
            rep = int(full[np.argmax(self.H[full, gi])])
            for j in range(1, g.steps):
                levels = dict(self.learner.levels)
                levels[g.competency_id] = g.current + j
                v = dataclasses.replace(self.learner, levels=levels, goals=[
                    Goal(g.competency_id, g.current + j + 1, g.by)])
                pairs.append((v, [self.R.ids[rep]]))
                where.append((gi, j, rep))
        if pairs:
            for (gi, j, rep), p in zip(where, _goal_chances(self.catalogue, pairs,
                                                            self.bound_params), strict=True):
                rho[gi][j] = float(_hazard(p[0])) / self.H[rep, gi]
            self._n_projections += len(pairs)
            if cache is not None:
                for gi in {w[0] for w in where}:
                    g = self.goals[gi]
                    cache[(key, g.competency_id, g.current, g.by)] = rho[gi].copy()
        return rho

    # the plan's totals
    def base_hours(self) -> np.ndarray:
        return self.R.hours[:self.k].sum(axis=0) if self.k else np.zeros(len(self.R.weeks))

    def base_cost(self) -> float:
        # each opportunity is paid once
        seen, total = set(), 0.0
        for i in range(self.k):
            if self.R.opp[i] not in seen:
                seen.add(self.R.opp[i])
                total += self.R.cost[i]
        return total


def _curve_for(rho: np.ndarray, cache: dict | None) -> _Curve:
    """One curve per set of step ratios within a call (its pieces are worth keeping)."""
    if cache is None:
        return _Curve(rho)
    key = ("curve", tuple(np.round(np.asarray(rho, dtype=float), 12)))
    if key not in cache:
        cache[key] = _Curve(rho)
    return cache[key]


def _projection_key(learner: Learner) -> tuple:
    """What about a learner the measured effects depend on (besides each section's trip)."""
    return (learner.home_zone, tuple(sorted(learner.interests)), tuple(learner.strengths),
            tuple(sorted(learner.levels.items())),
            tuple((g.competency_id, g.level, g.by) for g in learner.goals))


# ---- the mixed-integer programme ---------------------------------------------------------------
class _Model:
    """The HiGHS model for one problem: sections, goal bounds, and rows added as the search goes.

    Objectives: ``"goals"`` (weighted expected goals, minus the tie-break terms) or, for
    explanations, the least ``"hours"`` (in the busiest week), ``"trip"`` (longest trip from
    home) or ``"linear"`` (``resource @ x``: dollars, or how many sections of some kind) that
    keeps goal ``focus`` at ``min_chance`` or more and the other goals together at
    ``others_min`` or more, by the bound.
    """

    def __init__(self, problem: _Problem, *, weights: np.ndarray | None = None,
                 objective: str = "goals", focus: int | None = None,
                 min_chance: float | None = None, others_min: float | None = None,
                 resource: np.ndarray | None = None, limits: dict | None = None):
        P = self.P = problem
        R = P.R
        learner = P.learner
        limits = limits or {}
        self.h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 1e-6)
        h.setOptionValue("mip_abs_gap", PROOF_TOLERANCE / 10)
        for key, value in _HIGHS_OPTIONS.items():
            h.setOptionValue(key, value)
        if objective == "goals":
            h.setOptionValue("mip_improving_solution_save", True)
        self.n_x = len(P.cand)
        self.twin = P.twin[P.cand]
        self.objective = objective
        G = len(P.goals)
        self.weights = np.ones(G) if weights is None else np.asarray(weights, dtype=float)
        cand = P.cand
        # columns: x (one per candidate), z (one per goal)
        if objective == "goals":
            cost = -(COST_WEIGHT * R.cost[cand] + HOURS_WEIGHT * R.weekly_hours[cand])
        else:
            cost = np.zeros(self.n_x)
        self.x = self._cols(cost, 0.0, 1.0, integer=True)
        self.z = self._cols(self.weights if objective == "goals" else np.zeros(G), 0.0, 1.0)
        # each opportunity once
        by_opp: dict[str, list[int]] = {}
        for j, i in enumerate(cand):
            by_opp.setdefault(R.opp[i], []).append(j)
        for cols in by_opp.values():
            if len(cols) > 1:
                self._row(self.x[cols], np.ones(len(cols)), -_INF, 1.0)
        # one row per time slot
        pos = {int(i): j for j, i in enumerate(cand)}
        slots = _time_slots(R, cand)
        self.n_slots = len(slots)
        for slot in slots:
            cols = [pos[int(i)] for i in slot]
            self._row(self.x[cols], np.ones(len(cols)), -_INF, 1.0)
        # no time (or no way) to travel between two meetings
        minutes, _ = fastest_trips(P.catalogue, learner.transport)
        self.travel_pairs = _travel_pairs(R, cand, minutes)
        for a, b in self.travel_pairs:
            self._row(self.x[[pos[a], pos[b]]], np.ones(2), -_INF, 1.0)
        # hours in every week, and money
        hours = R.hours[cand]
        room = limits.get("hours", learner.max_hours_per_week) - P.base_hours()
        if objective == "hours":
            base_peak = float(P.base_hours().max()) if P.k and len(R.weeks) else 0.0
            self.peak = self._cols(np.array([1.0]), base_peak, _INF)[0]
            for w in np.flatnonzero(hours.sum(axis=0) > 0):
                nz = np.flatnonzero(hours[:, w] > 0)
                self._row(np.r_[self.x[nz], self.peak], np.r_[hours[nz, w], -1.0], -_INF,
                          -float(P.base_hours()[w]))
        else:
            for w in _hour_weeks(hours, room):
                nz = np.flatnonzero(hours[:, w] > 0)
                self._row(self.x[nz], hours[nz, w], -_INF, float(room[w]) + 1e-9)
        budget = limits.get("budget", learner.budget) - P.base_cost()
        if objective == "linear":
            self._set_cost(self.x, np.asarray(resource, dtype=float)[cand])
        if R.cost[cand].sum() > budget + 1e-9:
            nz = np.flatnonzero(R.cost[cand] > 0)
            self._row(self.x[nz], R.cost[cand][nz], -_INF, budget + 1e-9)
        if objective == "trip":
            self.longest = self._cols(np.array([1.0]), 0.0, _INF)[0]
            trips = np.nan_to_num(R.trip_minutes, posinf=1e6)
            base = float(trips[:P.k].max()) if P.k else 0.0
            h.changeColBounds(int(self.longest), base, _INF)
            for j, i in enumerate(cand):
                if trips[i] > 0:
                    self._row(np.array([self.x[j], self.longest]), np.array([trips[i], -1.0]),
                              -_INF, 0.0)
        # at least one section added
        if self.n_x:
            self._row(self.x, np.ones(self.n_x), 1.0, _INF)
        self._goal_bounds()
        if min_chance is not None and focus is not None:
            self._row(np.array([self.z[focus]]), np.array([1.0]), min_chance, _INF)
        if others_min is not None and focus is not None and G > 1:
            others = np.array([self.z[i] for i in range(G) if i != focus])
            self._row(others, np.ones(len(others)), others_min, _INF)
        sense = highspy.ObjSense.kMaximize if objective == "goals" else highspy.ObjSense.kMinimize
        h.changeObjectiveSense(sense)
        self.solves = 0
        self._tangents: set = set()

    # low-level helpers
    def _cols(self, cost, lo, hi, integer: bool = False) -> np.ndarray:
        cost = np.asarray(cost, dtype=float)
        n = len(cost)
        start = self.h.getNumCol()
        if n:
            self.h.addCols(n, cost, np.full(n, lo, dtype=float), np.full(n, hi, dtype=float),
                           0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                           np.zeros(0))
            if integer:
                idx = np.arange(start, start + n, dtype=np.int32)
                self.h.changeColsIntegrality(n, idx, np.array(
                    [highspy.HighsVarType.kInteger] * n))
        return np.arange(start, start + n, dtype=np.int32)

    def _set_cost(self, cols, values) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self.h.changeColsCost(len(cols), cols, np.asarray(values, dtype=float))

    def _row(self, cols, vals, lo, hi) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self.h.addRow(float(lo), float(hi), len(cols), cols, np.asarray(vals, dtype=float))

    # goal bounds
    def _linear(self, gi: int, step: int = 0) -> tuple[np.ndarray, float]:
        """The hazard of goal gi's step ``step`` as ``coef @ x + base`` (with the step ratio;
        for step > 0 only sections that can take the learner that far)."""
        P = self.P
        h = P.H[:, gi] * P.rho[gi][step] if step < len(P.rho[gi]) else P.H[:, gi] * 0
        if step > 0:
            h = h * P.cover[:, gi, step]
        return h[P.cand], float(h[:P.k].sum())

    def _hazard_col(self, coef: np.ndarray, base: float) -> int:
        """A column equal to ``coef @ x + base`` (a goal step's hazard), so that each tangent
        cut is a two-entry row."""
        col = int(self._cols(np.zeros(1), base, base + float(coef.sum()) + 1e-9)[0])
        nz = np.flatnonzero(coef > 0)
        self._row(np.r_[col, self.x[nz]], np.r_[1.0, -coef[nz]], base, base)
        return col

    def _tangent(self, gi: int, col: int, at: float, value: float, slope: float) -> None:
        """z_g <= value + slope (hazard - at)."""
        self._row(np.array([self.z[gi], col]), np.array([1.0, -slope]), -_INF,
                  value - slope * at)

    def _one_step_tangents(self, gi: int, col: int, top: float) -> None:
        grid = np.array([0.003, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                         0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.94, 0.97, 0.99,
                         0.997, 0.999])
        points = -np.log1p(-grid)
        for a in np.r_[0.0, points[points < top * 1.5]]:
            self._tangent(gi, col, a, -math.expm1(-a), math.exp(-a))

    def _goal_bounds(self) -> None:
        P = self.P
        self.pieces: list[dict] = []
        for gi, g in enumerate(P.goals):
            coef, base = self._linear(gi)
            top = base + coef.sum()
            piece: dict = {"steps": []}
            self.pieces.append(piece)
            if top <= 1e-12:
                self.h.changeColBounds(int(self.z[gi]), 0.0, 0.0)
                continue
            piece["col"] = col = self._hazard_col(coef, base)
            if g.steps <= 1:
                self._one_step_tangents(gi, col, top)
                continue
            self._chain_bound(gi, P.curves[gi], col, top, piece)
            # a later step only sections that go that far can help with
            for j in range(1, g.steps):
                cj, bj = self._linear(gi, j)
                if np.allclose(cj, coef * P.rho[gi][j]) and \
                        abs(bj - base * P.rho[gi][j]) < 1e-12:
                    continue  # every section covers step j: the chain bound says it all
                topj = bj + cj.sum()
                if topj <= 1e-12:
                    self.h.changeColBounds(int(self.z[gi]), 0.0, 0.0)
                    break
                colj = self._hazard_col(cj, bj)
                self._one_step_tangents(gi, colj, topj)
                piece["steps"].append((colj, cj, bj))

    def _chain_bound(self, gi: int, curve: _Curve, col: int, top: float, piece: dict) -> None:
        """z <= PL(F(hazard)): chords on the convex part (with binaries picking the segment),
        the tangent at the touching point beyond it; tangents further on tighten it."""
        star, a, phi = curve.pieces(top)
        end = a[-1]
        piece["star"] = star
        if not _CHAIN_BINARIES:
            # the concave envelope only: the line from the origin to the touching point, then
            # the tangents beyond it (no binaries; looser below the touching point)
            pts = np.linspace(star, max(end, star * 1.0001), 6)
            Fp, dFp = curve.values(pts)
            for t, f, d in zip(pts, Fp, dFp, strict=True):
                self._tangent(gi, col, float(t), float(f), float(d))
            return
        n_b = len(a)
        w = self._cols(np.zeros(n_b), 0.0, 1.0)
        y = self._cols(np.zeros(n_b - 1), 0.0, 1.0, integer=True)
        self._row(w, np.ones(n_b), 1.0, 1.0)
        self._row(y, np.ones(n_b - 1), 1.0, 1.0)
        for i in range(n_b):
            segs = [s for s in (i - 1, i) if 0 <= s < n_b - 1]
            self._row(np.r_[w[i], y[segs]], np.r_[1.0, -np.ones(len(segs))], -_INF, 0.0)
        # hazard = sum a_i w_i
        self._row(np.r_[col, w], np.r_[1.0, -a], 0.0, 0.0)
        self._row(np.r_[self.z[gi], w], np.r_[1.0, -phi], -_INF, 0.0)
        # tangents from the touching point on are bounds everywhere
        if end > star:
            pts = np.linspace(star, end, 6)
            Fp, dFp = curve.values(pts)
            for t, f, d in zip(pts, Fp, dFp, strict=True):
                self._tangent(gi, col, float(t), float(f), float(d))

    def no_good(self, chosen: np.ndarray) -> None:
        """Cut off this set of candidates, and the same set with any section swapped for its
        twin (another group of the same opportunity with the same days, dates and effect on
        every goal: the same plan as far as the goals are concerned)."""
        groups = set(self.twin[chosen > 0.5].tolist())
        sign = np.where(np.isin(self.twin, list(groups)), -1.0, 1.0)
        self._row(self.x, sign, 1.0 - float(len(groups)), _INF)

    def no_good_opportunities(self, chosen: np.ndarray) -> None:
        """Cut off every plan with exactly these opportunities (in any of their groups)."""
        opps = {self.P.R.opp[self.P.cand[j]] for j in np.flatnonzero(chosen)}
        sign = np.array([-1.0 if self.P.R.opp[i] in opps else 1.0 for i in self.P.cand])
        self._row(self.x, sign, 1.0 - float(len(opps)), _INF)

    def hazards(self, chosen: np.ndarray, gi: int, step: int = 0) -> float:
        coef, base = self._linear(gi, step)
        return float(base + coef @ chosen)

    def solve_once(self, deadline: float):
        """One HiGHS run: (status, chosen candidates as 0/1 or None, bound, column values).

        status is "optimal", "infeasible" or "time_limit" (then the bound is HiGHS's dual
        bound, or inf when it found no plan yet).
        """
        left = deadline - time.perf_counter()
        if left <= 0:
            return "time_limit", None, _INF, None
        self.h.setOptionValue("time_limit", max(left, 0.01))
        self.h.run()
        self.solves += 1
        status = self.h.getModelStatus()
        info = self.h.getInfo()
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, -_INF, None
        has = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        optimal = status == highspy.HighsModelStatus.kOptimal
        if not has:
            return ("time_limit" if not optimal else "infeasible"), None, _INF, None
        col = np.asarray(self.h.getSolution().col_value)
        chosen = (col[self.x] > 0.5).astype(float)
        return ("optimal" if optimal else "time_limit"), chosen, float(info.mip_dual_bound), col

    def refine(self, chosen: np.ndarray, col: np.ndarray | None = None) -> int:
        """Add the tangents at this plan's hazards (outer approximation: the bound becomes
        exact there); with the solution's columns, only where the bound was above the curve.
        Returns how many were added."""
        P = self.P
        added = 0

        def tangent(gi, hcol, lam, f, d):
            nonlocal added
            key = (hcol, round(lam, 9))
            if key not in self._tangents:
                self._tangents.add(key)
                self._tangent(gi, hcol, lam, f, d)
                added += 1

        for gi, g in enumerate(P.goals):
            piece = self.pieces[gi]
            if "col" not in piece:
                continue
            zval = _INF if col is None else col[self.z[gi]]
            if zval <= 1e-12:
                continue
            lam = self.hazards(chosen, gi)
            if g.steps <= 1:
                f, d = -math.expm1(-lam), math.exp(-lam)
                if zval > f + 1e-9:
                    tangent(gi, piece["col"], lam, f, d)
                continue
            if lam >= piece.get("star", 0.0):
                F, dF = P.curves[gi].values(lam)
                if zval > F[0] + 1e-9:
                    tangent(gi, piece["col"], lam, float(F[0]), float(dF[0]))
            for colj, cj, bj in piece["steps"]:
                lj = float(bj + cj @ chosen)
                f, d = -math.expm1(-lj), math.exp(-lj)
                if zval > f + 1e-9:
                    tangent(gi, colj, lj, f, d)
        return added

    def known(self, chosen: np.ndarray, chances: np.ndarray) -> None:
        """A plan's true goal chances: for every plan whose sections on goal g are among this
        plan's, goal g's chance is at most this one (more practice never lowers a chance)."""
        P = self.P
        for gi, g in enumerate(P.goals):
            if "col" not in self.pieces[gi]:
                continue
            p = float(chances[g.index])
            if p >= 1.0 - 1e-12:
                continue
            touch = P.H[P.cand, gi] > 0
            twins = np.isin(self.twin, self.twin[chosen > 0.5])
            others = np.flatnonzero(touch & (chosen < 0.5) & ~twins)
            self._row(np.r_[self.z[gi], self.x[others]],
                      np.r_[1.0, -(1.0 - p) * np.ones(len(others))], -_INF, p + 1e-9)

    def saved_solutions(self) -> list[tuple[np.ndarray, float]]:
        """Plans HiGHS found on its way to the optimum: (chosen, objective)."""
        out = []
        try:
            saved = self.h.getSavedMipSolutions()
        except Exception:  # an older HiGHS without the solution store
            return out
        for sol in saved:
            col = np.asarray(sol.col_value)
            if len(col) > int(self.x.max(initial=-1)):
                out.append(((col[self.x] > 0.5).astype(float), float(sol.objective)))
        return out

    def solve(self, deadline: float) -> tuple[str, np.ndarray | None, float]:
        """Solve, refining the tangents at the solution until the bound is exact there."""
        for _ in range(30):
            status, chosen, bound, col = self.solve_once(deadline)
            if chosen is None or status != "optimal" or not self.refine(chosen, col):
                return status, chosen, bound
        return status, chosen, bound


# ---- words -------------------------------------------------------------------------------------
def _day_part(start: int) -> str:
    return next(word for limit, word in _DAY_PARTS if start < limit)


def _section_line(P: _Problem, i: int, learner: Learner, words: Words, kept: bool) -> str:
    """"Robotics Club (Riverbend Library): practises Geometry 4 hours a week; fits Tuesday and
    Thursday evenings (5 pm–7 pm); 20 minutes by bus or train; $40"."""
    _ = words.gettext
    R = P.R
    helped = [P.goals[g].name for g in range(len(P.goals)) if P.H[i, g] > 1e-12]
    parts = []
    hours = words.hours(R.weekly_hours[i])
    if helped:
        parts.append(_("practises {what} {hours} a week").format(
            what=words.join(helped), hours=hours))
    else:
        parts.append(_("{hours} a week").format(hours=hours))
    if R.meets[i]:
        parts.append(_("fits {days} {part} ({times})").format(
            days=words.days(int(R.mask[i])), part=_(_day_part(int(R.start[i]))),
            times=words.clock_span(int(R.start[i]), int(R.end[i]))))
    elif R.tba[i]:
        parts.append(_("times to be arranged with the provider"))
    else:
        parts.append(_("at its own pace"))
    first, last = pd.Timestamp(R.start_date[i]).date(), pd.Timestamp(R.end_date[i]).date()
    parts.append(words.date_span(first, last))
    mins = R.trip_minutes[i]
    if np.isfinite(mins) and mins > 0 and R.trip_mode[i]:
        parts.append(_("{minutes} {how} from home").format(minutes=words.minutes(mins),
                                                           how=words.by_mode(R.trip_mode[i])))
    parts.append(words.money(R.cost[i]) if R.cost[i] > 0 else _("free"))
    head = f"{R.title[i]} ({R.provider[i]})"
    if kept:
        head = _("{section}, kept").format(section=head)
    return f"{head}: " + "; ".join(parts)


# ---- the search --------------------------------------------------------------------------------
@dataclass
class _Found:
    chosen: np.ndarray      # 0/1 over candidates
    sections: tuple[str, ...]
    opps: frozenset
    goals: np.ndarray       # true chances, learner goal order
    total: float
    cost: float
    hours: float
    value: float            # total - tie-break terms


def _evaluate(P: _Problem, learner: Learner, chosen: np.ndarray, chances: np.ndarray
              ) -> _Found:
    R = P.R
    rows = np.r_[np.arange(P.k), P.cand[chosen > 0.5]].astype(int)
    sections = tuple(R.ids[i] for i in rows)
    opps = frozenset(R.opp[i] for i in rows[P.k:])
    cost = P.base_cost() + float(R.cost[P.cand][chosen > 0.5].sum())
    hours = float(R.weekly_hours[rows].sum())
    total = float(np.sum(chances))
    value = total - COST_WEIGHT * cost - HOURS_WEIGHT * hours
    return _Found(chosen, sections, opps, chances, total, cost, hours, value)


def _offset(P: _Problem, reached: float) -> float:
    """What the model's objective leaves out: goals already reached, the kept sections' cost."""
    return reached - COST_WEIGHT * P.base_cost() - HOURS_WEIGHT * float(
        P.R.weekly_hours[:P.k].sum())


def _allowed_problems(problems, keep: set[str]) -> list:
    """Problems a suggestion may have: none, except kept sections whose times are not out."""
    return [p for p in problems
            if not (p.kind == "times_tba" and set(p.sections) <= keep)]


def _search(P: _Problem, learner: Learner, count: int, deadline: float, reached: float,
            stats: dict) -> tuple[list[_Found], float, str, list[str]]:
    """Best plans by the true objective, each with its own set of opportunities.

    Returns (plans best first, bound on any plan not among them, status, notes).
    """
    model = _Model(P)
    offset = _offset(P, reached)
    keep = set(P.keep)
    # a suggestion must raise the expected goals above the kept sections alone
    base = _goal_chances(P.catalogue, [(learner, P.keep)], P.params)[0]
    base_value = float(base.sum()) - COST_WEIGHT * P.base_cost() - HOURS_WEIGHT * float(
        P.R.weekly_hours[:P.k].sum())
    best: dict[frozenset, _Found] = {}
    notes: list[str] = []
    bound, status = -_INF, "proven"
    evaluations = rejected = 0
    seen: dict[tuple, _Found | None] = {}

    def evaluate(chosen: np.ndarray) -> _Found | None:
        nonlocal evaluations, rejected
        key = tuple(np.flatnonzero(chosen).tolist())
        if key in seen:
            return seen[key]
        rows = np.r_[np.arange(P.k), P.cand[chosen > 0.5]].astype(int)
        sections = [P.R.ids[i] for i in rows]
        evaluations += 1
        if _allowed_problems(check_plan(P.catalogue, learner, sections), keep):
            # the model and the check disagree on this combination: never offer it
            rejected += 1
            seen[key] = None
            model.no_good(chosen)
            return None
        chances = _goal_chances(P.catalogue, [(learner, sections)], P.params)[0]
        found = seen[key] = _evaluate(P, learner, chosen, chances)
        model.known(chosen, chances)
        old = best.get(found.opps)
        if found.total > float(base.sum()) + 1e-12 and (old is None or found.value > old.value):
            best[found.opps] = found
        return found

    while True:
        ranked = sorted(best.values(), key=lambda f: -f.value)
        threshold = ranked[count - 1].value if len(ranked) >= count else -_INF
        # an unseen plan matters only if its bound beats the k-th best kept (and the kept
        # sections alone)
        wanted = max(threshold + PROOF_TOLERANCE, base_value + 1e-12)
        st, chosen, ub, col = model.solve_once(deadline)
        if st == "infeasible":
            bound = -_INF
            break
        ub_total = ub + offset
        if ub_total <= wanted:
            bound = ub_total
            break
        if chosen is None:  # out of time before any new plan was found
            bound, status = ub_total, "time_limit"
            break
        found = evaluate(chosen)
        # plans HiGHS met on the way that could still matter: evaluate them now, so that the
        # next solves need not propose them one by one
        for other, obj in model.saved_solutions():
            if obj + offset > threshold + PROOF_TOLERANCE and \
                    tuple(np.flatnonzero(other).tolist()) not in seen and \
                    evaluate(other) is not None:
                model.refine(other)
                model.no_good(other)
        if found is None:
            if st == "time_limit":
                bound, status = ub_total, "time_limit"
                break
            continue
        if found.value > ub_total + 1e-6:
            notes.append("The projection gave a plan more than the search's bound "
                         f"({found.total:.4f} > {ub_total:.4f}); the bound's assumptions do not "
                         "hold for this model, so no suggestion is called proven.")
            status = "bound_broken"
        if st == "time_limit" or time.perf_counter() > deadline:
            bound, status = ub_total, ("time_limit" if status != "bound_broken" else status)
            break
        model.refine(chosen, col)
        if ub_total - found.value <= PROOF_TOLERANCE:
            # no other groups of these opportunities can do better: skip them all
            model.no_good_opportunities(chosen)
        else:
            # this plan is known now; other groups of its opportunities may still do better
            model.no_good(chosen)
    stats.update(mip_solves=stats.get("mip_solves", 0) + model.solves,
                 evaluations=evaluations, rejected_by_check=rejected,
                 time_slot_rows=model.n_slots, travel_rows=len(model.travel_pairs))
    ranked = sorted(best.values(), key=lambda f: (-f.value, f.cost, f.hours))[:count]
    return ranked, bound, status, notes


# ---- explanations ------------------------------------------------------------------------------
_GROUPS = ("hours", "budget", "trip", "transport", "free_time", "internet")
_GROUP_KINDS = {
    "hours": ("weekly_hours",), "budget": ("budget",), "trip": ("too_far",),
    "transport": ("transport", "too_far"), "free_time": ("unavailable",),
    "internet": ("broadband", "device"),
}


def _relaxed(learner: Learner, group: str) -> Learner:
    if group == "hours":
        return dataclasses.replace(learner, max_hours_per_week=168.0)
    if group == "budget":
        return dataclasses.replace(learner, budget=1e9)
    if group == "trip":
        return dataclasses.replace(learner, max_travel_minutes=24 * 60)
    if group == "transport":
        return dataclasses.replace(learner, transport=list(MODES))
    if group == "free_time":
        return dataclasses.replace(learner, availability=[], commitments=[])
    if group == "internet":
        return dataclasses.replace(learner, home_broadband=True, device="own")
    raise ValueError(group)


class _Explainer:
    """For goals the suggestions leave unlikely: what is in the way, and the least change to
    the family's situation (one group at a time) that would make the goal likely without
    lowering the other goals below where the best suggestion has them."""

    def __init__(self, catalogue, learner, keep, exclude, goals, fit, params, words, deadline,
                 cache, stats, best_chances, used):
        self.catalogue, self.learner, self.keep, self.exclude = catalogue, learner, keep, exclude
        self.goals, self.fit, self.params, self.words = goals, fit, params, words
        self.deadline, self.cache, self.stats = deadline, cache, stats
        self.best = best_chances            # the best suggestion's chances (learner goal order)
        self.used = used                    # its busiest week's hours and its cost
        t = catalogue.section_table
        self.opp = t["opportunity_id"].astype(str)
        self.start = t["start_date"]
        self.fits: dict[str, pd.DataFrame] = {"": fit}
        self.problems: dict[tuple, _Problem] = {}
        self._options: dict[int, pd.Index] = {}
        self.base_candidates = [
            s for s in fit.index[fit["fits"].to_numpy() & ~fit["in_plan"].to_numpy()]
            if s not in exclude]

    def options(self, g: _Goal) -> pd.Index:
        """Sections that practise the goal's competency beyond the learner's level, in time."""
        if g.index not in self._options:
            self._options[g.index] = self._work_out_options(g)
        return self._options[g.index]

    def _work_out_options(self, g: _Goal) -> pd.Index:
        a = self.catalogue.alignments
        a = a[(a["competency_id"] == g.competency_id) & (a["max_level"] > g.current)]
        opps = set(a["opportunity_id"].astype(str))
        t = self.catalogue.section_table
        ok = self.opp.isin(opps) & (pd.DatetimeIndex(self.start) <= pd.Timestamp(g.by))
        return t.index[ok.to_numpy()]

    def learner_for(self, group: str) -> Learner:
        return self.learner if not group else _relaxed(self.learner, group)

    def problem(self, group: str, focus: _Goal | None = None) -> _Problem:
        """The search problem with one group of constraints lifted ("" for none).

        With the group lifted, only the goal being explained gets the sections it opens up;
        the other goals keep today's options (so a change is never credited with help it
        gives elsewhere, and fewer new sections need measuring).
        """
        key = (group, None if focus is None else focus.index)
        if key not in self.problems:
            learner = self.learner_for(group)
            if group not in self.fits:
                self.fits[group] = catalogue_fit(self.catalogue, learner, self.keep)
            fit = self.fits[group]
            cand = [s for s in fit.index[fit["fits"].to_numpy() & ~fit["in_plan"].to_numpy()]
                    if s not in self.exclude]
            if group and focus is not None:
                base = set(self.base_candidates)
                opens = set(self.options(focus))
                cand = [s for s in cand if s in base or s in opens]
            P = _Problem(self.catalogue, learner, self.keep, cand, self.goals, fit,
                         self.params, self.cache)
            self.stats["projections"] = self.stats.get("projections", 0) + P.projections
            self.problems[key] = P
        return self.problems[key]

    def _plan(self, P: _Problem, gi: int, tries: int = 4, **model_args) -> dict | None:
        """The model's answer, verified with the projection and the check; if the bound was
        too hopeful the plan is cut off and the next one tried (monotone cuts keep it honest).
        Returns the first plan that truly reaches ``min_chance`` (if asked) or the best seen.
        """
        if not len(P.cand):
            return None
        model = _Model(P, **model_args)
        g = P.goals[gi]
        learner = P.learner
        want = model_args.get("min_chance")
        best = None
        for _try in range(tries):
            if time.perf_counter() > self.deadline:
                break
            _st, chosen, _bound = model.solve(self.deadline)
            if chosen is None:
                break
            rows = np.r_[np.arange(P.k), P.cand[chosen > 0.5]].astype(int)
            sections = [P.R.ids[i] for i in rows]
            if _allowed_problems(check_plan(self.catalogue, learner, sections), set(self.keep)):
                model.no_good(chosen)
                continue
            chances = _goal_chances(self.catalogue, [(learner, sections)], self.params)[0]
            found = {"sections": sections, "rows": rows, "P": P, "chances": chances,
                     "p": float(chances[g.index])}
            if best is None or found["p"] > best["p"]:
                best = found
            if want is None or found["p"] >= want - 1e-9:
                return found
            model.known(chosen, chances)
            model.no_good(chosen)
        self.stats["mip_solves"] = self.stats.get("mip_solves", 0) + model.solves
        return None if want is not None else best

    def explain(self, g: _Goal, best_p: float) -> Obstacle:
        words, _ = self.words, self.words.gettext
        name = words.learner_name(self.learner.name)
        what = g.name
        goal_words = _("{level} in {competency} by {date}").format(
            level=words.level(g.target), competency=what, date=words.date(g.by))
        options = self.options(g)
        fit = self.fit.reindex(options)
        blocked: dict[str, int] = {}
        for sid, kind, fits in zip(options, fit["reason_kind"], fit["fits"], strict=True):
            if sid in self.exclude:
                blocked["excluded"] = blocked.get("excluded", 0) + 1
            elif not fits:
                blocked[str(kind)] = blocked.get(str(kind), 0) + 1
        fill = {"modes": words.modes(self.learner.transport),
                "minutes": self.learner.max_travel_minutes,
                "whose": possessive(name), "what": what,
                "hours": words.hours(self.learner.max_hours_per_week)}
        n_fit = len(options) - sum(blocked.values())
        if not len(options):
            lead = _("Nothing in the catalogue practises {what} before {date}.").format(
                what=what, date=words.date(g.by))
        elif n_fit == 0 and len(blocked) == 1 and next(iter(blocked)) in _EVERY_WORDS:
            lead = _(_EVERY_WORDS[next(iter(blocked))]).format(**fill)
            lead = lead[:1].upper() + lead[1:] + "."
        else:
            other = ngettext("{n} does not fit", "{n} do not fit")
            parts = [words.ngettext(*_BLOCKED_WORDS.get(k, other), n).format(n=n, **fill)
                     for k, n in sorted(blocked.items(), key=lambda kv: -kv[1])]
            if n_fit:
                parts.append(words.ngettext("{n} fits", "{n} fit", n_fit).format(n=n_fit))
            lead = _("Of the {n} options that practise {what} in time: {parts}.").format(
                n=len(options), what=what, parts="; ".join(parts))
        sentences = [lead]
        changes: list[Change] = []
        if len(options) and time.perf_counter() < self.deadline:
            gi = self.goals.index(g)
            others = len(self.goals) > 1
            alone = self._plan(self.problem(""), gi, weights=np.eye(len(self.goals))[gi])
            if alone is not None and alone["p"] >= LIKELY and others:
                sentences.append(_(
                    "It competes with the other goals for the same week and budget: a plan "
                    "aimed at it alone makes it likely ({chance}) but leaves less for the "
                    "others.").format(chance=words.chance(alone["p"])))
            changes = self._changes(g, gi, best_p, blocked)
        if best_p < 0.2:
            state = _("{goal} is out of reach for now (best {chance}).")
        else:
            state = _("{goal} is not likely yet (best {chance}).")
        message = " ".join([state.format(goal=goal_words[:1].upper() + goal_words[1:],
                                         chance=words.chance(best_p))] + sentences
                           + [c.message for c in changes])
        return Obstacle(g.index, g.competency_id, what, g.target, g.by, best_p, len(options),
                        blocked, message, tuple(changes))

    def _changes(self, g: _Goal, gi: int, best_p: float, blocked: dict) -> list[Change]:
        out: list[Change] = []
        others_now = float(sum(self.best[h.index] for h in self.goals if h is not g))
        # hours and money are in the way only when some option is ruled out by them or the
        # best plan uses most of them; other groups only when some option is ruled out by them
        used = self.used
        binding = {"hours": used.get("hours", 0.0) >= 0.75 * self.learner.max_hours_per_week,
                   "budget": used.get("cost", 0.0) >= 0.75 * self.learner.budget}
        for group in _GROUPS:
            if time.perf_counter() > self.deadline:
                break
            if not (binding.get(group) or any(blocked.get(k) for k in _GROUP_KINDS[group])):
                continue
            change = self._change(group, g, gi, best_p, others_now)
            if change is not None:
                out.append(change)
        return out

    def _change(self, group: str, g: _Goal, gi: int, best_p: float,
                others_now: float) -> Change | None:
        """The least of one group's resource that makes goal g likely, others kept."""
        words, _ = self.words, self.words.gettext
        learner = self.learner
        P = self.problem(group, g)
        if not len(P.cand):
            return None
        G = len(self.goals)
        keep_others = others_now - 0.005 if G > 1 else None
        base_fit = self.fit
        resource, objective = None, "linear"
        if group == "hours":
            objective = "hours"
        elif group == "trip":
            objective = "trip"
        elif group == "budget":
            resource = P.R.cost
        else:
            # as few sections as possible that need the change
            kinds = set(_GROUP_KINDS[group])
            k = base_fit.reindex(P.R.ids)
            resource = (~k["fits"].fillna(False).to_numpy(dtype=bool)
                        & k["reason_kind"].isin(kinds).to_numpy()).astype(float)
        found = self._plan(P, gi, objective=objective, focus=gi, min_chance=LIKELY,
                           others_min=keep_others, resource=resource)
        likely = found is not None
        if found is None:
            # not likely even with the group lifted: how far does it go, others kept?
            found = self._plan(P, gi, weights=np.eye(G)[gi], focus=gi, others_min=keep_others,
                               tries=2)
            if found is None or found["p"] <= best_p + 0.02:
                return None
        p = found["p"]
        rows, R = found["rows"], P.R
        others = float(sum(found["chances"][h.index] for h in self.goals if h is not g))
        if likely:
            verb = _("would make it likely ({chance})").format(chance=words.chance(p))
            if G > 1 and others >= others_now - 0.01:
                verb = _("{verb} and keep the other goals where they are").format(verb=verb)
            elif G > 1:
                verb = _("{verb}, with the other goals at {others} expected instead of "
                         "{now}").format(verb=verb, others=words.number(others, 2),
                                         now=words.number(others_now, 2))
        else:
            verb = _("would raise it only to {chance}").format(chance=words.chance(p)) \
                if p < LIKELY else _("would raise it to {chance}, with less for the other "
                                     "goals").format(chance=words.chance(p))
        if group == "hours":
            hours = R.hours[rows].sum(axis=0)
            needed = float(math.ceil(hours.max() * 2 - 1e-9) / 2) if len(hours) else 0.0
            if likely and needed <= learner.max_hours_per_week:
                return None
            msg = _("{needed} a week (now {now}) {verb}.").format(
                needed=words.hours(needed), now=words.hours(learner.max_hours_per_week),
                verb=verb) if likely else _("Even with no limit on hours a week, it {verb}."
                                            ).format(verb=verb)
            now = learner.max_hours_per_week
        elif group == "budget":
            seen, needed = set(), 0.0
            for i in rows:
                if R.opp[i] not in seen:
                    seen.add(R.opp[i])
                    needed += R.cost[i]
            if likely and needed <= learner.budget:
                return None
            msg = _("A budget of {needed} (now {now}) {verb}.").format(
                needed=words.money(needed), now=words.money(learner.budget), verb=verb) \
                if likely else _("Even with no limit on money, it {verb}.").format(verb=verb)
            now = learner.budget
        elif group == "trip":
            trips = np.nan_to_num(R.trip_minutes[rows], posinf=0.0)
            needed = float(math.ceil(trips.max())) if len(trips) else 0.0
            if likely and needed <= learner.max_travel_minutes:
                return None
            msg = _("Trips of up to {needed} (now {now}) {verb}.").format(
                needed=words.minutes(needed), now=words.minutes(learner.max_travel_minutes),
                verb=verb) if likely else _("Even with longer trips, it {verb}.").format(
                    verb=verb)
            now = learner.max_travel_minutes
        elif group == "transport":
            needed = sorted({str(m) for m in R.trip_mode[rows] if m}
                            - set(learner.transport), key=MODES.index)
            if not needed:
                return None
            msg = _("Travelling {how} {verb}.").format(how=words.join(
                [words.by_mode(m) for m in needed], "or"), verb=verb)
            now = list(learner.transport)
        elif group == "free_time":
            k = base_fit.reindex([R.ids[i] for i in rows])
            outside = [i for i, kind in zip(rows, k["reason_kind"], strict=True)
                       if kind == "unavailable" and R.meets[i]]
            needed = [words.when(int(R.mask[i]), int(R.start[i]), int(R.end[i]))
                      for i in outside]
            if not needed:
                return None
            msg = _("Being free {when} {verb}.").format(when=words.join(needed), verb=verb)
            now = None
        else:
            t = self.catalogue.section_table.reindex([R.ids[i] for i in rows])
            net = (t["requires_broadband"].astype(bool) | t["online"].astype(bool)).any()
            dev = t["requires_device"].astype(bool).any()
            needed = [k for k, v in (("internet", net and not learner.home_broadband),
                                     ("device", dev and not learner.has_device)) if v]
            if not needed:
                return None
            have = [_("internet at home") if k == "internet" else _("a computer or tablet")
                    for k in needed]
            text = words.join(have)
            msg = _("{what} {verb}.").format(what=text[:1].upper() + text[1:], verb=verb)
            now = None
        return Change(group, now, needed, p, tuple(found["sections"]), msg)


# ---- the public function -----------------------------------------------------------------------
def suggest_plans(catalogue: Catalogue, learner: Learner, keep: Iterable[str] = (),
                  exclude: Iterable[str] = (), count: int = 3,
                  parameters: ModelParameters = DEFAULT_PARAMETERS, time_limit: float = 10.0,
                  *, explain: bool = True, words: Words = ENGLISH) -> Suggestions:
    """The plans that give a learner the best expected number of goals reached by their dates.

    Parameters
    ----------
    catalogue
        The catalogue to choose sections from.
    learner
        Whose goals, week, travel, money and devices to plan for.
    keep
        Sections that must stay in every suggestion (the family's choices so far).
    exclude
        Sections never to suggest.
    count
        How many plans (at most); each differs from the others in at least one opportunity.
    parameters
        Projection parameters (the objective is the projection's goal chances).
    time_limit
        Seconds for the whole call; the search stops there and says how far from proven it is.
    explain
        Work out what stands in the way of goals the suggestions leave unlikely.
    words
        The session's language for the explanations.

    Returns
    -------
    Suggestions

    Raises
    ------
    ValueError
        For an unknown section id in ``keep`` or ``exclude``, a section in both, or count < 1.
    """
    t0 = time.perf_counter()
    deadline = t0 + float(time_limit)
    if int(count) < 1:
        raise ValueError("count must be at least 1")
    table = catalogue.section_table
    keep = list(dict.fromkeys(str(s) for s in keep))
    exclude_set = {str(s) for s in exclude}
    for label, ids in (("keep", keep), ("exclude", sorted(exclude_set))):
        unknown = [s for s in ids if s not in table.index]
        if unknown:
            raise ValueError(f"{label}: there is no section {unknown[0]!r} in the catalogue")
    both = [s for s in keep if s in exclude_set]
    if both:
        raise ValueError(f"section {both[0]!r} cannot be both kept and excluded")
    stats: dict = {}
    n_sections = len(table)

    def done(plans, status, bound, candidates, obstacles=(), notes=()):
        return Suggestions(learner.learner_id, tuple(keep), tuple(sorted(exclude_set)), plans,
                           status, bound, candidates, n_sections,
                           round(time.perf_counter() - t0, 4), list(obstacles), list(notes),
                           stats)

    _ = words.gettext
    kept_problems = _allowed_problems(check_plan(catalogue, learner, keep), set(keep))
    if kept_problems:
        return done([], "kept_broken", math.nan, 0, notes=[
            _("The kept sections already break the plan ({what}); change them first.").format(
                what="; ".join(p.kind.replace("_", " ") for p in kept_problems))])
    goals, reached = _open_goals(catalogue, learner)
    if not goals:
        why = _("Every goal is already reached.") if learner.goals else \
            _("There are no goals to plan for: add a goal first.")
        return done([], "no_goals", float(len(learner.goals)), 0, notes=[why])
    fit = catalogue_fit(catalogue, learner, keep)
    cand = [s for s in fit.index[fit["fits"].to_numpy() & ~fit["in_plan"].to_numpy()]
            if s not in exclude_set]
    cache: dict = {}
    P = _Problem(catalogue, learner, keep, cand, goals, fit, parameters, cache)
    stats.update(fitting_sections=len(cand), projections=P.projections)
    search_deadline = t0 + float(time_limit) * (0.75 if explain else 1.0)
    plans: list[SuggestedPlan] = []
    notes: list[str] = []
    if len(P.cand):
        found, bound, status, notes = _search(P, learner, int(count), search_deadline, reached,
                                              stats)
    else:
        found, bound, status = [], reached - COST_WEIGHT * P.base_cost(), "no_candidates"
    for rank, f in enumerate(found, 1):
        plans.append(_suggested(P, learner, f, rank, bound, status, words))
    # the best any plan could do: the best found, or an unseen plan's bound if higher
    overall = max(bound, found[0].value) if found else bound
    obstacles: list[Obstacle] = []
    if explain:
        best = np.max([f.goals for f in found], axis=0) if found else \
            _goal_chances(catalogue, [(learner, keep)], parameters)[0]
        todo = [g for g in goals if best[g.index] < LIKELY]
        if todo:
            used = {"hours": plans[0].busiest_week_hours, "cost": plans[0].cost} if plans \
                else {"hours": 0.0, "cost": P.base_cost()}
            ex = _Explainer(catalogue, learner, keep, exclude_set, goals, fit, parameters, words,
                            deadline, cache, stats, found[0].goals if found else best, used)
            for g in todo:
                obstacles.append(ex.explain(g, float(best[g.index])))
    if not found and status == "proven":
        status = "no_candidates"
    return done(plans, status, overall, len(P.cand), obstacles, notes)


def _suggested(P: _Problem, learner: Learner, f: _Found, rank: int, bound: float,
               status: str, words: Words) -> SuggestedPlan:
    _ = words.gettext
    rows = [P.R.ids.index(s) for s in f.sections]
    # the best this place in the list could be: the bound on every plan not yet seen
    proven = status != "bound_broken" and bound <= f.value + PROOF_TOLERANCE
    if proven:
        gap = 0.0
    elif math.isfinite(bound):
        gap = max(bound - f.value, 0.0) / max(abs(bound), 1e-9)
    else:
        gap = math.nan  # the search ran out of time before it had any bound
    kept = set(P.keep)
    why = tuple(_section_line(P, i, learner, words, P.R.ids[i] in kept) for i in rows)
    goal_rows = []
    for i, g in enumerate(learner.goals):
        name = P.catalogue.competency_names.get(g.competency_id, g.competency_id)
        p = float(f.goals[i])
        goal_rows.append({"competency_id": g.competency_id, "name": name,
                          "target_level": int(g.level), "target_word": words.level(g.level),
                          "by": g.by, "probability": p,
                          "message": words.goal_sentence(name, g.level, g.by,
                                                         learner.level(g.competency_id), p)})
    hours = P.R.hours[rows].sum(axis=0)
    busiest = float(hours.max()) if len(hours) else 0.0
    if proven:
        best_words = _("proven best")
    elif math.isfinite(gap):
        best_words = _("within {gap} of the best possible").format(
            gap=words.percent(max(gap, 0.005)) if gap < 0.995 else "—")
    else:
        best_words = _("not proven: the search ran out of time")
    summary = _("Expected goals reached by their dates: {total} of {n} ({best}). Costs {cost} "
                "(budget {budget}); {hours} a week at most ({limit} allowed).").format(
        total=words.number(f.total, 2), n=len(learner.goals), best=best_words,
        cost=words.money(f.cost), budget=words.money(learner.budget),
        hours=words.hours(busiest), limit=words.hours(learner.max_hours_per_week))
    return SuggestedPlan(rank, f.sections, tuple(P.keep),
                         tuple(s for s in f.sections if s not in kept), f.total,
                         tuple(goal_rows), f.cost, float(P.R.weekly_hours[rows].sum()),
                         busiest, gap, proven, why, summary)
