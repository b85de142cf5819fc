"""The credit ledger of a plan and side-by-side comparison of plans.

The ledger keeps seat time (Carnegie units: 120 hours = 1 unit) next to competency credit (a
competency projected to reach Proficient), with hours, travel, cost and cost per credit, so a
family sees both ways of counting at once. Requirement chances are exact: the number of a
domain's competencies that reach a level is Poisson-binomial, computed by dynamic programming.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .arrays import (
    CatalogueArrays,
    EngineCache,
    catalogue_arrays,
    day_numbers,
    frame_of_arrays,
)
from .dataset import PROFICIENT, Catalogue, Learner, Plan
from .projection import (
    DEFAULT_PARAMETERS,
    ModelParameters,
    Projection,
    per_row,
    project,
    range_bounds,
    records_frame,
)
from .schedule import weekly_travel_minutes

CARNEGIE_HOURS = 120.0
MIN_PLANS, MAX_PLANS = 2, 5
#: Below this many expected new credits a plan "gains nothing" and has no cost per credit.
NO_GAIN = 0.01
UNALIGNED = "Not aligned to a competency"


def poisson_binomial(probabilities) -> np.ndarray:
    """Distribution of the number of successes among independent events with these chances.

    Exact dynamic programme: ``pmf[j]`` = P(exactly j successes), length ``n + 1``.
    """
    p = np.clip(np.asarray(probabilities, dtype=float).ravel(), 0.0, 1.0)
    if p.size <= _SMALL:
        return np.array(_poisson_binomial_small(p.tolist()))
    pmf = np.zeros(p.size + 1)
    pmf[0] = 1.0
    for i, q in enumerate(p):
        # adding event i: j successes come from j (it failed) or j - 1 (it succeeded)
        pmf[1:i + 2] = pmf[1:i + 2] * (1 - q) + pmf[:i + 1] * q
        pmf[0] *= 1 - q
    return pmf


#: Up to this many events the dynamic programme runs on Python floats: for the handful of
#: competencies a requirement names that is several times quicker than numpy's per-call cost.
_SMALL = 24


def _poisson_binomial_small(p: list[float]) -> list[float]:
    """``poisson_binomial`` on Python floats, with exactly the same operations in each cell."""
    pmf = [1.0] + [0.0] * len(p)
    for i, q in enumerate(p):
        keep = 1 - q
        # from the top down, so pmf[j - 1] is still the value before event i
        for j in range(i + 1, 0, -1):
            pmf[j] = pmf[j] * keep + pmf[j - 1] * q
        pmf[0] *= keep
    return pmf


def probability_at_least(probabilities, k: int) -> float:
    """P(at least ``k`` of these independent events happen)."""
    pmf = poisson_binomial(probabilities)
    if k <= 0:
        return 1.0
    return float(np.clip(pmf[k:].sum(), 0.0, 1.0))


def probabilities_at_least(groups) -> list[np.ndarray]:
    """``probability_at_least`` for each row of each (chances (D, n), k) group (a row per draw
    of the model's parameters, a group per requirement of a plan): one dynamic programme for all
    of them, shorter groups padded with events that never happen, which leave every count's
    chance exactly as it was."""
    ps = [np.minimum(np.maximum(np.asarray(p, dtype=float), 0.0), 1.0) for p, _ in groups]
    if not ps:
        return []
    n = max(p.shape[1] for p in ps)
    # counts on the first axis, every group's draws side by side on the last: each step works
    # on whole contiguous rows in place
    p = np.zeros((n, sum(x.shape[0] for x in ps)))
    at = np.cumsum([0] + [x.shape[0] for x in ps])[:-1]     # where each group's draws start
    for x, lo in zip(ps, at, strict=True):
        p[:x.shape[1], lo:lo + x.shape[0]] = x.T
    pmf = np.zeros((n + 1, p.shape[1]))        # pmf[j]: the chance that j of those so far are
    pmf[0] = 1.0
    moved = np.empty((n, p.shape[1]))
    for i in range(n):
        q = p[i]
        np.multiply(pmf[:i + 1], q, out=moved[:i + 1])   # one more: from j - 1 to j
        pmf[1:i + 2] *= 1 - q
        pmf[1:i + 2] += moved[:i + 1]
        pmf[0] *= 1 - q
    out = []
    for (_, k), x, lo in zip(groups, ps, at, strict=True):
        d, m = x.shape
        if k <= 0:
            out.append(np.ones(d))
        elif k > m:
            out.append(np.zeros(d))
        else:
            out.append(np.minimum(np.maximum(pmf[k:, lo:lo + d].sum(axis=0), 0.0), 1.0))
    return out


def _json(v):
    """A value as plain JSON: numpy scalars to Python, NaN to None, dates to ISO text."""
    if isinstance(v, dict):
        return {str(k): _json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_json(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or v is pd.NaT:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    return [_json(r) for r in df.to_dict(orient="records")]


def plan_totals(arrays: CatalogueArrays, section_ptr: np.ndarray, section_pos: np.ndarray,
                week_days: np.ndarray, section_hours: np.ndarray | None = None
                ) -> dict[str, np.ndarray]:
    """Hours, cost and kind of many plans at once (one row per plan), as the ledger counts them.

    Parameters
    ----------
    arrays : CatalogueArrays
    section_ptr, section_pos : arrays of int
        Each plan's distinct known sections, flat: rows ``section_ptr[i]:section_ptr[i + 1]``
        of ``section_pos`` are plan i's, in plan order (``PlanRows`` holds them so).
    week_days : array of int
        The weeks to count (their first days as day numbers; a projection's Mondays).
    section_hours : array, optional
        ``arrays.hours_in_weeks(arrays.rows, week_days)`` if already worked out (a district run
        works it out once); else only the plans' own sections are worked out.

    Returns
    -------
    dict of arrays
        ``total_hours``, ``hours_per_week`` (mean over the weeks with any hours),
        ``max_hours_per_week``, ``cost`` (each opportunity paid for once), ``carnegie_units``,
        ``plan_kind`` (the opportunity kind with the most hours), ``in_school_hours``,
        ``outside_hours``; and ``section_hours``, hours of each entry of ``section_pos`` in each
        week.
    """
    n = len(section_ptr) - 1
    rs_row = np.repeat(np.arange(n, dtype=np.int64), np.diff(section_ptr))
    rs_sec = np.asarray(section_pos, dtype=np.int64)
    H = arrays.hours_in_weeks(rs_sec, week_days) if section_hours is None \
        else section_hours[rs_sec]
    hours_w = per_row(n, rs_row, H)
    total = hours_w.sum(axis=1)
    busy = (hours_w > 0).sum(axis=1)
    rs_opp = arrays.opportunity[rs_sec]
    # each opportunity is paid for once: its first section in the plan
    n_o = len(arrays.opportunity_ids) + 1
    _, first = np.unique(rs_row * n_o + rs_opp, return_index=True)
    first_opp = np.zeros(rs_row.size, dtype=bool)
    first_opp[first] = True
    cost = np.bincount(rs_row[first_opp], weights=arrays.opportunity_cost[rs_opp[first_opp]],
                       minlength=n).astype(float)
    sec_total = H.sum(axis=1)
    in_school = np.bincount(rs_row, weights=sec_total * arrays.at_school[rs_sec],
                            minlength=n).astype(float)
    kinds = np.asarray((*arrays.kinds, ""), dtype=object)  # the last: no such opportunity
    # + 1e-9 a section: a plan of only unpublished-times sections takes its most common kind
    kind_hours = np.bincount(rs_row * len(kinds) + arrays.opportunity_kind[rs_opp] % len(kinds),
                             weights=sec_total + 1e-9, minlength=n * len(kinds)
                             ).reshape(n, len(kinds))
    plan_kind = np.where(kind_hours.sum(axis=1) > 0, kinds[kind_hours.argmax(axis=1)], "")
    return {
        "total_hours": total,
        "hours_per_week": total / np.maximum(busy, 1),
        "max_hours_per_week": hours_w.max(axis=1, initial=0.0),
        "cost": cost, "carnegie_units": total / CARNEGIE_HOURS,
        "plan_kind": plan_kind.astype(object),
        "in_school_hours": in_school, "outside_hours": total - in_school,
        "section_hours": H,
    }


def _opportunity_domains(catalogue: Catalogue | CatalogueArrays,
                         opportunity: str | int) -> dict[str, float]:
    """Share of an opportunity's hours going to each domain, in proportion to intensity."""
    A = catalogue if isinstance(catalogue, CatalogueArrays) else catalogue_arrays(catalogue)
    o = A.opportunity_at.get(opportunity) if isinstance(opportunity, str) else opportunity
    if o is None or not A.opportunity_aligned[o]:
        return {UNALIGNED: 1.0}
    # aligned only to competencies the catalogue does not list: no domain gets its hours
    return dict(A.opportunity_domains[o])


def _goal_records(goals: pd.DataFrame) -> list[dict]:
    """``goals.to_dict(orient="records")``, column by column (the same plain Python values)."""
    columns = list(goals.columns)
    values = [[v.item() if isinstance(v, np.generic) else v for v in goals[c].tolist()]
              for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def plan_ledger(catalogue: Catalogue, learner: Learner, plan: Plan,
                projection: Projection | None = None,
                params: ModelParameters = DEFAULT_PARAMETERS, *,
                cache: EngineCache | None = None) -> dict:
    """Hours, travel, cost, Carnegie units and expected competency credits of one plan.

    Parameters
    ----------
    catalogue, learner, plan
        The plan and whose it is.
    projection
        The plan's projection, if already made (else it is made with ``params``); its horizon
        is the ledger's horizon.
    params
        Model parameters for the projection.
    cache
        The session's ``EngineCache`` (the plan's trips are kept there between edits).

    Returns
    -------
    dict
        plan_id, plan_name, sections, total_hours, hours_per_week (mean over weeks with any),
        max_hours_per_week, travel_minutes_per_week, cost (distinct opportunities),
        carnegie_units, carnegie_by_domain, expected_credits (the mean over draws of the
        model's parameters) with expected_credits_low / expected_credits_high (their 80%
        interval), credits_gained, requirements (requirement_id, name, domain, level,
        min_competencies, expected_count, probability_met, probability_met_low,
        probability_met_high), cost_per_credit (None when it gains under 0.01 credit), goals.
    """
    if projection is None:
        projection = project(catalogue, learner, plan.sections, params)
    return {**_ledger_numbers(catalogue, learner, plan, projection, cache),
            "goals": _goal_records(projection.goals)}


def _ledger_numbers(catalogue: Catalogue, learner: Learner, plan: Plan,
                    projection: Projection, cache: EngineCache | None = None) -> dict:
    """``plan_ledger`` without its goal records (a comparison reads goals from the frame)."""
    A = catalogue_arrays(catalogue)
    ids = A.known(plan.sections)
    pos = A.positions(ids)
    totals = plan_totals(A, np.array([0, len(pos)]), pos,
                         day_numbers(projection.week_starts[:-1]))
    per_section = totals["section_hours"]
    opp_of = A.opportunity[pos].tolist()
    opps = list(dict.fromkeys(opp_of))

    by_domain: dict[str, float] = {}
    for o in opps:
        rows = [i for i, x in enumerate(opp_of) if x == o]
        o_hours = float(per_section[rows].sum(axis=0).sum())
        for dom, share in _opportunity_domains(A, o).items():
            by_domain[dom] = by_domain.get(dom, 0.0) + o_hours * share / CARNEGIE_HOURS

    at_least: dict[int, np.ndarray] = {}
    at_least_draws: dict[int, np.ndarray] = {}

    def end_chance(level: int) -> np.ndarray:
        if level not in at_least:
            at_least[level] = projection.p_at_least(level)[-1]
        return at_least[level]

    def end_chance_draws(level: int) -> np.ndarray:
        if level not in at_least_draws:
            at_least_draws[level] = projection.end_at_least(level)
        return at_least_draws[level]

    p_end = end_chance(PROFICIENT)
    expected = float(p_end.sum())
    # the range over draws of the model's parameters (projection.project_ranges)
    credits_low, credits_high = (float(x) for x in range_bounds(projection.credit_draws()))
    already = float((projection.current_levels >= PROFICIENT).sum())
    gained = expected - already
    comp_domain = projection.competencies["domain"].to_numpy()
    requirements = []
    # within a draw the competencies are independent; across draws they are not, so the
    # chance of meeting a requirement is worked out draw by draw and then averaged
    met_each = probabilities_at_least([(end_chance_draws(level)[:, comp_domain == domain], need)
                                       for _, _, domain, level, need in A.requirements])
    for (rid, name, domain, level, need), each in zip(A.requirements, met_each, strict=True):
        probs = end_chance(level)[comp_domain == domain]
        met_low, met_high = (float(x) for x in range_bounds(each))
        requirements.append({
            "requirement_id": rid, "name": name, "domain": domain,
            "level": level, "min_competencies": need,
            "expected_count": float(probs.sum()),
            "probability_met": float(np.mean(each)),
            "probability_met_low": met_low, "probability_met_high": met_high,
        })
    cost = float(totals["cost"][0])
    per_credit = None if gained < NO_GAIN else 0.0 if cost == 0 else cost / gained
    return {
        "plan_id": plan.plan_id, "plan_name": plan.name, "sections": list(plan.sections),
        "total_hours": float(totals["total_hours"][0]),
        "hours_per_week": float(totals["hours_per_week"][0]),
        "max_hours_per_week": float(totals["max_hours_per_week"][0]),
        "travel_minutes_per_week": float(weekly_travel_minutes(catalogue, learner, ids, cache)),
        "cost": cost, "carnegie_units": float(totals["carnegie_units"][0]),
        "carnegie_by_domain": by_domain,
        "expected_credits": expected, "expected_credits_low": credits_low,
        "expected_credits_high": credits_high, "credits_gained": gained,
        "requirements": requirements, "cost_per_credit": per_credit,
    }


SCALARS = ("n_sections", "total_hours", "hours_per_week", "max_hours_per_week",
           "travel_minutes_per_week", "cost", "carnegie_units", "expected_credits",
           "expected_credits_low", "expected_credits_high", "credits_gained", "cost_per_credit")


@dataclass
class Comparison:
    """Two to five plans of one learner side by side."""

    table: pd.DataFrame
    trajectories: pd.DataFrame
    heatmap: pd.DataFrame
    projections: dict[str, Projection]

    def to_dict(self) -> dict:
        """Plain JSON-ready lists of records (dates as ISO text, NaN as null)."""
        return {"table": _records(self.table), "trajectories": _records(self.trajectories),
                "heatmap": _records(self.heatmap)}


def _goal_columns(goals: pd.DataFrame) -> list[str]:
    """"goal: <competency name>", made unique when one competency has several goals."""
    cols = [f"goal: {n}" for n in goals["name"]]
    dupes = {c for c in cols if cols.count(c) > 1}
    if not dupes:
        return cols
    words, dates = goals["target_word"].tolist(), goals["by"].tolist()
    return [f"{c} ({word} by {by:%B} {by.day}, {by.year})" if c in dupes else c
            for c, word, by in zip(cols, words, dates, strict=True)]


def compare_plans(catalogue: Catalogue, learner: Learner, plans: list[Plan],
                  params: ModelParameters = DEFAULT_PARAMETERS, *,
                  projections: dict[str, Projection] | None = None,
                  cache: EngineCache | None = None) -> Comparison:
    """Compare 2 to 5 plans: metrics table, trajectories, and end-of-year heat map.

    Parameters
    ----------
    catalogue, learner
        The catalogue and the learner whose plans these are.
    plans
        Two to five plans with distinct plan ids.
    params
        Model parameters for projections not given.
    projections
        Projections already made, by plan id (reused; others are computed).
    cache
        The session's ``EngineCache``: after one edit, the other plans' parts of the
        comparison are reused from there.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        For fewer than 2 or more than 5 plans, or a plan id given twice.
    """
    plans = list(plans)
    if not MIN_PLANS <= len(plans) <= MAX_PLANS:
        raise ValueError(f"compare {MIN_PLANS} to {MAX_PLANS} plans at a time; "
                         f"got {len(plans)}")
    ids = [p.plan_id for p in plans]
    if len(set(ids)) != len(ids):
        raise ValueError(f"each plan can be compared once; repeated: "
                         f"{sorted({i for i in ids if ids.count(i) > 1})}")
    given = projections or {}
    if cache is None:  # one for this call: its plans' parts share their text columns
        cache = EngineCache()
    projs: dict[str, Projection] = {}
    rows, trajs, heats = [], [], []
    for p in plans:
        pr = given.get(p.plan_id)
        if pr is None:
            pr = project(catalogue, learner, p.sections, params)
        projs[p.plan_id] = pr
        row, traj, heat = _plan_part(catalogue, learner, p, pr, cache)
        rows.append(dict(row))
        trajs.append(traj)
        heats.append(heat)
    A = catalogue_arrays(catalogue)
    return Comparison(table=records_frame(rows, list(rows[0])),
                      trajectories=_long_table(plans, projs, trajs, A=A, cache=cache),
                      heatmap=_long_table(plans, projs, heats, domain=True, A=A, cache=cache),
                      projections=projs)


def _plan_part(catalogue: Catalogue, learner: Learner, plan: Plan,
               projection: Projection, cache: EngineCache | None = None
               ) -> tuple[dict, dict, dict]:
    """One plan's table row and its trajectory and heat-map columns in a comparison.

    After one edit only the edited plan has a new projection; the others' parts are kept in the
    session's cache, keyed by the projection object (a projection, like the catalogue, is
    treated as read-only) and everything else of the plan and learner that the part reads.
    Callers copy before changing anything: the row is copied and the columns are only ever
    concatenated.
    """
    A = catalogue_arrays(catalogue)
    key = (id(projection), plan.plan_id, plan.name, tuple(plan.sections),
           learner.home_zone, tuple(learner.transport))
    hit = None if cache is None else cache.get("comparison_parts", A, key)
    # the weak reference makes sure a recycled id never sees a dead projection's part
    if hit is not None and hit[0]() is projection:
        return hit[1]
    pr = projection
    led = _ledger_numbers(catalogue, learner, plan, pr, cache)
    row = {"plan_id": plan.plan_id, "plan_name": plan.name, "n_sections": len(plan.sections)}
    row.update({k: led[k] for k in SCALARS if k in led})
    for r in led["requirements"]:
        row[f"requirement: {r['name']}"] = r["probability_met"]
    goal_columns = _goal_columns(pr.goals)
    for col, prob in zip(goal_columns, pr.goals["probability"].tolist(), strict=True):
        row[col] = float(prob)
    # each chance's 80% interval over draws of the parameters, after all the chances
    for r in led["requirements"]:
        row[f"requirement_low: {r['name']}"] = r["probability_met_low"]
        row[f"requirement_high: {r['name']}"] = r["probability_met_high"]
    for col, lo, hi in zip(goal_columns, pr.goals["probability_low"].tolist(),
                           pr.goals["probability_high"].tolist(), strict=True):
        name = col.removeprefix("goal: ")
        row[f"goal_low: {name}"], row[f"goal_high: {name}"] = float(lo), float(hi)
    expected, p_proficient = pr.expected, pr.p_at_least(PROFICIENT)
    traj = pr._trajectory_columns(expected, p_proficient, text=False)
    low, high = range_bounds(pr.end_at_least(PROFICIENT), axis=0)
    heat = {"p_proficient_end": p_proficient[-1], "p_proficient_end_low": low,
            "p_proficient_end_high": high, "expected_end": expected[-1]}
    for part in (traj, heat):
        for v in part.values():
            v.setflags(write=False)
    if cache is not None:
        cache.keep("comparison_parts", key, (weakref.ref(projection), (row, traj, heat)))
    return row, traj, heat


def _long_table(plans: list[Plan], projs: dict[str, Projection],
                parts: list[dict[str, np.ndarray]], domain: bool = False, *,
                A: CatalogueArrays, cache: EngineCache | None = None) -> pd.DataFrame:
    """Several plans' rows stacked, each plan's rows running week by week over its competencies.

    ``parts[i]`` holds plan i's numeric columns, either one row per competency or, with a
    ``week`` column, one per week and competency (weeks outer).
    """
    pr = [projs[p.plan_id] for p in plans]
    text = ["name", "domain"] if domain else ["name"]
    values = [p.plan_id for p in plans] + [p.name for p in plans]
    start = {"plan_id": 0, "plan_name": len(plans)}
    for col in ["competency_id", *text]:
        start[col] = len(values)
        for x in pr:
            values += _competency_text(x, A, cache)[col]
    shape = tuple((len(x.competency_ids), len(next(iter(part.values()))))
                  for x, part in zip(pr, parts, strict=True))
    # The text columns depend only on these words and the plans' row counts, which one edit
    # seldom changes; the kept arrays are immutable (Arrow) and each frame gets its own wrapper.
    key = (domain, tuple(values), shape)
    text_columns = None if cache is None else cache.get("text_columns", A, key)
    if text_columns is None:
        text_columns = _text_columns(plans, values, start, shape, text)
        if cache is not None:
            cache.keep("text_columns", key, text_columns)
    columns = {"plan_id": text_columns["plan_id"].copy(),
               "plan_name": text_columns["plan_name"].copy()}
    if "week" in parts[0]:
        columns["week"] = np.concatenate([part["week"] for part in parts])
    for col in ["competency_id", *text]:
        columns[col] = text_columns[col].copy()
    for key in parts[0]:
        if key != "week":
            columns[key] = np.concatenate([part[key] for part in parts])
    # every column is a fresh array made here: nothing to protect by copying
    return frame_of_arrays(columns)


def _competency_text(projection: Projection, A: CatalogueArrays,
                     cache: EngineCache | None = None) -> dict[str, list]:
    """A projection's competency ids, names and domains as lists, kept per projection object."""
    hit = None if cache is None else cache.get("competency_text", A, id(projection))
    if hit is not None and hit[0]() is projection:
        return hit[1]
    c = projection.competencies
    out = {"competency_id": list(projection.competency_ids), "name": c["name"].tolist(),
           "domain": c["domain"].tolist()}
    if cache is not None:
        cache.keep("competency_text", id(projection), (weakref.ref(projection), out))
    return out


def _text_columns(plans: list[Plan], values: list, start: dict, shape: tuple,
                  text: list[str]) -> dict:
    """The text columns of a long table: plan i has ``shape[i] = (competencies, rows)``.

    ``values`` are the plan ids, plan names and then each text column's competency words,
    plan after plan; ``start`` says where each column's words begin.
    """
    # Turning thousands of repeated Python strings into pandas' text dtype one by one costs
    # more than all the numbers of a comparison: the few distinct values are converted once
    # (one Series, so the column type is the one pandas would infer) and then repeated.
    distinct = pd.Series(np.asarray(values, dtype=object)).array
    plan_at, comp_at, offset = [], [], 0
    for i, (n_c, n) in enumerate(shape):
        plan_at.append(np.full(n, i, dtype=np.intp))
        comp_at.append(np.tile(np.arange(offset, offset + n_c, dtype=np.intp),
                               n // n_c if n_c else 0))
        offset += n_c
    plan_at, comp_at = np.concatenate(plan_at), np.concatenate(comp_at)
    columns = {"plan_id": distinct.take(plan_at), "plan_name": distinct.take(plan_at + len(plans))}
    for col in ["competency_id", *text]:
        columns[col] = distinct.take(comp_at + start[col])
    return columns
