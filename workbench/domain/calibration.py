"""Calibrating the projection from records: BKT per level step, attendance, held-out checks.

The projection (``projection.py``) moves a learner up one level with the Bayesian Knowledge
Tracing update ``T = 1 - (1 - t)^n``. Its learn rates and attendance factors were judgment; this
module fits them from data, in plain numpy:

- **Learning** from a response log in pyBKT's column convention (``user_id``, ``skill_name``,
  ``correct``, ``order_id``): one BKT model (prior, learn, guess, slip, forget) per skill and
  level step, by forward-backward EM (Baum-Welch; Corbett & Anderson 1995, as pyBKT fits it),
  from several random starts, with guess and slip kept below 0.5 (Baker, Corbett & Aleven 2008
  call a fit with guess or slip above 0.5 "degenerate": knowing the skill would make a correct
  answer less likely). When the log says how much practice came before each response
  (``practice_hours``), the transition before it is ``1 - (1 - t)^n`` with that ``n`` - the
  projection's own update - so ``t`` is a learn rate per hour (per practice opportunity) and
  not per response. An ``opportunity_kind`` column gives each kind its own learn rate
  (pyBKT's "multilearn").
- **Uncertainty** by the bootstrap over learners (resampling whole learners with replacement;
  all replicates run as one batched EM, each with its learners' multiplicities as weights).
- **Attendance** factors (base, per 10 minutes of extra travel, ending late) from an attendance
  log, by maximum likelihood on the projection's own straight-line attendance rule.
- **Calibration on held-out learners**: a fit without some learners predicts each of their
  responses from the ones before (pyBKT's ``predict``); the Brier score and a reliability table
  say how far those chances can be trusted.

``docs/model.md`` ("Calibration") gives the equations and how the fitted values map onto
``ModelParameters``. Nothing here reads files (``workbench.formats.calibration_logs`` does).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dataset import Catalogue, Learner
from .projection import DEFAULT_PARAMETERS, N_STEPS, ModelParameters

#: The level step a skill is taken to be when the log does not say (Developing -> Proficient,
#: the step ``base_learn_rate`` is defined on).
REFERENCE_STEP = 2

#: Guess and slip stay below these in every fit (the degenerate-fit guard; see module docstring).
MAX_GUESS = 0.5
MAX_SLIP = 0.5

#: Where each default of ``ModelParameters`` comes from: a source that says it, or "judgment".
#: (Kept here, beside the fitting, so a parameters file and docs/model.md's table can show it;
#: a test fails when a field of ``ModelParameters`` has no entry.)
DEFAULT_SOURCES: dict[str, str] = {
    "base_learn_rate": "judgment: set so 3 h/week at intensity 2 for a school year takes a "
                       "Developing learner to Proficient about 2 times in 3 with the week's "
                       "saturation (docs/model.md section 5.1); about one Carnegie unit (120 h) "
                       "per level step",
    "level_difficulty": "judgment: early steps quicker, Advanced slowest (the direction of "
                        "mastery learning, Bloom 1968, which gives no multipliers)",
    "base_attendance": "judgment: near typical US school daily attendance (low-to-mid 90s %); "
                       "voluntary programmes are often lower",
    "travel_penalty_per_10min": "judgment: a 45-minute trip costs 9 points of attendance",
    "free_travel_minutes": "judgment: a short walk",
    "late_penalty": "judgment",
    "late_hour": "judgment: 7 pm",
    "min_attendance": "judgment",
    "interest_boost": "judgment for the size; the direction from Hidi & Renninger (2006): "
                      "interest sustains attention and persistence",
    "strength_boost": "judgment (strength-based practice)",
    "strength_domain_words": "judgment; extend freely",
    "forget_rate": "judgment for the size; the direction and rough size from summer-learning "
                   "loss (Cooper et al. 1996; Kuhfeld 2019): about a fifth of a level's gain "
                   "over a 12-week summer",
    "weekly_saturation": "judgment for the size; the direction from the spacing effect "
                         "(Cepeda et al. 2006): massed practice teaches less per hour",
    "alignment_overlap": "judgment: between every aligned competency getting the whole hour "
                         "(0) and the hour split evenly (1, Carroll's time on task)",
    "recorded_level_spread": "judgment: records are made by people, with some error (the "
                             "start of a competency with evidence; domain/evidence.py)",
    "evidence_shows_verified": "judgment: a verified credential or result is right 4 times in "
                               "5 and rarely two levels off (domain/evidence.py)",
    "evidence_shows_unverified": "judgment: an unsigned or self-reported credential is right "
                                 "half the time",
    "evidence_failed_verified": "judgment: a failure is evidence of a level below Proficient "
                                "(credentials are read at Proficient), never proof of Not yet",
    "evidence_failed_unverified": "judgment: the verified table pulled halfway toward 'says "
                                  "nothing' (0.5)",
    "learn_rate_spread": "judgment: halving and doubling the learn rate are the 10th and 90th "
                         "percentiles (nothing fitted on real records); a fitted interval for "
                         "base_learn_rate replaces it",
    "attendance_spread": "judgment (about +-13% at the 10th/90th percentiles); a fitted interval "
                         "for base_attendance replaces it",
    "engagement_spread": "judgment",
}

_EPS = 1e-6


# ---- BKT parameters and response sequences ---------------------------------------------------
@dataclass(frozen=True)
class BKTParameters:
    """One BKT model: P(known at the first response), learning, guessing, slipping, forgetting.

    ``learn`` is per unit of practice: per response when the log has no practice counts, per
    hour of practice when it does. ``learn_by_kind`` holds one learn rate per opportunity kind
    when the log names kinds (``learn`` is then their average, see ``pooled_learn``).
    """

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0
    learn_by_kind: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("prior", "learn", "guess", "slip", "forget"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0 or not math.isfinite(v):
                raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")

    def to_dict(self) -> dict:
        out = {k: float(getattr(self, k)) for k in ("prior", "learn", "guess", "slip", "forget")}
        if self.learn_by_kind:
            out["learn_by_kind"] = {k: float(v) for k, v in self.learn_by_kind.items()}
        return out


@dataclass(frozen=True)
class Sequences:
    """One skill's responses, one padded row per learner, in each learner's order.

    Padding is only at the end of a row (``mask`` False there). ``practice[i, j]`` is the
    practice between response j - 1 and response j (unused for j = 0: the prior covers what came
    before); ``kind[i, j]`` indexes ``kinds``.
    """

    learners: np.ndarray      #: (N,) learner ids
    correct: np.ndarray       #: (N, J) 0/1
    mask: np.ndarray          #: (N, J) bool
    practice: np.ndarray      #: (N, J) float >= 0
    kind: np.ndarray          #: (N, J) int
    kinds: tuple[str, ...]    #: opportunity kinds ("" when the log names none)
    has_practice: bool        #: did the log give practice counts?

    @property
    def n_learners(self) -> int:
        return len(self.learners)

    @property
    def n_responses(self) -> int:
        return int(self.mask.sum())

    def take(self, rows) -> Sequences:
        """The same skill for a subset of learners (rows in this object's order)."""
        rows = np.asarray(rows, dtype=np.intp)
        return dataclasses.replace(self, learners=self.learners[rows],
                                   correct=self.correct[rows], mask=self.mask[rows],
                                   practice=self.practice[rows], kind=self.kind[rows])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Sequences:
        """Sequences from one skill's rows of a response log.

        Columns: ``user_id``, ``correct`` (0/1) and ``order_id`` (the order of a learner's
        responses); optional ``practice_hours`` (practice since the learner's previous
        response, >= 0) and ``opportunity_kind``.
        """
        f = frame.assign(user_id=frame["user_id"].astype(str)).sort_values(
            ["user_id", "order_id"], kind="stable")
        users = np.unique(f["user_id"].to_numpy(dtype=object)).astype(object)
        codes = pd.Categorical(f["user_id"], categories=users).codes
        n = len(users)
        counts = np.bincount(codes, minlength=n)
        width = int(counts.max()) if n else 0
        col = np.arange(len(f)) - np.repeat(np.cumsum(counts) - counts, counts)
        correct = np.zeros((n, width), dtype=np.int8)
        mask = np.zeros((n, width), dtype=bool)
        practice = np.ones((n, width))
        kind = np.zeros((n, width), dtype=np.intp)
        correct[codes, col] = f["correct"].to_numpy(dtype=np.int8)
        mask[codes, col] = True
        has_practice = "practice_hours" in f and f["practice_hours"].notna().any()
        if has_practice:
            practice[codes, col] = f["practice_hours"].fillna(0.0).to_numpy(dtype=float)
        kinds: tuple[str, ...] = ("",)
        if "opportunity_kind" in f:
            labels = f["opportunity_kind"].fillna("").astype(str).str.strip()
            if (labels != "").any():
                kinds = tuple(sorted(set(labels)))
                kind[codes, col] = pd.Categorical(labels, categories=kinds).codes
        return cls(learners=users, correct=correct, mask=mask, practice=practice, kind=kind,
                   kinds=kinds, has_practice=bool(has_practice))


# ---- the batched forward-backward -------------------------------------------------------------
@dataclass
class _Batch:
    """R BKT models over the same sequences, as arrays (index 0 of every array is the model)."""

    prior: np.ndarray   # (R,)
    learn: np.ndarray   # (R, K)
    guess: np.ndarray   # (R,)
    slip: np.ndarray    # (R,)
    forget: np.ndarray  # (R,)

    def copy(self) -> _Batch:
        return _Batch(*(a.copy() for a in dataclasses.astuple(self)))

    def vector(self) -> np.ndarray:
        return np.column_stack([self.prior, self.learn, self.guess, self.slip, self.forget])


class _Layout:
    """What every EM iteration reuses, laid out response-major ``(J, N)`` so that each step of
    the forward and backward passes works on contiguous ``(N, R)`` rows (R models at once).

    Transitions are coded by (kind, practice amount): the chance of learning depends on nothing
    else, so each iteration works it out once per code and gathers it (``tcode``; the last code
    is "no transition"). Responses are coded 0 padding, 1 correct, 2 wrong (``ecode``).
    """

    def __init__(self, seq: Sequences):
        self.seq = seq
        m = seq.mask.T                                                    # J x N
        y = seq.correct.T.astype(bool) & m
        self.m, self.y = m, y
        self.mf, self.yf = m.astype(float), y.astype(float)
        self.ecode = np.where(m, np.where(y, 1, 2), 0).astype(np.intp)
        tm = m.copy()
        tm[0] = False                                   # a transition into response j >= 1
        self.tm = tm
        n = np.where(tm, seq.practice.T, 0.0)
        kind = seq.kind.T
        flat = np.flatnonzero(tm & (n > 0))
        values, u = np.unique(n.ravel()[flat], return_inverse=True)
        group = kind.ravel()[flat] * len(values) + u
        order = np.argsort(group, kind="stable")
        self.flat = flat[order]
        g_sorted = group[order]
        starts = np.flatnonzero(np.concatenate(([True], g_sorted[1:] != g_sorted[:-1]))) \
            if g_sorted.size else np.zeros(0, dtype=np.intp)
        self.starts = starts
        keys = g_sorted[starts] if g_sorted.size else np.zeros(0, dtype=np.intp)
        self.group_kind = (keys // max(len(values), 1)).astype(np.intp)
        self.group_n = values[keys % max(len(values), 1)] if values.size else np.zeros(0)
        self.n_groups = len(keys)
        tcode = np.full(n.size, self.n_groups, dtype=np.intp)
        sizes = np.diff(np.append(starts, self.flat.size))
        tcode[self.flat] = np.repeat(np.arange(self.n_groups), sizes)
        self.tcode = tcode.reshape(n.shape)
        self.n_kinds = len(seq.kinds)


def _tables(L: _Layout, P: _Batch):
    """Per model: emission chances by response code and learning chances by transition code."""
    n_r = P.prior.shape[0]
    one = np.ones(n_r)
    e0 = np.stack([one, P.guess, 1.0 - P.guess])           # 3 x R: P(response | not known)
    e1 = np.stack([one, 1.0 - P.slip, P.slip])             # 3 x R: P(response | known)
    log_keep = np.log1p(-np.clip(P.learn, 0.0, 1.0 - 1e-12))             # R x K
    learn = np.zeros((L.n_groups + 1, n_r))
    if L.n_groups:
        learn[:-1] = -np.expm1(L.group_n[:, None] * log_keep[:, L.group_kind].T)
    return e0, e1, learn


def _forward_backward(L: _Layout, P: _Batch, w: np.ndarray | None, *, need_backward=True):
    """Scaled forward-backward for R models at once; returns (log-likelihoods, statistics).

    ``w`` (R x N) weighs each learner in each model's statistics (bootstrap multiplicities).
    """
    n_j, n_i = L.m.shape
    n_r = P.prior.shape[0]
    e0t, e1t, learnt = _tables(L, P)
    e0 = e0t[L.ecode]                                                    # J x N x R
    e1 = e1t[L.ecode]
    learn = learnt[L.tcode]
    f = P.forget[None, :]
    a1 = np.empty((n_j, n_i, n_r))
    c = np.empty((n_j, n_i, n_r))
    known = np.broadcast_to(P.prior[None, :], (n_i, n_r))
    for j in range(n_j):
        if j:
            prev = a1[j - 1]
            known = prev * (1.0 - f) + (1.0 - prev) * learn[j]
        x1 = known * e1[j]
        total = x1 + (1.0 - known) * e0[j]
        c[j] = total
        np.divide(x1, total, out=a1[j])
    wt = np.ones((n_i, n_r)) if w is None else np.ascontiguousarray(w.T)
    if not need_backward:
        return np.einsum("jnr,nr->r", np.log(c), wt), None
    b0 = np.ones((n_i, n_r))
    b1 = np.ones((n_i, n_r))
    g1 = np.empty((n_j, n_i, n_r))
    xi01 = np.zeros((n_j, n_i, n_r))
    xi00 = np.zeros((n_j, n_i, n_r))
    forget_num = np.zeros(n_r)
    forget_den = np.zeros(n_r)
    for j in range(n_j - 1, -1, -1):
        a1j = a1[j]
        k1 = a1j * b1
        g1[j] = k1 / (k1 + (1.0 - a1j) * b0)
        if j == 0:
            break
        z0 = e0[j] * b0 / c[j]
        z1 = e1[j] * b1 / c[j]
        tj = learn[j]
        prev1 = a1[j - 1]
        prev0 = 1.0 - prev1
        tmj = L.tm[j][:, None] * wt
        p0w = prev0 * tmj
        xi01[j] = p0w * tj * z1
        xi00[j] = p0w * (1.0 - tj) * z0
        p1w = prev1 * tmj
        x10 = (p1w * z0).sum(axis=0) * P.forget
        forget_num += x10
        forget_den += x10 + (p1w * z1).sum(axis=0) * (1.0 - P.forget)
        b0 = (1.0 - tj) * z0 + tj * z1
        b1 = f * z0 + (1.0 - f) * z1
    ll = np.einsum("jnr,nr->r", np.log(c), wt)
    wm = L.mf[:, :, None] * wt[None]                                     # J x N x R
    gw = g1 * wm
    s1 = gw.sum(axis=(0, 1))
    s1y = np.einsum("jnr,jn->r", gw, L.yf)
    sw = wm.sum(axis=(0, 1))
    swy = np.einsum("jnr,jn->r", wm, L.yf)
    stats = {
        "prior_num": (g1[0] * wt).sum(axis=0), "prior_den": wt.sum(axis=0),
        "guess_num": swy - s1y, "guess_den": sw - s1,
        "slip_num": s1 - s1y, "slip_den": s1,
        "forget_num": forget_num, "forget_den": forget_den,
        "xi01": xi01, "xi00": xi00,
    }
    return ll, stats


def _learn_step(L: _Layout, xi01: np.ndarray, xi00: np.ndarray, current: np.ndarray
                ) -> np.ndarray:
    """The M-step for the learn rates, per model and kind.

    With ``a`` the expected not-known -> known transitions after ``n`` units of practice and
    ``b`` the expected not-known -> not-known ones, the learn rate maximises
    ``sum a log(1 - q^n) + b n log q`` over ``q = 1 - t``: concave in ``log q``, so its one root
    ``sum b n = sum a n q^n / (1 - q^n)`` is found by bisection. With one practice amount for
    every transition this is the usual closed form ``T = sum a / sum (a + b)``.
    """
    n_r = xi01.shape[-1]
    out = current.copy()
    if L.flat.size == 0:
        return out
    a = np.add.reduceat(xi01.reshape(-1, n_r)[L.flat], L.starts, axis=0).T   # R x G
    b = np.add.reduceat(xi00.reshape(-1, n_r)[L.flat], L.starts, axis=0).T
    for k in range(L.n_kinds):
        sel = L.group_kind == k
        if not sel.any():
            continue
        ak, bk, nk = a[:, sel], b[:, sel], L.group_n[sel]
        if np.all(nk == nk[0]):
            big_t = ak.sum(axis=1) / np.maximum(ak.sum(axis=1) + bk.sum(axis=1), 1e-300)
            big_t = np.clip(big_t, _EPS, 1.0 - _EPS)
            out[:, k] = -np.expm1(np.log1p(-big_t) / nk[0])
            continue
        target = (bk * nk).sum(axis=1)                                    # R
        lo = np.full(n_r, math.log(1e-9))
        hi = np.full(n_r, math.log(1.0 - 1e-9))
        ank = ak * nk
        for _ in range(45):  # 2^-45 of the bracket: ~1e-12 in log t
            mid = 0.5 * (lo + hi)
            log_q = np.log1p(-np.exp(mid))                                # R
            # q^n / (1 - q^n) = 1 / expm1(-n log q)
            rhs = (ank / np.expm1(-nk[None] * log_q[:, None])).sum(axis=1)
            # rhs falls as t grows: too big a rhs means t is still too small
            up = rhs > target
            lo = np.where(up, mid, lo)
            hi = np.where(up, hi, mid)
        out[:, k] = np.exp(0.5 * (lo + hi))
    return np.clip(out, _EPS, 1.0 - _EPS)


@dataclass(frozen=True)
class _EMResult:
    params: _Batch
    log_likelihood: np.ndarray  # (R,)
    iterations: np.ndarray      # (R,)
    converged: np.ndarray       # (R,) bool


def _em(L: _Layout, start: _Batch, w: np.ndarray | None, *, forgets: bool, max_iter: int,
        tol: float, max_guess: float, max_slip: float) -> _EMResult:
    """EM for R models at once, each stopping when its log-likelihood gains less than ``tol``
    per response; models that have stopped leave the batch."""
    P = start.copy()
    n_r = P.prior.shape[0]
    per = max(L.seq.n_responses, 1) * (1.0 if w is None else float(np.mean(w.sum(axis=1))) /
                                       max(L.seq.n_learners, 1))
    last = np.full(n_r, -np.inf)
    iters = np.full(n_r, max_iter)
    done = np.zeros(n_r, dtype=bool)
    for it in range(1, max_iter + 1):
        live = np.flatnonzero(~done)
        if live.size == 0:
            break
        Q = _Batch(P.prior[live], P.learn[live], P.guess[live], P.slip[live], P.forget[live])
        ll, st = _forward_backward(L, Q, None if w is None else w[live])
        stop = np.abs(ll - last[live]) < tol * per
        last[live] = ll
        iters[live[stop]] = it
        done[live[stop]] = True
        go = ~stop
        if not go.any():
            break
        idx = live[go]
        P.prior[idx] = np.clip(st["prior_num"] / np.maximum(st["prior_den"], 1e-300), _EPS,
                               1 - _EPS)[go]
        P.guess[idx] = np.clip(st["guess_num"] / np.maximum(st["guess_den"], 1e-300), _EPS,
                               max_guess - _EPS)[go]
        P.slip[idx] = np.clip(st["slip_num"] / np.maximum(st["slip_den"], 1e-300), _EPS,
                              max_slip - _EPS)[go]
        P.forget[idx] = np.clip(st["forget_num"] / np.maximum(st["forget_den"], 1e-300), 0.0,
                                1 - _EPS)[go] if forgets else 0.0
        P.learn[idx] = _learn_step(L, st["xi01"], st["xi00"], Q.learn)[go]
    final, _ = _forward_backward(L, P, w, need_backward=False)
    return _EMResult(P, final, iters, done)


# ---- fitting one skill -------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    """An estimate with a bootstrap interval (``low``/``high`` None without a bootstrap)."""

    value: float
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict:
        return {"value": float(self.value),
                "low": None if self.low is None else float(self.low),
                "high": None if self.high is None else float(self.high)}


@dataclass(frozen=True)
class BKTFit:
    """A fitted BKT model for one skill, with how it was found and how sure it is.

    ``degenerate`` names the parameters that ended at a guard (guess or slip at 0.5): the data
    would rather have knowing the skill make a correct answer less likely, so the skill's
    responses do not look like a skill being learned.
    """

    params: BKTParameters
    log_likelihood: float
    n_learners: int
    n_responses: int
    restarts: int
    restart_log_likelihoods: tuple[float, ...]
    iterations: int
    converged: bool
    degenerate: tuple[str, ...]
    per_practice: bool                 #: learn is per unit of practice_hours (else per response)
    intervals: Mapping[str, Interval] = field(default_factory=dict)
    bootstrap: int = 0
    level: float = 0.9

    def interval(self, name: str) -> Interval:
        """The estimate of ``name`` (prior, learn, guess, slip, forget or ``learn:KIND``)."""
        if name in self.intervals:
            return self.intervals[name]
        if name.startswith("learn:"):
            return Interval(self.params.learn_by_kind[name[6:]])
        return Interval(getattr(self.params, name))

    def to_dict(self) -> dict:
        names = ["prior", "learn", "guess", "slip", "forget"] + \
            [f"learn:{k}" for k in self.params.learn_by_kind]
        return {
            **{n: self.interval(n).to_dict() for n in names},
            "log_likelihood": float(self.log_likelihood), "n_learners": self.n_learners,
            "n_responses": self.n_responses, "restarts": self.restarts,
            "restart_log_likelihoods": [float(x) for x in self.restart_log_likelihoods],
            "iterations": self.iterations, "converged": self.converged,
            "degenerate": list(self.degenerate), "learn_per": "practice hour" if
            self.per_practice else "response", "bootstrap": self.bootstrap, "level": self.level,
        }


def _starts(seq: Sequences, restarts: int, rng: np.random.Generator, forgets: bool) -> _Batch:
    """Restart 0 is a plain middle-of-the-road start; the others are random (pyBKT does the
    same), all inside the non-degenerate region."""
    n_k = len(seq.kinds)
    typical = float(np.median(seq.practice[seq.mask & (np.arange(seq.mask.shape[1]) > 0)])) \
        if seq.has_practice and seq.mask[:, 1:].any() else 1.0
    typical = max(typical, 1e-6)
    big_t = np.empty((restarts, n_k))
    big_t[0] = 0.1
    big_t[1:] = rng.uniform(0.02, 0.4, size=(restarts - 1, n_k))
    learn = -np.expm1(np.log1p(-big_t) / typical)
    prior = np.r_[0.3, rng.uniform(0.05, 0.7, restarts - 1)]
    guess = np.r_[0.2, rng.uniform(0.05, 0.4, restarts - 1)]
    slip = np.r_[0.1, rng.uniform(0.05, 0.3, restarts - 1)]
    forget = np.r_[0.01, rng.uniform(0.0, 0.05, restarts - 1)] if forgets else \
        np.zeros(restarts)
    return _Batch(prior, learn, guess, slip, forget)


def _to_params(P: _Batch, r: int, seq: Sequences) -> BKTParameters:
    by_kind = {k: float(P.learn[r, i]) for i, k in enumerate(seq.kinds)} \
        if seq.kinds != ("",) else {}
    return BKTParameters(prior=float(P.prior[r]), learn=pooled_learn(P.learn[r], seq),
                         guess=float(P.guess[r]), slip=float(P.slip[r]),
                         forget=float(P.forget[r]), learn_by_kind=by_kind)


def pooled_learn(learn_by_kind, seq: Sequences) -> float:
    """One learn rate for several kinds: the one whose ``(1 - t)`` is the geometric mean of the
    kinds', weighted by each kind's practice (the rate that gives the same total progress)."""
    learn_by_kind = np.atleast_1d(np.asarray(learn_by_kind, dtype=float))
    if learn_by_kind.size == 1:
        return float(learn_by_kind[0])
    tm = seq.mask.copy()
    tm[:, 0] = False
    weight = np.bincount(seq.kind[tm], weights=seq.practice[tm], minlength=len(seq.kinds))
    if weight.sum() <= 0:
        weight = np.ones_like(learn_by_kind)
    return _pooled_chance(learn_by_kind, weight)


def _pooled_chance(chances, weights) -> float:
    """The one chance whose ``1 - c`` is the weighted geometric mean of the ``1 - chances``
    (the chance that gives the same total as the several together)."""
    w = np.asarray(weights, dtype=float)
    return float(-np.expm1(np.sum(w * np.log1p(-np.asarray(chances, dtype=float))) / w.sum()))


def _per_unit(chance, units: float):
    """A chance over ``units`` units (hours, weeks) -> the chance per unit that compounds to it:
    ``1 - c_unit = (1 - c) ** (1 / units)``."""
    return -np.expm1(np.log1p(-chance) / units)


def _degenerate(P: _Batch, r: int) -> tuple[str, ...]:
    """Which of guess and slip are at or beyond 0.5 (at the guard, when the guard is on)."""
    out = []
    if P.guess[r] >= MAX_GUESS - 1e-3:
        out.append("guess")
    if P.slip[r] >= MAX_SLIP - 1e-3:
        out.append("slip")
    return tuple(out)


def fit_bkt(seq: Sequences, *, restarts: int = 5, forgets: bool = True, seed: int = 0,
            max_iter: int = 500, tol: float = 1e-7, max_guess: float = MAX_GUESS,
            max_slip: float = MAX_SLIP, start: BKTParameters | None = None) -> BKTFit:
    """Fit one skill's BKT model by EM from several starts; keep the most likely fit.

    Parameters
    ----------
    seq : Sequences
        The skill's responses (``Sequences.from_frame``).
    restarts : int
        Starting points (all run at once); the fit with the highest likelihood is kept, one
        that ended at a guard only when every one did.
    forgets : bool
        Fit a forget rate (else it is 0, as pyBKT's default).
    seed : int
        For the random starts.
    max_iter, tol
        EM stops when the log-likelihood gains less than ``tol`` per response.
    max_guess, max_slip
        The degenerate-fit guards (0.5 each; 1 switches a guard off).
    start : BKTParameters, optional
        Use this as the first starting point (a value beyond a guard is brought inside it).

    Returns
    -------
    BKTFit
    """
    if seq.n_responses == 0:
        raise ValueError("no responses to fit")
    restarts = max(int(restarts), 1)
    rng = np.random.default_rng(seed)
    L = _Layout(seq)
    first = _starts(seq, restarts, rng, forgets)
    if start is not None:
        given = _start_from_params(start, seq, 1)
        first.prior[0], first.learn[0] = given.prior[0], given.learn[0]
        first.guess[0] = min(given.guess[0], max_guess - _EPS)
        first.slip[0] = min(given.slip[0], max_slip - _EPS)
        first.forget[0] = given.forget[0] if forgets else 0.0
    res = _em(L, first, None, forgets=forgets,
              max_iter=max_iter, tol=tol, max_guess=max_guess, max_slip=max_slip)
    ll = res.log_likelihood
    flags = [_degenerate(res.params, r) for r in range(restarts)]
    clean = np.array([not f for f in flags])
    guarded = max_guess <= MAX_GUESS and max_slip <= MAX_SLIP
    # with the guards on, a start held at a guard loses to any that is not
    pick = np.where(clean, ll, -np.inf) if guarded and clean.any() else ll
    best = int(np.argmax(pick))
    return BKTFit(params=_to_params(res.params, best, seq), log_likelihood=float(ll[best]),
                  n_learners=seq.n_learners, n_responses=seq.n_responses, restarts=restarts,
                  restart_log_likelihoods=tuple(float(x) for x in ll),
                  iterations=int(res.iterations[best]), converged=bool(res.converged[best]),
                  degenerate=flags[best], per_practice=seq.has_practice)


def _start_from(fit: BKTFit, seq: Sequences, n: int) -> _Batch:
    return _start_from_params(fit.params, seq, n)


def _start_from_params(p: BKTParameters, seq: Sequences, n: int) -> _Batch:
    learn = np.array([p.learn_by_kind.get(k, p.learn) for k in seq.kinds]) \
        if p.learn_by_kind else np.array([p.learn])
    return _Batch(np.full(n, p.prior), np.tile(learn, (n, 1)), np.full(n, p.guess),
                  np.full(n, p.slip), np.full(n, p.forget))


def bootstrap_weights(n_learners: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """(n_boot, n_learners): how many times each learner is drawn in each bootstrap replicate."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_learners, np.full(n_learners, 1.0 / n_learners),
                           size=n_boot).astype(float)


def bootstrap_bkt(seq: Sequences, fit: BKTFit, weights: np.ndarray, *, forgets: bool = True,
                  level: float = 0.9, max_iter: int = 300, tol: float = 1e-6,
                  max_guess: float = MAX_GUESS, max_slip: float = MAX_SLIP,
                  chunk_cells: int = 3_000_000) -> tuple[BKTFit, np.ndarray]:
    """Percentile intervals for a fit by refitting on learners drawn with replacement.

    Each replicate starts from the fit (one start each) and weighs every learner by how often it
    was drawn (``bootstrap_weights``); replicates run as one batched EM, in chunks of about
    ``chunk_cells`` numbers per array.

    Returns
    -------
    (BKTFit, numpy.ndarray)
        The fit with ``intervals`` filled, and the replicates' parameter vectors
        (n_boot x [prior, learn per kind..., guess, slip, forget]).
    """
    n_boot = len(weights)
    if n_boot == 0:
        return fit, np.zeros((0, 4 + len(seq.kinds)))
    L = _Layout(seq)
    cells = max(seq.correct.size, 1)
    step = max(1, chunk_cells // cells)
    draws = []
    for lo in range(0, n_boot, step):
        w = weights[lo:lo + step]
        res = _em(L, _start_from(fit, seq, len(w)), w, forgets=forgets, max_iter=max_iter,
                  tol=tol, max_guess=max_guess, max_slip=max_slip)
        draws.append(res.params.vector())
    draws = np.concatenate(draws)
    q = ((1 - level) / 2, 1 - (1 - level) / 2)
    n_k = len(seq.kinds)

    def iv(value, column):
        lo_, hi_ = np.quantile(column, q)
        return Interval(value, float(lo_), float(hi_))

    p = fit.params
    pooled = np.array([pooled_learn(d[1:1 + n_k], seq) for d in draws])
    intervals = {"prior": iv(p.prior, draws[:, 0]), "learn": iv(p.learn, pooled),
                 "guess": iv(p.guess, draws[:, 1 + n_k]), "slip": iv(p.slip, draws[:, 2 + n_k]),
                 "forget": iv(p.forget, draws[:, 3 + n_k])}
    for i, k in enumerate(p.learn_by_kind):
        intervals[f"learn:{k}"] = iv(p.learn_by_kind[k], draws[:, 1 + i])
    return dataclasses.replace(fit, intervals=intervals, bootstrap=n_boot, level=level), draws


# ---- prediction and calibration ---------------------------------------------------------------
def predict_correct(seq: Sequences, params: BKTParameters) -> np.ndarray:
    """Chance of each response being correct given the learner's earlier responses only.

    The forward filter (pyBKT's ``predict``): ``P(correct_j) = P(known_j) (1 - slip) +
    (1 - P(known_j)) guess`` with ``P(known_j)`` from responses before j. NaN on padding.
    """
    kinds = seq.kinds
    learn = np.array([[params.learn_by_kind.get(k, params.learn) for k in kinds]]) \
        if params.learn_by_kind else np.full((1, len(kinds)), params.learn)
    P = _Batch(np.array([params.prior]), learn, np.array([params.guess]),
               np.array([params.slip]), np.array([params.forget]))
    L = _Layout(seq)
    _, _, learnt = _tables(L, P)
    step = learnt[L.tcode][:, :, 0]                                      # J x N
    g, s, f = params.guess, params.slip, params.forget
    n_j, n_i = L.m.shape
    out = np.full((n_j, n_i), np.nan)
    known = np.full(n_i, params.prior)
    post = known
    for j in range(n_j):
        if j:
            known = post * (1 - f) + (1 - post) * step[j]
        out[j] = known * (1 - s) + (1 - known) * g
        like1 = np.where(L.y[j], 1 - s, s)
        like0 = np.where(L.y[j], g, 1 - g)
        post = known * like1 / (known * like1 + (1 - known) * like0)
    return np.where(L.m, out, np.nan).T


def brier_score(predicted, observed) -> float:
    """Mean squared difference between chances and 0/1 outcomes (0 is perfect)."""
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(observed, dtype=float)
    ok = np.isfinite(p)
    return float(np.mean((p[ok] - o[ok]) ** 2)) if ok.any() else float("nan")


def reliability_table(predicted, observed, bins: int = 10) -> pd.DataFrame:
    """Predicted chance against what happened, in equal-width bins of the chance.

    Columns: ``bin_low``, ``bin_high``, ``responses``, ``mean_predicted``, ``observed`` (share
    correct). A calibrated model has ``observed`` close to ``mean_predicted`` in every bin.
    """
    p = np.asarray(predicted, dtype=float).ravel()
    o = np.asarray(observed, dtype=float).ravel()
    ok = np.isfinite(p)
    p, o = p[ok], o[ok]
    edges = np.linspace(0.0, 1.0, bins + 1)
    b = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    count = np.bincount(b, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(b, weights=p, minlength=bins) / count
        obs = np.bincount(b, weights=o, minlength=bins) / count
    return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "responses": count,
                         "mean_predicted": mean_p, "observed": obs})


@dataclass(frozen=True)
class HeldOut:
    """How well fits made without some learners predict those learners' responses."""

    learners: int
    responses: int
    brier: float
    brier_base_rate: float   #: predicting every response with the fitting learners' share correct
    reliability: pd.DataFrame

    @property
    def skill_score(self) -> float:
        """1 - brier / brier_base_rate: the share of the base rate's error the model removes."""
        return 1.0 - self.brier / self.brier_base_rate if self.brier_base_rate > 0 else 0.0

    def to_dict(self) -> dict:
        rel = self.reliability.replace({np.nan: None})
        return {"learners": self.learners, "responses": self.responses, "brier": self.brier,
                "brier_base_rate": self.brier_base_rate, "skill_score": self.skill_score,
                "reliability": rel.to_dict(orient="records")}


# ---- synthetic logs (tests, the notebook, fixtures) ----------------------------------------------
def simulate_responses(n_learners: int, n_responses: int, *, prior: float, learn,
                       guess: float, slip: float, forget: float = 0.0, practice=None,
                       kinds=None, skill_name: str = "skill", level_step: int | None = None,
                       seed: int = 0, user_prefix: str = "u") -> pd.DataFrame:
    """A response log drawn from a BKT model, in pyBKT's columns.

    Parameters
    ----------
    n_learners, n_responses : int
        Learners, and responses per learner.
    prior, guess, slip, forget : float
    learn : float or dict
        The learn rate per unit of practice; a dict kind -> rate with ``kinds``.
    practice : array (n_learners, n_responses), optional
        Practice before each response (column ``practice_hours``; the first is not used). Without
        it every response is one unit and there is no ``practice_hours`` column.
    kinds : array (n_learners, n_responses) of str, optional
        The opportunity kind before each response (column ``opportunity_kind``).
    skill_name : str
    level_step : int, optional
        Adds a ``level_step`` column.
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``user_id, skill_name, correct, order_id`` (+ ``practice_hours``, ``opportunity_kind``,
        ``level_step``), ordered by learner and order.
    """
    rng = np.random.default_rng(seed)
    shape = (n_learners, n_responses)
    n = np.ones(shape) if practice is None else np.asarray(practice, dtype=float)
    if isinstance(learn, Mapping):
        if kinds is None:
            raise ValueError("a learn rate per kind needs kinds")
        kinds = np.asarray(kinds, dtype=object)
        rate = np.vectorize(lambda k: learn[k], otypes=[float])(kinds)
    else:
        rate = np.full(shape, float(learn))
    step = -np.expm1(n * np.log1p(-rate))
    known = np.empty(shape, dtype=bool)
    known[:, 0] = rng.random(n_learners) < prior
    u = rng.random(shape)
    for j in range(1, n_responses):
        prev = known[:, j - 1]
        known[:, j] = np.where(prev, u[:, j] >= forget, u[:, j] < step[:, j])
    v = rng.random(shape)
    correct = np.where(known, v >= slip, v < guess).astype(np.int8)
    width = len(str(n_learners - 1))
    out = pd.DataFrame({
        "user_id": np.repeat([f"{user_prefix}{i:0{width}d}" for i in range(n_learners)],
                             n_responses),
        "skill_name": skill_name,
        "correct": correct.ravel(),
        "order_id": np.arange(n_learners * n_responses) + 1,
    })
    if practice is not None:
        out["practice_hours"] = n.ravel()
    if kinds is not None:
        out["opportunity_kind"] = np.asarray(kinds, dtype=object).ravel()
    if level_step is not None:
        out["level_step"] = int(level_step)
    return out


# ---- attendance ----------------------------------------------------------------------------------
def attendance_covariates(catalogue: Catalogue, learners: Mapping[str, Learner],
                          frame: pd.DataFrame, params: ModelParameters = DEFAULT_PARAMETERS
                          ) -> pd.DataFrame:
    """Add each attendance row's one-way trip and whether the section ends late.

    ``travel_minutes`` is the fastest trip from the learner's home zone to the section's zone by
    any of their ways of travelling (0 for a section that needs no travel; inf when they cannot
    get there), as the projection's attendance rule has it; ``ends_late`` is whether the section
    ends after ``params.late_hour``. Values the log already gives are kept; only missing ones
    (no column, or an empty cell) are worked out.
    """
    out = frame.copy()
    given_minutes = out["travel_minutes"].to_numpy(dtype=float) if "travel_minutes" in out \
        else np.full(len(out), np.nan)
    given_late = out["ends_late"] if "ends_late" in out else pd.Series(pd.NA, index=out.index,
                                                                          dtype="boolean")
    given_late = pd.array(given_late, dtype="boolean")
    if not np.isnan(given_minutes).any() and not given_late.isna().any():
        out["travel_minutes"] = given_minutes
        out["ends_late"] = given_late.to_numpy(dtype=bool)
        return out
    sec = catalogue.section_table.reindex(out["section"].astype(str))
    minutes = given_minutes.copy()
    todo = np.isnan(minutes)
    in_person = sec["in_person"].fillna(False).to_numpy(dtype=bool)
    zones = sec["zone"].to_numpy(dtype=object)
    for lid, rows in out[todo].groupby(out["learner"].astype(str)[todo]).indices.items():
        rows = np.flatnonzero(todo)[rows]
        learner = learners.get(lid)
        if learner is None:
            continue
        reach = catalogue.travel_from(learner.home_zone, learner.transport)
        trip = reach.reindex(pd.Index(zones[rows])).to_numpy(dtype=float)
        trip = np.where(np.isnan(trip), np.inf, trip)
        minutes[rows] = np.where(in_person[rows], trip, 0.0)
    end = sec["end_min"].fillna(-1).to_numpy(dtype=float)
    late = sec["meets"].fillna(False).to_numpy(dtype=bool) & (end > params.late_hour * 60)
    out["travel_minutes"] = minutes
    out["ends_late"] = np.where(given_late.isna(), late, given_late.fillna(False)).astype(bool)
    return out


@dataclass(frozen=True)
class AttendanceFit:
    """Attendance factors fitted from an attendance log, on the projection's own rule.

    ``attendance = base - travel_penalty x max(0, minutes - free) / 10 - late_penalty x late``.
    A factor the log cannot tell apart (no trip beyond ``free_travel_minutes``, no late section)
    is not fitted: it keeps its default and is named in ``not_identified``.
    """

    base_attendance: Interval
    travel_penalty_per_10min: Interval | None
    late_penalty: Interval | None
    rows: int
    learners: int
    unreachable_rows: int          #: rows with no way there, left out (the rule gives the floor)
    not_identified: tuple[str, ...]
    log_likelihood: float

    def values(self) -> dict[str, float]:
        out = {"base_attendance": self.base_attendance.value}
        if self.travel_penalty_per_10min is not None:
            out["travel_penalty_per_10min"] = self.travel_penalty_per_10min.value
        if self.late_penalty is not None:
            out["late_penalty"] = self.late_penalty.value
        return out

    def to_dict(self) -> dict:
        return {"base_attendance": self.base_attendance.to_dict(),
                "travel_penalty_per_10min": None if self.travel_penalty_per_10min is None
                else self.travel_penalty_per_10min.to_dict(),
                "late_penalty": None if self.late_penalty is None else
                self.late_penalty.to_dict(),
                "rows": self.rows, "learners": self.learners,
                "unreachable_rows": self.unreachable_rows,
                "not_identified": list(self.not_identified),
                "log_likelihood": self.log_likelihood}


def _bernoulli_linear(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta0: np.ndarray,
                      signs: np.ndarray, iters: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood of ``P(y = 1) = X beta`` for B weightings at once (Newton, with the
    step halved while any chance would leave (0, 1); ``signs`` keeps penalties >= 0).

    The log-likelihood is concave in beta (log of a linear function), so this finds the one
    maximum. Returns (beta (B x p), log-likelihood (B,)).
    """
    n_b = w.shape[0]
    beta = np.tile(beta0, (n_b, 1))
    lo, hi = 1e-4, 1 - 1e-4
    k = X.shape[1]
    outer = (X[:, :, None] * X[:, None, :]).reshape(len(X), k * k)     # x x^T per record

    def loglik(b):
        p = np.clip(b @ X.T, lo, hi)
        return (w * (y * np.log(p) + (1 - y) * np.log1p(-p))).sum(axis=1)

    ll = loglik(beta)
    for _ in range(iters):
        p = np.clip(beta @ X.T, lo, hi)                                  # B x n
        r = w * (y / p - (1 - y) / (1 - p))
        grad = r @ X                                                     # B x k
        h = w * (y / p**2 + (1 - y) / (1 - p) ** 2)
        hess = (h @ outer).reshape(n_b, k, k) + 1e-9 * np.eye(k)
        delta = np.linalg.solve(hess, grad[..., None])[..., 0]
        t = np.ones(n_b)
        for _h in range(30):
            cand = beta + t[:, None] * delta
            cand = np.where(signs[None] > 0, np.maximum(cand, 0.0), cand)
            pc = cand @ X.T
            ok = ((pc > lo) & (pc < hi)).all(axis=1)
            new_ll = np.where(ok, loglik(cand), -np.inf)
            better = ok & (new_ll >= ll - 1e-12)
            if better.all():
                break
            t = np.where(better, t, t / 2)
        moved = np.abs(cand - beta).max(axis=1) if n_b else np.zeros(0)
        beta = np.where(better[:, None], cand, beta)
        ll = np.where(better, new_ll, ll)
        if (moved < 1e-10).all():
            break
    return beta, ll


def fit_attendance(frame: pd.DataFrame, params: ModelParameters = DEFAULT_PARAMETERS, *,
                   n_boot: int = 0, level: float = 0.9, seed: int = 0) -> AttendanceFit:
    """Fit base attendance and the travel and late-hour penalties from attendance records.

    Parameters
    ----------
    frame : DataFrame
        ``learner``, ``attended`` (0/1), ``travel_minutes``, ``ends_late``
        (``attendance_covariates`` adds the last two from a catalogue).
    params : ModelParameters
        Where ``free_travel_minutes`` comes from (kept, not fitted).
    n_boot : int
        Bootstrap replicates over learners for the intervals (0: none).

    Returns
    -------
    AttendanceFit
    """
    minutes = frame["travel_minutes"].to_numpy(dtype=float)
    reachable = np.isfinite(minutes)
    f = frame[reachable]
    if f.empty:
        raise ValueError("no attendance records with a reachable section")
    extra = np.maximum(0.0, f["travel_minutes"].to_numpy(dtype=float)
                       - params.free_travel_minutes) / 10.0
    late = f["ends_late"].to_numpy(dtype=bool).astype(float)
    y = f["attended"].to_numpy(dtype=float)
    names = ["base_attendance"]
    cols = [np.ones(len(f))]
    missing = []
    if np.ptp(extra) > 0:
        names.append("travel_penalty_per_10min")
        cols.append(-extra)
    else:
        missing.append("travel_penalty_per_10min")
    if 0 < late.sum() < len(late):
        names.append("late_penalty")
        cols.append(-late)
    else:
        missing.append("late_penalty")
    X = np.column_stack(cols)
    signs = np.array([0] + [1] * (len(names) - 1))
    start = np.array([float(np.clip(y.mean(), 0.05, 0.95))] + [0.0] * (len(names) - 1))
    codes, users = pd.factorize(f["learner"].astype(str))
    beta, ll = _bernoulli_linear(X, y, np.ones((1, len(y))), start, signs)
    est = beta[0]
    intervals: dict[str, Interval] = {}
    if n_boot > 0:
        counts = bootstrap_weights(len(users), n_boot, seed)             # B x learners
        bw = counts[:, codes]
        draws, _ = _bernoulli_linear(X, y, bw, est, signs)
        q = ((1 - level) / 2, 1 - (1 - level) / 2)
        for i, name in enumerate(names):
            lo_, hi_ = np.quantile(draws[:, i], q)
            intervals[name] = Interval(float(est[i]), float(lo_), float(hi_))
    for i, name in enumerate(names):
        intervals.setdefault(name, Interval(float(est[i])))
    return AttendanceFit(
        base_attendance=intervals["base_attendance"],
        travel_penalty_per_10min=intervals.get("travel_penalty_per_10min"),
        late_penalty=intervals.get("late_penalty"), rows=len(f), learners=len(users),
        unreachable_rows=int((~reachable).sum()), not_identified=tuple(missing),
        log_likelihood=float(ll[0]))


# ---- a whole calibration -------------------------------------------------------------------------
@dataclass(frozen=True)
class SkillFit:
    """One skill of the log, the level step it stands for, and its fit."""

    skill_name: str
    level_step: int
    step_given: bool   #: did the log say the step (else ``REFERENCE_STEP`` was assumed)
    fit: BKTFit
    difficulty: float  #: the competency's difficulty when the skill names one, else 1

    def to_dict(self) -> dict:
        return {"skill_name": self.skill_name, "level_step": self.level_step,
                "level_step_given": self.step_given, "difficulty": self.difficulty,
                **self.fit.to_dict()}


@dataclass(frozen=True)
class Calibration:
    """Everything ``workbench calibrate`` found: fits, mapped parameters, held-out check."""

    skills: tuple[SkillFit, ...]
    values: Mapping[str, object]             #: ModelParameters fields that were fitted
    intervals: Mapping[str, object]          #: their bootstrap intervals (low, high)
    notes: Mapping[str, str]                 #: how each fitted value was made
    attendance: AttendanceFit | None
    held_out: HeldOut | None
    settings: Mapping[str, object]
    base: ModelParameters = DEFAULT_PARAMETERS

    def model_parameters(self) -> ModelParameters:
        """The base parameters with the fitted values put in."""
        return dataclasses.replace(self.base, **dict(self.values))

    def provenance(self, source: str) -> dict[str, dict]:
        """Per fitted parameter: value, interval and how it was made (for a parameters file)."""
        out = {}
        for name, value in self.values.items():
            iv = self.intervals.get(name)
            out[name] = {"source": f"fitted by workbench calibrate from {source}",
                         "value": value, "interval": iv,
                         "level": self.settings.get("level"), "note": self.notes.get(name, "")}
        return out

    def document(self, source: str, created: str | None = None) -> dict:
        """The parameters file's content (``formats.parameters.write_parameters`` writes it)."""
        return {
            "format": "workbench-parameters", "version": 1, "created": created,
            "source": {"from": source, **dict(self.settings)},
            "parameters": {k: list(v) if isinstance(v, tuple) else v
                           for k, v in self.values.items()},
            "provenance": self.provenance(source),
            "fits": [s.to_dict() for s in self.skills],
            "attendance": None if self.attendance is None else self.attendance.to_dict(),
            "calibration": None if self.held_out is None else self.held_out.to_dict(),
        }


def _skill_units(responses: pd.DataFrame):
    """(skill, step, step_given, rows) for each BKT unit of a log."""
    given = "level_step" in responses and responses["level_step"].notna().any()
    steps = responses["level_step"].fillna(REFERENCE_STEP).astype(int) if given else \
        pd.Series(REFERENCE_STEP, index=responses.index)
    keys = pd.DataFrame({"skill": responses["skill_name"].astype(str), "step": steps})
    for (skill, step), rows in keys.groupby(["skill", "step"], sort=True).indices.items():
        yield str(skill), int(step), bool(given), rows


def learn_rate_values(rates: Mapping[int, tuple[float, float]],
                      base: ModelParameters = DEFAULT_PARAMETERS) -> dict[str, object]:
    """``base_learn_rate`` and ``level_difficulty`` from per-step rates for difficulty 1.

    ``rates[k] = (rate, weight)``: the learn rate per practice opportunity at step k -> k+1 of a
    difficulty-1 competency (the projection's ``base_learn_rate / level_difficulty[k]``) and how
    much data it rests on. ``base_learn_rate`` is the Developing -> Proficient rate when that
    step was fitted, else the geometric mean of the fitted steps' rates scaled by their default
    ``level_difficulty``; ``level_difficulty[k] = base_learn_rate / rate[k]`` for every fitted
    step, the default for the others.
    """
    if not rates:
        return {}
    default = np.asarray(base.level_difficulty, dtype=float)
    if REFERENCE_STEP in rates:
        b = rates[REFERENCE_STEP][0] * default[REFERENCE_STEP]
    else:
        ks = np.array(sorted(rates))
        r = np.array([rates[k][0] for k in ks])
        wt = np.array([rates[k][1] for k in ks], dtype=float)
        b = float(np.exp(np.sum(wt * np.log(r * default[ks])) / wt.sum()))
    b = float(np.clip(b, 1e-9, 1 - 1e-9))
    ld = default.copy()
    for k, (rate, _w) in rates.items():
        ld[k] = b / rate
    if REFERENCE_STEP in rates:
        ld[REFERENCE_STEP] = default[REFERENCE_STEP]
    return {"base_learn_rate": b, "level_difficulty": tuple(float(x) for x in ld)}


def weekly_forget(forget, weeks_between_responses: float = 1.0):
    """BKT's ``forget`` (a chance per gap between two responses) -> a chance per week.

    With a constant weekly hazard and ``weeks_between_responses`` weeks between a learner's
    consecutive responses, surviving one gap is surviving that many weeks:
    ``1 - f_week = (1 - f) ** (1 / weeks_between_responses)``; one response a week maps 1:1.
    """
    f = np.clip(np.asarray(forget, dtype=float), 0.0, 1.0 - 1e-12)
    return _per_unit(f, float(weeks_between_responses))


def forget_rate_value(forgets, weights) -> float:
    """One ``forget_rate`` from per-skill weekly forget chances: the weighted geometric mean
    of ``1 - f`` (the mean weekly hazard), the way the learn rates of skills are pooled."""
    return _pooled_chance(np.clip(np.asarray(forgets, dtype=float), 0.0, 1.0 - 1e-12), weights)


def _per_opportunity(learn: np.ndarray | float, intensity: float, per_practice: bool):
    """A learn rate per practice hour -> per practice opportunity (``intensity`` an hour)."""
    learn = np.asarray(learn, dtype=float)
    if not per_practice or intensity == 1.0:
        return learn
    return _per_unit(learn, intensity)


def _step_rates(units, learns) -> dict[int, tuple[float, float]]:
    """Per step: the learner-weighted geometric mean of its skills' difficulty-1 rates."""
    by_step: dict[int, list[tuple[float, float]]] = {}
    for u, t in zip(units, learns, strict=True):
        by_step.setdefault(u.level_step, []).append((t * u.difficulty, u.fit.n_learners))
    out = {}
    for k, items in by_step.items():
        r = np.array([i[0] for i in items])
        wt = np.array([i[1] for i in items], dtype=float)
        out[k] = (float(np.exp(np.sum(wt * np.log(np.clip(r, 1e-12, 1))) / wt.sum())),
                  float(wt.sum()))
    return out


def calibrate(responses: pd.DataFrame, attendance: pd.DataFrame | None = None, *,
              base: ModelParameters = DEFAULT_PARAMETERS,
              difficulty: Mapping[str, float] | None = None, intensity: float = 1.0,
              restarts: int = 5, bootstrap: int = 100, holdout: float = 0.2,
              level: float = 0.9, forgets: bool = True, seed: int = 0,
              max_iter: int = 500, weeks_between_responses: float = 1.0) -> Calibration:
    """Fit the projection's learn rates (and attendance factors) from records.

    Parameters
    ----------
    responses : DataFrame
        A response log (pyBKT's columns; see ``Sequences.from_frame``), optionally with
        ``level_step`` (0-3: the step k -> k+1 a skill's responses are evidence of; without it
        every skill is taken as ``REFERENCE_STEP``).
    attendance : DataFrame, optional
        ``learner, attended, travel_minutes, ends_late`` (``attendance_covariates``).
    base : ModelParameters
        What the unfitted parameters stay at.
    difficulty : mapping, optional
        skill_name -> competency difficulty, for skills that are competencies of a catalogue.
    intensity : float
        Practice opportunities per hour of ``practice_hours`` (1: an hour is an opportunity).
    restarts, bootstrap, level, forgets, seed, max_iter
        See ``fit_bkt`` and ``bootstrap_bkt``; ``level`` is the interval's coverage.
    holdout : float
        The share of learners left out of a second fit to check its predictions on (0: none).
    weeks_between_responses : float
        Weeks between a learner's consecutive responses, to turn BKT's forget (per gap) into
        ``forget_rate`` (per idle week; ``weekly_forget``). Only used when ``forgets``.

    Returns
    -------
    Calibration
    """
    difficulty = dict(difficulty or {})
    units = list(_skill_units(responses))
    if not units:
        raise ValueError("the response log has no responses")
    all_users = np.unique(responses["user_id"].astype(str).to_numpy(dtype=object))
    weights = bootstrap_weights(len(all_users), bootstrap, seed + 1) if bootstrap else \
        np.zeros((0, len(all_users)))
    user_col = pd.Index(all_users)
    fits: list[SkillFit] = []
    draws: list[np.ndarray] = []
    forget_draws: list[np.ndarray] = []
    seqs: list[Sequences] = []
    for i, (skill, step, given, rows) in enumerate(units):
        if not 0 <= step < N_STEPS:
            raise ValueError(f"level_step must be 0-3, got {step} for skill {skill!r}")
        seq = Sequences.from_frame(responses.iloc[rows])
        fit = fit_bkt(seq, restarts=restarts, forgets=forgets, seed=seed + 17 * i,
                      max_iter=max_iter)
        if bootstrap:
            w = weights[:, user_col.get_indexer(seq.learners)]
            fit, d = bootstrap_bkt(seq, fit, w, forgets=forgets, level=level)
            n_k = len(seq.kinds)
            draws.append(np.array([pooled_learn(x[1:1 + n_k], seq) for x in d]))
            forget_draws.append(d[:, 3 + n_k])
        seqs.append(seq)
        fits.append(SkillFit(skill, step, given, fit, float(difficulty.get(skill, 1.0))))
    per_opp = [float(_per_opportunity(s.fit.params.learn, intensity, s.fit.per_practice))
               for s in fits]
    values = learn_rate_values(_step_rates(fits, per_opp), base)
    intervals: dict[str, object] = {}
    q = ((1 - level) / 2, 1 - (1 - level) / 2)
    if bootstrap:
        reps = [learn_rate_values(_step_rates(fits, [float(_per_opportunity(
            d[b], intensity, s.fit.per_practice)) for s, d in zip(fits, draws, strict=True)]),
            base) for b in range(bootstrap)]
        blr = np.array([r["base_learn_rate"] for r in reps])
        ld = np.array([r["level_difficulty"] for r in reps])
        intervals["base_learn_rate"] = tuple(float(x) for x in np.quantile(blr, q))
        intervals["level_difficulty"] = [tuple(float(x) for x in np.quantile(ld[:, k], q))
                                         for k in range(N_STEPS)]
    fitted_steps = sorted({s.level_step for s in fits})
    notes = {
        "base_learn_rate": (
            f"BKT learn rate per practice opportunity at step {REFERENCE_STEP}->"
            f"{REFERENCE_STEP + 1} for a difficulty-1 competency, from "
            f"{len(fits)} skill fit(s) over {len(all_users)} learners"
            + (f"; practice hours x {intensity:g} opportunities an hour"
               if any(s.fit.per_practice for s in fits) else "; each response one opportunity")
            + ("" if REFERENCE_STEP in fitted_steps else
               "; that step was not in the log: scaled from the fitted steps by the default "
               "level_difficulty")),
        "level_difficulty": "base_learn_rate / fitted rate for steps "
                            + ", ".join(f"{k}->{k + 1}" for k in fitted_steps)
                            + "; default for the others",
    }
    if not any(s.step_given for s in fits):
        notes["level_difficulty"] = ("not fitted: the log has no level_step column, so every "
                                     "skill was taken as the Developing -> Proficient step")
        values.pop("level_difficulty", None)
        intervals.pop("level_difficulty", None)
    if forgets:
        if not weeks_between_responses > 0:
            raise ValueError("weeks_between_responses must be more than 0")
        n_l = [s.fit.n_learners for s in fits]
        values["forget_rate"] = forget_rate_value(
            [weekly_forget(s.fit.params.forget, weeks_between_responses) for s in fits], n_l)
        if bootstrap:
            reps_f = [forget_rate_value([weekly_forget(d[b], weeks_between_responses)
                                         for d in forget_draws], n_l) for b in range(bootstrap)]
            intervals["forget_rate"] = tuple(float(x) for x in np.quantile(reps_f, q))
        notes["forget_rate"] = (
            f"BKT forget (a chance per gap between responses) of {len(fits)} skill fit(s), "
            f"taken as a constant weekly hazard with {weeks_between_responses:g} week(s) between "
            "responses: 1 - (1 - forget)^(1/weeks), pooled as a learner-weighted geometric mean "
            "of 1 - forget; the projection applies it only in idle weeks and never below the "
            "starting level (docs/model.md section 5.3)")
    att = None
    if attendance is not None and len(attendance):
        att = fit_attendance(attendance, base, n_boot=bootstrap, level=level, seed=seed + 2)
        for name, value in att.values().items():
            values[name] = float(np.clip(value, 1e-6, 1.0)) if name == "base_attendance" \
                else float(max(value, 0.0))
            iv = getattr(att, name)
            if iv.low is not None:
                intervals[name] = (iv.low, iv.high)
            notes[name] = (f"maximum likelihood on {att.rows} attendance records of "
                           f"{att.learners} learners (the projection's attendance rule)")
    held = _held_out(responses, units, holdout, restarts, forgets, seed, max_iter) \
        if holdout > 0 else None
    settings = {"restarts": restarts, "bootstrap": bootstrap, "holdout": holdout,
                "level": level, "forgets": forgets, "seed": seed, "intensity": intensity,
                "weeks_between_responses": weeks_between_responses}
    return Calibration(skills=tuple(fits), values=values, intervals=intervals, notes=notes,
                       attendance=att, held_out=held, settings=settings, base=base)


def split_learners(users, holdout: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Learner ids to fit on and to hold out (at least one of each when there are two)."""
    users = np.unique(np.asarray(users, dtype=object).astype(str))
    rng = np.random.default_rng(seed)
    n_out = round(holdout * len(users))
    n_out = min(max(n_out, 1 if len(users) > 1 else 0), len(users) - 1)
    pick = rng.permutation(len(users))
    return np.sort(users[pick[n_out:]]), np.sort(users[pick[:n_out]])


def _held_out(responses, units, holdout, restarts, forgets, seed, max_iter) -> HeldOut | None:
    fit_users, out_users = split_learners(responses["user_id"], holdout, seed + 3)
    if len(out_users) == 0:
        return None
    users = responses["user_id"].astype(str)
    preds, obs = [], []
    base_num = base_den = 0.0
    for i, (_skill, _step, _given, rows) in enumerate(units):
        part = responses.iloc[rows]
        inside = users.iloc[rows].isin(set(fit_users)).to_numpy()
        if not inside.any() or inside.all():
            continue
        train = Sequences.from_frame(part[inside])
        test = Sequences.from_frame(part[~inside])
        fit = fit_bkt(train, restarts=restarts, forgets=forgets, seed=seed + 31 * i,
                      max_iter=max_iter)
        p = predict_correct(test, fit.params)
        preds.append(p[test.mask])
        obs.append(test.correct[test.mask].astype(float))
        base_num += float(train.correct[train.mask].sum())
        base_den += train.n_responses
    if not preds:
        return None
    p = np.concatenate(preds)
    o = np.concatenate(obs)
    rate = base_num / base_den
    return HeldOut(learners=len(out_users), responses=len(o), brier=brier_score(p, o),
                   brier_base_rate=brier_score(np.full_like(o, rate), o),
                   reliability=reliability_table(p, o))


def parameter_table(params: ModelParameters = DEFAULT_PARAMETERS,
                    provenance: Mapping[str, Mapping] | None = None,
                    base: ModelParameters = DEFAULT_PARAMETERS) -> pd.DataFrame:
    """Every model parameter: its default and where that comes from, and the fitted value.

    Parameters
    ----------
    params : ModelParameters
        The parameters in use (e.g. a parameters file's).
    provenance : mapping, optional
        A parameters file's provenance: parameter -> {source, interval, ...}; only the
        parameters it names count as fitted.
    base : ModelParameters
        The defaults.

    Returns
    -------
    pandas.DataFrame
        ``parameter, default, default_source, fitted`` (None when not fitted), ``interval``,
        ``fitted_source``.
    """
    provenance = provenance or {}
    rows = []
    for f in dataclasses.fields(ModelParameters):
        prov = provenance.get(f.name)
        rows.append({
            "parameter": f.name, "default": getattr(base, f.name),
            "default_source": DEFAULT_SOURCES.get(f.name, "judgment"),
            "fitted": getattr(params, f.name) if prov else None,
            "interval": prov.get("interval") if prov else None,
            "fitted_source": prov.get("source") if prov else None,
        })
    return pd.DataFrame(rows)
