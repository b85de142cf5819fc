"""``workbench batch --suggest``: each roster learner's best suggestion, projected with the others,
and by zone how many could reach every goal with today's catalogue.

A small generated roster over the sample district; the by-zone figures are recounted learner by
learner with ``project`` and every suggested plan goes through ``check_plan``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench import SAMPLE_DATA, district
from workbench.cli import core as cli
from workbench.domain.feasibility import check_plan
from workbench.domain.projection import project
from workbench.domain.suggest import LIKELY
from workbench.formats.datadir import load_catalogue
from workbench.markup import write_csv


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(SAMPLE_DATA)


@pytest.fixture(scope="module")
def roster(catalogue) -> pd.DataFrame:
    return district.generate_roster_frame(catalogue, 14, seed=11)


@pytest.fixture(scope="module")
def suggested(catalogue, roster):
    return district.suggest_roster(catalogue, roster, time_limit=20)


@pytest.fixture(scope="module")
def results(catalogue, roster, suggested):
    rows, _info = suggested
    return district.project_roster(catalogue, pd.concat([roster, rows], ignore_index=True))


def test_roster_learners_are_the_rosters_learners(roster):
    learners = district.roster_learners(roster)
    assert [lr.learner_id for lr in learners] == list(dict.fromkeys(roster["learner_id"]))
    first = roster.drop_duplicates("learner_id").set_index("learner_id")
    for lr in learners:
        row = first.loc[lr.learner_id]
        assert lr.grade == row["grade"] and lr.home_zone == row["home_zone"]
        assert ";".join(lr.transport) == row["transport"]
        assert len(lr.goals) == len([g for g in str(row["goals"]).split(";") if g])
        assert lr.availability == []  # a roster says nothing about free times
    # back to roster columns: the same learner columns
    again = district.roster_from_learners(
        learners, [type("P", (), {"learner_id": lr.learner_id, "plan_id": "x",
                                  "sections": []})() for lr in learners])
    cols = ["grade", "home_zone", "transport", "budget", "levels", "goals", "interests"]
    pd.testing.assert_frame_equal(again[cols].reset_index(drop=True),
                                  first[cols].reset_index(drop=True), check_dtype=False)


def test_every_suggested_plan_passes_check_plan(catalogue, roster, suggested):
    rows, info = suggested
    learners = {lr.learner_id: lr for lr in district.roster_learners(roster)}
    assert len(rows) == len(learners) == len(info)
    assert list(rows["plan_id"]) == [f"S-{lid}-1" for lid in learners]
    assert (rows["sections"] != "").any(), "no learner got a suggestion: the test proves nothing"
    for row in rows.itertuples():
        sections = [s for s in row.sections.split(";") if s]
        assert check_plan(catalogue, learners[row.learner_id], sections) == []
        opps = catalogue.section_table.loc[sections, "opportunity_id"]
        assert opps.is_unique  # at most one group per opportunity
    assert set(info["status"]) <= {"proven", "time_limit", "no_candidates", "no_goals"}


def test_solver_totals_are_the_projections(catalogue, roster, suggested, results):
    _rows, info = suggested
    learners = {lr.learner_id: lr for lr in district.roster_learners(roster)}
    by_plan = results.plans.set_index("plan_id")
    for r in info.itertuples():
        if r.sections == "":
            continue
        lr = learners[r.learner_id]
        p = project(catalogue, lr, r.sections.split(";"), draws=0).goals["probability"]
        assert float(p.sum()) == pytest.approx(r.solver_goal_total, abs=1e-9)
        assert by_plan.loc[r.plan_id, "n_goals_likely"] == int((p >= LIKELY).sum())


def test_reach_by_zone_sums_and_recounts(catalogue, roster, suggested, results):
    rows, info = suggested
    table = district.reach_by_zone(roster, results.plans, info)
    zones, total = table[table["zone"] != "All"], table[table["zone"] == "All"].iloc[0]
    for col in ("learners", "with_goals", "reach_suggested", "reach_own"):
        assert zones[col].sum() == total[col]
    assert total["learners"] == roster["learner_id"].nunique()
    assert list(zones["zone"]) == sorted(roster.drop_duplicates("learner_id")["home_zone"]
                                         .unique())
    # recount learner by learner with the one-learner projection
    learners = district.roster_learners(roster)
    own_plans = roster.groupby("learner_id")["sections"].apply(list)

    def reaches(lr, sections) -> bool:
        g = project(catalogue, lr, [s for s in sections.split(";") if s], draws=0).goals
        return bool(len(g)) and bool(((g["probability"] >= LIKELY)
                                      | (g["current_level"] >= g["target_level"])).all())

    sug = {r.learner_id: r.sections for r in rows.itertuples()}
    want: dict[str, list[int]] = {}
    for lr in learners:
        counts = want.setdefault(lr.home_zone, [0, 0])
        counts[0] += reaches(lr, sug[lr.learner_id])
        counts[1] += any(reaches(lr, s) for s in own_plans[lr.learner_id])
    for z in zones.itertuples():
        assert [z.reach_suggested, z.reach_own] == want[z.zone], z.zone
        if z.with_goals:
            assert z.share_suggested == pytest.approx(z.reach_suggested / z.with_goals)


def test_cli_batch_suggest(tmp_path, capsys, roster):
    path = tmp_path / "roster.csv"
    write_csv(roster, path)
    out = tmp_path / "results.parquet"
    assert cli.main(["--json", "batch", "--roster", str(path), "--out", str(out), "--suggest",
                     "--suggest-time-limit", "20"]) == 0
    summary = json.loads(capsys.readouterr().out)  # no solver banner in the JSON
    s = summary["suggest"]
    n = roster["learner_id"].nunique()
    assert s["learners"] == n and summary["projected"] == len(roster) + n
    zones = [z for z in s["by_zone"] if z["zone"] != "All"]
    assert sum(z["reach_suggested"] for z in zones) == s["reach_suggested"]
    per_learner = pd.read_parquet(s["out"])
    assert len(per_learner) == n
    assert int(per_learner["reaches_goals"].sum()) == s["reach_suggested"]
    plans = pd.read_parquet(out)
    assert plans["plan_id"].str.startswith("S-").sum() == n
    # and in words
    assert cli.main(["batch", "--roster", str(path), "--out", str(out), "--suggest"]) == 0
    text = capsys.readouterr().out
    assert "could reach every goal with their best suggested plan" in text
    assert f"{s['reach_suggested']:,} of {s['with_goals']:,} learners" in text
