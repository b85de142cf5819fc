"""Projected competency levels for a plan: a transparent learning-science model.

Each week, the practice a learner actually gets on a competency (hours x intensity x attendance x
engagement) moves them up at most one proficiency level with the Bayesian Knowledge Tracing
mastery update ``T = 1 - (1 - t)^n`` (Corbett & Anderson 1995; pyBKT's ``learn`` parameter),
where the per-practice learn rate ``t`` is Carroll's (1963) "time needed": it falls with the
competency's difficulty and with the level being climbed. The result is a probability
distribution over the five levels for every competency and week, never a single number.

``docs/model.md`` gives the equations, every parameter, its default and where the default comes
from. There is one kernel: ``project_many`` projects many learner-plans (``PlanRows``) at once
over the catalogue's shared read-only arrays (``arrays.CatalogueArrays``); ``project`` is that
kernel on one row, and the district batch runs it chunk by chunk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd

from .arrays import (
    STOP_WORDS,
    CatalogueArrays,
    catalogue_arrays,
    frame_of_arrays,
    mode_set,
    text_words,
    word_stem,
)
from .dataset import LEVELS, PROFICIENT, Catalogue, Learner
from .evidence import (
    EVIDENCE_FIELDS,
    FAILED,
    N_KINDS,
    SHOWS_LEVEL,
    check_table,
    counts_likelihood,
    evidence_counts,
    start_distributions,
)
from .words import ENGLISH, ON_TRACK

N_LEVELS = len(LEVELS)          # 0 Not yet .. 4 Advanced
N_STEPS = N_LEVELS - 1          # transitions k -> k+1 for k = 0..3
DEFAULT_WEEKS = 40


@dataclass(frozen=True)
class ModelParameters:
    """Every number the projection uses, with its default and where the default comes from.

    Change one in a notebook with ``dataclasses.replace(DEFAULT_PARAMETERS, base_learn_rate=...)``.
    Defaults marked "judgment" are reasoned choices waiting to be calibrated on real records;
    ``docs/model.md`` explains each.
    """

    base_learn_rate: float = 0.0053
    """BKT learn rate per practice opportunity for a typical competency (difficulty 1) at a
    typical level step (level_difficulty 1). Set so a full-year 3 h/week programme at
    intensity 2 moves a Developing learner to Proficient with probability ~0.65 under the
    week's saturation (docs/model.md section 5.1; 0.005 before saturation was added);
    equivalently ~190 practice opportunities (~95 h at intensity 2, near one Carnegie unit) are
    the expected "time needed" for one level step. Judgment, anchored on the Carnegie unit."""

    level_difficulty: tuple[float, float, float, float] = (0.5, 0.75, 1.0, 1.5)
    """Relative time needed for each step 0->1, 1->2, 2->3, 3->4. Early steps are quicker and the
    step to Advanced slowest, as in mastery-learning accounts (Bloom 1968) of higher levels
    needing more time. Judgment."""

    base_attendance: float = 0.9
    """Share of planned hours attended with no travel or late-hour burden. Near typical US school
    daily attendance (about 90-94%); voluntary programmes are often lower. Judgment."""

    travel_penalty_per_10min: float = 0.03
    """Attendance lost per extra 10 minutes of one-way travel beyond ``free_travel_minutes``.
    Judgment: a 45-minute trip costs 9 points of attendance."""

    free_travel_minutes: float = 15.0
    """One-way minutes of travel with no attendance penalty (a short walk). Judgment."""

    late_penalty: float = 0.05
    """Attendance lost when a section ends after ``late_hour`` (fatigue, safety, family
    evenings). Judgment."""

    late_hour: float = 19.0
    """Hour of day (24 h clock) after which an ending time counts as late: 19.0 = 7 pm.
    Judgment."""

    min_attendance: float = 0.3
    """Floor on attendance, so a hard-to-reach or late section still counts for something if the
    family chooses it anyway (feasibility reports the problem). A section with no way there at
    all gets 0, not the floor. Judgment."""

    interest_boost: float = 0.25
    """Extra engagement when the opportunity's interest tags meet the learner's interests.
    Interest sustains attention and persistence (Hidi & Renninger 2006); the size is judgment."""

    strength_boost: float = 0.10
    """Extra engagement when a learner's strength matches the opportunity or the competency's
    domain (strength-based practice). Judgment."""

    strength_domain_words: tuple[tuple[str, str], ...] = (
        ("number", "Mathematics"), ("math", "Mathematics"),
        ("reader", "English Language Arts"), ("reading", "English Language Arts"),
        ("writ", "English Language Arts"), ("languages", "English Language Arts"),
        ("curious", "Science"), ("hands-on", "Career & Technical"),
        ("building", "Career & Technical"), ("leads", "Essential Skills"),
        ("organised", "Essential Skills"), ("organized", "Essential Skills"),
        ("listener", "Essential Skills"), ("persistent", "Essential Skills"),
        ("patient", "Essential Skills"), ("kind", "Essential Skills"),
    )
    """Strength word (prefix) -> competency domain it supports, for strengths whose words do not
    name the domain itself ("good with numbers" -> Mathematics). Judgment; extend freely."""

    forget_rate: float = 0.02
    """Chance per idle week (a week in which no section of the plan practises the competency)
    that a learner above the level they started at slips back one level; never below that
    starting level, which was already shown. Summer-learning studies give the direction and
    rough size: about a month of a school year's gains lost over a 10-12 week summer, more in
    mathematics (Cooper et al. 1996), a fifth to a half of a year's gains by some test series
    (Kuhfeld 2019): 0.02 a week takes ~22% of a one-level gain back over 12 idle weeks. The size
    is judgment. 0 switches forgetting off (pure BKT)."""

    weekly_saturation: float = 30.0
    """Diminishing returns within a week: a competency's practice opportunities in one week count
    as ``s (1 - exp(-n / s))`` with this ``s`` (so never more than ``s`` a week; about 5% less at
    a typical 5.4 a week, about half at a 30-hour camp's 54). Spaced practice beats massed
    practice (the spacing effect; Cepeda et al. 2006's meta-analysis); the size is judgment.
    ``inf`` switches it off (pure BKT)."""

    alignment_overlap: float = 0.5
    """How an opportunity's hours are shared by its k aligned competencies: each gets its
    practice times ``k ** -alignment_overlap``. 0 = every competency gets the whole hour (all
    practised at once), 1 = the hour is split evenly (time on one is not time on another); 0.5
    assumes activities practise several competencies partly at once (docs/model.md). Judgment.
    0 switches the split off."""

    recorded_level_spread: float = 0.1
    """Where a learner starts in a competency with evidence on record: the recorded level holds
    ``1 - 2 x spread`` of the chance and each neighbouring level ``spread`` (records are made by
    people with some error), before the evidence's likelihoods filter it
    (``domain/evidence.py``). Judgment. Competencies without evidence start at the recorded
    level exactly."""

    evidence_shows_verified: tuple[float, float, float, float] = SHOWS_LEVEL[True]
    """P(a verified credential or result shows level L | true level k), by |L - k| = 0, 1, 2,
    3 or more. Judgment (``domain/evidence.py``; docs/model.md section 3.1)."""

    evidence_shows_unverified: tuple[float, float, float, float] = SHOWS_LEVEL[False]
    """The same for unverified evidence. Judgment."""

    evidence_failed_verified: tuple[float, float, float, float, float] = FAILED[True]
    """P(a verified failed or not-met result | true level k) for k = 0..4. Judgment."""

    evidence_failed_unverified: tuple[float, float, float, float, float] = FAILED[False]
    """The same for an unverified failure. Judgment."""

    learn_rate_spread: float = 0.541
    """How unsure the learn rate is: the standard deviation of the log of a multiplier on every
    learn rate (a lognormal with median 1). 0.541 = ln 2 / 1.2816 makes halving and doubling
    the 10th and 90th percentiles: nothing has been fitted on real records, and the issue that
    asked for ranges found both plausible. Judgment; a parameters file with a fitted interval
    for ``base_learn_rate`` replaces it (``fitted_spread``)."""

    attendance_spread: float = 0.10
    """How unsure attendance is: the standard deviation of the log of a multiplier on the
    attended share (about +-13% at the 10th and 90th percentiles). Judgment; a parameters file
    with a fitted interval for ``base_attendance`` replaces it."""

    engagement_spread: float = 0.10
    """How unsure the engagement boosts are, as a multiplier on the practice like attendance's.
    Judgment."""

    def __post_init__(self):
        if not 0 < self.base_learn_rate < 1:
            raise ValueError("base_learn_rate must be between 0 and 1")
        if len(self.level_difficulty) != N_STEPS or min(self.level_difficulty) <= 0:
            raise ValueError("level_difficulty needs 4 positive numbers (steps 0->1 .. 3->4)")
        if not 0 < self.min_attendance <= 1 or not 0 < self.base_attendance <= 1:
            raise ValueError("attendance values must be in (0, 1]")
        for name in ("travel_penalty_per_10min", "free_travel_minutes", "late_penalty",
                     "interest_boost", "strength_boost", "learn_rate_spread",
                     "attendance_spread", "engagement_spread"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 0 <= self.forget_rate < 1:
            raise ValueError("forget_rate must be in [0, 1)")
        if not self.weekly_saturation > 0:  # inf is allowed: no saturation
            raise ValueError("weekly_saturation must be positive (inf: no saturation)")
        if not 0 <= self.alignment_overlap <= 1:
            raise ValueError("alignment_overlap must be between 0 and 1")
        if not 0 <= self.recorded_level_spread < 0.5:
            raise ValueError("recorded_level_spread must be in [0, 0.5)")
        for name in EVIDENCE_FIELDS:
            check_table(name, getattr(self, name))


DEFAULT_PARAMETERS = ModelParameters()
#: The parameters under which the kernel is Bayesian Knowledge Tracing exactly (as pyBKT with
#: guess = slip = forget = 0): no forgetting, no saturation, no split across alignments.
PURE_BKT = ModelParameters(forget_rate=0.0, weekly_saturation=float("inf"), alignment_overlap=0.0)


# ---- what we do not know: the parameters as a distribution ------------------------------------
RANGE_DRAWS = 48
"""Draws of the model's parameters behind every chance, credit count and band. 48 keeps the
10th and 90th percentiles within about a point of their limit (one draw in each of 48 equally
likely slices of the multiplier's distribution) at a few milliseconds per plan."""

RANGE_SEED = 13
"""The draws' fixed seed: the same plan always shows the same range."""

RANGE_PERCENTILES = (10, 90)
"""An 80% interval: 1 chance in 10 of being below it, 1 in 10 of being above."""


def range_sigma(params: ModelParameters = DEFAULT_PARAMETERS) -> float:
    """Standard deviation of the log of the one multiplier each draw puts on ``n log(1 - t)``.

    The learn rate, attendance and engagement are drawn as independent lognormal multipliers
    with median 1; all three scale the same product, so their product is one lognormal with
    ``sigma = sqrt(learn^2 + attendance^2 + engagement^2)``.
    """
    return float(np.sqrt(params.learn_rate_spread ** 2 + params.attendance_spread ** 2
                         + params.engagement_spread ** 2))


@functools.lru_cache(maxsize=8)
def _normal_draws(n: int, seed: int) -> np.ndarray:
    """``n`` standard normal draws, one in each of ``n`` equally likely slices, ascending."""
    u = (np.arange(n) + np.random.default_rng(seed).random(n)) / n
    z = np.array([NormalDist().inv_cdf(float(x)) for x in u])
    z.setflags(write=False)
    return z


def range_multipliers(params: ModelParameters = DEFAULT_PARAMETERS, draws: int = RANGE_DRAWS,
                      seed: int = RANGE_SEED) -> np.ndarray:
    """The ``draws`` multipliers on ``n log(1 - t)`` that stand for draws of the parameters.

    Ascending. For the learn rate a multiplier ``m`` means ``t' = 1 - (1 - t)^m`` (about
    ``m t`` for the small rates the model uses); for attendance and engagement it scales the
    practice itself. All ones when every spread is 0.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    return np.exp(range_sigma(params) * _normal_draws(int(draws), int(seed)))


def range_bounds(values, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """The 10th and 90th percentiles of ``values`` over draws (along ``axis``).

    Each is the value of one draw (numpy's "nearest" method), so for anything that only grows
    with the multiplier it is that value at the same percentile of the multipliers: what lets
    the district batch work out exact bounds with three projections instead of ``RANGE_DRAWS``.
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[axis] if values.ndim else 0
    if n == 0 or math.isnan(values.sum()):  # NaN (or inf) anywhere: numpy's own rules
        lo, hi = np.percentile(values, RANGE_PERCENTILES, axis=axis, method="nearest")
        return lo, hi
    # the same draws as numpy's "nearest" by one partial sort, without percentile's general
    # machinery (which cost more than the sort on these small arrays)
    lo_rank, hi_rank = _nearest_ranks(n)
    part = np.partition(values, (lo_rank, hi_rank), axis=axis)
    return np.take(part, lo_rank, axis=axis), np.take(part, hi_rank, axis=axis)


@functools.lru_cache(maxsize=64)
def _nearest_ranks(n: int) -> tuple[int, int]:
    """The ranks numpy's "nearest" percentile method picks among ``n`` sorted values:
    round(q (n - 1)), halves to even."""
    lo, hi = np.around(np.asarray(RANGE_PERCENTILES) / 100 * (n - 1)).astype(np.intp)
    return int(lo), int(hi)


def bound_multipliers(params: ModelParameters = DEFAULT_PARAMETERS, draws: int = RANGE_DRAWS,
                      seed: int = RANGE_SEED) -> tuple[float, float]:
    """The multipliers at the 10th and 90th percentiles of the draws (``range_bounds``)."""
    lo, hi = range_bounds(range_multipliers(params, draws, seed))
    return float(lo), float(hi)


def fitted_spread(params: ModelParameters, provenance: dict,
                  given: tuple[str, ...] = ()) -> ModelParameters:
    """``params`` with the spreads that a parameters file's fitted intervals imply.

    A bootstrap interval ``[low, high]`` at level ``L`` (0.9 when the file does not say, as
    ``workbench calibrate`` writes by default) for ``base_learn_rate`` gives
    ``learn_rate_spread = ln(high / low) / (2 z)`` with ``z`` the normal quantile at
    ``(1 + L) / 2``; one for ``base_attendance`` gives ``attendance_spread`` the same way.
    Spreads named in ``given`` (set in the file itself) are kept.
    """
    changes = {}
    for name, spread in (("base_learn_rate", "learn_rate_spread"),
                         ("base_attendance", "attendance_spread")):
        src = provenance.get(name) or {}
        iv, level = src.get("interval"), src.get("level") or 0.9
        if spread in given or not isinstance(iv, list | tuple) or len(iv) != 2:
            continue
        lo, hi = (float(v) if isinstance(v, int | float) else np.nan for v in iv)
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi and 0 < level < 1):
            continue
        z = NormalDist().inv_cdf((1 + float(level)) / 2)
        changes[spread] = float(np.log(hi / lo) / (2 * z))
    return dataclasses.replace(params, **changes) if changes else params


# ---- the kernel -----------------------------------------------------------------------------
def transition_probability(learn_rate, practice):
    """Chance of moving up one level in a week: ``1 - (1 - t)^n`` (BKT applied n times).

    Computed as ``-expm1(n log1p(-t))`` so that small chances keep full precision.
    """
    t = np.clip(np.asarray(learn_rate, dtype=float), 0.0, 1.0 - 1e-12)
    return -np.expm1(np.asarray(practice, dtype=float) * np.log1p(-t))


def single_transition_probability(learn_rate: float, practice_per_week: float, weeks):
    """Closed form for one step from P(L0) = 0 with constant practice: ``1 - (1-t)^(n W)``.

    A notebook can check the engine against it (``evolve`` reproduces it exactly when only one
    transition gets practice).
    """
    w = np.asarray(weeks, dtype=float)
    return transition_probability(learn_rate, practice_per_week * w)


def effective_practice(practice, params, *, out=None) -> np.ndarray:
    """A week's practice after it saturates within the week (``ModelParameters
    .weekly_saturation``): ``n_eff = s (1 - exp(-n / s))``, concave, increasing, at most
    ``min(n, s)``; ``practice`` itself when nothing saturates. It does not depend on the learn
    rate: a caller with several multipliers (``project_many_scaled``) works it out once."""
    n = np.asarray(practice, dtype=float)
    s = float(params.weekly_saturation)
    if not np.isfinite(s):
        return n
    out = np.empty(n.shape) if out is None else out
    np.multiply(n, -1.0 / s, out=out)
    np.expm1(out, out=out)
    np.multiply(out, -s, out=out)
    return out


def step_chances(practice, log_keep, params=None, *, out=None) -> np.ndarray:
    """Weekly chance of each level step from that week's practice: ``1 - (1 - t)^n``.

    ``practice`` is (W, 4, P) and ``log_keep`` = ``log(1 - t)`` is (4, P). With ``params`` the
    practice first saturates within the week (``ModelParameters.weekly_saturation``); without,
    this is BKT exactly.
    """
    n = np.asarray(practice, dtype=float)
    out = np.empty(n.shape) if out is None else out
    if params is not None:
        n = effective_practice(n, params, out=out)
    np.multiply(n, np.asarray(log_keep)[None], out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)
    return out


def evolve_pairs(start, step, *, forget: float = 0.0, floor=None, idle=None,
                 dtype=np.float64, capture: dict | None = None):
    """The weekly update for a flat list of (learner-plan, competency) pairs: the one kernel.

    Week by week, the mass at level k moves to k+1 with probability ``step[w, k, p]`` (at most
    one level a week). In a week a pair gets no practice at all (``step[w, :, p]`` all 0), mass
    above its ``floor`` moves down one level with probability ``forget`` instead. Pairs are on
    the last axis, so every weekly update runs on contiguous rows; ``evolve`` and
    ``project_many`` both run their pairs through it. Anything that varies per pair (a learner,
    a plan, a draw of the model's parameters) is simply more pairs.

    Parameters
    ----------
    start : int array, shape (P,), or float array, shape (5, P)
        Starting level 0-4 of each pair (a point mass), or each pair's starting distribution
        over the five levels (columns sum to 1).
    step : array, shape (W, 4, P), or a ``WeekRanges``
        Chance of moving up each step in each week, ``1 - (1 - t) ** practice``. A caller that
        knows which pairs can change in which week (the district batch) passes a
        ``WeekRanges`` instead: ``step.ranges(w)`` names, for week w, the column ranges that
        take a step (with their chances) and those that may forget; every other column is
        left as it is, which is exactly what the full update does to it (it adds and
        subtracts zeros).
    forget : float, default 0
        Chance per idle week of slipping back one level (``ModelParameters.forget_rate``).
    floor : int array, shape (P,), optional
        Level forgetting never goes below; by default the starting level (for a distribution,
        its most likely level).
    idle : bool array, shape (W, P), optional
        The weeks each pair gets no practice, if the caller knows them (by default: the weeks
        whose ``step`` is 0 for every step). Not used with a ``WeekRanges``, which says them.
    dtype : numpy dtype, default float64
    capture : dict of week -> column indices, optional
        For a caller that needs only the end and a few columns of some weeks (the district
        batch): one week is updated in place, and what is asked for is copied out as the
        weeks go by. The numbers are the same as the full trajectory's.

    Returns
    -------
    numpy.ndarray, shape (W + 1, 5, P)
        Level distribution of every pair at the start of each week; index 0 is now.
    tuple (numpy.ndarray of shape (1, 5, P), dict of week -> array (5, columns)), with capture
        The last week's distribution, and the columns asked for of each week asked for (copies).
    """
    n_w, _, n_p = step.shape
    # without capture every week is kept; with it one week is updated in place (no fresh
    # memory to write into every week, no copy: a third quicker on a large batch)
    traj = np.empty((n_w + 1 if capture is None else 1, N_LEVELS, n_p), dtype=dtype)
    start = np.asarray(start)
    if start.ndim == 2:
        if start.shape != (N_LEVELS, n_p):
            raise ValueError(f"a start distribution must have shape {(N_LEVELS, n_p)}")
        traj[0] = start
        start_level = start.argmax(axis=0)
    else:
        start_level = start.astype(np.intp)
        traj[0] = np.eye(N_LEVELS, dtype=dtype)[:, start_level]
    flow = np.empty((N_STEPS, n_p), dtype=dtype)
    ranges = getattr(step, "ranges", None)
    slip = down = None
    if forget > 0 and n_w:
        floor = start_level if floor is None else np.asarray(floor)
        if ranges is None:
            ranges = _full_ranges(step, idle, floor)
        # per level 1-4: forget where it is above the floor, 0 elsewhere
        slip = ((np.arange(1, N_LEVELS)[:, None] > floor[None, :]) * float(forget)).astype(dtype)
        down = np.empty((N_STEPS, n_p), dtype=dtype)
    elif ranges is None:
        def ranges(w):
            return ((0, n_p, step[w]),), ()
    got = {}
    if capture is not None and 0 in capture:
        got[0] = traj[0][:, capture[0]]
    if capture is not None:
        # one week updated in place, range by range: the same operations in the same order
        # (each range's views made once: the same ranges come back week after week)
        cur, views = traj[0], {}
        for w in range(n_w):
            moves, slips = ranges(w)
            for lo, hi, mask in slips:
                v = views.get((lo, hi)) or views.setdefault((lo, hi), _views(cur, flow, down,
                                                                             slip, lo, hi))
                np.multiply(v[1], v[4], out=v[3])   # mass above the floor slips down a level
                if mask is not None:
                    np.multiply(v[3], mask, out=v[3])
            for lo, hi, chances in moves:
                v = views.get((lo, hi)) or views.setdefault((lo, hi), _views(cur, flow, down,
                                                                             slip, lo, hi))
                np.multiply(v[0], chances, out=v[2])
                np.subtract(v[0], v[2], out=v[0])
                np.add(v[1], v[2], out=v[1])
            for lo, hi, _ in slips:
                v = views[(lo, hi)]
                np.subtract(v[1], v[3], out=v[1])
                np.add(v[0], v[3], out=v[0])
            if w + 1 in capture:
                got[w + 1] = cur[:, capture[w + 1]]
        return traj, got
    for w in range(n_w):
        moves, slips = ranges(w)
        p, nxt = traj[w], traj[w + 1]
        if len(moves) != 1 or moves[0][:2] != (0, n_p):
            nxt[...] = p   # what no range touches stays; the ranges then update in place
            p = nxt
        for lo, hi, mask in slips:
            # an idle week has no upward flow: mass above the floor slips down one level
            # (worked out from the week's start, before the update)
            np.multiply(p[1:, lo:hi], slip[:, lo:hi], out=down[:, lo:hi])
            if mask is not None:
                down[:, lo:hi] *= mask
        for lo, hi, chances in moves:
            f = np.multiply(p[:N_STEPS, lo:hi], chances, out=flow[:, lo:hi])
            np.subtract(p[:N_STEPS, lo:hi], f, out=nxt[:N_STEPS, lo:hi])
            if p is not nxt:
                nxt[N_STEPS, lo:hi] = p[N_STEPS, lo:hi]
            nxt[1:, lo:hi] += f
        for lo, hi, _ in slips:
            nxt[1:, lo:hi] -= down[:, lo:hi]
            nxt[:N_STEPS, lo:hi] += down[:, lo:hi]
    return traj


def _views(cur, flow, down, slip, lo, hi) -> tuple:
    """Columns ``lo:hi`` of the week (levels 0-3, levels 1-4), of the flow and slip buffers and
    of the slip chances, for ``evolve_pairs``' in-place loop."""
    return (cur[:N_STEPS, lo:hi], cur[1:, lo:hi], flow[:, lo:hi],
            None if down is None else down[:, lo:hi], None if slip is None else slip[:, lo:hi])


def _full_ranges(step, idle, floor):
    """``evolve_pairs``' weeks for a full step array: every column takes its step every week,
    and the idle columns of the block from the first pair that can forget to the last may
    forget (``project_many`` puts them together)."""
    n_p = step.shape[2]
    idle = (~step.any(axis=1) if idle is None else np.asarray(idle, dtype=bool)) \
        & (floor < N_LEVELS - 1)[None, :]                                    # W x P
    ever = np.flatnonzero(idle.any(axis=0))
    lo, hi = (int(ever[0]), int(ever[-1]) + 1) if ever.size else (n_p, n_p)
    idle = idle[:, lo:hi]
    any_idle = idle.any(axis=1)

    def ranges(w):
        return ((0, n_p, step[w]),), (((lo, hi, idle[w]),) if any_idle[w] else ())
    return ranges


def evolve(start_levels, practice, learn_rate, *, params: ModelParameters | None = None,
           dtype=np.float64, out: np.ndarray | None = None) -> np.ndarray:
    """Weekly level distributions for a batch of learners, from dense practice arrays.

    Week by week, the mass at level k moves to k+1 with probability
    ``T = 1 - (1 - learn_rate[c, k]) ** practice[b, w, c, k]`` (at most one level a week).
    Only (learner, competency) pairs with some practice go through ``evolve_pairs``; the rest
    stay at their starting level.

    Parameters
    ----------
    start_levels : array of int, shape (B, C), or of float, shape (B, C, 5)
        Current level 0-4 of each learner in each competency (a point mass), or a starting
        distribution over the five levels (evidence filtered, ``domain/evidence.py``).
    practice : array, shape (B, W, C, 4)
        Practice opportunities in each week toward each transition k -> k+1 (>= 0).
    learn_rate : array, shape (C, 4)
        BKT learn rate per practice opportunity for each competency and step, in [0, 1).
    params : ModelParameters, optional
        With it, the week's practice saturates (``weekly_saturation``) and idle weeks forget
        (``forget_rate``, never below the starting level), as ``project`` does; without it
        (the default) this is BKT exactly.
    dtype : numpy dtype, default float64
        ``np.float32`` halves memory and time at about 1e-6 precision.
    out : array, optional
        A buffer of the result's shape and dtype to fill.

    Returns
    -------
    numpy.ndarray, shape (B, W + 1, C, 5)
        ``out[b, w, c, k]`` = P(level k at the start of week w); index 0 is now. Rows sum to 1.
    """
    start = np.asarray(start_levels)
    practice = np.asarray(practice)
    rate = np.asarray(learn_rate, dtype=float)
    if practice.ndim != 4 or practice.shape[3] != N_STEPS:
        raise ValueError(f"practice must have shape (B, W, C, 4), got {practice.shape}")
    n_b, n_w, n_c, _ = practice.shape
    spread_out = start.ndim == 3
    if start.shape[:2] != (n_b, n_c) or (spread_out and start.shape[2] != N_LEVELS) \
            or start.ndim not in (2, 3):
        raise ValueError(f"start_levels must have shape {(n_b, n_c)} (levels) or "
                         f"{(n_b, n_c, N_LEVELS)} (distributions), got {start.shape}")
    if rate.shape != (n_c, N_STEPS):
        raise ValueError(f"learn_rate must have shape {(n_c, N_STEPS)}, got {rate.shape}")
    if not spread_out and start.size and (start.min() < 0 or start.max() >= N_LEVELS):
        raise ValueError("start_levels must be levels 0-4")
    if rate.size and (rate.min() < 0 or rate.max() >= 1):
        raise ValueError("learn_rate must be in [0, 1)")
    dtype = np.dtype(dtype)
    point = start.astype(dtype) if spread_out else \
        np.eye(N_LEVELS, dtype=dtype)[start.astype(np.intp)]             # B x C x 5
    if out is None:
        out = np.empty((n_b, n_w + 1, n_c, N_LEVELS), dtype=dtype)
    elif out.shape != (n_b, n_w + 1, n_c, N_LEVELS) or out.dtype != dtype:
        raise ValueError(f"out must be a {dtype} array of shape {(n_b, n_w + 1, n_c, N_LEVELS)}")
    out[...] = point[:, None]
    if n_w == 0 or practice.size == 0:
        return out
    # pairs with any practice at all; reshaping first makes the reduction ~10x faster
    touched = np.ascontiguousarray(practice).reshape(n_b, n_w, n_c * N_STEPS).any(axis=1)
    touched = touched.reshape(n_b, n_c, N_STEPS).any(axis=2)
    forget = 0.0 if params is None else params.forget_rate
    if spread_out and forget > 0:
        touched |= point.max(axis=2) < 1     # spread-out starts can forget with no practice
    bi, ci = np.nonzero(touched)
    if bi.size == 0:
        return out
    n = np.swapaxes(practice, 0, 1)[:, bi, ci, :].transpose(0, 2, 1)       # W x 4 x P
    if (n < 0).any():
        raise ValueError("practice must not be negative")
    log_keep = np.log1p(-rate).T[:, ci].astype(dtype)                      # 4 x P
    step = step_chances(np.ascontiguousarray(n), log_keep, params,
                        out=np.empty(n.shape, dtype=dtype))               # T = 1 - (1-t)^n
    begin = point[bi, ci].T if spread_out else start[bi, ci]
    traj = evolve_pairs(begin, step, forget=forget, dtype=dtype)
    out[bi, :, ci, :] = np.transpose(traj, (2, 0, 1))
    return out


# ---- the weeks and the learn rates -----------------------------------------------------------
def monday(day) -> dt.date:
    """The Monday of the week containing ``day``."""
    d = pd.Timestamp(day).date()
    return d - dt.timedelta(days=d.weekday())


def week_grid(catalogue: Catalogue | CatalogueArrays, start=None,
              weeks: int | None = None) -> pd.DatetimeIndex:
    """Mondays of the projection: ``weeks + 1`` dates, the first being "now".

    By default the Monday of the catalogue's first day, and 40 weeks (a school year).
    """
    first = monday(catalogue.school_year[0] if start is None else start)
    n = DEFAULT_WEEKS if weeks is None else int(weeks)
    if n < 0:
        raise ValueError("weeks must be >= 0")
    return _week_grid(first, n)


@functools.lru_cache(maxsize=64)
def _week_grid(first: dt.date, n: int) -> pd.DatetimeIndex:
    # a few horizons are in use at once; an index is immutable, so sharing one is safe
    grid = pd.date_range(pd.Timestamp(first), periods=n + 1, freq="7D").as_unit("ns")
    return pd.DatetimeIndex(grid, name="week_start")


def learn_rates(catalogue: Catalogue | CatalogueArrays,
                params: ModelParameters = DEFAULT_PARAMETERS) -> np.ndarray:
    """``t[c, k] = base_learn_rate / (difficulty_c x level_difficulty[k])``, shape (C, 4)."""
    if isinstance(catalogue, CatalogueArrays):
        diff = catalogue.difficulty
    else:
        diff = catalogue.competencies["difficulty"].to_numpy(dtype=float)
    rate = params.base_learn_rate / (diff[:, None] * np.asarray(params.level_difficulty)[None])
    return np.clip(rate, 0.0, 1.0 - 1e-9)


# ---- the kernel's input: learner-plans as rows -----------------------------------------------
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class PlanRows:
    """Learner-plans as arrays, one row each: the input of ``project_many``.

    Build them from learners with ``PlanRows.from_learners``; the district batch builds them
    straight from a roster file. Sections are stored flat (``section_pos`` rows
    ``section_ptr[i]:section_ptr[i + 1]`` are row i's distinct known sections, in plan order);
    goals are stored flat too, one entry per goal of every row.
    """

    section_ptr: np.ndarray        #: (N + 1,) int64
    section_pos: np.ndarray        #: int64 rows of ``CatalogueArrays``' sections
    transport: np.ndarray          #: (N,) int64 bit mask over ``MODES`` (``arrays.mode_set``)
    home: np.ndarray               #: (N,) int64 home zone; ``len(zones)`` when unknown
    levels: np.ndarray             #: (N, C) int64 current level 0-4 per competency
    interest_code: np.ndarray      #: (N,) int64 into ``interest_sets``
    interest_sets: tuple           #: distinct sets of lower-case interest tags
    strength_code: np.ndarray      #: (N,) int64 into ``strength_sets``
    strength_sets: tuple           #: distinct tuples of strengths, as written
    goal_row: np.ndarray           #: int64, one entry per goal
    goal_competency: np.ndarray    #: int64 competency index; -1 when the catalogue lacks it
    goal_level: np.ndarray         #: int64 target level
    goal_day: np.ndarray           #: int64 goal date as days since 1970-01-01
    goal_current: np.ndarray       #: int64 the learner's level now in that competency
    grade: np.ndarray              #: (N,) int64
    home_broadband: np.ndarray     #: (N,) bool
    has_device: np.ndarray         #: (N,) bool: a computer or tablet
    max_travel_minutes: np.ndarray  #: (N,) float
    budget: np.ndarray             #: (N,) float
    max_hours_per_week: np.ndarray  #: (N,) float
    #: (row, competency) pairs with evidence on record, sorted: how many pieces of each kind
    #: of evidence each pair has (K x ``N_KINDS``; the likelihoods come from the parameters when
    #: projecting), and whether the recorded level is the evidence's own
    #: (``domain/evidence.py``). Empty for a roster.
    evidence_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    evidence_competency: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64))
    evidence_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, N_KINDS)))
    evidence_explained: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n(self) -> int:
        """How many learner-plans."""
        return len(self.transport)

    def repeat(self, k: int) -> PlanRows:
        """Every row ``k`` times in a row (row i becomes rows ``i k .. i k + k - 1``); each goal
        entry ``k`` times likewise, so goal ``g``'s copies are entries ``g k .. g k + k - 1``;
        each piece of evidence on record with every copy of its row."""
        k = int(k)
        size = np.diff(self.section_ptr)
        new_size = np.repeat(size, k)
        ptr = np.concatenate(([0], np.cumsum(new_size))).astype(np.int64)
        first = np.repeat(self.section_ptr[:-1], k)
        at = np.arange(int(ptr[-1])) - np.repeat(ptr[:-1], new_size) + np.repeat(first, new_size)
        g_copy = np.tile(np.arange(k, dtype=np.int64), len(self.goal_row))

        def each(a):
            return np.repeat(a, k, axis=0)

        return dataclasses.replace(
            self, section_ptr=ptr, section_pos=self.section_pos[at],
            **{name: each(getattr(self, name)) for name in (
                "transport", "home", "levels", "interest_code", "strength_code", "grade",
                "home_broadband", "has_device", "max_travel_minutes", "budget",
                "max_hours_per_week", "goal_competency", "goal_level", "goal_day",
                "goal_current")},
            goal_row=each(self.goal_row) * k + g_copy,
            # evidence on record goes with every copy of its row
            evidence_row=each(self.evidence_row) * k
            + np.tile(np.arange(k, dtype=np.int64), len(self.evidence_row)),
            **{name: each(getattr(self, name)) for name in (
                "evidence_competency", "evidence_counts", "evidence_explained")})

    def section_rows(self) -> np.ndarray:
        """The row of each entry of ``section_pos``."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.section_ptr))

    @classmethod
    def from_learners(cls, arrays: CatalogueArrays, plans) -> PlanRows:
        """Rows for ``(learner, section_ids)`` pairs; unknown and repeated sections are dropped.

        Parameters
        ----------
        arrays : CatalogueArrays
        plans : iterable of (Learner, list of str)

        Returns
        -------
        PlanRows
        """
        plans = list(plans)
        comps = arrays.competency_ids
        pos, ptr = [], [0]
        levels = np.zeros((len(plans), len(comps)), dtype=np.int64)
        interests: dict[frozenset, int] = {}
        strengths: dict[tuple, int] = {}
        i_code, s_code, goals, ev = [], [], [], []
        for i, (learner, section_ids) in enumerate(plans):
            p = arrays.positions(section_ids)
            pos.append(p)
            ptr.append(ptr[-1] + len(p))
            if learner.levels:
                levels[i] = [learner.level(c) for c in comps]
            i_code.append(interests.setdefault(
                frozenset(x.strip().lower() for x in learner.interests), len(interests)))
            s_code.append(strengths.setdefault(tuple(learner.strengths), len(strengths)))
            for g in learner.goals:
                goals.append((i, arrays.competency_at.get(g.competency_id, -1), int(g.level),
                              (g.by - _EPOCH).days, learner.level(g.competency_id)))
            if learner.evidence:
                for cid, (lk, explained) in evidence_counts(learner.levels,
                                                            learner.evidence).items():
                    c = arrays.competency_at.get(cid)
                    if c is not None:
                        ev.append((i, c, lk, explained))
        learners = [lr for lr, _ in plans]
        g = np.array(goals, dtype=np.int64).reshape(-1, 5)
        ev.sort(key=lambda e: (e[0], e[1]))
        return cls(
            section_ptr=np.array(ptr, dtype=np.int64),
            section_pos=np.concatenate(pos) if pos else np.zeros(0, dtype=np.int64),
            transport=np.array([mode_set(lr.transport) for lr in learners], dtype=np.int64),
            home=np.array([arrays.home_zone(lr.home_zone) for lr in learners], dtype=np.int64),
            levels=levels.clip(0, N_LEVELS - 1),
            interest_code=np.array(i_code, dtype=np.int64), interest_sets=tuple(interests),
            strength_code=np.array(s_code, dtype=np.int64), strength_sets=tuple(strengths),
            goal_row=g[:, 0], goal_competency=g[:, 1], goal_level=g[:, 2], goal_day=g[:, 3],
            goal_current=g[:, 4],
            grade=np.array([lr.grade for lr in learners], dtype=np.int64),
            home_broadband=np.array([lr.home_broadband for lr in learners], dtype=bool),
            has_device=np.array([lr.has_device for lr in learners], dtype=bool),
            max_travel_minutes=np.array([lr.max_travel_minutes for lr in learners], dtype=float),
            budget=np.array([lr.budget for lr in learners], dtype=float),
            max_hours_per_week=np.array([lr.max_hours_per_week for lr in learners], dtype=float),
            evidence_row=np.array([e[0] for e in ev], dtype=np.int64),
            evidence_competency=np.array([e[1] for e in ev], dtype=np.int64),
            evidence_counts=np.array([e[2] for e in ev], dtype=float).reshape(-1, N_KINDS),
            evidence_explained=np.array([e[3] for e in ev], dtype=bool),
        )


# ---- from rows to practice --------------------------------------------------------------------
def attendance(arrays: CatalogueArrays, transport, home, section_pos,
               params: ModelParameters = DEFAULT_PARAMETERS) -> np.ndarray:
    """Expected share of a section's hours attended, for (ways, home, section) triples.

    ``clip(base - travel_penalty x max(0, minutes - free) / 10 - late_penalty x [ends late],
    min_attendance, 1)``, with minutes the fastest one-way trip from home (0 for sections that
    need no travel). A section the learner has no way to get to (inf minutes) is attended not at
    all: 0, not the floor, which is only for sections that can be reached but are hard to.
    """
    sec = np.asarray(section_pos, dtype=np.int64)
    zone = arrays.zone[sec]
    minutes = arrays.reach[transport, home, np.where(zone >= 0, zone, len(arrays.zones))]
    minutes = np.where(arrays.in_person[sec], minutes, 0.0)
    reachable = np.isfinite(minutes)
    extra = np.maximum(0.0, np.where(reachable, minutes, 0.0) - params.free_travel_minutes) / 10.0
    late = arrays.meets[sec] & (arrays.end_min[sec] > params.late_hour * 60)
    att = params.base_attendance - params.travel_penalty_per_10min * extra \
        - params.late_penalty * late
    return np.where(reachable, np.clip(att, params.min_attendance, 1.0), 0.0)


def strength_matches(arrays: CatalogueArrays, strengths,
                     params: ModelParameters = DEFAULT_PARAMETERS
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Does a learner's strength match each opportunity, each competency domain?

    A strength matches an (opportunity, competency) when one of its words (stemmed to 5
    letters, common words dropped) appears in the opportunity's interest tags or title
    (the first array, per opportunity), or names or maps via ``strength_domain_words`` to the
    competency's domain (the second, per domain in ``arrays.domains``).
    """
    by_opp = np.zeros(len(arrays.opportunity_ids), dtype=bool)
    by_dom = np.zeros(len(arrays.domains), dtype=bool)
    for strength in strengths:
        stems = {word_stem(w) for w in text_words(strength)
                 if w not in STOP_WORDS and len(w) >= 3}
        for s in stems:
            hit = arrays.stem_opportunities.get(s)
            if hit is not None:
                by_opp[hit] = True
        text = str(strength).lower()
        # the domains its words map to, worked out once per strength (not once per domain)
        mapped = {dom for key, dom in params.strength_domain_words if key in text}
        for j, d in enumerate(arrays.domains):
            if d in mapped or stems & arrays.domain_stems[j]:
                by_dom[j] = True
    return by_opp, by_dom


def _interest_bits(arrays: CatalogueArrays, interest_sets) -> np.ndarray:
    """Sets of lower-case interest tags as rows of bits (``arrays.tag_bit``)."""
    out = np.zeros((len(interest_sets), arrays.opportunity_tag_bits.shape[1]), dtype=np.uint64)
    at = [(u, b) for u, tags in enumerate(interest_sets) for t in tags
          if (b := arrays.tag_bit.get(t)) is not None]
    if at:
        u, b = np.array(at, dtype=np.int64).T
        np.bitwise_or.at(out, (u, b // 64), np.left_shift(np.uint64(1), (b % 64).astype(np.uint64)))
    return out


class _Practice(NamedTuple):
    """Every (row, section, alignment) that gives practice, in row, plan and file order."""

    row: np.ndarray         # learner-plan row
    competency: np.ndarray  # competency index
    section: np.ndarray     # section row in the catalogue arrays
    alignment: np.ndarray   # alignment index (``arrays.alignment_*``)
    amount: np.ndarray      # practice per hour of the section: attendance x intensity x engagement
    entry: np.ndarray       # the (row, section) entry of ``PlanRows.section_pos`` it comes from


def _practice(arrays: CatalogueArrays, rows: PlanRows, params: ModelParameters) -> _Practice:
    p = params
    rs_row, rs_sec = rows.section_rows(), rows.section_pos
    hours = attendance(arrays, rows.transport[rs_row], rows.home[rs_row], rs_sec, p)
    rs_opp = arrays.opportunity[rs_sec]
    n_o, n_d = len(arrays.opportunity_ids), len(arrays.domains)
    s_match = [strength_matches(arrays, s, p) for s in rows.strength_sets]
    s_opp = np.array([m[0] for m in s_match], dtype=bool).reshape(len(s_match), n_o)
    s_dom = np.array([m[1] for m in s_match], dtype=bool).reshape(len(s_match), n_d)
    # a shared interest: any tag bit in common
    interest = (_interest_bits(arrays, rows.interest_sets)[rows.interest_code[rs_row]]
                & arrays.opportunity_tag_bits[rs_opp]).any(axis=1)
    # every (row, section, alignment): hours x intensity x engagement
    ptr = arrays.alignment_ptr
    n_al = ptr[rs_opp + 1] - ptr[rs_opp]
    x_rs = np.repeat(np.arange(rs_row.size), n_al)
    x_al = ptr[rs_opp][x_rs] + (np.arange(x_rs.size) - np.repeat(np.cumsum(n_al) - n_al, n_al))
    x_row = rs_row[x_rs]
    x_comp = arrays.alignment_competency[x_al]
    s_code = rows.strength_code[x_row]
    strength = s_opp[s_code, rs_opp[x_rs]] | s_dom[s_code, arrays.competency_domain[x_comp]]
    boost = 1.0 + p.interest_boost * interest[x_rs]
    eng = boost + p.strength_boost * strength
    # (attendance x intensity) x engagement per hour; a week's hours multiply it. An hour of an
    # opportunity aligned to k competencies gives each k ** -alignment_overlap of it.
    amount = hours[x_rs] * arrays.alignment_intensity[x_al] * eng
    if p.alignment_overlap > 0:
        amount = amount * n_al[x_rs].astype(float) ** -p.alignment_overlap
    return _Practice(x_row, x_comp, rs_sec[x_rs], x_al, amount, x_rs)


def week_hours(arrays: CatalogueArrays, week_days: np.ndarray, sections: np.ndarray) -> np.ndarray:
    """(weeks, entries): the hours each section takes in each week starting on ``week_days``.

    The ledger's rule (``CatalogueArrays.hours_in_weeks``): a meeting counts when its date falls
    inside the section's dates, self-paced hours in any week the section runs on some day. So a
    Tuesday-Thursday workshop counts in the week it meets even though no Monday of it falls in
    its dates. Weeks on the catalogue's own Monday grid are read from ``arrays.hours``.
    """
    return _hours_rows(arrays, week_days, sections).T


def _hours_rows(arrays: CatalogueArrays, week_days, sections) -> np.ndarray:
    """``week_hours`` laid out (entries, weeks), each entry's weeks contiguous."""
    days = np.asarray(week_days, dtype=np.int64)
    sections = np.asarray(sections, dtype=np.int64)
    grid = arrays.weeks
    if grid.size and days.size and not ((days - grid[0]) % 7).any():
        idx = (days - grid[0]) // 7
        inside = (idx >= 0) & (idx < grid.size)
        out = np.zeros((sections.size, days.size))
        if inside.all() and (np.diff(idx) == 1).all():
            out[:] = arrays.hours[sections, idx[0]:idx[-1] + 1]
        elif inside.any():
            # no section runs outside the catalogue's weeks
            out[:, inside] = arrays.hours[np.ix_(sections, idx[inside])]
        return out
    return arrays.hours_in_weeks(sections, days)


def _segments(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted keys: the distinct keys and where each run starts (for ``reduceat``)."""
    if keys.size == 0:
        return keys, np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], starts


def per_row(n: int, rows: np.ndarray, values: np.ndarray, ufunc=np.add) -> np.ndarray:
    """Reduce ``values`` (sorted by ``rows``) per row into an array of ``n`` rows (0 elsewhere).

    Each row's values are reduced in order (the same sums as a loop would make).
    """
    out = np.zeros((n, *values.shape[1:]), dtype=values.dtype)
    keys, starts = _segments(rows)
    if not keys.size:
        return out
    if values.ndim == 1:
        out[keys] = ufunc.reduceat(values, starts)
        return out
    # Rows of values (a section's hours in every week): a row holds a few of them, so they are
    # reduced rank by rank, the first of every row, then the second, ... (each row's in order,
    # whole rows at a time: half the time of a transposed reduceat, which also did not add
    # them in order)
    rank = np.arange(rows.size) - np.repeat(starts, np.diff(np.append(starts, rows.size)))
    out[keys] = values[starts]
    for r in range(1, int(rank.max()) + 1):
        at = np.flatnonzero(rank == r)
        out[rows[at]] = ufunc(out[rows[at]], values[at])
    return out


@dataclass(frozen=True)
class PlanProjections:
    """The kernel's answer for many learner-plans: a level distribution per practised pair.

    Pairs are the (row, competency) combinations some section of the row's plan is aligned
    to, sorted by row then competency; every other competency of a row stays at its current
    level all along.
    """

    week_starts: pd.DatetimeIndex  #: the W + 1 Mondays; index 0 is now
    levels: np.ndarray             #: (N, C) current levels
    pair_row: np.ndarray           #: (P,)
    pair_competency: np.ndarray    #: (P,)
    distribution: np.ndarray       #: (W + 1, 5, P) level distributions, columns in kernel order
    pair_column: np.ndarray        #: (P,) each pair's column in ``distribution``
    goal_probability: np.ndarray   #: chance of each goal entry of the rows by its date

    @property
    def n(self) -> int:
        return len(self.levels)

    @property
    def pair_start(self) -> np.ndarray:
        """Each pair's level now."""
        return self.levels[self.pair_row, self.pair_competency]

    def end_distribution(self) -> np.ndarray:
        """(P, 5): each pair's level distribution at the end of the horizon."""
        return self.distribution[-1][:, self.pair_column].T

    def expected_credits(self, end: np.ndarray | None = None) -> np.ndarray:
        """(N,): expected competencies at Proficient or above at the end of the horizon."""
        end = self.end_distribution() if end is None else end
        p_prof = np.clip(end[:, PROFICIENT:].sum(axis=-1), 0.0, 1.0)
        already = (self.levels >= PROFICIENT).sum(axis=1).astype(float)
        return already + per_row(self.n, self.pair_row, p_prof - (self.pair_start >= PROFICIENT))

    def dense(self, row: int) -> np.ndarray:
        """(W + 1, C, 5): one row's distribution over every competency, as ``Projection`` has."""
        n_w1 = len(self.week_starts)
        point = np.eye(N_LEVELS)[self.levels[row]]                           # C x 5
        out = np.empty((n_w1, *point.shape))
        out[...] = point[None]
        lo, hi = np.searchsorted(self.pair_row, [row, row + 1])
        cols = self.pair_column[lo:hi]
        out[:, self.pair_competency[lo:hi], :] = self.distribution[:, :, cols].transpose(0, 2, 1)
        return out


def project_many(arrays: CatalogueArrays, rows: PlanRows, week_starts,
                 params: ModelParameters = DEFAULT_PARAMETERS,
                 scale=None) -> PlanProjections:
    """Project many learner-plans at once: the one projection kernel (``project`` is one row).

    Each week, the practice a row gets on a competency (hours x attendance x intensity x
    engagement, summed over its plan's sections in plan order) moves it up at most one level
    with ``T = 1 - (1 - t)^n`` (``evolve_pairs``). Rows do not interact: the result for a row is
    the same in any batch, which is what lets a district run split a roster into chunks.

    Parameters
    ----------
    arrays : CatalogueArrays
        ``catalogue_arrays(catalogue)``.
    rows : PlanRows
        The learner-plans.
    week_starts : DatetimeIndex
        The W + 1 Mondays of the projection (``week_grid``); practice in week w comes from
        every section whose dates contain Monday ``week_starts[w]``.
    params : ModelParameters
    scale : float or array of shape (N,), optional
        A multiplier on every ``n log(1 - t)`` of each row (of all rows for a number): one draw
        of the parameters (``range_multipliers``); rows repeated with different scales are
        the draws of ``project_ranges``.

    Returns
    -------
    PlanProjections
    """
    return _run(_prepare(arrays, rows, week_starts, params), scale)


def project_many_scaled(arrays: CatalogueArrays, rows: PlanRows, week_starts,
                        params: ModelParameters = DEFAULT_PARAMETERS,
                        scales=(None,), end_only: bool = False) -> Iterator[PlanProjections]:
    """``project_many`` once per scale in ``scales`` (each a number, an (N,) array or None),
    one after another: what does not depend on the scale (practice, hours, idle weeks, starts,
    goals) is worked out once. Each answer equals ``project_many(..., scale=s)`` exactly; they
    are yielded one at a time so a caller can let each go before the next is made.

    With ``end_only`` each answer's ``distribution`` is the last week's alone, shape
    (1, 5, P): enough for ``end_distribution``, ``expected_credits`` and the goals' chances
    (worked out in their own weeks, the same numbers), not for ``dense``. The kernel then never
    holds more than one week, updated in place: a third quicker on a large batch.
    """
    prep = _prepare(arrays, rows, week_starts, params)
    plan = _week_plan(prep) if end_only else None
    for s in scales:
        yield _run(prep, s, end_only, plan)


class _Prepared(NamedTuple):
    """The kernel's work that does not depend on a draw's multiplier (``_prepare``)."""

    rows: PlanRows
    params: ModelParameters
    week_starts: pd.DatetimeIndex
    n_w: int
    pair_key: np.ndarray
    pair_row: np.ndarray
    pair_comp: np.ndarray
    rates: np.ndarray
    n_1: int
    n_z: int
    n_m: int
    first_1: np.ndarray
    # practice is kept as it counts after saturating within the week (``effective_practice``),
    # worked out once for every multiplier
    usual_amount: np.ndarray      # (1, 4, n1): a single section's usual week's practice by step
    usual_weeks: np.ndarray       # W x n1
    odd_p: np.ndarray
    odd_w: np.ndarray
    odd_amount: np.ndarray        # (1, 4, odd): the odd weeks' practice
    first_m: np.ndarray
    practice_m: np.ndarray | None  # W x 4 x m
    begin: np.ndarray
    idle: np.ndarray | None
    column: np.ndarray
    g_week: np.ndarray
    pair_at: np.ndarray
    has: np.ndarray
    reached: np.ndarray
    sure: np.ndarray


def _prepare(arrays: CatalogueArrays, rows: PlanRows, week_starts,
             params: ModelParameters) -> _Prepared:
    """Everything of ``project_many`` before the multiplier enters (see there)."""
    if not isinstance(week_starts, pd.DatetimeIndex):
        week_starts = pd.DatetimeIndex(week_starts)
    n_c = len(arrays.competency_ids)
    n_w = len(week_starts) - 1
    ns = week_starts.as_unit("ns").asi8
    x = _practice(arrays, rows, params)
    # practice per (row, competency) pair, summed in plan order (the order of the entries)
    key = x.row * n_c + x.competency
    order = np.argsort(key, kind="stable")
    practised, starts = _segments(key[order])
    sizes = np.diff(np.append(starts, order.size)).astype(np.intp)
    # pairs with evidence on record are pairs too, practised or not: they start from a
    # distribution (the recorded level filtered through the evidence)
    ev_key = rows.evidence_row * n_c + rows.evidence_competency
    pair_key = np.union1d(practised, ev_key) if ev_key.size else practised
    at = np.searchsorted(pair_key, practised)      # each practised pair's place among all
    pair_row, pair_comp = pair_key // max(n_c, 1), pair_key % max(n_c, 1)
    start = rows.levels[pair_row, pair_comp]
    rates = learn_rates(arrays, params)
    hours = _hours_rows(arrays, ns[:-1] // 86_400_000_000_000, rows.section_pos)  # RS x W
    forgets = params.forget_rate > 0
    # Most pairs get practice from one section only: no sums needed. Those pairs go first;
    # pairs with several sections get week-by-week sums in plan order. Pairs that can forget
    # (some idle week, not already at the top) sit together in the middle, so that forgetting
    # runs on one block of columns.
    single = sizes == 1
    n_1, n_p, n_m = int(single.sum()), pair_key.size, int((~single).sum())
    n_z = n_p - n_1 - n_m                          # pairs with evidence and no practice
    first_1 = at[single]
    one = order[starts[single]]
    steps_1 = arrays.alignment_steps[x.alignment[one]]                    # n1 x 4
    # A single section's pair gets its weeks from its (row, section) entry's hours: what depends
    # on them alone is worked out once per entry (an entry has a pair per alignment), then read
    # off for the pairs.
    if forgets and n_w:
        # a single section's pair is idle in the weeks the section takes no hours (or always,
        # when its alignment covers no level step)
        zero = hours == 0                                                  # RS x W
        no_step = ~steps_1.any(axis=1)
        can = (zero.any(axis=1)[x.entry[one]] | no_step) & (start[first_1] < N_LEVELS - 1)
        by = np.argsort(can, kind="stable")
        first_1, one, steps_1, no_step = first_1[by], one[by], steps_1[by], no_step[by]
    e_1 = x.entry[one]
    if forgets and n_w:
        idle_1 = zero[e_1] | no_step[:, None]                               # n1 x W
    # A single section takes the same hours in most weeks it runs: its weekly chances are worked
    # out once for those weeks (one expm1 per pair) and again only for the odd weeks (a first
    # or last week cut short). (Always on contiguous blocks: numpy's vector expm1 and its
    # strided loop may round differently, and a row must get the same numbers in any batch.)
    full_rs = hours.max(axis=1) if n_w else np.zeros(hours.shape[0])
    usual_rs = hours == full_rs[:, None]                                   # RS x W
    odd_rs = ~usual_rs & (hours > 0)
    on_steps = steps_1.T                                                   # 4 x n1
    usual_amount = effective_practice(
        (full_rs[e_1] * x.amount[one])[None, None, :] * on_steps[None], params)
    usual_weeks = np.ascontiguousarray(usual_rs[e_1].T)                    # W x n1
    with_odd = np.flatnonzero(odd_rs.any(axis=1)[e_1])
    odd_p, odd_w = np.nonzero(odd_rs[e_1[with_odd]])
    odd_p = with_odd[odd_p]
    odd_amount = effective_practice((hours[e_1[odd_p], odd_w] * x.amount[one][odd_p])
                                    [None, None, :] * on_steps[:, odd_p][None], params) \
        if odd_w.size else None
    del usual_rs, odd_rs
    first_z = np.setdiff1d(np.arange(n_p), at, assume_unique=True) if n_z else at[:0]
    first_m = at[~single]
    practice = None
    if n_m:
        # every contribution of these pairs, pair after pair and in plan order within a pair,
        # one row (weeks x steps) each: the sums run over whole contiguous rows
        many = np.repeat(~single, sizes)
        pick = order[many]
        rank = (np.arange(order.size) - np.repeat(starts, sizes))[many]
        m_pair = np.repeat(np.arange(n_m), sizes[~single])
        # a contribution is its hours x its amount on the steps its alignment covers, 0 on the
        # others (the steps are 0 or 1, so the order of the two products does not matter)
        each = hours[x.entry[pick]] * x.amount[pick][:, None]                # k x W
        on = arrays.alignment_steps[x.alignment[pick]]                       # k x 4
        by = np.arange(n_m)
        if forgets and n_w:
            # idle in a week no contribution practises a step in (every term is >= 0, so a sum
            # is 0 exactly when each of its terms is); pairs that can forget go first
            acts = (each != 0) & on.any(axis=1)[:, None]
            idle_m = ~np.logical_or.reduceat(acts, np.flatnonzero(rank == 0), axis=0)  # m x W
            by = np.argsort(~(idle_m.any(axis=1) & (start[first_m] < N_LEVELS - 1)),
                            kind="stable")
            first_m, idle_m = first_m[by], idle_m[by]
        new_of = np.empty(n_m, dtype=np.intp)
        new_of[by] = np.arange(n_m)
        on = on.astype(float)
        # one contribution per pair at each rank, added in plan order, pairs in their new order:
        # every pair has a first and a second (0 + x is x: the first is the sum so far)
        at = np.flatnonzero(rank == 0)[by]
        by_pair = each[at][:, :, None] * on[at][:, None, :]                 # m x W x 4
        at = np.flatnonzero(rank == 1)[by]
        by_pair += each[at][:, :, None] * on[at][:, None, :]
        for r in range(2, int(rank.max()) + 1):
            at = np.flatnonzero(rank == r)
            by_pair[new_of[m_pair[at]]] += each[at][:, :, None] * on[at][:, None, :]
        del each
        practice = effective_practice(np.ascontiguousarray(by_pair.transpose(1, 2, 0)), params)
        del by_pair
    perm = np.concatenate((first_1, first_z, first_m))
    if ev_key.size:
        begin = np.eye(N_LEVELS)[:, start]                                  # 5 x P
        begin[:, np.searchsorted(pair_key, ev_key)] = start_distributions(
            rows.levels[rows.evidence_row, rows.evidence_competency],
            counts_likelihood(rows.evidence_counts, params),
            rows.evidence_explained, params.recorded_level_spread).T
        begin = begin[:, perm]
    else:
        begin = start[perm]
    idle = None
    if forgets and n_w:
        idle = np.ones((n_p, n_w), dtype=bool)     # pairs with evidence only: always idle
        idle[:n_1] = idle_1
        if n_m:
            idle[n_1 + n_z:] = idle_m
        idle = idle.T
    column = np.empty(n_p, dtype=np.intp)
    column[perm] = np.arange(n_p)
    # goals: the row whose Monday starts the week of the goal date (the last when beyond)
    first = int(ns[0] // 86_400_000_000_000) if len(ns) else 0   # its day number
    g_week = np.clip((rows.goal_day - first) // 7, 0, n_w)
    g_comp = rows.goal_competency
    # pair keys are sorted and distinct: find each goal's pair (if practised) by bisection
    wanted = rows.goal_row * n_c + g_comp
    pair_at = np.minimum(np.searchsorted(pair_key, wanted), max(n_p - 1, 0))
    has = (g_comp >= 0) & (n_p > 0)
    if n_p:
        has &= pair_key[pair_at] == wanted
    reached = np.arange(N_LEVELS)[None, :] >= rows.goal_level[has][:, None]
    # a goal at or below the recorded level is reached, unless evidence makes the level uncertain
    sure = rows.goal_current >= rows.goal_level
    if ev_key.size:
        sure &= ~np.isin(wanted, ev_key)
    return _Prepared(rows, params, week_starts, n_w, pair_key, pair_row, pair_comp, rates, n_1,
                     n_z, n_m, first_1, usual_amount, usual_weeks, odd_p, odd_w, odd_amount,
                     first_m, practice, begin, idle, column, g_week, pair_at, has, reached, sure)


def _run(prep: _Prepared, scale, end_only: bool = False,
         plan: _WeekPlan | None = None) -> PlanProjections:
    """The rest of ``project_many`` under one multiplier ``scale`` (see there); with
    ``end_only`` the distribution kept is the last week's alone (``project_many_scaled``),
    its columns in ``plan``'s order (``_week_plan``)."""
    s, params, rows = prep, prep.params, prep.rows
    n_1, n_z, n_p = s.n_1, s.n_z, s.pair_key.size
    log_keep = np.log1p(-s.rates[s.pair_comp].T)                           # 4 x P, pair order
    if scale is not None:
        # a draw of the parameters: a multiplier on n log(1 - t) per row (forgetting is not
        # drawn: it acts on idle weeks, where there is no practice to scale)
        log_keep *= np.broadcast_to(np.asarray(scale, dtype=float), (rows.n,))[s.pair_row]
    keep_1 = np.ascontiguousarray(log_keep[:, s.first_1])
    # the practice is already effective practice (``_prepare``): BKT's chances of it
    usual = step_chances(s.usual_amount, keep_1)
    odd = step_chances(s.odd_amount, np.ascontiguousarray(keep_1[:, s.odd_p])) \
        if s.odd_w.size else None
    keep_m = np.ascontiguousarray(log_keep[:, s.first_m]) if s.n_m else None
    column = s.column
    if end_only:
        # only the columns that can change in a week are updated in it (``_week_plan``), with
        # the step chances made week by week, and each goal's column copied out in its own week
        plan = _week_plan(s) if plan is None else plan
        column = plan.column
        g_week, g_col = s.g_week[s.has], column[s.pair_at[s.has]]
        capture = {int(w): g_col[g_week == w] for w in np.unique(g_week)}
        dist, got = evolve_pairs(plan.begin, _PlannedSteps(s, plan, usual, odd, keep_m),
                                 forget=params.forget_rate, capture=capture)  # 1 x 5 x P
        at_goal = np.empty((g_week.size, N_LEVELS))
        for w, part in got.items():
            at_goal[g_week == w] = part.T
    else:
        step = np.empty((s.n_w, N_STEPS, n_p))
        np.multiply(s.usual_weeks[:, None, :], usual, out=step[:, :, :n_1])
        if odd is not None:
            step[s.odd_w, :, s.odd_p] = odd[0].T
        step[:, :, n_1:n_1 + n_z] = 0.0
        if s.n_m:
            step[:, :, n_1 + n_z:] = step_chances(s.practice_m, keep_m)
        dist = evolve_pairs(s.begin, step, forget=params.forget_rate, idle=s.idle)  # W+1 x 5 x P
        del step
        at_goal = dist[s.g_week[s.has], :, s.column[s.pair_at[s.has]]]
    prob = np.zeros(rows.goal_competency.size)
    prob[s.has] = np.clip(np.where(s.reached, at_goal, 0.0).sum(axis=1), 0.0, 1.0)
    prob = np.where(s.sure, 1.0, prob)
    return PlanProjections(week_starts=s.week_starts, levels=rows.levels, pair_row=s.pair_row,
                           pair_competency=s.pair_comp, distribution=dist, pair_column=column,
                           goal_probability=prob)


class _WeekPlan(NamedTuple):
    """Which columns can change in which week, for ``_run``'s end-only runs (``_week_plan``).

    Columns are reordered: first the *general* pairs, updated every week with their step
    chances made week by week (pairs with several sections, with evidence, with a cut-short
    week, ...), then the *interval* pairs, then the pairs that never change. An interval pair
    gets practice from one section whose usual weeks are one run of weeks ``[first, last]``, at
    the same chances each of those weeks, and starts at a point mass: before ``first`` nothing
    moves it (no practice, and no mass above its floor to forget), from ``first`` to ``last``
    it takes its usual step and cannot forget, after ``last`` it can only forget. Interval pairs
    are sorted by (last, first), so in a week the ones that forget are one block and the ones
    that practise a few blocks. A pair that never changes starts at a point mass from which its
    plan practises no step (top level, or no practice at all, as when a section cannot be
    reached). Skipped updates are updates that would add and subtract zeros: the numbers are
    those of the full run, bit for bit."""

    perm: np.ndarray         # new column -> column of ``_prepare``'s order
    column: np.ndarray       # pair -> new column
    begin: np.ndarray        # the starts in the new order
    n_g: int                 # general columns [0, n_g)
    g_single: np.ndarray     # the general singles, as indices among ``_prepare``'s singles
    g_usual_weeks: np.ndarray  # W x general singles
    g_idle: np.ndarray | None  # W x n_g
    g_any_idle: np.ndarray | None  # W
    odd_g: np.ndarray        # each odd-week entry's column among the general columns
    odd_order: np.ndarray
    odd_at: np.ndarray
    interval: np.ndarray     # interval pairs in order, as indices among the singles
    practise: tuple          # per week: ((lo, hi), ...) interval columns that practise
    forgetting: tuple        # per week: (lo, hi) interval columns that may forget, or None


def _week_plan(s: _Prepared) -> _WeekPlan:
    """``_WeekPlan`` of a prepared run (it does not depend on the multiplier)."""
    n_w, n_1, n_z, n_m = s.n_w, s.n_1, s.n_z, s.n_m
    n_p = s.pair_key.size
    forgets = s.idle is not None
    if s.begin.ndim == 1:
        point = np.ones(n_p, dtype=bool)
        level = s.begin.astype(np.intp)
    else:
        point = s.begin.max(axis=0) == 1.0
        level = s.begin.argmax(axis=0)
    uw = s.usual_weeks                                                    # W x n1
    has_odd = np.zeros(n_1, dtype=bool)
    has_odd[s.odd_p] = True
    lv1 = level[:n_1]
    # a step that can move the mass: one at or above the starting level with practice
    moves = ((s.usual_amount[0] > 0) & (np.arange(N_STEPS)[:, None] >= lv1[None])).any(axis=0)
    plain = point[:n_1] & ~has_odd
    static = plain & ~moves
    if n_w:
        count = uw.sum(axis=0)
        first = uw.argmax(axis=0)
        last = n_w - 1 - uw[::-1].argmax(axis=0)
        interval = plain & moves & (count > 0) & (count == last - first + 1)
        if forgets:
            # idle exactly outside its weeks (so it never forgets while it practises)
            interval &= (s.idle[:, :n_1] != uw).all(axis=0)
    else:
        first = last = np.zeros(n_1, dtype=np.intp)
        interval = np.zeros(n_1, dtype=bool)
    g_single = np.flatnonzero(~static & ~interval)
    by = np.lexsort((first[interval], last[interval]))
    inter = np.flatnonzero(interval)[by]
    f_i, l_i = first[inter], last[inter]
    perm = np.concatenate((g_single, np.arange(n_1, n_p), inter,
                           np.flatnonzero(static))).astype(np.intp)
    n_g = g_single.size + n_z + n_m
    inverse = np.empty(n_p, dtype=np.intp)
    inverse[perm] = np.arange(n_p)
    begin = s.begin[perm] if s.begin.ndim == 1 else s.begin[:, perm]
    g_idle = g_any = None
    if forgets:
        g_idle = np.ascontiguousarray(s.idle[:, perm[:n_g]])
        g_any = g_idle.any(axis=1)
    pos = np.full(n_1, -1, dtype=np.intp)
    pos[g_single] = np.arange(g_single.size)
    odd_order = np.argsort(s.odd_w, kind="stable")
    practise, forgetting = [], []
    for w in range(n_w):
        on = np.concatenate(([False], (f_i <= w) & (l_i >= w), [False]))
        edge = np.flatnonzero(on[1:] != on[:-1])
        practise.append(tuple(zip((edge[0::2] + n_g).tolist(), (edge[1::2] + n_g).tolist(),
                                  strict=True)))
        gone = int(np.searchsorted(l_i, w))         # interval pairs past their last week
        forgetting.append((n_g, n_g + gone) if forgets and gone else None)
    return _WeekPlan(perm, inverse[s.column], begin, n_g, g_single,
                     np.ascontiguousarray(uw[:, g_single]), g_idle, g_any, pos[s.odd_p],
                     odd_order, np.searchsorted(s.odd_w[odd_order], np.arange(n_w + 1)),
                     inter, tuple(practise), tuple(forgetting))


class _PlannedSteps:
    """``_run``'s week ranges for ``evolve_pairs`` (``_week_plan``): the general columns' step
    chances for every week, made as the full (W, 4, P) array's columns are (the same operations
    on the same inputs, in one go for the run), and the interval pairs' usual chances for the
    weeks they practise (no per-week array for them at all)."""

    def __init__(self, s: _Prepared, plan: _WeekPlan, usual: np.ndarray, odd: np.ndarray | None,
                 keep_m: np.ndarray | None):
        n_w, n_g, g_1 = s.n_w, plan.n_g, plan.g_single.size
        self.shape = (n_w, N_STEPS, s.pair_key.size)
        step = np.zeros((n_w, N_STEPS, n_g))   # the pairs with evidence only stay at 0
        np.multiply(plan.g_usual_weeks[:, None, :], usual[0][:, plan.g_single][None],
                    out=step[:, :, :g_1])
        if odd is not None:
            step[s.odd_w, :, plan.odd_g] = odd[0].T
        if s.n_m:
            step[:, :, n_g - s.n_m:] = step_chances(s.practice_m, keep_m)
        usual_i = np.ascontiguousarray(usual[0][:, plan.interval])
        self.weeks = []
        for w in range(n_w):
            moves = [(0, n_g, step[w])] if n_g else []
            moves += [(lo, hi, usual_i[:, lo - n_g:hi - n_g]) for lo, hi in plan.practise[w]]
            slips = [(0, n_g, plan.g_idle[w])] if plan.g_any_idle is not None \
                and plan.g_any_idle[w] else []
            if plan.forgetting[w] is not None:
                slips.append((*plan.forgetting[w], None))
            self.weeks.append((moves, slips))

    def ranges(self, w: int):
        return self.weeks[w]


@dataclass(frozen=True)
class RangeProjections:
    """The kernel's answer with what we do not know about the parameters: ``RANGE_DRAWS``
    draws of them (``range_multipliers``) for every learner-plan.

    ``mean`` has the shape of a plain projection: each pair's level distribution is the mean
    over draws (so its quantile bands are wider than one draw's) and each goal's chance the
    mean chance over draws. ``*_low`` and ``*_high`` are the 10th and 90th percentiles over
    draws of each draw's own number (``range_bounds``); ``*_point`` is the number at the
    central parameters (multiplier 1).
    """

    mean: PlanProjections
    goal_low: np.ndarray          #: per goal entry
    goal_high: np.ndarray
    goal_point: np.ndarray
    credits: np.ndarray           #: (N, D) expected credits of each row in each draw
    credits_point: np.ndarray     #: (N,)
    end_draws: np.ndarray         #: (D, P, 5) each pair's level distribution at the end, per draw
    multipliers: np.ndarray       #: (D,) the draws, ascending

    @property
    def goal_probability(self) -> np.ndarray:
        return self.mean.goal_probability

    def credit_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(N,) 10th and 90th percentiles of the expected credits over draws."""
        return range_bounds(self.credits, axis=1)


def project_ranges(arrays: CatalogueArrays, rows: PlanRows, week_starts,
                   params: ModelParameters = DEFAULT_PARAMETERS, draws: int = RANGE_DRAWS,
                   seed: int = RANGE_SEED) -> RangeProjections:
    """``project_many`` over draws of the parameters: each row repeated once per draw plus once
    at the central values, all in one kernel call (a draw is more rows, not another call).

    Returns
    -------
    RangeProjections
    """
    mult = range_multipliers(params, draws, seed)
    k = len(mult) + 1                       # copy 0: the central parameters
    scale = np.tile(np.concatenate(([1.0], mult)), rows.n)
    big = project_many(arrays, rows.repeat(k), week_starts, params, scale=scale)
    # the pairs of row i's copies are those of copy 0, in the same order, one copy after another
    copy0 = big.pair_row % k == 0
    pair_row, pair_comp = big.pair_row[copy0] // k, big.pair_competency[copy0]
    n_p = pair_row.size
    q = np.bincount(pair_row, minlength=rows.n)                    # pairs per row
    row_start = np.concatenate(([0], np.cumsum(q)))[:-1]           # in the original pairs
    local = np.arange(n_p) - row_start[pair_row]
    at = (k * row_start[pair_row] + local)[:, None] + (q[pair_row][:, None]
                                                      * np.arange(k)[None])   # P x k
    cols = big.pair_column[at]
    mixture = big.distribution[:, :, cols[:, 1:]].mean(axis=-1)   # W+1 x 5 x P
    goals = big.goal_probability.reshape(-1, k)
    lo, hi = range_bounds(goals[:, 1:], axis=1)
    end = big.distribution[-1][:, cols].transpose(2, 1, 0)         # k x P x 5
    credits = big.expected_credits().reshape(rows.n, k)
    mean = PlanProjections(week_starts=big.week_starts, levels=rows.levels, pair_row=pair_row,
                           pair_competency=pair_comp, distribution=mixture,
                           pair_column=np.arange(n_p),
                           goal_probability=goals[:, 1:].mean(axis=1))
    return RangeProjections(mean=mean, goal_low=lo, goal_high=hi, goal_point=goals[:, 0].copy(),
                            credits=credits[:, 1:], credits_point=credits[:, 0].copy(),
                            end_draws=end[1:], multipliers=mult)


# ---- one learner's plan ----------------------------------------------------------------------
def section_attendance(catalogue: Catalogue, learner: Learner, section_ids,
                       params: ModelParameters = DEFAULT_PARAMETERS) -> pd.Series:
    """Expected share of each section's hours the learner attends, in [min_attendance, 1].

    ``attendance`` for the plan's known sections (see there for the rule).
    """
    A = catalogue_arrays(catalogue)
    ids = A.known(section_ids)
    if not ids:
        return pd.Series(dtype=float, name="attendance")
    pos = A.positions(ids)
    att = attendance(A, mode_set(learner.transport), A.home_zone(learner.home_zone), pos, params)
    return pd.Series(att, index=pd.Index(ids, name="section_id"), name="attendance")


def engagement(catalogue: Catalogue, learner: Learner, opportunity_id: str, competency_id: str,
               params: ModelParameters = DEFAULT_PARAMETERS) -> float:
    """``1 + interest_boost x [shared interest] + strength_boost x [strength matches]``.

    A strength matches when one of its words (stemmed to 5 letters, common words dropped)
    appears in the opportunity's interest tags or title, or when it names or maps (via
    ``strength_domain_words``) to the competency's domain.
    """
    A = catalogue_arrays(catalogue)
    o = A.opportunity_at[opportunity_id]
    interests = {x.strip().lower() for x in learner.interests}
    interest = bool(A.opportunity_tags[o] & interests)
    by_opp, by_dom = strength_matches(A, learner.strengths, params)
    c = A.competency_at.get(competency_id)
    domain = A.competency_domain[c] if c is not None else -1
    strong = bool(by_opp[o] or (domain >= 0 and by_dom[domain]))
    return 1.0 + params.interest_boost * interest + params.strength_boost * strong


def practice_array(catalogue: Catalogue, learner: Learner, section_ids, week_starts,
                   params: ModelParameters = DEFAULT_PARAMETERS) -> np.ndarray:
    """Practice toward each transition, shape (W, C, 4), for one learner's plan.

    ``week_starts`` are the W + 1 Mondays of the projection; practice in week w comes from the
    hours each section takes in that week on the days it meets inside its dates (``week_hours``,
    the ledger's rule), times attendance, intensity and engagement. Opportunity o counts toward
    k -> k+1 only for ``min_level <= k < max_level``. These are the numbers ``project_many``
    works from (before the week's practice saturates, which ``evolve(..., params=)`` applies).
    """
    A = catalogue_arrays(catalogue)
    ns = pd.DatetimeIndex(week_starts).as_unit("ns").asi8
    out = np.zeros((max(len(ns) - 1, 0), len(A.competency_ids), N_STEPS))
    if len(ns) <= 1:
        return out
    rows = PlanRows.from_learners(A, [(learner, section_ids)])
    x = _practice(A, rows, params)
    hours = week_hours(A, ns[:-1] // 86_400_000_000_000, rows.section_pos)
    for j in range(len(x.amount)):
        out[:, x.competency[j], :] += np.outer(hours[:, x.entry[j]],
                                               A.alignment_steps[x.alignment[j]]) * x.amount[j]
    return out


# ---- the projection ---------------------------------------------------------------------------
def _quantile_level(dist: np.ndarray, q: float, cdf: np.ndarray | None = None) -> np.ndarray:
    """Smallest level whose cumulative probability reaches q (the q-quantile of the level).

    ``cdf`` is ``np.cumsum(dist, axis=-1)`` if already worked out (for several quantiles).
    """
    if cdf is None:
        cdf = np.cumsum(dist, axis=-1)
    return (cdf < q - 1e-9).sum(axis=-1).clip(0, N_LEVELS - 1)


@dataclass
class Projection:
    """Where one learner is likely to be, week by week, in every competency, under one plan."""

    week_starts: pd.DatetimeIndex
    competency_ids: list[str]
    distribution: np.ndarray
    competencies: pd.DataFrame = field(repr=False)
    current_levels: np.ndarray = field(repr=False)
    goals: pd.DataFrame = field(repr=False)
    end_draws: np.ndarray | None = field(default=None, repr=False)
    """(D, C, 5): the level distribution at the end in each draw of the parameters
    (``project_ranges``); ``distribution`` is the mean over the same draws. None: the central
    parameters only."""

    def end_at_least(self, level: int) -> np.ndarray:
        """(D, C): P(level >= ``level``) at the end in each draw ((1, C) without draws)."""
        end = self.distribution[-1][None] if self.end_draws is None else self.end_draws
        if int(level) <= 0:
            return np.ones(end.shape[:2])
        return np.clip(end[..., int(level):].sum(axis=-1), 0.0, 1.0)

    def credit_draws(self) -> np.ndarray:
        """(D,): expected competency credits at the end in each draw (one value without draws)."""
        return self.end_at_least(PROFICIENT).sum(axis=1)

    @property
    def expected(self) -> np.ndarray:
        """Expected level (0-4), shape (W+1, C)."""
        return self.distribution @ np.arange(N_LEVELS, dtype=float)

    def p_at_least(self, level: int) -> np.ndarray:
        """P(level >= ``level``), shape (W+1, C)."""
        level = int(level)
        if level <= 0:
            return np.ones(self.distribution.shape[:2])
        return np.clip(self.distribution[..., level:].sum(axis=-1), 0.0, 1.0)

    @property
    def median_week_proficient(self) -> dict[str, dt.date | None]:
        """First Monday at which P(Proficient or above) >= 0.5, per competency (None: not
        within the horizon)."""
        p = self.p_at_least(PROFICIENT) >= 0.5
        first = p.argmax(axis=0)
        out = {}
        for i, cid in enumerate(self.competency_ids):
            out[cid] = self.week_starts[first[i]].date() if p[first[i], i] else None
        return out

    def summary(self) -> pd.DataFrame:
        """One row per competency: where the learner is now and is likely to be at the end
        (``p_proficient_end`` with its 80% interval over draws of the parameters)."""
        med = self.median_week_proficient
        low, high = range_bounds(self.end_at_least(PROFICIENT), axis=0)
        return pd.DataFrame({
            "competency_id": self.competency_ids,
            "name": self.competencies["name"].to_numpy(),
            "domain": self.competencies["domain"].to_numpy(),
            "current_level": self.current_levels.astype(int),
            "expected_end": self.expected[-1],
            "p_proficient_end": self.p_at_least(PROFICIENT)[-1],
            "p_proficient_end_low": low, "p_proficient_end_high": high,
            "median_date_proficient": [med[c] for c in self.competency_ids],
        })

    def trajectories(self) -> pd.DataFrame:
        """Long table: week, competency, expected level and 10th-90th percentile band."""
        return pd.DataFrame(self._trajectory_columns())

    def _trajectory_columns(self, expected: np.ndarray | None = None,
                            p_proficient: np.ndarray | None = None, *,
                            text: bool = True) -> dict[str, np.ndarray]:
        """The columns of ``trajectories`` as arrays (a comparison stacks several plans' own).

        With ``text=False`` the competency id and name columns are left out: a comparison
        builds them once for all its plans.
        """
        n_w, n_c = self.distribution.shape[:2]
        expected = self.expected if expected is None else expected
        p_proficient = self.p_at_least(PROFICIENT) if p_proficient is None else p_proficient
        cdf = np.cumsum(self.distribution, axis=-1)
        columns = {"week": np.repeat(self.week_starts.to_numpy(), n_c)}
        if text:
            columns["competency_id"] = np.tile(np.asarray(self.competency_ids, dtype=object), n_w)
            columns["name"] = np.tile(self.competencies["name"].to_numpy(dtype=object), n_w)
        columns.update({
            "expected": expected.ravel(),
            "lo": _quantile_level(self.distribution, 0.1, cdf).ravel(),
            "hi": _quantile_level(self.distribution, 0.9, cdf).ravel(),
            "p_proficient": p_proficient.ravel(),
        })
        return columns


GOAL_COLUMNS = ["competency_id", "name", "target_level", "target_word", "by", "current_level",
                "probability", "probability_low", "probability_high", "probability_point",
                "on_track", "practised", "message"]


def _practised_steps(arrays: CatalogueArrays, rows: PlanRows, row: int = 0) -> dict[int, np.ndarray]:
    """Competency index -> which level steps (4 booleans) some section of the row's plan
    practises: the alignments of its sections' opportunities."""
    lo, hi = rows.section_ptr[row], rows.section_ptr[row + 1]
    ptr = arrays.alignment_ptr
    out: dict[int, np.ndarray] = {}
    for o in arrays.opportunity[rows.section_pos[lo:hi]]:
        for al in range(int(ptr[o]), int(ptr[o + 1])):
            c = int(arrays.alignment_competency[al])
            out[c] = out.get(c, np.zeros(N_STEPS, dtype=bool)) | arrays.alignment_steps[al]
    return out


def _goal_table(learner: Learner, names, week_starts: pd.DatetimeIndex,
                probabilities: np.ndarray, low: np.ndarray | None = None,
                high: np.ndarray | None = None, point: np.ndarray | None = None,
                practised: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per goal of the learner, with its chance as the kernel worked it out: the mean
    over draws of the parameters, the 80% interval over draws, and the chance at the central
    parameters (all the same without draws). ``practised`` (competency id -> level steps the
    plan practises) says whether the plan practises a step between the current level and the
    goal: evidence can give a goal a chance the plan does nothing for."""
    low = probabilities if low is None else low
    high = probabilities if high is None else high
    point = probabilities if point is None else point
    rows = []
    for g, prob, lo, hi, pt in zip(learner.goals, probabilities.tolist(), low.tolist(),
                                   high.tolist(), point.tolist(), strict=True):
        current = learner.level(g.competency_id)
        name = names.get(g.competency_id, g.competency_id)
        rows.append({
            "competency_id": g.competency_id, "name": name, "target_level": int(g.level),
            "target_word": LEVELS[int(g.level)], "by": g.by, "current_level": current,
            "probability": prob, "probability_low": lo, "probability_high": hi,
            "probability_point": pt, "on_track": prob >= ON_TRACK,
            "practised": bool(practised[g.competency_id][current:int(g.level)].any())
            if practised is not None and g.competency_id in practised else
            practised is None and prob > 0,
            "message": ENGLISH.goal_sentence(name, g.level, g.by, current, prob, lo, hi),
        })
    return records_frame(rows, GOAL_COLUMNS)


def records_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns)``, built column by column (several times quicker
    for a few rows).

    Where every value of a column is of one plain type (text, float, int, bool, date; floats
    and None) the column is made directly in the type pandas would infer for it, and the frame
    from those arrays, skipping pandas' inference and per-column wrapping (most of the time a
    few-row frame takes); any other column leaves it all to pandas.
    """
    if not rows or any(list(r) != columns for r in rows):
        return pd.DataFrame(rows, columns=columns)
    values = {c: [r[c] for r in rows] for c in columns}
    arrays = {}
    for c, v in values.items():
        make = _COLUMN_OF.get(frozenset(map(type, v)))
        if make is None:
            return pd.DataFrame(values)
        try:
            arrays[c] = make(v)
        except OverflowError:  # an int beyond int64
            return pd.DataFrame(values)
    return frame_of_arrays(arrays)


_TEXT = pd.Series(["text"]).dtype  # pandas' default for text: its string type, or object
_TEXT_IS_OBJECT = pd.api.types.is_object_dtype(_TEXT)
# one plain value type -> the column pandas infers for it (dates stay objects; text is pandas'
# default string type, or objects where pandas does not infer strings)
_COLUMN_OF = {frozenset(kinds): make for kinds, make in [
    ({str}, (lambda v: np.array(v, dtype=object)) if _TEXT_IS_OBJECT
     else (lambda v: pd.array(v, dtype=_TEXT))),
    ({float}, lambda v: np.array(v, dtype=np.float64)),
    ({float, type(None)}, lambda v: np.array([np.nan if x is None else x for x in v])),
    ({int}, lambda v: np.array(v, dtype=np.int64)),
    ({bool}, lambda v: np.array(v, dtype=bool)),
    ({dt.date}, lambda v: np.array(v, dtype=object)),
]}


def project(catalogue: Catalogue, learner: Learner, section_ids,
            params: ModelParameters = DEFAULT_PARAMETERS, start=None,
            weeks: int | None = None, draws: int = RANGE_DRAWS) -> Projection:
    """Project a learner's levels in every competency, week by week, under a plan.

    This is ``project_ranges`` on one row (``project_many`` on its draws), laid out per
    competency: every distribution, chance and band is the mean over ``draws`` draws of the
    parameters, and each goal carries its 80% interval over them.

    Parameters
    ----------
    catalogue
        Where sections, alignments and competency difficulties come from.
    learner
        Whose current levels, home, travel, interests, strengths and goals to use.
    section_ids
        The plan's sections (unknown ids are ignored: feasibility reports them).
    params
        Model parameters; see ``ModelParameters`` and docs/model.md.
    start
        Any day of the first week (default: the catalogue's first day); its Monday is "now".
    weeks
        Number of weekly steps (default 40, a school year).
    draws
        Draws of the parameters (``RANGE_DRAWS``; 0: the central parameters only).

    Returns
    -------
    Projection
    """
    A = catalogue_arrays(catalogue)
    week_starts = week_grid(A, start, weeks)
    rows = PlanRows.from_learners(A, [(learner, section_ids)])
    steps = {A.competency_ids[c]: v for c, v in _practised_steps(A, rows).items()}
    if draws < 1:
        many = project_many(A, rows, week_starts, params)
        goals = _goal_table(learner, A.competency_names, week_starts, many.goal_probability,
                            practised=steps)
        p_draws = None
    else:
        ranged = project_ranges(A, rows, week_starts, params, draws)
        many = ranged.mean
        goals = _goal_table(learner, A.competency_names, week_starts, many.goal_probability,
                            ranged.goal_low, ranged.goal_high, ranged.goal_point,
                            practised=steps)
        p_draws = np.repeat(np.eye(N_LEVELS)[rows.levels[0]][None], len(ranged.multipliers),
                            axis=0)                                          # D x C x 5
        p_draws[:, many.pair_competency] = ranged.end_draws
    return Projection(week_starts=week_starts, competency_ids=list(A.competency_ids),
                      distribution=many.dense(0),
                      # a shallow copy is private to this projection under copy-on-write
                      competencies=A.competency_frame.copy(deep=False),
                      current_levels=rows.levels[0].copy(), goals=goals,
                      end_draws=p_draws)
