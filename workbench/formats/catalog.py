"""Import a real provider catalogue from any CSV, with a YAML file saying which column is what.

Real catalogues are exports from other systems: one row per programme *and category*, free-text
descriptions that hold the only dates, times and prices, odd encodings and broken rows. This
module reads what can be read, turns it into our own frames (``docs/data-format.md``) and says
exactly, with file, line and column, what it could not read.

Choices made here (all can be changed in the mapping file):

- **Encoding**: a byte-order mark wins; else strict UTF-8, then Windows-1252, then Mac Roman (which
  decodes any bytes). Mojibake (UTF-8 read as Windows-1252, e.g. ``"Ã©"`` for ``"é"``) is repaired
  only where the garbled characters decode back to valid UTF-8; anything less clear is left as it
  is and reported with its line.
- **Broken rows**: a row is skipped (and reported) when it has values in columns the header does
  not name, a number column that is not a number, or a latitude/longitude outside the mapping's
  ``bounds`` -- the signs of a row whose fields slid sideways.
- **Programmes**: rows with the same organisation and title (ignoring case and spaces) are one
  opportunity; its interests are the union of the rows' categories, its grades span every row's
  ages. Each distinct place it is offered at becomes one section in that place's zone.
- **Providers**: one per organisation. Its address and zone are those of the place it lists most;
  sections elsewhere carry their own zone.
- **Grades**: ``min_grade = min_age - 5`` and ``max_grade = max_age - 6`` (with a US 1 September
  cut-off, every learner in those grades is inside the age range), clipped to 0-12; programmes
  for no school age at all (e.g. ages 2-4) are skipped.
- **Zones**: a fixed grid of square cells (``zones.cell_km``) anchored at the mapping's south-west
  corner, named ``<prefix>-<row letter from the south><column number from the west>``. Travel
  minutes between zones come from straight-line distance between cell centres times a street
  detour factor (1.3), at walking 5 km/h, bike 15 km/h, transit 18 km/h including waits (at least
  10 minutes door to door), car 30 km/h plus 5 minutes to park. Within a zone the distance is the
  mean distance between two points of a square cell (0.52 x its side). Places without
  coordinates go to zone ``unknown`` (or ``online`` for online programmes) and have no travel rows,
  so feasibility reports them as unreachable rather than pretending they are near.
- **Times**: days and times are taken from a description only when it states one weekly pattern
  clearly ("Mondays and Wednesdays 3-5pm", "Tuesday - Friday 1 pm - 4 pm"); otherwise the section
  is marked ``times_tba`` ("times to be arranged") and feasibility says so.
- **Cost**: one dollar amount that is not about parking, pay or prizes, or a plain "free"; anything
  else is $0 and counted in a "cost unknown" warning.
- **Dates**: the mapping's season (month-day). With a base catalogue and ``season.follow_base``,
  the season is put in the year the base school year ends, so imported summer programmes sit next
  to the sample school year instead of stretching the planning horizon back years.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..domain.dataset import MODALITIES, MODES, OPPORTUNITY_KINDS, PROVIDER_KINDS, Catalogue
from ..domain.schema import FILES, FRAME_NAMES
from .report import ImportFailed, ImportReport, read_source_bytes

#: The fields a mapping can feed from source columns.
FIELDS = (
    "title", "organisation", "description", "address", "lat", "lon", "min_age", "max_age",
    "category", "url", "start_date", "end_date", "cost",
)
UNKNOWN_ZONE = "unknown"
ONLINE_ZONE = "online"
_NO_VALUE = {"", "null", "none", "na", "n/a", "nan", "-"}


# --------------------------------------------------------------------------------------------
# The mapping


@dataclass(frozen=True)
class CatalogMapping:
    """How one kind of CSV export maps onto our catalogue (read from a YAML file).

    Every attribute has the YAML key of the same name; ``load_mapping`` documents them.
    """

    label: str
    id_prefix: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ("title", "organisation")
    encoding: str = "auto"
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    provider_kinds: tuple[tuple[str, str], ...] = ()
    provider_kind_default: str = "community"
    provider_overrides: dict[str, str] = field(default_factory=dict)
    provider_services: dict[str, dict[str, bool]] = field(default_factory=dict)
    opportunity_kinds: tuple[tuple[str, str], ...] = ()
    opportunity_kind_default: str = "program"
    modalities: tuple[tuple[str, str], ...] = ()
    modality_default: str = "in_person"
    seats: int = 20
    season_start: tuple[int, int] = (6, 1)
    season_end: tuple[int, int] = (8, 31)
    season_year: int = 2014
    season_follow_base: bool = True
    grade_min_offset: int = 5
    grade_max_offset: int = 6
    interests: dict[str, tuple[str, ...]] = field(default_factory=dict)
    zone_prefix: str = "Z"
    zone_cell_km: float = 4.0
    zone_origin: tuple[float, float] | None = None
    speeds_kmh: dict[str, float] = field(
        default_factory=lambda: {"walk": 5.0, "bike": 15.0, "transit": 18.0, "car": 30.0})
    detour: float = 1.3
    car_parking_minutes: float = 5.0
    transit_min_minutes: float = 10.0
    max_walk_minutes: float = 90.0
    alignments: dict[str, tuple[dict, ...]] = field(default_factory=dict)
    alignment_intensity: float = 0.5
    alignment_max_level: int = 2
    alignment_max_per_opportunity: int = 4


def _mapping_error(source: str, key: str, message: str) -> ImportFailed:
    report = ImportReport(source)
    report.skip(key, message)
    return ImportFailed(report)


def load_mapping(path) -> CatalogMapping:
    """Read a YAML column mapping, refusing anything unclear with the YAML key at fault.

    Parameters
    ----------
    path : str or Path
        The YAML file. Keys: ``source`` (``label``, ``id_prefix``, ``encoding``), ``columns``
        (field -> source column, or a list of columns joined with ", "), ``required``,
        ``bounds`` (``lat: [min, max]``, ``lon: [min, max]``), ``providers`` (``kinds``: list of
        ``{contains, kind}``, ``default``, ``overrides``: name -> kind, ``services``: kind ->
        ``{offers_broadband, lends_devices}``), ``opportunities`` (``kinds``, ``default_kind``,
        ``modalities``, ``default_modality``, ``seats``), ``season`` (``start``/``end`` as
        ``MM-DD``, ``year``, ``follow_base``), ``grades`` (``min_offset``, ``max_offset``),
        ``interests`` (category -> list of interest tags), ``zones`` (``prefix``, ``cell_km``,
        ``origin``), ``travel`` (``walk_kmh``, ``bike_kmh``, ``transit_kmh``, ``car_kmh``,
        ``detour``, ``car_parking_minutes``, ``transit_min_minutes``, ``max_walk_minutes``) and
        ``alignments`` (``intensity``, ``max_level``, ``max_per_opportunity``, ``by_interest``:
        interest -> list of ``{id}``, ``{domain, take}`` or ``{name_contains}``).

    Returns
    -------
    CatalogMapping

    Raises
    ------
    ImportFailed
        When the file cannot be read or a key is missing or wrong; the report's field is the
        YAML key (e.g. ``columns.title``).
    """
    path = Path(path)
    name = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _mapping_error(name, "", f"could not open the mapping file: {exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _mapping_error(name, "", f"not a readable YAML file: {exc}") from exc
    if not isinstance(doc, dict):
        raise _mapping_error(name, "", "the mapping must be a YAML mapping of keys to values")

    def section(key: str) -> dict:
        value = doc.get(key) or {}
        if not isinstance(value, dict):
            raise _mapping_error(name, key, "must be a mapping of keys to values")
        return value

    def number(d: dict, key: str, default: float, where: str, lo=None, hi=None) -> float:
        value = d.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mapping_error(name, f"{where}.{key}", f"must be a number, not {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise _mapping_error(name, f"{where}.{key}", f"must be between {lo} and {hi}")
        return float(value)

    def choice(value, allowed, key: str) -> str:
        if value not in allowed:
            raise _mapping_error(name, key, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def keyword_rules(items, allowed, key: str, target: str) -> tuple[tuple[str, str], ...]:
        if items is None:
            return ()
        if not isinstance(items, list):
            raise _mapping_error(name, key, f"must be a list of {{contains, {target}}}")
        rules = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "contains" not in item or target not in item:
                raise _mapping_error(name, f"{key}[{i}]", f"needs 'contains' and '{target}'")
            rules.append((str(item["contains"]).casefold(),
                          choice(item[target], allowed, f"{key}[{i}].{target}")))
        return tuple(rules)

    source = section("source")
    label = str(source.get("label") or name)
    prefix = source.get("id_prefix")
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", prefix):
        raise _mapping_error(name, "source.id_prefix",
                             "needs a short id prefix such as 'CCOL-' (letters, digits, - _ .)")
    encoding = str(source.get("encoding", "auto"))
    if encoding != "auto":
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise _mapping_error(name, "source.encoding", f"unknown encoding {encoding!r}") \
                from exc

    raw_columns = section("columns")
    columns: dict[str, tuple[str, ...]] = {}
    for key, value in raw_columns.items():
        if key not in FIELDS:
            raise _mapping_error(name, f"columns.{key}",
                                 f"unknown field; use one of {', '.join(FIELDS)}")
        if value is None:
            continue
        cols = value if isinstance(value, list) else [value]
        if not cols or not all(isinstance(c, str) and c.strip() for c in cols):
            raise _mapping_error(name, f"columns.{key}", "must name a CSV column (or a list)")
        columns[key] = tuple(c.strip() for c in cols)
    for key in ("title", "organisation"):
        if key not in columns:
            raise _mapping_error(name, f"columns.{key}",
                                 "missing: name the CSV column that holds it")
    if ("lat" in columns) != ("lon" in columns):
        raise _mapping_error(name, "columns.lat", "give both lat and lon, or neither")
    required = doc.get("required", ["title", "organisation"])
    if not isinstance(required, list) or any(r not in columns for r in required):
        raise _mapping_error(name, "required", "must list fields that 'columns' maps")

    bounds = None
    if doc.get("bounds") is not None:
        b = section("bounds")
        try:
            lat, lon = (tuple(float(v) for v in b[k]) for k in ("lat", "lon"))
            if len(lat) != 2 or len(lon) != 2 or lat[0] >= lat[1] or lon[0] >= lon[1]:
                raise ValueError
        except (KeyError, TypeError, ValueError) as exc:
            raise _mapping_error(name, "bounds", "needs lat: [south, north] and "
                                 "lon: [west, east] with south < north, west < east") from exc
        bounds = (lat, lon)

    providers = section("providers")
    services = providers.get("services") or {}
    if not isinstance(services, dict):
        raise _mapping_error(name, "providers.services", "must map a provider kind to flags")
    for kind, flags in services.items():
        choice(kind, PROVIDER_KINDS, f"providers.services.{kind}")
        if not isinstance(flags, dict) or not set(flags) <= {"offers_broadband", "lends_devices"}:
            raise _mapping_error(name, f"providers.services.{kind}",
                                 "may only set offers_broadband and lends_devices")
    overrides = providers.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise _mapping_error(name, "providers.overrides", "must map organisation name to kind")
    for org, kind in overrides.items():
        choice(kind, PROVIDER_KINDS, f"providers.overrides.{org}")

    opps = section("opportunities")
    season = section("season")

    def month_day(key: str, default: str) -> tuple[int, int]:
        text = str(season.get(key, default))
        try:
            month, day = (int(p) for p in text.split("-"))
            dt.date(2024, month, day)  # a leap year accepts every real month-day
        except ValueError as exc:
            raise _mapping_error(name, f"season.{key}", f"{text!r} is not a month-day "
                                 "like 06-01") from exc
        return month, day

    grades = section("grades")
    interests: dict[str, tuple[str, ...]] = {}
    for cat, tags in section("interests").items():
        tags = tags if isinstance(tags, list) else [tags]
        if not all(isinstance(t, str) and t.strip() and ";" not in t for t in tags):
            raise _mapping_error(name, f"interests.{cat}", "must be a list of interest tags")
        interests[str(cat).strip().casefold()] = tuple(t.strip() for t in tags)

    zones = section("zones")
    origin = zones.get("origin")
    if origin is not None:
        if not (isinstance(origin, list) and len(origin) == 2
                and all(isinstance(v, int | float) for v in origin)):
            raise _mapping_error(name, "zones.origin", "must be [latitude, longitude]")
        origin = (float(origin[0]), float(origin[1]))
    zone_prefix = str(zones.get("prefix", "Z"))
    if not re.fullmatch(r"[A-Za-z0-9_]+", zone_prefix) or zone_prefix in (
            UNKNOWN_ZONE, ONLINE_ZONE):
        raise _mapping_error(name, "zones.prefix", "must be letters, digits or _")

    travel = section("travel")
    speeds = {m: number(travel, f"{m}_kmh", d, "travel", 0.5, 200)
              for m, d in (("walk", 5.0), ("bike", 15.0), ("transit", 18.0), ("car", 30.0))}

    align = section("alignments")
    by_interest: dict[str, tuple[dict, ...]] = {}
    raw_by = align.get("by_interest") or {}
    if not isinstance(raw_by, dict):
        raise _mapping_error(name, "alignments.by_interest", "must map interest to selectors")
    for interest, selectors in raw_by.items():
        selectors = selectors if isinstance(selectors, list) else [selectors]
        for i, sel in enumerate(selectors):
            if not (isinstance(sel, dict) and len(set(sel) & {"id", "domain", "name_contains"})
                    == 1 and set(sel) <= {"id", "domain", "name_contains", "take"}):
                raise _mapping_error(name, f"alignments.by_interest.{interest}[{i}]",
                                     "needs exactly one of id, domain or name_contains "
                                     "(and optionally take)")
        by_interest[str(interest).casefold()] = tuple(selectors)

    return CatalogMapping(
        label=label, id_prefix=prefix, columns=columns, required=tuple(required),
        encoding=encoding, bounds=bounds,
        provider_kinds=keyword_rules(providers.get("kinds"), PROVIDER_KINDS, "providers.kinds",
                                     "kind"),
        provider_kind_default=choice(providers.get("default", "community"), PROVIDER_KINDS,
                                     "providers.default"),
        provider_overrides={str(k).strip().casefold(): str(v) for k, v in overrides.items()},
        provider_services={k: {f: bool(v) for f, v in flags.items()}
                           for k, flags in services.items()},
        opportunity_kinds=keyword_rules(opps.get("kinds"), OPPORTUNITY_KINDS,
                                        "opportunities.kinds", "kind"),
        opportunity_kind_default=choice(opps.get("default_kind", "program"), OPPORTUNITY_KINDS,
                                        "opportunities.default_kind"),
        modalities=keyword_rules(opps.get("modalities"), MODALITIES, "opportunities.modalities",
                                 "modality"),
        modality_default=choice(opps.get("default_modality", "in_person"), MODALITIES,
                                "opportunities.default_modality"),
        seats=int(number(opps, "seats", 20, "opportunities", 0, 100000)),
        season_start=month_day("start", "06-01"),
        season_end=month_day("end", "08-31"),
        season_year=int(number(season, "year", 2014, "season", 1900, 2200)),
        season_follow_base=bool(season.get("follow_base", True)),
        grade_min_offset=int(number(grades, "min_offset", 5, "grades", 0, 25)),
        grade_max_offset=int(number(grades, "max_offset", 6, "grades", 0, 25)),
        interests=interests,
        zone_prefix=zone_prefix,
        zone_cell_km=number(zones, "cell_km", 4.0, "zones", 0.2, 500),
        zone_origin=origin,
        speeds_kmh=speeds,
        detour=number(travel, "detour", 1.3, "travel", 1, 5),
        car_parking_minutes=number(travel, "car_parking_minutes", 5, "travel", 0, 120),
        transit_min_minutes=number(travel, "transit_min_minutes", 10, "travel", 0, 120),
        max_walk_minutes=number(travel, "max_walk_minutes", 90, "travel", 0, 1440),
        alignments=by_interest,
        alignment_intensity=number(align, "intensity", 0.5, "alignments", 0.0001, 100),
        alignment_max_level=int(number(align, "max_level", 2, "alignments", 1, 4)),
        alignment_max_per_opportunity=int(number(align, "max_per_opportunity", 4,
                                                 "alignments", 1, 100)),
    )


# --------------------------------------------------------------------------------------------
# Bytes -> text, and mojibake repair

_ENCODING_WORDS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with byte-order mark)",
                   "utf-16": "UTF-16", "cp1252": "Windows-1252", "mac_roman": "Mac Roman"}


def decode_text(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Bytes -> text: byte-order mark, else strict UTF-8, else Windows-1252, else Mac Roman.

    Returns the text and the encoding used. Mac Roman maps every byte, so this never fails
    for ``"auto"``.
    """
    if encoding != "auto":
        return data.decode(encoding, errors="replace"), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for enc in ("utf-8", "cp1252", "mac_roman"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("mac_roman decodes every byte")  # pragma: no cover


def _byte_chars(lo: int, hi: int) -> dict[str, int]:
    out = {}
    for b in range(lo, hi):
        try:
            out[bytes([b]).decode("cp1252")] = b
        except UnicodeDecodeError:
            continue
    return out


_CONT = _byte_chars(0x80, 0xC0)
# Bytes Windows-1252 leaves undefined were carried through unchanged when the text was later
# saved as Mac Roman, so there they show up as these Mac Roman letters.
_MAC_PASSTHROUGH = {bytes([b]).decode("mac_roman"): b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_LEAD2 = _byte_chars(0xC2, 0xE0)
_LEAD3 = _byte_chars(0xE0, 0xF0)
# Word's Symbol-font bullets come out as private-use characters: show them as bullets.
_PRIVATE_BULLETS = {"\uf0b7": "•", "\uf0a7": "•"}
_STILL_GARBLED = re.compile(r"â€.|Ã[^\w\s]|Ã_|Â[^\w\s]")


def _mojibake_pattern(cont: dict[str, int]) -> re.Pattern:
    c = "".join(re.escape(ch) for ch in cont)
    l2 = "".join(re.escape(ch) for ch in _LEAD2)
    l3 = "".join(re.escape(ch) for ch in _LEAD3)
    return re.compile(f"[{l2}][{c}]|[{l3}][{c}]{{2}}")


_MOJIBAKE = _mojibake_pattern(_CONT)
_MOJIBAKE_MAC = _mojibake_pattern(_CONT | _MAC_PASSTHROUGH)


def repair_mojibake(text: str, mac_roman: bool = False) -> tuple[str, int]:
    """Undo UTF-8 that was read as Windows-1252 (``"Ã©"`` -> ``"é"``), only where clear.

    A run is replaced only when its characters map back to bytes that are valid UTF-8 for one
    character that is not a control character; everything else is left untouched.

    Parameters
    ----------
    text : str
        Decoded text.
    mac_roman : bool
        The text was decoded as Mac Roman, so undefined Windows-1252 bytes may appear as the
        Mac Roman letters they were passed through as.

    Returns
    -------
    tuple of (str, int)
        The repaired text and how many runs were repaired.
    """
    table = _CONT | _MAC_PASSTHROUGH if mac_roman else _CONT
    lead = _LEAD2 | _LEAD3
    count = 0

    def fix(m: re.Match) -> str:
        nonlocal count
        s = m.group(0)
        raw = bytes([lead[s[0]], *(table[ch] for ch in s[1:])])
        try:
            ch = raw.decode("utf-8")
        except UnicodeDecodeError:
            return s
        if len(ch) != 1 or (0x80 <= ord(ch) < 0xA0):
            return s
        if 0xE000 <= ord(ch) <= 0xF8FF:
            if ch not in _PRIVATE_BULLETS:
                return s
            ch = _PRIVATE_BULLETS[ch]
        count += 1
        return " " if ch == "\xa0" else ch

    pattern = _MOJIBAKE_MAC if mac_roman else _MOJIBAKE
    return pattern.sub(fix, text), count


# --------------------------------------------------------------------------------------------
# Free text -> schedule and cost

_DAY_WORDS = {
    "monday": "Mon", "tuesday": "Tue", "wednesday": "Wed", "thursday": "Thu", "friday": "Fri",
    "saturday": "Sat", "sunday": "Sun", "mon": "Mon", "tue": "Tue", "tues": "Tue", "wed": "Wed",
    "thu": "Thu", "thur": "Thu", "thurs": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun",
}
_WEEK = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYNAME = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_SHORT = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|" \
         r"thurs|thur|thu|fri|sat|sun)"
# A range ("Monday-Friday", "Tue - Fri") says the days repeat; a plural ("Saturdays",
# "Mondays and Wednesdays") or "every Monday" too. A lone singular day ("Tuesday, April 15")
# is one date, not a weekly pattern.
_DAY_RANGE = re.compile(rf"\b({_SHORT})s?\.?\s*(?:-|–|—|through|thru|to)\s*({_SHORT})s?\b", re.I)
_DAY_PLURALS = re.compile(
    rf"\b(?:every\s+)?({_DAYNAME}s)\b(?:\s*(?:,|and|&|/|or)\s*(?:{_DAYNAME}s)\b)*", re.I)
_DAY_EVERY = re.compile(rf"\b(?:every|each)\s+({_DAYNAME})\b", re.I)
_AMPM = r"(a\.?\s?m\.?|p\.?\s?m\.?)"
_TIME_RANGE = re.compile(
    rf"\b(\d{{1,2}})(?::(\d\d))?\s*{_AMPM}?\s*(?:-|–|—|to|until)\s*(\d{{1,2}})(?::(\d\d))?\s*"
    rf"{_AMPM}(?![a-z])", re.I)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d",
                    re.I)


def _days_in(match: re.Match) -> tuple[str, ...]:
    text = match.group(0).casefold()
    if _DAY_RANGE.fullmatch(match.group(0)):
        a, b = (_WEEK.index(_DAY_WORDS[g.casefold()]) for g in match.groups()[:2])
        return _WEEK[a:b + 1] if a <= b else ()
    found = {_DAY_WORDS[w] for w in re.findall(_DAYNAME, text)}
    return tuple(d for d in _WEEK if d in found)


def _clock(hour: str, minute: str | None, ampm: str) -> int | None:
    h, m = int(hour), int(minute or 0)
    if not (1 <= h <= 12 and m < 60):
        return None
    pm = ampm.casefold().startswith("p")
    return (h % 12 + (12 if pm else 0)) * 60 + m


def parse_schedule(text: str) -> tuple[tuple[str, ...], int, int] | None:
    """Find one clearly stated weekly pattern, e.g. ``"Mondays 3-5pm"`` -> (("Mon",), 900, 1020).

    The days must come shortly before the times in the same sentence, with no calendar date
    between them, and the text must state exactly one such pattern; otherwise ``None``.
    """
    text = " ".join(str(text).split())
    day_spans = []
    for pattern in (_DAY_RANGE, _DAY_PLURALS, _DAY_EVERY):
        for m in pattern.finditer(text):
            days = _days_in(m) if pattern is not _DAY_EVERY else (_DAY_WORDS[
                m.group(1).casefold()],)
            if days:
                day_spans.append((m.start(), m.end(), days))
    found = set()
    for t in _TIME_RANGE.finditer(text):
        end = _clock(t.group(4), t.group(5), t.group(6))
        if end is None:
            continue
        if t.group(3):
            start = _clock(t.group(1), t.group(2), t.group(3))
        else:
            # "3-5pm": the start takes the end's am/pm unless that puts it after the end
            start = _clock(t.group(1), t.group(2), t.group(6))
            if start is not None and start >= end:
                other = "am" if t.group(6).casefold().startswith("p") else "pm"
                start = _clock(t.group(1), t.group(2), other)
        if start is None or start >= end:
            continue
        before = [s for s in day_spans if s[1] <= t.start() and t.start() - s[1] <= 40]
        if not before:
            continue
        s = max(before, key=lambda s: s[1])
        gap = text[s[1]:t.start()]
        if "." in gap.replace("a.m", "").replace("p.m", "") or _MONTH.search(gap):
            continue
        found.add((s[2], start, end))
    return found.pop() if len(found) == 1 else None


_FREE = re.compile(
    r"\b(?:free of charge|(?:is|are|always|completely|totally|entirely) free|"
    r"free (?:family |community )?(?:program|programs|event|events|class|classes|workshop|"
    r"workshops|camp|admission|to attend|to participate|to join|for all|for youth|for teens)|"
    r"no cost|no charge|no fee)\b", re.I)
_DOLLARS = re.compile(r"\$\s?(\d{1,4}(?:,\d{3})*(?:\.\d\d)?)")
# Dollar amounts about these are not what a family pays for the programme.
_NOT_A_FEE = re.compile(r"parking|per car|stipend|earn|paid|wage|salary|/\s?h(ou)?r|an hour|"
                        r"per hour|prize|award|scholarship|worth|value|raise|donat|grant",
                        re.I)


def parse_cost(text: str) -> float | None:
    """The programme's price from free text when it is clear: ``"$25"`` -> 25.0, "free" -> 0.

    Amounts in sentences about parking, pay, prizes or donations are ignored. Several
    different amounts, or an amount next to "free", are not clear: ``None``.
    """
    text = " ".join(str(text).split())
    amounts = set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _NOT_A_FEE.search(sentence):
            continue
        amounts |= {float(a.replace(",", "")) for a in _DOLLARS.findall(sentence)}
    free = bool(_FREE.search(text))
    if free and not amounts:
        return 0.0
    if len(amounts) == 1 and not free:
        return amounts.pop()
    return None


# --------------------------------------------------------------------------------------------
# Reading rows

# A name that starts with a space and a small letter is text that an unquoted comma split off
# the end of a description, not a name.
_SENTENCE_TAIL = re.compile(r"\s+[a-z]")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d*)?$|^[-+]?\.\d+$")


@dataclass
class _Row:
    line: int
    title: str
    organisation: str
    description: str
    address: str
    lat: float | None
    lon: float | None
    min_age: int | None
    max_age: int | None
    category: str
    url: str
    start_date: dt.date | None
    end_date: dt.date | None
    cost: float | None


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _paragraphs(s: str) -> str:
    lines = [" ".join(p.split()) for p in s.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _key(s: str) -> str:
    return " ".join(s.split()).casefold()


def _read_rows(text: str, mapping: CatalogMapping, report: ImportReport) -> list[_Row]:
    """Parse CSV text into checked rows, reporting every row it cannot trust."""
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        report.skip("", "the file is empty")
        raise ImportFailed(report) from None
    except csv.Error as exc:
        report.skip("", f"the header row could not be read as CSV: {exc}", 1)
        raise ImportFailed(report) from exc
    header = [h.strip() for h in header]
    index = {}
    for i, h in enumerate(header):
        if h:
            index.setdefault(h, i)
            index.setdefault(h.casefold(), i)
    cols: dict[str, list[int]] = {}
    for fld, sources in mapping.columns.items():
        missing = [c for c in sources if c not in index and c.casefold() not in index]
        if missing:
            report.skip(f"columns.{fld}", f"the file has no column {missing[0]!r} "
                        f"(its header is: {', '.join(h for h in header if h)[:200]})", 1)
            raise ImportFailed(report)
        cols[fld] = [index.get(c, index.get(c.casefold())) for c in sources]
    unnamed = [i for i, h in enumerate(header) if not h]
    width = len(header)
    (lat_lo, lat_hi), (lon_lo, lon_hi) = mapping.bounds or ((-90.0, 90.0), (-180.0, 180.0))
    rows: list[_Row] = []
    previous_end = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.skip("", f"the rest of the file could not be read as CSV: {exc}",
                        previous_end + 1)
            break
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(v.strip() for v in values):
            continue
        report.read += 1

        def col(fld: str, values=values) -> str:
            return ", ".join(values[i].strip() for i in cols.get(fld, ())
                             if i < len(values) and values[i].strip())

        def col_raw(fld: str, values=values) -> str:
            i = cols[fld][0]
            return values[i] if i < len(values) else ""

        def skip(column: str, message: str, line=line) -> None:
            report.skip(column, message, line)

        extra = [i for i in unnamed if i < len(values) and values[i].strip()]
        if len(values) > width or extra:
            where = extra[0] if extra else width
            skip(f"column {where + 1}", f"row has {len(values)} values, more than the "
                 f"{sum(1 for h in header if h)} named columns: the fields look shifted "
                 "(probably an unquoted comma in an earlier field)")
            continue
        if len(values) < width and any(
                i >= len(values) for fl in cols.values() for i in fl):
            skip(header[len(values)] or f"column {len(values) + 1}",
                 f"row has only {len(values)} of {width} values")
            continue
        missing = [f for f in mapping.required if not col(f)]
        if missing:
            skip(mapping.columns[missing[0]][0], f"no {missing[0].replace('_', ' ')} given: "
                 "probably the rest of a row broken across lines")
            continue
        broken = [f for f in ("organisation", "title") if _SENTENCE_TAIL.match(col_raw(f))]
        if broken:
            skip(mapping.columns[broken[0]][0], f"{col(broken[0])[:40]!r} reads like the middle "
                 "of a sentence: the rest of a description broken across lines")
            continue
        problem = None
        nums: dict[str, float | None] = {}
        for fld, lo, hi in (("lat", lat_lo, lat_hi), ("lon", lon_lo, lon_hi),
                            ("min_age", 0, 120), ("max_age", 0, 120)):
            raw = col(fld)
            if fld not in cols or raw.casefold() in _NO_VALUE:
                nums[fld] = None
                continue
            what = {"lat": "latitude", "lon": "longitude"}.get(fld, fld.replace("_", " "))
            if not _NUMBER.match(raw):
                problem = (fld, f"{what} {raw[:40]!r} is not a number: the fields look shifted")
                break
            value = float(raw)
            if not lo <= value <= hi or (fld.endswith("age") and value != int(value)):
                problem = (fld, f"{what} {raw!r} is outside {lo}..{hi}: the fields look "
                           "shifted" if fld in ("lat", "lon") else
                           f"{what} {raw!r} is not a whole number of years in {lo}..{hi}")
                break
            nums[fld] = value
        if problem:
            skip(mapping.columns[problem[0]][0], problem[1])
            continue
        if (nums["lat"] is None) != (nums["lon"] is None):
            skip(mapping.columns["lat"][0], "only one of latitude and longitude is given")
            continue
        dates = {}
        for fld in ("start_date", "end_date"):
            raw = col(fld)
            dates[fld] = None
            if raw:
                try:
                    dates[fld] = pd.Timestamp(raw).date()
                except (ValueError, TypeError, OverflowError):
                    report.warn(mapping.columns[fld][0], f"{raw[:30]!r} is not a date; "
                                "the season's dates are used", line)
        cost = None
        if col("cost"):
            raw = col("cost").replace("$", "").replace(",", "").strip()
            if raw.casefold() == "free":
                cost = 0.0
            elif _NUMBER.match(raw) and float(raw) >= 0:
                cost = float(raw)
            else:
                report.warn(mapping.columns["cost"][0], f"cost {raw[:30]!r} is not a number",
                            line)
        min_age = None if nums["min_age"] is None else int(nums["min_age"])
        max_age = None if nums["max_age"] is None else int(nums["max_age"])
        if min_age is not None and max_age is not None and min_age > max_age:
            report.warn(mapping.columns["min_age"][0],
                        f"ages {min_age}-{max_age} are backwards; read as {max_age}-{min_age}",
                        line)
            min_age, max_age = max_age, min_age
        row = _Row(
            line=line, title=_one_line(col("title")), organisation=_one_line(col("organisation")),
            description=_paragraphs(col("description")), address=_one_line(col("address")),
            lat=nums["lat"], lon=nums["lon"], min_age=min_age, max_age=max_age,
            category=_one_line(col("category")), url=col("url"),
            start_date=dates["start_date"], end_date=dates["end_date"], cost=cost,
        )
        for fld in ("title", "organisation", "description"):
            m = _STILL_GARBLED.search(getattr(row, fld))
            if m:
                v = getattr(row, fld)
                report.warn(mapping.columns[fld][0], "text still looks garbled and could not be "
                            f"repaired safely: ...{v[max(0, m.start() - 15):m.end() + 15]}...",
                            line)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# Zones and travel


def _grid(mapping: CatalogMapping, lats, lons) -> tuple[float, float, float, float]:
    """Grid origin (lat0, lon0) and cell size in degrees (dlat, dlon)."""
    if mapping.zone_origin is not None:
        lat0, lon0 = mapping.zone_origin
    elif mapping.bounds is not None:
        lat0, lon0 = mapping.bounds[0][0], mapping.bounds[1][0]
    else:
        lat0, lon0 = math.floor(min(lats)), math.floor(min(lons))
    dlat = mapping.zone_cell_km / 111.32
    dlon = mapping.zone_cell_km / (111.32 * max(math.cos(math.radians(lat0)), 0.01))
    return lat0, lon0, dlat, dlon


def _row_letters(i: int) -> str:
    out = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _zone_name(prefix: str, r: int, c: int) -> str:
    letters = _row_letters(r) if r >= 0 else "S" + _row_letters(-r - 1)
    col = str(c + 1) if c >= 0 else "W" + str(-c)
    return f"{prefix}-{letters}{col}"


def _km_xy(lat0: float, lat, lon, lon0: float) -> np.ndarray:
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    return np.column_stack([(lon - lon0) * 111.32 * math.cos(math.radians(lat0)),
                            (lat - lat0) * 111.32])


def travel_rows(mapping: CatalogMapping, names: list[str], xy_km: np.ndarray) -> pd.DataFrame:
    """Travel minutes between every pair of zone centres (a <= b, one direction).

    Parameters
    ----------
    mapping : CatalogMapping
        Speeds, detour factor, parking and transit minimums.
    names : list of str
        Zone names.
    xy_km : ndarray, shape (n, 2)
        Zone centres in km on a flat local map.

    Returns
    -------
    pandas.DataFrame
        from_zone, to_zone, mode, minutes (whole minutes, at least 1).
    """
    n = len(names)
    if n == 0:
        return pd.DataFrame(columns=["from_zone", "to_zone", "mode", "minutes"])
    ii, jj = np.triu_indices(n)
    d = np.hypot(*(xy_km[ii] - xy_km[jj]).T)
    within = 0.52 * mapping.zone_cell_km  # mean distance between two points in a square cell
    d = np.where(ii == jj, within, d) * mapping.detour
    arr = np.asarray(names, dtype=object)
    frames = []
    for mode in MODES:
        minutes = d / mapping.speeds_kmh[mode] * 60
        if mode == "car":
            minutes = minutes + mapping.car_parking_minutes
        if mode == "transit":
            minutes = np.maximum(minutes, mapping.transit_min_minutes)
        minutes = np.maximum(np.round(minutes), 1)
        keep = minutes <= (mapping.max_walk_minutes if mode == "walk" else 1440)
        frames.append(pd.DataFrame({"from_zone": arr[ii[keep]], "to_zone": arr[jj[keep]],
                                    "mode": mode, "minutes": minutes[keep].astype(float)}))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Rows -> our frames


def _first_rule(text: str, rules, default: str) -> str:
    folded = text.casefold()
    for word, value in rules:
        if word in folded:
            return value
    return default


def _season(mapping: CatalogMapping, existing: Catalogue | None) -> tuple[dt.date, dt.date]:
    year = mapping.season_year
    if existing is not None and mapping.season_follow_base and len(existing.sections):
        year = pd.Timestamp(existing.sections["end_date"].max()).year
    start = dt.date(year, *mapping.season_start)
    end_year = year + (1 if mapping.season_end < mapping.season_start else 0)
    return start, dt.date(end_year, *mapping.season_end)


def _select_competencies(selectors, comps: pd.DataFrame) -> tuple[list[str], list[dict]]:
    chosen, unmatched = [], []
    for sel in selectors:
        if "id" in sel:
            ids = comps.loc[comps["competency_id"] == str(sel["id"]), "competency_id"].tolist()
        elif "domain" in sel:
            in_domain = comps[comps["domain"].str.casefold() == str(sel["domain"]).casefold()]
            top = in_domain[in_domain["parent_id"].fillna("").astype(str) == ""] \
                if "parent_id" in in_domain else in_domain
            ids = (top if len(top) else in_domain)["competency_id"].tolist()
        else:
            word = str(sel["name_contains"]).casefold()
            ids = comps.loc[comps["name"].str.casefold().str.contains(word, regex=False),
                            "competency_id"].tolist()
        ids = ids[: int(sel.get("take", 1))]
        if not ids:
            unmatched.append(sel)
        chosen.extend(i for i in ids if i not in chosen)
    return chosen, unmatched


def read_catalog_csv(
    path, mapping: CatalogMapping, existing: Catalogue | None = None,
) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    """Read a provider catalogue CSV into our providers, opportunities, sections, alignments.

    Parameters
    ----------
    path : str, Path or bytes
        The CSV file (or its bytes).
    mapping : CatalogMapping
        What each column means and the defaults for what the file does not say.
    existing : Catalogue, optional
        The catalogue the rows will join: its competencies receive alignments, its school
        year sets the season's year (``season.follow_base``), its zones with coordinates inside
        the mapping's bounds are connected to the new zones, and its ids must not collide.

    Returns
    -------
    tuple of (dict of str to DataFrame, ImportReport)
        Frames ``providers``, ``opportunities``, ``sections``, ``alignments`` and
        ``travel_times`` (new rows only) in the columns of ``workbench.domain.schema``; and
        the report: ``read`` counts data rows, ``imported`` the rows that became part of an
        opportunity; every skipped row has its physical line and column.

    Raises
    ------
    ImportFailed
        When the file cannot be read, lacks a mapped column, or no row could be used.
    """
    data, name = read_source_bytes(path)
    report = ImportReport(name)
    text, encoding = decode_text(data, mapping.encoding)
    if encoding not in ("utf-8", "utf-8-sig"):
        report.warn("encoding", f"the file is not UTF-8; read it as "
                    f"{_ENCODING_WORDS.get(encoding, encoding)}")
    if "\x00" in text:
        report.warn("encoding", "the file contains NUL characters; they were removed")
        text = text.replace("\x00", "")
    text, repaired = repair_mojibake(text, mac_roman=encoding == "mac_roman")
    if repaired:
        report.warn("text", f"repaired {repaired} garbled characters (UTF-8 read as "
                    "Windows-1252, e.g. 'Ã©' for 'é', 'â€™' for '’')")
    rows = _read_rows(text, mapping, report)

    # rows without coordinates borrow them from another row at the same address
    where = {}
    for r in rows:
        if r.lat is not None and r.address:
            where.setdefault(_key(r.address), (r.lat, r.lon, r.line))
    for r in rows:
        if r.lat is None and r.address and _key(r.address) in where:
            r.lat, r.lon, other = where[_key(r.address)]
            report.warn(mapping.columns["lat"][0], f"no coordinates; used those of line "
                        f"{other}, which has the same address", r.line)

    programmes: dict[tuple[str, str], list[_Row]] = {}
    for r in rows:
        programmes.setdefault((_key(r.organisation), _key(r.title)), []).append(r)

    season_start, season_end = _season(mapping, existing)
    lo_off, hi_off = mapping.grade_min_offset, mapping.grade_max_offset
    kept: dict[tuple[str, str], list[_Row]] = {}
    for k, group in programmes.items():
        ages = [(r.min_age, r.max_age) for r in group]
        lows = [a for a, _ in ages if a is not None]
        highs = [b for _, b in ages if b is not None]
        if lows and highs and (min(lows) - lo_off > 12 or max(highs) - lo_off < 0):
            for r in group:
                report.skip(mapping.columns["min_age"][0], f"for ages {min(lows)}-{max(highs)}: "
                            "no school grade (K-12) fits", r.line)
            continue
        kept[k] = group
    if not kept:
        report.skip("", "no programme could be read from the file")
        raise ImportFailed(report)
    report.imported = sum(len(g) for g in kept.values())

    lats = [r.lat for g in kept.values() for r in g if r.lat is not None]
    lons = [r.lon for g in kept.values() for r in g if r.lon is not None]
    grid = _grid(mapping, lats, lons) if lats else None

    def zone_of(lat, lon) -> str:
        lat0, lon0, dlat, dlon = grid
        return _zone_name(mapping.zone_prefix, math.floor((lat - lat0) / dlat),
                          math.floor((lon - lon0) / dlon))

    prefix = mapping.id_prefix
    taken = set()
    if existing is not None:
        taken = set(existing.providers["provider_id"]) | set(
            existing.opportunities["opportunity_id"]) | set(existing.sections["section_id"])

    providers: dict[str, dict] = {}
    provider_places: dict[str, Counter] = {}
    opp_rows, sec_rows, align_rows = [], [], []
    cost_unknown = tba = timed = 0
    comps = existing.competencies if existing is not None else None
    unmatched_selectors: dict[str, list] = {}
    selected: dict[str, list[str]] = {}  # interest -> competency ids, worked out once
    unknown_categories: Counter = Counter()
    no_zone_lines = []
    for group in kept.values():
        first = group[0]
        org_key = _key(first.organisation)
        if org_key not in providers:
            pid = f"{prefix}P{len(providers) + 1:04d}"
            kind = mapping.provider_overrides.get(org_key) or _first_rule(
                first.organisation, mapping.provider_kinds, mapping.provider_kind_default)
            services = mapping.provider_services.get(kind, {})
            providers[org_key] = {
                "provider_id": pid, "name": first.organisation, "kind": kind, "zone": "",
                "address": "", "lat": float("nan"), "lon": float("nan"),
                "offers_broadband": services.get("offers_broadband", False),
                "lends_devices": services.get("lends_devices", False),
            }
            provider_places[org_key] = Counter()
        provider = providers[org_key]
        oid = f"{prefix}O{len(opp_rows) + 1:05d}"
        interests: list[str] = []
        for r in group:
            tags = mapping.interests.get(r.category.casefold())
            if tags is None and r.category:
                unknown_categories[r.category] += 1
            for t in tags or ():
                if t not in interests:
                    interests.append(t)
        lows = [r.min_age for r in group if r.min_age is not None]
        highs = [r.max_age for r in group if r.max_age is not None]
        min_grade = int(np.clip(min(lows) - lo_off, 0, 12)) if lows else 0
        max_grade = int(np.clip(max(highs) - hi_off, 0, 12)) if highs else 12
        max_grade = max(max_grade, min_grade)
        descriptions = list(dict.fromkeys(r.description for r in group if r.description))
        description = descriptions[0] if descriptions else ""
        urls = list(dict.fromkeys(r.url for r in group if r.url))
        if urls:
            description = (description + "\n\nMore: " + urls[0]).strip()
        # "online" as a title word or as the address says where it happens
        modality = _first_rule(f"{first.title} | {first.address}", mapping.modalities,
                               mapping.modality_default)
        kind = _first_rule(first.title, mapping.opportunity_kinds,
                           mapping.opportunity_kind_default)
        if modality in ("online_live", "online_self_paced") and kind == \
                mapping.opportunity_kind_default:
            kind = "online_course"
        costs = {r.cost for r in group if r.cost is not None}
        cost = costs.pop() if len(costs) == 1 else parse_cost(" ".join(descriptions))
        if cost is None:
            cost_unknown += 1
            cost = 0.0
        online = modality in ("online_live", "online_self_paced")
        opp_rows.append({
            "opportunity_id": oid, "provider_id": provider["provider_id"], "title": first.title,
            "kind": kind, "modality": modality, "min_grade": min_grade, "max_grade": max_grade,
            "cost": float(cost), "seats": mapping.seats, "requires_broadband": online,
            "requires_device": online, "interests": ";".join(interests), "mentor_role": "",
            "description": description, "requires_car": False, "credit_hours": 0.0,
        })
        # one section per distinct place
        places: dict[tuple, list[_Row]] = {}
        for r in group:
            place = (round(r.lat, 4), round(r.lon, 4)) if r.lat is not None else \
                ("no coordinates", _key(r.address))
            places.setdefault(place, []).append(r)
        for place_rows in places.values():
            r = place_rows[0]
            if r.lat is not None:
                zone = zone_of(r.lat, r.lon)
                provider_places[org_key][(zone, r.address, r.lat, r.lon)] += len(place_rows)
            elif online:
                zone = ONLINE_ZONE
            else:
                zone = UNKNOWN_ZONE
                no_zone_lines.append(r.line)
            sched = parse_schedule(r.description) if not online else None
            sid = f"{prefix}S{len(sec_rows) + 1:05d}"
            start = r.start_date or season_start
            end = r.end_date or season_end
            if end < start:
                start, end = season_start, season_end
            sec_rows.append({
                "section_id": sid, "opportunity_id": oid, "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "days": ";".join(sched[0]) if sched else "",
                "start_time": f"{sched[1] // 60:02d}:{sched[1] % 60:02d}" if sched else "",
                "end_time": f"{sched[2] // 60:02d}:{sched[2] % 60:02d}" if sched else "",
                "zone": zone, "self_paced_hours": 0.0, "seats": None,
                "times_tba": sched is None,
            })
            tba += sched is None
            timed += sched is not None
        if comps is not None and len(comps):
            chosen: list[str] = []
            for interest in interests:
                if interest not in selected:
                    selectors = mapping.alignments.get(interest.casefold(), ())
                    selected[interest], unmatched = _select_competencies(selectors, comps)
                    if unmatched:
                        unmatched_selectors[interest] = unmatched
                chosen.extend(i for i in selected[interest] if i not in chosen)
            for cid in chosen[: mapping.alignment_max_per_opportunity]:
                align_rows.append({"opportunity_id": oid, "competency_id": cid,
                                   "intensity": mapping.alignment_intensity,
                                   "max_level": mapping.alignment_max_level, "min_level": 0})

    for org_key, provider in providers.items():
        places = provider_places[org_key]
        if places:
            # most listed place; ties go to the first listed (Counter keeps insertion order)
            (zone, address, lat, lon), _ = places.most_common(1)[0]
            provider.update(zone=zone, address=address, lat=lat, lon=lon)
        else:
            own = [o for o in opp_rows if o["provider_id"] == provider["provider_id"]]
            online = all(o["modality"] in ("online_live", "online_self_paced") for o in own)
            provider["zone"] = ONLINE_ZONE if online else UNKNOWN_ZONE
            if online and provider["kind"] == mapping.provider_kind_default:
                provider["kind"] = "online"

    collisions = sorted(taken & ({p["provider_id"] for p in providers.values()}
                                 | {o["opportunity_id"] for o in opp_rows}
                                 | {s["section_id"] for s in sec_rows}))
    if collisions:
        report.skip("source.id_prefix", f"ids {', '.join(collisions[:5])} already exist in the "
                    "catalogue: choose another id_prefix")
        raise ImportFailed(report)

    # travel between the new zones, and to base zones whose providers sit inside the bounds
    zone_xy: dict[str, np.ndarray] = {}
    if grid is not None:
        lat0, lon0, dlat, dlon = grid
        used = sorted(({s["zone"] for s in sec_rows} | {p["zone"] for p in providers.values()})
                      - {UNKNOWN_ZONE, ONLINE_ZONE})
        centres = {}
        for r in (r for g in kept.values() for r in g if r.lat is not None):
            z = zone_of(r.lat, r.lon)
            if z not in centres:
                i, j = math.floor((r.lat - lat0) / dlat), math.floor((r.lon - lon0) / dlon)
                centres[z] = (lat0 + (i + 0.5) * dlat, lon0 + (j + 0.5) * dlon)
        for z in used:
            zone_xy[z] = _km_xy(lat0, [centres[z][0]], [centres[z][1]], lon0)[0]
        if existing is not None and mapping.bounds is not None:
            p = existing.providers.dropna(subset=["lat", "lon"])
            (a, b), (c, d) = mapping.bounds
            p = p[p["lat"].between(a, b) & p["lon"].between(c, d)]
            for z, g in p.groupby("zone", sort=True):
                if z not in zone_xy:
                    zone_xy[str(z)] = _km_xy(lat0, [g["lat"].mean()], [g["lon"].mean()], lon0)[0]
    names = sorted(zone_xy)
    travel = travel_rows(mapping, names, np.array([zone_xy[z] for z in names]).reshape(-1, 2))
    if existing is not None and len(travel):
        old = set(map(tuple, existing.travel_times[["from_zone", "to_zone", "mode"]].to_numpy()))
        keep = [(a, b, m) not in old and (b, a, m) not in old for a, b, m in
                travel[["from_zone", "to_zone", "mode"]].itertuples(index=False)]
        travel = travel[keep].reset_index(drop=True)

    if any(s["zone"] == UNKNOWN_ZONE for s in sec_rows) or any(
            p["zone"] == UNKNOWN_ZONE for p in providers.values()):
        # The data format needs every zone in travel_times.csv. One placeholder row of a whole
        # day keeps "unknown" valid while nothing can reach it or fit a trip out of it.
        placeholder = pd.DataFrame([{"from_zone": UNKNOWN_ZONE, "to_zone": UNKNOWN_ZONE,
                                     "mode": "walk", "minutes": 1440.0}])
        travel = placeholder if not len(travel) else pd.concat([travel, placeholder],
                                                               ignore_index=True)

    # a few summary warnings rather than thousands of identical ones
    n_opp, n_sec = len(opp_rows), len(sec_rows)
    repeats = report.imported - n_opp
    report.warn("programmes", f"{report.imported} rows became {n_opp} programmes from "
                f"{len(providers)} organisations, offered in {n_sec} places; {repeats} rows "
                "repeated a programme already listed (e.g. once per category) and were merged")
    if tba:
        report.warn("times", f"{tba} of {n_sec} sections do not state clear weekly days and "
                    "times: marked 'times to be arranged' (check with the provider)")
    if cost_unknown:
        report.warn("cost", f"cost unknown for {cost_unknown} of {n_opp} programmes: set to $0 "
                    "(check with the provider)")
    report.warn("seats", f"the file gives no seat counts: each programme is listed with "
                f"{mapping.seats} seats (mapping opportunities.seats)")
    if not any(r.start_date for g in kept.values() for r in g):
        report.warn("dates", f"the file gives no dates: every section runs "
                    f"{season_start.isoformat()} to {season_end.isoformat()} (mapping season)")
    for cat, n in sorted(unknown_categories.items()):
        report.warn(mapping.columns["category"][0], f"category {cat!r} ({n} rows) has no "
                    "interests in the mapping")
    for interest, sels in sorted(unmatched_selectors.items()):
        report.warn(f"alignments.by_interest.{interest}", f"no competency in the catalogue "
                    f"matches {sels[0]}: no alignment made for it")
    for line in no_zone_lines:
        report.warn(mapping.columns["lat"][0] if "lat" in mapping.columns else "zone",
                    f"no coordinates: placed in zone '{UNKNOWN_ZONE}', which no travel "
                    "reaches", line)

    frames = {
        "providers": pd.DataFrame(list(providers.values()), columns=_names("providers.csv")),
        "opportunities": pd.DataFrame(opp_rows, columns=_names("opportunities.csv")),
        "sections": pd.DataFrame(sec_rows, columns=_names("sections.csv")),
        "alignments": pd.DataFrame(align_rows, columns=_names("alignments.csv")),
        "travel_times": travel[_names("travel_times.csv")].reset_index(drop=True),
    }
    return frames, report


def _names(file: str) -> list[str]:
    return [c.name for c in FILES[file]]


# --------------------------------------------------------------------------------------------
# Merging and writing


def merge_into(catalogue_frames: dict, imported: dict) -> dict:
    """Append imported frames to a catalogue's, refusing ids that already exist.

    Parameters
    ----------
    catalogue_frames : dict of str to DataFrame
        The base catalogue, keyed like the files without ``.csv`` (``providers``, ...).
    imported : dict of str to DataFrame
        What ``read_catalog_csv`` returned.

    Returns
    -------
    dict of str to DataFrame
        New frames; the inputs are not changed. Travel rows already in the base win.

    Raises
    ------
    ImportFailed
        When an imported id is already used in the base (choose another ``id_prefix``).
    """
    out = {k: v.copy() for k, v in catalogue_frames.items()}
    report = ImportReport("merge")
    for name, id_col in (("providers", "provider_id"), ("opportunities", "opportunity_id"),
                         ("sections", "section_id")):
        if name in out and name in imported:
            clash = sorted(set(out[name][id_col].astype(str))
                           & set(imported[name][id_col].astype(str)))
            if clash:
                report.skip(f"{name}.{id_col}", f"{len(clash)} ids already exist, e.g. "
                            f"{', '.join(clash[:3])}: choose another id prefix")
    if report.skipped:
        raise ImportFailed(report)
    for name, frame in imported.items():
        if name not in out or not len(out[name]):
            out[name] = frame.copy()
            continue
        if not len(frame):
            continue
        base = out[name]
        both = pd.concat([base.astype(object), frame.astype(object)], ignore_index=True)
        if name == "travel_times":
            both = both.drop_duplicates(["from_zone", "to_zone", "mode"], keep="first")
        if name == "alignments":
            both = both.drop_duplicates(["opportunity_id", "competency_id"], keep="first")
        out[name] = both.reset_index(drop=True)
    return out


def _empty_frames() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(columns=_names(file)) for file, name in FRAME_NAMES.items()}


def import_catalog(path, mapping_path, data_dir_out, base_data_dir=None) -> ImportReport:
    """Import a provider CSV and write a complete data directory with it.

    Parameters
    ----------
    path : str or Path
        The provider catalogue CSV.
    mapping_path : str or Path
        Its YAML column mapping (see ``load_mapping``).
    data_dir_out : str or Path
        Directory to write: the base catalogue plus the imported rows, and the base's learners
        and plans. Must not be the base directory itself.
    base_data_dir : str or Path, optional
        A data directory to add to. Without one, the written directory has the imported
        providers, opportunities and sections only (no competencies, so no alignments).

    Returns
    -------
    ImportReport

    Raises
    ------
    ImportFailed
        When the mapping, the CSV or the base cannot be used; nothing is written then.
    """
    from ..domain.generate import write_data_dir
    from ..domain.loading import DataError, load_dataset

    mapping = load_mapping(mapping_path)
    out_dir = Path(data_dir_out)
    existing = None
    frames = _empty_frames()
    learners, plans = [], []
    if base_data_dir is not None:
        base = Path(base_data_dir)
        if out_dir.resolve() == base.resolve():
            raise _mapping_error(str(out_dir), "data_dir_out", "write the import to a new "
                                 "directory, not over the base data directory")
        try:
            dataset = load_dataset(base)
        except DataError as exc:
            raise _mapping_error(str(base), "base_data_dir",
                                 f"the base data directory could not be loaded: {exc}") from exc
        existing = dataset.catalogue
        frames = {name: getattr(existing, name) for name in FRAME_NAMES.values()}
        learners, plans = list(dataset.learners.values()), list(dataset.plans.values())
    imported, report = read_catalog_csv(path, mapping, existing)
    merged = merge_into(frames, imported)
    write_data_dir(out_dir, merged, learners, plans)
    return report
