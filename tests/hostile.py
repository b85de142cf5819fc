"""Hostile text for every text field of every input format, and detectors for what it injected.

Each payload carries a tag naming the field it was put in (``alert("competencies.domain")``), so
a dialog or an injected element says where it came from. ``Hostile`` builds the fixtures: a copy
of the sample data directory with payloads in every text field, and one file of each import
format (CASE JSON, OpenSALT CSV, iCalendar, Open Badges 3.0, CLR 2.0, provider catalogue CSV)
with payloads in every text field the format carries. It counts the (payload kind, field) pairs
it planted, which is the figure the hostile-text test reports.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

#: Payload kinds that would run script or make a link if data became markup. ``{tag}`` is the
#: field the payload was put in.
PAYLOADS = {
    "img-onerror": '<img src=x onerror=alert("{tag}")>',
    "script": '<script>alert("{tag}")</script>',
    "svg-onload": '"><svg onload=alert("{tag}")>',
    "details-ontoggle": "<details open ontoggle=alert('{tag}')>",
    "markdown-javascript-link": '[x](javascript:alert("{tag}"))',
    "a-href": '<a href="https://example.invalid/{tag}">a</a>',
    # not markup, but text that a format string would fill in (or crash on)
    "format-braces": "{{label}}{{0}}",
}

#: Put at the start of the fields a CSV export carries: a spreadsheet would run it.
FORMULA = "=HYPERLINK(\"https://example.invalid\",\"x\") "


def payload_text(tag: str) -> str:
    """Every payload kind, tagged with ``tag``, separated by spaces."""
    return " ".join(p.format(tag=tag) for p in PAYLOADS.values())


class Hostile:
    """Plants payloads and remembers where: ``fields`` is every field that carries them."""

    def __init__(self):
        self.fields: set[str] = set()

    def text(self, field: str, original: str = "", tag: str | None = None,
             formula: bool = False) -> str:
        """``original`` followed by every payload; ``tag`` keeps mapped values consistent."""
        self.fields.add(field)
        head = FORMULA if formula else ""
        return f"{head}{original} {payload_text(tag or field)}".strip()

    @property
    def tried(self) -> int:
        """Payload kinds x fields planted."""
        return len(PAYLOADS) * len(self.fields)

    # ---- the data directory --------------------------------------------------------------
    def data_dir(self, sample: Path, root: Path) -> Path:
        """A copy of the sample data directory with payloads in every text field."""
        shutil.copytree(sample, root)
        zone = lambda field, z: self.text(field, z, tag="zone") if z else z  # noqa: E731
        domain = lambda field, d: self.text(field, d, tag="domain") if d else d  # noqa: E731

        def interests(field, cell):
            return ";".join(self.text(field, t, tag="interest") for t in cell.split(";") if t)

        edits = {
            "competencies.csv": {
                "domain": lambda v: domain("competencies.domain", v),
                "name": lambda v: self.text("competencies.name", v),
                "description": lambda v: self.text("competencies.description", v),
                "source_uri": lambda v: self.text("competencies.source_uri", v),
            },
            "requirements.csv": {
                "name": lambda v: self.text("requirements.name", v),
                "domain": lambda v: domain("requirements.domain", v),
            },
            "providers.csv": {
                "name": lambda v: self.text("providers.name", v, formula=True),
                "address": lambda v: self.text("providers.address", v),
                "zone": lambda v: zone("providers.zone", v),
            },
            "opportunities.csv": {
                "title": lambda v: self.text("opportunities.title", v, formula=True),
                "mentor_role": lambda v: self.text("opportunities.mentor_role", v),
                "description": lambda v: self.text("opportunities.description", v),
                "interests": lambda v: interests("opportunities.interests", v),
            },
            "sections.csv": {"zone": lambda v: zone("sections.zone", v)},
            "travel_times.csv": {
                "from_zone": lambda v: zone("travel_times.from_zone", v),
                "to_zone": lambda v: zone("travel_times.to_zone", v),
            },
        }
        for file, columns in edits.items():
            path = root / file
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            header = list(rows[0])
            for row in rows:
                for col, edit in columns.items():
                    row[col] = edit(row[col])
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, header)
                w.writeheader()
                w.writerows(rows)

        for path in sorted((root / "learners").glob("*.json")):
            d = json.loads(path.read_text(encoding="utf-8"))
            d["name"] = self.text("learner.name", d["name"])
            d["home_zone"] = zone("learner.home_zone", d["home_zone"])
            d["pathway"] = self.text("learner.pathway", d.get("pathway", ""))
            d["notes"] = self.text("learner.notes", d.get("notes", ""))
            for key in ("strengths", "supportive_adults"):
                d[key] = [self.text(f"learner.{key}", s) for s in d.get(key, [])] or [
                    self.text(f"learner.{key}")]
            d["interests"] = [self.text("learner.interests", t, tag="interest")
                              for t in d.get("interests", [])]
            for block in d.get("commitments", []):
                block["label"] = self.text("learner.commitments.label", block.get("label", ""))
            for ev in d.get("evidence", []):
                ev["source"] = self.text("learner.evidence.source", ev.get("source", ""))
                ev["note"] = self.text("learner.evidence.note", ev.get("note", ""))
            path.write_text(json.dumps(d, indent=2), encoding="utf-8")
        for path in sorted((root / "plans").glob("*.json")):
            d = json.loads(path.read_text(encoding="utf-8"))
            d["name"] = self.text("plan.name", d["name"])
            path.write_text(json.dumps(d, indent=2), encoding="utf-8")
        return root

    # ---- CASE --------------------------------------------------------------------------
    def case_json(self, path: Path) -> Path:
        """A CASE 1.0 package: two top-level items, children, a prerequisite, an outside link."""
        t = lambda field: self.text(f"case.{field}")  # noqa: E731
        doc_id = "d0c00000-0000-4000-8000-000000000001"
        items, assocs = [], []
        for i in range(4):
            ident = f"1c000000-0000-4000-8000-00000000000{i}"
            items.append({
                "identifier": ident, "uri": t("CFItems.uri"),
                "fullStatement": t("CFItems.fullStatement"),
                "abbreviatedStatement": t("CFItems.abbreviatedStatement"),
                "humanCodingScheme": f"HX.{i} " + t("CFItems.humanCodingScheme"),
                "CFItemType": t("CFItems.CFItemType"),
                "educationLevel": [t("CFItems.educationLevel")],
                "listEnumeration": t("CFItems.listEnumeration"),
                "conceptKeywords": [t("CFItems.conceptKeywords")],
                "notes": t("CFItems.notes"), "language": "en",
                "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
            })
            parent = (items[0] if i in (1, 2) else None)
            origin = {"identifier": ident, "uri": items[-1]["uri"],
                      "title": t("CFAssociations.originNodeURI.title")}
            dest = ({"identifier": parent["identifier"], "uri": parent["uri"],
                     "title": t("CFAssociations.destinationNodeURI.title")} if parent else
                    {"identifier": doc_id, "uri": t("CFDocument.uri"),
                     "title": t("CFAssociations.destinationNodeURI.title")})
            assocs.append({"identifier": f"a5000000-0000-4000-8000-00000000000{i}",
                           "associationType": "isChildOf", "originNodeURI": origin,
                           "destinationNodeURI": dest, "sequenceNumber": i + 1,
                           "uri": t("CFAssociations.uri"),
                           "lastChangeDateTime": "2026-01-01T00:00:00+00:00"})
        assocs.append({"identifier": "a5000000-0000-4000-8000-000000000010",
                       "associationType": "precedes",
                       "originNodeURI": {"identifier": items[1]["identifier"], "uri": "u1",
                                         "title": t("CFAssociations.originNodeURI.title")},
                       "destinationNodeURI": {"identifier": items[2]["identifier"],
                                              "uri": "u2", "title": "x"}})
        assocs.append({"identifier": "a5000000-0000-4000-8000-000000000011",
                       "associationType": "exactMatchOf",
                       "originNodeURI": {"identifier": items[3]["identifier"], "uri": "u3",
                                         "title": "x"},
                       "destinationNodeURI": {
                           "identifier": "elsewhere-1", "uri": t("CFAssociations.external.uri"),
                           "title": t("CFAssociations.external.title")}})
        package = {"CFDocument": {
            "identifier": doc_id, "uri": t("CFDocument.uri"), "title": t("CFDocument.title"),
            "creator": t("CFDocument.creator"), "publisher": t("CFDocument.publisher"),
            "subject": [t("CFDocument.subject")], "description": t("CFDocument.description"),
            "version": t("CFDocument.version"), "adoptionStatus": t("CFDocument.adoptionStatus"),
            "officialSourceURL": t("CFDocument.officialSourceURL"), "language": "en",
            "notes": t("CFDocument.notes"),
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00"},
            "CFItems": items, "CFAssociations": assocs}
        path.write_text(json.dumps(package, indent=2), encoding="utf-8")
        return path

    def opensalt_csv(self, path: Path) -> Path:
        """An OpenSALT spreadsheet export: hierarchy in smartLevel, text in every column."""
        t = lambda field: self.text(f"opensalt.{field}")  # noqa: E731
        header = ["identifier", "fullStatement", "humanCodingScheme", "abbreviatedStatement",
                  "smartLevel", "listEnumeration", "conceptKeywords", "notes", "CFItemType",
                  "educationLevel", "language"]
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(header)
        for i, level in enumerate(["1", "1.1", "1.2", "2"]):
            w.writerow([f"05a10000-0000-4000-8000-00000000000{i}", t("fullStatement"),
                        f"OS.{i} " + t("humanCodingScheme"), t("abbreviatedStatement"), level,
                        t("listEnumeration"), t("conceptKeywords"), t("notes"), t("CFItemType"),
                        t("educationLevel"), "en"])
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    # ---- iCalendar ---------------------------------------------------------------------
    def ics(self, path: Path) -> Path:
        """A family calendar whose every text property carries payloads (RFC 5545 escaped)."""
        def t(field):
            v = self.text(f"ics.{field}")
            return (v.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                    .replace("\n", "\\n"))

        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//test//EN",
                 f"X-WR-CALNAME:{t('X-WR-CALNAME')}", f"X-WR-CALDESC:{t('X-WR-CALDESC')}"]
        for i, (day, start, end) in enumerate([("TU", "160000", "170000"),
                                               ("SA", "100000", "120000")]):
            lines += [
                "BEGIN:VEVENT", f"UID:hostile-{i}@workbench.invalid", "DTSTAMP:20260801T120000Z",
                f"SUMMARY:{t('SUMMARY')}", f"DESCRIPTION:{t('DESCRIPTION')}",
                f"LOCATION:{t('LOCATION')}", f"CATEGORIES:{t('CATEGORIES')}",
                f"COMMENT:{t('COMMENT')}",
                f"ORGANIZER;CN=\"{self.text('ics.ORGANIZER.CN').replace(chr(34), '')}\":"
                "mailto:x@example.invalid",
                f"DTSTART;TZID=America/Chicago:20260901T{start}",
                f"DTEND;TZID=America/Chicago:20260901T{end}",
                f"RRULE:FREQ=WEEKLY;BYDAY={day};UNTIL=20270601T000000Z", "END:VEVENT"]
        # an event the importer cannot read, so its report names the (hostile) event
        lines += ["BEGIN:VEVENT", "UID:hostile-bad@workbench.invalid",
                  "DTSTAMP:20260801T120000Z", f"SUMMARY:{t('SUMMARY')}",
                  "DTSTART;TZID=America/Chicago:20260901T160000",
                  "DTEND;TZID=America/Chicago:20260901T170000",
                  "RRULE:FREQ=SOMETIMES;BYDAY=XX", "END:VEVENT", "END:VCALENDAR"]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
        return path

    # ---- Open Badges and CLR -----------------------------------------------------------
    def _credential(self, prefix: str, aligned_to: str, i: int = 0) -> dict:
        t = lambda field: self.text(f"{prefix}.{field}")  # noqa: E731
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": f"urn:uuid:0b3c0000-0000-4000-8000-00000000000{i}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://issuer.example.invalid/1", "type": ["Profile"],
                       "name": t("issuer.name"), "description": t("issuer.description")},
            "validFrom": "2026-10-02T00:00:00Z",
            "name": t("name"), "description": t("description"),
            "credentialSubject": {
                "type": ["AchievementSubject"], "name": t("credentialSubject.name"),
                "achievement": {
                    "id": f"https://issuer.example.invalid/achievements/{i}",
                    "type": ["Achievement"], "name": t("achievement.name"),
                    "description": t("achievement.description"),
                    "achievementType": t("achievement.achievementType"),
                    "criteria": {"narrative": t("achievement.criteria.narrative")},
                    "alignment": [
                        {"type": ["Alignment"], "targetName": t("alignment.targetName"),
                         "targetCode": aligned_to,
                         "targetFramework": t("alignment.targetFramework"),
                         "targetDescription": t("alignment.targetDescription"),
                         "targetUrl": "https://example.invalid/target"},
                        {"type": ["Alignment"], "targetName": t("alignment.targetName"),
                         "targetCode": t("alignment.targetCode"),
                         "targetFramework": t("alignment.targetFramework")}],
                    "endorsement": [{"issuer": {"id": "https://e.example.invalid",
                                                "name": t("endorsement.issuer.name")}}],
                },
                "result": [{"type": ["Result"], "status": "Completed",
                            "value": t("result.value")}],
            },
            "evidence": [{"type": ["Evidence"], "name": t("evidence.name"),
                          "narrative": t("evidence.narrative"),
                          "description": t("evidence.description")}],
        }

    def badge(self, path: Path, aligned_to: str = "CTE.SAF.1") -> Path:
        """An Open Badges 3.0 credential, aligned to one competency of the catalogue."""
        path.write_text(json.dumps(self._credential("badge", aligned_to), indent=2),
                        encoding="utf-8")
        return path

    def clr(self, path: Path, aligned_to: str = "ESS.PRO.1") -> Path:
        """A CLR 2.0 record holding one credential and one achievement of its own."""
        t = lambda field: self.text(f"clr.{field}")  # noqa: E731
        record = {
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"],
            "id": "urn:uuid:c1a00000-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": "https://clr.example.invalid", "type": ["Profile"],
                       "name": t("issuer.name")},
            "validFrom": "2026-10-02T00:00:00Z", "name": t("name"),
            "description": t("description"),
            "credentialSubject": {
                "type": ["ClrSubject"],
                "verifiableCredential": [self._credential("clr.verifiableCredential",
                                                          aligned_to, 1)],
                "achievement": [{"id": "https://clr.example.invalid/a/1",
                                 "type": ["Achievement"], "name": t("achievement.name"),
                                 "description": t("achievement.description")}],
                "association": [{"type": "Association", "associationType": "isChildOf",
                                 "sourceId": "https://clr.example.invalid/a/1",
                                 "targetId": t("association.targetId")}],
            },
        }
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        return path

    # ---- provider catalogue ------------------------------------------------------------
    def catalog_csv(self, path: Path) -> Path:
        """Three programmes in the Chicago City of Learning export's columns (the example
        mapping the app offers), payloads in every text column."""
        t = lambda field: self.text(f"catalog.{field}")  # noqa: E731
        header = ["name", "org_name", "description", "address", "city", "state", "zipcode",
                  "latitude", "longitude", "min_age", "max_age", "category name"]
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(header)
        for i, category in enumerate(["Coding + Games", "", "Media"]):
            w.writerow([
                f"{FORMULA}Programme {i} " + t("name"), t("org_name"),
                t("description") + " Free. Mondays 4:00 pm - 5:30 pm.", t("address"),
                t("city"), t("state"), t("zipcode"), f"{41.85 + i / 100:.4f}",
                f"{-87.65 - i / 100:.4f}", "12", "18",
                category or t("category name")])
        path.write_text(out.getvalue(), encoding="utf-8")
        return path


# ---- detectors -------------------------------------------------------------------------------

#: JavaScript run in the page: every element a payload could have made, in the document, in
#: every shadow root (Panel's widgets live in shadow roots) and in every same-origin frame (the
#: summary preview), as short descriptions.
FIND_INJECTED_JS = r"""
() => {
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      for (const a of Array.from(el.attributes)) {
        if (a.name.startsWith('on') && /alert/.test(a.value)) found.push(`${tag}[${a.name}]`);
      }
      if (tag === 'img' && el.getAttribute('src') === 'x') found.push('img[src=x]');
      if (tag === 'script' && /alert\(/.test(el.textContent)) found.push('script:alert');
      if (tag === 'svg' && el.hasAttribute('onload')) found.push('svg[onload]');
      if (tag === 'details' && el.hasAttribute('ontoggle')) found.push('details[ontoggle]');
      if (tag === 'a' || tag === 'area') {
        const href = el.getAttribute('href') || '';
        if (/^\s*javascript:/i.test(href) || href.includes('example.invalid'))
          found.push(`a[href=${href}]`);
      }
      if (tag === 'iframe') {
        if (/javascript:|example\.invalid/.test(el.getAttribute('src') || '')) found.push('iframe');
        try { if (el.contentDocument) visit(el.contentDocument); } catch (e) {}  // same origin
      }
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
}
"""

#: And every text node that shows a payload, so a test can tell the payload *is* on screen as
#: text (escaped, not dropped).
COUNT_PAYLOAD_TEXT_JS = r"""
() => {
  let n = 0;
  const visit = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) if (walker.currentNode.nodeValue.includes('onerror=alert(')) n++;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (el.tagName === 'IFRAME') {
        try { if (el.contentDocument && el.contentDocument.body) visit(el.contentDocument.body); }
        catch (e) {}
      }
    }
  };
  visit(document.body);
  return n;
}
"""


class _Scanner(HTMLParser):
    def __init__(self, allow):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allow = set(allow)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "xlink:href") and value and (
                    value.strip().lower().startswith("javascript:")
                    or "example.invalid" in value):
                self.found.append(f"{tag}[{name}={value}]")
        if tag in {"script", "iframe", "object", "embed", "img", "details", "a"} - self.allow:
            self.found.append(tag)


def injected_in_html(text: str, allow=()) -> list[str]:
    """Elements or attributes in an HTML string that only a payload could have made.

    Our own HTML uses none of ``script, img, details, a, iframe`` (except the tags in
    ``allow``, e.g. the import report's own ``details``) and no event attributes, so any of
    them is an injection.
    """
    scanner = _Scanner(allow)
    scanner.feed(text)
    scanner.close()
    return scanner.found
