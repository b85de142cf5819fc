"""District batch: the same numbers as the one-learner projection, on one machine or on Dask."""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench import district
from workbench.cli import batch as cli_batch
from workbench.domain.dataset import Catalogue
from workbench.domain.feasibility import check_plan
from workbench.domain.generate import generate_frames, generate_roster
from workbench.domain.ledger import plan_ledger
from workbench.domain.projection import project
from workbench.domain.words import ON_TRACK


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_frames(**generate_frames(n_sections=800, seed=3))


@pytest.fixture(scope="module")
def people(catalogue):
    return generate_roster(catalogue, 300, seed=5)


@pytest.fixture(scope="module")
def roster(people) -> pd.DataFrame:
    return district.roster_from_learners(*people)


@pytest.fixture(scope="module")
def results(catalogue, roster) -> district.BatchResults:
    return district.project_roster(catalogue, roster, chunk_size=97)


def _close(a, b, tol=1e-9) -> bool:
    a = float("nan") if a is None else float(a)
    if math.isnan(a) or math.isnan(float(b)):
        return math.isnan(a) and math.isnan(float(b))
    return abs(a - float(b)) <= tol * max(1.0, abs(a))


def test_batch_equals_one_learner_projection(catalogue, people, results):
    learners, plans = people
    by_id = {lr.learner_id: lr for lr in learners}
    rng = np.random.default_rng(0)
    per_comp = results.competencies.set_index(["plan_id", "competency_id"])
    for i in rng.choice(len(plans), 40, replace=False):
        plan, row = plans[i], results.plans.iloc[i]
        learner = by_id[plan.learner_id]
        assert row["plan_id"] == plan.plan_id
        # the batch's central columns are the numbers at the central parameters ...
        proj = project(catalogue, learner, plan.sections, draws=0)
        ledger = plan_ledger(catalogue, learner, plan, proj)
        for key in ("expected_credits", "credits_gained", "hours_per_week", "cost",
                    "carnegie_units", "cost_per_credit"):
            assert _close(ledger[key], row[key]), (plan.plan_id, key, ledger[key], row[key])
        goals = proj.goals
        expected_mean = goals["probability"].mean() if len(goals) else float("nan")
        assert _close(expected_mean, row["p_goal_mean"])
        # ... and its ranges are exactly those ``project`` finds over all its draws
        ranged = project(catalogue, learner, plan.sections)
        r_ledger = plan_ledger(catalogue, learner, plan, ranged)
        for end in ("low", "high"):
            assert _close(r_ledger[f"expected_credits_{end}"], row[f"expected_credits_{end}"])
            want = ranged.goals[f"probability_{end}"].mean() if len(goals) else float("nan")
            assert _close(want, row[f"p_goal_mean_{end}"]), (plan.plan_id, end)
        assert row["p_goal_mean_low"] <= row["p_goal_mean"] <= row["p_goal_mean_high"] or \
            not len(goals)
        r_summary = ranged.summary().set_index("competency_id")
        assert row["n_goals_likely"] == int((goals["probability"] >= ON_TRACK).sum())
        summary = proj.summary().set_index("competency_id")
        mine = per_comp.loc[plan.plan_id] if plan.plan_id in per_comp.index else None
        practised = [] if mine is None else list(mine.index)
        for cid in practised:
            assert _close(summary.at[cid, "expected_end"], mine.at[cid, "expected_end"])
            assert _close(summary.at[cid, "p_proficient_end"], mine.at[cid, "p_proficient_end"])
            for col in ("p_proficient_end_low", "p_proficient_end_high"):
                assert _close(r_summary.at[cid, col], mine.at[cid, col]), (plan.plan_id, cid)
            assert summary.at[cid, "current_level"] == mine.at[cid, "current_level"]
        # every competency the batch leaves out stays exactly where it is
        rest = summary.drop(index=practised)
        assert np.array_equal(rest["expected_end"].to_numpy(), rest["current_level"].to_numpy())


def test_feasible_is_the_roster_subset_of_check_plan(catalogue, people, results):
    learners, plans = people
    by_id = {lr.learner_id: lr for lr in learners}
    hard = {"grade", "capacity", "broadband", "device", "budget", "weekly_hours"}
    travel = {"transport", "too_far"}
    for i in range(0, len(plans), 7):
        plan = plans[i]
        kinds = {p.kind for p in check_plan(catalogue, by_id[plan.learner_id], plan.sections)}
        feasible = bool(results.plans.iloc[i]["feasible"])
        if kinds & hard:
            assert not feasible, (plan.plan_id, kinds)
        if not feasible:
            assert kinds & (hard | travel), (plan.plan_id, kinds)


@pytest.mark.parametrize("chunk_size", [1, 50, 10_000])
def test_results_do_not_depend_on_chunking(catalogue, roster, results, chunk_size):
    other = district.project_roster(catalogue, roster.iloc[:200], chunk_size=chunk_size)
    pd.testing.assert_frame_equal(other.plans, results.plans.iloc[:200], check_exact=True)
    n = len(other.competencies)
    pd.testing.assert_frame_equal(other.competencies,
                                  results.competencies.iloc[:n].reset_index(drop=True),
                                  check_exact=True)


def test_chunks_bigger_than_a_block_give_identical_results(catalogue, roster, results,
                                                          monkeypatch):
    monkeypatch.setattr(district, "BLOCK_ROWS", 37)
    blocked = district.project_roster(catalogue, roster, chunk_size=250)
    pd.testing.assert_frame_equal(blocked.plans, results.plans, check_exact=True)
    pd.testing.assert_frame_equal(blocked.competencies, results.competencies, check_exact=True)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_results_do_not_depend_on_threads(catalogue, roster, results, monkeypatch, threads):
    """Blocks projected on several threads come back as one thread gives them, chunk by chunk
    in roster order, whether a chunk is one block or several."""
    monkeypatch.setattr(district, "BLOCK_ROWS", 37)
    for chunk_size in (30, 250):
        got = list(district.iter_results(catalogue, roster, chunk_size=chunk_size,
                                         threads=threads))
        assert [len(r.plans) for r in got] == [len(c) for c in district._chunks(roster,
                                                                               chunk_size)]
        joined = district._joined(got)
        pd.testing.assert_frame_equal(joined.plans, results.plans, check_exact=True)
        pd.testing.assert_frame_equal(joined.competencies, results.competencies,
                                      check_exact=True)


def test_a_threaded_run_stops_cleanly_when_the_reader_stops(catalogue, roster, monkeypatch):
    """A caller that stops reading (or a block that fails) leaves no work running."""
    import threading

    monkeypatch.setattr(district, "BLOCK_ROWS", 20)
    runs = district.iter_results(catalogue, roster, chunk_size=40, threads=2)
    first = next(runs)
    assert len(first.plans) == 40
    runs.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("workbench-batch")]

    calls = []

    def failing(model, block):
        calls.append(len(block))
        if len(calls) == 3:
            raise ValueError("a block failed")
        return real(model, block)

    real = district._project_block
    monkeypatch.setattr(district, "_project_block", failing)
    with pytest.raises(ValueError, match="a block failed"):
        list(district.iter_results(catalogue, roster, chunk_size=40, threads=2))
    assert not [t for t in threading.enumerate() if t.name.startswith("workbench-batch")]


def test_a_chunk_shipped_to_a_worker_arrives_unchanged(catalogue, roster):
    import pickle

    chunk = roster.iloc[40:90]
    back = district._unpack(pickle.loads(pickle.dumps(district._pack(chunk))))
    pd.testing.assert_frame_equal(back, chunk.reset_index(drop=True), check_exact=True)
    # a text column Arrow cannot hold travels as the frame itself
    odd = chunk.assign(interests=[1.5, *chunk["interests"].iloc[1:]])
    assert district._pack(odd) is odd


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results(catalogue, roster, results, tmp_path):
    distributed = pytest.importorskip("distributed")
    big = pd.concat([roster] * 5, ignore_index=True)
    big["plan_id"] = big["plan_id"] + "-" + (np.arange(len(big)) // len(roster)).astype(str)
    single = district.project_roster(catalogue, big, chunk_size=700)
    district.write_results(catalogue, big, tmp_path / "one.parquet", chunk_size=500)
    for attempt in range(2):
        # on a loaded shared machine a worker can miss its heartbeat and Dask cancels the
        # work ("lost dependencies"): that is the cluster, not the results; one fresh try
        try:
            with district.local_cluster(2) as cluster, distributed.Client(cluster) as client:
                on_dask = district.project_roster(catalogue, big, chunk_size=500,
                                                  client=client)
                written = district.write_results(catalogue, big, tmp_path / "dask.parquet",
                                                 chunk_size=500, client=client)
                by_address = district.project_roster(catalogue, big.iloc[:900],
                                                     chunk_size=400,
                                                     client=cluster.scheduler_address)
            break
        except distributed.client.FutureCancelledError:
            if attempt:
                raise
    assert len(big) > 2000
    pd.testing.assert_frame_equal(single.plans, on_dask.plans, check_exact=True)
    pd.testing.assert_frame_equal(single.competencies, on_dask.competencies, check_exact=True)
    pd.testing.assert_frame_equal(single.plans.iloc[:900], by_address.plans, check_exact=True)
    # the Parquet written through Dask is the single-process file, row group for row group
    assert written["plans"] == len(big)
    for name in ("one.parquet", "dask.parquet"):
        assert pq.ParquetFile(tmp_path / name).metadata.num_row_groups == math.ceil(len(big) / 500)
    for path in (lambda p: p, district.competencies_path):
        assert pq.read_table(path(tmp_path / "one.parquet")).equals(
            pq.read_table(path(tmp_path / "dask.parquet")))


def test_the_shared_set_up_gives_each_scale_exactly_its_own_run(catalogue, roster):
    """The batch's central and bound runs share the kernel's set-up (``project_many_scaled``);
    each answer must equal ``project_many`` at that scale, bit for bit."""
    from workbench.domain.projection import DEFAULT_PARAMETERS, project_many, project_many_scaled

    model = district._Model(catalogue, DEFAULT_PARAMETERS, None, 40)
    rows = district._plan_rows(model, roster.reset_index(drop=True).iloc[:400])
    scales = (None, *model.bounds, np.linspace(0.5, 2.0, rows.n))
    runs = list(project_many_scaled(model.arrays, rows, model.week_starts, DEFAULT_PARAMETERS,
                                    scales))
    assert len(runs) == len(scales)
    assert not np.array_equal(runs[1].distribution, runs[2].distribution)
    for scale, got in zip(scales, runs, strict=True):
        alone = project_many(model.arrays, rows, model.week_starts, DEFAULT_PARAMETERS,
                             scale=scale)
        for name in ("distribution", "goal_probability", "pair_row", "pair_competency",
                     "pair_column"):
            assert np.array_equal(getattr(got, name), getattr(alone, name)), name


def test_end_only_runs_give_the_same_ends_and_goal_chances(catalogue, roster):
    """The batch keeps only one week of the kernel, updated in place (``end_only``): its ends,
    credits and goal chances (read in each goal's own week) must be the full runs' bit for
    bit."""
    from workbench.domain.projection import DEFAULT_PARAMETERS, project_many_scaled

    model = district._Model(catalogue, DEFAULT_PARAMETERS, None, 40)
    rows = district._plan_rows(model, roster.reset_index(drop=True).iloc[:400])
    assert len(np.unique(rows.goal_day)) > 1   # goals in several weeks
    scales = (None, *model.bounds)
    full = project_many_scaled(model.arrays, rows, model.week_starts, DEFAULT_PARAMETERS, scales)
    light = project_many_scaled(model.arrays, rows, model.week_starts, DEFAULT_PARAMETERS,
                                scales, end_only=True)
    for a, b in zip(full, light, strict=True):
        assert b.distribution.shape == (1, *a.distribution.shape[1:])
        assert np.array_equal(a.goal_probability, b.goal_probability)
        assert np.array_equal(a.end_distribution(), b.end_distribution())
        assert np.array_equal(a.expected_credits(), b.expected_credits())


def test_roster_round_trips_through_csv_and_parquet(catalogue, roster, tmp_path):
    roster.to_csv(tmp_path / "r.csv", index=False)
    roster.to_parquet(tmp_path / "r.parquet", index=False)
    for name in ("r.csv", "r.parquet"):
        back, problems = district.read_roster(tmp_path / name, catalogue)
        assert problems == []
        pd.testing.assert_frame_equal(back, roster)


def test_bad_rows_are_reported_with_line_and_field_and_skipped(catalogue, roster, tmp_path):
    raw = roster.iloc[:10].astype(str).copy()
    raw.loc[2, "grade"] = "eleven"
    raw.loc[4, "sections"] = raw.loc[4, "sections"] + ";S-NOPE"
    raw.loc[5, "home_zone"] = "Atlantis"
    raw.loc[6, "goals"] = "nonsense"
    raw.loc[7, "plan_id"] = raw.loc[0, "plan_id"]
    path = tmp_path / "roster.csv"
    raw.to_csv(path, index=False)
    good, problems = district.read_roster(path, catalogue)
    where = {(p.line, p.field) for p in problems}
    assert where == {(4, "grade"), (6, "sections"), (7, "home_zone"), (8, "goals"),
                     (9, "plan_id")}
    assert all(str(p).startswith(f"roster.csv:{p.line}:{p.field}: ") for p in problems)
    assert list(good["plan_id"]) == [raw.loc[i, "plan_id"] for i in (0, 1, 3, 8, 9)]
    with pytest.raises(district.RosterError) as err:
        district.read_roster(path, catalogue, strict=True)
    assert len(err.value.problems) == 5


def test_the_command_says_bad_rows_in_the_readers_language(tmp_path, capsys):
    """``workbench --lang es batch``: each bad row in Spanish, its file, line and field as data."""
    from workbench import cli

    path = tmp_path / "roster.csv"
    assert cli.main(["batch", "--generate", "3", "--roster", str(path)]) == 0  # sample data
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.loc[1, "grade"] = "eleven"
    raw.loc[3, "home_zone"] = "Atlantis"
    raw.to_csv(path, index=False)
    capsys.readouterr()
    out = tmp_path / "r.parquet"
    assert cli.main(["--lang", "es", "batch", "--roster", str(path), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "roster.csv:3:grade: 'eleven' no es un número" in said.err
    assert "roster.csv:5:home_zone: la zona 'Atlantis' no está en travel_times.csv" in said.err
    assert "Se dejaron fuera 2 filas con problemas" in said.out
    assert "Por plan:" in said.out and "Projected" not in said.out
    assert cli.main(["batch", "--roster", str(path), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "roster.csv:3:grade: 'eleven' is not a number" in said.err
    assert "Skipped 2 rows with problems" in said.out
    assert cli.main(["--lang", "es", "batch", "--roster", str(path), "--out", str(out),
                     "--strict"]) == 1
    assert "se detuvo: 2 problemas" in capsys.readouterr().err


def test_write_results_streams_every_row(catalogue, roster, results, tmp_path):
    out = tmp_path / "results.parquet"
    written = district.write_results(catalogue, roster, out, chunk_size=100)
    assert written["plans"] == len(roster)
    meta = pq.ParquetFile(out).metadata
    assert meta.num_row_groups == math.ceil(len(roster) / 100)
    pd.testing.assert_frame_equal(pd.read_parquet(out), results.plans, check_dtype=False)
    comps = pd.read_parquet(district.competencies_path(out))
    assert len(comps) == written["competencies"] == len(results.competencies)


def test_reachability_by_zone_agrees_with_a_learner_by_learner_count(catalogue, people, roster):
    learners, _ = people
    table = district.reachability_by_zone(catalogue, roster, "robotics")
    assert table["learners"].sum() == roster["learner_id"].nunique()
    assert table[["share_no_feasible_opportunity", "share_no_broadband"]].stack().between(
        0, 1).all()
    same = district.reachability_by_zone(catalogue, learners, "Robotics")
    pd.testing.assert_frame_equal(table, same)
    # brute force for a few learners: any robotics section they could take?
    t = catalogue.section_table
    tagged = t[t["interests"].str.contains("robotics") & (t["seats_left"] > 0)]
    for lr in learners[:40]:
        reach = catalogue.travel_from(lr.home_zone, lr.transport)
        reach[lr.home_zone] = min(reach[lr.home_zone], 0.0) \
            if not np.isfinite(reach[lr.home_zone]) else reach[lr.home_zone]
        ok = False
        for _, s in tagged.iterrows():
            if not s["min_grade"] <= lr.grade <= s["max_grade"]:
                continue
            if s["modality"] in ("in_person", "blended"):
                if s["requires_car"] and "car" not in lr.transport:
                    continue
                ok |= reach.get(s["zone"], np.inf) <= lr.max_travel_minutes
            else:
                ok |= lr.home_broadband and lr.has_device
        one = district.reachability_by_zone(catalogue, [lr], "robotics")
        assert one["share_no_feasible_opportunity"].iloc[0] == (0.0 if ok else 1.0), lr


def _cli(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--json", action="store_true")
    cli_batch.add_parser(parser.add_subparsers(dest="command"))
    return cli_batch.run(parser.parse_args(argv))


def test_cli_generates_and_projects_a_roster(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    assert _cli(["batch", "--generate", "40", "--roster", str(roster)]) == 0
    text = roster.read_text().splitlines()
    text[3] = text[3].replace(",", ",x", 2)  # spoil line 4: plan_id and grade
    roster.write_text("\n".join(text) + "\n")
    out = tmp_path / "out" / "results.parquet"
    assert _cli(["batch", "--roster", str(roster), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "roster.csv:4:grade:" in captured.err
    assert "Skipped 1 row" in captured.out and "Projected" in captured.out
    assert len(pd.read_parquet(out)) == len(text) - 2
    assert _cli(["--json", "batch", "--roster", str(roster), "--out", str(out)]) == 0
    assert '"skipped": 1' in capsys.readouterr().out
    assert _cli(["batch", "--roster", str(roster), "--out", str(out), "--strict"]) == 1


def test_cli_main_runs_batch_once_registered(tmp_path, capsys):
    from workbench import cli

    _parser, runners = cli.build_parser()
    if "batch" not in runners:
        pytest.skip("workbench.cli does not register workbench.cli.batch yet")
    roster = tmp_path / "roster.csv"
    assert cli.main(["batch", "--generate", "20", "--roster", str(roster)]) == 0
    assert cli.main(["batch", "--roster", str(roster), "--out", str(tmp_path / "r.parquet"),
                     "--json"]) == 0
    assert '"projected"' in capsys.readouterr().out
