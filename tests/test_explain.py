"""Why this chance: the explanation is the projection's own numbers, taken apart and re-run."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Goal
from workbench.domain.explain import explain_goals, explanation_text, goal_week
from workbench.domain.feasibility import catalogue_fit
from workbench.domain.projection import DEFAULT_PARAMETERS, PURE_BKT, practice_array, project
from workbench.formats.datadir import load_dataset
from workbench.i18n import Translator


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


def _fitting(cat, learner, sections):
    fit = catalogue_fit(cat, learner, sections)
    return list(fit.index[(fit["fits"] & ~fit["in_plan"]).to_numpy()])


@pytest.mark.parametrize("plan_id", ["P-dante-a", "P-amara-b", "P-lucia-b", "P-theo-b"])
def test_each_goal_is_explained_by_the_projection(dataset, plan_id):
    cat = dataset.catalogue
    plan = dataset.plans[plan_id]
    learner = dataset.learners[plan.learner_id]
    proj = project(cat, learner, plan.sections)
    out = explain_goals(cat, learner, plan.sections, candidates=_fitting(cat, learner,
                                                                         plan.sections))
    assert [e.competency_id for e in out] == [g.competency_id for g in learner.goals]
    ws = proj.week_starts
    for e, (_i, g) in zip(out, proj.goals.iterrows(), strict=True):
        assert e.probability == pytest.approx(g["probability"])
        c = proj.competency_ids.index(e.competency_id)
        week = goal_week(ws, e.by)
        # each piece's weekly practice is the kernel's own: hours x intensity x attendance x
        # engagement, in a week it runs
        for piece in e.pieces:
            alone = practice_array(cat, learner, [piece.section_id], ws)
            weekly = alone[:week, c, :].max(axis=1)
            running = weekly[weekly > 0]
            if piece.counts and piece.weeks:
                assert running.size == piece.weeks
                assert running == pytest.approx(piece.practice_per_week)
        # adding a fitting section: the same chance as projecting the plan with it
        for imp in e.improvements:
            assert imp.probability > e.probability
            if imp.kind == "add":
                with_it = project(cat, learner, [*plan.sections, imp.section_id])
                gi = [x.competency_id for x in out].index(e.competency_id)
                assert imp.probability == pytest.approx(
                    with_it.goals.iloc[gi]["probability"], abs=1e-9)
        # best first (to the tenth of a point explain ranks by; ties: more hours first)
        chances = [round(i.probability, 3) for i in e.improvements]
        assert chances == sorted(chances, reverse=True)


def test_one_more_hour_raises_the_chance_as_the_model_says(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-dante-a"]
    learner = dataset.learners[plan.learner_id]
    out = explain_goals(cat, learner, plan.sections)
    writing = next(e for e in out if e.pieces)
    more = [i for i in writing.improvements if i.kind == "more_hours"]
    assert more, "a piece that practises the goal is offered for more hours"
    # and more extra hours raise it further (the projection is monotone in practice)
    two = explain_goals(cat, learner, plan.sections, extra_hours=2.0)
    best_two = {i.section_id: i.probability for e in two for i in e.improvements
                if e.competency_id == writing.competency_id and i.kind == "more_hours"}
    for i in more:
        assert best_two[i.section_id] > i.probability


def test_goal_with_nothing_practising_it_says_so_and_what_would(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-dante-c"]
    learner = dataset.learners[plan.learner_id]
    out = explain_goals(cat, learner, plan.sections,
                        candidates=_fitting(cat, learner, plan.sections))
    empty = [e for e in out if not e.pieces]
    assert empty
    for e in empty:
        text = explanation_text(e)
        assert any("Nothing in this plan practises" in x for x in text.lowered_by)
        if e.best is not None:
            assert e.best.kind == "add" and "adding" in text.raise_most


def test_a_near_certain_chance_always_says_why(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-maya-a"]
    learner = dataset.learners[plan.learner_id]
    # as pure BKT (no forgetting, saturation or split) and at the central parameters (no
    # ranges) Maya's welding plan makes a goal all but sure; with the defaults it is 95% now
    out = explain_goals(cat, learner, plan.sections, PURE_BKT,
                        projection=project(cat, learner, plan.sections, PURE_BKT, draws=0))
    sure = [e for e in out if e.probability >= 0.995]
    assert sure, "Maya's welding plan makes a goal all but sure"
    for e in sure:
        text = explanation_text(e)
        assert "over 99%" in text.headline
        assert any("usually takes" in x and "never certain" in x for x in text.practised_by)


def test_travel_late_hours_and_interests_are_named(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-amara-c"]
    learner = dataset.learners[plan.learner_id]
    out = explain_goals(cat, learner, plan.sections)
    pieces = [p for e in out for p in e.pieces]
    far = [p for p in pieces if p.travel_loss > 0.005]
    assert far and all(np.isfinite(p.travel_minutes) and p.travel_minutes >
                       DEFAULT_PARAMETERS.free_travel_minutes for p in far)
    lowered = " ".join(x for e in out for x in explanation_text(e).lowered_by)
    assert "each way" in lowered and "of attendance" in lowered
    dante = dataset.learners["L-dante"]
    late = [p for e in explain_goals(cat, dante, dataset.plans["P-dante-a"].sections)
            for p in e.pieces if p.late_loss > 0]
    assert late


def test_a_goal_already_reached(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-theo-a"]
    learner = dataset.learners[plan.learner_id]
    comp = next(iter(learner.levels))
    reached = dataclasses.replace(learner, goals=[Goal(comp, learner.level(comp),
                                                       dt.date(2027, 6, 1))])
    (e,) = explain_goals(cat, reached, plan.sections)
    assert e.reached and e.probability == 1.0 and not e.improvements
    assert "already reached" in explanation_text(e).headline


def test_explanations_in_spanish_have_no_english(dataset):
    es = Translator("es")
    cat = dataset.catalogue
    for plan_id in ("P-dante-a", "P-maya-a", "P-amara-c"):
        plan = dataset.plans[plan_id]
        learner = dataset.learners[plan.learner_id]
        for e in explain_goals(cat, learner, plan.sections,
                               candidates=_fitting(cat, learner, plan.sections)):
            t = explanation_text(e, es)
            text = " ".join([t.headline, t.band, *t.practised_by, *t.lowered_by, t.raise_most])
            for english in ("chance", "practice", "attended", "would raise", "usually takes",
                            "each way", "Nothing in this plan", "hours a week"):
                assert english not in text, (english, text)
            assert "probabilidad" in t.headline or "alcanzó" in t.headline


def test_the_band_brackets_the_target_as_the_chance_says(dataset):
    cat = dataset.catalogue
    plan = dataset.plans["P-grace-a"]
    learner = dataset.learners[plan.learner_id]
    for e in explain_goals(cat, learner, plan.sections):
        assert e.low_level <= e.high_level
        if e.probability >= 0.9 + 1e-9:
            assert e.low_level >= e.target_level
        if e.probability <= 0.1 - 1e-9:
            assert e.high_level < e.target_level
