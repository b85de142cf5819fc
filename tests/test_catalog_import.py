"""Importing a real provider catalogue: the Chicago City of Learning 2014 export.

The file (see ../shared/data/README.md) is CR-only, Mac Roman with UTF-8 mojibake, has rows whose
fields slid sideways and rows broken across lines, and lists each programme once per category.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.domain.dataset import Catalogue
from workbench.domain.schema import FILES
from workbench.formats.catalog import (
    ONLINE_ZONE,
    UNKNOWN_ZONE,
    decode_text,
    import_catalog,
    load_mapping,
    merge_into,
    parse_cost,
    parse_schedule,
    read_catalog_csv,
    repair_mojibake,
)
from workbench.formats.report import ImportFailed

ROOT = Path(__file__).resolve().parents[1]
CHICAGO = ROOT.parent / "shared" / "data" / "catalogs" / \
    "chicago_city_of_learning_schedule_program_export.csv"
MAPPING = ROOT / "workbench" / "data" / "examples" / "chicago_city_of_learning.yaml"
SAMPLE = SAMPLE_DATA

needs_chicago = pytest.mark.skipif(not CHICAGO.exists(), reason="shared data file not present")


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(MAPPING)


@pytest.fixture(scope="module")
def chicago(mapping):
    if not CHICAGO.exists():
        pytest.skip("shared data file not present")
    return read_catalog_csv(CHICAGO, mapping)


# ---------------------------------------------------------------- the real file


@needs_chicago
def test_programme_and_organisation_counts(chicago):
    """2,434 programmes from 46 organisations; the README's 2,577 / 74 count broken rows too.

    The README counts distinct (name, org_name) pairs over every CSV record. Rows broken by
    unquoted commas and line breaks put sentence tails in those columns ("you'll need Sketchup"
    as an organisation); the importer skips those, and 8 programmes for ages 19+ fit no grade.
    """
    frames, report = chicago
    assert len(frames["opportunities"]) == 2434
    assert len(frames["providers"]) == 46
    # the README's numbers are the naive count over every record, broken ones included
    text, _ = decode_text(CHICAGO.read_bytes())
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len({(r[0], r[1]) for r in records}) == 2577
    assert len({r[1] for r in records}) == 74
    assert report.read == 4904  # data rows that are not blank
    assert report.imported + len(report.skipped) == report.read
    assert "2434 programmes from 46 organisations" in " ".join(w.message for w in report.warnings)
    assert not {"you'll need Sketchup", "2014", ""} & set(frames["providers"]["name"])


@needs_chicago
def test_shifted_and_broken_rows_reported_with_physical_line_and_column(chicago):
    _, report = chicago
    by_line = {i.line: i for i in report.skipped}
    # line 418 is the tail of a row broken by a line break: its longitude sits under latitude
    assert by_line[418].field == "latitude" and "shifted" in by_line[418].message
    # line 417 is that row's head: no ages at all
    assert by_line[417].field == "min_age"
    # line 518 has an unquoted comma: values spill into the unnamed 15th column
    assert by_line[518].field == "column 15"
    physical = CHICAGO.read_bytes().split(b"\r")
    assert physical[518 - 1].startswith(rb'"HHW \Triple Threat')
    assert all(i.line and i.field for i in report.skipped)
    assert len(report.skipped) == 309


@needs_chicago
def test_mojibake_repaired_in_real_names(chicago):
    frames, report = chicago
    o = frames["opportunities"]
    titles = set(o["title"])
    assert "Endangered Animals? What’s a Kid to Do? CPL Beverly" in titles
    assert not any("â€" in t or "Ã" in t for t in titles)
    assert o["description"].str.contains("paper maché", regex=False).any()
    assert o["description"].str.contains("Papier-mâché", regex=False).any()
    assert not o["description"].str.contains("â€™|Ã©|Â\xa0", regex=True).any()
    assert any("Mac Roman" in w.message for w in report.warnings)
    # what cannot be repaired safely is left alone and reported with its line
    left = [w for w in report.warnings if "still looks garbled" in w.message]
    assert left and all(w.line for w in left)


@needs_chicago
def test_every_section_is_timed_or_times_to_be_arranged(chicago):
    s = chicago[0]["sections"]
    timed = (s["days"] != "") & (s["start_time"] != "") & (s["end_time"] != "")
    assert (timed ^ s["times_tba"]).all()
    assert timed.sum() == 5  # only five descriptions state one weekly pattern clearly
    sat = s[timed & (s["days"] == "Sat")]
    assert (sat["start_time"] == "10:00").any()
    assert s["start_date"].min() == "2014-06-01" and s["end_date"].max() == "2014-08-31"


@needs_chicago
def test_programme_listed_per_category_becomes_one_with_all_interests(chicago):
    o = chicago[0]["opportunities"]
    hack = o[o["title"] == "Random Hacks of Kindness Junior"]
    assert len(hack) == 1
    assert set(hack.iloc[0]["interests"].split(";")) == {"coding", "public service"}
    assert o["opportunity_id"].is_unique and o["opportunity_id"].str.startswith("CCOL-").all()


@needs_chicago
def test_provider_kinds_zones_and_travel(chicago):
    frames, _ = chicago
    p = frames["providers"].set_index("name")
    assert p.loc["Chicago Public Library", "kind"] == "library"
    assert p.loc["Chicago Public Library", "offers_broadband"]
    assert p.loc["The Field Museum", "kind"] == "museum"
    assert p.loc["School of the Art Institute of Chicago", "kind"] == "college"
    assert p.loc["Chicago Park District", "kind"] == "community"
    s, t = frames["sections"], frames["travel_times"]
    zones = set(s["zone"]) - {ONLINE_ZONE}
    assert zones <= set(t["from_zone"]) | set(t["to_zone"])
    assert UNKNOWN_ZONE in zones  # line 492 has no coordinates anywhere in the file
    cat = Catalogue.from_frames(competencies=pd.DataFrame(columns=["competency_id", "domain",
                                                                   "name", "description"]),
                                requirements=pd.DataFrame(columns=[
                                    "requirement_id", "name", "domain", "min_competencies",
                                    "level"]), **frames)
    walk_here, _ = cat.travel_minutes("CHI-H15", "CHI-H15", ["walk"])
    walk_far, _ = cat.travel_minutes("CHI-H15", "CHI-H14", ["walk"])
    bike_far, _ = cat.travel_minutes("CHI-H15", "CHI-H14", ["bike"])
    assert walk_here < walk_far and bike_far < walk_far
    assert cat.travel_minutes("CHI-H15", UNKNOWN_ZONE, ["walk", "car"])[0] == float("inf")


@needs_chicago
def test_written_directory_loads_and_joins(tmp_path):
    from workbench.formats.datadir import load_dataset

    out = tmp_path / "chicago"
    report = import_catalog(CHICAGO, MAPPING, out, SAMPLE if SAMPLE.exists() else None,
                            accept_partial=True)
    assert report.imported == 4595
    dataset = load_dataset(out)
    table = dataset.catalogue.section_table
    imported = table[table["section_id"].str.startswith("CCOL-")]
    assert len(imported) == 2454
    assert (imported["meets"] == ~imported["times_tba"]).all()
    if SAMPLE.exists():
        base = load_dataset(SAMPLE)
        assert set(base.learners) == set(dataset.learners)
        assert len(table) == len(base.catalogue.sections) + 2454
        # the season follows the base school year, and imported programmes get alignments
        assert imported["start_date"].min().year == base.catalogue.school_year[1].year
        al = dataset.catalogue.alignments
        assert al["opportunity_id"].str.startswith("CCOL-").any()


# ---------------------------------------------------------------- small synthetic files

HEADER = "name,org,desc,lat,lon,min_age,max_age,cat,,\n"
GOOD = ('Robotics Club,Harold Washington Library,"Mondays and Wednesdays 3:30-5 pm. Free for '
        'teens.",41.8762,-87.6283,12,18,Coding,,\n')
SHIFTED = "Pottery,Art Center,Wheel, clay and glaze,41.9,-87.7,10,14,Making,\n"
SMALL_MAPPING = """
source: {id_prefix: T-}
columns: {title: name, organisation: org, description: desc, lat: lat, lon: lon,
          min_age: min_age, max_age: max_age, category: cat}
interests: {Coding: [coding], Making: [design]}
zones: {prefix: T, cell_km: 2, origin: [41.6, -88.0]}
providers: {kinds: [{contains: library, kind: library}]}
"""


@pytest.fixture
def small_mapping(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(SMALL_MAPPING, encoding="utf-8")
    return load_mapping(path)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_ends_and_line_numbers(tmp_path, small_mapping, newline):
    text = (HEADER + GOOD + SHIFTED + GOOD.replace("Coding", "Making")).replace("\n", newline)
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode("utf-8"))
    frames, report = read_catalog_csv(path, small_mapping)
    assert [(i.line, i.field) for i in report.skipped] == [(3, "column 9")]
    o = frames["opportunities"].iloc[0]
    assert len(frames["opportunities"]) == 1 and o["interests"] == "coding;design"
    assert (o["min_grade"], o["max_grade"], o["cost"]) == (7, 12, 0.0)
    s = frames["sections"].iloc[0]
    assert (s["days"], s["start_time"], s["end_time"], s["times_tba"]) == \
        ("Mon;Wed", "15:30", "17:00", False)
    assert frames["providers"].iloc[0]["kind"] == "library"


def test_encodings_detected(tmp_path, small_mapping):
    text = HEADER + GOOD.replace("Robotics Club", "Café Robótica")
    for enc, word in (("utf-8", None), ("cp1252", "Windows-1252"), ("mac_roman", None)):
        data = text.encode(enc)
        if enc == "mac_roman":
            data += b"\x9d\n"  # a byte Windows-1252 leaves undefined
        path = tmp_path / f"{enc}.csv"
        path.write_bytes(data)
        frames, report = read_catalog_csv(path, small_mapping)
        assert frames["opportunities"].iloc[0]["title"] == "Café Robótica"
        notes = " ".join(w.message for w in report.warnings if w.field == "encoding")
        if word:
            assert word in notes
        if enc == "mac_roman":
            assert "Mac Roman" in notes
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_catalog_csv(bom, small_mapping)[0]["opportunities"].iloc[0]["title"] == \
        "Café Robótica"


def test_mojibake_repair_is_conservative():
    assert repair_mojibake("paper machÃ©")[0] == "paper maché"
    assert repair_mojibake("Whatâ€™s")[0] == "What’s"
    assert repair_mojibake("â€œquotedâ€ù", mac_roman=True)[0] == "“quoted”"
    # real text, and garbling that lost a byte, are left exactly as they are
    for clean in ("café", "Ã alone", "DifusiÃ_n", "Â", "naïve résumé", "£20 – €5", "Ã\x81"):
        assert repair_mojibake(clean) == (clean, 0)


@pytest.mark.parametrize("text, expected", [
    ("Mondays 3-5pm", (("Mon",), 900, 1020)),
    ("Meets Tuesday - Friday 1 pm - 4 pm, July 1- August 7", (("Tue", "Wed", "Thu", "Fri"),
                                                             780, 960)),
    ("Saturdays, 10 am-12 pm, July 12-August 9", (("Sat",), 600, 720)),
    ("Every Thursday from 6:00 to 7:30 p.m.", (("Thu",), 1080, 1170)),
    ("On Tuesday, April 15, from 12:01-4 am", None),  # one date, not a weekly pattern
    ("Monday-Friday, April 14-18, 9am-3pm", None),  # a one-week camp: dates between
    ("Mondays 3-5pm. Saturdays 10am-2pm.", None),  # two patterns: not clear
    ("Teens meet after school.", None),
])
def test_parse_schedule(text, expected):
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Registration is $25 per child.", 25.0),
    ("This free family event includes telescopes. Parking costs $13 per car.", 0.0),
    ("Teens earn a stipend of $400.", None),
    ("Fee $25, or $40 for two.", None),
    ("The class is free. Materials fee $10.", None),
    ("Join us for fun!", None),
])
def test_parse_cost(text, expected):
    assert parse_cost(text) == expected


@pytest.mark.parametrize("yaml_text, key", [
    ("source: {id_prefix: X-}\ncolumns: {organisation: org}\n", "columns.title"),
    ("source: {}\ncolumns: {title: a, organisation: b}\n", "source.id_prefix"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b, colour: c}\n",
     "columns.colour"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\n"
     "providers: {default: shop}\n", "providers.default"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\nseason: {start: June}\n",
     "season.start"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\nbounds: {lat: [2, 1]}\n",
     "bounds.lon"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\n"
     "bounds: {lat: [2, 1], lon: [3, 4]}\n", "bounds"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\n"
     "providers: {kinds: [{contains: lib, kind: library}, {contains: x, kind: shop}]}\n",
     "providers.kinds[1].kind"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b, ages: {column: c, "
     "patterns: [{match: '(', value: x}]}}\n", "columns.ages.patterns[0].match"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b, cost: {column: c, "
     "split: ','}}\n", "columns"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\nrequired: [title, cost]\n",
     "required"),
    ("source: {id_prefix: X-}\ncolumns: {title: a, organisation: b}\ncolour: blue\n",
     "colour"),
    ("- just\n- a list\n", ""),
    ("source: [unclosed\n", ""),
])
def test_bad_mapping_names_the_key(tmp_path, yaml_text, key):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        load_mapping(path)
    assert err.value.report.skipped[0].field == key
    if key:
        assert key in str(err.value)


def test_missing_column_fails_clearly(tmp_path, small_mapping):
    path = tmp_path / "c.csv"
    path.write_text("title,organisation\nA,B\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="no column 'name'"):
        read_catalog_csv(path, small_mapping)


def test_merge_refuses_colliding_ids(tmp_path, small_mapping):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    frames, _ = read_catalog_csv(path, small_mapping)
    merged = merge_into({k: v.iloc[:0] for k, v in frames.items()}, frames)
    assert len(merged["opportunities"]) == 1
    with pytest.raises(ImportFailed, match="already exist"):
        merge_into(merged, frames)


# ---------------------------------------------------------------- never crash


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_random_bytes_only_ever_fail_with_import_failed(mapping, data):
    try:
        frames, report = read_catalog_csv(data, mapping)
    except ImportFailed as exc:
        assert exc.report.skipped
    else:
        assert report.imported >= 1
        for name, frame in frames.items():
            assert list(frame.columns) == [c.name for c in FILES[f"{name}.csv"]]


@needs_chicago
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(permille=st.integers(min_value=0, max_value=1000))
def test_truncated_real_file_only_ever_fails_with_import_failed(mapping, permille):
    data = CHICAGO.read_bytes()
    head = data[: len(data) * permille // 1000]  # spread cuts over the whole file
    try:
        frames, _ = read_catalog_csv(head, mapping)
    except ImportFailed as exc:
        assert exc.report.skipped
    else:
        s = frames["sections"]
        timed = (s["days"] != "") & (s["start_time"] != "")
        assert (timed ^ s["times_tba"]).all()


# ---------------------------------------------------------------- the project's own files

from workbench import EXAMPLES  # noqa: E402
from workbench.formats.catalog import MappingFile, find_coordinates, parse_ages  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

MESSY = FIXTURES / "catalogs" / "messy.csv"
MESSY_MAPPING = FIXTURES / "catalogs" / "messy.yaml"
EXAMPLE = EXAMPLES / "riverbend_community_programs.csv"
EXAMPLE_MAPPING = EXAMPLES / "riverbend_community_programs.yaml"


@pytest.fixture(scope="module")
def sample_catalogue():
    from workbench.formats.datadir import load_dataset

    return load_dataset(SAMPLE).catalogue


def test_second_example_reads_clean_into_the_school_year(sample_catalogue):
    frames, report = read_catalog_csv(EXAMPLE, load_mapping(EXAMPLE_MAPPING), sample_catalogue)
    assert (report.read, report.imported, report.skipped) == (12, 12, [])
    o = frames["opportunities"].set_index("title")
    grades = {t: (r.min_grade, r.max_grade) for t, r in o.iterrows()}
    assert grades == {
        "Teen Maker Lab": (8, 12),  # Teens = 13-18
        "Junior Naturalists": (1, 12),  # 6 and up
        "Youth Orchestra": (9, 12),  # 14 to 24
        "Clay Studio for Kids": (0, 12),  # "20-May" is what a spreadsheet made of 5-20
        "Homework Help": (0, 5),  # Elementary
        "Code Club": (6, 8),  # Middle School
        "Community Garden Crew": (0, 12),  # All ages
        "Riverbend Writers Circle": (0, 12),  # no ages: all grades, and said so
        "Soccer Skills": (4, 6),  # Tweens, a word the mapping adds: 9 to 12
        "Cooking on a Budget": (11, 12),  # 16 and older
    }
    assert o.loc["Community Garden Crew", "interests"] == \
        "outdoors;environment;public service;cooking"  # three categories in one cell
    assert o.loc["Code Club", "cost"] == 0.0 and o.loc["Youth Orchestra", "cost"] == 120.0
    p = frames["providers"].set_index("name")
    library = p.loc["Riverbend Public Library"]
    assert (library["lat"], library["lon"]) == (41.5902, -90.4790)
    assert library["address"] == "1020 Market St, Riverbend"  # the coordinates taken out
    s = frames["sections"]
    assert s["times_tba"].all()  # the listing gives no times
    first, last = sample_catalogue.school_year
    assert (s["start_date"] == "2026-09-08").all() and (s["end_date"] == "2027-06-05").all()
    assert first.isoformat() <= "2026-09-08" and last.isoformat() >= "2027-06-05"
    notes = {w.field: w for w in report.warnings}
    assert "20-May" in " ".join(w.message for w in report.warnings)
    assert notes["Ages"].message.startswith("1 of 10 programmes give no ages (line 11)")
    assert len(frames["alignments"]) > 0


def test_second_example_writes_a_loadable_directory(tmp_path):
    from workbench.formats.datadir import load_dataset

    out = tmp_path / "riverbend-plus"
    report = import_catalog(EXAMPLE, EXAMPLE_MAPPING, out, SAMPLE)
    assert not report.skipped
    table = load_dataset(out).catalogue.section_table
    assert table["section_id"].str.startswith("RCP-").sum() == 12


def test_partial_read_writes_nothing_unless_accepted(tmp_path):
    out = tmp_path / "messy"
    with pytest.raises(ImportFailed) as info:
        import_catalog(MESSY, MESSY_MAPPING, out)
    assert not out.exists()
    assert any("nothing was written: 3 of 6 rows could not be read" in w.message
               for w in info.value.report.warnings)
    report = import_catalog(MESSY, MESSY_MAPPING, out, accept_partial=True)
    assert (out / "sections.csv").exists() and len(report.skipped) == 3


def test_fields_look_shifted_only_when_they_are():
    frames, report = read_catalog_csv(MESSY, load_mapping(MESSY_MAPPING))
    by_line = {i.line: i for i in report.skipped}
    # a typo in a latitude: every other value is in its place
    assert by_line[3].message == "latitude '41.9x' is not a number"
    # "Chicago" under latitude, the latitude one column over: shifted
    assert by_line[4].message == "latitude 'Chicago' is not a number: the fields look shifted"
    assert by_line[5].message == "for ages 65+: no school grade (K-12) fits"  # Seniors
    o = frames["opportunities"].set_index("title")
    assert o.loc["Robotics Club", "interests"] == "coding;design"  # split on "|"
    assert o.loc["Science Club", "cost"] == 25.0  # the pattern read "25 dollars"
    assert (o.loc["Science Club", "min_grade"], o.loc["Science Club", "max_grade"]) == (0, 12)


def test_out_of_bounds_without_a_neighbour_is_not_called_shifted(tmp_path):
    path = tmp_path / "far.csv"
    path.write_text("name,org,lat,lon\nA,B,40.1,-87.7\nC,D,41.9,-87.7\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: {id_prefix: F-}\ncolumns: {title: name, organisation: org, "
                       "lat: lat, lon: lon}\nbounds: {lat: [41.6, 42.1], lon: [-88, -87.5]}\n",
                       encoding="utf-8")
    _, report = read_catalog_csv(path, load_mapping(mapping))
    [issue] = report.skipped
    assert issue.message == "latitude '40.1' is outside the mapping's bounds 41.6..42.1"


@pytest.mark.parametrize("cut", [0.5, 0.71, 0.97])
def test_a_cut_off_file_is_called_cut_off(cut):
    data = EXAMPLE.read_bytes()
    head = data[: int(len(data) * cut)]
    _, report = read_catalog_csv(head, load_mapping(EXAMPLE_MAPPING))
    last = report.skipped[-1]
    assert "the file is cut off part way through this row" in last.message
    assert last.line == head.count(b"\n") + 1
    assert any("the file is cut off" in w.message for w in report.warnings)


def test_a_whole_file_without_a_final_line_end_is_not_cut_off():
    data = EXAMPLE.read_bytes().rstrip(b"\n")
    _, report = read_catalog_csv(data, load_mapping(EXAMPLE_MAPPING))
    assert not report.skipped and not any("cut off" in w.message for w in report.warnings)


@pytest.mark.parametrize(("text", "ages"), [
    ("6 and up", (6, None)), ("6+", (6, None)), ("Ages 16 and older", (16, None)),
    ("14 to 24", (14, 24)), ("14-24", (14, 24)), ("ages 5 – 12", (5, 12)),
    ("under 13", (None, 12)), ("12 and under", (None, 12)), ("up to 10", (None, 10)),
    ("Teens", (13, 18)), ("Middle School", (11, 14)), ("Elementary", (5, 11)),
    ("Seniors", (65, None)), ("All ages", None), ("", None), ("8", (8, 8)),
    ("20-May", (5, 20)), ("12-Jun", (6, 12)), ("Jan-35", (1, 35)), ("18-12", (12, 18)),
])
def test_parse_ages(text, ages):
    assert parse_ages(text) == ages


def test_parse_ages_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="not an age"):
        parse_ages("bring a friend")
    assert parse_ages("Little ones", {"little ones": (2, 5)}) == (2, 5)


@pytest.mark.parametrize(("text", "found"), [
    ("1150 W Lakeside Ave, Chicago (41.9686, -87.6589)",
     (41.9686, -87.6589, "1150 W Lakeside Ave, Chicago")),
    ("41.88123,-87.63000 @ Millennium Park", (41.88123, -87.63, "Millennium Park")),
    ("400 S State St, Chicago IL 60605", None),  # house numbers and zip codes are not
    ("12.5 miles north", None),
])
def test_find_coordinates(text, found):
    assert find_coordinates(text) == found


def test_sept_june_season_lands_in_the_base_school_year(tmp_path, sample_catalogue):
    from workbench.formats.catalog import _season

    assert sample_catalogue.school_year[1].isoformat() == "2027-06-11"
    for season, want in (({"start": "09-01", "end": "06-30"}, ("2026-09-01", "2027-06-30")),
                         ({"start": "06-01", "end": "08-31"}, ("2027-06-01", "2027-08-31")),
                         ({"start": "01-10", "end": "05-20"}, ("2027-01-10", "2027-05-20")),
                         ({"start": "09-15", "end": "12-15"}, ("2026-09-15", "2026-12-15"))):
        path = tmp_path / "m.yaml"
        path.write_text(f"source: {{id_prefix: S-}}\ncolumns: {{title: a, organisation: b}}\n"
                        f"season: {{start: '{season['start']}', end: '{season['end']}'}}\n",
                        encoding="utf-8")
        got = tuple(d.isoformat() for d in _season(load_mapping(path), sample_catalogue))
        assert got == want, season


def _keys(model, prefix=""):
    """Every key a mapping file can have, as dotted paths."""
    from typing import get_args

    from pydantic import BaseModel

    out = []
    for name, info in model.model_fields.items():
        out.append(prefix + name)
        for arg in (info.annotation, *get_args(info.annotation)):
            for inner in (arg, *get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    out += _keys(inner, f"{prefix}{name}.")
    return out


def test_every_mapping_key_is_documented():
    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Provider catalogue mappings"):]
    section = section[: section.index("\n## ", 5)] if "\n## " in section[5:] else section
    section = re.sub(r"```.*?```", "", section, flags=re.S)  # the example, not the tables
    spans = " ".join(re.findall(r"`([^`]+)`", section))
    missing = sorted({k for k in _keys(MappingFile)
                      if not re.search(rf"\b{re.escape(k.rsplit('.', 1)[-1])}\b", spans)})
    assert not missing, missing


def test_both_example_mappings_validate():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        assert load_mapping(path).id_prefix


def test_cli_exits_1_and_writes_nothing_for_a_partial_read(tmp_path, monkeypatch, capsys):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "store.sqlite"))
    out = tmp_path / "messy"
    args = ["import", "catalog", str(MESSY), "--mapping", str(MESSY_MAPPING), "--out", str(out)]
    assert main(args) == 1
    printed = capsys.readouterr()
    assert "messy.csv:3:lat: latitude '41.9x' is not a number" in printed.out
    assert not out.exists() or not any(out.iterdir())
    assert main([*args, "--accept-partial"]) == 0
    assert (out / "sections.csv").exists()
