"""Open Badges / CLR evidence: every shared sample, signatures, levels, and fuzzed input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.dataset import Evidence, Learner
from workbench.formats.badges import (
    NO_ALIGNMENT,
    URL_ONLY,
    apply_evidence,
    evidence_levels,
    read_credentials,
)
from workbench.formats.report import ImportFailed

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "badges"
FILES = sorted(DATA.glob("*")) if DATA.is_dir() else []
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="shared badge samples not available")

COMPETENCIES = pd.DataFrame({
    "competency_id": ["SCI.ROB.1", "MATH.ALG.1", "SEL.TEAM.1"],
    "domain": ["Science", "Mathematics", "Social-emotional"],
    "name": ["Building a robot", "Solving linear equations", "Teamwork"],
    "description": ["", "", ""],
    "parent_id": ["", "", ""],
    "source_uri": ["https://case.example.org/CFItems/rob-1", "", ""],
})

# What each shared file must give: (records imported, skipped reasons that must appear).
EXPECTED = {
    "clr20_complex.json": (6, []),
    "clr20_simple.json": (1, ["not awarded by any credential in it"] * 2),
    "ob20_badgeclass1.json": (0, ["a badge definition, not an award to a learner"]),
    "ob20_basic-assertion.json": (0, [URL_ONLY]),
    "ob20_issuer1.json": (0, ["an issuer profile, not an achievement"]),
    "ob20_valid-alignment-object.json": (0, ["an alignment on its own, not an achievement"]),
    "ob30_endorsement-valid.json": (0, ["an endorsement, not an achievement"]),
    "ob30_simple.json": (1, []),
    "ob30_simple.jwt": (1, []),
}


@needs_data
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shared_file_is_read_or_precisely_reported(path):
    records, report = read_credentials(path)
    n, reasons = EXPECTED[path.name]
    assert len(records) == report.imported == n
    assert len(report.skipped) == len(reasons)
    for issue, reason in zip(report.skipped, reasons, strict=True):
        assert reason in issue.message
    for rec in records:
        assert rec.achievement_name and rec.source_file == path.name
        assert not rec.verified and rec.verification_note  # nothing here can be checked offline
    assert report.read >= report.imported + len(report.skipped)


@needs_data
def test_clr_transcript_keeps_issuer_results_and_structure():
    records, _ = read_credentials(DATA / "clr20_complex.json")
    by_name = {r.achievement_name: r for r in records}
    health = by_name["Health Careers 1"]
    assert health.results == ["Grade: A"]
    assert (health.issuer_name, health.issued_on) == ("Western High School, RSD", "2018-06-06")
    assert health.part_of == "Ellis Monday" and health.credential_format.endswith("in a CLR")
    program = by_name["Nurse Assistant 1 Program with Licensure"]
    assert "Oregon State Board of Nursing" in program.endorsed_by
    assert "isParentOf Health Careers 1" in program.related
    assert "Ed25519Signature2020" in program.verification_note


@needs_data
def test_vc_jwt_without_a_key_is_never_trusted():
    records, report = read_credentials(DATA / "ob30_simple.jwt")
    (rec,) = records
    assert rec.verified is False
    assert rec.verification_note == "signature not checked: no key embedded"
    assert rec.achievement_name == "Example University Degree"
    assert (rec.issuer_name, rec.issued_on) == ("Example University", "2010-01-01")
    assert rec.credential_id == "http://example.edu/credentials/3732"
    assert any("no achievement described" in w.message for w in report.warnings)


# --- signed VC-JWTs made here, so both a good and a tampered signature are tested -------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n: int, size: int | None = None) -> str:
    return _b64(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))


def _credential(alignment=None, result=None, issuer=None) -> dict:
    achievement = {"id": "urn:ach:1", "type": ["Achievement"], "name": "Library Robotics",
                   "description": "Built and programmed a robot."}
    if alignment is not None:
        achievement["alignment"] = alignment
    subject = {"type": ["AchievementSubject"], "achievement": achievement}
    if result is not None:
        subject["result"] = result
    return {
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "id": "urn:cred:1",
        "issuer": issuer or {"id": "https://library.example.org", "name": "Riverside Library"},
        "validFrom": "2026-03-02T10:00:00Z", "credentialSubject": subject,
    }


def _jwt_rs256(payload: dict, embed_key: bool = True) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = key.public_key().public_numbers()
    header = {"alg": "RS256", "typ": "JWT"}
    if embed_key:
        header["jwk"] = {"kty": "RSA", "n": _uint(pub.n), "e": _uint(pub.e)}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(sig)}"


def test_rs256_signature_with_embedded_key_is_checked():
    token = _jwt_rs256({"vc": _credential(), "iss": "https://library.example.org"})
    (rec,), _ = read_credentials(token.encode(), source_name="robot.jwt")
    assert rec.verified is True
    assert "matches the key embedded" in rec.verification_note
    head, body, sig = token.split(".")
    tampered = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    tampered["vc"]["credentialSubject"]["achievement"]["name"] = "Advanced Robotics"
    forged = f"{head}.{_b64(json.dumps(tampered).encode())}.{sig}"
    (rec,), report = read_credentials(forged.encode(), source_name="forged.jwt")
    assert rec.verified is False and "does not match" in rec.verification_note
    assert any("does not match" in w.message for w in report.warnings)


def test_es256_signature_with_key_in_the_issuer_profile_is_checked():
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": _uint(pub.x, 32), "y": _uint(pub.y, 32)}
    vc = _credential(issuer={"id": "https://cte.example.org", "name": "CTE Centre", "jwk": jwk})
    header = _b64(json.dumps({"alg": "ES256"}).encode())
    signing_input = f"{header}.{_b64(json.dumps({'vc': vc}).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    token = f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    (rec,), _ = read_credentials(token.encode())
    assert rec.verified is True and rec.issuer_name == "CTE Centre"
    bad = f"{signing_input}.{_b64(bytes(64))}"
    (rec,), _ = read_credentials(bad.encode())
    assert rec.verified is False


def test_jwt_key_given_only_by_reference_is_not_fetched():
    header = _b64(json.dumps({"alg": "RS256", "kid": "https://keys.example.org/1"}).encode())
    token = f"{header}.{_b64(json.dumps({'vc': _credential()}).encode())}.c2ln"
    (rec,), _ = read_credentials(token.encode())
    assert rec.verified is False and "never fetches" in rec.verification_note


# --- from records to levels -----------------------------------------------------------------

def _read(vc: dict):
    records, report = read_credentials(json.dumps(vc).encode(), source_name="badge.json",
                                       known_competencies=COMPETENCIES)
    return records, report


def test_aligned_achievement_gives_proficient_with_provenance():
    records, _ = _read(_credential(alignment=[
        {"type": ["Alignment"], "targetName": "Robotics", "targetCode": "SCI.ROB.1",
         "targetUrl": "https://other.example.org/x"}]))
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert (ev.competency_id, ev.level) == ("SCI.ROB.1", 3)
    assert ev.source == "badge.json: Library Robotics issued by Riverside Library"
    assert ev.issued_on == "2026-03-02" and ev.verified is False
    assert ev.note.startswith("Proficient (earned)")


@pytest.mark.parametrize(("alignment", "expected"), [
    ({"targetUrl": "https://case.example.org/CFItems/rob-1/"}, "SCI.ROB.1"),
    ({"targetUrl": "MATH.ALG.1"}, "MATH.ALG.1"),
    ({"targetName": "teamWORK"}, "SEL.TEAM.1"),
])
def test_alignment_matches_by_url_id_or_name(alignment, expected):
    records, _ = _read(_credential(alignment=[alignment]))
    assert [e.competency_id for e in evidence_levels(records, COMPETENCIES)] == [expected]


@pytest.mark.parametrize(("result", "level"), [
    ([{"type": ["Result"], "value": "A-"}], 3),
    ([{"type": ["Result"], "value": "D"}], 2),
    ([{"type": ["Result"], "value": "F"}], 0),
    ([{"type": ["Result"], "status": "Failed"}], 0),
    ([{"type": ["Result"], "achievedLevel": "Advanced"}], 4),
    ([{"type": ["Result"], "value": "Exemplary"}, {"type": ["Result"], "value": "C"}], 3),
    ([{"type": ["Result"], "value": "Pass"}], 3),
    ([{"type": ["Result"], "value": "87"}], 3),
])
def test_results_set_the_level(result, level):
    records, _ = _read(_credential(alignment=[{"targetCode": "MATH.ALG.1"}], result=result))
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert ev.level == level
    if level == 0:
        assert "level not raised" in ev.note


def test_unaligned_and_unknown_alignments_are_kept_as_evidence_only():
    records, report = _read(_credential())
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert (ev.competency_id, ev.level) == ("", 0) and ev.note.startswith(NO_ALIGNMENT)
    assert any(w.message == NO_ALIGNMENT for w in report.warnings)
    records, report = _read(_credential(alignment=[{"targetName": "Welding"}]))
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert ev.competency_id == "" and "not in the catalogue" in ev.note
    assert any("'Welding', which is not in the catalogue" in w.message for w in report.warnings)


def test_ob2_assertion_with_inline_badge_and_url_issuer():
    assertion = {
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "urn:a:1",
        "issuedOn": "2025-11-01T12:00:00Z", "verification": {"type": "hosted"},
        "badge": {"type": "BadgeClass", "name": "Building a robot", "description": "d",
                  "issuer": "https://club.example.org/issuer.json",
                  "alignment": [{"targetName": "Robots", "targetUrl": "https://x.example/1",
                                 "targetCode": "SCI.ROB.1", "targetFramework": "Ours"}]},
    }
    records, report = _read(assertion)
    (rec,) = records
    assert rec.issuer_id == "https://club.example.org/issuer.json" and rec.issuer_name == ""
    assert rec.alignments[0].target_framework == "Ours"
    assert "hosted badge" in rec.verification_note and rec.verified is False
    assert any(w.field == "badge.issuer" and URL_ONLY in w.message for w in report.warnings)
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert ev.source.endswith("issued by https://club.example.org/issuer.json")


def test_apply_evidence_raises_never_lowers_and_never_mutates():
    learner = Learner("l1", "Ana", 10, "north", levels={"MATH.ALG.1": 4, "SCI.ROB.1": 1})
    evidence = [
        Evidence("MATH.ALG.1", 3, "a.json: Algebra issued by X", "2026-01-01", True, ""),
        Evidence("SCI.ROB.1", 3, "b.json: Robots issued by Y", "2026-02-01", False, ""),
        Evidence("", 0, "c.json: Chess issued by Z", "", False, NO_ALIGNMENT),
        Evidence("SEL.TEAM.1", 0, "d.json: Team issued by Z", "", False, "F"),
    ]
    updated = apply_evidence(learner, evidence)
    assert learner.levels == {"MATH.ALG.1": 4, "SCI.ROB.1": 1} and learner.evidence == []
    assert updated.levels == {"MATH.ALG.1": 4, "SCI.ROB.1": 3}
    assert updated.evidence == evidence
    again = apply_evidence(updated, evidence)
    assert again.evidence == evidence and again.levels == updated.levels


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 4)), max_size=8),
       st.dictionaries(st.sampled_from(["A", "B", "C"]), st.integers(0, 4)))
def test_apply_evidence_never_lowers_a_level(pairs, start):
    learner = Learner("l", "L", 9, "z", levels=dict(start))
    updated = apply_evidence(learner, [Evidence(c, lv, "s") for c, lv in pairs])
    assert learner.levels == start
    for cid, lv in start.items():
        assert updated.levels[cid] >= lv
    for cid, lv in pairs:
        assert updated.levels.get(cid, 0) >= lv


# --- properties: nothing but ImportFailed (or a report) ever comes out ---------------------------

def _only_import_failed(content: bytes) -> None:
    try:
        records, report = read_credentials(content, source_name="fuzz",
                                           known_competencies=COMPETENCIES)
    except ImportFailed as exc:
        assert exc.report.skipped
        return
    assert len(records) == report.imported
    evidence_levels(records, COMPETENCIES)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_import_failed(content):
    _only_import_failed(content)


JWT_PART = st.text("ABCDEFabcdef0123456789-_", max_size=40)


@settings(max_examples=200, deadline=None)
@given(JWT_PART, JWT_PART, JWT_PART)
def test_random_jwt_shapes_never_crash(a, b, c):
    _only_import_failed(f"{a}.{b}.{c}".encode())


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "achievement", "credentialSubject", "issuer", "name", "badge",
                         "result", "alignment", "verifiableCredential", "proof", "vc", "id",
                         "validFrom", "value", "status", "association", "endorsement"]),
        inner | st.sampled_from(["Assertion", "ClrCredential", "OpenBadgeCredential",
                                 ["VerifiableCredential", "AchievementCredential"]]),
        max_size=6),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_random_credential_shapes_never_crash(value):
    _only_import_failed(json.dumps(value).encode())


@needs_data
@settings(max_examples=80, deadline=None)
@given(path=st.sampled_from(FILES), fraction=st.floats(0, 1))
def test_truncated_real_files_never_raise_anything_but_import_failed(path, fraction):
    content = path.read_bytes()
    _only_import_failed(content[: int(len(content) * fraction)])


def test_deeply_nested_records_are_reported_not_recursed_forever():
    clr = {"type": "ClrCredential", "credentialSubject": {"verifiableCredential": []}}
    inner = clr
    for _ in range(200):
        nested = {"type": "ClrCredential", "credentialSubject": {"verifiableCredential": []}}
        inner["credentialSubject"]["verifiableCredential"].append(nested)
        inner = nested
    records, report = read_credentials(json.dumps(clr).encode())
    assert records == []
    assert [i.message for i in report.skipped] == ["credentials nested more than 16 deep: not read"]


# --- the project's own fixtures: dates, results, alignments, unverified levels ---------------

from workbench.formats.badges import alignment_kind, raised_by_unverified  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

BADGES = FIXTURES / "badges"


def test_dates_are_checked_before_anything_is_kept():
    records, report = read_credentials(BADGES / "bad_dates.json", known_competencies=COMPETENCIES)
    assert [r.achievement_name for r in records] == ["A real date"]
    assert records[0].issued_on == "2026-01-05"
    assert [(i.field, i.message) for i in report.skipped] == [
        ("[0].validFrom", "Month thirteen: '2010-13-45' is not a real date: not imported"),
        ("[1].validFrom", "Words for a date: 'not a date' is not a date (YYYY-MM-DD): not "
                          "imported"),
        ("[2].issuedOn", "February thirtieth: '2024-02-30T10:00:00Z' is not a real date: not "
                         "imported"),
        ("[3].credentialSubject.awardedDate",
         'Awarded when: {"when": "soon"} is not a date (YYYY-MM-DD): not imported'),
    ]
    # whatever is saved is a real date
    for e in evidence_levels(records, COMPETENCIES):
        assert e.issued_on == "" or len(e.issued_on) == 10


def test_rubric_level_and_status_are_kept():
    records, _ = read_credentials(BADGES / "rubric_result.json", known_competencies=COMPETENCIES)
    (rec,) = records
    assert (rec.result, rec.status) == ("Mastered", "Completed")  # the level's id, resolved
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert (ev.competency_id, ev.level, ev.result, ev.status) == ("SCI.ROB.1", 4, "Mastered",
                                                                   "Completed")
    assert Evidence.from_dict(ev.to_dict()) == ev  # and they survive the store's JSON
    learner = apply_evidence(Learner("l", "L", 10, "z"), [ev])
    assert Learner.from_dict(learner.to_dict()).evidence[0].result == "Mastered"


def test_each_alignment_note_names_which_alignment_it_is():
    (rec,), _ = read_credentials(BADGES / "rubric_result.json")
    (ev,) = evidence_levels([rec], COMPETENCIES)
    assert "by its alignment to CASE item 'Robots'" in ev.note
    records, report = read_credentials(BADGES / "ctdl_alignment.json",
                                       known_competencies=COMPETENCIES)
    (ev,) = evidence_levels(records, COMPETENCIES)
    assert ev.competency_id == "SEL.TEAM.1" and "CTDL competency 'Teamwork'" in ev.note
    assert ev.level == 0 and ev.status == "InProgress" and "not earned yet" in ev.note
    assert any("CTDL credential 'Youth Leadership Certificate', which is not in the catalogue"
               in w.message for w in report.warnings)


@pytest.mark.parametrize(("alignment", "kind"), [
    ({"target_type": "CFItem"}, "CASE item"),
    ({"target_url": "https://x.org/ims/case/v1p0/CFItems/1"}, "CASE item"),
    ({"target_type": "CFRubricCriterionLevel"}, "CASE rubric"),
    ({"target_type": "ceasn:Competency"}, "CTDL competency"),
    ({"target_type": "ceterms:Certificate"}, "CTDL credential"),
    ({"target_url": "https://credentialengineregistry.org/resources/ce-1"}, "CTDL resource"),
    ({"target_framework": "Riverbend competencies"}, "Riverbend competencies item"),
    ({}, "alignment"),
])
def test_alignment_kind(alignment, kind):
    from workbench.formats.badges import Alignment

    assert alignment_kind(Alignment(**alignment)) == kind


def test_levels_raised_only_by_unverified_credentials_stay_marked():
    learner = Learner("l1", "Ana", 10, "north", levels={"MATH.ALG.1": 1})
    signed = Evidence("MATH.ALG.1", 3, "a.json: Algebra issued by X", "2026-01-01", True, "")
    unsigned = Evidence("SCI.ROB.1", 3, "b.json: Robots issued by Y", "2026-02-01", False, "")
    updated = apply_evidence(learner, [signed, unsigned])
    assert updated.levels == {"MATH.ALG.1": 3, "SCI.ROB.1": 3}
    assert raised_by_unverified(updated) == {"SCI.ROB.1": unsigned}
    assert [e.verified for e in Learner.from_dict(updated.to_dict()).evidence] == [True, False]
    # a verified credential for the same level settles it
    again = apply_evidence(updated, [Evidence("SCI.ROB.1", 3, "c.jwt: Robots", "", True, "")])
    assert raised_by_unverified(again) == {}
