"""Loading and strict validation of data directories (``workbench.formats.datadir``).

A small valid directory is written by hand below, so every line number in the fault corpus is
known exactly. Each fault asserts the file, line and column reported.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Catalogue, Dataset
from workbench.formats.datadir import (
    DataError,
    DataProblem,
    generate_data_dir,
    load_catalogue,
    load_dataset,
    parse_learner,
    parse_plan,
    read_learner_file,
    read_plan_file,
    validate_directory,
)

CSV = {
    "competencies.csv": [
        "competency_id,domain,name,description,parent_id,source_uri,difficulty",
        "MATH.ALG,Mathematics,Algebra,Working with unknowns.,,,1.0",
        "MATH.ALG.1,Mathematics,Solving linear equations,Solve for x.,MATH.ALG,,1.2",
        "ELA.W.1,English Language Arts,Writing arguments,Argue with evidence.,,,",
        "CTE.ROB.1,Career & Technical,Building robots,Build and test a robot.,,,0.8",
    ],
    "requirements.csv": [
        "requirement_id,name,domain,min_competencies,level",
        "REQ.MATH,Mathematics: 1 at Proficient,Mathematics,1,3",
        "REQ.ELA,English: 1 at Proficient,English Language Arts,1,3",
    ],
    "providers.csv": [
        "provider_id,name,kind,zone,address,lat,lon,offers_broadband,lends_devices",
        "PR-SCH,Eastside High,school,Eastside,1 School Rd,40.1,-89.8,false,false",
        "PR-LIB,Central Library,library,Downtown,2 Main St,40.2,-89.7,true,yes",
        "PR-WEB,Learn Online,online,online,,,,false,false",
    ],
    "opportunities.csv": [
        "opportunity_id,provider_id,title,kind,modality,min_grade,max_grade,cost,seats,"
        "requires_broadband,requires_device,interests,mentor_role,description,requires_car,"
        "credit_hours",
        "O-ALG,PR-SCH,Algebra I,course,in_person,8,10,0,25,false,false,math,,,false,",
        # a quoted description over two lines: O-ROB is lines 3-4, so O-WRI is line 5
        'O-ROB,PR-LIB,Robotics club,program,in_person,6,12,40,12,false,false,'
        'robotics;engineering,,"Build robots.\nCompete in spring.",false,',
        "O-WRI,PR-WEB,Online writing,online_course,online_self_paced,9,12,120,100,true,true,"
        "writing,,,no,0",
    ],
    "sections.csv": [
        "section_id,opportunity_id,start_date,end_date,days,start_time,end_time,zone,"
        "self_paced_hours,seats,times_tba",
        "S-ALG-1,O-ALG,2026-08-31,2027-06-11,Mon;Wed;Fri,08:00,09:00,,0,,false",
        "S-ROB-1,O-ROB,2026-09-01,2027-05-28,Tue;Thu,15:30,17:30,Downtown,0,10,false",
        "S-ROB-2,O-ROB,2026-09-01,2027-05-28,,,,,0,,true",
        "S-WRI-1,O-WRI,2026-08-31,2027-01-22,,,,online,3,,false",
    ],
    "alignments.csv": [
        "opportunity_id,competency_id,intensity,max_level,min_level",
        "O-ALG,MATH.ALG.1,1.5,3,0",
        "O-ROB,CTE.ROB.1,2.0,4,0",
        "O-ROB,MATH.ALG.1,0.3,2,",
        "O-WRI,ELA.W.1,1.0,3,1",
    ],
    "travel_times.csv": [
        "from_zone,to_zone,mode,minutes",
        "Eastside,Eastside,walk,10",
        "Eastside,Downtown,walk,45",
        "Eastside,Downtown,transit,20",
        "Downtown,Downtown,walk,8",
    ],
}

# line numbers matter: "goals[0].by" is on line 19, "availability[0]" on line 13
MAYA = """{
  "learner_id": "L-maya",
  "name": "Maya R.",
  "grade": 9,
  "home_zone": "Eastside",
  "transport": ["walk", "transit"],
  "max_travel_minutes": 40,
  "home_broadband": true,
  "device": "own",
  "budget": 300,
  "max_hours_per_week": 14,
  "availability": [
    {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "start": "15:00", "end": "20:00"}
  ],
  "commitments": [{"days": ["Sat"], "start": "09:00", "end": "13:00", "label": "Bakery"}],
  "interests": ["robotics"],
  "levels": {"MATH.ALG.1": 2},
  "goals": [
    {"competency_id": "MATH.ALG.1", "level": 3, "by": "2027-06-01"}
  ],
  "language": "en"
}
"""
OMAR = {"learner_id": "L-omar", "name": "Omar", "grade": 11, "home_zone": "Downtown"}
PLANS = {
    "P-maya-a": {"plan_id": "P-maya-a", "learner_id": "L-maya", "name": "Plan A",
                 "sections": ["S-ALG-1", "S-ROB-1"]},
    "P-omar-a": {"plan_id": "P-omar-a", "learner_id": "L-omar", "name": "Online writing",
                 "sections": ["S-WRI-1"]},
}


def write_valid(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for file, lines in CSV.items():
        (root / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "learners").mkdir(exist_ok=True)
    (root / "plans").mkdir(exist_ok=True)
    (root / "learners" / "L-maya.json").write_text(MAYA, encoding="utf-8")
    (root / "learners" / "L-omar.json").write_text(json.dumps(OMAR, indent=2), encoding="utf-8")
    for pid, plan in PLANS.items():
        (root / "plans" / f"{pid}.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return root


@pytest.fixture
def valid(tmp_path) -> Path:
    return write_valid(tmp_path / "data")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Catalogue:
    return load_catalogue(write_valid(tmp_path_factory.mktemp("cat")))


# ---- helpers to break a directory ------------------------------------------------------------


def set_cell(root: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one CSV cell, addressing the row by its starting file line (header = line 1)."""
    text = (root / file).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, previous = [], [], 0
    for record in reader:
        rows.append(record)
        starts.append(previous + 1)
        previous = reader.line_num
    row = rows[starts.index(line)]
    row[rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (root / file).write_text(out.getvalue(), encoding="utf-8")


def replace(root: Path, file: str, old: str, new: str) -> None:
    text = (root / file).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    (root / file).write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_json(root: Path, file: str, **changes) -> None:
    data = json.loads((root / file).read_text(encoding="utf-8"))
    data.update(changes)
    (root / file).write_text(json.dumps(data, indent=2), encoding="utf-8")


def where(problems) -> set[tuple[str, int | None, str]]:
    return {(p.file, p.line, p.field) for p in problems}


# ---- the valid directory and the sample data ------------------------------------------------


def test_valid_directory_loads_whole(valid):
    ds = load_dataset(valid)
    assert isinstance(ds, Dataset)
    assert ds.root == valid
    cat = ds.catalogue
    assert len(cat.competencies) == 4 and len(cat.sections) == 4 and len(cat.opportunities) == 3
    # typed frames with every optional column, defaults filled
    assert cat.alignments["min_level"].tolist() == [0, 0, 0, 1]
    assert cat.competencies["difficulty"].tolist() == [1.0, 1.2, 1.0, 0.8]
    assert cat.providers["lends_devices"].tolist() == [False, True, False]
    assert cat.opportunities["requires_car"].dtype == bool
    assert cat.opportunities.loc[1, "description"] == "Build robots.\nCompete in spring."
    assert str(cat.sections["start_date"].dtype) == "datetime64[ns]"
    assert cat.sections["seats"].isna().tolist() == [True, False, True, True]
    table = cat.section_table
    assert table.loc["S-ROB-1", "weekly_hours"] == 4.0
    assert table.loc["S-WRI-1", "weekly_hours"] == 3.0
    assert set(ds.learners) == {"L-maya", "L-omar"}
    maya = ds.learners["L-maya"]
    assert maya.levels == {"MATH.ALG.1": 2} and maya.goals[0].by.isoformat() == "2027-06-01"
    assert maya.availability[0].start == 15 * 60 and maya.commitments[0].label == "Bakery"
    assert ds.learners["L-omar"].transport == ["walk"]
    assert ds.plans["P-maya-a"].sections == ["S-ALG-1", "S-ROB-1"]
    assert validate_directory(valid) == []


def test_sample_data_loads():
    ds = load_dataset(SAMPLE_DATA)
    assert len(ds.catalogue.sections) > 0 and ds.learners and ds.plans
    assert validate_directory(SAMPLE_DATA) == []
    for plan in ds.plans.values():
        assert plan.learner_id in ds.learners
        assert set(plan.sections) <= set(ds.catalogue.section_table.index)


def test_byte_order_mark_crlf_extra_columns_and_blank_lines_are_fine(valid):
    text = (valid / "sections.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines = [lines[0] + ",notes", *(ln + ",anything" for ln in lines[1:]), "", ",,,,,,,,,,,"]
    (valid / "sections.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    ds = load_dataset(valid)
    assert ds.catalogue.sections["section_id"].tolist() == ["S-ALG-1", "S-ROB-1", "S-ROB-2",
                                                             "S-WRI-1"]
    assert "notes" not in ds.catalogue.sections


def test_lenient_spellings_are_normalised(valid):
    set_cell(valid, "sections.csv", 2, "days", "monday; wed")
    set_cell(valid, "sections.csv", 2, "start_time", "8:00")
    set_cell(valid, "sections.csv", 3, "end_time", "24:00")
    set_cell(valid, "sections.csv", 3, "times_tba", "No")
    sections = load_dataset(valid).catalogue.sections
    assert sections.loc[0, "days"] == "Mon;Wed" and sections.loc[0, "start_time"] == "08:00"
    assert sections.loc[1, "end_time"] == "24:00"


def test_files_that_may_have_no_rows(valid):
    for file in ("requirements.csv", "alignments.csv"):
        (valid / file).write_text(CSV[file][0] + "\n", encoding="utf-8")
    cat = load_dataset(valid).catalogue
    assert cat.alignments.empty and list(cat.alignments.columns) == [
        "opportunity_id", "competency_id", "intensity", "max_level", "min_level"]
    assert str(cat.alignments["min_level"].dtype) == "int64"


def test_generated_directory_loads(tmp_path):
    root = generate_data_dir(tmp_path / "gen", n_sections=300, n_learners=5, seed=3)
    ds = load_dataset(root)
    assert len(ds.catalogue.sections) == 300 and len(ds.learners) == 5


def test_catalogue_only_directory_loads(valid):
    shutil.rmtree(valid / "learners")
    shutil.rmtree(valid / "plans")
    ds = load_dataset(valid)
    assert ds.learners == {} and ds.plans == {}


# ---- the fault corpus ------------------------------------------------------------------------


def _unlink(file):
    return lambda root: (root / file).unlink()


def _cell(file, line, column, value):
    return lambda root: set_cell(root, file, line, column, value)


def _replace(file, old, new):
    return lambda root: replace(root, file, old, new)


def _write(file, data: bytes):
    return lambda root: (root / file).write_bytes(data)


def _json(file, **changes):
    return lambda root: edit_json(root, file, **changes)


OPP, S, A = "opportunities.csv", "sections.csv", "alignments.csv"
FAULTS = {
    "missing file": (_unlink("requirements.csv"), ("requirements.csv", None, ""), "missing"),
    "empty file": (_write("travel_times.csv", b""), ("travel_times.csv", None, ""), "empty"),
    "header only": (_write("providers.csv", b"provider_id,name,kind,zone\n"),
                    ("providers.csv", None, ""), "no rows"),
    "missing column": (_replace(OPP, ",cost,", ",price,"), (OPP, 1, "cost"), "required column"),
    "duplicate column": (_replace("travel_times.csv", "mode,minutes", "mode,mode,minutes"),
                         ("travel_times.csv", 1, "mode"), "twice"),
    "empty required cell": (_cell(S, 2, "start_date", ""), (S, 2, "start_date"), "empty"),
    "not a whole number": (_cell(OPP, 2, "min_grade", "eight"), (OPP, 2, "min_grade"),
                           "'eight' is not a whole number"),
    "not a number": (_cell(A, 3, "intensity", "lots"), (A, 3, "intensity"), "not a number"),
    "number out of range": (_cell(A, 2, "max_level", "5"), (A, 2, "max_level"),
                            "at most 4"),
    "negative cost after a multi-line cell": (_cell(OPP, 5, "cost", "-5"), (OPP, 5, "cost"),
                                              "at least 0"),
    "bad cell in a multi-line row": (_cell(OPP, 3, "seats", "many"), (OPP, 3, "seats"),
                                     "not a whole number"),
    "huge whole number": (_cell(OPP, 2, "seats", "9" * 30), (OPP, 2, "seats"), "too large"),
    "not a bool": (_cell("providers.csv", 3, "offers_broadband", "maybe"),
                   ("providers.csv", 3, "offers_broadband"), "not true or false"),
    "not a choice": (_cell("providers.csv", 2, "kind", "school_district"),
                     ("providers.csv", 2, "kind"), "is not one of"),
    "not a date": (_cell(S, 3, "end_date", "2027-13-01"), (S, 3, "end_date"),
                   "is not a date (YYYY-MM-DD)"),
    "not a time": (_cell(S, 2, "start_time", "25:00"), (S, 2, "start_time"),
                   "'25:00' is not a time of day (HH:MM)"),
    "24:00 as a start": (_cell(S, 2, "start_time", "24:00"), (S, 2, "start_time"),
                         "only allowed as an end time"),
    "end before start time": (_cell(S, 3, "end_time", "15:00"), (S, 3, "end_time"),
                              "not after start_time"),
    "end before start date": (_cell(S, 2, "end_date", "2026-08-01"), (S, 2, "end_date"),
                              "before start_date"),
    "unknown day": (_cell(S, 3, "days", "Tue;Funday"), (S, 3, "days"), "'Funday' is not a day"),
    "days without times": (_cell(S, 4, "days", "Sat"), (S, 4, "start_time"),
                           "is empty but days is given"),
    "times without days": (_cell(S, 2, "days", ""), (S, 2, "days"), "is empty but"),
    "no way to meet": (_cell(S, 4, "times_tba", "false"), (S, 4, "days"),
                       "no meeting times"),
    "duplicate id": (_cell(S, 4, "section_id", "S-ROB-1"), (S, 4, "section_id"),
                     "first on line 3"),
    "id with spaces": (_cell(S, 2, "section_id", "S-ALG-1 "), (S, 2, "section_id"),
                       "spaces at the start or end"),
    "duplicate alignment": (_cell(A, 4, "competency_id", "CTE.ROB.1"), (A, 4, "competency_id"),
                            "first on line 3"),
    "duplicate travel row": (_replace("travel_times.csv", "Downtown,Downtown,walk,8",
                                      "Eastside,Downtown,walk,50"),
                             ("travel_times.csv", 5, "mode"), "first on line 3"),
    "unknown opportunity": (_cell(S, 3, "opportunity_id", "O-NOPE"), (S, 3, "opportunity_id"),
                            "'O-NOPE' is not a opportunity_id in opportunities.csv"),
    "unknown provider": (_cell(OPP, 5, "provider_id", "PR-NOPE"), (OPP, 5, "provider_id"),
                         "not a provider_id"),
    "unknown competency": (_cell(A, 5, "competency_id", "ELA.X"), (A, 5, "competency_id"),
                           "not a competency_id"),
    "unknown parent": (_cell("competencies.csv", 4, "parent_id", "ELA"),
                       ("competencies.csv", 4, "parent_id"), "not a competency_id"),
    "parent loop": (_cell("competencies.csv", 2, "parent_id", "MATH.ALG.1"),
                    ("competencies.csv", 2, "parent_id"),
                    "loop: MATH.ALG -> MATH.ALG.1 -> MATH.ALG"),
    "provider zone without travel": (_cell("providers.csv", 3, "zone", "Uptown"),
                                     ("providers.csv", 3, "zone"), "'Uptown' has no rows"),
    "section zone without travel": (_cell(S, 3, "zone", "Northside"), (S, 3, "zone"),
                                    "'Northside' has no rows"),
    "unknown requirement domain": (_cell("requirements.csv", 2, "domain", "Maths"),
                                   ("requirements.csv", 2, "domain"), "not a domain"),
    "grades reversed": (_cell(OPP, 2, "min_grade", "11"), (OPP, 2, "max_grade"),
                        "max_grade 10 is below min_grade 11"),
    "levels reversed": (_cell(A, 5, "min_level", "4"), (A, 5, "min_level"),
                        "min_level 4 is above max_level 3"),
    "stray comma": (_replace(S, "S-ALG-1,O-ALG", "S-ALG-1,,O-ALG"), (S, 2, ""), "stray comma"),
    "unclosed quote": (_replace("requirements.csv", "REQ.ELA,English", 'REQ.ELA,"English'),
                       ("requirements.csv", 3, ""), "never closed"),
    "learner zone unknown": (_json("learners/L-omar.json", home_zone="Mars"),
                             ("learners/L-omar.json", 5, "home_zone"), "'Mars' has no rows"),
    "learner id not file name": (_json("learners/L-omar.json", learner_id="L-omar2"),
                                 ("learners/L-omar.json", 2, "learner_id"), "file name"),
    "learner bad goal date": (_replace("learners/L-maya.json", "2027-06-01", "June 2027"),
                              ("learners/L-maya.json", 19, "goals[0].by"), "not a date"),
    "learner level unknown competency": (
        _replace("learners/L-maya.json", '"MATH.ALG.1": 2', '"MATH.GEO": 2'),
        ("learners/L-maya.json", 17, "levels.MATH.GEO"), "not a competency_id"),
    "learner block backwards": (_replace("learners/L-maya.json", '"end": "20:00"',
                                         '"end": "14:00"'),
                                ("learners/L-maya.json", 13, "availability[0].end"),
                                "not after start"),
    "learner json syntax": (_replace("learners/L-maya.json", '"grade": 9,', '"grade": 9'),
                            ("learners/L-maya.json", 5, "3"), "not valid JSON"),
    "plan unknown section": (_json("plans/P-maya-a.json", sections=["S-ALG-1", "S-NOPE"]),
                             ("plans/P-maya-a.json", 7, "sections[1]"), "not a section_id"),
    "plan section twice": (_json("plans/P-maya-a.json", sections=["S-ALG-1", "S-ALG-1"]),
                           ("plans/P-maya-a.json", 7, "sections[1]"), "already in the plan"),
    "plan learner unknown": (_json("plans/P-omar-a.json", learner_id="L-nobody"),
                             ("plans/P-omar-a.json", 3, "learner_id"), "not a learner"),
    "plan not an object": (_write("plans/P-omar-a.json", b"[1, 2]"),
                           ("plans/P-omar-a.json", 1, ""), "must be a JSON object"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_reported_where_it_is(valid, name):
    breaks, expected, fragment = FAULTS[name]
    breaks(valid)
    with pytest.raises(DataError) as info:
        load_dataset(valid)
    problems = info.value.problems
    matches = [p for p in problems if (p.file, p.line, p.field) == expected]
    assert matches, f"expected {expected}, got:\n{info.value}"
    assert any(fragment in p.message for p in matches), str(info.value)
    assert validate_directory(valid) == problems
    assert all(isinstance(p, DataProblem) for p in problems)


def test_not_utf8_in_the_middle_of_a_file(valid):
    data = (valid / "competencies.csv").read_bytes().replace(b"Argue", b"Arg\xe9ue")
    (valid / "competencies.csv").write_bytes(data)
    [problem] = validate_directory(valid)
    assert (problem.file, problem.line, problem.field) == ("competencies.csv", 4, "")
    assert "0xe9" in problem.message


def test_many_faults_are_all_reported_at_once(valid):
    chosen = ["not a time", "unknown provider", "learner bad goal date", "plan section twice",
              "duplicate travel row", "parent loop", "missing file", "levels reversed"]
    for name in chosen:
        FAULTS[name][0](valid)
    with pytest.raises(DataError) as info:
        load_dataset(valid)
    found = where(info.value.problems)
    for name in chosen:
        assert FAULTS[name][1] in found, name
    text = str(info.value).splitlines()
    assert text[0] == f"{len(info.value.problems)} problems in {valid}"
    assert len(text) == len(info.value.problems) + 1
    # sorted: catalogue files in their order, then learners, then plans
    files = [p.file for p in info.value.problems]
    assert files.index("competencies.csv") < files.index("travel_times.csv") < \
        files.index("learners/L-maya.json") < files.index("plans/P-maya-a.json")


def test_problem_text_format():
    p = DataProblem("sections.csv", 14, "start_time", "'25:00' is not a time of day (HH:MM)")
    assert str(p) == "sections.csv:14:start_time: '25:00' is not a time of day (HH:MM)"
    assert str(DataProblem("learners/L-maya.json", None, "goals[1].by", "x")) == \
        "learners/L-maya.json:goals[1].by: x"
    err = DataError([p], "DIR")
    assert str(err) == f"1 problem in DIR\n{p}"


def test_missing_directory_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path / "nowhere")
    assert "does not exist" in info.value.problems[0].message
    (tmp_path / "file.txt").write_text("x")
    assert "not a directory" in validate_directory(tmp_path / "file.txt")[0].message
    # an empty directory: every catalogue file is missing
    assert {p.file for p in validate_directory(tmp_path)} == {
        "competencies.csv", "requirements.csv", "providers.csv", "opportunities.csv",
        "sections.csv", "alignments.csv", "travel_times.csv"}


def test_bad_references_in_one_file_do_not_flood_others(valid):
    (valid / "providers.csv").unlink()
    problems = validate_directory(valid)
    # opportunities cannot be checked against a missing providers.csv: one problem, not three
    assert where(problems) == {("providers.csv", None, "")}


def test_load_catalogue_ignores_learners_and_plans(valid):
    (valid / "learners" / "L-maya.json").write_text("{oops", encoding="utf-8")
    assert len(load_catalogue(valid).sections) == 4
    with pytest.raises(DataError):
        load_dataset(valid)


def test_an_online_provider_needs_no_travel_rows(valid):
    set_cell(valid, "providers.csv", 4, "zone", "Cloud")
    set_cell(valid, "sections.csv", 5, "zone", "Cloud")
    assert validate_directory(valid) == []


# ---- JSON learners and plans ----------------------------------------------------------------


def test_parse_learner_reports_field_paths(catalogue):
    data = {
        "learner_id": "L-x", "name": "X", "grade": True, "home_zone": "Nowhere",
        "transport": ["walk", "rocket"], "device": "tablet", "budget": -1,
        "max_hours_per_week": 0, "home_broadband": "yes",
        "availability": [{"days": ["Mon", "Someday"], "start": "9:00", "end": "8:00"},
                         {"days": [], "start": "10:00", "end": "11:00"}, "Mon 9-5"],
        "levels": {"MATH.ALG.1": 7, "NOPE": 1},
        "goals": [{"competency_id": "MATH.ALG.1", "level": 3, "by": "2027-06-01"},
                  {"competency_id": "MATH.ALG.1", "level": 3, "by": "next June"}],
        "language": "English!",
    }
    with pytest.raises(DataError) as info:
        parse_learner(data, "learners/L-x.json", catalogue)
    got = {p.field: p.message for p in info.value.problems}
    assert all(p.line is None and p.file == "learners/L-x.json" for p in info.value.problems)
    assert "whole number" in got["grade"]
    assert "has no rows" in got["home_zone"]
    assert "'rocket'" in got["transport[1]"]
    assert "'tablet' is not one of" in got["device"]
    assert "at least 0" in got["budget"]
    assert "more than 0" in got["max_hours_per_week"]
    assert "true or false" in got["home_broadband"]
    assert "'Someday' is not a day" in got["availability[0].days[1]"]
    assert "at least one day" in got["availability[1].days"]
    assert "must be an object" in got["availability[2]"]
    assert "at most 4" in got["levels.MATH.ALG.1"]
    assert "not a competency_id" in got["levels.NOPE"]
    assert "'next June' is not a date" in got["goals[1].by"]
    assert "language code" in got["language"]
    assert str(info.value).startswith(f"{len(got)} problems in learners/L-x.json")


def test_parse_learner_without_catalogue_checks_only_the_object():
    learner = parse_learner({"learner_id": "L-a", "name": "A", "grade": 3, "home_zone": "Any",
                             "levels": {"ANY.1": 2}, "pathway": None})
    assert learner.levels == {"ANY.1": 2} and learner.pathway == "" and learner.device == "own"
    with pytest.raises(DataError) as info:
        parse_learner({"name": "A"})
    assert where(info.value.problems) == {("learner", None, "learner_id"),
                                          ("learner", None, "grade"),
                                          ("learner", None, "home_zone")}


def test_parse_plan(catalogue):
    plan = parse_plan({"plan_id": "P-1", "learner_id": "L-maya", "name": "A",
                       "sections": ["S-ALG-1"]}, catalogue=catalogue, learners={"L-maya"})
    assert plan.sections == ["S-ALG-1"]
    with pytest.raises(DataError) as info:
        parse_plan({"plan_id": "P-1", "learner_id": "L-zed", "name": "",
                    "sections": ["S-ALG-1", "S-X", 3, "S-ALG-1"]},
                   catalogue=catalogue, learners={"L-maya": None})
    got = {p.field: p.message for p in info.value.problems}
    assert set(got) == {"learner_id", "name", "sections[1]", "sections[2]", "sections[3]"}
    assert "sections[0]" in got["sections[3]"]


def test_read_learner_file_lines_and_syntax_errors(tmp_path, catalogue):
    path = tmp_path / "L-maya.json"
    path.write_text(MAYA.replace('"level": 3', '"level": "three"'), encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_learner_file(path, catalogue)
    assert where(info.value.problems) == {(str(path), 19, "goals[0].level")}
    path.write_text(MAYA, encoding="utf-8")
    assert read_learner_file(path, catalogue).name == "Maya R."
    path.write_text(MAYA.replace('"Maya R.",', '"Maya R."'), encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_learner_file(path)
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (4, "3")
    assert str(problem).startswith(f"{path}:4:3: is not valid JSON")
    other = tmp_path / "L-other.json"
    other.write_text(MAYA, encoding="utf-8")
    with pytest.raises(DataError, match=r"does not match the file name L-other\.json"):
        read_learner_file(other)


def test_read_plan_file(tmp_path, catalogue):
    path = tmp_path / "P-maya-a.json"
    path.write_text(json.dumps(PLANS["P-maya-a"]), encoding="utf-8")
    assert read_plan_file(path, catalogue, {"L-maya"}).name == "Plan A"
    with pytest.raises(DataError, match="not a learner"):
        read_plan_file(path, catalogue, {"L-omar"})
    with pytest.raises(DataError, match="file is missing"):
        read_plan_file(tmp_path / "P-none.json")


# ---- never half-loaded -----------------------------------------------------------------------

FILES_TO_BREAK = [*CSV, "learners/L-maya.json", "learners/L-omar.json", "plans/P-maya-a.json"]


@st.composite
def corruptions(draw):
    """A file and one edit of its bytes: delete, duplicate or swap lines, or splice in junk."""
    file = draw(st.sampled_from(FILES_TO_BREAK))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "splice", "truncate", "cell"]))
    a, b = draw(st.integers(0, 2000)), draw(st.integers(0, 2000))
    junk = draw(st.one_of(
        st.binary(max_size=6),
        st.sampled_from([b",", b";", b'"', b"\n", b"-1", b"24:00", b"", b"Mon", b"9999",
                         b"true", b"null", b"online", b"S-ALG-1", b"MATH.ALG", b"\xff"]),
        st.text(max_size=6).map(lambda s: s.encode("utf-8", "surrogatepass")),
    ))
    return file, kind, a, b, junk


def corrupt(root: Path, file: str, kind: str, a: int, b: int, junk: bytes) -> None:
    path = root / file
    data = path.read_bytes()
    lines = data.split(b"\n")
    i, j = a % len(lines), b % len(lines)
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "cell":
        cells = lines[i].split(b",")
        cells[j % len(cells)] = junk
        lines[i] = b",".join(cells)
    if kind in ("delete", "duplicate", "swap", "cell"):
        data = b"\n".join(lines)
    elif kind == "splice":
        p = a % (len(data) + 1)
        data = data[:p] + junk + data[p + b % 4:]
    else:
        data = data[: a % (len(data) + 1)]
    path.write_bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions())
def test_a_corrupted_directory_loads_whole_or_raises_data_error(change):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_valid(Path(tmp) / "data")
        corrupt(root, *change)
        try:
            ds = load_dataset(root)
        except DataError as err:
            assert err.problems and all(isinstance(p, DataProblem) for p in err.problems)
            assert validate_directory(root) == err.problems
            return
        assert validate_directory(root) == []
        # whole: every row of every file is there and everything derived from it works
        cat = ds.catalogue
        for file in CSV:
            text = (root / file).read_text(encoding="utf-8-sig")
            rows = [r for r in csv.reader(io.StringIO(text, newline=""))
                    if any(c.strip() for c in r)]
            assert len(getattr(cat, file.removesuffix(".csv"))) == len(rows) - 1
        table = cat.section_table
        assert table["weekly_hours"].notna().all()
        assert cat.school_year[0] <= cat.school_year[1]
        cat.travel_matrix  # noqa: B018
        assert set(ds.learners) == {p.stem for p in (root / "learners").glob("*.json")}
        assert set(ds.plans) == {p.stem for p in (root / "plans").glob("*.json")}
        for learner in ds.learners.values():
            assert learner.home_zone in cat.zones
            assert set(learner.levels) <= set(cat.competency_names)
        for plan in ds.plans.values():
            assert plan.learner_id in ds.learners
            assert set(plan.sections) <= set(table.index)
