"""One kernel: the district batch gives every learner-plan exactly what the one-plan engine gives.

Catalogues and rosters are generated (``workbench.domain.generate``) from drawn sizes and seeds,
then varied (unknown home zones, other strengths and interests, other model parameters, other
horizons), and every plan is projected both ways: ``district.project_roster`` over the roster
frame, and ``project`` + ``plan_ledger`` (+ ``check_plan`` for the roster's feasibility subset)
one learner at a time. Level numbers must agree exactly or to 1e-12.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import district
from workbench.domain.arrays import catalogue_arrays
from workbench.domain.dataset import Catalogue
from workbench.domain.feasibility import check_plan
from workbench.domain.generate import INTERESTS, STRENGTHS, generate_frames, generate_roster
from workbench.domain.ledger import plan_ledger
from workbench.domain.projection import (
    DEFAULT_PARAMETERS,
    PlanRows,
    project,
    project_many,
    week_grid,
)
from workbench.domain.words import ON_TRACK

TOL = 1e-12
PARITY = settings(max_examples=20, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def close(a, b) -> bool:
    """Equal to 1e-12 (relative above 1), NaN (or None) only with NaN."""
    a = float("nan") if a is None else float(a)
    b = float("nan") if b is None else float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= TOL * max(1.0, abs(a))


@st.composite
def districts(draw):
    """A generated catalogue, its learners and plans, varied, and the model's parameters."""
    frames = generate_frames(n_sections=draw(st.integers(1, 90)), seed=draw(st.integers(0, 999)),
                             n_competencies=draw(st.integers(7, 16)),
                             n_zones=draw(st.integers(2, 6)))
    cat = Catalogue.from_frames(**frames)
    learners, plans = generate_roster(cat, draw(st.integers(1, 6)),
                                      seed=draw(st.integers(0, 999)), plans_per_learner=(1, 3))
    for lr in learners:
        if draw(st.booleans()):
            lr.strengths = draw(st.lists(st.sampled_from(STRENGTHS), max_size=3, unique=True))
            lr.interests = draw(st.lists(st.sampled_from(INTERESTS), max_size=4, unique=True))
        if draw(st.integers(0, 9)) == 0:
            lr.home_zone = "Nowhere"            # a home the travel table does not know
    sections = list(cat.section_table.index)
    for p in plans:
        if sections and draw(st.integers(0, 4)) == 0:  # repeats and unknown ids are dropped
            p.sections = [*p.sections, sections[0], "NO-SUCH", *p.sections[:1]]
    params = DEFAULT_PARAMETERS
    if draw(st.booleans()):
        params = dataclasses.replace(
            params, interest_boost=draw(st.floats(0, 1)), strength_boost=draw(st.floats(0, 1)),
            travel_penalty_per_10min=draw(st.floats(0, 0.1)), late_hour=draw(st.floats(15, 21)),
            base_learn_rate=draw(st.floats(0.001, 0.05)),
            forget_rate=draw(st.sampled_from([0.0, 0.02, 0.3])),
            weekly_saturation=draw(st.sampled_from([float("inf"), 30.0, 2.0])),
            alignment_overlap=draw(st.sampled_from([0.0, 0.5, 1.0])))
    weeks = draw(st.sampled_from([40, 40, 12, 60]))
    start = draw(st.sampled_from([None, None, dt.date(2027, 1, 13)]))
    return cat, learners, plans, params, weeks, start


@PARITY
@given(districts(), st.integers(1, 7))
def test_batch_equals_the_one_plan_projection_on_generated_districts(drawn, chunk_size):
    cat, learners, plans, params, weeks, start = drawn
    by_id = {lr.learner_id: lr for lr in learners}
    roster = district.roster_from_learners(learners, plans)
    res = district.project_roster(cat, roster, params, weeks=weeks, start=start,
                               chunk_size=chunk_size)
    assert list(res.plans["plan_id"]) == [p.plan_id for p in plans]
    per_comp = {pid: g.set_index("competency_id")
                for pid, g in res.competencies.groupby("plan_id", sort=False)}
    for plan, (_, row) in zip(plans, res.plans.iterrows(), strict=True):
        who = by_id[plan.learner_id]
        # the batch's central columns are the chances at the central parameters
        proj = project(cat, who, plan.sections, params, start=start, weeks=weeks, draws=0)
        led = plan_ledger(cat, who, plan, proj, params)
        for key in ("expected_credits", "credits_gained", "hours_per_week", "cost",
                    "carnegie_units", "cost_per_credit"):
            assert close(row[key], led[key]), (plan.plan_id, key, row[key], led[key])
        probs = proj.goals["probability"].to_numpy()
        assert close(row["p_goal_mean"], probs.mean() if len(probs) else float("nan"))
        assert row["n_goals_likely"] == int((probs >= ON_TRACK).sum())
        assert row["in_school_hours"] + row["outside_hours"] == pytest.approx(
            led["total_hours"], rel=TOL, abs=TOL)
        # the roster's feasibility subset agrees with the full check on the kinds it covers
        kinds = {p.kind for p in check_plan(cat, who, plan.sections)}
        hard = {"grade", "capacity", "broadband", "device", "budget", "weekly_hours"}
        if kinds & hard:
            assert not row["feasible"], (plan.plan_id, kinds)
        if not row["feasible"]:
            assert kinds & (hard | {"transport", "too_far"}), (plan.plan_id, kinds)
        # every practised competency: the same end-of-horizon numbers; every other one stays put
        summary = proj.summary().set_index("competency_id")
        mine = per_comp.get(plan.plan_id)
        practised = [] if mine is None else list(mine.index)
        for cid in practised:
            assert mine.at[cid, "current_level"] == summary.at[cid, "current_level"]
            for col in ("expected_end", "p_proficient_end"):
                assert close(mine.at[cid, col], summary.at[cid, col]), (plan.plan_id, cid, col)
        rest = summary.drop(index=practised)
        assert np.array_equal(rest["expected_end"].to_numpy(), rest["current_level"].to_numpy())


@PARITY
@given(districts())
def test_project_is_the_kernel_on_one_row_bit_for_bit(drawn):
    cat, learners, plans, params, weeks, start = drawn
    by_id = {lr.learner_id: lr for lr in learners}
    arrays = catalogue_arrays(cat)
    pairs = [(by_id[p.learner_id], p.sections) for p in plans]
    many = project_many(arrays, PlanRows.from_learners(arrays, pairs),
                        week_grid(arrays, start, weeks), params)
    goal_at = 0
    for i, (who, sections) in enumerate(pairs):
        one = project(cat, who, sections, params, start=start, weeks=weeks, draws=0)
        np.testing.assert_array_equal(many.dense(i), one.distribution)
        n_goals = len(who.goals)
        np.testing.assert_array_equal(many.goal_probability[goal_at:goal_at + n_goals],
                                      one.goals["probability"].to_numpy(dtype=float))
        goal_at += n_goals
    # the batch builds the same rows from the roster file's columns as from the learners
    roster = district.roster_from_learners(learners, plans)
    model = district._Model(cat, params, start, weeks)
    from_roster = district._plan_rows(model, roster)
    from_learners = PlanRows.from_learners(arrays, pairs)
    for f in dataclasses.fields(PlanRows):
        a, b = getattr(from_roster, f.name), getattr(from_learners, f.name)
        if f.name in ("interest_sets", "strength_sets", "interest_code", "strength_code"):
            continue  # the same sets, numbered per distinct text rather than per set
        np.testing.assert_array_equal(a, b, err_msg=f.name)
    for codes, sets in (("interest_code", "interest_sets"), ("strength_code", "strength_sets")):
        got = [getattr(from_roster, sets)[c] for c in getattr(from_roster, codes)]
        want = [getattr(from_learners, sets)[c] for c in getattr(from_learners, codes)]
        if sets == "strength_sets":
            want = [tuple(s for s in x if s.strip()) for x in want]
        assert got == want


@PARITY
@given(districts(), st.integers(0, 999))
def test_the_batch_week_plan_gives_the_full_runs_bit_for_bit(drawn, seed):
    """The batch's end-only runs update in a week only the columns that can change in it
    (``projection._week_plan``: the interval pairs in their own weeks, pairs that never change
    never); ends, credits and goal chances must be the full-trajectory runs' bit for bit, with
    evidence on record, at every scale."""
    from workbench.domain.dataset import Evidence
    from workbench.domain.projection import _prepare, _week_plan, project_many_scaled

    cat, learners, plans, params, weeks, start = drawn
    rng = np.random.default_rng(seed)
    comps = list(cat.competencies.index)
    for lr in learners:
        if rng.random() < 0.4:   # evidence on record: pairs that start from a distribution
            cid = comps[int(rng.integers(len(comps)))]
            lr.evidence = [Evidence(cid, int(rng.integers(1, 5)), "badge", "2026-05-01",
                                    verified=bool(rng.random() < 0.5))]
    by_id = {lr.learner_id: lr for lr in learners}
    arrays = catalogue_arrays(cat)
    rows = PlanRows.from_learners(arrays, [(by_id[p.learner_id], p.sections) for p in plans])
    grid = week_grid(arrays, start, weeks)
    scales = (None, 0.4, 2.5, rng.uniform(0.3, 3.0, rows.n))
    full = project_many_scaled(arrays, rows, grid, params, scales)
    light = project_many_scaled(arrays, rows, grid, params, scales, end_only=True)
    for a, b in zip(full, light, strict=True):
        np.testing.assert_array_equal(a.end_distribution(), b.end_distribution())
        np.testing.assert_array_equal(a.goal_probability, b.goal_probability)
        np.testing.assert_array_equal(a.expected_credits(), b.expected_credits())
    plan = _week_plan(_prepare(arrays, rows, grid, params))
    np.testing.assert_array_equal(np.sort(plan.perm), np.arange(plan.perm.size))


def test_the_week_plan_skips_work_on_a_district_roster():
    """On a generated district most pairs are interval pairs or never change (what makes the
    batch quicker), and the plan's order is a permutation of the pairs."""
    from workbench.domain.projection import _prepare, _week_plan

    cat = Catalogue.from_frames(**generate_frames(n_sections=300, seed=4, n_competencies=20))
    roster = district.generate_roster_frame(cat, 300, seed=2)
    model = district._Model(cat, DEFAULT_PARAMETERS, None, 40)
    rows = district._plan_rows(model, roster.reset_index(drop=True))
    s = _prepare(model.arrays, rows, model.week_starts, DEFAULT_PARAMETERS)
    plan = _week_plan(s)
    n_p = s.pair_key.size
    np.testing.assert_array_equal(np.sort(plan.perm), np.arange(n_p))
    assert plan.n_g < 0.3 * n_p and plan.interval.size > 0.5 * n_p
    # columns practising in a week: fewer than all
    practising = sum(hi - lo for week in plan.practise for lo, hi in week)
    assert practising < 0.8 * plan.interval.size * s.n_w
