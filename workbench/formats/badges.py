"""Read achievements from Open Badges 2.0 and 3.0 and Comprehensive Learner Records (CLR 2.0).

A learner may bring proof of what they have already learned: a badge from a library robotics
club, an AchievementCredential from a CTE centre, a whole CLR transcript. This module reads those
files into :class:`EvidenceRecord` objects, maps the ones aligned to our competencies onto
levels (:func:`evidence_levels`) and raises a learner's levels from them
(:func:`apply_evidence`), always keeping where each level came from.

Nothing is fetched from the internet. A badge or issuer given only as a URL is reported as
"could not read: referenced by URL only". Signatures are checked only when the key is embedded
in the file (VC-JWT with a ``jwk``); everything else is marked unverified with the reason, never
silently trusted.

How an earned achievement becomes a level (``evidence_levels``):

- An achievement aligned to a competency counts as **Proficient (3)**: earning a credential
  means its criteria were met.
- Results can change that: a rubric level or result named like one of our levels (or
  "Exemplary", "Distinguished", "Mastery" -> Advanced; "Approaching" -> Developing;
  "Beginning", "Novice" -> Emerging) gives that level; a passing letter grade (A-C) or
  "pass"/"complete"/"met" keeps Proficient; a D gives Developing; an F, "fail", "not met" or a
  status of Failed gives 0 and the level is not raised. With several results the lowest
  informative one is used, so a failed part is never hidden by a good grade elsewhere.
- Achievements with no alignment, or aligned to something not in the catalogue, are returned as
  evidence with ``competency_id=""`` and level 0: kept as evidence only, never raising a level.
- A status saying the achievement is not earned yet (``InProgress``, ``Enrolled``, ``OnHold``,
  ``Withdrew``) gives 0 too.

What is kept with each piece of evidence: the result's rubric level (OB 3.0 ``achievedLevel``
ids are resolved to the level's name, e.g. "Mastered") or value, its status ("Completed"), and
a note naming the alignment that matched (:func:`alignment_kind`: a CASE item, a CTDL
competency or credential, ...). Dates are checked before anything is kept: a credential whose
``validFrom``/``issuanceDate``/``awardedDate``/``issuedOn`` is there but is not a real date is
skipped, with the field. :func:`raised_by_unverified` says which of a learner's levels only
unverified credentials account for, so they can be shown as unverified.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import json
import re
from dataclasses import dataclass, field

import pandas as pd

from workbench.domain.dataset import LEVELS, Evidence, Learner
from workbench.domain.evidence import NOT_EARNED
from workbench.formats.report import ImportFailed, ImportReport, read_source_bytes
from workbench.i18n import M_, Message

NO_ALIGNMENT = "no competency alignment: kept as evidence only"
URL_ONLY = "could not read: referenced by URL only"
# the same sentences, put into the reader's words when a report is shown
_NO_ALIGNMENT = M_("no competency alignment: kept as evidence only")
# A CLR holds credentials, which may hold a CLR...; real records nest two or three deep.
MAX_NESTING = 16
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass
class Alignment:
    """What an achievement says it is aligned to (an OB AlignmentObject / Alignment)."""

    target_name: str = ""
    target_url: str = ""
    target_code: str = ""
    target_framework: str = ""
    target_type: str = ""


@dataclass
class EvidenceRecord:
    """One earned achievement read from a badge or learner record, with its provenance."""

    achievement_name: str
    description: str = ""
    achievement_id: str = ""
    achievement_type: str = ""
    results: list[str] = field(default_factory=list)
    issued_on: str = ""
    issuer_name: str = ""
    issuer_id: str = ""
    alignments: list[Alignment] = field(default_factory=list)
    credential_id: str = ""
    credential_format: str = ""
    verified: bool = False
    verification_note: str = ""
    source_file: str = ""
    part_of: str = ""
    endorsed_by: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    #: the result's rubric level name or value ("Mastered", "A") and its status ("Completed")
    result: str = ""
    status: str = ""
    # Raw result objects (rubric level ids resolved to names), used by evidence_levels.
    raw_results: list[dict] = field(default_factory=list, repr=False)

    @property
    def source(self) -> str:
        """Family-readable provenance: "<file>: <achievement> issued by <issuer>"."""
        issuer = self.issuer_name or self.issuer_id or "an unknown issuer"
        return f"{self.source_file}: {self.achievement_name} issued by {issuer}"


@dataclass
class _Trust:
    """How far a credential's signature was checked, inherited by credentials nested in it."""

    verified: bool
    note: str  # kept with the evidence, in English (it is saved with the learner)
    said: Message | None = None  # the same note, in the reader's words when a report is shown

    @classmethod
    def of(cls, verified: bool, said: Message) -> _Trust:
        return cls(verified, str(said), said)


# --------------------------------------------------------------------------------------------
# Reading


def read_credentials(
    path_or_bytes, source_name: str | None = None,
    known_competencies: pd.DataFrame | None = None,
) -> tuple[list[EvidenceRecord], ImportReport]:
    """Read every earned achievement in an Open Badges 2.0/3.0 or CLR 2.0 file.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        A JSON(-LD) file (one credential or a list), or a compact VC-JWT.
    source_name : str, optional
        Name used in the report and in each record's provenance.
    known_competencies : DataFrame, optional
        Our competencies; when given, alignments that match none of them are reported.

    Returns
    -------
    tuple of (list of EvidenceRecord, ImportReport)
        ``report.read`` counts credentials and achievements found, ``report.imported`` the
        records returned. Endorsements, badge definitions and URL-only badges are in
        ``report.skipped``; unverified signatures and unaligned achievements in
        ``report.warnings``.

    Raises
    ------
    ImportFailed
        When the file is too large, not UTF-8, or neither JSON nor a JWT.
    """
    data, name = read_source_bytes(path_or_bytes, source_name)
    report = ImportReport(name)
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        report.skip("", M_("not UTF-8 text (byte {byte})", byte=str(exc.start)))
        raise ImportFailed(report) from None
    reader = _Reader(report, name)
    if _JWT.match(text):
        reader.read_jwt(text, "")
    else:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            report.skip("", M_("neither JSON nor a VC-JWT: {reason} at line {line}",
                               reason=exc.msg, line=str(exc.lineno)))
            raise ImportFailed(report) from None
        except RecursionError:
            report.skip("", M_("not JSON we can read: nested too deeply"))
            raise ImportFailed(report) from None
        if isinstance(value, list):
            for i, v in enumerate(value):
                reader.read_any(v, f"[{i}]", None, "")
        else:
            reader.read_any(value, "", None, "")
    records = reader.records
    report.imported = len(records)
    index = _CompetencyIndex(known_competencies) if known_competencies is not None else None
    for i, rec in enumerate(records):
        if not rec.alignments:
            report.warn(f"record {i + 1} ({rec.achievement_name})", _NO_ALIGNMENT)
        elif index is not None:
            for a in rec.alignments:
                if index.match(a) is None:
                    report.warn(f"record {i + 1} ({rec.achievement_name})",
                                M_("aligned to {alignment}, which is not in the catalogue: "
                                   "kept as evidence only", alignment=_describe(a)))
    return records, report


def _types(obj: dict) -> set[str]:
    t = obj.get("type", obj.get("@type"))
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    return set()


def _s(value) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


class _BadDate(ValueError):
    """A date field that is there but is not a real date (``said``: why, as a sentence)."""

    def __init__(self, said: Message):
        super().__init__(str(said))
        self.said = said


def _date(value) -> str:
    """ISO date (YYYY-MM-DD) from an ISO date or date-time, or a JWT numeric time.

    ``""`` when there is no value; :class:`_BadDate` when there is one that is not a real date
    (``"2010-13-45"``, ``"not a date"``, an object), so it is never saved as one.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise _BadDate(M_("{value} is not a time", value=repr(value))) from None
    text = value.strip() if isinstance(value, str) else None
    if not text or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise _BadDate(M_("{value} is not a date (YYYY-MM-DD)", value=_shown(value)))
    try:
        day = dt.date.fromisoformat(text[:10])
        if len(text) > 10:
            dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _BadDate(M_("{value} is not a real date", value=_shown(value))) from None
    return day.isoformat()


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_date(obj: dict, keys: tuple[str, ...], where: str) -> tuple[str, tuple | None]:
    """The first of ``keys`` present in ``obj``, checked.

    Returns (ISO date or "", None), or ("", (field path, problem)) when it is not a date.
    """
    for key in keys:
        if obj.get(key) not in (None, ""):
            try:
                return _date(obj[key]), None
            except _BadDate as exc:
                return "", (_join(where, key), exc.said)
    return "", None


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Reader:
    """Walks one file's credentials, collecting records and reporting everything else."""

    def __init__(self, report: ImportReport, source: str):
        self.report = report
        self.source = source
        self.records: list[EvidenceRecord] = []
        self.depth = 0

    # -- dispatch --------------------------------------------------------------------------
    def read_any(self, obj, where: str, trust: _Trust | None, part_of: str) -> None:
        here = where or "(top level)"
        if self.depth >= MAX_NESTING:
            self.report.read += 1
            self.report.skip(here, M_("credentials nested more than {n} deep: not read",
                                      n=MAX_NESTING))
            return
        self.depth += 1
        try:
            self._dispatch(obj, where, here, trust, part_of)
        finally:
            self.depth -= 1

    def _dispatch(self, obj, where: str, here: str, trust: _Trust | None, part_of: str) -> None:
        if isinstance(obj, str):
            if _JWT.match(obj.strip()):
                self.read_jwt(obj.strip(), where, part_of)
                return
            self.report.read += 1
            self.report.skip(here, M_("text that is not a credential: not imported"))
            return
        self.report.read += 1
        if not isinstance(obj, dict):
            self.report.skip(here, M_("not a credential object: not imported"))
            return
        types = _types(obj)
        if "vc" in obj and isinstance(obj["vc"], dict) and not types:
            self.report.read -= 1  # a JWT payload pasted as JSON: the credential is inside
            self.read_any(obj["vc"], _join(where, "vc"), trust, part_of)
            return
        if "EndorsementCredential" in types or "Endorsement" in types:
            self.report.skip(here, M_("an endorsement, not an achievement: not imported"))
        elif "ClrCredential" in types:
            self.read_clr(obj, where, trust)
        elif types & {"OpenBadgeCredential", "AchievementCredential"} or (
            "VerifiableCredential" in types and self._has_achievement(obj)
        ):
            self.read_vc(obj, where, trust, part_of)
        elif "VerifiableCredential" in types:
            other = ", ".join(sorted(types - {"VerifiableCredential"})) or "unnamed"
            self.report.skip(here, M_("a verifiable credential of type {kind}, not an "
                                      "achievement: not imported", kind=other))
        elif "Assertion" in types:
            self.read_ob2_assertion(obj, where)
        elif "BadgeClass" in types or "Achievement" in types:
            self.report.skip(here, M_("a badge definition, not an award to a learner: not "
                                      "imported"))
        elif types & {"Issuer", "Profile"}:
            self.report.skip(here, M_("an issuer profile, not an achievement: not imported"))
        elif "AlignmentObject" in types or "Alignment" in types:
            self.report.skip(here, M_("an alignment on its own, not an achievement: not "
                                      "imported"))
        else:
            kind = ", ".join(sorted(types)) or "no type"
            self.report.skip(here, M_("not an Open Badge or CLR credential ({kind}): not "
                                      "imported", kind=kind))

    @staticmethod
    def _has_achievement(obj: dict) -> bool:
        return any(isinstance(s, dict) and "achievement" in s
                   for s in _list(obj.get("credentialSubject")))

    # -- signatures -------------------------------------------------------------------------
    def trust_of(self, obj: dict, where: str, inherited: _Trust | None) -> _Trust:
        if inherited is not None and inherited.verified:
            return inherited  # already covered by a checked signature around it (a VC-JWT)
        proofs = [p for p in _list(obj.get("proof")) if isinstance(p, dict)]
        if proofs:
            p = proofs[0]
            kind = _s(p.get("type")) or "a proof"
            suite = _s(p.get("cryptosuite"))
            label = f"{kind} ({suite})" if suite else kind
            return _Trust.of(False, M_("signature not checked: {proof} needs the issuer's key "
                                       "from the internet, which the workbench never fetches",
                                       proof=label))
        if inherited is not None:
            return inherited
        return _Trust.of(False, M_("not signed: nothing to check it against"))

    def read_jwt(self, token: str, where: str, part_of: str = "") -> None:
        here = where or "(top level)"
        head_b64, body_b64, sig_b64 = token.split(".")
        try:
            header = json.loads(_b64url(head_b64))
            payload = json.loads(_b64url(body_b64))
            signature = _b64url(sig_b64)
        except (ValueError, binascii.Error, RecursionError):
            self.report.read += 1
            self.report.skip(here, M_("looks like a VC-JWT but its parts are not base64url "
                                      "JSON: not imported"))
            return
        if not isinstance(header, dict) or not isinstance(payload, dict):
            self.report.read += 1
            self.report.skip(here, M_("a JWT whose header or payload is not an object: not "
                                      "imported"))
            return
        credential = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
        trust = _check_jwt(header, payload, credential, f"{head_b64}.{body_b64}", signature)
        if not trust.verified and trust.note.startswith("signature does not match"):
            self.report.warn(here, trust.said or trust.note)
        credential = dict(credential)
        # VC-JWT carries some claims only in the registered JWT fields.
        credential.setdefault("id", payload.get("jti"))
        if "issuer" not in credential and payload.get("iss"):
            credential["issuer"] = payload["iss"]
        if not any(k in credential for k in ("validFrom", "issuanceDate", "issuedOn")):
            credential["validFrom"] = payload.get("nbf") or payload.get("iat")
        self.read_any(credential, where, trust, part_of)

    # -- Open Badges 3.0 / VC -----------------------------------------------------------------
    def read_vc(self, vc: dict, where: str, trust: _Trust | None, part_of: str) -> None:
        trust = self.trust_of(vc, where, trust)
        issuer_name, issuer_id = _issuer(vc.get("issuer"))
        issued, bad_issued = _first_date(vc, ("validFrom", "issuanceDate", "awardedDate"), where)
        subjects = _list(vc.get("credentialSubject"))
        fmt = "Open Badges 3.0" if "OpenBadgeCredential" in _types(vc) else "Achievement credential"
        if not subjects:
            self.report.skip(_join(where, "credentialSubject"),
                             M_("no credential subject, so nothing was awarded: not imported"))
            return
        for j, subject in enumerate(subjects):
            spath = _join(where, "credentialSubject" + (f"[{j}]" if len(subjects) > 1 else ""))
            if not isinstance(subject, dict):
                self.report.skip(spath, M_("not an object: not imported"))
                continue
            achievement = subject.get("achievement")
            if isinstance(achievement, str):
                self.report.skip(_join(spath, "achievement"),
                                 M_("could not read: referenced by URL only ({url})",
                                    url=achievement))
                continue
            if not isinstance(achievement, dict):
                name = _s(vc.get("name"))
                if not name:
                    self.report.skip(_join(spath, "achievement"),
                                     M_("no achievement and no credential name: not imported"))
                    continue
                self.report.warn(_join(spath, "achievement"),
                                 M_("no achievement described: the credential's name ({name}) "
                                    "is used", name=name))
                achievement = {"name": name, "description": _s(vc.get("description"))}
            name = _s(achievement.get("name")) or _s(vc.get("name"))
            if not name:
                self.report.skip(_join(spath, "achievement.name"),
                                 M_("an achievement with no name: not imported"))
                continue
            awarded, bad = _first_date(subject, ("awardedDate",), spath)
            bad = bad or (bad_issued if not awarded else None)
            if bad:  # checked before anything is kept: an impossible date is never saved
                self.report.skip(bad[0], M_("{name}: {problem}: not imported", name=name,
                                            problem=bad[1]))
                continue
            descriptions = [d for d in _list(achievement.get("resultDescription"))
                            if isinstance(d, dict)]
            result_names = {_s(d.get("id")): _s(d.get("name")) for d in descriptions}
            rubric = {_s(lv.get("id")): _s(lv.get("name")) for d in descriptions
                      for lv in _list(d.get("rubricCriterionLevel"))
                      if isinstance(lv, dict) and _s(lv.get("id"))}
            raw_results = [_resolved(r, rubric) for r in _list(subject.get("result"))
                           if isinstance(r, dict)]
            result, status = _result_and_status(raw_results)
            self.records.append(EvidenceRecord(
                achievement_name=name,
                description=_s(achievement.get("description")),
                achievement_id=_s(achievement.get("id")),
                achievement_type=_s(achievement.get("achievementType")),
                results=[_result_text(r, result_names) for r in raw_results],
                issued_on=awarded or issued,
                issuer_name=issuer_name,
                issuer_id=issuer_id,
                alignments=_alignments(achievement.get("alignment")),
                credential_id=_s(vc.get("id")),
                credential_format=fmt if not part_of else f"{fmt} in a CLR",
                verified=trust.verified,
                verification_note=trust.note,
                source_file=self.source,
                part_of=part_of,
                endorsed_by=_endorsers(achievement.get("endorsement")),
                result=result,
                status=status,
                raw_results=raw_results,
            ))
            if not trust.verified:
                self.report.warn(spath if where else "credentialSubject",
                                 M_("{name}: unverified ({note})", name=name,
                                    note=trust.said or trust.note))

    # -- CLR 2.0 -------------------------------------------------------------------------------
    def read_clr(self, clr: dict, where: str, trust: _Trust | None) -> None:
        trust = self.trust_of(clr, where, trust)
        # Credentials inside a CLR are covered by its signature only when that was checked.
        inner = trust if trust.verified else None
        title = _s(clr.get("name")) or "a learner record"
        subject = clr.get("credentialSubject")
        if not isinstance(subject, dict):
            self.report.skip(_join(where, "credentialSubject"),
                             M_("a CLR with no readable subject: nothing imported"))
            return
        first = len(self.records)
        base = _join(where, "credentialSubject")
        for i, vc in enumerate(_list(subject.get("verifiableCredential"))):
            self.read_any(vc, f"{base}.verifiableCredential[{i}]", inner, title)
        awarded = {r.achievement_id for r in self.records[first:] if r.achievement_id}
        for i, ach in enumerate(_list(subject.get("achievement"))):
            self.report.read += 1
            ach_id = _s(ach.get("id")) if isinstance(ach, dict) else _s(ach)
            if ach_id and ach_id in awarded:
                self.report.read -= 1  # the definition of an award already read
                continue
            label = _s(ach.get("name")) if isinstance(ach, dict) else ach_id
            self.report.skip(f"{base}.achievement[{i}]", M_(
                "{name} is listed in the record but not awarded by any credential in it: not "
                "imported", name=label) if label else M_(
                "an achievement is listed in the record but not awarded by any credential in "
                "it: not imported"))
        names = {}
        for r in self.records[first:]:
            names.setdefault(r.achievement_id, r.achievement_name)
        for a in _list(subject.get("association")):
            if not isinstance(a, dict):
                continue
            src, dst, kind = _s(a.get("sourceId")), _s(a.get("targetId")), _s(
                a.get("associationType"))
            for r in self.records[first:]:
                if r.achievement_id == src and kind:
                    r.related.append(f"{kind} {names.get(dst, dst)}")

    # -- Open Badges 2.0 -----------------------------------------------------------------------
    def read_ob2_assertion(self, assertion: dict, where: str) -> None:
        here = where or "(top level)"
        badge = assertion.get("badge")
        if isinstance(badge, str):
            self.report.skip(_join(where, "badge"),
                             M_("could not read: referenced by URL only ({url})", url=badge))
            return
        if not isinstance(badge, dict) or not _s(badge.get("name")):
            self.report.skip(_join(where, "badge"), M_("no badge name: not imported"))
            return
        issuer = badge.get("issuer")
        if isinstance(issuer, str):
            self.report.warn(_join(where, "badge.issuer"),
                             M_("issuer could not read: referenced by URL only ({url})",
                                url=issuer))
        issuer_name, issuer_id = _issuer(issuer)
        verification = assertion.get("verification")
        vtype = _s(verification.get("type")) if isinstance(verification, dict) else ""
        if vtype.lower() in ("hosted", "hostedbadge"):
            said = M_("hosted badge: can only be checked online at {url}",
                      url=_s(assertion.get("id")))
        elif vtype.lower() in ("signed", "signedbadge"):
            said = M_("signed badge: the signature was not checked (the key is only online)")
        else:
            said = M_("not signed: nothing to check it against")
        note = str(said)
        issued, bad = _first_date(assertion, ("issuedOn",), where)
        if bad:
            self.report.skip(bad[0], M_("{name}: {problem}: not imported",
                                        name=_s(badge.get("name")), problem=bad[1]))
            return
        raw_results = []
        self.records.append(EvidenceRecord(
            achievement_name=_s(badge.get("name")),
            description=_s(badge.get("description")),
            achievement_id=_s(badge.get("id")),
            achievement_type="Badge",
            issued_on=issued,
            issuer_name=issuer_name,
            issuer_id=issuer_id,
            alignments=_alignments(badge.get("alignment")),
            credential_id=_s(assertion.get("id")),
            credential_format="Open Badges 2.0",
            verified=False,
            verification_note=note,
            source_file=self.source,
            endorsed_by=_endorsers(badge.get("endorsement")),
            raw_results=raw_results,
        ))
        self.report.warn(here, M_("{name}: unverified ({note})", name=_s(badge.get("name")),
                                  note=said))


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _issuer(issuer) -> tuple[str, str]:
    if isinstance(issuer, dict):
        return _s(issuer.get("name")), _s(issuer.get("id"))
    return "", _s(issuer)


def _alignments(value) -> list[Alignment]:
    out = []
    for a in _list(value):
        if not isinstance(a, dict):
            continue
        al = Alignment(
            target_name=_s(a.get("targetName")),
            target_url=_s(a.get("targetUrl")),
            target_code=_s(a.get("targetCode")),
            target_framework=_s(a.get("targetFramework")),
            target_type=_s(a.get("targetType")),
        )
        if al.target_name or al.target_url or al.target_code:
            out.append(al)
    return out


def _endorsers(value) -> list[str]:
    names = []
    for e in _list(value):
        if isinstance(e, dict):
            name, ident = _issuer(e.get("issuer"))
            if name or ident:
                names.append(name or ident)
    return names


def _result_text(result: dict, names: dict[str, str]) -> str:
    label = names.get(_s(result.get("resultDescription")), "")
    value = _s(result.get("value")) or _s(result.get("status")) or _s(result.get("achievedLevel"))
    return f"{label}: {value}" if label and value else value or label


def _resolved(result: dict, rubric: dict[str, str]) -> dict:
    """A result whose ``achievedLevel`` (an id in OB 3.0) is the rubric level's name."""
    level = result.get("achievedLevel")
    if isinstance(level, str) and level in rubric:
        return {**result, "achievedLevel": rubric[level]}
    return result


def _result_and_status(raw_results: list[dict]) -> tuple[str, str]:
    """The first result's rubric level name (else its value) and the first status given."""
    result = status = ""
    for r in raw_results:
        level = r.get("achievedLevel")
        level = _s(level.get("name")) if isinstance(level, dict) else _s(level)
        if level and not level.startswith(("urn:", "http:", "https:")):
            result = result or level
        result = result or _s(r.get("value"))
        status = status or _s(r.get("status"))
    return result, status


def alignment_kind(a: Alignment) -> str:
    """What an alignment points at, in words: "CASE item", "CTDL competency", ...

    From ``targetType`` (OB 3.0: ``CFItem``, ``ceasn:Competency``, ``ceterms:Credential``, ...)
    or, when that says nothing, the target's URL (``/CFItems/``, the Credential Registry).
    """
    kind, url = a.target_type.casefold(), a.target_url.casefold()
    if kind.startswith("cf") or kind == "case" or "/cfitems/" in url or "/ims/case/" in url:
        return "CASE rubric" if "rubric" in kind else "CASE item"
    if kind.startswith(("ceasn:", "ceterms:", "ctdl")) or "credentialengineregistry" in url \
            or "credreg.net" in url:
        if "competency" in kind:
            return "CTDL competency"
        if "credential" in kind or any(w in kind for w in ("certificate", "degree", "badge")):
            return "CTDL credential"
        return "CTDL competency" if "competenc" in url else "CTDL resource"
    if a.target_framework:
        return f"{a.target_framework} item"
    return "alignment"


def _describe(a: Alignment) -> str:
    name = a.target_name or a.target_code or a.target_url
    code = f" ({a.target_code})" if a.target_code and a.target_code != name else ""
    return f"{alignment_kind(a)} {name!r}{code}"


# --------------------------------------------------------------------------------------------
# Signatures on VC-JWTs


def _check_jwt(header: dict, payload: dict, credential: dict, signing_input: str,
               signature: bytes) -> _Trust:
    alg = _s(header.get("alg"))
    if not alg or alg.lower() == "none":
        return _Trust.of(False, M_("not signed (alg none): nothing to check it against"))
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        issuer = credential.get("issuer")
        candidates = [payload.get("jwk"), credential.get("jwk")]
        if isinstance(issuer, dict):
            candidates += [issuer.get("jwk"), issuer.get("publicKeyJwk")]
        jwk = next((c for c in candidates if isinstance(c, dict)), None)
    if jwk is None:
        kid = _s(header.get("kid"))
        if kid:
            return _Trust.of(False, M_("signature not checked: the key is only referenced "
                                       "({key}) and the workbench never fetches it", key=kid))
        return _Trust.of(False, M_("signature not checked: no key embedded"))
    try:
        ok = _verify(alg, jwk, signing_input.encode("ascii"), signature)
    except _Unsupported as exc:
        return _Trust.of(False, M_("signature not checked: {reason}", reason=exc))
    if ok:
        return _Trust.of(True, M_("signature matches the key embedded in the credential "
                                  "(whether that key belongs to the issuer was not checked)"))
    return _Trust.of(False, M_("signature does not match the embedded key: the credential may "
                               "have been changed"))


class _Unsupported(Exception):
    pass


def _int(b64: object) -> int:
    if not isinstance(b64, str):
        raise _Unsupported("the embedded key is incomplete")
    try:
        return int.from_bytes(_b64url(b64), "big")
    except (ValueError, binascii.Error):
        raise _Unsupported("the embedded key could not be read") from None


def _verify(alg: str, jwk: dict, data: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    kty = jwk.get("kty")
    try:
        if alg == "RS256" and kty == "RSA":
            key = rsa.RSAPublicNumbers(_int(jwk.get("e")), _int(jwk.get("n"))).public_key()
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256" and kty == "EC" and jwk.get("crv") == "P-256":
            key = ec.EllipticCurvePublicNumbers(
                _int(jwk.get("x")), _int(jwk.get("y")), ec.SECP256R1()
            ).public_key()
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                       int.from_bytes(signature[32:], "big"))
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        elif alg in ("EdDSA", "Ed25519") and kty == "OKP" and jwk.get("crv") == "Ed25519":
            x = jwk.get("x")
            if not isinstance(x, str):
                raise _Unsupported("the embedded key is incomplete")
            ed25519.Ed25519PublicKey.from_public_bytes(_b64url(x)).verify(signature, data)
        else:
            raise _Unsupported(f"algorithm {alg} with a {kty or 'typeless'} key is not supported")
    except InvalidSignature:
        return False
    except (ValueError, TypeError, binascii.Error) as exc:
        raise _Unsupported("the embedded key could not be read") from exc
    return True


# --------------------------------------------------------------------------------------------
# From records to levels


class _CompetencyIndex:
    """Find our competency for an alignment: by code, URL, or exact name (case-insensitive)."""

    def __init__(self, competencies: pd.DataFrame):
        self.by_id: dict[str, str] = {}
        self.by_uri: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.by_code: dict[str, str] = {}
        for row in competencies.to_dict("records"):
            cid = str(row.get("competency_id", "") or "").strip()
            if not cid:
                continue
            self.by_id.setdefault(cid, cid)
            uri = str(row.get("source_uri", "") or "").strip()
            if uri and uri.lower() != "nan":
                self.by_uri.setdefault(uri.rstrip("/"), cid)
            name = str(row.get("name", "") or "").strip().lower()
            if name:
                self.by_name.setdefault(name, cid)
            code = row.get("human_coding_scheme")
            if isinstance(code, str) and code.strip():
                self.by_code.setdefault(code.strip(), cid)

    def match(self, a: Alignment) -> str | None:
        for key, table in (
            (a.target_code, self.by_id), (a.target_code, self.by_code),
            (a.target_url.rstrip("/"), self.by_uri), (a.target_url, self.by_id),
            (a.target_name.lower(), self.by_name),
        ):
            if key and key in table:
                return table[key]
        return None


_LEVEL_WORDS = {w.lower(): i for i, w in enumerate(LEVELS)} | {
    "exemplary": 4, "distinguished": 4, "mastery": 4, "expert": 4, "exceeds": 4,
    "meets": 3, "approaching": 2, "partially proficient": 2, "beginning": 1, "novice": 1,
    "mastered": 4, "exceeds expectations": 4, "meets expectations": 3,
}
_PASS = {"pass", "passed", "complete", "completed", "met", "satisfactory", "achieved", "yes"}
# OB 3.0 ResultStatusType values that mean the achievement was not (yet) earned (the domain's
# rule: the projection reads such evidence as saying nothing about the level)
_NOT_EARNED = NOT_EARNED
_FAIL = {"fail", "failed", "not met", "incomplete", "unsatisfactory", "no"}


def _result_level(raw_results: list[dict]) -> tuple[int, str]:
    """The level an earned achievement shows, and why (see the module docstring)."""
    levels: list[tuple[int, str]] = []
    for r in raw_results:
        status = _s(r.get("status")).lower()
        value = _s(r.get("value")).lower()
        achieved = r.get("achievedLevel")
        achieved = _s(achieved.get("name")) if isinstance(achieved, dict) else _s(achieved)
        if status == "failed":
            levels.append((0, "result: failed"))
        elif status in _NOT_EARNED:
            levels.append((0, f"status: {_s(r.get('status'))}, not earned yet"))
        elif achieved.lower() in _LEVEL_WORDS:
            levels.append((_LEVEL_WORDS[achieved.lower()], f"result: {achieved}"))
        elif value in _LEVEL_WORDS:
            levels.append((_LEVEL_WORDS[value], f"result: {value}"))
        elif re.fullmatch(r"[abc][+-]?", value):
            levels.append((3, f"grade {value.upper()}"))
        elif re.fullmatch(r"d[+-]?", value):
            levels.append((2, f"grade {value.upper()}"))
        elif re.fullmatch(r"[efu]", value):
            levels.append((0, f"grade {value.upper()}"))
        elif value in _PASS:
            levels.append((3, f"result: {value}"))
        elif value in _FAIL:
            levels.append((0, f"result: {value}"))
    if not levels:
        return 3, "earned"
    return min(levels)


def evidence_levels(records: list[EvidenceRecord],
                    known_competencies: pd.DataFrame) -> list[Evidence]:
    """Turn earned achievements into :class:`Evidence` for our competencies.

    Parameters
    ----------
    records : list of EvidenceRecord
        From :func:`read_credentials`.
    known_competencies : DataFrame
        Our competencies (``competency_id``, ``name``, optional ``source_uri``,
        ``human_coding_scheme``).

    Returns
    -------
    list of Evidence
        One per (record, matched competency). Records with no matching alignment give one
        Evidence with ``competency_id=""`` and level 0 (kept as evidence only). ``source`` is
        "<file>: <achievement> issued by <issuer>"; ``note`` says why the level and whether the
        signature was checked.
    """
    index = _CompetencyIndex(known_competencies)
    out: list[Evidence] = []
    for rec in records:
        level, why = _result_level(rec.raw_results)
        matched: dict[str, Alignment] = {}
        for a in rec.alignments:
            cid = index.match(a)
            if cid is not None and cid not in matched:
                matched[cid] = a
        if not matched:
            if rec.alignments:
                names = ", ".join(_describe(a) for a in rec.alignments)
                reason = f"aligned to {names}, not in the catalogue: kept as evidence only"
            else:
                reason = NO_ALIGNMENT
            out.append(Evidence("", 0, rec.source, rec.issued_on, rec.verified,
                                f"{reason}; {rec.verification_note}", rec.result, rec.status))
            continue
        if level == 0:
            why += ": level not raised"
        word = LEVELS[level]
        for cid, a in matched.items():
            out.append(Evidence(cid, level, rec.source, rec.issued_on, rec.verified,
                                f"{word} ({why}), by its alignment to {_describe(a)}; "
                                f"{rec.verification_note}", rec.result, rec.status))
    return out


def raised_by_unverified(learner: Learner) -> dict[str, Evidence]:
    """The learner's levels that only unverified credentials account for.

    A level counts as raised by unverified evidence when some evidence for that competency
    gives exactly the learner's level and none of that evidence is verified; whoever shows the
    level shows it as unverified.

    Returns
    -------
    dict of str to Evidence
        competency id -> the (first) unverified evidence at the learner's level.
    """
    out: dict[str, Evidence] = {}
    for cid, level in learner.levels.items():
        at_level = [e for e in learner.evidence if e.competency_id == cid and e.level == level]
        if at_level and not any(e.verified for e in at_level):
            out[cid] = at_level[0]
    return out


def apply_evidence(learner: Learner, evidence_list: list[Evidence]) -> Learner:
    """A new learner whose levels are raised (never lowered) by the evidence, which is kept.

    Parameters
    ----------
    learner : Learner
        Left unchanged.
    evidence_list : list of Evidence
        From :func:`evidence_levels`. Evidence already on the learner is not added twice.

    Returns
    -------
    Learner
        A deep copy with raised ``levels`` and the new records appended to ``evidence``.
    """
    updated = copy.deepcopy(learner)
    for ev in evidence_list:
        if ev.competency_id and ev.level > updated.levels.get(ev.competency_id, 0):
            updated.levels[ev.competency_id] = int(ev.level)
        if ev not in updated.evidence:
            updated.evidence.append(copy.deepcopy(ev))
    return updated
