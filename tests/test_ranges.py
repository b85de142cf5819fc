"""Ranges that include what the model does not know: draws of the parameters through the one
kernel, their intervals, and how they are said (issue 13 section 2)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re

import numpy as np
import pytest

from workbench import SAMPLE_DATA
from workbench.cli import core as cli
from workbench.domain.arrays import catalogue_arrays
from workbench.domain.explain import explain_goals, explanation_text
from workbench.domain.ledger import plan_ledger
from workbench.domain.projection import (
    DEFAULT_PARAMETERS,
    RANGE_DRAWS,
    PlanRows,
    bound_multipliers,
    fitted_spread,
    project,
    project_many,
    project_ranges,
    range_multipliers,
    range_sigma,
    week_grid,
)
from workbench.domain.words import ENGLISH
from workbench.formats.datadir import load_dataset
from workbench.formats.parameters import read_parameters, write_parameters
from workbench.i18n import Translator

from .test_projection import learner, tiny_catalogue

NO_SPREAD = dataclasses.replace(DEFAULT_PARAMETERS, learn_rate_spread=0.0,
                                attendance_spread=0.0, engagement_spread=0.0)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


def first_plans(dataset):
    for lid, who in dataset.learners.items():
        plans = dataset.plans_for(lid)
        if plans:
            yield who, plans[0]


# ---- the draws ---------------------------------------------------------------------------------
def test_the_draws_are_reproducible_ascending_and_centred_on_the_parameters():
    a, b = range_multipliers(), range_multipliers()
    assert np.array_equal(a, b) and len(a) == RANGE_DRAWS
    assert np.all(np.diff(a) > 0)
    # a lognormal with median 1 and the documented sigma: halving/doubling the learn rate
    # near the 10th/90th percentiles
    assert abs(np.median(np.log(a))) < 0.05
    lo, hi = bound_multipliers()
    assert 0.4 < lo < 0.6 and 1.7 < hi < 2.4
    assert range_sigma(DEFAULT_PARAMETERS) == pytest.approx(
        math.sqrt(0.541 ** 2 + 0.1 ** 2 + 0.1 ** 2))
    assert np.array_equal(range_multipliers(NO_SPREAD), np.ones(RANGE_DRAWS))


def test_draws_are_rows_of_the_one_kernel(dataset):
    """``project_ranges`` (one kernel call over repeated rows) equals a loop of kernel calls,
    one per draw, bit for bit."""
    A = catalogue_arrays(dataset.catalogue)
    pairs = [(who, plan.sections) for who, plan in first_plans(dataset)]
    rows = PlanRows.from_learners(A, pairs)
    weeks = week_grid(A)
    ranged = project_ranges(A, rows, weeks, draws=8)
    each = [project_many(A, rows, weeks, scale=m) for m in ranged.multipliers]
    goals = np.stack([e.goal_probability for e in each], axis=1)       # goals x draws
    np.testing.assert_array_equal(ranged.goal_probability, goals.mean(axis=1))
    np.testing.assert_array_equal(ranged.goal_point, project_many(A, rows, weeks)
                                  .goal_probability)
    np.testing.assert_array_equal(
        ranged.credits, np.stack([e.expected_credits() for e in each], axis=1))
    # a draw of 1 is the plain kernel
    np.testing.assert_array_equal(project_many(A, rows, weeks, scale=1.0).distribution,
                                  project_many(A, rows, weeks).distribution)


def test_repeated_rows_are_the_same_rows(dataset):
    A = catalogue_arrays(dataset.catalogue)
    rows = PlanRows.from_learners(A, [(who, plan.sections) for who, plan in first_plans(dataset)])
    big = rows.repeat(3)
    assert big.n == 3 * rows.n
    for i in range(rows.n):
        mine = rows.section_pos[rows.section_ptr[i]:rows.section_ptr[i + 1]]
        for j in range(3):
            r = 3 * i + j
            assert np.array_equal(big.section_pos[big.section_ptr[r]:big.section_ptr[r + 1]],
                                  mine)
            assert np.array_equal(big.levels[r], rows.levels[i])
    assert np.array_equal(big.goal_row.reshape(-1, 3) // 3,
                          np.repeat(rows.goal_row[:, None], 3, axis=1))


# ---- the intervals -----------------------------------------------------------------------------
def test_intervals_contain_the_point_chance_and_the_mean(dataset):
    n = 0
    for who, plan in first_plans(dataset):
        g = project(dataset.catalogue, who, plan.sections).goals
        point = project(dataset.catalogue, who, plan.sections, draws=0).goals["probability"]
        np.testing.assert_array_equal(g["probability_point"], point)
        lo, hi = g["probability_low"].to_numpy(), g["probability_high"].to_numpy()
        assert np.all((lo >= 0) & (lo <= g["probability_point"]) & (g["probability_point"] <= hi)
                      & (hi <= 1))
        assert np.all((lo <= g["probability"]) & (g["probability"] <= hi))
        n += int(np.sum(hi - lo > 0.05))
    assert n >= 10  # most goals really have a range


def test_zero_spread_gives_one_number():
    cat, who = tiny_catalogue(), learner(level=2)
    g = project(cat, who, ["S1"], NO_SPREAD).goals.iloc[0]
    plain = project(cat, who, ["S1"], NO_SPREAD, draws=0).goals.iloc[0]
    # one number (the mean of 48 equal draws may differ from each in the last bit)
    for col in ("probability_low", "probability_high", "probability", "probability_point"):
        assert g[col] == pytest.approx(plain["probability"], abs=1e-15)
    led = plan_ledger(cat, who, _plan(["S1"]), project(cat, who, ["S1"], NO_SPREAD))
    assert led["expected_credits_low"] == led["expected_credits_high"] == \
        pytest.approx(led["expected_credits"], abs=1e-12)


def _plan(sections):
    from workbench.domain.dataset import Plan

    return Plan("P1", "L1", "Plan A", list(sections))


def _width(params):
    g = project(tiny_catalogue(), learner(level=2), ["S1"], params).goals.iloc[0]
    return g["probability_high"] - g["probability_low"]


def test_a_wider_spread_gives_a_wider_interval():
    widths = [_width(dataclasses.replace(DEFAULT_PARAMETERS, learn_rate_spread=s))
              for s in (0.0, 0.2, 0.5, 0.8)]
    assert all(b > a for a, b in itertools.pairwise(widths)), widths
    assert _width(dataclasses.replace(DEFAULT_PARAMETERS, attendance_spread=0.4)) > \
        _width(DEFAULT_PARAMETERS)


def test_the_level_band_widens_and_credits_get_a_range():
    cat, who = tiny_catalogue(intensity=1.0), learner(level=1)
    narrow = project(cat, who, ["S1"], draws=0).trajectories()
    wide = project(cat, who, ["S1"]).trajectories()
    assert (wide["hi"] - wide["lo"]).sum() > (narrow["hi"] - narrow["lo"]).sum()
    assert ((wide["hi"] - wide["lo"]) >= (narrow["hi"] - narrow["lo"])).all()
    led = plan_ledger(cat, who, _plan(["S1"]), project(cat, who, ["S1"]))
    assert led["expected_credits_low"] < led["expected_credits"] < led["expected_credits_high"]


# ---- a parameters file -------------------------------------------------------------------------
def test_fitted_intervals_set_the_spread(tmp_path, dataset):
    doc = {"parameters": {"base_learn_rate": 0.006},
           "provenance": {"base_learn_rate": {"source": "fitted", "interval": [0.0055, 0.0065],
                                              "level": 0.9},
                          "base_attendance": {"source": "fitted", "interval": [0.8, 0.9],
                                              "level": 0.8}}}
    path = write_parameters(doc, tmp_path / "p.json")
    params = read_parameters(path).parameters
    z90, z80 = 1.6448536269514722, 1.2815515655446004
    assert params.learn_rate_spread == pytest.approx(math.log(0.0065 / 0.0055) / (2 * z90))
    assert params.attendance_spread == pytest.approx(math.log(0.9 / 0.8) / (2 * z80))
    assert params.engagement_spread == DEFAULT_PARAMETERS.engagement_spread
    # a narrow fitted interval gives narrower ranges than the default judgment
    who, plan = next(first_plans(dataset))
    fitted = project(dataset.catalogue, who, plan.sections, params).goals
    default = project(dataset.catalogue, who, plan.sections,
                      dataclasses.replace(params, learn_rate_spread=0.541,
                                          attendance_spread=0.1)).goals
    has = default["probability_high"] - default["probability_low"] > 0.01
    assert has.any()
    assert ((fitted["probability_high"] - fitted["probability_low"])[has]
            < (default["probability_high"] - default["probability_low"])[has]).all()
    # a spread the file sets itself wins over its interval
    doc["parameters"]["learn_rate_spread"] = 0.3
    own = read_parameters(write_parameters(doc, tmp_path / "q.yaml")).parameters
    assert own.learn_rate_spread == 0.3
    # no interval, or a broken one: the defaults stay
    assert fitted_spread(DEFAULT_PARAMETERS, {"base_learn_rate": {"interval": None}}) == \
        DEFAULT_PARAMETERS
    assert fitted_spread(DEFAULT_PARAMETERS, {"base_learn_rate": {"interval": [0.0, 1]}}) == \
        DEFAULT_PARAMETERS


# ---- the command -------------------------------------------------------------------------------
def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "default-store.sqlite"))


def test_project_and_compare_json_carry_the_intervals(capsys, tmp_path):
    code, out, _err = run(capsys, "project", "--learner", "L-amara", "--plan", "P-amara-a",
                          "--json")
    assert code == 0
    doc = json.loads(out)
    ranged = 0
    for g in doc["goals"]:
        assert 0 <= g["probability_low"] <= g["probability_point"] <= g["probability_high"] <= 1
        assert g["probability_low"] <= g["probability"] <= g["probability_high"]
        ranged += g["probability_high"] - g["probability_low"] > 0.05
    assert ranged >= 2
    assert doc["totals"]["expected_credits_low"] < doc["totals"]["expected_credits_high"]
    code, out, _err = run(capsys, "compare", "--learner", "L-amara", "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc["goals"]) == set(doc["plans"])
    for goals in doc["goals"].values():
        assert all({"probability", "probability_low", "probability_high"} <= set(g)
                   for g in goals)
    # --parameters with a fitted interval narrows the range the command prints
    path = write_parameters({"provenance": {"base_learn_rate": {
        "source": "fitted", "interval": [0.0049, 0.0051]}}}, tmp_path / "p.json")
    code, out, _err = run(capsys, "project", "--learner", "L-amara", "--plan", "P-amara-a",
                          "--json", "--parameters", str(path))
    narrow = json.loads(out)["goals"][0]
    assert narrow["probability_high"] - narrow["probability_low"] < 0.5 * (
        doc["goals"]["P-amara-a"][0]["probability_high"]
        - doc["goals"]["P-amara-a"][0]["probability_low"])


def test_the_command_prints_ranges_and_never_a_bare_over_99(capsys):
    for learner_id in ("L-maya", "L-amara"):
        for lang in ("en", "es"):
            code, out, _err = run(capsys, "project", "--learner", learner_id, "--plan",
                                  f"P-{learner_id[2:]}-a", "--lang", lang)
            assert code == 0
            assert_no_bare_over_99(out)
            assert ("likely" in out) if lang == "en" else ("probablemente" in out)


# ---- the words ---------------------------------------------------------------------------------
OVER = re.compile(r"(over|más de) 99\s?%")


def assert_no_bare_over_99(text: str) -> None:
    """Every "over 99%" is the lower end of a range or says it is not certain."""
    for m in OVER.finditer(text):
        after = text[m.end():m.end() + 80]
        assert re.match(r"\s*(chance|de probabilidad)?\s*[(;,]\s*(very likely, not certain|"
                        r"muy probable, pero no seguro|likely|probablemente)", after) or \
            re.match(r"\s*(or more|o más)", after), text[max(0, m.start() - 60):m.end() + 40]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_words_never_print_over_99_alone(lang):
    w = ENGLISH if lang == "en" else Translator("es")
    for p in (0.995, 0.997, 0.999, 0.9999):
        for low, high in ((None, None), (p, p), (0.9, 0.9999), (0.996, 0.9999), (0.97, 1.0)):
            cell = w.chance_span(p, low, high)
            sentence = w.goal_sentence("Algebra", 3, "2027-06-01", 1, p, low, high)
            for text in (cell, sentence):
                assert_no_bare_over_99(text)
                assert text != w.chance(p)


def test_ranges_in_words_in_both_languages():
    en, es = ENGLISH, Translator("es")
    assert en.chance_span(0.72, 0.6, 0.8) == "72% (likely 60%–80%)"
    assert en.chance_span(0.9, 0.8, 0.999) == "90% (likely 80% or more)"
    assert en.chance_span(0.02, 0.001, 0.06) == "2% (likely 6% or less)"
    assert en.chance_span(0.72) == "72%"
    assert en.number_span(5.4, 4.7, 6.04) == "5.4 (likely 4.7–6)"
    span = es.chance_span(0.72, 0.6, 0.8)
    assert "probablemente" in span and "likely" not in span
    assert "probablemente" in es.number_span(5.4, 4.7, 6.04)
    assert "muy probable, pero no seguro" in es.chance_span(0.999)
    glossary = dict((k, text) for k, _t, text in es.glossary())
    assert "ritmos" in glossary["chance"]


# ---- why this chance ---------------------------------------------------------------------------
def test_explain_says_how_much_of_the_range_is_the_learn_rate(dataset):
    who, plan = next((w, p) for w, p in first_plans(dataset) if w.learner_id == "L-amara")
    cat = dataset.catalogue
    out = explain_goals(cat, who, plan.sections)
    open_goals = [e for e in out if e.probability_high - e.probability_low > 0.05]
    assert open_goals
    for e in open_goals:
        assert 0.8 < e.learn_rate_share <= 1.0  # the learn rate is most of what is unknown
        text = explanation_text(e)
        assert "pace of learning" in text.range and "likely" in text.range
        es = explanation_text(e, Translator("es"))
        assert "ritmo" in es.range
    only_attendance = dataclasses.replace(DEFAULT_PARAMETERS, learn_rate_spread=0.0,
                                          attendance_spread=0.3, engagement_spread=0.0)
    proj = project(cat, who, plan.sections, only_attendance)
    for e in explain_goals(cat, who, plan.sections, only_attendance, projection=proj):
        if e.probability_high - e.probability_low > 0.05:
            assert e.learn_rate_share == 0.0
