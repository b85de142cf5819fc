"""`workbench import ...` and `workbench export ...`: on the project's own example and fixture
files, and on the real outside files in ../shared/data when they are there (skipped, named, when
not)."""

from __future__ import annotations

import json

import pytest

from workbench import EXAMPLES, SAMPLE_DATA
from workbench.cli import main
from workbench.formats.datadir import load_dataset
from workbench.store import Store

from .conftest import FIXTURES, shared_file


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(path))
    return path


def _shared_school_calendar():
    return shared_file("ics", "recurring-ical-events__school_issue_48_dst.ics")


@pytest.mark.parametrize("calendar", [lambda: EXAMPLES / "family.ics", _shared_school_calendar],
                         ids=["example", "shared"])
def test_import_calendar_saves_busy_times_to_the_store(db, capsys, calendar):
    assert main(["import", "ics", str(calendar()), "--learner", "L-maya"]) == 0
    out = capsys.readouterr().out
    assert "Saved Maya" in out
    learner = Store(db).learner("L-maya")
    assert learner.commitments


@pytest.mark.parametrize("calendar", [lambda: FIXTURES / "ics" / "broken_rule.ics",
                                      lambda: shared_file("ics", "node-ical__badRRULE.ics")],
                         ids=["fixture", "shared"])
def test_import_with_a_broken_event_changes_nothing_unless_accepted(db, capsys, calendar):
    bad = str(calendar())
    assert main(["import", "ics", bad, "--learner", "L-grace"]) == 1
    err = capsys.readouterr()
    assert "Nothing was changed" in err.err and "RRULE" in err.out
    before = Store(db).learner("L-grace").to_dict()
    assert main(["import", "ics", bad, "--learner", "L-grace", "--accept-partial"]) == 0
    assert Store(db).learner("L-grace").to_dict() != before


@pytest.mark.parametrize("credential", [lambda: EXAMPLES / "credential.json",
                                        lambda: shared_file("badges", "ob30_simple.jwt")],
                         ids=["example", "shared"])
def test_import_badge_keeps_provenance_and_never_trusts_unsigned(db, capsys, credential):
    path = credential()
    assert main(["import", "badge", str(path), "--learner", "L-theo", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["evidence"] and not any(e["verified"] for e in report["evidence"])
    saved = Store(db).learner("L-theo").evidence
    assert saved and path.name in saved[-1].source


@pytest.mark.parametrize("credential", [
    lambda: FIXTURES / "badges" / "endorsement.json",
    lambda: shared_file("badges", "ob30_endorsement-valid.json")], ids=["fixture", "shared"])
def test_endorsement_is_reported_not_imported(db, capsys, credential):
    code = main(["import", "badge", str(credential()), "--learner", "L-theo"])
    out = capsys.readouterr()
    assert code in (1, 2) and "endorsement" in (out.out + out.err).lower()


def test_import_case_writes_a_new_valid_data_dir(db, tmp_path, capsys):
    out = tmp_path / "with-case"
    assert main(["import", "case", str(shared_file("case", "opensalt__test_framework_case.json")),
                 "--out", str(out)]) == 0
    ds = load_dataset(out)
    assert len(ds.catalogue.competencies) > 76
    assert (out / "case_prerequisites.csv").exists()


def test_import_case_refuses_an_existing_directory(db, tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    framework = tmp_path / "framework.json"
    assert main(["export", "case", "--out", str(framework)]) == 0
    code = main(["import", "case", str(framework), "--out", str(tmp_path / "x")])
    assert code == 2 and (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_import_catalogue_with_shipped_mapping(db, tmp_path, capsys):
    out = tmp_path / "chicago"
    mapping = EXAMPLES / "chicago_city_of_learning.yaml"
    args = ["import", "catalog", str(shared_file(
            "catalogs", "chicago_city_of_learning_schedule_program_export.csv")),
            "--mapping", str(mapping), "--out", str(out)]
    assert main(args) == 1  # the real file has broken rows: nothing is written unless accepted
    assert not out.exists() and "--accept-partial" in capsys.readouterr().err
    assert main([*args, "--accept-partial"]) == 0
    ds = load_dataset(out)
    assert len(ds.catalogue.section_table) > 2000
    assert "workbench serve --data" in capsys.readouterr().out


def test_export_ics_and_case_round_trip(db, tmp_path, capsys):
    from workbench.formats.case import read_case_package
    from workbench.formats.ics import read_busy_times

    ics = tmp_path / "plan.ics"
    assert main(["export", "ics", "--learner", "L-maya", "--plan", "P-maya-a",
                 "--out", str(ics)]) == 0
    assert b"\r\nBEGIN:VEVENT\r\n" in ics.read_bytes()
    busy, report = read_busy_times(ics)
    assert len(busy) > 0 and not report.skipped
    case = tmp_path / "framework.json"
    assert main(["export", "case", "--out", str(case)]) == 0
    framework, report = read_case_package(case)
    assert len(framework.competencies) == 76 and not report.skipped


def test_missing_file_is_one_clear_line(db, capsys):
    assert main(["import", "ics", "/no/such/file.ics", "--learner", "L-maya"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# the project's own files, so the property holds on any clone
REAL = [EXAMPLES / "family.ics", EXAMPLES / "credential.json", FIXTURES / "ics" / "broken_rule.ics"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["ics", "badge"]), source=st.sampled_from(REAL),
       cut=st.floats(0, 1), junk=st.binary(max_size=64))
def test_damaged_files_never_crash_or_corrupt_the_store(db, tmp_path, capsys, kind, source, cut,
                                                         junk):
    data = source.read_bytes()
    damaged = data[: int(len(data) * cut)] + junk
    path = tmp_path / f"damaged{source.suffix}"
    path.write_bytes(damaged)
    store = Store(db)
    store.seed_from(load_dataset(SAMPLE_DATA))
    before = store.learner("L-amara").to_dict()
    code = main(["import", kind, str(path), "--learner", "L-amara"])
    capsys.readouterr()
    after = Store(db).learner("L-amara")
    if code != 0:
        assert after.to_dict() == before  # a failed or partial import changed nothing
    else:
        assert after.learner_id == "L-amara"  # a clean import saved a whole, loadable learner
