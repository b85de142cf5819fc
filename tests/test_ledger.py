"""The credit ledger (Carnegie hours next to competency credit) and plan comparison."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.dataset import Catalogue, Goal, Learner, Plan
from workbench.domain.ledger import (
    Comparison,
    compare_plans,
    plan_ledger,
    poisson_binomial,
    probability_at_least,
)
from workbench.domain.projection import project


def catalogue():
    """Two opportunities: a 3 h/week maths+reading club ($100, two sections) and a free online
    reading course (2 self-paced hours a week, autumn only)."""
    return Catalogue.from_frames(
        competencies=pd.DataFrame({
            "competency_id": ["MATH.1", "MATH.2", "ELA.1"],
            "domain": ["Mathematics", "Mathematics", "English Language Arts"],
            "name": ["Solving linear equations", "Graphing lines", "Reading closely"],
            "description": ["d", "d", "d"]}),
        requirements=pd.DataFrame({
            "requirement_id": ["REQ.MATH"], "name": ["Mathematics: 1 at Proficient"],
            "domain": ["Mathematics"], "min_competencies": [1], "level": [3]}),
        providers=pd.DataFrame({"provider_id": ["PR1", "PR2"], "name": ["Library", "Web"],
                                "kind": ["library", "online"], "zone": ["Z1", "online"]}),
        opportunities=pd.DataFrame({
            "opportunity_id": ["O1", "O2"], "provider_id": ["PR1", "PR2"],
            "title": ["Math club", "Reading online"], "kind": ["program", "online_course"],
            "modality": ["in_person", "online_self_paced"], "min_grade": [6, 6],
            "max_grade": [12, 12], "cost": [100.0, 0.0], "seats": [10, 99],
            "requires_broadband": [False, True], "requires_device": [False, True]}),
        sections=pd.DataFrame({
            "section_id": ["S1", "S1b", "S2"], "opportunity_id": ["O1", "O1", "O2"],
            "start_date": ["2026-08-31", "2026-08-31", "2026-08-31"],
            "end_date": ["2027-06-11", "2027-06-11", "2027-01-22"],
            "days": ["Mon;Wed", "Tue;Thu", ""], "start_time": ["15:00", "15:00", ""],
            "end_time": ["16:30", "16:30", ""], "self_paced_hours": [0.0, 0.0, 2.0]}),
        alignments=pd.DataFrame({
            "opportunity_id": ["O1", "O1", "O2"], "competency_id": ["MATH.1", "ELA.1", "ELA.1"],
            "intensity": [2.0, 1.0, 2.0], "max_level": [3, 3, 4], "min_level": [0, 0, 0]}),
        travel_times=pd.DataFrame({"from_zone": ["Z1"], "to_zone": ["Z1"], "mode": ["walk"],
                                   "minutes": [10.0]}),
    )


def learner():
    return Learner("L1", "Maya R.", 10, "Z1", transport=["walk"],
                   levels={"MATH.1": 2, "MATH.2": 3, "ELA.1": 1},
                   goals=[Goal("MATH.1", 3, dt.date(2027, 6, 1)),
                          Goal("ELA.1", 2, dt.date(2027, 1, 15))])


def plan(pid, sections, name=None):
    return Plan(pid, "L1", name or f"Plan {pid}", list(sections))


# ---- Poisson-binomial ------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=0, max_size=8))
def test_poisson_binomial_matches_brute_force_enumeration(probs):
    pmf = poisson_binomial(probs)
    brute = np.zeros(len(probs) + 1)
    for outcome in itertools.product((0, 1), repeat=len(probs)):
        brute[sum(outcome)] += np.prod([p if o else 1 - p for p, o in zip(probs, outcome,
                                                                          strict=True)])
    np.testing.assert_allclose(pmf, brute, atol=1e-12)
    for k in range(len(probs) + 2):
        assert probability_at_least(probs, k) == pytest.approx(brute[k:].sum(), abs=1e-12)


# ---- one plan's ledger -----------------------------------------------------------------------
def test_carnegie_units_are_hours_over_120_and_costs_count_each_opportunity_once():
    cat, who = catalogue(), learner()
    led = plan_ledger(cat, who, plan("A", ["S1", "S1b", "S2"]))
    # 40 weeks x 6 h of meetings, and 2 self-paced hours in each of the 21 autumn weeks
    assert led["total_hours"] == pytest.approx(40 * 6 + 21 * 2)
    assert led["carnegie_units"] == pytest.approx(led["total_hours"] / 120)
    assert led["cost"] == 100.0                        # O1 twice counts once; O2 is free
    assert led["max_hours_per_week"] == pytest.approx(8.0)
    assert led["hours_per_week"] == pytest.approx(led["total_hours"] / 40)
    assert led["travel_minutes_per_week"] > 0
    assert led["sections"] == ["S1", "S1b", "S2"]


def test_carnegie_by_domain_splits_hours_by_intensity():
    led = plan_ledger(catalogue(), learner(), plan("A", ["S1", "S2"]))
    by = led["carnegie_by_domain"]
    # O1: 120 h split 2:1 maths:reading; O2: 42 h all reading
    assert by["Mathematics"] == pytest.approx(120 * 2 / 3 / 120)
    assert by["English Language Arts"] == pytest.approx((120 / 3 + 42) / 120)
    assert sum(by.values()) == pytest.approx(led["carnegie_units"])


def test_credits_requirements_and_goals_come_from_the_projection():
    cat, who = catalogue(), learner()
    p = plan("A", ["S1", "S2"])
    proj = project(cat, who, p.sections)
    led = plan_ledger(cat, who, p, proj)
    p_end = proj.p_at_least(3)[-1]
    assert led["expected_credits"] == pytest.approx(p_end.sum())
    assert led["credits_gained"] == pytest.approx(p_end.sum() - 1)   # MATH.2 already Proficient
    req = led["requirements"][0]
    assert req["expected_count"] == pytest.approx(p_end[0] + p_end[1])
    assert req["probability_met"] == pytest.approx(1.0)               # MATH.2 is already there
    assert led["cost_per_credit"] == pytest.approx(100 / led["credits_gained"])
    assert [g["competency_id"] for g in led["goals"]] == ["MATH.1", "ELA.1"]
    assert led["goals"][0]["probability"] == pytest.approx(proj.goals["probability"].iloc[0])


def test_cost_per_credit_is_none_without_gain_and_zero_when_free():
    cat, who = catalogue(), learner()
    assert plan_ledger(cat, who, plan("E", []))["cost_per_credit"] is None
    free = plan_ledger(cat, who, plan("F", ["S2"]))
    assert free["cost"] == 0 and free["credits_gained"] > 0.01
    assert free["cost_per_credit"] == 0.0


def test_empty_plan_ledger_is_all_zero():
    led = plan_ledger(catalogue(), learner(), plan("E", []))
    assert led["total_hours"] == 0 and led["hours_per_week"] == 0 and led["cost"] == 0
    assert led["credits_gained"] == pytest.approx(0.0)
    assert led["carnegie_by_domain"] == {}


# ---- comparison ------------------------------------------------------------------------------
def test_compare_two_plans_has_one_row_each_and_long_tables():
    cat, who = catalogue(), learner()
    comp = compare_plans(cat, who, [plan("A", ["S1"], "Plan A: club"),
                                    plan("B", ["S2"], "Plan B: online")])
    assert isinstance(comp, Comparison)
    t = comp.table
    assert list(t["plan_id"]) == ["A", "B"] and list(t["plan_name"]) == ["Plan A: club",
                                                                          "Plan B: online"]
    for col in ("total_hours", "hours_per_week", "travel_minutes_per_week", "cost",
                "carnegie_units", "expected_credits", "credits_gained", "cost_per_credit",
                "goal: Solving linear equations", "goal: Reading closely"):
        assert col in t.columns
    assert t.loc[0, "cost"] == 100 and t.loc[1, "cost"] == 0
    weeks, n_comp = len(comp.projections["A"].week_starts), 3
    assert len(comp.trajectories) == 2 * weeks * n_comp
    assert {"plan_id", "plan_name", "week", "competency_id", "name", "expected", "lo", "hi",
            "p_proficient"} <= set(comp.trajectories.columns)
    assert len(comp.heatmap) == 2 * n_comp
    assert {"plan_id", "plan_name", "competency_id", "name", "domain", "p_proficient_end",
            "expected_end"} <= set(comp.heatmap.columns)
    # the club practises maths, the online course does not
    h = comp.heatmap.set_index(["plan_id", "competency_id"])["p_proficient_end"]
    assert h[("A", "MATH.1")] > h[("B", "MATH.1")]
    json.dumps(comp.to_dict())


def test_compare_reuses_given_projections():
    cat, who = catalogue(), learner()
    plans = [plan("A", ["S1"]), plan("B", ["S2"])]
    given = {"A": project(cat, who, ["S1"], weeks=10)}
    comp = compare_plans(cat, who, plans, projections=given)
    assert comp.projections["A"] is given["A"]
    assert len(comp.projections["B"].week_starts) == 41


@pytest.mark.parametrize("n", [0, 1, 6])
def test_compare_needs_two_to_five_plans(n):
    plans = [plan(f"P{i}", ["S1"]) for i in range(n)]
    with pytest.raises(ValueError, match="2 to 5 plans"):
        compare_plans(catalogue(), learner(), plans)


def test_compare_refuses_the_same_plan_twice():
    with pytest.raises(ValueError, match="repeated"):
        compare_plans(catalogue(), learner(), [plan("A", ["S1"]), plan("A", ["S2"])])
