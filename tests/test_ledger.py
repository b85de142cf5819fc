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

from workbench.domain import ledger
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


# ---- the cached ledger and comparison against a straightforward reference --------------------
def reference_domains(cat, oid):
    """Share of an opportunity's hours per domain, written plainly with a pandas groupby."""
    a = cat.alignments[cat.alignments["opportunity_id"] == oid]
    if a.empty:
        return {"Not aligned to a competency": 1.0}
    dom = cat.competencies.set_index("competency_id")["domain"]
    w = a.groupby(a["competency_id"].map(dom))["intensity"].sum()
    return (w / w.sum()).to_dict()


def reference_ledger(cat, who, p, proj):
    """``plan_ledger`` written plainly with pandas lookups, as first specified."""
    from workbench.domain.schedule import weekly_hours, weekly_travel_minutes

    t = cat.section_table
    ids = list(dict.fromkeys(s for s in p.sections if s in t.index))
    weeks = proj.week_starts[:-1]
    hours = weekly_hours(cat, ids, weeks)
    busy = hours[hours > 0]
    opps = list(dict.fromkeys(t.loc[ids, "opportunity_id"])) if ids else []
    cost = float(cat.opportunities.set_index("opportunity_id").loc[opps, "cost"].sum()) \
        if opps else 0.0
    by_domain = {}
    for oid in opps:
        secs = [s for s in ids if t.at[s, "opportunity_id"] == oid]
        o_hours = float(weekly_hours(cat, secs, weeks).sum())
        for dom, share in reference_domains(cat, oid).items():
            by_domain[dom] = by_domain.get(dom, 0.0) + o_hours * share / 120
    p_end = proj.p_at_least(3)[-1]
    gained = float(p_end.sum()) - float((proj.current_levels >= 3).sum())
    comp_domain = proj.competencies["domain"].to_numpy()
    # each draw of the parameters: its own end-of-year distribution (one without draws)
    ends = proj.distribution[-1][None] if proj.end_draws is None else proj.end_draws

    def at_least(level):
        return np.clip(ends[..., level:].sum(axis=-1), 0.0, 1.0) if level > 0 else \
            np.ones(ends.shape[:2])

    credits = at_least(3).sum(axis=1)
    requirements = []
    for _, r in cat.requirements.iterrows():
        probs = proj.p_at_least(int(r["level"]))[-1][comp_domain == r["domain"]]
        each = [probability_at_least(d[comp_domain == r["domain"]], int(r["min_competencies"]))
                for d in at_least(int(r["level"]))]
        requirements.append({
            "requirement_id": r["requirement_id"], "name": r["name"], "domain": r["domain"],
            "level": int(r["level"]), "min_competencies": int(r["min_competencies"]),
            "expected_count": float(probs.sum()),
            "probability_met": float(np.mean(each)),
            "probability_met_low": float(np.percentile(each, 10, method="nearest")),
            "probability_met_high": float(np.percentile(each, 90, method="nearest"))})
    return {
        "plan_id": p.plan_id, "plan_name": p.name, "sections": list(p.sections),
        "total_hours": float(hours.sum()),
        "hours_per_week": float(busy.mean()) if len(busy) else 0.0,
        "max_hours_per_week": float(hours.max()) if len(hours) else 0.0,
        "travel_minutes_per_week": float(weekly_travel_minutes(cat, who, ids)),
        "cost": cost, "carnegie_units": float(hours.sum()) / 120,
        "carnegie_by_domain": by_domain, "expected_credits": float(p_end.sum()),
        "expected_credits_low": float(np.percentile(credits, 10, method="nearest")),
        "expected_credits_high": float(np.percentile(credits, 90, method="nearest")),
        "credits_gained": gained, "requirements": requirements,
        "cost_per_credit": None if gained < 0.01 else 0.0 if cost == 0 else cost / gained,
        "goals": proj.goals.to_dict(orient="records"),
    }


def reference_long_tables(plans, projs):
    """The comparison's trajectories and heat map, one frame per plan, then concatenated."""
    trajs, heats = [], []
    for p in plans:
        pr = projs[p.plan_id]
        tr = pr.trajectories()
        tr.insert(0, "plan_name", p.name)
        tr.insert(0, "plan_id", p.plan_id)
        trajs.append(tr)
        s = pr.summary()
        heats.append(pd.DataFrame({
            "plan_id": p.plan_id, "plan_name": p.name, "competency_id": s["competency_id"],
            "name": s["name"], "domain": s["domain"], "p_proficient_end": s["p_proficient_end"],
            "p_proficient_end_low": s["p_proficient_end_low"],
            "p_proficient_end_high": s["p_proficient_end_high"],
            "expected_end": s["expected_end"]}))
    return pd.concat(trajs, ignore_index=True), pd.concat(heats, ignore_index=True)


def assert_same(got, want, path="ledger"):
    """Equal values and types; only the Carnegie split by domain may differ in the last bits
    (its per-domain intensity sums no longer go through pandas' groupby)."""
    assert type(got) is type(want), (path, got, want)
    if isinstance(want, dict):
        assert list(got) == list(want), path
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and ("carnegie_by_domain" in path
                                      or "probability_met" in path):
        # requirement chances: the ledger runs every draw in one vectorised programme
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), path
    elif isinstance(want, float) and np.isnan(want):
        assert np.isnan(got), path
    else:
        assert got == want, (path, got, want)


@pytest.fixture(scope="module")
def generated():
    gen = pytest.importorskip("workbench.domain.generate")
    cat = Catalogue.from_frames(**gen.generate_frames(n_sections=150, seed=5,
                                                      n_competencies=18, n_zones=5))
    learners, plans = gen.generate_roster(cat, 10, seed=2)
    return cat, {x.learner_id: x for x in learners}, plans


def test_ledger_and_comparison_equal_the_plain_computation(generated):
    cat, learners, plans = generated
    rng = np.random.default_rng(1)
    every = list(cat.section_table.index)
    by_learner: dict[str, list[Plan]] = {}
    for p in plans:
        by_learner.setdefault(p.learner_id, []).append(p)
    for lid, mine in by_learner.items():
        who = learners[lid]
        extra = [Plan("EMPTY", lid, "Nothing yet", []),
                 Plan("MANY", lid, "Plan C: lots", [*rng.choice(every, 6, replace=False),
                                                   "NO-SUCH"])]
        mine = [*mine, *extra][:5]
        projs = {p.plan_id: project(cat, who, p.sections) for p in mine}
        for p in mine:
            assert_same(plan_ledger(cat, who, p, projs[p.plan_id]),
                        reference_ledger(cat, who, p, projs[p.plan_id]))
        comp = compare_plans(cat, who, mine, projections=projs)
        trajectories, heatmap = reference_long_tables(mine, projs)
        pd.testing.assert_frame_equal(comp.trajectories, trajectories, check_exact=True)
        pd.testing.assert_frame_equal(comp.heatmap, heatmap, check_exact=True)
        rows = []
        for p in mine:
            led = reference_ledger(cat, who, p, projs[p.plan_id])
            row = {"plan_id": p.plan_id, "plan_name": p.name, "n_sections": len(p.sections)}
            row.update({k: led[k] for k in ledger.SCALARS if k in led})
            row.update({f"requirement: {r['name']}": r["probability_met"]
                        for r in led["requirements"]})
            goals = projs[p.plan_id].goals
            row.update({col: float(x) for col, x in zip(ledger._goal_columns(goals),
                                                        goals["probability"], strict=True)})
            for r in led["requirements"]:
                row[f"requirement_low: {r['name']}"] = r["probability_met_low"]
                row[f"requirement_high: {r['name']}"] = r["probability_met_high"]
            for col, lo, hi in zip(ledger._goal_columns(goals), goals["probability_low"],
                                   goals["probability_high"], strict=True):
                name = col.removeprefix("goal: ")
                row[f"goal_low: {name}"], row[f"goal_high: {name}"] = float(lo), float(hi)
            rows.append(row)
        pd.testing.assert_frame_equal(comp.table, pd.DataFrame(rows), check_exact=True)
    for oid in [*cat.opportunities["opportunity_id"], "NO-SUCH"]:
        assert_same(ledger._opportunity_domains(cat, oid), reference_domains(cat, oid),
                    "carnegie_by_domain")


def test_comparison_of_plans_with_different_horizons_matches_per_plan_tables():
    cat, who = catalogue(), learner()
    plans = [plan("A", ["S1"]), plan("B", ["S2", "S1b"]), plan("C", [])]
    projs = {"A": project(cat, who, ["S1"], weeks=10),
             "B": project(cat, who, ["S2", "S1b"]),
             "C": project(cat, who, [], start=dt.date(2026, 12, 1), weeks=3)}
    comp = compare_plans(cat, who, plans, projections=projs)
    trajectories, heatmap = reference_long_tables(plans, projs)
    pd.testing.assert_frame_equal(comp.trajectories, trajectories, check_exact=True)
    pd.testing.assert_frame_equal(comp.heatmap, heatmap, check_exact=True)
    assert len(comp.trajectories) == (11 + 41 + 4) * 3
    # hours are read on each plan's own horizon, however many horizons were seen before
    for p in plans:
        assert_same(plan_ledger(cat, who, p, projs[p.plan_id]),
                    reference_ledger(cat, who, p, projs[p.plan_id]))


def test_goal_columns_name_repeated_goals_by_level_and_date():
    cat = catalogue()
    who = learner()
    who.goals = [Goal("MATH.1", 3, dt.date(2027, 6, 1)), Goal("MATH.1", 4, dt.date(2027, 6, 1)),
                 Goal("ELA.1", 2, dt.date(2027, 1, 15))]
    comp = compare_plans(cat, who, [plan("A", ["S1"]), plan("B", [])])
    assert [c for c in comp.table.columns if c.startswith("goal:")] == [
        "goal: Solving linear equations (Proficient by June 1, 2027)",
        "goal: Solving linear equations (Advanced by June 1, 2027)",
        "goal: Reading closely"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=0, max_size=40))
def test_poisson_binomial_on_python_floats_is_exactly_the_array_programme(probs):
    p = np.asarray(probs, dtype=float)
    pmf = np.zeros(p.size + 1)
    pmf[0] = 1.0
    for i, q in enumerate(p):
        pmf[1:i + 2] = pmf[1:i + 2] * (1 - q) + pmf[:i + 1] * q
        pmf[0] *= 1 - q
    np.testing.assert_array_equal(poisson_binomial(probs), pmf)
    np.testing.assert_array_equal(ledger._poisson_binomial_small(list(probs)), pmf)


# ---- parts kept between comparisons ----------------------------------------------------------
def test_a_comparison_reusing_projections_matches_one_worked_out_afresh():
    """One edit: each plan's row and columns are kept per projection; only the edit's change."""
    from workbench.domain.arrays import EngineCache

    cat, who, cache = catalogue(), learner(), EngineCache()
    plans = [plan("A", ["S1"]), plan("B", ["S2"]), plan("C", ["S1b", "S2"])]
    projs = {p.plan_id: project(cat, who, p.sections) for p in plans}
    first = compare_plans(cat, who, plans, projections=projs, cache=cache)
    first.table.loc[:, "cost"] = -1.0            # changing one comparison's frames ...
    first.trajectories.loc[:, "plan_id"] = "changed"
    first.heatmap.loc[:, "expected_end"] = -1.0
    plans[0] = plan("A", ["S1", "S2"], name="Plan A, edited")
    projs["A"] = project(cat, who, plans[0].sections)
    kept = compare_plans(cat, who, plans, projections=projs, cache=cache)
    assert len(cache) > 0
    fresh = compare_plans(cat, who, plans, projections=projs)  # nothing kept
    for name in ("table", "trajectories", "heatmap"):   # ... never changes the next one
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(fresh, name))
    assert kept.table["plan_name"].tolist() == ["Plan A, edited", "Plan B", "Plan C"]
    assert (kept.table["cost"] >= 0).all()
