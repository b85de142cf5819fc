"""The projection model: BKT closed form, calibration, monotonicity and the batch kernel."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from workbench.domain.dataset import Catalogue, Goal, Learner, Plan
from workbench.domain.projection import (
    DEFAULT_PARAMETERS,
    PURE_BKT,
    ModelParameters,
    engagement,
    evolve,
    learn_rates,
    practice_array,
    project,
    section_attendance,
    single_transition_probability,
    week_grid,
)
from workbench.domain.words import COULD_REACH, ENGLISH, NOTHING_YET, ON_TRACK

#: the parameters under which the kernel is pure BKT (forgetting, saturation, split off)
NO_NEW_EFFECTS = PURE_BKT

PROPS = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def tiny_catalogue(intensity=2.0, max_level=3, min_level=0, difficulty=1.0, end="15:00-16:30",
                   days="Mon;Wed", self_paced=0.0, interests="robotics", zone_minutes=10.0,
                   dates=("2026-08-31", "2027-06-11")):
    """One community programme, one section (default 3 h a week all year), aligned to MATH.1."""
    start, stop = end.split("-")
    return Catalogue.from_frames(
        competencies=pd.DataFrame({
            "competency_id": ["MATH.1", "ELA.1"], "domain": ["Mathematics", "English Language Arts"],
            "name": ["Solving linear equations", "Reading closely"],
            "description": ["d", "d"], "difficulty": [difficulty, 1.0]}),
        requirements=pd.DataFrame({
            "requirement_id": ["REQ.MATH"], "name": ["Mathematics: 1 at Proficient"],
            "domain": ["Mathematics"], "min_competencies": [1], "level": [3]}),
        providers=pd.DataFrame({"provider_id": ["PR1"], "name": ["Library"], "kind": ["library"],
                                "zone": ["Z1"]}),
        opportunities=pd.DataFrame({
            "opportunity_id": ["O1"], "provider_id": ["PR1"], "title": ["Math club"],
            "kind": ["program"], "modality": ["in_person"], "min_grade": [6], "max_grade": [12],
            "cost": [100.0], "seats": [10], "requires_broadband": [False],
            "requires_device": [False], "interests": [interests]}),
        sections=pd.DataFrame({
            "section_id": ["S1"], "opportunity_id": ["O1"], "start_date": [dates[0]],
            "end_date": [dates[1]], "days": [days], "start_time": [start],
            "end_time": [stop], "self_paced_hours": [self_paced]}),
        alignments=pd.DataFrame({
            "opportunity_id": ["O1"], "competency_id": ["MATH.1"], "intensity": [intensity],
            "max_level": [max_level], "min_level": [min_level]}),
        travel_times=pd.DataFrame({"from_zone": ["Z1", "Z1"], "to_zone": ["Z1", "Z2"],
                                   "mode": ["walk", "walk"],
                                   "minutes": [zone_minutes, 60.0]}),
    )


def learner(level=2, interests=(), strengths=(), home="Z1", goals=None):
    return Learner(
        "L1", "Maya R.", 10, home, transport=["walk"], interests=list(interests),
        strengths=list(strengths), levels={"MATH.1": level},
        goals=goals if goals is not None else [Goal("MATH.1", 3, dt.date(2027, 6, 1))])


# ---- calibration and closed form --------------------------------------------------------------
def test_typical_programme_takes_developing_to_proficient_in_a_year_about_two_times_in_three():
    cat, who = tiny_catalogue(), learner(level=2)
    proj = project(cat, who, ["S1"], draws=0)  # the central parameters: no ranges
    p_end = proj.p_at_least(3)[-1, 0]
    assert 0.5 <= p_end <= 0.8
    # exactly the documented figure: n = 3 h x 2 x 0.9 attendance a week, saturating at s = 30
    # a week (one alignment: no split; it runs every week: nothing forgotten), t = 0.0053
    s = DEFAULT_PARAMETERS.weekly_saturation
    n_eff = s * (1 - np.exp(-3 * 2 * 0.9 / s))
    assert p_end == pytest.approx(1 - (1 - 0.0053) ** (n_eff * 40), rel=1e-12)
    # the target the learn rate is anchored to, under the model with saturation: about 0.65
    assert p_end == pytest.approx(0.65, abs=0.005)
    # and as pure BKT (no saturation), a little more
    pure = project(cat, who, ["S1"], NO_NEW_EFFECTS, draws=0).p_at_least(3)[-1, 0]
    assert pure == pytest.approx(1 - (1 - 0.0053) ** (3 * 2 * 0.9 * 40), rel=1e-12)


def test_engine_matches_closed_form_bkt_curve_for_a_single_transition():
    cat, who = tiny_catalogue(difficulty=1.3), learner(level=2)
    proj = project(cat, who, ["S1"], NO_NEW_EFFECTS, weeks=30, draws=0)
    t = DEFAULT_PARAMETERS.base_learn_rate / (1.3 * DEFAULT_PARAMETERS.level_difficulty[2])
    n = 3 * 2 * DEFAULT_PARAMETERS.base_attendance
    expected = single_transition_probability(t, n, np.arange(31))
    np.testing.assert_allclose(proj.p_at_least(3)[:, 0], expected, rtol=1e-12, atol=1e-15)


@PROPS
@given(t=st.floats(1e-4, 0.5), n=st.floats(0.0, 50.0), weeks=st.integers(0, 60))
def test_kernel_matches_closed_form(t, n, weeks):
    practice = np.zeros((1, weeks, 1, 4))
    practice[..., 0] = n
    rate = np.full((1, 4), t)
    out = evolve(np.zeros((1, 1), int), practice, rate)
    np.testing.assert_allclose(out[0, :, 0, 1], single_transition_probability(t, n,
                               np.arange(weeks + 1)), rtol=1e-10, atol=1e-13)


# ---- the kernel's invariants -----------------------------------------------------------------
@st.composite
def batches(draw, max_b=4, max_w=12, max_c=4):
    b = draw(st.integers(1, max_b))
    w = draw(st.integers(0, max_w))
    c = draw(st.integers(1, max_c))
    start = draw(hnp.arrays(np.int64, (b, c), elements=st.integers(0, 4)))
    practice = draw(hnp.arrays(np.float64, (b, w, c, 4),
                               elements=st.one_of(st.just(0.0), st.floats(0, 40))))
    rate = draw(hnp.arrays(np.float64, (c, 4), elements=st.floats(0, 0.9)))
    return start, practice, rate


@PROPS
@given(batches())
def test_distributions_sum_to_one_and_stay_in_unit_interval(batch):
    start, practice, rate = batch
    out = evolve(start, practice, rate)
    assert out.shape == (start.shape[0], practice.shape[1] + 1, start.shape[1], 5)
    assert out.dtype == np.float64
    assert (out >= 0).all() and (out <= 1 + 1e-12).all()
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-12)
    # week 0 is the starting point mass
    np.testing.assert_array_equal(out[:, 0].argmax(-1), start)
    # levels never go down: P(level >= k) never falls from week to week
    cum = out[..., ::-1].cumsum(-1)
    assert (np.diff(cum, axis=1) >= -1e-12).all()


#: pure BKT, the defaults, and strong forgetting with hard saturation
KERNEL_PARAMS = [None, DEFAULT_PARAMETERS,
                 dataclasses.replace(DEFAULT_PARAMETERS, forget_rate=0.3, weekly_saturation=2.0)]


@PROPS
@given(batches(), st.data(), st.sampled_from(KERNEL_PARAMS))
def test_more_practice_never_lowers_any_probability(batch, data, params):
    start, practice, rate = batch
    extra = data.draw(hnp.arrays(np.float64, practice.shape, elements=st.floats(0, 20)))
    low = evolve(start, practice, rate, params=params)[..., ::-1].cumsum(-1)
    high = evolve(start, practice + extra, rate, params=params)[..., ::-1].cumsum(-1)
    assert (high >= low - 1e-12).all()
    out = evolve(start, practice + extra, rate, params=params)
    assert (out >= -1e-15).all() and (out <= 1 + 1e-12).all()
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-12)
    # forgetting never takes a learner below where they started
    below = (np.arange(5)[None, None, None, :] < start[:, None, :, None])
    assert (out * below).sum() <= 1e-12


# ---- forgetting and dose ---------------------------------------------------------------------
def test_a_semester_followed_by_idle_weeks_loses_some_of_its_gain():
    # one semester (Aug 31 - Jan 15, 20 weeks of meetings), then 20 weeks with no practice
    cat = tiny_catalogue(intensity=4.0, dates=("2026-08-31", "2027-01-15"))
    who = learner(level=2)
    proj = project(cat, who, ["S1"])
    p3 = proj.p_at_least(3)[:, 0]
    after = p3[20]
    assert p3[20:].argmax() == 0 and p3[-1] < after - 0.05      # it falls after the semester
    assert proj.p_at_least(2)[:, 0] == pytest.approx(1.0)        # never below the start
    # without forgetting the gain is kept, as pure BKT has it
    kept = project(cat, who, ["S1"], dataclasses.replace(DEFAULT_PARAMETERS, forget_rate=0.0))
    np.testing.assert_allclose(kept.p_at_least(3)[20:, 0], kept.p_at_least(3)[20, 0])
    # the loss is the documented rule: each idle week, mass above the start slips with 0.02
    assert p3[-1] == pytest.approx(after * (1 - DEFAULT_PARAMETERS.forget_rate) ** 20,
                                   rel=1e-9)


def test_a_camp_no_longer_projects_like_a_year_of_the_same_hours():
    # 120 hours each: a 4-week camp at 30 h a week, or a school year at 3 h a week
    camp = tiny_catalogue(days="Mon;Tue;Wed;Thu;Fri", end="09:00-15:00",
                          dates=("2026-08-31", "2026-09-25"))
    year = tiny_catalogue(dates=("2026-08-31", "2027-06-04"))
    who = learner(level=2)
    for cat, hours in ((camp, 30 * 4), (year, 3 * 40)):
        assert practice_array(cat, who, ["S1"], week_grid(cat), NO_NEW_EFFECTS)[:, 0, 2].sum() \
            == pytest.approx(hours * 2 * 0.9)

    def chance(cat, params):
        return project(cat, who, ["S1"], params, draws=0).p_at_least(3)[-1, 0]

    # pure BKT: the same 216 practice opportunities, the same chance
    assert chance(camp, NO_NEW_EFFECTS) == pytest.approx(chance(year, NO_NEW_EFFECTS), rel=1e-12)
    # saturation alone: the camp's 54 a week count as 30 (1 - e^-1.8) = 25.0
    saturating = dataclasses.replace(NO_NEW_EFFECTS, weekly_saturation=30.0)
    assert chance(camp, saturating) == pytest.approx(
        1 - 0.9947 ** (4 * 30 * (1 - np.exp(-54 / 30))), rel=1e-12)
    assert chance(camp, saturating) < 0.75 * chance(year, saturating)
    assert chance(camp, DEFAULT_PARAMETERS) < 0.75 * chance(year, DEFAULT_PARAMETERS)


def club_catalogue(n_aligned=4):
    """One club, 3 h a week all year (120 h: one Carnegie unit), aligned to ``n_aligned``
    competencies at intensity 2 each."""
    base = tiny_catalogue(dates=("2026-08-31", "2027-06-04"))
    ids = [f"C.{i}" for i in range(n_aligned)]
    comps = pd.DataFrame({"competency_id": ids, "domain": ["Mathematics"] * n_aligned,
                          "name": [f"Competency {i}" for i in range(n_aligned)],
                          "description": ["d"] * n_aligned, "difficulty": [1.0] * n_aligned})
    align = pd.DataFrame({"opportunity_id": ["O1"] * n_aligned, "competency_id": ids,
                          "intensity": [2.0] * n_aligned, "max_level": [3] * n_aligned,
                          "min_level": [0] * n_aligned})
    frames = {name: getattr(base, name) for name in (
        "requirements", "providers", "opportunities", "sections", "travel_times")}
    return Catalogue.from_frames(competencies=comps, alignments=align, **frames), ids


def test_one_club_aligned_to_four_competencies_splits_its_hours():
    ledger = pytest.importorskip("workbench.domain.ledger")
    cat, ids = club_catalogue(4)
    who = Learner("L1", "Maya R.", 10, "Z1", levels=dict.fromkeys(ids, 2))
    plan = Plan("P", "L1", "club", ["S1"])

    def credits(params):
        # at the central parameters (no ranges): the closed forms below
        out = ledger.plan_ledger(cat, who, plan, params=params,
                                 projection=project(cat, who, plan.sections, params, draws=0))
        assert out["carnegie_units"] == pytest.approx(1.0)
        return out["credits_gained"]

    # every competency getting the whole hour: ~2.6 credits from one Carnegie unit
    assert credits(NO_NEW_EFFECTS) == pytest.approx(4 * (1 - 0.9947 ** 216), rel=1e-9)
    assert credits(NO_NEW_EFFECTS) > 2.6
    # shared: each gets 4 ** -0.5 = half of it
    split = dataclasses.replace(NO_NEW_EFFECTS, alignment_overlap=0.5)
    assert credits(split) == pytest.approx(4 * (1 - 0.9947 ** 108), rel=1e-9)
    assert credits(DEFAULT_PARAMETERS) < 1.8
    # split evenly (overlap 1): about one credit for one Carnegie unit
    even = dataclasses.replace(NO_NEW_EFFECTS, alignment_overlap=1.0)
    assert credits(even) == pytest.approx(4 * (1 - 0.9947 ** 54), rel=1e-9)
    # a single-alignment club is not split at all
    one, ids1 = club_catalogue(1)
    who1 = Learner("L1", "Maya R.", 10, "Z1", levels=dict.fromkeys(ids1, 2))
    assert ledger.plan_ledger(one, who1, plan, params=split, projection=project(
        one, who1, plan.sections, split, draws=0))["credits_gained"] == \
        pytest.approx(1 - 0.9947 ** 216, rel=1e-9)


@PROPS
@given(batches())
def test_batch_equals_one_learner_at_a_time(batch):
    start, practice, rate = batch
    whole = evolve(start, practice, rate)
    for b in range(start.shape[0]):
        one = evolve(start[b:b + 1], practice[b:b + 1], rate)
        np.testing.assert_array_equal(whole[b], one[0])


@PROPS
@given(batches())
def test_float32_agrees_and_out_buffer_is_filled(batch):
    start, practice, rate = batch
    ref = evolve(start, practice, rate)
    buf = np.full(ref.shape, np.nan, dtype=np.float32)
    got = evolve(start, practice, rate, dtype=np.float32, out=buf)
    assert got is buf and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-4)


def test_kernel_refuses_bad_input():
    start, rate = np.zeros((1, 1), int), np.full((1, 4), 0.01)
    with pytest.raises(ValueError, match="shape"):
        evolve(start, np.zeros((1, 3, 1, 3)), rate)
    with pytest.raises(ValueError, match="negative"):
        evolve(start, -np.ones((1, 3, 1, 4)), rate)
    with pytest.raises(ValueError, match="levels 0-4"):
        evolve(np.full((1, 1), 5), np.zeros((1, 3, 1, 4)), rate)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        evolve(start, np.zeros((1, 3, 1, 4)), np.ones((1, 4)))


# ---- the projection from a catalogue ---------------------------------------------------------
@PROPS
@given(level=st.integers(0, 4), max_level=st.integers(1, 4), min_level=st.integers(0, 4),
       intensity=st.floats(0.1, 50))
def test_an_opportunity_never_takes_a_learner_past_its_max_level(level, max_level, min_level,
                                                                  intensity):
    min_level = min(min_level, max_level)
    cat = tiny_catalogue(intensity=intensity, max_level=max_level, min_level=min_level)
    proj = project(cat, learner(level=level), ["S1"])
    above = proj.distribution[:, 0, max_level + 1:].sum(-1)
    np.testing.assert_allclose(above, above[0], atol=1e-15)
    if level < min_level:  # prerequisite not met: no movement at all
        np.testing.assert_array_equal(proj.distribution[:, 0], proj.distribution[:1, 0].repeat(
            len(proj.week_starts), 0))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(level=st.integers(0, 3), intensity=st.floats(0.1, 10), factor=st.floats(1.0, 4.0),
       extra_hours=st.floats(0.0, 6.0))
def test_more_aligned_practice_in_a_plan_never_projects_lower(level, intensity, factor,
                                                             extra_hours):
    who = learner(level=level, goals=[Goal("MATH.1", 4, dt.date(2027, 3, 1))])
    base = project(tiny_catalogue(intensity=intensity), who, ["S1"])
    more = project(tiny_catalogue(intensity=intensity * factor, self_paced=extra_hours), who,
                   ["S1"])
    for k in range(5):
        assert (more.p_at_least(k) >= base.p_at_least(k) - 1e-12).all()
    assert more.goals["probability"].iloc[0] >= base.goals["probability"].iloc[0] - 1e-12


def test_more_practice_on_a_generated_catalogue_never_projects_lower():
    gen = pytest.importorskip("workbench.domain.generate")
    frames = gen.generate_frames(n_sections=60, seed=3, n_competencies=14, n_zones=4)
    cat = Catalogue.from_frames(**frames)
    learners, plans = gen.generate_roster(cat, 6, seed=1)
    more = dict(frames)
    more["alignments"] = frames["alignments"].assign(
        intensity=frames["alignments"]["intensity"] * 1.5)
    cat2 = Catalogue.from_frames(**more)
    for plan in plans:
        who = next(x for x in learners if x.learner_id == plan.learner_id)
        a, b = project(cat, who, plan.sections), project(cat2, who, plan.sections)
        np.testing.assert_allclose(a.distribution.sum(-1), 1.0, atol=1e-12)
        for k in range(5):
            assert (b.p_at_least(k) >= a.p_at_least(k) - 1e-12).all()


def test_projection_is_deterministic():
    cat, who = tiny_catalogue(), learner(level=1, interests=["Robotics"])
    a, b = project(cat, who, ["S1"]), project(cat, who, ["S1"])
    np.testing.assert_array_equal(a.distribution, b.distribution)
    pd.testing.assert_frame_equal(a.goals, b.goals)
    pd.testing.assert_frame_equal(a.trajectories(), b.trajectories())


def test_learner_already_at_goal_level_has_probability_one():
    cat = tiny_catalogue()
    who = learner(level=3, goals=[Goal("MATH.1", 3, dt.date(2027, 6, 1)),
                                  Goal("MATH.1", 2, dt.date(2026, 9, 1))])
    goals = project(cat, who, []).goals
    assert list(goals["probability"]) == [1.0, 1.0]
    assert goals["on_track"].all()
    assert goals["message"].iloc[0] == ("Already at Proficient in Solving linear equations — "
                                        "goal reached.")


def test_goal_row_is_read_at_the_week_containing_the_goal_date():
    cat = tiny_catalogue()
    who = learner(level=2, goals=[Goal("MATH.1", 3, dt.date(2027, 1, 6)),   # a Wednesday
                                  Goal("MATH.1", 3, dt.date(2030, 1, 1))])  # past the horizon
    proj = project(cat, who, ["S1"])
    w = (dt.date(2027, 1, 4) - dt.date(2026, 8, 31)).days // 7
    p = proj.p_at_least(3)[:, 0]
    assert proj.goals["probability"].tolist() == [pytest.approx(p[w]), pytest.approx(p[-1])]


def test_goal_message_is_plain_words():
    proj = project(tiny_catalogue(), learner(level=2), ["S1"])
    goal = proj.goals.iloc[0]
    pct, low, high = (round(goal[c] * 100) for c in
                      ("probability", "probability_low", "probability_high"))
    # the family's sentence, in English: the same words and thresholds as the app says
    lead = ("On track to reach" if goal["probability"] >= ON_TRACK else
            "Could reach" if goal["probability"] >= COULD_REACH else "Not yet on track to reach")
    assert goal["message"] == (f"{lead} Proficient in Solving linear equations by June 1, 2027 "
                               f"({pct}% chance; likely {low}%–{high}%).")
    assert goal["message"] == ENGLISH.goal_sentence(
        goal["name"], goal["target_level"], goal["by"], goal["current_level"],
        goal["probability"], goal["probability_low"], goal["probability_high"])
    assert goal["on_track"] == (goal["probability"] >= ON_TRACK)
    assert proj.goals["target_word"].iloc[0] == "Proficient"
    assert proj.goals["by"].iloc[0] == dt.date(2027, 6, 1)
    none = project(tiny_catalogue(), learner(level=2), [])
    assert none.goals["message"].iloc[0].startswith(
        "This plan has nothing yet that practises Solving linear equations")
    assert not none.goals["on_track"].iloc[0]


def test_one_rule_for_a_likely_goal():
    """The goal sentence, the goal table's on_track, the count of likely goals and the plan
    suggestions call a goal likely from the same chance."""
    from workbench.domain import suggest, summary

    assert summary.LIKELY == suggest.LIKELY == ON_TRACK
    assert summary.NOTHING == NOTHING_YET
    below, at = ON_TRACK - 0.01, ON_TRACK
    rows = [{"current_level": 1, "target_level": 3, "probability": p} for p in (below, at)]
    assert summary.goals_likely(rows) == (1, 2)
    by = dt.date(2027, 6, 1)
    assert ENGLISH.goal_sentence("X", 3, by, 1, at).startswith("On track")
    assert ENGLISH.goal_sentence("X", 3, by, 1, below).startswith("Could reach")
    assert ENGLISH.goal_sentence("X", 3, by, 1, COULD_REACH - 0.01).startswith("Not yet")


def test_projection_shapes_and_tables():
    proj = project(tiny_catalogue(), learner(level=2), ["S1"], start=dt.date(2026, 9, 3),
                   weeks=10)
    assert len(proj.week_starts) == 11
    assert proj.week_starts[0] == pd.Timestamp("2026-08-31")  # the Monday of that week
    assert proj.distribution.shape == (11, 2, 5)
    assert proj.expected.shape == (11, 2)
    assert proj.expected[0].tolist() == [2.0, 0.0]
    s = proj.summary()
    assert list(s.columns) == ["competency_id", "name", "domain", "current_level",
                               "expected_end", "p_proficient_end", "p_proficient_end_low",
                               "p_proficient_end_high", "median_date_proficient"]
    t = proj.trajectories()
    assert len(t) == 11 * 2
    assert (t["lo"] <= t["hi"]).all()
    assert set(t.columns) == {"week", "competency_id", "name", "expected", "lo", "hi",
                              "p_proficient"}


def test_median_week_is_the_first_week_with_even_odds():
    proj = project(tiny_catalogue(intensity=6), learner(level=2), ["S1"])
    p = proj.p_at_least(3)[:, 0]
    first = int(np.argmax(p >= 0.5))
    assert p[first] >= 0.5 and (first == 0 or p[first - 1] < 0.5)
    assert proj.median_week_proficient["MATH.1"] == proj.week_starts[first].date()
    assert proj.median_week_proficient["ELA.1"] is None


def test_attendance_falls_with_travel_and_late_hours():
    near = section_attendance(tiny_catalogue(), learner(), ["S1"])["S1"]
    assert near == pytest.approx(DEFAULT_PARAMETERS.base_attendance)
    far = section_attendance(tiny_catalogue(zone_minutes=45), learner(), ["S1"])["S1"]
    assert far == pytest.approx(0.9 - 0.03 * 3)
    late = section_attendance(tiny_catalogue(end="18:30-20:00"), learner(), ["S1"])["S1"]
    assert late == pytest.approx(0.9 - 0.05)
    # reachable but hard: the floor holds
    hard = section_attendance(tiny_catalogue(zone_minutes=400), learner(), ["S1"])["S1"]
    assert hard == DEFAULT_PARAMETERS.min_attendance


def test_an_unreachable_section_gives_no_attendance_and_no_practice():
    # home zone Z9 has no listed trip to Z1: no way there at all
    unreachable = section_attendance(tiny_catalogue(), learner(home="Z9"), ["S1"])["S1"]
    assert unreachable == 0.0
    proj = project(tiny_catalogue(), learner(level=2, home="Z9"), ["S1"])
    assert proj.goals["probability"].iloc[0] == 0.0
    np.testing.assert_array_equal(proj.distribution, proj.distribution[:1].repeat(41, 0))


def test_a_tuesday_thursday_workshop_gets_the_practice_of_the_hours_it_meets():
    # 18 hours: Tue-Thu, 9:00-15:00, in one week that no Monday of its dates falls in
    cat = tiny_catalogue(days="Tue;Wed;Thu", end="09:00-15:00",
                         dates=("2026-10-06", "2026-10-08"))
    weeks = week_grid(cat, dt.date(2026, 8, 31), 40)
    practice = practice_array(cat, learner(), ["S1"], weeks, NO_NEW_EFFECTS)
    # 18 h x intensity 2 x attendance 0.9, all in the week of Monday 2026-10-05
    assert practice[:, 0, 2].sum() == pytest.approx(18 * 2 * 0.9)
    assert np.flatnonzero(practice[:, 0, 2]).tolist() == [5]
    proj = project(cat, learner(level=2), ["S1"], start=dt.date(2026, 8, 31),
                   params=NO_NEW_EFFECTS, draws=0)
    assert proj.p_at_least(3)[-1, 0] == pytest.approx(1 - 0.9947 ** (18 * 2 * 0.9), rel=1e-12)
    # the ledger counts the same 18 hours
    ledger = pytest.importorskip("workbench.domain.ledger")
    assert ledger.plan_ledger(cat, learner(), Plan("P", "L1", "p", ["S1"]),
                              params=NO_NEW_EFFECTS)["total_hours"] == pytest.approx(18)


def test_interest_and_strength_raise_practice():
    cat, weeks = tiny_catalogue(), week_grid(tiny_catalogue(), weeks=4)
    plain = practice_array(cat, learner(), ["S1"], weeks)
    keen = practice_array(cat, learner(interests=["Robotics"]), ["S1"], weeks)
    strong = practice_array(cat, learner(strengths=["good with numbers"]), ["S1"], weeks)
    np.testing.assert_allclose(keen, plain * 1.25)
    np.testing.assert_allclose(strong, plain * 1.10)
    assert plain[0, 0].tolist() == pytest.approx([5.4, 5.4, 5.4, 0.0])  # up to max_level 3


def test_parameters_are_replaceable_and_checked():
    faster = dataclasses.replace(DEFAULT_PARAMETERS, base_learn_rate=0.01)
    rates = learn_rates(tiny_catalogue(), faster)
    assert rates[0, 2] == pytest.approx(0.01)
    with pytest.raises(ValueError):
        ModelParameters(level_difficulty=(1.0, 1.0))
    for bad in ({"forget_rate": -0.1}, {"forget_rate": 1.0}, {"weekly_saturation": 0.0},
                {"alignment_overlap": 1.5}, {"alignment_overlap": -0.1}):
        with pytest.raises(ValueError):
            ModelParameters(**bad)
    assert ModelParameters(weekly_saturation=float("inf")).weekly_saturation == float("inf")
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PARAMETERS.base_learn_rate = 0.5  # type: ignore[misc]


# ---- the cached engine against a straightforward reference -----------------------------------
def reference_attendance(cat, who, section_ids, params=DEFAULT_PARAMETERS):
    """``section_attendance`` written plainly with pandas, as first specified."""
    t = cat.section_table
    ids = list(dict.fromkeys(s for s in section_ids if s in t.index))
    if not ids:
        return pd.Series(dtype=float, name="attendance")
    t = t.loc[ids]
    reach = cat.travel_from(who.home_zone, who.transport)
    minutes = t["zone"].astype(str).map(reach).astype(float).fillna(np.inf).to_numpy()
    minutes = np.where(t["in_person"].to_numpy(dtype=bool), minutes, 0.0)
    extra = np.maximum(0.0, minutes - params.free_travel_minutes) / 10.0
    late = t["meets"].to_numpy(dtype=bool) & (t["end_min"].to_numpy() > params.late_hour * 60)
    with np.errstate(invalid="ignore"):
        att = params.base_attendance - params.travel_penalty_per_10min * extra \
            - params.late_penalty * late
    # no way there: not attended at all; otherwise the floor
    att = np.where(np.isfinite(minutes), np.clip(att, params.min_attendance, 1.0), 0.0)
    return pd.Series(att, index=pd.Index(ids, name="section_id"), name="attendance")


def reference_practice(cat, who, section_ids, week_starts, params=DEFAULT_PARAMETERS):
    """``practice_array`` written plainly: row by row over sections and their alignments."""
    comps = list(cat.competencies["competency_id"])
    c_index = {c: i for i, c in enumerate(comps)}
    mondays = pd.DatetimeIndex(week_starts)[:-1]
    out = np.zeros((len(mondays), len(comps), 4))
    ids = list(dict.fromkeys(s for s in section_ids if s in cat.section_table.index))
    if not ids or len(mondays) == 0:
        return out
    t = cat.section_table.loc[ids]
    attendance = reference_attendance(cat, who, ids, params)
    align = cat.alignments.groupby("opportunity_id")
    steps = np.arange(4)
    for sid, row in t.iterrows():
        oid = row["opportunity_id"]
        if oid not in align.groups:
            continue
        # hours in each week: each day of the week the section meets inside its dates, plus
        # its self-paced hours in a week it runs on any day (the ledger's rule)
        hours = np.zeros(len(mondays))
        for w, monday in enumerate(mondays):
            days = pd.date_range(monday, periods=7)
            running = (days >= row["start_date"]) & (days <= row["end_date"])
            if row["meets"]:
                meets = [bool(row["day_mask"] >> d.weekday() & 1) for d in days]
                hours[w] += (running & meets).sum() * (row["end_min"] - row["start_min"]) / 60
            hours[w] += running.any() * row["self_paced_hours"]
        att = float(attendance[sid])
        if att <= 0 or not hours.any():
            continue
        group = align.get_group(oid)
        # the opportunity's hour is shared by its k aligned competencies: k ** -overlap each
        k = int(group["competency_id"].isin(c_index).sum())
        for _, a in group.iterrows():
            c = c_index.get(a["competency_id"])
            if c is None:
                continue
            eng = engagement(cat, who, oid, a["competency_id"], params)
            ok = (steps >= int(a["min_level"])) & (steps < int(a["max_level"]))
            amount = att * float(a["intensity"]) * eng
            if params.alignment_overlap > 0:
                amount = amount * float(k) ** -params.alignment_overlap
            out[:, c, :] += np.outer(hours, ok) * amount
    return out


@pytest.fixture(scope="module")
def generated():
    gen = pytest.importorskip("workbench.domain.generate")
    cat = Catalogue.from_frames(**gen.generate_frames(n_sections=150, seed=11,
                                                      n_competencies=16, n_zones=5))
    learners, plans = gen.generate_roster(cat, 12, seed=4)
    return cat, {x.learner_id: x for x in learners}, plans


def plan_variants(cat, plans):
    """The roster's plans, plus repeats, unknown ids and sections drawn at random."""
    rng = np.random.default_rng(0)
    every = list(cat.section_table.index)
    out = [list(p.sections) for p in plans]
    out += [[*p.sections, p.sections[0], "NO-SUCH"] for p in plans if p.sections]
    out += [list(rng.choice(every, size=int(rng.integers(0, 8)), replace=False))
            for _ in range(10)]
    return out


def test_cached_practice_and_attendance_equal_the_plain_computation(generated):
    cat, learners, plans = generated
    keen = dataclasses.replace(DEFAULT_PARAMETERS, interest_boost=0.6, late_hour=17.5,
                               travel_penalty_per_10min=0.08)
    boosted = 0
    for params in (DEFAULT_PARAMETERS, keen):
        for plan, sections in zip(plans * 3, plan_variants(cat, plans), strict=False):
            who = learners[plan.learner_id]
            for weeks in (week_grid(cat), week_grid(cat, dt.date(2027, 1, 13), 12)):
                got = practice_array(cat, who, sections, weeks, params)
                np.testing.assert_array_equal(
                    got, reference_practice(cat, who, sections, weeks, params))
                boosted += bool((got > 0).any())
            pd.testing.assert_series_equal(section_attendance(cat, who, sections, params),
                                           reference_attendance(cat, who, sections, params))
    assert boosted > 20  # the comparison is not all zeros


def test_projection_equals_the_kernel_on_plain_practice(generated):
    cat, learners, plans = generated
    for plan in plans:
        who = learners[plan.learner_id]
        proj = project(cat, who, plan.sections, draws=0)
        current = np.array([who.level(c) for c in cat.competencies["competency_id"]])
        practice = reference_practice(cat, who, plan.sections, proj.week_starts)
        dist = evolve(current[None], practice[None], learn_rates(cat),
                      params=DEFAULT_PARAMETERS)[0]
        np.testing.assert_array_equal(proj.distribution, dist)
        pure = project(cat, who, plan.sections, NO_NEW_EFFECTS, draws=0)
        plain = reference_practice(cat, who, plan.sections, proj.week_starts, NO_NEW_EFFECTS)
        np.testing.assert_array_equal(
            pure.distribution, evolve(current[None], plain[None], learn_rates(cat))[0])
        assert proj.competency_ids == list(cat.competencies["competency_id"])
        pd.testing.assert_frame_equal(
            proj.competencies,
            cat.competencies[["competency_id", "name", "domain"]].reset_index(drop=True))


def test_projections_do_not_share_their_competency_tables(generated):
    cat, learners, plans = generated
    who = learners[plans[0].learner_id]
    a, b = project(cat, who, plans[0].sections), project(cat, who, plans[0].sections)
    a.competencies.loc[0, "name"] = "changed"
    a.competency_ids.append("extra")
    assert b.competencies.loc[0, "name"] != "changed"
    assert project(cat, who, []).competencies.loc[0, "name"] != "changed"
    assert "extra" not in b.competency_ids


def test_trajectories_are_read_from_the_distribution():
    proj = project(tiny_catalogue(intensity=8), learner(level=1), ["S1"], weeks=20)
    t = proj.trajectories()
    cdf = np.cumsum(proj.distribution, axis=-1)
    lo = (cdf < 0.1 - 1e-9).sum(-1).clip(0, 4).ravel()
    hi = (cdf < 0.9 - 1e-9).sum(-1).clip(0, 4).ravel()
    np.testing.assert_array_equal(t["lo"].to_numpy(), lo)
    np.testing.assert_array_equal(t["hi"].to_numpy(), hi)
    assert list(t.columns) == ["week", "competency_id", "name", "expected", "lo", "hi",
                               "p_proficient"]
    assert t["competency_id"].tolist() == ["MATH.1", "ELA.1"] * 21


def test_catalogue_arrays_are_shared_read_only_and_dropped_with_their_catalogue():
    import gc
    import weakref

    from workbench.domain.arrays import catalogue_arrays

    cat = tiny_catalogue()
    project(cat, learner(), ["S1"])
    arrays = catalogue_arrays(cat)
    assert catalogue_arrays(cat) is arrays  # built once, shared
    frozen = [v for v in vars(arrays).values() if isinstance(v, np.ndarray)]
    assert len(frozen) > 40 and not any(v.flags.writeable for v in frozen)
    with pytest.raises(ValueError, match="read-only"):
        arrays.weekly_hours[0] = 99.0
    with pytest.raises(TypeError):
        arrays.position["S-new"] = 1  # type: ignore[index]
    gone = weakref.ref(arrays)
    del cat, arrays
    gc.collect()
    assert gone() is None
