"""Evidence as observations: credentials filter the starting level, they do not overwrite it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.test_projection import NO_NEW_EFFECTS, tiny_catalogue
from workbench.domain.arrays import catalogue_arrays
from workbench.domain.dataset import Evidence, Goal, Learner
from workbench.domain.evidence import (
    FAILED,
    SHOWS_LEVEL,
    evidence_likelihoods,
    likelihood,
    recorded_prior,
)
from workbench.domain.projection import (
    DEFAULT_PARAMETERS,
    PlanRows,
    evolve,
    evolve_pairs,
    learn_rates,
    practice_array,
    project,
    project_many,
    week_grid,
)
from workbench.formats.badges import apply_evidence

GOAL = [Goal("MATH.1", 3, dt.date(2027, 6, 1))]


def who(level=2, evidence=()):
    return Learner("L1", "Maya R.", 10, "Z1", levels={"MATH.1": level}, goals=list(GOAL),
                   evidence=list(evidence))


def badge(level=3, verified=False, status=""):
    return Evidence("MATH.1", level, "badge.json: Algebra issued by Library", "2026-05-01",
                    verified, "", "", status)


def start_chance(learner, level=3):
    """P(level >= ``level``) now, and the goal's chance, with no plan."""
    proj = project(tiny_catalogue(), learner, [])
    return proj.p_at_least(level)[0, 0], proj.goals["probability"].iloc[0]


def test_an_unverified_proficient_badge_no_longer_makes_proficient_certain():
    # what apply_evidence records: the level raised to 3, the badge kept
    raised = apply_evidence(who(level=2), [badge(verified=False)])
    assert raised.levels["MATH.1"] == 3
    p_now, goal = start_chance(raised)
    assert p_now == pytest.approx(goal) and 0.5 < p_now < 0.7
    # the recorded 3 is the badge's own: a flat prior, filtered by the badge's likelihood
    lk = np.array([0.10, 0.15, 0.25, 0.50, 0.25])
    assert p_now == pytest.approx(lk[3:].sum() / lk.sum(), rel=1e-12)
    # verified, it says more
    v_now, _ = start_chance(apply_evidence(who(level=2), [badge(verified=True)]))
    assert p_now < v_now < 1.0 and v_now > 0.8
    # a level recorded with no evidence stays a point: the goal is reached
    assert start_chance(who(level=3)) == (1.0, 1.0)
    # and the goal's sentence says a chance, not "reached", when the badge is all there is
    message = project(tiny_catalogue(), raised, []).goals["message"].iloc[0]
    assert message.startswith("Could reach Proficient") and "(60% chance)" in message
    assert project(tiny_catalogue(), who(level=3), []).goals["message"].iloc[0].startswith(
        "Already at Proficient")


def test_a_failed_result_lowers_the_chance():
    recorded = who(level=3)
    failed = apply_evidence(recorded, [badge(level=0, verified=True)])
    assert failed.levels["MATH.1"] == 3                   # the level is never lowered ...
    p_fail, goal = start_chance(failed)
    prior = recorded_prior(3, DEFAULT_PARAMETERS.recorded_level_spread)
    assert p_fail < prior[3:].sum() and goal == pytest.approx(p_fail)   # ... but its chance is
    post = prior * np.array(FAILED[True])
    assert p_fail == pytest.approx(post[3:].sum() / post.sum(), rel=1e-12)
    # unverified, a failure lowers it less
    p_fail_u, _ = start_chance(apply_evidence(recorded, [badge(level=0, verified=False)]))
    assert p_fail < p_fail_u < prior[3:].sum()
    # "not earned yet" says nothing
    assert likelihood(badge(level=0, status="InProgress")) is None
    assert start_chance(apply_evidence(recorded, [badge(level=0, status="InProgress")])) \
        == (1.0, 1.0)


def test_several_pieces_of_evidence_multiply():
    one = apply_evidence(who(level=2), [badge(verified=True)])
    two = apply_evidence(one, [Evidence("MATH.1", 3, "transcript.json: Algebra I", "2026-06-01",
                                        True, "", "B", "Completed")])
    assert len(two.evidence) == 2
    d1 = project(tiny_catalogue(), one, []).distribution[0, 0]
    d2 = project(tiny_catalogue(), two, []).distribution[0, 0]
    assert d2[3] > d1[3] > 0.5
    lk = np.array([SHOWS_LEVEL[True][abs(k - 3)] for k in range(5)])
    np.testing.assert_allclose(d2, lk ** 2 / (lk ** 2).sum(), rtol=1e-12)
    # a failure beside a badge pulls the two together
    mixed = apply_evidence(one, [badge(level=0, verified=True)])
    dm = project(tiny_catalogue(), mixed, []).distribution[0, 0]
    assert dm[3:].sum() < d1[3:].sum()
    product, explained = evidence_likelihoods(mixed.levels, mixed.evidence)["MATH.1"]
    assert explained and product == pytest.approx(lk * np.array(FAILED[True]))


def test_a_recorded_level_above_the_evidence_is_its_own_observation():
    # recorded Advanced by the school, a verified Proficient badge from earlier
    learner = who(level=4, evidence=[badge(level=3, verified=True)])
    d = project(tiny_catalogue(), learner, []).distribution[0, 0]
    prior = recorded_prior(4, DEFAULT_PARAMETERS.recorded_level_spread)
    post = prior * np.array([SHOWS_LEVEL[True][abs(k - 3)] for k in range(5)])
    np.testing.assert_allclose(d, post / post.sum(), rtol=1e-12)


def test_evidence_starts_are_projected_forward_with_the_plan():
    learner = apply_evidence(who(level=2), [badge(verified=False)])
    cat = tiny_catalogue()
    proj = project(cat, learner, ["S1"], draws=0)
    start = proj.distribution[0, 0]
    # the kernel from that start on the plan's practice, as evolve runs it
    ws = week_grid(cat)
    practice = practice_array(cat, learner, ["S1"], ws)
    by_hand = evolve(proj.distribution[0][None], practice[None], learn_rates(cat),
                     params=DEFAULT_PARAMETERS)[0]
    np.testing.assert_allclose(proj.distribution, by_hand, rtol=1e-12, atol=1e-15)
    assert proj.p_at_least(3)[-1, 0] > start[3:].sum()
    # with a batch of rows, one with evidence and one without, each row is as on its own
    A = catalogue_arrays(cat)
    plain = who(level=2)
    rows = PlanRows.from_learners(A, [(plain, ["S1"]), (learner, ["S1"]), (learner, [])])
    many = project_many(A, rows, ws)
    np.testing.assert_array_equal(many.dense(0), project(cat, plain, ["S1"], draws=0).distribution)
    np.testing.assert_array_equal(many.dense(1), proj.distribution)
    np.testing.assert_array_equal(many.dense(2), project(cat, learner, [], draws=0).distribution)


def test_a_start_distribution_is_the_mixture_of_point_starts_without_forgetting():
    rng = np.random.default_rng(3)
    step = rng.uniform(0, 0.3, (12, 4, 6))
    step[3:6] = 0.0                                        # idle weeks
    start = rng.dirichlet(np.ones(5), 6).T                 # 5 x P
    mixed = evolve_pairs(start, step)
    points = sum(start[k][None, None, :] * evolve_pairs(np.full(6, k), step) for k in range(5))
    np.testing.assert_allclose(mixed, points, atol=1e-15)
    # with forgetting, never below the floor and still a distribution
    forgetting = evolve_pairs(start, step, forget=0.2, floor=np.zeros(6, dtype=int))
    np.testing.assert_allclose(forgetting.sum(axis=1), 1.0, atol=1e-12)
    assert (forgetting >= 0).all()
    with pytest.raises(ValueError):
        evolve_pairs(np.ones((4, 6)), step)
    assert NO_NEW_EFFECTS.forget_rate == 0.0


def test_old_learner_files_load_and_keep_their_evidence():
    old = {"learner_id": "L1", "name": "M", "grade": 9, "home_zone": "Z1",
           "levels": {"MATH.1": 3},
           "evidence": [{"competency_id": "MATH.1", "level": 3, "source": "s"}]}
    learner = Learner.from_dict(old)
    assert learner.evidence[0].verified is False and learner.levels == {"MATH.1": 3}
    assert Learner.from_dict(learner.to_dict()) == learner


# ---- the likelihood tables from a parameters file ---------------------------------------------
def test_a_parameters_file_sets_the_evidence_tables(tmp_path):
    from workbench.domain.calibration import parameter_table
    from workbench.formats.parameters import read_parameters

    path = tmp_path / "evidence.yaml"
    path.write_text(
        "parameters:\n"
        "  evidence_shows_unverified: [0.9, 0.05, 0.03, 0.02]\n"
        "  evidence_failed_verified: [0.5, 0.5, 0.5, 0.2, 0.1]\n"
        "provenance:\n"
        "  evidence_shows_unverified: {source: 'a check of 400 self-reported badges against "
        "assessments', note: 'made up for this test'}\n", encoding="utf-8")
    pset = read_parameters(path)
    params = pset.parameters
    assert params.evidence_shows_unverified == (0.9, 0.05, 0.03, 0.02)
    assert params.evidence_shows_verified == SHOWS_LEVEL[True]      # not set: the default
    raised = apply_evidence(who(level=2), [badge(verified=False)])
    default_now = project(tiny_catalogue(), raised, []).p_at_least(3)[0, 0]
    proj = project(tiny_catalogue(), raised, [], params=params, draws=0)
    # a flat prior (the recorded 3 is the badge's own) times the file's table
    lk = np.array([0.02, 0.03, 0.05, 0.90, 0.05])
    assert proj.p_at_least(3)[0, 0] == pytest.approx(lk[3:].sum() / lk.sum(), rel=1e-12)
    assert default_now == pytest.approx(0.6, rel=1e-12)
    np.testing.assert_array_equal(likelihood(badge(verified=False), params), lk)
    # a verified failure reads the file's failure table
    failed = apply_evidence(who(level=3), [badge(level=0, verified=True)])
    prior = recorded_prior(3, params.recorded_level_spread)
    post = prior * np.array([0.5, 0.5, 0.5, 0.2, 0.1])
    got = project(tiny_catalogue(), failed, [], params=params, draws=0).p_at_least(3)[0, 0]
    assert got == pytest.approx(post[3:].sum() / post.sum(), rel=1e-12)
    # the batch kernel reads the same tables: one row with evidence equals project's
    A = catalogue_arrays(tiny_catalogue())
    many = project_many(A, PlanRows.from_learners(A, [(raised, ["S1"])]),
                        week_grid(tiny_catalogue()), params)
    np.testing.assert_array_equal(
        many.dense(0), project(tiny_catalogue(), raised, ["S1"], params=params,
                               draws=0).distribution)
    # and the table of parameters shows where the file's values came from
    table = parameter_table(params, pset.provenance).set_index("parameter")
    assert table.loc["evidence_shows_unverified", "fitted_source"].startswith("a check of 400")
    assert table.loc["evidence_shows_verified", "fitted"] is None
    assert table.loc["evidence_shows_verified", "default_source"].startswith("judgment")


def test_a_bad_evidence_table_names_file_line_and_field(tmp_path):
    from workbench.formats.parameters import read_parameters
    from workbench.formats.report import DataError

    def problems(text):
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataError) as err:
            read_parameters(path)
        return [str(p) for p in err.value.problems], path

    got, path = problems("parameters:\n  base_learn_rate: 0.006\n"
                         "  evidence_shows_verified: [0.8, 0.15, 0.04]\n"
                         "  evidence_shows_unverified: high\n")
    assert got == [f"{path}:3:parameters.evidence_shows_verified[3]: the list is too short",
                   f"{path}:4:parameters.evidence_shows_unverified: Input should be a valid "
                   "tuple (got 'high')"]
    got, path = problems("parameters:\n  evidence_failed_verified: [0.9, 0.85, 0.7, 0.2, 1.5]\n")
    assert got == [f"{path}:2:parameters.evidence_failed_verified: evidence_failed_verified "
                   "must be chances from 0 to 1, not all 0 (got (0.9, 0.85, 0.7, 0.2, 1.5))"]
    got, path = problems("parameters:\n  evidence_failed_unverified: [0, 0, 0, 0, 0]\n")
    assert got[0].startswith(f"{path}:2:parameters.evidence_failed_unverified: "
                             "evidence_failed_unverified must be chances")
    got, path = problems("parameters:\n  evidence_shows_verified: [0.8, '0.15', 0.04, 0.01]\n")
    assert got[0].startswith(f"{path}:2:parameters.evidence_shows_verified[1]: must be a number")
    got, path = problems("parameters:\n  evidence_shows_verified: [0.8, 0.15, 0.04, .nan]\n")
    assert got[0].startswith(f"{path}:2:parameters.evidence_shows_verified: ")


def test_project_with_a_parameters_file_reads_its_evidence_table(tmp_path, capsys):
    """Maya's CTE.MFG.1 starts from two verified credentials: a file that trusts verified
    evidence less (the unverified table) lowers that goal's chance and no other."""
    import json

    from workbench.cli import main

    path = tmp_path / "evidence.json"
    path.write_text(json.dumps({"parameters": {
        "evidence_shows_verified": list(SHOWS_LEVEL[False])}}), encoding="utf-8")
    out = []
    for extra in ([], ["--parameters", str(path)]):
        assert main(["project", "--learner", "L-maya", "--plan", "P-maya-a", "--json",
                     "--no-store", *extra]) == 0
        goals = json.loads(capsys.readouterr().out)["goals"]
        out.append({g["competency_id"]: g["probability"] for g in goals})
    default, trusting_less = out
    assert trusting_less["CTE.MFG.1"] < default["CTE.MFG.1"] - 0.01
    assert {k: v for k, v in trusting_less.items() if k != "CTE.MFG.1"} == \
        {k: v for k, v in default.items() if k != "CTE.MFG.1"}


def test_a_recorded_level_evidence_makes_uncertain_is_not_called_reached_anywhere():
    """The goal sentence, the Compare table's cell and the explanation's headline share one rule
    (``words.goal_reached``): at the level already and certain."""
    from workbench.domain.words import ENGLISH, goal_reached
    from workbench.views.compare import _chance_cell

    raised = apply_evidence(who(level=2), [badge()])
    goal = project(tiny_catalogue(), raised, []).goals.iloc[0]
    assert goal["current_level"] >= goal["target_level"] and goal["probability"] < 1.0
    assert not goal_reached(goal["current_level"], goal["target_level"], goal["probability"])
    assert "already reached" not in _chance_cell(ENGLISH, goal.to_dict())
    certain = project(tiny_catalogue(), who(level=3), []).goals.iloc[0]
    assert _chance_cell(ENGLISH, certain.to_dict()) == "already reached"
