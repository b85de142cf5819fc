"""The one imports service (``workbench.imports``): read -> report -> apply, for app and CLI.

The rule under test: nothing changes unless the read was clean or the user accepts the partial
read; an accepted partial read applies the clean part; the report names file, line and field.
The same files go through the state methods and through ``workbench import``, with the same
result. Also the layering the service stands on: ``formats/`` imports no CLI, store or Panel,
and ``domain/`` reads and writes no files.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import EXAMPLES, SAMPLE_DATA, imports
from workbench.cli import main
from workbench.formats.datadir import load_dataset
from workbench.formats.report import DataProblem, ImportFailed
from workbench.state import PlanningSession
from workbench.store import Store

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
BROKEN_ICS = FIXTURES / "ics" / "broken_rule.ics"  # one event with an unreadable RRULE
PROGRAMMES = FIXTURES / "catalog" / "programmes.csv"  # one row whose fields slid sideways
MAPPING = FIXTURES / "catalog" / "mapping.yaml"
FRAMEWORK = FIXTURES / "case" / "framework.json"  # one item with no statement


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE_DATA)


@pytest.fixture
def store(tmp_path, dataset):
    s = Store(tmp_path / "wb.sqlite")
    s.seed_from(dataset)
    yield s
    s.close()


def tree_digest(root: Path) -> str:
    """One hash over every file name and byte under ``root``: any change shows."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


# ---- the rule, once ----------------------------------------------------------------------------
def test_a_partial_read_changes_nothing_without_accept(dataset):
    learner = dataset.learners["L-maya"]
    saved = []
    pending = imports.read_calendar(BROKEN_ICS, learner, saved.append)
    assert not pending.clean and pending.status == "read"
    with pytest.raises(imports.PartialRead, match="Nothing was changed"):
        pending.apply()
    assert saved == [] and pending.status == "read" and pending.result is None
    assert learner == dataset.learners["L-maya"]  # the learner passed in is never changed


def test_accepting_a_partial_read_applies_the_clean_part(dataset):
    learner = dataset.learners["L-maya"]
    saved = []
    pending = imports.read_calendar(BROKEN_ICS, learner, saved.append)
    result = pending.apply(accept_partial=True)
    assert saved == [result] and pending.applied and pending.result is result
    labels = " ".join(b.label for b in result.commitments)
    assert "Soccer" in labels and "Tutoring" not in labels  # the good event in, the bad one out
    assert "busy time" in pending.message
    with pytest.raises(RuntimeError):  # applied once only
        pending.apply(accept_partial=True)


def test_the_report_names_file_line_and_field(dataset):
    pending = imports.read_calendar(BROKEN_ICS, dataset.learners["L-maya"], lambda _: None)
    [problem] = pending.report.skipped
    assert isinstance(problem, DataProblem)
    assert (problem.file, problem.line, problem.field) == ("broken_rule.ics", 18, "RRULE")
    assert str(problem).startswith("broken_rule.ics:18:RRULE: ")
    # an upload is bytes: the report still names the file the user chose
    upload = imports.read_calendar(BROKEN_ICS.read_bytes(), dataset.learners["L-maya"],
                                   lambda _: None, name="family calendar.ics")
    assert str(upload.report.skipped[0]).startswith("family calendar.ics:18:RRULE: ")


def test_a_clean_read_applies_without_accept(dataset):
    learner = dataset.learners["L-theo"]
    saved = []
    pending = imports.read_credentials(EXAMPLES / "credential.json", learner,
                                       dataset.catalogue.competencies, saved.append)
    assert pending.clean and pending.report.warnings  # unverified: a note, not a skip
    updated = pending.apply()
    assert saved == [updated] and len(updated.evidence) > len(learner.evidence)
    assert not updated.evidence[-1].verified and "credential.json" in updated.evidence[-1].source


def test_nothing_readable_raises_import_failed_with_a_report(dataset):
    with pytest.raises(ImportFailed) as info:
        imports.read_calendar(b"\x00\xffnot a calendar", dataset.learners["L-maya"],
                              lambda _: None, name="junk.ics")
    assert info.value.report.skipped and info.value.report.source == "junk.ics"


def test_a_failed_save_leaves_the_import_unapplied(dataset):
    def refuse(_learner):
        raise OSError("disk full")

    pending = imports.read_calendar(EXAMPLES / "family.ics", dataset.learners["L-maya"], refuse)
    with pytest.raises(OSError):
        pending.apply()
    assert pending.status == "read" and pending.result is None


def test_the_change_is_worked_out_from_the_learner_as_they_are_when_kept(dataset):
    """Edits made between reading and keeping are not undone by keeping the import."""
    import dataclasses

    learner = dataset.learners["L-maya"]
    now = {"learner": learner}
    pending = imports.read_calendar(BROKEN_ICS, learner, lambda lr: now.update(learner=lr),
                                    current=lambda: now["learner"])
    now["learner"] = dataclasses.replace(learner, budget=learner.budget + 99)
    result = pending.apply(accept_partial=True)
    assert result.budget == learner.budget + 99 and result.commitments != learner.commitments


# ---- imports that write a new data directory ---------------------------------------------------
def test_catalogue_partial_read_writes_nothing_until_accepted(tmp_path):
    out = tmp_path / "with-programmes"
    base = tree_digest(SAMPLE_DATA)
    pending = imports.read_catalogue(PROGRAMMES, MAPPING, SAMPLE_DATA, out)
    [problem] = pending.report.skipped
    assert (problem.file, problem.line) == ("programmes.csv", 3)
    assert str(problem).startswith("programmes.csv:3:column 9: ")
    with pytest.raises(imports.PartialRead):
        pending.apply()
    assert not out.exists()
    pending.discard()
    assert list(tmp_path.iterdir()) == []  # nothing staged is left behind
    assert tree_digest(SAMPLE_DATA) == base


def test_catalogue_accepted_partial_read_adds_the_clean_rows(tmp_path, dataset):
    out = tmp_path / "with-programmes"
    used = []
    pending = imports.read_catalogue(PROGRAMMES, MAPPING, SAMPLE_DATA, out, use=used.append)
    result = pending.apply(accept_partial=True)
    assert used == [result] and result.root == out.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["with-programmes"]
    titles = set(load_dataset(out).catalogue.opportunities["title"])
    assert {"Robotics Club", "Maker Space"} <= titles and "Pottery" not in titles
    assert len(result.catalogue.sections) == len(dataset.catalogue.sections) + 2
    # a second import never writes over the first
    with pytest.raises(ImportFailed, match="not empty"):
        imports.read_catalogue(PROGRAMMES, MAPPING, SAMPLE_DATA, out)


def test_framework_import_is_a_new_valid_directory_only_when_accepted(tmp_path):
    out = tmp_path / "with-case"
    pending = imports.read_framework(FRAMEWORK, SAMPLE_DATA, out)
    assert [i.field for i in pending.report.skipped] == ["CFItems[2].fullStatement"]
    with pytest.raises(imports.PartialRead):
        pending.apply()
    assert not out.exists()
    ds = pending.apply(accept_partial=True)
    assert {"WATER.1", "WATER.1.a"} <= set(ds.catalogue.competencies["competency_id"])
    assert (out / "case_prerequisites.csv").exists() and load_dataset(out).learners


def test_our_own_exported_framework_comes_back_as_an_update(tmp_path):
    import json

    from workbench.formats.case import write_case_package

    exported = tmp_path / "ours.json"
    exported.write_text(json.dumps(write_case_package(
        load_dataset(SAMPLE_DATA).catalogue.competencies, title="Ours", creator="tests")),
        encoding="utf-8")
    pending = imports.read_framework(exported, SAMPLE_DATA, tmp_path / "x")
    assert pending.clean and (pending.preview["added"], pending.preview["unchanged"]) == (0, 76)
    pending.apply()
    assert "0 competencies added, 0 updated, 76 unchanged" in pending.message
    assert len(load_dataset(tmp_path / "x").catalogue.competencies) == 76


def test_framework_whose_ids_are_other_items_changes_nothing(tmp_path):
    import json

    from workbench.formats.case import write_case_package

    comps = load_dataset(SAMPLE_DATA).catalogue.competencies.copy()
    comps["source_uri"] = "https://elsewhere.example.org/uri/" + comps["competency_id"]
    exported = tmp_path / "theirs.json"
    exported.write_text(json.dumps(write_case_package(comps, title="Theirs", creator="tests")),
                        encoding="utf-8")
    with pytest.raises(ImportFailed) as info:
        imports.read_framework(exported, SAMPLE_DATA, tmp_path / "x")
    assert "already a competency" in str(info.value)
    assert not (tmp_path / "x").exists()


# ---- state methods call the service ----------------------------------------------------------
def test_state_calendar_import_waits_for_keep(store, dataset):
    session = PlanningSession(dataset, store, learner_id="L-maya")
    before = session.learner
    pending = session.import_calendar(BROKEN_ICS.read_bytes(), "family.ics")
    assert isinstance(pending, imports.Import) and pending.status == "read"
    assert session.learner is before
    assert store.learner("L-maya").to_dict() == before.to_dict()
    assert session.apply_import(pending, accept_partial=True)
    assert session.learner.commitments != before.commitments
    assert store.learner("L-maya").to_dict() == session.learner.to_dict()
    assert "busy time" in session.status


def test_state_credentials_import_applies_a_clean_read(store, dataset):
    session = PlanningSession(dataset, store, learner_id="L-theo")
    n = len(session.learner.evidence)
    pending = session.import_credentials(EXAMPLES / "credential.json")
    assert pending.applied and len(session.learner.evidence) > n
    assert store.learner("L-theo").evidence == session.learner.evidence


def test_state_catalogue_import_switches_the_catalogue(store, dataset, tmp_path):
    session = PlanningSession(dataset, store, learner_id="L-maya")
    n = len(session.catalogue.sections)
    pending = session.import_catalogue(PROGRAMMES.read_bytes(), MAPPING, "programmes.csv")
    assert pending.status == "read" and len(session.catalogue.sections) == n
    assert session.apply_import(pending, accept_partial=True)
    assert len(session.catalogue.sections) == n + 2
    where = Path(store.get_meta("catalogue_dir"))
    assert where.parent == tmp_path / "imports" and (where / "sections.csv").exists()
    # another session importing the same file into the same base reuses that directory
    other = PlanningSession(dataset, store, learner_id="L-theo")
    again = other.import_catalogue(PROGRAMMES.read_bytes(), MAPPING, "programmes.csv",
                                   accept_partial=True)
    assert again.applied and Path(again.result.root) == where
    assert sorted(p.name for p in where.parent.iterdir()) == [where.name]
    # importing it again on top of itself is refused: its ids are already in the catalogue
    with pytest.raises(ImportFailed, match="already exist"):
        session.import_catalogue(PROGRAMMES.read_bytes(), MAPPING, "programmes.csv")
    assert len(session.catalogue.sections) == n + 2


def test_state_import_of_an_unreadable_file_changes_nothing(store, dataset):
    session = PlanningSession(dataset, store, learner_id="L-maya")
    before = session.learner
    with pytest.raises(ImportFailed):
        session.import_calendar(b"BEGIN:NOTHING", "junk.ics")
    assert session.learner is before


# ---- the CLI calls the same service: same file, same result ----------------------------------
@pytest.mark.parametrize("source", [BROKEN_ICS, EXAMPLES / "family.ics"], ids=["broken", "clean"])
def test_cli_and_app_give_the_same_week(tmp_path, monkeypatch, capsys, dataset, source):
    db = tmp_path / "cli.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(db))
    code = main(["import", "ics", str(source), "--learner", "L-maya", "--accept-partial"])
    assert code == 0, capsys.readouterr()
    app_store = Store(tmp_path / "app.sqlite")
    app_store.seed_from(dataset)
    session = PlanningSession(dataset, app_store, learner_id="L-maya")
    session.import_calendar(source.read_bytes(), source.name, accept_partial=True)
    cli = Store(db).learner("L-maya")
    assert [b.to_dict() for b in cli.commitments] == \
        [b.to_dict() for b in session.learner.commitments]
    assert [b.to_dict() for b in cli.availability] == \
        [b.to_dict() for b in session.learner.availability]


def test_cli_partial_import_changes_nothing_and_names_the_place(tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(db))
    assert main(["import", "ics", str(BROKEN_ICS), "--learner", "L-maya"]) == 1
    out = capsys.readouterr()
    assert "broken_rule.ics:18:RRULE:" in out.out and "Nothing was changed" in out.err
    store = Store(db)
    assert store.learner("L-maya") == load_dataset(SAMPLE_DATA).learners["L-maya"]


def test_cli_catalogue_partial_read_writes_nothing(tmp_path, capsys):
    out = tmp_path / "new"
    args = ["import", "catalog", str(PROGRAMMES), "--mapping", str(MAPPING), "--out", str(out),
            "--data", str(SAMPLE_DATA), "--no-store"]
    assert main(args) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert main([*args, "--accept-partial"]) == 0
    assert "Robotics Club" in set(load_dataset(out).catalogue.opportunities["title"])
    capsys.readouterr()


def test_cli_framework_json_output_carries_the_report(tmp_path, capsys):
    out = tmp_path / "with-case"
    code = main(["import", "case", str(FRAMEWORK), "--out", str(out), "--json",
                 "--data", str(SAMPLE_DATA), "--no-store"])
    import json

    result = json.loads(capsys.readouterr().out)
    assert code == 1 and not out.exists()
    assert result["applied"] is False and result["competencies"] == 2
    assert result["skipped"][0]["field"] == "CFItems[2].fullStatement"
    assert result["skipped"][0]["text"].startswith("framework.json:CFItems[2].fullStatement: ")


# ---- the upload boxes only show what the session did ------------------------------------------
def _upload(box, name: str, data: bytes) -> None:
    box.file.filename = name
    box.file.value = data


def test_catalogue_upload_box_waits_for_keep_then_switches(tmp_path):
    from workbench.app import create_app

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")
    opp = app.steps["Opportunities"]
    opp.mapping.options = {**opp.mapping.options, "test": str(MAPPING)}
    opp.mapping.value = str(MAPPING)
    n = len(app.state.catalogue.sections)
    _upload(opp.upload, "programmes.csv", PROGRAMMES.read_bytes())
    assert opp.upload.keep.visible and "programmes.csv:3:column 9" in opp.upload.report.object
    assert len(app.state.catalogue.sections) == n and not (tmp_path / "imports").exists()
    opp.upload.keep.clicks += 1
    assert len(app.state.catalogue.sections) == n + 2 and not opp.upload.keep.visible
    opp.grade_fit.value = False
    shown = app.state.catalogue.section_table.loc[opp.filtered().index, "title"]
    assert {"Robotics Club", "Maker Space"} <= set(shown)
    assert "it now has" in opp.upload.report.object


def test_upload_report_shows_file_text_as_text(tmp_path):
    from workbench.app import create_app

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")
    week = app.steps["Week"]
    hostile = BROKEN_ICS.read_bytes().replace(b"FREQ=SOMETIMES", b"<img src=x onerror=alert(1)>")
    _upload(week.upload, "<b>cal</b>.ics", hostile)
    html = week.upload.report.object
    assert "<img" not in html and "&lt;img" in html and "<b>cal</b>" not in html


def test_a_new_upload_drops_the_one_waiting_to_be_kept(tmp_path):
    from workbench.app import create_app

    app = create_app(SAMPLE_DATA, tmp_path / "wb.sqlite")
    week = app.steps["Week"]
    _upload(week.upload, "broken.ics", BROKEN_ICS.read_bytes())
    waiting = week.upload._pending
    assert waiting is not None and waiting.status == "read"
    _upload(week.upload, "family.ics", (EXAMPLES / "family.ics").read_bytes())
    assert waiting.status == "discarded" and not week.upload.keep.visible
    assert "busy time" in week.upload.report.object


# ---- layering ----------------------------------------------------------------------------------
FORMATS = sorted(p.stem for p in (ROOT / "workbench" / "formats").glob("*.py")
                 if p.stem != "__init__")


@pytest.mark.parametrize("module", FORMATS)
def test_formats_import_no_cli_store_or_ui(module):
    code = (f"import sys, workbench.formats.{module}\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('panel', 'param', "
            "'holoviews', 'bokeh') or m.startswith(('workbench.cli', 'workbench.store', "
            "'workbench.state', 'workbench.views', 'workbench.imports')))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "", f"workbench.formats.{module} imports {out}"


def test_the_domain_imports_no_io_layer():
    code = ("import sys, pkgutil, importlib, workbench.domain as d\n"
            "for m in pkgutil.iter_modules(d.__path__):\n"
            "    if m.name != 'loading':\n"  # the forwarding stub for old import paths
            "        importlib.import_module(f'workbench.domain.{m.name}')\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith(('workbench.formats', "
            "'workbench.cli', 'workbench.store')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "", f"workbench.domain imports {out}"


FILE_IO = re.compile(r"\bopen\(|read_csv|read_parquet|read_text|write_text|read_bytes|"
                     r"write_bytes|to_csv|to_parquet|\.mkdir\(|iterdir|\.glob\(|shutil\.")


def test_the_domain_does_no_file_io():
    found = []
    for path in sorted((ROOT / "workbench" / "domain").glob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FILE_IO.search(line.split("#", 1)[0]):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert found == []


def test_dataset_and_schema_do_not_import_each_other():
    schema = (ROOT / "workbench" / "domain" / "schema.py").read_text(encoding="utf-8")
    assert not re.search(r"^from \.dataset import|^import .*dataset", schema, re.M)


def test_the_domain_reaches_no_io_module():
    """The domain is pure: no module of it imports the I/O layer, the CLI or the store."""
    import ast

    root = Path(__file__).resolve().parents[1] / "workbench" / "domain"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = ("." * node.level) + node.module
                assert not re.match(r"\.\.(formats|cli|store|imports|views|app)\b", name), \
                    f"{path.name} imports {name}"
