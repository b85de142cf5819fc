"""CASE frameworks: every shared sample file, malformed packages, and export -> import round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import SAMPLE_DATA
from workbench.formats import report as report_module
from workbench.formats.case import read_case_package, read_opensalt_csv, write_case_package
from workbench.formats.report import ImportFailed, ImportReport

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "case"
SAMPLE = SAMPLE_DATA / "competencies.csv"
JSON_FILES = sorted(DATA.glob("*.json"))
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="shared CASE samples not available")


def _hierarchy_has_no_cycles(df: pd.DataFrame) -> bool:
    parent = dict(zip(df["competency_id"], df["parent_id"], strict=True))
    for start in parent:
        seen, node = set(), start
        while node:
            if node in seen:
                return False
            seen.add(node)
            node = parent.get(node, "")
    return True


@needs_data
@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_every_shared_package_reads_with_a_consistent_report(path):
    fw, report = read_case_package(path)
    df = fw.competencies
    assert report.read == len(json.loads(path.read_text(encoding="utf-8"))["CFItems"])
    assert report.imported == len(df) == report.read - len(
        [i for i in report.skipped if i.field.startswith("CFItems")]
    )
    assert df["competency_id"].is_unique
    assert (df["competency_id"] != "").all() and (df["name"] != "").all()
    assert (df["domain"] != "").all() and (df["description"] != "").all()
    ids = set(df["competency_id"])
    assert set(df["parent_id"]) - {""} <= ids
    assert _hierarchy_has_no_cycles(df)
    assert report.summary().startswith(f"Read {report.read} item")


@needs_data
def test_utf8_outside_the_bmp_is_kept():
    fw, report = read_case_package(DATA / "opensalt__Utf8TestFramework.json")
    assert fw.document.title == "UTF8 \U0001d451 Test"
    assert fw.document.package_uri == ""  # this package has no CFPackageURI
    assert fw.competencies.loc[0, "description"] == "Item \U0001d451 1"
    assert fw.competencies.loc[0, "parent_id"] == ""  # child of the document: top-level
    assert not report.skipped and not report.warnings


@needs_data
def test_older_opensalt_shape_is_read_leniently():
    fw, report = read_case_package(DATA / "opensalt__ccss_math_cfs_sample.json")
    df = fw.competencies.set_index("case_identifier")
    assert (report.read, report.imported) == (703, 703)
    # 39 items have no humanCodingScheme, so the CFItem identifiers are the ids.
    assert (fw.competencies["competency_id"] == fw.competencies["case_identifier"]).all()
    assert fw.document.subject == "Math"
    assert fw.document.package_uri.startswith("https://salt-dev.edplancms.com/uri/")
    row = df.loc["http://purl.org/ASN/resources/S1143409"]
    assert (row["education_level"], row["item_type"]) == ("KG", "Domain")
    # A standard's name carries its code; its subject area is the document's subject, which
    # names one of the catalogue's when the catalogue is given
    coded = fw.competencies[fw.competencies["human_coding_scheme"] != ""].iloc[50]
    assert coded["name"].startswith(coded["human_coding_scheme"] + " ")
    assert set(fw.competencies["domain"]) == {"Math"}
    ours, report = read_case_package(DATA / "opensalt__ccss_math_cfs_sample.json",
                                     known_domains=["Mathematics", "Science"])
    assert set(ours.competencies["domain"]) == {"Mathematics"} and not report.warnings


@needs_data
def test_external_associations_are_kept_and_counted():
    fw, report = read_case_package(DATA / "opensalt__what_standards_could_be_20c5134f.json")
    assert len(fw.external_refs) == 21
    assert fw.external_refs["kind"].value_counts().to_dict() == {
        "exactMatchOf": 16, "exemplar": 2, "isRelatedTo": 2, "precedes": 1,
    }
    assert [w.message for w in report.warnings] == [
        "21 associations point outside this framework (16 exactMatchOf, 2 exemplar,"
        " 2 isRelatedTo, 1 precedes): kept as external references"
    ]
    # Codes are unique here, so they are the ids; precedes inside the package -> prerequisites.
    assert set(fw.prerequisites.itertuples(index=False, name=None)) == {
        ("CCSS.Math.Content.6.RP.A.2", "CCSS.Math.Content.6.RP.A.1"),
        ("CCSS.Math.Content.7.RP.A.3", "CCSS.Math.Content.6.RP.A.3"),
    }
    assert len(fw.crosswalks) == 20 and fw.crosswalks["external"].all()
    exemplar = fw.crosswalks[fw.crosswalks["kind"] == "exemplar"]
    assert exemplar["other_uri"].str.contains("illustrativemathematics").any()


@needs_data
def test_opensalt_spreadsheet_hierarchy_from_smart_level():
    fw, report = read_opensalt_csv(DATA / "opensalt__ccsso_ela_item.csv")
    df = fw.competencies.set_index("case_identifier")
    assert (report.read, report.imported) == (1189, 1189)
    child = df.loc["7fbbd2fa-885d-11e7-a99d-449ef607a326"]  # L.1.4, smartLevel 3.6.2.1
    assert child["human_coding_scheme"] == "L.1.4" and child["sequence"] == 1
    parent = df.loc[child["parent_id"]]
    assert parent["parent_id"] != ""
    assert child["domain"] == "opensalt__ccsso_ela_item"  # no subject: the title
    ela, _ = read_opensalt_csv(DATA / "opensalt__ccsso_ela_item.csv",
                               title="CCSS English Language Arts",
                               known_domains=["Mathematics", "English Language Arts"])
    assert set(ela.competencies["domain"]) == {"CCSS English Language Arts"}
    mapped, _ = read_opensalt_csv(DATA / "opensalt__ccsso_ela_item.csv",
                                  domains={"opensalt__ccsso_ela_item": "English Language Arts"})
    assert set(mapped.competencies["domain"]) == {"English Language Arts"}
    anchor = df.loc["7c0ef952-885d-11e7-bbb8-1854713e6150"]
    assert anchor["parent_id"] == "" and anchor["education_level"].startswith("KG;01;02")
    assert _hierarchy_has_no_cycles(fw.competencies)


def test_opensalt_csv_bad_rows_are_reported_with_their_line():
    text = (
        b"identifier,fullStatement,humanCodingScheme,smartLevel\n"
        b"a,Top,T,1\n"
        b"b,,T.1,1.1\n"
        b"c,Child,T.2,1.2\n"
        b"d,Orphan,T.3,7.1\n"
        b"e,Twin,T.4,1.2\n"
        b"f,Bad level,T.5,x.y\n"
    )
    fw, report = read_opensalt_csv(text, source_name="ela.csv")
    assert list(fw.competencies["competency_id"]) == ["T", "T.2", "T.3"]
    assert [(i.line, i.field) for i in report.skipped] == [
        (3, "fullStatement"), (6, "smartLevel"), (7, "smartLevel")
    ]
    assert [(w.line, w.field) for w in report.warnings] == [(5, "smartLevel")]
    assert str(report.skipped[0]).startswith("ela.csv:3:fullStatement: ")


def _package(items, associations, document=True):
    pkg = {"CFItems": items, "CFAssociations": associations}
    if document:
        pkg["CFDocument"] = {"identifier": "doc", "uri": "u:doc", "title": "Test", "creator": "me"}
    return json.dumps(pkg).encode()


def _child(i, origin, dest, kind="isChildOf"):
    return {"identifier": f"a{i}", "associationType": kind,
            "originNodeURI": {"identifier": origin}, "destinationNodeURI": {"identifier": dest}}


def test_what_could_not_be_read_is_named_with_a_path():
    items = [
        {"identifier": "x1", "fullStatement": "One", "humanCodingScheme": "X.1"},
        "not an item",
        {"identifier": "x2", "humanCodingScheme": "X.2"},
        {"identifier": "x1", "fullStatement": "Again"},
        {"fullStatement": "No id"},
        {"identifier": "x3", "fullStatement": "Three", "educationLevel": ["09", "10"]},
    ]
    assocs = [_child(0, "x1", "doc"), _child(1, "x3", "x1"), {"associationType": "isChildOf"},
              7, _child(4, "x3", "x3", "precedes"), {"originNodeURI": {"identifier": "x1"}}]
    fw, report = read_case_package(_package(items, assocs), source_name="t.json")
    assert list(fw.competencies["case_identifier"]) == ["x1", "x3"]
    assert [i.field for i in report.skipped] == [
        "CFItems[1]", "CFItems[2].fullStatement", "CFItems[3].identifier",
        "CFItems[4].identifier", "CFAssociations[2].originNodeURI", "CFAssociations[3]",
        "CFAssociations[4]", "CFAssociations[5].associationType",
    ]
    assert report.summary() == "Read 6 items: imported 2, skipped 8."
    row = fw.competencies.set_index("case_identifier").loc["x3"]
    assert (row["parent_id"], row["education_level"]) == ("x1", "09;10")


def test_hierarchy_cycles_are_reported_not_looped():
    items = [{"identifier": f"c{i}", "fullStatement": f"Item {i}"} for i in range(4)]
    assocs = [_child(0, "c0", "c1"), _child(1, "c1", "c2"), _child(2, "c2", "c0"),
              _child(3, "c3", "doc")]
    fw, report = read_case_package(_package(items, assocs, document=False))
    assert _hierarchy_has_no_cycles(fw.competencies)
    loops = [i for i in report.skipped if "loops back" in i.message]
    assert len(loops) == 1 and loops[0].field.startswith("CFAssociations[")
    assert fw.competencies["parent_id"].eq("").sum() == 2
    assert any(w.field == "CFDocument" for w in report.warnings)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00", b"[1, 2", b"[]", b'{"CFItems": 3}'])
def test_nothing_readable_raises_import_failed_with_a_report(content):
    with pytest.raises(ImportFailed) as info:
        read_case_package(content, source_name="bad.json")
    assert isinstance(info.value.report, ImportReport)
    assert info.value.report.skipped and info.value.report.imported == 0


def test_size_limit_is_checked_before_parsing(monkeypatch, tmp_path):
    monkeypatch.setattr(report_module, "MAX_IMPORT_BYTES", 10)
    big = tmp_path / "big.json"
    big.write_text('{"CFItems": []}  ')
    with pytest.raises(ImportFailed, match="import limit"):
        read_case_package(big)
    with pytest.raises(ImportFailed, match="import limit"):
        read_case_package(b"x" * 11)


def _our_competencies() -> pd.DataFrame:
    if SAMPLE.exists():
        return pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return pd.DataFrame({
        "competency_id": ["MATH", "MATH.ALG.1", "MATH.ALG.2", "SCI.ROB.1"],
        "domain": ["Mathematics", "Mathematics", "Mathematics", "Science"],
        "name": ["Mathematics", "Solving linear equations", "Graphing lines — slope & intercept",
                 "Building a robot"],
        "description": ["All of maths.", "Solve one-variable linear equations.",
                        "Graph a line from its equation.", "Design and build a simple robot."],
        "parent_id": ["", "MATH", "MATH.ALG.1", ""],
    })


def test_export_then_import_gives_the_same_competencies(tmp_path):
    ours = _our_competencies()
    out = tmp_path / "framework.json"
    package = write_case_package(ours, "Workbench competencies", "Anywhere Learning", path=out)
    again = write_case_package(ours, "Workbench competencies", "Anywhere Learning")
    assert package == again  # deterministic identifiers and timestamps
    assert json.loads(out.read_text(encoding="utf-8")) == package
    fw, report = read_case_package(out)
    assert not report.skipped and not report.warnings
    got = fw.competencies.set_index("competency_id")
    want = ours.set_index("competency_id")
    assert list(got.index) == list(want.index)
    assert (got["name"] == want["name"]).all()
    assert (got["parent_id"] == want["parent_id"].fillna("")).all()
    assert (got["description"] == want["description"]).all()
    assert (got["concept_keywords"] == want["domain"]).all()
    assert fw.document.title == "Workbench competencies"
    assert fw.document.creator == "Anywhere Learning"


def test_export_uses_case_shapes_and_stable_uuids():
    ours = _our_competencies()
    package = write_case_package(ours, "T", "C")
    item_ids = {i["identifier"] for i in package["CFItems"]}
    assert len(item_ids) == len(ours)
    assert all(len(i) == 36 and i.count("-") == 4 for i in item_ids)
    doc = package["CFDocument"]["identifier"]
    tops = [a for a in package["CFAssociations"]
            if a["destinationNodeURI"]["identifier"] == doc]
    assert len(tops) == (ours["parent_id"].fillna("") == "").sum()
    other = write_case_package(ours, "Another title", "C")
    assert {i["identifier"] for i in other["CFItems"]}.isdisjoint(item_ids)


# --- properties: nothing but ImportFailed (or a report) ever comes out ---------------------------

def _only_import_failed(reader, content: bytes) -> None:
    try:
        _, report = reader(content, source_name="fuzz")
    except ImportFailed as exc:
        assert exc.report.skipped
        return
    assert report.imported <= report.read or report.read == 0


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_import_failed(content):
    _only_import_failed(read_case_package, content)
    _only_import_failed(read_opensalt_csv, content)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["identifier", "fullStatement", "uri", "associationType",
                         "originNodeURI", "destinationNodeURI", "educationLevel",
                         "humanCodingScheme", "title", "CFPackageURI", "sequenceNumber"]),
        inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({
    "CFDocument": JSON_VALUES, "CFItems": st.lists(JSON_VALUES, max_size=5),
    "CFAssociations": JSON_VALUES | st.lists(JSON_VALUES, max_size=5),
}))
def test_random_package_shapes_never_crash(package):
    _only_import_failed(read_case_package, json.dumps(package).encode())


@needs_data
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from([*JSON_FILES, DATA / "opensalt__ccsso_ela_item.csv"]),
       fraction=st.floats(0, 1))
def test_truncated_real_files_never_raise_anything_but_import_failed(path, fraction):
    content = path.read_bytes()
    content = content[: int(len(content) * fraction)]
    reader = read_opensalt_csv if path.suffix == ".csv" else read_case_package
    _only_import_failed(reader, content)


# --- identity, order, updates and subject areas (the project's own fixtures) -------------------

from workbench.formats.case import identifier_from_uri, merge_framework  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

ORDERED = FIXTURES / "case" / "ordered_framework.json"


def test_children_follow_sequence_numbers_then_natural_code_order():
    fw, report = read_case_package(ORDERED)
    assert not report.skipped
    assert list(fw.competencies["competency_id"]) == [
        "L1", "L1.1", "L1.2", "L1.9", "L1.10",  # no sequenceNumber: L1.2 before L1.10
        "L2", "L2.A", "L2.B",  # sequenceNumber 1 and 2 (listed the other way round)
    ]


@pytest.mark.parametrize("path", [ORDERED, DATA / "opensalt__test_framework_case.json"],
                         ids=["fixture", "shared"])
def test_export_keeps_every_identifier_and_uri(path, tmp_path):
    if not path.exists():
        pytest.skip(f"real outside file {path.name} is not beside this clone; the fixture "
                    "covers this")
    fw, _ = read_case_package(path)
    original = {i["identifier"]: i["uri"]
                for i in json.loads(path.read_text(encoding="utf-8"))["CFItems"]}
    # straight from the framework, and through competencies.csv (which keeps only source_uri)
    for frame in (fw.competencies, fw.competencies[["competency_id", "domain", "name",
                                                    "description", "parent_id", "source_uri"]]):
        package = write_case_package(frame, "Round trip", "Tests")
        assert {i["identifier"]: i["uri"] for i in package["CFItems"]} == original
        out = tmp_path / "again.json"
        out.write_text(json.dumps(package), encoding="utf-8")
        again, report = read_case_package(out)
        assert not report.skipped
        assert list(again.competencies["case_identifier"]) == list(fw.competencies["case_identifier"])
        assert list(again.competencies["parent_id"]) == list(fw.competencies["parent_id"])


@pytest.mark.parametrize(("uri", "ident"), [
    ("https://x.org/ims/case/v1p0/CFItems/b77335d6-f058", "b77335d6-f058"),
    ("https://salt.example/uri/http://asn.jesandco.org/resources/S2366905",
     "http://asn.jesandco.org/resources/S2366905"),
    ("https://example.org/case/w-1", "w-1"), ("", ""), ("urn:uuid:1234", ""),
])
def test_identifier_from_uri(uri, ident):
    assert identifier_from_uri(uri) == ident


def test_importing_our_own_export_back_is_an_update(tmp_path):
    ours = _our_competencies()
    out = tmp_path / "framework.json"
    write_case_package(ours, "Workbench competencies", "Anywhere Learning", path=out)
    fw, report = read_case_package(out)
    merged, counts = merge_framework(ours, fw, report)
    assert counts == {"added": 0, "updated": 0, "unchanged": len(ours), "refused": 0}
    assert not report.skipped and len(merged) == len(ours)
    assert list(merged["domain"]) == list(ours["domain"])  # the catalogue's areas are kept
    # the merged rows now carry the exported URIs, so the next export is the same file
    assert write_case_package(merged, "Workbench competencies", "Anywhere Learning") == \
        json.loads(out.read_text(encoding="utf-8"))
    # a changed statement in the file is an update of that one competency
    package = json.loads(out.read_text(encoding="utf-8"))
    package["CFItems"][1]["abbreviatedStatement"] = "Solving equations, revised"
    out.write_text(json.dumps(package), encoding="utf-8")
    fw, report = read_case_package(out)
    merged2, counts = merge_framework(merged, fw, report)
    assert counts["updated"] == 1 and counts["added"] == 0
    assert "Solving equations, revised" in set(merged2["name"])


def test_an_id_used_by_another_framework_is_refused_not_overwritten():
    fw, report = read_case_package(ORDERED)
    existing = pd.DataFrame({"competency_id": ["L1"], "domain": ["Mathematics"],
                             "name": ["Our own L1"], "description": ["x"], "parent_id": [""],
                             "source_uri": ["https://other.example.org/uri/zzz"]})
    merged, counts = merge_framework(existing, fw, report)
    assert counts == {"added": 7, "updated": 0, "unchanged": 0, "refused": 1}
    assert merged.set_index("competency_id").loc["L1", "name"] == "Our own L1"
    [clash] = report.skipped
    assert clash.field == "competency_id" and "'L1' is already a competency" in clash.message
    # its children are kept, as top-level competencies, and the report says so
    assert merged.set_index("competency_id").loc["L1.2", "parent_id"] == ""
    assert any(w.field == "parent_id" for w in report.warnings)


def test_subject_area_comes_from_the_structure_and_can_be_mapped():
    fw, _ = read_case_package(ORDERED)
    assert set(fw.competencies["domain"]) == {"Math"}  # the document's subject
    known = ["Mathematics", "English Language Arts", "Science"]
    fw, report = read_case_package(ORDERED, known_domains=known)
    assert set(fw.competencies["domain"]) == {"Mathematics"} and not report.warnings
    # the user's map wins, and can tell the two top-level strands apart
    fw, report = read_case_package(ORDERED, known_domains=known, domains={
        "L1": "Mathematics", "Place value and operations": "Numeracy"})
    by = dict(zip(fw.competencies["competency_id"], fw.competencies["domain"], strict=True))
    assert by["L1.10"] == "Mathematics" and by["L2.A"] == "Numeracy"
    # no match among the catalogue's areas: kept, with a note that says how to map it
    fw, report = read_case_package(ORDERED, known_domains=["Science", "Arts"])
    assert set(fw.competencies["domain"]) == {"Math"}
    [note] = report.warnings
    assert note.field == "domain" and "'Math', which is not one of the catalogue's" in note.message
