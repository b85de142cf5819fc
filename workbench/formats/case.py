"""Read and write competency frameworks in 1EdTech CASE (Competencies and Academic Standards Exchange).

A CASE package is JSON with one ``CFDocument`` (the framework), a flat list of ``CFItems`` (the
standards) and ``CFAssociations`` between them. The hierarchy is carried only by ``isChildOf``
associations; ``precedes`` gives learning order; ``exactMatchOf``, ``isRelatedTo``, ``exemplar``
and the rest link to other frameworks or resources.

How a CFItem becomes a row of our ``competencies.csv``:

- ``competency_id``: the item's ``humanCodingScheme`` (e.g. ``CCSS.Math.Content.6.RP.A.1``) when
  every item in the package has one and no two share it, otherwise the CFItem ``identifier`` for
  every item. One rule for the whole file, because mixing codes and UUIDs in one framework would
  make ids unpredictable. Pass ``id_from="identifier"`` or ``"code"`` to choose.
- ``name``: the abbreviated statement (or the full statement cut at a word near 80 characters),
  prefixed by the human coding scheme unless the code is already the id.
- ``description``: ``fullStatement``; ``source_uri``: the CFItem ``uri``.
- ``parent_id``: from ``isChildOf`` when the parent is an item; children of the document itself
  are top-level and have no parent.
- ``domain`` (the subject area): from the framework's structure and mappable by the user (see
  :class:`_SubjectAreas`): a user mapping (``domains``) for the item's concept keywords, its
  top-level ancestor's title or code, the document's subject or title; else whichever of those
  names one of the catalogue's subject areas (``known_domains``: "Math" -> "Mathematics");
  else the document's subject, else its title, noted when it is not one of the catalogue's.
- Rows come in the framework's order: parents before children, siblings by ``sequenceNumber``
  and then by ``humanCodingScheme`` in natural order (L1.2 before L1.10).

:func:`write_case_package` keeps each imported item's identifier and URI, so a framework read
from CASE goes back out as the same items; :func:`merge_framework` adds a framework to a
catalogue's competencies, updating the ones that are the same items (the same URI, or this
workbench's own export) instead of refusing them.

Nothing is dropped silently: every item or association that is not used appears in
``ImportReport.skipped`` with a path-like field (``CFItems[12].fullStatement``), and associations
pointing outside the package are kept in ``CaseFramework.external_refs`` and counted in a warning.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.formats.report import ImportFailed, ImportReport, read_source_bytes
from workbench.i18n import M_, MP_, Message

COMPETENCY_COLUMNS = [
    "competency_id", "domain", "name", "description", "parent_id", "source_uri", "difficulty",
]
EXTRA_COLUMNS = [
    "human_coding_scheme", "education_level", "item_type", "list_enum", "sequence",
    "concept_keywords", "case_identifier",
]
ASSOCIATION_TYPES = (
    "isChildOf", "precedes", "exactMatchOf", "isRelatedTo", "isPartOf", "isPeerOf",
    "replacedBy", "exemplar", "hasSkillLevel",
)
NAME_LENGTH = 80
# A fixed namespace so the same framework title and competency ids always give the same UUIDs.
WORKBENCH_NAMESPACE = uuid.UUID("6f1d3c0e-8a52-5b8e-9c55-2f0b8f6a1e11")


@dataclass
class CaseDocument:
    """The framework as a whole (the CFDocument)."""

    title: str
    identifier: str = ""
    uri: str = ""
    creator: str = ""
    version: str = ""
    subject: str = ""
    publisher: str = ""
    description: str = ""
    language: str = ""
    adoption_status: str = ""
    official_source_url: str = ""
    package_uri: str = ""
    last_change: str = ""


@dataclass
class CaseFramework:
    """A framework read from CASE: the document and its competencies, ready for the catalogue.

    Attributes
    ----------
    document : CaseDocument
    competencies : DataFrame
        Columns of ``competencies.csv`` plus ``human_coding_scheme``, ``education_level``
        (``;``-joined), ``item_type``, ``list_enum``, ``sequence``, ``concept_keywords``,
        ``case_identifier``.
    prerequisites : DataFrame
        ``competency_id, requires_id`` from ``precedes`` (A precedes B: B requires A).
    crosswalks : DataFrame
        ``competency_id, other_uri, other_identifier, other_title, kind, external`` for every
        association that is neither hierarchy nor order.
    external_refs : DataFrame
        ``association, kind, competency_id, other_identifier, other_uri, other_title`` for every
        association with an end outside this package.
    """

    document: CaseDocument
    competencies: pd.DataFrame
    prerequisites: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["competency_id", "requires_id"])
    )
    crosswalks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=CROSSWALK_COLUMNS)
    )
    external_refs: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=EXTERNAL_COLUMNS)
    )


CROSSWALK_COLUMNS = [
    "competency_id", "other_uri", "other_identifier", "other_title", "kind", "external",
]
EXTERNAL_COLUMNS = [
    "association", "kind", "competency_id", "other_identifier", "other_uri", "other_title",
]


# --------------------------------------------------------------------------------------------
# Reading CASE JSON


def read_case_package(
    path_or_bytes, source_name: str | None = None, id_from: str = "auto", *,
    domains: dict[str, str] | None = None, known_domains=None,
) -> tuple[CaseFramework, ImportReport]:
    """Read a CASE package (1.0, or the older OpenSALT shape) into our competencies.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        The package file, or its content.
    source_name : str, optional
        Name used in the report (defaults to the file name).
    id_from : {"auto", "code", "identifier"}
        Where ``competency_id`` comes from (see the module docstring).
    domains : dict, optional
        The user's subject areas: a document subject, document title or top-level item title
        or code -> our domain (e.g. ``{"Math": "Mathematics"}``).
    known_domains : iterable of str, optional
        The catalogue's subject areas, matched by name (see :class:`_SubjectAreas`).

    Returns
    -------
    tuple of (CaseFramework, ImportReport)

    Raises
    ------
    ImportFailed
        When nothing can be read: too large, not UTF-8 JSON, or no ``CFItems`` list.
    """
    data, name = read_source_bytes(path_or_bytes, source_name)
    report = ImportReport(name)
    package = _load_json(data, report)
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]  # some servers wrap the package in one more object
    if not isinstance(package, dict) or not isinstance(package.get("CFItems"), list):
        report.skip("CFItems", M_("not a CASE package: no list of CFItems"))
        raise ImportFailed(report)

    document = _read_document(package.get("CFDocument"), report, name)
    raw_items = package["CFItems"]
    report.read = len(raw_items)
    items: dict[str, dict] = {}  # identifier -> normalised item
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(raw_items):
        item = _read_item(raw, f"CFItems[{i}]", report)
        if item is None:
            continue
        ident = item["case_identifier"]
        if ident in items:
            report.skip(f"CFItems[{i}].identifier",
                        M_("same identifier as {earlier} ({identifier}): not imported",
                           earlier=f"CFItems[{first_seen[ident]}]", identifier=ident))
            continue
        first_seen[ident] = i
        items[ident] = item

    raw_assocs = package.get("CFAssociations", [])
    if not isinstance(raw_assocs, list):
        report.skip("CFAssociations", M_("not a list: no hierarchy or links could be read"))
        raw_assocs = []
    links = _read_associations(raw_assocs, items, document, report)
    framework = _build_framework(document, items, links, report, id_from, domains, known_domains)
    return framework, report


def _load_json(data: bytes, report: ImportReport):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.skip("", M_("not UTF-8 text (byte {byte})", byte=str(exc.start)))
        raise ImportFailed(report) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        report.skip("", M_("not JSON: {reason} at line {line} column {column}", reason=exc.msg,
                           line=str(exc.lineno), column=str(exc.colno)))
        raise ImportFailed(report) from None
    except RecursionError:
        report.skip("", M_("not JSON we can read: nested too deeply"))
        raise ImportFailed(report) from None


def _text(value) -> str:
    """A string field, lenient about the shapes older exports use (numbers, lists, link objects)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ";".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return _text(value.get("uri") or value.get("title") or value.get("identifier"))
    return ""


def _read_document(raw, report: ImportReport, name: str) -> CaseDocument:
    if not isinstance(raw, dict):
        report.warn("CFDocument", M_("no CFDocument: the framework title is taken from the file "
                                     "name"))
        raw = {}
    title = _text(raw.get("title")) or Path(name).stem
    subject = raw.get("subject")
    if not subject and isinstance(raw.get("subjectURI") or raw.get("subjectURL"), list):
        subject = [s.get("title") for s in (raw.get("subjectURI") or raw.get("subjectURL"))
                   if isinstance(s, dict)]
    return CaseDocument(
        title=title,
        identifier=_text(raw.get("identifier")),
        uri=_text(raw.get("uri")),
        creator=_text(raw.get("creator")),
        version=_text(raw.get("version")),
        subject=_text(subject),
        publisher=_text(raw.get("publisher")),
        description=_text(raw.get("description")),
        language=_text(raw.get("language")),
        adoption_status=_text(raw.get("adoptionStatus")),
        official_source_url=_text(raw.get("officialSourceURL")),
        # CASE 1.0 makes CFPackageURI a link object; older OpenSALT wrote a plain string.
        package_uri=_text(raw.get("CFPackageURI")),
        last_change=_text(raw.get("lastChangeDateTime")),
    )


def _education_levels(value) -> str:
    """``educationLevel`` (array, 1.0) or ``educationalLevel`` ("KG" or "KG,01", older) as a;b."""
    if isinstance(value, list):
        parts = [_text(v) for v in value]
    elif isinstance(value, str):
        parts = value.replace(";", ",").split(",")
    elif value is None:
        parts = []
    else:
        parts = [_text(value)]
    return ";".join(p.strip() for p in parts if p and p.strip())


def _read_item(raw, where: str, report: ImportReport) -> dict | None:
    if not isinstance(raw, dict):
        report.skip(where, M_("not an object: not imported"))
        return None
    ident = _text(raw.get("identifier"))
    if not ident:
        report.skip(f"{where}.identifier", M_("no identifier: not imported"))
        return None
    statement = _text(raw.get("fullStatement"))
    if not statement:
        report.skip(f"{where}.fullStatement", M_("no statement for item {identifier}: not "
                                                 "imported", identifier=ident))
        return None
    level = raw.get("educationLevel", raw.get("educationalLevel"))
    return {
        "where": where,
        "case_identifier": ident,
        "uri": _text(raw.get("uri")),
        "full_statement": statement,
        "abbreviated": _text(raw.get("abbreviatedStatement")),
        "human_coding_scheme": _text(raw.get("humanCodingScheme")),
        "education_level": _education_levels(level),
        "item_type": _text(raw.get("CFItemType")) or _text(
            (raw.get("CFItemTypeURI") or {}).get("title")
            if isinstance(raw.get("CFItemTypeURI"), dict) else ""
        ),
        "list_enum": _text(raw.get("listEnumeration")),
        "concept_keywords": _text(raw.get("conceptKeywords")),
    }


@dataclass
class _Links:
    parents: dict[str, tuple[str, int | None, str]] = field(default_factory=dict)
    precedes: list[tuple[str, str]] = field(default_factory=list)
    crosswalks: list[dict] = field(default_factory=list)
    external: list[dict] = field(default_factory=list)


def _endpoint(raw: dict, side: str) -> tuple[str, str, str]:
    """(identifier, uri, title) of one end of an association, in 1.0 or older shapes."""
    node = raw.get(f"{side}NodeURI")
    ident = _text(raw.get(f"{side}NodeIdentifier"))
    uri = title = ""
    if isinstance(node, dict):
        ident = _text(node.get("identifier")) or ident
        uri = _text(node.get("uri"))
        title = _text(node.get("title"))
    elif isinstance(node, str):
        uri = _text(node)
    return ident, uri, title


def _read_associations(raw_assocs: list, items: dict, document: CaseDocument,
                       report: ImportReport) -> _Links:
    links = _Links()
    by_uri = {it["uri"]: ident for ident, it in items.items() if it["uri"]}
    doc_ids = {x for x in (document.identifier, document.uri, document.package_uri) if x}

    def resolve(ident: str, uri: str) -> str | None:
        """Our item identifier, "" for the document itself, None when outside the package."""
        if ident in items:
            return ident
        if uri in by_uri:
            return by_uri[uri]
        if (ident and ident in doc_ids) or (uri and uri in doc_ids):
            return ""
        return None

    for i, raw in enumerate(raw_assocs):
        where = f"CFAssociations[{i}]"
        if not isinstance(raw, dict):
            report.skip(where, M_("not an object: not read"))
            continue
        kind = _text(raw.get("associationType"))
        if not kind:
            report.skip(f"{where}.associationType", M_("no association type: not read"))
            continue
        o_id, o_uri, o_title = _endpoint(raw, "origin")
        d_id, d_uri, d_title = _endpoint(raw, "destination")
        if not (o_id or o_uri):
            report.skip(f"{where}.originNodeURI", M_("{kind} with no origin: not read",
                                                     kind=kind))
            continue
        if not (d_id or d_uri):
            report.skip(f"{where}.destinationNodeURI", M_("{kind} with no destination: not read",
                                                          kind=kind))
            continue
        origin, dest = resolve(o_id, o_uri), resolve(d_id, d_uri)
        seq = raw.get("sequenceNumber")
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        assoc_id = _text(raw.get("identifier")) or where

        if origin is None or dest is None:
            inside, (oid, ouri, otitle) = (
                (dest, (o_id, o_uri, o_title)) if origin is None else
                (origin, (d_id, d_uri, d_title))
            )
            links.external.append({
                "association": assoc_id, "kind": kind, "competency_id": inside or "",
                "other_identifier": oid, "other_uri": ouri, "other_title": otitle,
            })
            if kind not in ("isChildOf", "precedes") and inside:
                links.crosswalks.append({
                    "competency_id": inside, "other_uri": ouri or oid, "other_identifier": oid,
                    "other_title": otitle, "kind": kind, "external": True,
                })
            continue

        if kind == "isChildOf":
            if origin == "":
                report.skip(where, M_("the framework document is given a parent: not read"))
            elif origin == dest:
                report.skip(where, M_("item {item} is made its own parent: not read",
                                      item=origin))
            elif origin in links.parents:
                report.warn(where, M_("item {item} has a second parent ({parent}): kept only the "
                                      "first", item=origin,
                                      parent=dest or M_("the framework")))
            else:
                links.parents[origin] = (dest, seq, where)
        elif kind == "precedes":
            if "" in (origin, dest):
                report.skip(where, M_("precedes links the framework document itself: not read"))
            elif origin == dest:
                report.skip(where, M_("item {item} is said to come before itself: not read",
                                      item=origin))
            else:
                links.precedes.append((dest, origin))
        elif "" in (origin, dest):
            report.skip(where, M_("{kind} links the framework document itself: not read",
                                  kind=kind))
        else:
            other = items[dest]
            links.crosswalks.append({
                "competency_id": origin, "other_uri": other["uri"] or dest,
                "other_identifier": dest, "other_title": other["full_statement"],
                "kind": kind, "external": False,
            })
    if links.external:
        kinds = Counter(e["kind"] for e in links.external)
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
        n = len(links.external)
        report.warn(
            "CFAssociations",
            MP_("{n} association points outside this framework ({detail}): kept as external "
                "references", "{n} associations point outside this framework ({detail}): kept "
                "as external references", n=n, detail=detail),
        )
    return links


def _short_statement(item: dict) -> str:
    text = item["abbreviated"] or item["full_statement"]
    if len(text) <= NAME_LENGTH:
        return text
    cut = text[:NAME_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def _break_cycles(parents: dict[str, str], wheres: dict[str, str], report: ImportReport,
                  describe) -> None:
    """Drop one parent link in every loop, reporting it; never walk a loop forever."""
    done: set[str] = set()
    for start in list(parents):
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        while node and node not in done:
            if node in on_path:
                loop = [*path[path.index(node):], node]
                report.skip(
                    wheres.get(node, "CFAssociations"),
                    M_("the hierarchy loops back on itself ({loop}): this parent link was "
                       "dropped", loop=" -> ".join(describe(n) for n in loop)),
                )
                parents.pop(node, None)
                break
            path.append(node)
            on_path.add(node)
            node = parents.get(node, "")
        done.update(path)


def _natural(code: str) -> tuple:
    """Sort key for codes in natural order: ``L1.2`` before ``L1.10``."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t.casefold())
                 for t in re.split(r"(\d+)", code) if t)


def _framework_order(items: dict, parents: dict[str, str], links: _Links) -> list[str]:
    """Every item, parents before children; siblings by sequenceNumber, then natural code."""
    position = {ident: i for i, ident in enumerate(items)}
    children: dict[str, list[str]] = defaultdict(list)
    for ident in items:
        children[parents.get(ident, "")].append(ident)

    def key(ident: str) -> tuple:
        seq = links.parents.get(ident, (None, None, None))[1]
        return (seq is None, seq or 0, _natural(items[ident]["human_coding_scheme"]),
                position[ident])

    order, seen = [], set()
    stack = sorted(children[""], key=key, reverse=True)
    while stack:
        ident = stack.pop()
        if ident in seen:
            continue
        seen.add(ident)
        order.append(ident)
        stack.extend(sorted(children.get(ident, ()), key=key, reverse=True))
    return order + [i for i in items if i not in seen]  # only if a loop survived


class _SubjectAreas:
    """The subject area (our ``domain``) of each item, from the framework's structure.

    The candidates, in order: the item's concept keywords (our own exports keep the domain
    there), its top-level ancestor's title and code, the document's subject(s) and title. The
    first candidate the user maps (``domains``) wins; else the first that names one of the
    catalogue's subject areas (``known``: same word ignoring case, a prefix such as Math ->
    Mathematics, or initials such as ELA); else the document's subject, else its title.
    """

    def __init__(self, document: CaseDocument, domains: dict | None, known) -> None:
        self.document = document
        self.mapped = {str(k).strip().casefold(): str(v).strip()
                       for k, v in (domains or {}).items() if str(v).strip()}
        self.known = [str(k) for k in (known or []) if str(k).strip()]
        self.subjects = [t for t in (p.strip() for p in document.subject.split(";")) if t]
        self.fallback = (self.subjects[0] if self.subjects else "") or document.title
        self.unknown: Counter = Counter()

    def _known(self, word: str) -> str | None:
        w = word.casefold().strip()
        if not w:
            return None
        for k in self.known:
            kf = k.casefold()
            initials = "".join(p[0] for p in re.split(r"[\s&/-]+", kf) if p)
            if w == kf or (len(w) >= 4 and (kf.startswith(w) or w.startswith(kf))) or \
                    (len(w) >= 2 and w == initials):
                return k
        return None

    def of(self, item: dict, top_item: dict | None) -> str:
        candidates = [t.strip() for t in item["concept_keywords"].split(";") if t.strip()]
        if top_item is not None:
            candidates += [_short_statement(top_item), top_item["human_coding_scheme"]]
        candidates += [*self.subjects, self.document.title]
        for c in candidates:
            if c and c.casefold() in self.mapped:
                return self.mapped[c.casefold()]
        for c in candidates:
            found = self._known(c) if self.known else None
            if found:
                return found
        if self.known:
            self.unknown[self.fallback] += 1
        return self.fallback

    def note(self, report: ImportReport) -> None:
        for area, n in self.unknown.items():
            shown = ", ".join(self.known[:8]) + (", ..." if len(self.known) > 8 else "")
            report.warn("domain", MP_(
                "{n} item got the subject area {area}, which is not one of the catalogue's "
                "({known}): map it to one of them to count it towards requirements",
                "{n} items got the subject area {area}, which is not one of the catalogue's "
                "({known}): map it to one of them to count it towards requirements",
                n=n, area=repr(area), known=shown))


def _build_framework(document: CaseDocument, items: dict, links: _Links, report: ImportReport,
                     id_from: str, domains: dict | None = None,
                     known_domains=None) -> CaseFramework:
    codes = [it["human_coding_scheme"] for it in items.values()]
    use_code = {
        "code": True,
        "identifier": False,
        "auto": bool(codes) and all(codes) and len(set(codes)) == len(codes),
    }.get(id_from)
    if use_code is None:
        raise ValueError(f"id_from must be 'auto', 'code' or 'identifier', not {id_from!r}")
    if use_code and (not all(codes) or len(set(codes)) != len(codes)):
        # Asked for codes but they cannot identify every item: fall back, and say so.
        report.warn("humanCodingScheme", M_("some items have no code or share one: the CFItem "
                                            "identifiers are used as competency ids instead"))
        use_code = False

    def cid(ident: str) -> str:
        return items[ident]["human_coding_scheme"] if use_code else ident

    parents = {k: v[0] for k, v in links.parents.items()}
    wheres = {k: v[2] for k, v in links.parents.items()}
    _break_cycles(parents, wheres, report, lambda n: cid(n) if n in items else "the framework")

    def top(ident: str) -> str:
        seen = set()
        while parents.get(ident) and ident not in seen:
            seen.add(ident)
            ident = parents[ident]
        return ident

    subject_area = _SubjectAreas(document, domains, known_domains)
    rows = []
    for ident in _framework_order(items, parents, links):
        it = items[ident]
        code = it["human_coding_scheme"]
        short = _short_statement(it)
        name = short if (use_code or not code) else f"{code} {short}"
        top_item = items.get(top(ident))
        parent = parents.get(ident, "")
        seq = links.parents.get(ident, (None, None, None))[1]
        rows.append({
            "competency_id": cid(ident),
            "domain": subject_area.of(it, top_item),
            "name": name,
            "description": it["full_statement"],
            "parent_id": cid(parent) if parent else "",
            "source_uri": it["uri"],
            "difficulty": 1.0,
            "human_coding_scheme": code,
            "education_level": it["education_level"],
            "item_type": it["item_type"],
            "list_enum": it["list_enum"],
            "sequence": float("nan") if seq is None else float(seq),
            "concept_keywords": it["concept_keywords"],
            "case_identifier": ident,
        })
    subject_area.note(report)
    competencies = pd.DataFrame(rows, columns=COMPETENCY_COLUMNS + EXTRA_COLUMNS)
    report.imported = len(competencies)

    prerequisites = pd.DataFrame(
        [(cid(b), cid(a)) for b, a in dict.fromkeys(links.precedes)],
        columns=["competency_id", "requires_id"],
    )
    crosswalks = pd.DataFrame(
        [c | {"competency_id": cid(c["competency_id"])} for c in links.crosswalks],
        columns=CROSSWALK_COLUMNS,
    )
    external = pd.DataFrame(
        [e | {"competency_id": cid(e["competency_id"]) if e["competency_id"] else ""}
         for e in links.external],
        columns=EXTERNAL_COLUMNS,
    )
    return CaseFramework(document, competencies, prerequisites, crosswalks, external)


# --------------------------------------------------------------------------------------------
# Reading an OpenSALT spreadsheet export


def read_opensalt_csv(
    path_or_bytes, source_name: str | None = None, title: str | None = None,
    id_from: str = "auto", *, domains: dict[str, str] | None = None, known_domains=None,
) -> tuple[CaseFramework, ImportReport]:
    """Read an OpenSALT spreadsheet (CSV) export, whose hierarchy is in ``smartLevel`` (3.6.2.1).

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        The CSV file or its content.
    source_name : str, optional
        Name used in the report.
    title : str, optional
        Framework title (the CSV has none); defaults to the file name.
    id_from : {"auto", "code", "identifier"}
        As for :func:`read_case_package`.
    domains, known_domains : optional
        As for :func:`read_case_package`.

    Returns
    -------
    tuple of (CaseFramework, ImportReport)

    Raises
    ------
    ImportFailed
        When the file is not UTF-8 CSV with ``identifier``, ``fullStatement`` and ``smartLevel``.
    """
    data, name = read_source_bytes(path_or_bytes, source_name)
    report = ImportReport(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.skip("", M_("not UTF-8 text (byte {byte})", byte=str(exc.start)))
        raise ImportFailed(report) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [c for c in ("identifier", "fullStatement", "smartLevel") if c not in header]
        if missing:
            report.skip("", M_("not an OpenSALT spreadsheet: no column {columns}",
                               columns=", ".join(missing)))
            raise ImportFailed(report)
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        report.skip("", M_("not CSV we can read: {reason}", reason=exc))
        raise ImportFailed(report) from None

    document = CaseDocument(title=title or Path(name).stem)
    report.read = len(rows)
    items: dict[str, dict] = {}
    by_level: dict[str, str] = {}
    levels: dict[str, tuple[str, int]] = {}
    for line, row in rows:
        if None in row:  # more cells than header columns: the row is shifted, not trustworthy
            report.skip("", M_("more cells than columns: not imported"), line)
            continue
        raw = {k: v for k, v in row.items() if v not in (None, "")}
        item = _read_item(raw, "row", _LineReport(report, line))
        if item is None:
            continue
        ident = item["case_identifier"]
        level = _text(row.get("smartLevel"))
        if ident in items:
            report.skip("identifier", M_("same identifier as an earlier row ({identifier}): not "
                                         "imported", identifier=ident), line)
            continue
        if not level or not all(p.isdigit() for p in level.split(".")):
            report.skip("smartLevel", M_("no usable position in the hierarchy ({level}): not "
                                         "imported", level=repr(level)), line)
            continue
        if level in by_level:
            report.skip("smartLevel", M_("same smartLevel {level} as line {line}: not imported",
                                         level=level, line=str(levels[by_level[level]][1])),
                        line)
            continue
        items[ident] = item
        by_level[level] = ident
        levels[ident] = (level, line)

    links = _Links()
    for ident, (level, line) in levels.items():
        if "." in level:
            parent_level = level.rsplit(".", 1)[0]
            parent = by_level.get(parent_level)
            if parent is None:
                report.warn("smartLevel", M_("parent {parent} of {level} is not in the file: "
                                             "imported as top-level", parent=parent_level,
                                             level=level), line)
                continue
            links.parents[ident] = (parent, int(level.rsplit(".", 1)[1]), f"line {line}")
        else:
            links.parents[ident] = ("", int(level), f"line {line}")
    return _build_framework(document, items, links, report, id_from, domains,
                            known_domains), report


class _LineReport:
    """Adapter so item checks shared with JSON report CSV line numbers and column names."""

    def __init__(self, report: ImportReport, line: int):
        self.report, self.line = report, line

    def skip(self, field_: str, message: str | Message) -> None:
        self.report.skip(field_.removeprefix("row").lstrip("."), message, self.line)


# --------------------------------------------------------------------------------------------
# Writing CASE JSON


def write_case_package(
    competencies: pd.DataFrame,
    title: str,
    creator: str,
    *,
    base_uri: str = "https://workbench.example.org/case",
    version: str = "",
    subject: str = "",
    language: str = "en",
    last_change: str = "2000-01-01T00:00:00+00:00",
    path=None,
) -> dict:
    """Export our competencies as a CASE 1.0 package, with the same UUIDs on every export.

    Each competency becomes a CFItem whose ``humanCodingScheme`` is the competency id,
    ``abbreviatedStatement`` the name, ``fullStatement`` the description (or the name) and
    ``conceptKeywords`` the domain. ``isChildOf`` links each item to its parent, or to the
    document when it has none, numbered in the order given. A competency imported from CASE
    keeps its CFItem identifier (``case_identifier``, else the end of its ``source_uri``) and
    its URI; the others get uuid5 of the title and competency id, so a re-export of the same
    framework is byte-for-byte stable and importers can update in place.

    Parameters
    ----------
    competencies : DataFrame
        Rows of ``competencies.csv`` (``competency_id``, ``domain``, ``name``, ``description``,
        optional ``parent_id``).
    title, creator : str
        The framework's title and who publishes it.
    base_uri : str
        Prefix for the ``uri`` of every object.
    version, subject, language : str
        CFDocument fields.
    last_change : str
        ``lastChangeDateTime`` written on every object; fixed by default so exports are stable.
    path : str or Path, optional
        Also write the JSON (UTF-8, indented) to this file.

    Returns
    -------
    dict
        The package (``CFDocument``, ``CFItems``, ``CFAssociations``, ``CFDefinitions``).
    """
    base = base_uri.rstrip("/")
    doc_id = str(uuid.uuid5(WORKBENCH_NAMESPACE, f"document:{title}"))
    doc_ns = uuid.UUID(doc_id)

    def link(kind: str, ident: str, label: str) -> dict:
        return {"title": label, "identifier": ident, "uri": f"{base}/{kind}/{ident}"}

    doc_link = link("CFDocuments", doc_id, title)
    document = {
        "identifier": doc_id,
        "uri": doc_link["uri"],
        "creator": creator,
        "title": title,
        "lastChangeDateTime": last_change,
        "language": language,
        "CFPackageURI": link("CFPackages", doc_id, title),
    }
    if version:
        document["version"] = version
    if subject:
        document["subject"] = [subject]

    df = competencies.reset_index(drop=True)
    item_ids: dict[str, str] = {}
    item_uris: dict[str, str] = {}
    for row in df.to_dict("records"):
        cid = str(row["competency_id"])
        uri = _cell(row.get("source_uri"))
        # an item imported from CASE keeps its identity: its identifier and its URI
        ident = _cell(row.get("case_identifier")) or identifier_from_uri(uri)
        if not ident or ident in item_ids.values():
            ident = str(uuid.uuid5(doc_ns, f"item:{cid}"))
        item_ids[cid] = ident
        item_uris[cid] = uri or f"{base}/CFItems/{ident}"
    items, associations = [], []
    sequence: Counter[str] = Counter()
    for row in df.to_dict("records"):
        cid = str(row["competency_id"])
        name = _cell(row.get("name"))
        ident = item_ids[cid]
        item = {
            "identifier": ident,
            "uri": item_uris[cid],
            "CFDocumentURI": doc_link,
            "fullStatement": _cell(row.get("description")) or name,
            "abbreviatedStatement": name,
            "humanCodingScheme": cid,
            "CFItemType": "Competency",
            "language": language,
            "lastChangeDateTime": last_change,
        }
        domain = _cell(row.get("domain"))
        if domain:
            item["conceptKeywords"] = [domain]
        items.append(item)
        parent = _cell(row.get("parent_id"))
        if parent and parent in item_ids:
            dest = {"title": parent, "identifier": item_ids[parent], "uri": item_uris[parent]}
        else:
            parent, dest = "", doc_link
        sequence[parent] += 1
        assoc_id = str(uuid.uuid5(doc_ns, f"isChildOf:{cid}"))
        associations.append({
            "identifier": assoc_id,
            "uri": f"{base}/CFAssociations/{assoc_id}",
            "CFDocumentURI": doc_link,
            "associationType": "isChildOf",
            "sequenceNumber": sequence[parent],
            "originNodeURI": {"title": cid, "identifier": ident, "uri": item_uris[cid]},
            "destinationNodeURI": dest,
            "lastChangeDateTime": last_change,
        })
    package = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFConcepts": [], "CFSubjects": [], "CFLicenses": [], "CFItemTypes": [],
            "CFAssociationGroupings": [],
        },
    }
    if path is not None:
        Path(path).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    return package


def identifier_from_uri(uri: str) -> str:
    """The CFItem identifier a CASE URI ends with: after ``/uri/`` (OpenSALT), after
    ``/CFItems/`` (the CASE REST paths), else its last path segment; "" for no URI."""
    uri = str(uri or "").strip().rstrip("/")
    for marker in ("/uri/", "/CFItems/"):
        if marker in uri:
            return uri.split(marker, 1)[1]
    tail = uri.rsplit("/", 1)[-1] if "/" in uri else ""
    return tail if tail and ":" not in tail else ""


def _our_identifier(title: str, competency_id: str) -> str:
    """The identifier :func:`write_case_package` gives a competency of ours."""
    doc = uuid.uuid5(WORKBENCH_NAMESPACE, f"document:{title}")
    return str(uuid.uuid5(doc, f"item:{competency_id}"))


# --------------------------------------------------------------------------------------------
# Merging a framework into a catalogue's competencies


def merge_framework(existing: pd.DataFrame, framework: CaseFramework,
                    report: ImportReport) -> tuple[pd.DataFrame, dict[str, int]]:
    """The catalogue's competencies with a framework's added, or updated where they are the same.

    An imported item *is* an existing competency with its id when they have the same URI
    (``source_uri``), or when the item is this workbench's own export of that competency (its
    identifier is the one :func:`write_case_package` derives from the framework title and id).
    Such competencies are updated (name, description, parent, URI; the catalogue's domain and
    difficulty are kept). An id already used by a different item is reported in
    ``report.skipped`` and not merged; nothing else is lost.

    Parameters
    ----------
    existing : DataFrame
        The catalogue's ``competencies.csv`` rows.
    framework : CaseFramework
        From :func:`read_case_package` or :func:`read_opensalt_csv`.
    report : ImportReport
        The framework's report: clashes are added to it.

    Returns
    -------
    tuple of (DataFrame, dict)
        The merged rows (``existing``'s columns, existing order, new rows after) and counts
        ``added``, ``updated``, ``unchanged``, ``refused``.
    """
    columns = list(existing.columns)
    for col in COMPETENCY_COLUMNS:
        if col not in columns:
            columns.append(col)
    out = existing.reindex(columns=columns).copy()
    where = {str(c): i for i, c in zip(out.index, out["competency_id"].astype(str), strict=True)}
    counts = {"added": 0, "updated": 0, "unchanged": 0, "refused": 0}
    new_rows = []
    refused: set[str] = set()
    kept_fields = ("name", "description", "parent_id", "source_uri")
    for item in framework.competencies.to_dict("records"):
        cid = str(item["competency_id"])
        if cid not in where:
            new_rows.append({c: item.get(c, "") for c in columns})
            counts["added"] += 1
            continue
        i = where[cid]
        here = _cell(out.at[i, "source_uri"])
        same = (here and here == _cell(item.get("source_uri"))) or (
            _cell(item.get("case_identifier")) == _our_identifier(framework.document.title, cid))
        if not same:
            report.skip("competency_id", M_(
                "{competency} is already a competency in the catalogue, from another framework "
                "({uri}): not merged", competency=repr(cid), uri=here or M_("no URI")))
            counts["refused"] += 1
            refused.add(cid)
            continue
        changed = False
        for col in kept_fields:
            value = _cell(item.get(col))
            if col == "source_uri" and not value:
                continue
            if _cell(out.at[i, col]) != value:
                out.at[i, col] = value
                # taking on the exported URI keeps the identity; it changes nothing a family sees
                changed = changed or col != "source_uri"
        counts["updated" if changed else "unchanged"] += 1
    for row in new_rows:  # a parent that was refused is not theirs: they become top-level
        if row.get("parent_id") in refused:
            report.warn("parent_id", M_("{competency}: its parent {parent} was not merged, so it "
                                        "is top-level", competency=row["competency_id"],
                                        parent=repr(row["parent_id"])))
            row["parent_id"] = ""
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows, columns=columns)], ignore_index=True)
    return out, counts


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()
