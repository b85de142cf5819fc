"""The ``workbench`` command, run through ``main([...])`` on the sample data, as users call it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import SAMPLE_DATA
from workbench.cli import core as cli
from workbench.domain.feasibility import check_plan
from workbench.formats.datadir import load_dataset
from workbench.store import Store


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture(autouse=True)
def no_default_store(tmp_path, monkeypatch):
    """Point the default store at a file that does not exist, so the user's own is never read."""
    path = tmp_path / "default-store.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(path))
    return path


@pytest.fixture
def maya(dataset):
    """A learner with at least two plans (the sample personas all have several)."""
    learner = next(lr for lr in dataset.learners.values() if len(dataset.plans_for(lr.learner_id))
                   >= 2)
    return learner, dataset.plans_for(learner.learner_id)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *, json_mode=False):
    assert code == 2
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench"), err
    if json_mode:
        assert "error" in json.loads(out)
    else:
        assert out == ""
    return lines[0]


# ---- validate --------------------------------------------------------------------------------
def test_validate_sample_data_prints_one_line(capsys, dataset):
    code, out, err = run(capsys, "validate")
    assert code == 0 and err == ""
    cat = dataset.catalogue
    assert out == (
        f"the built-in sample data: valid — {len(cat.competencies)} competencies, {len(cat.providers)} "
        f"providers, {len(cat.opportunities)} opportunities, {len(cat.sections)} sections, "
        f"{len(dataset.learners)} learners, {len(dataset.plans)} plans\n")


def test_validate_json(capsys, dataset):
    code, out, _ = run(capsys, "validate", str(SAMPLE_DATA), "--json")
    result = json.loads(out)
    assert code == 0 and result["valid"] is True and result["problems"] == []
    assert result["counts"]["sections"] == len(dataset.catalogue.sections)


@pytest.fixture
def broken_dir(tmp_path):
    """The sample data with a bad time in sections.csv and a learner with a bad grade."""
    root = tmp_path / "broken"
    shutil.copytree(SAMPLE_DATA, root)
    sections = (root / "sections.csv").read_text().splitlines()
    header = sections[0].split(",")
    row = sections[1].split(",")
    row[header.index("start_date")] = "not-a-date"
    sections[1] = ",".join(row)
    (root / "sections.csv").write_text("\n".join(sections) + "\n")
    learner_file = sorted((root / "learners").glob("*.json"))[0]
    data = json.loads(learner_file.read_text())
    data["grade"] = 40
    learner_file.write_text(json.dumps(data, indent=2))
    return root, learner_file.name


def test_validate_lists_every_problem_and_exits_1(capsys, broken_dir):
    root, learner_file = broken_dir
    code, out, _ = run(capsys, "validate", str(root))
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) >= 2
    for line in lines:
        assert re.match(r"^[^:]+:(\d+|-):[^:]*: .+", line), line
    assert any(line.startswith("sections.csv:2:start_date:") for line in lines)
    assert any(learner_file in line and "grade" in line for line in lines)
    # the same with --json, and --data works as well as the positional DIR
    code, out, _ = run(capsys, "--data", str(root), "validate", "--json")
    result = json.loads(out)
    assert code == 1 and result["valid"] is False and len(result["problems"]) == len(lines)
    assert {"file", "line", "column", "message"} <= set(result["problems"][0])


def test_validate_missing_directory_is_a_user_mistake(capsys, tmp_path):
    line = assert_one_line_error(*run(capsys, "validate", str(tmp_path / "nope")))
    assert "no data directory" in line


def test_other_commands_refuse_a_broken_directory_in_one_line(capsys, broken_dir, maya):
    learner, plans = maya
    root, _ = broken_dir
    line = assert_one_line_error(*run(capsys, "--data", str(root), "check", "--learner",
                                      learner.learner_id, "--plan", plans[0].plan_id))
    assert "workbench validate" in line


# ---- check -----------------------------------------------------------------------------------
def test_check_json_matches_the_engine(capsys, dataset, maya):
    learner, plans = maya
    for plan in plans:
        code, out, _ = run(capsys, "check", "--learner", learner.learner_id, "--plan",
                           plan.plan_id, "--json")
        result = json.loads(out)
        expected = check_plan(dataset.catalogue, learner, plan.sections)
        assert code == 0
        assert result["feasible"] is (not expected)
        assert result["problems"] == [p.to_dict() for p in expected]
        for p in result["problems"]:
            assert set(p) >= {"kind", "sections", "message", "fix"}


def test_check_human_text_lists_problems_with_fixes(capsys, dataset):
    # find a sample plan with problems (the sample personas' plans are meant to have some)
    for plan in dataset.plans.values():
        learner = dataset.learners[plan.learner_id]
        problems = check_plan(dataset.catalogue, learner, plan.sections)
        if problems:
            break
    else:
        pytest.fail("no sample plan has problems to show")
    code, out, err = run(capsys, "check", "--learner", learner.learner_id, "--plan",
                         plan.plan_id)
    assert code == 0 and err == ""
    assert f"{plan.name} ({plan.plan_id}) for {learner.name}" in out
    assert f"{len(problems)} problem" in out
    for p in problems:
        assert p.message in out
        if p.fix:
            assert f"What to do: {p.fix}" in out
    # --strict turns problems into exit 1 for scripts
    code, _, _ = run(capsys, "check", "--learner", learner.learner_id, "--plan", plan.plan_id,
                     "--strict")
    assert code == 1


def test_check_a_plan_file_that_fits(capsys, tmp_path, maya):
    learner, _ = maya
    path = tmp_path / "P-empty.json"
    path.write_text(json.dumps({"plan_id": "P-empty", "learner_id": learner.learner_id,
                                "name": "Nothing yet", "sections": []}))
    code, out, _ = run(capsys, "check", "--learner", learner.learner_id, "--plan", str(path))
    assert code == 0 and "fits" in out
    code, out, _ = run(capsys, "check", "--learner", learner.learner_id, "--plan", str(path),
                       "--json", "--strict")
    assert code == 0 and json.loads(out) == {
        "learner_id": learner.learner_id, "plan_id": "P-empty", "plan_name": "Nothing yet",
        "feasible": True, "problems": []}


# ---- user mistakes ---------------------------------------------------------------------------
def test_unknown_learner(capsys, maya):
    _, plans = maya
    line = assert_one_line_error(*run(capsys, "check", "--learner", "L-nobody", "--plan",
                                      plans[0].plan_id))
    assert "L-nobody" in line
    assert_one_line_error(*run(capsys, "check", "--learner", "L-nobody", "--plan",
                               plans[0].plan_id, "--json"), json_mode=True)


def test_plan_of_another_learner(capsys, dataset, maya):
    learner, _ = maya
    other = next(p for p in dataset.plans.values() if p.learner_id != learner.learner_id)
    for command in ("check", "project", "compare"):
        line = assert_one_line_error(*run(capsys, command, "--learner", learner.learner_id,
                                          "--plan", other.plan_id))
        assert other.plan_id in line and other.learner_id in line


def test_unknown_plan_and_missing_or_bad_plan_files(capsys, tmp_path, maya):
    learner, _ = maya
    lid = learner.learner_id
    assert "P-nothing" in assert_one_line_error(
        *run(capsys, "check", "--learner", lid, "--plan", "P-nothing"))
    assert "no plan file" in assert_one_line_error(
        *run(capsys, "check", "--learner", lid, "--plan", str(tmp_path / "P-missing.json")))
    bad = tmp_path / "P-bad.json"
    bad.write_text('{"plan_id": "P-bad", "learner_id": ')
    assert "P-bad.json" in assert_one_line_error(
        *run(capsys, "check", "--learner", lid, "--plan", str(bad)))
    unknown = tmp_path / "P-odd.json"
    unknown.write_text(json.dumps({"plan_id": "P-odd", "learner_id": lid, "name": "Odd",
                                   "sections": ["S-does-not-exist"]}))
    assert "S-does-not-exist" in assert_one_line_error(
        *run(capsys, "project", "--learner", lid, "--plan", str(unknown)))


def test_missing_store_file_and_missing_options(capsys, tmp_path, maya):
    learner, plans = maya
    assert "no local store" in assert_one_line_error(*run(
        capsys, "check", "--db", str(tmp_path / "none.sqlite"), "--learner", learner.learner_id,
        "--plan", plans[0].plan_id))
    code, out, err = run(capsys, "check", "--learner", learner.learner_id)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--plan" in err


def test_help_and_no_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "local store" in out and "validate" in out
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and "--plan" in out and "--json" in out and "--db" in out
    code, out, _ = run(capsys)
    assert code == 2 and "COMMAND" in out


# ---- project and compare ---------------------------------------------------------------------
def test_project_human_and_json(capsys, dataset, maya):
    learner, plans = maya
    plan = plans[0]
    code, out, err = run(capsys, "project", "--learner", learner.learner_id, "--plan",
                         plan.plan_id)
    assert code == 0 and err == ""
    assert "The plan in numbers" in out and "Cost: $" in out and learner.name in out
    names = dataset.catalogue.competency_names
    for goal in learner.goals:
        assert names[goal.competency_id] in out
    code, out, _ = run(capsys, "project", "--learner", learner.learner_id, "--plan",
                       plan.plan_id, "--json")
    result = json.loads(out)  # no NaN: json.loads would accept it, so check the text too
    assert code == 0 and "NaN" not in out and "Infinity" not in out
    assert len(result["competencies"]) == len(dataset.catalogue.competencies)
    assert len(result["goals"]) == len(learner.goals)
    assert isinstance(result["totals"], dict) and result["totals"]
    for row in result["competencies"]:
        assert 0 <= row["p_proficient_end"] <= 1
        assert row["median_date_proficient"] is None or re.match(
            r"\d{4}-\d\d-\d\d", row["median_date_proficient"])


def test_project_human_mode_shows_only_competencies_in_play(capsys, dataset, maya):
    learner, plans = maya
    plan = plans[0]
    _, out, _ = run(capsys, "project", "--learner", learner.learner_id, "--plan", plan.plan_id)
    table = dataset.catalogue.section_table
    opps = set(table.loc[table.index.intersection(plan.sections), "opportunity_id"])
    al = dataset.catalogue.alignments
    in_play = set(al.loc[al["opportunity_id"].isin(opps), "competency_id"])
    in_play |= {g.competency_id for g in learner.goals}
    names = dataset.catalogue.competency_names
    shown = {c for c, n in names.items() if re.search(rf"^{re.escape(n)}\s", out, re.M)}
    assert shown and shown <= in_play


def test_compare_human_and_json(capsys, maya):
    learner, plans = maya
    argv = ["compare", "--learner", learner.learner_id]
    for p in plans[:2]:
        argv += ["--plan", p.plan_id]
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == ""
    for p in plans[:2]:
        assert p.name in out or p.plan_id in out
    code, out, _ = run(capsys, *argv, "--json")
    result = json.loads(out)
    assert code == 0 and "NaN" not in out and result["learner_id"] == learner.learner_id
    # with no --plan, every plan of the learner is compared
    code, out, _ = run(capsys, "compare", "--learner", learner.learner_id, "--json")
    assert code == 0 and out.count('"plan_id"') >= len(plans)


# ---- where learners and plans come from ------------------------------------------------------
def test_work_saved_in_the_app_store_is_what_commands_see(capsys, dataset, maya,
                                                         no_default_store):
    learner, plans = maya
    plan = next(p for p in plans if check_plan(dataset.catalogue, learner, p.sections))
    with Store(no_default_store) as store:  # the default store for the sample data
        store.seed_from(dataset)
        store.save_plan(type(plan)(plan.plan_id, plan.learner_id, plan.name, []))
    args = ["check", "--learner", learner.learner_id, "--plan", plan.plan_id, "--json"]
    assert json.loads(run(capsys, *args)[1])["feasible"] is True  # the edit, from the store
    assert json.loads(run(capsys, *args, "--no-store")[1])["feasible"] is False  # the files


def test_db_option_reads_only_that_store(capsys, dataset, maya, tmp_path):
    learner, plans = maya
    path = tmp_path / "elsewhere.sqlite"
    with Store(path) as store:
        store.seed_from(dataset)
        store.delete_learner(learner.learner_id)
        newcomer = type(learner)(learner_id="L-new", name="Newcomer", grade=9,
                                 home_zone=learner.home_zone)
        store.save_learner(newcomer)
        store.save_plan(type(plans[0])("P-new", "L-new", "First try", []))
    code, out, _ = run(capsys, "--db", str(path), "check", "--learner", "L-new", "--plan",
                       "P-new", "--json")
    assert code == 0 and json.loads(out)["feasible"] is True
    line = assert_one_line_error(*run(capsys, "check", "--db", str(path), "--learner",
                                      learner.learner_id, "--plan", plans[0].plan_id))
    assert learner.learner_id in line and "local store" in line


# ---- serve and extensions --------------------------------------------------------------------
def test_serve_calls_the_app_lazily(capsys, monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("workbench.app")
    fake.serve = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "workbench.app", fake)
    code, _, err = run(capsys, "serve", "--port", "5123", "--db", str(tmp_path / "s.sqlite"))
    assert code == 0 and err == ""
    assert calls == [{"data_dir": SAMPLE_DATA.resolve(), "port": 5123, "address": "127.0.0.1",
                      "show": False, "db_path": tmp_path / "s.sqlite"}]
    code, _, err = run(capsys, "serve", "--port", "99999")
    assert code == 2 and "port" in err and len(calls) == 1


def test_extension_subcommands(capsys, monkeypatch):
    ext = types.ModuleType("fake_workbench_extension")

    def add_parser(subparsers):
        p = subparsers.add_parser("shout", help="say it louder")
        p.add_argument("word")
        return p

    def run_ext(args):
        if args.word == "oops":
            raise cli.UserError("that word is not allowed")
        cli.print_json({"word": args.word.upper()}) if args.json else print(args.word.upper())
        return 0

    ext.add_parser, ext.run = add_parser, run_ext
    monkeypatch.setitem(sys.modules, "fake_workbench_extension", ext)
    # an extension with its own subcommands, reusing "command" as their dest
    nested = types.ModuleType("fake_nested_extension")

    def add_nested(subparsers):
        p = subparsers.add_parser("fetch", help="fetch things")
        kinds = p.add_subparsers(dest="command", required=True)
        kinds.add_parser("case").add_argument("url")
        kinds.add_parser("ics").add_argument("path")

    nested.add_parser = add_nested
    nested.run = lambda args: print(f"{args.command}:{getattr(args, 'url', '')}:{args.json}")
    monkeypatch.setitem(sys.modules, "fake_nested_extension", nested)
    monkeypatch.setattr(cli, "EXTENSIONS", [("shout", "fake_workbench_extension"),
                                            ("fetch", "fake_nested_extension"),
                                            ("later", "workbench.not_written_yet")])
    assert run(capsys, "fetch", "case", "http://x", "--json") == (0, "case:http://x:True\n", "")
    assert run(capsys, "shout", "hi") == (0, "HI\n", "")
    code, out, _ = run(capsys, "shout", "hi", "--json")  # the common options come for free
    assert code == 0 and json.loads(out) == {"word": "HI"}
    assert "not allowed" in assert_one_line_error(*run(capsys, "shout", "oops"))
    code, out, _ = run(capsys, "--help")
    assert "shout" in out and "later" not in out


def test_json_values_are_always_valid_json():
    value = {"a": float("nan"), "b": np.float64("inf"), "c": np.int64(3), "d": pd.Timestamp(
        "2026-09-01"), "e": pd.NaT, "f": pd.DataFrame({"x": [1.0, np.nan]}), "g": (Path("x"),),
        "h": np.array([1, 2]), "i": np.bool_(True), "j": np.datetime64("2026-09-01"),
        "k": np.datetime64("NaT")}
    text = json.dumps(cli.to_jsonable(value), allow_nan=False)
    assert json.loads(text) == {"a": None, "b": None, "c": 3, "d": "2026-09-01T00:00:00",
                                "e": None, "f": [{"x": 1.0}, {"x": None}], "g": ["x"],
                                "h": [1, 2], "i": True, "j": "2026-09-01T00:00:00", "k": None}


def test_installed_console_script_validates_the_sample_data(no_default_store):
    script = Path(sys.executable).parent / "workbench"
    exe = str(script) if script.exists() else shutil.which("workbench")
    assert exe, "the `workbench` console script is not installed (pip install -e .)"
    result = subprocess.run([exe, "validate"], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("the built-in sample data: valid — ")


def test_a_broken_extension_does_not_break_the_other_commands(capsys, monkeypatch, tmp_path):
    (tmp_path / "broken_workbench_extension.py").write_text(
        "from workbench.domain.schedule import no_such_function\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "EXTENSIONS", [("broken", "broken_workbench_extension")])
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.startswith("the built-in sample data: valid")
    line = assert_one_line_error(*run(capsys, "broken", "x"))
    assert "not available" in line and "no_such_function" in line


def test_compare_needs_two_to_five_different_plans(capsys, maya):
    learner, plans = maya
    lid, pid = learner.learner_id, plans[0].plan_id
    assert "2 to 5" in assert_one_line_error(*run(capsys, "compare", "--learner", lid,
                                                  "--plan", pid))
    assert "twice" in assert_one_line_error(*run(capsys, "compare", "--learner", lid,
                                                 "--plan", pid, "--plan", pid))
