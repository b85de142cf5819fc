"""Projected competency levels for a plan: a transparent learning-science model.

Each week, the practice a learner actually gets on a competency (hours x intensity x attendance x
engagement) moves them up at most one proficiency level with the Bayesian Knowledge Tracing
mastery update ``T = 1 - (1 - t)^n`` (Corbett & Anderson 1995; pyBKT's ``learn`` parameter),
where the per-practice learn rate ``t`` is Carroll's (1963) "time needed": it falls with the
competency's difficulty and with the level being climbed. The result is a probability
distribution over the five levels for every competency and week, never a single number.

``docs/model.md`` gives the equations, every parameter, its default and where the default comes
from. ``evolve`` is the vectorised kernel the district batch reuses for many learners at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dataset import LEVELS, PROFICIENT, Catalogue, Learner
from .schedule import _cache_for

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

    base_learn_rate: float = 0.005
    """BKT learn rate per practice opportunity for a typical competency (difficulty 1) at a
    typical level step (level_difficulty 1). Calibrated so a full-year 3 h/week programme at
    intensity 2 moves a Developing learner to Proficient with probability ~0.65 (docs/model.md);
    equivalently ~200 practice opportunities (~100 h at intensity 2, near one Carnegie unit) are
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
    """Floor on attendance, so an unreachable or hard section still counts for something if the
    family chooses it anyway (feasibility reports the problem). Judgment."""

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

    def __post_init__(self):
        if not 0 < self.base_learn_rate < 1:
            raise ValueError("base_learn_rate must be between 0 and 1")
        if len(self.level_difficulty) != N_STEPS or min(self.level_difficulty) <= 0:
            raise ValueError("level_difficulty needs 4 positive numbers (steps 0->1 .. 3->4)")
        if not 0 < self.min_attendance <= 1 or not 0 < self.base_attendance <= 1:
            raise ValueError("attendance values must be in (0, 1]")
        for name in ("travel_penalty_per_10min", "free_travel_minutes", "late_penalty",
                     "interest_boost", "strength_boost"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


DEFAULT_PARAMETERS = ModelParameters()


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


def evolve(start_levels, practice, learn_rate, *, dtype=np.float64,
           out: np.ndarray | None = None) -> np.ndarray:
    """Weekly level distributions for a batch of learners (the projection's vectorised kernel).

    Week by week, the mass at level k moves to k+1 with probability
    ``T = 1 - (1 - learn_rate[c, k]) ** practice[b, w, c, k]`` (at most one level a week).
    Only (learner, competency) pairs with some practice are computed; the rest stay at their
    starting level, which keeps a batch of real plans (a few competencies each) fast.

    Parameters
    ----------
    start_levels : array of int, shape (B, C)
        Current level 0-4 of each learner in each competency (a point mass).
    practice : array, shape (B, W, C, 4)
        Practice opportunities in each week toward each transition k -> k+1 (>= 0).
    learn_rate : array, shape (C, 4)
        BKT learn rate per practice opportunity for each competency and step, in [0, 1).
    dtype : numpy dtype, default float64
        ``np.float32`` halves memory and time at about 1e-6 precision.
    out : array, optional
        A buffer of the result's shape and dtype to fill (reusing one across batches avoids
        fresh-memory page faults, which can cost more than the computation).

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
    if start.shape != (n_b, n_c):
        raise ValueError(f"start_levels must have shape {(n_b, n_c)}, got {start.shape}")
    if rate.shape != (n_c, N_STEPS):
        raise ValueError(f"learn_rate must have shape {(n_c, N_STEPS)}, got {rate.shape}")
    if start.size and (start.min() < 0 or start.max() >= N_LEVELS):
        raise ValueError("start_levels must be levels 0-4")
    if rate.size and (rate.min() < 0 or rate.max() >= 1):
        raise ValueError("learn_rate must be in [0, 1)")
    dtype = np.dtype(dtype)
    point = np.eye(N_LEVELS, dtype=dtype)[start.astype(np.intp)]          # B x C x 5
    if out is None:
        out = np.empty((n_b, n_w + 1, n_c, N_LEVELS), dtype=dtype)
    elif out.shape != (n_b, n_w + 1, n_c, N_LEVELS) or out.dtype != dtype:
        raise ValueError(f"out must be a {dtype} array of shape {(n_b, n_w + 1, n_c, N_LEVELS)}")
    out[...] = point[:, None]
    if n_w == 0 or practice.size == 0:
        return out
    # pairs with any practice at all; reshaping first makes the reduction ~10x faster
    touched = np.ascontiguousarray(practice).reshape(n_b, n_w, n_c * N_STEPS).any(axis=1)
    bi, ci = np.nonzero(touched.reshape(n_b, n_c, N_STEPS).any(axis=2))
    if bi.size == 0:
        return out
    # level-major layout (week, level, pair): every weekly update runs on contiguous rows
    n = np.swapaxes(practice, 0, 1)[:, bi, ci, :].transpose(0, 2, 1)       # W x 4 x P
    if (n < 0).any():
        raise ValueError("practice must not be negative")
    log_keep = np.log1p(-rate).T[:, ci].astype(dtype)                      # 4 x P
    step = np.empty(n.shape, dtype=dtype)
    np.multiply(n, log_keep[None], out=step)
    np.expm1(step, out=step)
    np.negative(step, out=step)                                            # T = 1 - (1-t)^n
    traj = np.empty((n_w + 1, N_LEVELS, bi.size), dtype=dtype)
    traj[0] = point[bi, ci].T
    for w in range(n_w):
        p, nxt = traj[w], traj[w + 1]
        flow = p[:N_STEPS] * step[w]
        np.subtract(p[:N_STEPS], flow, out=nxt[:N_STEPS])
        nxt[N_STEPS] = p[N_STEPS]
        nxt[1:] += flow
    out[bi, :, ci, :] = np.transpose(traj, (2, 0, 1))
    return out


# ---- from a catalogue and a learner to practice ----------------------------------------------
def monday(day) -> dt.date:
    """The Monday of the week containing ``day``."""
    d = pd.Timestamp(day).date()
    return d - dt.timedelta(days=d.weekday())


def week_grid(catalogue: Catalogue, start=None, weeks: int | None = None) -> pd.DatetimeIndex:
    """Mondays of the projection: ``weeks + 1`` dates, the first being "now".

    By default the Monday of the catalogue's first day, and 40 weeks (a school year).
    """
    first = monday(catalogue.school_year[0] if start is None else start)
    n = DEFAULT_WEEKS if weeks is None else int(weeks)
    if n < 0:
        raise ValueError("weeks must be >= 0")
    grid = pd.date_range(pd.Timestamp(first), periods=n + 1, freq="7D").as_unit("ns")
    return pd.DatetimeIndex(grid, name="week_start")


def learn_rates(catalogue: Catalogue, params: ModelParameters = DEFAULT_PARAMETERS) -> np.ndarray:
    """``t[c, k] = base_learn_rate / (difficulty_c x level_difficulty[k])``, shape (C, 4)."""
    diff = catalogue.competencies["difficulty"].to_numpy(dtype=float)
    rate = params.base_learn_rate / (diff[:, None] * np.asarray(params.level_difficulty)[None])
    return np.clip(rate, 0.0, 1.0 - 1e-9)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z\-]*", str(text).lower())


def _tags(text: str) -> set[str]:
    return {t.strip().lower() for t in str(text).split(";") if t.strip()}


_STOP = {"good", "with", "strong", "and", "the", "to", "of", "at", "on", "in", "for", "others",
         "very", "two", "a", "an", "is"}


def _stem(word: str) -> str:
    return word[:5]


# ---- learner-independent catalogue arrays, built once per catalogue -------------------------
@dataclass(frozen=True)
class _Alignment:
    """One opportunity's alignments to known competencies, in the alignment table's order."""

    competency: tuple[int, ...]        # row in ``catalogue.competencies``
    intensity: tuple[float, ...]
    steps: np.ndarray                  # (n, 4) bool: min_level <= k < max_level
    domain: tuple[str, ...]            # each competency's domain (for strength matches)


class _CatalogueArrays:
    """The catalogue columns a projection needs, as plain arrays and dicts (built once).

    A plan has a handful of sections; pandas lookups and groupbys over the whole catalogue on
    every edit cost far more than the model itself, so everything that does not depend on the
    learner is worked out here once and each projection touches only its plan's rows.
    """

    def __init__(self, catalogue: Catalogue):
        t = catalogue.section_table
        self.position = {sid: i for i, sid in enumerate(t.index)}
        self.opportunity = t["opportunity_id"].to_numpy(dtype=object)
        self.weekly_hours = t["weekly_hours"].to_numpy(dtype=float)
        zone_at = {z: i for i, z in enumerate(catalogue.zones)}
        self.zone = np.array([zone_at.get(z, -1) for z in t["zone"].astype(str)],
                             dtype=np.int64)
        self.in_person = t["in_person"].to_numpy(dtype=bool)
        self.meets = t["meets"].to_numpy(dtype=bool)
        self.end_min = t["end_min"].to_numpy()
        self.start_date = t["start_date"].to_numpy()
        self.end_date = t["end_date"].to_numpy()

        comps = catalogue.competencies
        self.competency_ids = list(comps["competency_id"])
        self.competency_frame = comps[["competency_id", "name", "domain"]].reset_index(drop=True)
        c_index = {c: i for i, c in enumerate(self.competency_ids)}
        domains = comps.set_index("competency_id")["domain"].astype(str)
        domain_of = dict(zip(domains.index, domains.to_numpy(), strict=True))

        opps = catalogue.opportunities
        self.tags = {o: _tags(x) for o, x in zip(opps["opportunity_id"], opps["interests"],
                                                 strict=True)}
        self.title = {o: str(x) for o, x in zip(opps["opportunity_id"], opps["title"],
                                                strict=True)}

        a = catalogue.alignments
        rows: dict[str, list] = {}
        for oid, cid, inten, lo, hi in zip(a["opportunity_id"], a["competency_id"],
                                          a["intensity"], a["min_level"], a["max_level"],
                                          strict=True):
            if pd.isna(oid):       # groupby drops missing keys
                continue
            links = rows.setdefault(oid, [])
            c = c_index.get(cid)
            if c is not None:
                links.append((c, float(inten), int(lo), int(hi), str(domain_of.get(cid, ""))))
        steps = np.arange(N_STEPS)
        self.alignments: dict[str, _Alignment] = {}
        for oid, links in rows.items():
            lo = np.array([x[2] for x in links], dtype=np.int64)
            hi = np.array([x[3] for x in links], dtype=np.int64)
            self.alignments[oid] = _Alignment(
                competency=tuple(x[0] for x in links), intensity=tuple(x[1] for x in links),
                steps=(steps[None] >= lo[:, None]) & (steps[None] < hi[:, None]),
                domain=tuple(x[4] for x in links))

    def known(self, section_ids) -> list:
        """The plan's section ids that exist, each once, in plan order."""
        return list(dict.fromkeys(s for s in section_ids if s in self.position))


def _arrays(catalogue: Catalogue) -> _CatalogueArrays:
    cache = _cache_for(catalogue)
    if "projection" not in cache:
        cache["projection"] = _CatalogueArrays(catalogue)
    return cache["projection"]


def _attendance(catalogue: Catalogue, learner: Learner, pos: np.ndarray,
                params: ModelParameters) -> np.ndarray:
    """``section_attendance`` for sections at these rows of ``section_table``, as an array."""
    A = _arrays(catalogue)
    reach = catalogue.travel_from(learner.home_zone, learner.transport).to_numpy(dtype=float)
    zone = A.zone[pos]
    minutes = np.where(zone >= 0, reach[zone], np.inf)
    minutes = np.where(A.in_person[pos], minutes, 0.0)
    extra = np.maximum(0.0, minutes - params.free_travel_minutes) / 10.0
    late = A.meets[pos] & (A.end_min[pos] > params.late_hour * 60)
    with np.errstate(invalid="ignore"):
        att = params.base_attendance - params.travel_penalty_per_10min * extra \
            - params.late_penalty * late
    return np.clip(np.nan_to_num(att, nan=params.min_attendance, neginf=params.min_attendance),
                   params.min_attendance, 1.0)


def section_attendance(catalogue: Catalogue, learner: Learner, section_ids,
                       params: ModelParameters = DEFAULT_PARAMETERS) -> pd.Series:
    """Expected share of each section's hours the learner attends, in [min_attendance, 1].

    ``clip(base - travel_penalty x max(0, minutes - free) / 10 - late_penalty x [ends late])``,
    with minutes the fastest one-way trip from home (0 for sections that need no travel).
    """
    A = _arrays(catalogue)
    ids = A.known(section_ids)
    if not ids:
        return pd.Series(dtype=float, name="attendance")
    pos = np.array([A.position[s] for s in ids], dtype=np.int64)
    return pd.Series(_attendance(catalogue, learner, pos, params),
                     index=pd.Index(ids, name="section_id"), name="attendance")


def engagement(catalogue: Catalogue, learner: Learner, opportunity_id: str, competency_id: str,
               params: ModelParameters = DEFAULT_PARAMETERS) -> float:
    """``1 + interest_boost x [shared interest] + strength_boost x [strength matches]``.

    A strength matches when one of its words (stemmed to 5 letters, common words dropped)
    appears in the opportunity's interest tags or title, or when it names or maps (via
    ``strength_domain_words``) to the competency's domain.
    """
    o = catalogue.opportunities.set_index("opportunity_id").loc[opportunity_id]
    tags = _tags(o["interests"])
    interest = bool(tags & {x.strip().lower() for x in learner.interests})
    comps = catalogue.competencies.set_index("competency_id")
    domain = str(comps["domain"].get(competency_id, ""))
    return 1.0 + params.interest_boost * interest + params.strength_boost * _strength_match(
        learner.strengths, tags, str(o["title"]), domain, params)


def _strength_match(strengths, tags, title, domain, params) -> bool:
    target = {_stem(w) for t in tags for w in _words(t)} | {_stem(w) for w in _words(title)}
    domain_stems = {_stem(w) for w in _words(domain) if w not in _STOP}
    for strength in strengths:
        words = [w for w in _words(strength) if w not in _STOP and len(w) >= 3]
        stems = {_stem(w) for w in words}
        if stems & (target | domain_stems):
            return True
        text = str(strength).lower()
        if any(key in text and dom == domain for key, dom in params.strength_domain_words):
            return True
    return False


def practice_array(catalogue: Catalogue, learner: Learner, section_ids, week_starts,
                   params: ModelParameters = DEFAULT_PARAMETERS) -> np.ndarray:
    """Practice toward each transition, shape (W, C, 4), for one learner's plan.

    ``week_starts`` are the W + 1 Mondays of the projection; practice in week w (Monday
    ``week_starts[w]``) comes from every section with ``start_date <= Monday <= end_date``.
    Opportunity o counts toward k -> k+1 only for ``min_level <= k < max_level``.
    """
    A = _arrays(catalogue)
    mondays = pd.DatetimeIndex(week_starts)[:-1]
    out = np.zeros((len(mondays), len(A.competency_ids), N_STEPS))
    ids = A.known(section_ids)
    if not ids or len(mondays) == 0:
        return out
    pos = np.array([A.position[s] for s in ids], dtype=np.int64)
    # hours x attendance in Python floats, exactly as a row-by-row computation would
    hours = (A.weekly_hours[pos] * _attendance(catalogue, learner, pos, params)).tolist()
    monday_ns = mondays.to_numpy(dtype="datetime64[ns]")
    active = (monday_ns[None] >= A.start_date[pos][:, None]) & \
             (monday_ns[None] <= A.end_date[pos][:, None])
    interests = {x.strip().lower() for x in learner.interests}
    strong: dict[tuple[str, str], bool] = {}
    for j, p in enumerate(pos):
        oid = A.opportunity[p]
        links = A.alignments.get(oid)
        if links is None or hours[j] <= 0 or not active[j].any():
            continue
        tags, title = A.tags[oid], A.title[oid]
        boost = 1.0 + params.interest_boost * bool(tags & interests)
        for c, intensity, ok, domain in zip(links.competency, links.intensity, links.steps,
                                            links.domain, strict=True):
            if (oid, domain) not in strong:
                strong[oid, domain] = _strength_match(learner.strengths, tags, title, domain,
                                                      params)
            eng = boost + params.strength_boost * strong[oid, domain]
            # (hours x intensity) x engagement, the same rounding as hour-by-hour bookkeeping
            out[:, c, :] += np.outer(active[j], ok) * (hours[j] * intensity * eng)
    return out


# ---- the projection ---------------------------------------------------------------------------
def _date_words(d: dt.date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _chance_words(p: float) -> str:
    if p >= 1.0:
        return "certain"
    if p > 0.99:
        return "over 99% chance"
    if 0 < p < 0.01:
        return "under 1% chance"
    return f"{p * 100:.0f}% chance"


def goal_message(name: str, target_level: int, by: dt.date, current_level: int,
                 probability: float) -> str:
    """One plain sentence about a goal, e.g. "Likely to reach Proficient in Algebra by June 1,
    2027 (72% chance)"."""
    target = LEVELS[int(target_level)]
    if current_level >= target_level:
        return f"Already at {target} in {name}: goal reached."
    if probability >= 0.5:
        lead = "Likely to reach"
    elif probability >= 0.2:
        lead = "Might reach"
    else:
        lead = "Unlikely to reach"
    return f"{lead} {target} in {name} by {_date_words(by)} ({_chance_words(probability)})."


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
        """One row per competency: where the learner is now and is likely to be at the end."""
        med = self.median_week_proficient
        return pd.DataFrame({
            "competency_id": self.competency_ids,
            "name": self.competencies["name"].to_numpy(),
            "domain": self.competencies["domain"].to_numpy(),
            "current_level": self.current_levels.astype(int),
            "expected_end": self.expected[-1],
            "p_proficient_end": self.p_at_least(PROFICIENT)[-1],
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
                "probability", "on_track", "message"]


def _goal_table(learner: Learner, competency_ids: list[str], names: dict[str, str],
                week_starts: pd.DatetimeIndex, dist: np.ndarray) -> pd.DataFrame:
    index = {c: i for i, c in enumerate(competency_ids)}
    first = week_starts[0].date()
    rows = []
    for g in learner.goals:
        current = learner.level(g.competency_id)
        # the row whose Monday starts the week containing the goal date; last row if beyond
        w = int(np.clip((g.by - first).days // 7, 0, len(week_starts) - 1))
        if current >= g.level:
            prob = 1.0
        elif g.competency_id in index:
            prob = float(np.clip(dist[w, index[g.competency_id], g.level:].sum(), 0.0, 1.0))
        else:
            prob = 0.0
        name = names.get(g.competency_id, g.competency_id)
        rows.append({
            "competency_id": g.competency_id, "name": name, "target_level": int(g.level),
            "target_word": LEVELS[int(g.level)], "by": g.by, "current_level": current,
            "probability": prob, "on_track": prob >= 0.5,
            "message": goal_message(name, g.level, g.by, current, prob),
        })
    return _frame(rows, GOAL_COLUMNS)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns)``, built column by column (several times quicker
    for a few rows; pandas infers the same column types either way)."""
    if not rows or any(list(r) != columns for r in rows):
        return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame({c: [r[c] for r in rows] for c in columns})


def project(catalogue: Catalogue, learner: Learner, section_ids,
            params: ModelParameters = DEFAULT_PARAMETERS, start=None,
            weeks: int | None = None) -> Projection:
    """Project a learner's levels in every competency, week by week, under a plan.

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

    Returns
    -------
    Projection
    """
    week_starts = week_grid(catalogue, start, weeks)
    A = _arrays(catalogue)
    ids = list(A.competency_ids)
    current = np.array([learner.level(c) for c in ids], dtype=int).clip(0, N_LEVELS - 1)
    practice = practice_array(catalogue, learner, section_ids, week_starts, params)
    dist = evolve(current[None], practice[None], learn_rates(catalogue, params))[0]
    goals = _goal_table(learner, ids, catalogue.competency_names, week_starts, dist)
    return Projection(week_starts=week_starts, competency_ids=ids, distribution=dist,
                      # a shallow copy is private to this projection under copy-on-write
                      competencies=A.competency_frame.copy(deep=False), current_levels=current,
                      goals=goals)
