"""Evidence as observations: what a credential or an assessment result says about a true level.

A badge, a course grade or a failed test is not the learner's level; it is an observation made
with some error, more error when nobody could check it. Each piece of evidence for a competency
has a likelihood ``P(this evidence | true level k)`` for k = 0..4 (the tables below, by kind of
evidence and whether it was verified), and the projection's starting distribution is the
recorded level's distribution filtered through every piece (Bayes: multiply, then normalise),
never overwritten by it. ``docs/model.md`` ("Where a learner starts") gives the rules and the
tables; the sizes are judgment, waiting to be fitted against assessments. The tables below are
the defaults of four ``ModelParameters`` fields (``EVIDENCE_FIELDS``), so a parameters file can
set them; the projection reads each piece as one of ``N_KINDS`` kinds (``evidence_kind``) and
looks its likelihood up in the parameters' table (``likelihood_table``).

The learner's data is unchanged: ``Learner.levels`` is what was recorded (``formats.badges``'s
``apply_evidence`` still raises it, so old and new files read the same) and ``Learner.evidence``
keeps every piece with ``verified``, ``result`` and ``status``. A recorded level that some piece
of evidence accounts for (the evidence shows exactly that level) is not a separate observation:
counting both would count the badge twice, so such a competency starts from a flat prior.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from .dataset import LEVELS, Evidence

N_LEVELS = len(LEVELS)

#: Credential statuses that mean it was not (yet) earned (Open Badges 3.0 ``ResultStatusType``
#: and the like): no information about the level, either way.
NOT_EARNED = frozenset({"enrolled", "inprogress", "in progress", "onhold", "on hold", "withdrew",
                        "withdrawn"})

#: P(evidence shows level L | true level k) by the distance |L - k| = 0, 1, 2, 3 and more, for
#: verified and unverified evidence. A verified credential is right 4 times in 5 and rarely two
#: levels off; an unsigned or self-reported one is right half the time. Judgment.
SHOWS_LEVEL: dict[bool, tuple[float, float, float, float]] = {
    True: (0.80, 0.15, 0.04, 0.01),
    False: (0.50, 0.25, 0.15, 0.10),
}

#: P(a failed result | true level k) for k = 0..4: a credential is read at Proficient unless its
#: result says otherwise, so a failure is evidence of a level below Proficient, never proof.
#: Unverified, the same table pulled halfway toward "says nothing" (0.5). Judgment.
FAILED: dict[bool, tuple[float, ...]] = {
    True: (0.90, 0.85, 0.70, 0.20, 0.10),
    False: (0.70, 0.675, 0.60, 0.35, 0.30),
}


#: The ModelParameters fields that hold the tables (their defaults are the tables above).
EVIDENCE_FIELDS = ("evidence_shows_verified", "evidence_shows_unverified",
                   "evidence_failed_verified", "evidence_failed_unverified")

#: Kinds of evidence: shows level 1..4 verified (0-3), unverified (4-7); failed, verified (8)
#: and unverified (9).
N_KINDS = 2 * (N_LEVELS - 1) + 2


def likelihood_table(params=None) -> np.ndarray:
    """``P(evidence of kind i | true level k)``, (N_KINDS, 5), from a ``ModelParameters``'
    ``EVIDENCE_FIELDS`` (None: the default tables)."""
    if params is None:
        return _table(SHOWS_LEVEL[True], SHOWS_LEVEL[False], FAILED[True], FAILED[False])
    return _table(*(tuple(getattr(params, name)) for name in EVIDENCE_FIELDS))


@lru_cache(maxsize=64)
def _table(shows_v, shows_u, failed_v, failed_u) -> np.ndarray:
    shows, failed = {True: shows_v, False: shows_u}, {True: failed_v, False: failed_u}
    d = np.abs(np.arange(N_LEVELS)[None, :] - np.arange(1, N_LEVELS)[:, None])     # L x k
    out = np.empty((N_KINDS, N_LEVELS))
    for v, verified in enumerate((True, False)):
        by_distance = np.asarray(shows[verified], dtype=float)
        out[v * (N_LEVELS - 1):(v + 1) * (N_LEVELS - 1)] = by_distance[
            np.minimum(d, len(by_distance) - 1)]
        out[2 * (N_LEVELS - 1) + v] = np.asarray(failed[verified], dtype=float)
    out.flags.writeable = False     # shared by every call with the same tables
    return out


def check_table(name: str, values) -> None:
    """A likelihood table's entries are chances (0 to 1), not all 0; ValueError naming it."""
    x = [float(v) for v in values]
    if not (all(math.isfinite(v) and 0 <= v <= 1 for v in x) and any(v > 0 for v in x)):
        raise ValueError(f"{name} must be chances from 0 to 1, not all 0 (got {tuple(values)})")


def is_not_earned(e: Evidence) -> bool:
    """A credential whose status says it was not earned (yet): no information about the level."""
    return e.status.strip().lower() in NOT_EARNED


def evidence_kind(e: Evidence) -> int | None:
    """The row of ``likelihood_table`` for a piece of evidence, or None when it says nothing.

    Evidence with a level above 0 shows that level (``SHOWS_LEVEL``); level 0 with a competency
    is a failed or not-met result (``FAILED``); a not-earned status or no competency says nothing.
    """
    if not e.competency_id or is_not_earned(e):
        return None
    unverified = 0 if e.verified else 1
    if int(e.level) <= 0:
        return 2 * (N_LEVELS - 1) + unverified
    return unverified * (N_LEVELS - 1) + min(int(e.level), N_LEVELS - 1) - 1


def likelihood(e: Evidence, params=None) -> np.ndarray | None:
    """``P(e | true level k)`` for k = 0..4 under ``params``' tables (None: the defaults), or
    None when the evidence says nothing about a level (``evidence_kind``)."""
    kind = evidence_kind(e)
    return None if kind is None else likelihood_table(params)[kind]


def evidence_counts(levels: dict[str, int], evidence: Iterable[Evidence]
                    ) -> dict[str, tuple[np.ndarray, bool]]:
    """Per competency with informative evidence: how many pieces of each kind (N_KINDS,), and
    whether the recorded level is accounted for by that evidence (some piece shows exactly
    that level). No parameters: the likelihoods are looked up when projecting."""
    out: dict[str, tuple[np.ndarray, bool]] = {}
    for e in evidence:
        kind = evidence_kind(e)
        if kind is None:
            continue
        cid = e.competency_id
        counts, explained = out.get(cid, (np.zeros(N_KINDS), False))
        counts = counts.copy()
        counts[kind] += 1
        explained = explained or (int(e.level) > 0 and int(e.level) == int(levels.get(cid, 0)))
        out[cid] = (counts, explained)
    return out


def counts_likelihood(counts: np.ndarray, params=None) -> np.ndarray:
    """The product of the likelihoods of K sets of pieces (K, N_KINDS) -> (K, 5).

    Several pieces multiply (they are taken as independent observations of the level now).
    """
    counts = np.asarray(counts, dtype=float).reshape(-1, N_KINDS)
    return np.prod(likelihood_table(params)[None] ** counts[:, :, None], axis=1)


def evidence_likelihoods(levels: dict[str, int], evidence: Iterable[Evidence], params=None
                         ) -> dict[str, tuple[np.ndarray, bool]]:
    """Per competency with informative evidence: the product of its likelihoods under
    ``params``' tables, and whether the recorded level is accounted for (``evidence_counts``)."""
    return {cid: (counts_likelihood(c, params)[0], explained)
            for cid, (c, explained) in evidence_counts(levels, evidence).items()}


def recorded_prior(level: int, spread: float) -> np.ndarray:
    """The recorded level as a distribution: ``1 - 2 spread`` on it and ``spread`` on each
    neighbour (at Not yet or Advanced the missing neighbour's share stays on the level)."""
    level = int(np.clip(level, 0, N_LEVELS - 1))
    out = np.zeros(N_LEVELS)
    out[level] = 1.0
    for n in (level - 1, level + 1):
        if 0 <= n < N_LEVELS:
            out[n] += spread
            out[level] -= spread
    return out


def start_distributions(levels: np.ndarray, likelihoods: np.ndarray, explained: np.ndarray,
                        spread: float) -> np.ndarray:
    """Starting distributions (K, 5) for K (learner, competency) pairs with evidence.

    The prior is the recorded level's distribution (``recorded_prior``), or flat where the
    recorded level is the evidence's own; the evidence's likelihood multiplies it (Bayes).
    Evidence that rules out every level the prior allows leaves the prior as it is.
    """
    levels = np.asarray(levels, dtype=np.int64)
    prior = np.array([recorded_prior(k, spread) for k in levels]).reshape(-1, N_LEVELS)
    prior[np.asarray(explained, dtype=bool)] = 1.0 / N_LEVELS
    post = prior * np.asarray(likelihoods, dtype=float).reshape(-1, N_LEVELS)
    total = post.sum(axis=1, keepdims=True)
    return np.where(total > 0, post / np.where(total > 0, total, 1.0), prior)
