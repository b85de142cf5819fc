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

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..domain.dataset import MODALITIES, MODES, OPPORTUNITY_KINDS, PROVIDER_KINDS, Catalogue
from ..domain.schema import FILES, FRAME_NAMES
from ..i18n import M_, MP_, Message
from .report import DataError, ImportFailed, ImportReport, read_source_bytes

#: The fields a mapping can feed from source columns (``columns.<field>``).
FIELDS = (
    "title", "organisation", "description", "address", "lat", "lon", "coordinates", "min_age",
    "max_age", "ages", "category", "url", "start_date", "end_date", "cost",
)
UNKNOWN_ZONE = "unknown"
ONLINE_ZONE = "online"
_NO_VALUE = {"", "null", "none", "na", "n/a", "nan", "-"}


# --------------------------------------------------------------------------------------------
# The mapping file: its schema (pydantic), documented key by key in docs/data-format.md


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rewrite(_Part):
    """A pattern rule: the first rule whose ``match`` is found in the text gives its ``value``."""

    match: str = Field(description="regular expression, searched case-insensitively")
    value: str = Field(description=r"the new text; \1 or \g<name> put back what the groups found")

    @field_validator("match")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"{v!r} is not a regular expression: {exc}") from None
        return v


class Column(_Part):
    """Where one field comes from, and how its text is cleaned before it is read."""

    column: list[str] = Field(description="the CSV column, or several joined by ``join``")
    join: str = Field(", ", description="what goes between the columns' values")
    values: dict[str, str | None] = Field(
        default_factory=dict, description="whole values replaced (case and spaces ignored); "
        "an empty value means 'not given'")
    patterns: list[Rewrite] = Field(default_factory=list,
                                    description="pattern rules, tried after ``values``")
    split: str | None = Field(None, description="cut the value into several at this separator "
                              "(``category`` only: a programme in several categories)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, str | list):  # `title: name` or `address: [street, city]`
            v = {"column": v}
        if isinstance(v, dict) and isinstance(v.get("column"), str):
            v = {**v, "column": [v["column"]]}
        return v

    @field_validator("column")
    @classmethod
    def _named(cls, v: list[str]) -> list[str]:
        if not v or not all(isinstance(c, str) and c.strip() for c in v):
            raise ValueError("must name a CSV column (or a list of them)")
        return [c.strip() for c in v]


class Columns(_Part):
    """Our field -> the CSV column(s) it is read from; ``title`` and ``organisation`` needed."""

    title: Column
    organisation: Column
    description: Column | None = None
    address: Column | None = None
    lat: Column | None = None
    lon: Column | None = None
    coordinates: Column | None = None
    min_age: Column | None = None
    max_age: Column | None = None
    ages: Column | None = None
    category: Column | None = None
    url: Column | None = None
    start_date: Column | None = None
    end_date: Column | None = None
    cost: Column | None = None

    @model_validator(mode="after")
    def _pairs(self):
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        for name in FIELDS:
            spec = getattr(self, name)
            if spec is not None and spec.split is not None and name != "category":
                raise ValueError(f"split is for category only, not {name}")
        return self


class ProviderRule(_Part):
    contains: str
    kind: Literal[PROVIDER_KINDS]


class OpportunityRule(_Part):
    contains: str
    kind: Literal[OPPORTUNITY_KINDS]


class ModalityRule(_Part):
    contains: str
    modality: Literal[MODALITIES]


class Services(_Part):
    offers_broadband: bool = False
    lends_devices: bool = False


class Providers(_Part):
    kinds: list[ProviderRule] = Field(default_factory=list)
    default: Literal[PROVIDER_KINDS] = "community"
    overrides: dict[str, Literal[PROVIDER_KINDS]] = Field(default_factory=dict)
    services: dict[Literal[PROVIDER_KINDS], Services] = Field(default_factory=dict)


class Opportunities(_Part):
    kinds: list[OpportunityRule] = Field(default_factory=list)
    default_kind: Literal[OPPORTUNITY_KINDS] = "program"
    modalities: list[ModalityRule] = Field(default_factory=list)
    default_modality: Literal[MODALITIES] = "in_person"
    seats: int = Field(20, ge=0, le=100_000)


def _month_day(v) -> str:
    text = str(v).strip()
    try:
        month, day = (int(p) for p in text.split("-"))
        dt.date(2024, month, day)  # a leap year accepts every real month-day
    except ValueError:
        raise ValueError(f"{text!r} is not a month-day like 06-01") from None
    return f"{month:02d}-{day:02d}"


class Season(_Part):
    start: str = "06-01"
    end: str = "08-31"
    year: int = Field(2014, ge=1900, le=2200)
    follow_base: bool = True

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month_days(cls, v) -> str:
        return _month_day(v)


class Grades(_Part):
    min_offset: int = Field(5, ge=0, le=25)
    max_offset: int = Field(6, ge=0, le=25)


class Bounds(_Part):
    lat: tuple[float, float]
    lon: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self):
        if self.lat[0] >= self.lat[1] or self.lon[0] >= self.lon[1]:
            raise ValueError("needs lat: [south, north] and lon: [west, east] with south < north "
                             "and west < east")
        return self


class Zones(_Part):
    prefix: str = Field("Z", pattern=r"^[A-Za-z0-9_]+$")
    cell_km: float = Field(4.0, ge=0.2, le=500)
    origin: tuple[float, float] | None = None

    @field_validator("prefix")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in (UNKNOWN_ZONE, ONLINE_ZONE):
            raise ValueError(f"{v!r} is a zone the importer uses itself")
        return v


class Travel(_Part):
    walk_kmh: float = Field(5.0, ge=0.5, le=200)
    bike_kmh: float = Field(15.0, ge=0.5, le=200)
    transit_kmh: float = Field(18.0, ge=0.5, le=200)
    car_kmh: float = Field(30.0, ge=0.5, le=200)
    detour: float = Field(1.3, ge=1, le=5)
    car_parking_minutes: float = Field(5.0, ge=0, le=120)
    transit_min_minutes: float = Field(10.0, ge=0, le=120)
    max_walk_minutes: float = Field(90.0, ge=0, le=1440)


class Selector(_Part):
    id: str | None = None
    domain: str | None = None
    name_contains: str | None = None
    take: int = Field(1, ge=1, le=100)

    @model_validator(mode="after")
    def _one(self):
        if sum(v is not None for v in (self.id, self.domain, self.name_contains)) != 1:
            raise ValueError("needs exactly one of id, domain or name_contains (and optionally "
                             "take)")
        return self


class Alignments(_Part):
    intensity: float = Field(0.5, gt=0, le=100)
    max_level: int = Field(2, ge=1, le=4)
    max_per_opportunity: int = Field(4, ge=1, le=100)
    by_interest: dict[str, list[Selector]] = Field(default_factory=dict)

    @field_validator("by_interest", mode="before")
    @classmethod
    def _lists(cls, v):
        return {k: s if isinstance(s, list) else [s] for k, s in (v or {}).items()}


class Source(_Part):
    label: str = ""
    id_prefix: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    encoding: str = "auto"
    delimiter: str = Field(",", min_length=1, max_length=1)

    @field_validator("encoding")
    @classmethod
    def _known(cls, v: str) -> str:
        if v != "auto":
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r}") from None
        return v


class MappingFile(_Part):
    """A whole mapping file, as ``load_mapping`` reads it."""

    source: Source
    columns: Columns
    required: list[Literal[FIELDS]] = Field(default_factory=lambda: ["title", "organisation"])
    bounds: Bounds | None = None
    providers: Providers = Field(default_factory=Providers)
    opportunities: Opportunities = Field(default_factory=Opportunities)
    season: Season = Field(default_factory=Season)
    grades: Grades = Field(default_factory=Grades)
    interests: dict[str, list[str]] = Field(default_factory=dict)
    zones: Zones = Field(default_factory=Zones)
    travel: Travel = Field(default_factory=Travel)
    alignments: Alignments = Field(default_factory=Alignments)

    @field_validator("providers", "opportunities", "season", "grades", "zones", "travel",
                     "alignments", "interests", mode="before")
    @classmethod
    def _empty_is_default(cls, v):
        return {} if v is None else v

    @field_validator("interests", mode="before")
    @classmethod
    def _tag_lists(cls, v):
        out = {}
        for cat, tags in (v or {}).items():
            tags = tags if isinstance(tags, list) else [tags]
            if not all(isinstance(t, str) and t.strip() and ";" not in t for t in tags):
                raise ValueError(f"{cat}: must be a list of interest tags (no ';')")
            out[str(cat)] = [t.strip() for t in tags]
        return out

    @field_validator("required")
    @classmethod
    def _required_are_mapped(cls, v: list[str], info: ValidationInfo) -> list[str]:
        columns = info.data.get("columns")
        unmapped = [r for r in v if columns is not None and getattr(columns, r) is None]
        if unmapped:
            raise ValueError(f"lists {', '.join(unmapped)}, which columns does not map")
        return v


@dataclass(frozen=True)
class CatalogMapping:
    """How one kind of CSV export maps onto our catalogue (read from a YAML file).

    The attributes are the mapping file's keys, flattened; ``fields`` keeps each mapped field's
    :class:`Column` rule (columns, value map, patterns, separator).
    """

    label: str
    id_prefix: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ("title", "organisation")
    encoding: str = "auto"
    delimiter: str = ","
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
    fields: dict[str, Column] = field(default_factory=dict)

    @classmethod
    def from_file(cls, m: MappingFile, name: str) -> CatalogMapping:
        """Flatten a validated mapping file."""
        fields_ = {f: getattr(m.columns, f) for f in FIELDS if getattr(m.columns, f) is not None}
        month = {k: tuple(int(p) for p in getattr(m.season, k).split("-"))
                 for k in ("start", "end")}
        t = m.travel
        return cls(
            label=m.source.label or name, id_prefix=m.source.id_prefix,
            columns={f: tuple(spec.column) for f, spec in fields_.items()},
            required=tuple(m.required), encoding=m.source.encoding,
            delimiter=m.source.delimiter,
            bounds=(tuple(m.bounds.lat), tuple(m.bounds.lon)) if m.bounds else None,
            provider_kinds=tuple((r.contains.casefold(), r.kind) for r in m.providers.kinds),
            provider_kind_default=m.providers.default,
            provider_overrides={k.strip().casefold(): v for k, v in m.providers.overrides.items()},
            provider_services={k: s.model_dump() for k, s in m.providers.services.items()},
            opportunity_kinds=tuple((r.contains.casefold(), r.kind)
                                    for r in m.opportunities.kinds),
            opportunity_kind_default=m.opportunities.default_kind,
            modalities=tuple((r.contains.casefold(), r.modality)
                             for r in m.opportunities.modalities),
            modality_default=m.opportunities.default_modality, seats=m.opportunities.seats,
            season_start=month["start"], season_end=month["end"], season_year=m.season.year,
            season_follow_base=m.season.follow_base,
            grade_min_offset=m.grades.min_offset, grade_max_offset=m.grades.max_offset,
            interests={k.strip().casefold(): tuple(v) for k, v in m.interests.items()},
            zone_prefix=m.zones.prefix, zone_cell_km=m.zones.cell_km,
            zone_origin=tuple(m.zones.origin) if m.zones.origin else None,
            speeds_kmh={"walk": t.walk_kmh, "bike": t.bike_kmh, "transit": t.transit_kmh,
                        "car": t.car_kmh},
            detour=t.detour, car_parking_minutes=t.car_parking_minutes,
            transit_min_minutes=t.transit_min_minutes, max_walk_minutes=t.max_walk_minutes,
            alignments={k.casefold(): tuple(s.model_dump(exclude_none=True) for s in v)
                        for k, v in m.alignments.by_interest.items()},
            alignment_intensity=m.alignments.intensity,
            alignment_max_level=m.alignments.max_level,
            alignment_max_per_opportunity=m.alignments.max_per_opportunity,
            fields=fields_,
        )


def _mapping_error(source: str, key: str, message: str | Message) -> ImportFailed:
    report = ImportReport(source)
    report.skip(key, message)
    return ImportFailed(report)


def _where(loc: tuple) -> str:
    """pydantic's location ('providers', 'kinds', 0, 'kind') -> 'providers.kinds[0].kind'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "literal[", "tuple[", "list[", "dict[")):
            out += f".{part}" if out else str(part)
    return out


def _plain(error: dict) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "missing: name the CSV column that holds it" if error["loc"][:1] == ("columns",) \
            else "missing"
    if kind == "extra_forbidden":
        return "not a key the mapping knows (see docs/data-format.md)"
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"{value!r} is not one of {allowed.replace(' or ', ', ')}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return f"{error['msg'].rstrip('.')} (got {value!r})" if value is not None else error["msg"]


def load_mapping(path) -> CatalogMapping:
    """Read a YAML column mapping, refusing anything unclear with the YAML key at fault.

    Every key, its type, default and an example are in ``docs/data-format.md`` ("Provider
    catalogue mappings"); the schema itself is :class:`MappingFile`.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    CatalogMapping

    Raises
    ------
    ImportFailed
        When the file cannot be read or a key is missing or wrong: one problem per key, each
        with the key as its field (e.g. ``columns.title``, ``providers.kinds[2].kind``).
    """
    path = Path(path)
    name = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _mapping_error(name, "", M_("could not open the mapping file ({reason})",
                                          reason=exc.strerror or exc)) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = where.line + 1 if where is not None else None
        report = ImportReport(name)
        report.skip("", M_("not a readable YAML file: {reason}",
                           reason=getattr(exc, "problem", None) or exc), line)
        raise ImportFailed(report) from exc
    if not isinstance(doc, dict):
        raise _mapping_error(name, "", M_("the mapping must be a YAML mapping of keys to "
                                          "values"))
    try:
        validated = MappingFile.model_validate(doc)
    except ValidationError as exc:
        report = ImportReport(name)
        for error in exc.errors(include_url=False):
            report.skip(_where(error["loc"]), _plain(error))
        raise ImportFailed(report) from None
    return CatalogMapping.from_file(validated, name)


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
# Free text -> ages and coordinates

#: Age words common in US programme listings, as (youngest, oldest); ``None`` = no limit. A
#: mapping's ``columns.ages.values`` may add words or change these.
AGE_WORDS: dict[str, tuple[int | None, int | None] | None] = {
    "all ages": None, "everyone": None, "all": None, "families": None, "family": None,
    "kids": (5, 12), "children": (5, 12), "elementary": (5, 11), "elementary school": (5, 11),
    "tweens": (9, 12), "middle school": (11, 14), "junior high": (11, 14),
    "teens": (13, 18), "teen": (13, 18), "high school": (14, 18), "young adults": (16, 24),
    "adults": (18, None), "adult": (18, None), "seniors": (65, None), "older adults": (60, None),
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# "5-20" typed into a spreadsheet cell comes back as the date "20-May" (day-month), and "1-35"
# as "Jan-35" (month-year): month number first, then the other number, is the range.
_SPREADSHEET_DATES = (re.compile(rf"^(\d{{1,2}})[-/ ]{_MON}$", re.I),
                      re.compile(rf"^{_MON}[-/ ](\d{{1,2}})$", re.I))
_AGE_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|—|to|through|thru|until)\s*(\d{1,3})", re.I)
_AGE_UP = re.compile(r"(\d{1,3})\s*(?:\+|(?:years?\s*)?(?:and|&|or)\s*(?:up|older|over|above))",
                     re.I)
_AGE_UNDER = re.compile(r"(?:under|younger than|below|less than)\s*(\d{1,3})", re.I)
_AGE_TO = re.compile(r"(?:up to|through)\s*(\d{1,3})|(\d{1,3})\s*(?:and|&|or)\s*(?:under|younger|"
                     r"below)", re.I)
_AGE_ONE = re.compile(r"^(?:ages?\s*)?(\d{1,3})(?:\s*years?(?:\s*old)?)?$", re.I)


def parse_ages(text: str, words: dict | None = None) -> tuple[int | None, int | None] | None:
    """Ages written any common way -> (youngest, oldest); ``None`` when open to every age.

    ``"6 and up"`` -> (6, None); ``"14 to 24"`` -> (14, 24); ``"under 13"`` -> (None, 12);
    ``"Teens"`` -> (13, 18) (see :data:`AGE_WORDS`); ``"20-May"`` (what a spreadsheet makes of
    "5-20") -> (5, 20).

    Parameters
    ----------
    text : str
        The ages as written.
    words : dict, optional
        Extra words -> (youngest, oldest) or ``None``, tried before :data:`AGE_WORDS`.

    Raises
    ------
    ValueError
        When the text says no age the rules above can read.
    """
    clean = " ".join(str(text).replace("\u2013", "-").split()).strip(" .;:")
    key = clean.casefold().removeprefix("ages ").removeprefix("age ").strip()
    table = {**AGE_WORDS, **{k.casefold(): v for k, v in (words or {}).items()}}
    if key in table:
        return table[key]
    if key.casefold() in _NO_VALUE:
        return None
    for pattern in _SPREADSHEET_DATES:
        m = pattern.match(key)
        if m:
            a, b = m.groups() if pattern is _SPREADSHEET_DATES[0] else m.groups()[::-1]
            month = _MONTHS.index(b[:3].casefold()) + 1
            return _ordered(month, int(a))
    m = _AGE_RANGE.search(key)
    if m:
        return _ordered(int(m.group(1)), int(m.group(2)))
    m = _AGE_UP.search(key)
    if m:
        return int(m.group(1)), None
    m = _AGE_UNDER.search(key)
    if m:
        return None, max(int(m.group(1)) - 1, 0)
    m = _AGE_TO.search(key)
    if m:
        return None, int(m.group(1) or m.group(2))
    m = _AGE_ONE.match(key)
    if m:
        return int(m.group(1)), int(m.group(1))
    raise ValueError(f"{clean[:40]!r} is not an age or a range of ages")


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def _is_spreadsheet_date(text: str) -> bool:
    return any(p.match(text.strip()) for p in _SPREADSHEET_DATES)


_COORDINATES = re.compile(r"\(?\s*([-+]?\d{1,2}\.\d{3,})\s*[,;/ ]\s*([-+]?\d{1,3}\.\d{3,})\s*\)?")


def find_coordinates(text: str) -> tuple[float, float, str] | None:
    """A "latitude, longitude" pair inside free text, and the text without it.

    ``"1150 W Lakeside Ave, Chicago (41.9686, -87.6589)"`` ->
    ``(41.9686, -87.6589, "1150 W Lakeside Ave, Chicago")``. Both need at least three decimals,
    so house numbers and zip codes are never taken for coordinates.
    """
    m = _COORDINATES.search(str(text))
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    rest = (text[:m.start()] + " " + text[m.end():]).strip(" ,;@-")
    return lat, lon, " ".join(rest.split())


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
    categories: tuple[str, ...] = ()
    ages_given: bool = True


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _paragraphs(s: str) -> str:
    lines = [" ".join(p.split()) for p in s.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _key(s: str) -> str:
    return " ".join(s.split()).casefold()


def _rewrite(spec: Column | None, text: str) -> str:
    """A field's text after the mapping's value map and pattern rules."""
    if spec is None:
        return text
    if spec.values:
        table = {_key(k): v for k, v in spec.values.items()}
        if _key(text) in table:
            return table[_key(text)] or ""
    for rule in spec.patterns:
        m = re.search(rule.match, text, re.I)
        if m:
            return m.expand(rule.value)
    return text


@dataclass
class _Fields:
    """The file's header and where each mapped field is, for one read."""

    header: list[str]
    cols: dict[str, list[int]]
    mapping: CatalogMapping

    @property
    def width(self) -> int:
        return len(self.header)

    def raw(self, fld: str, values: list[str]) -> str:
        spec = self.mapping.fields.get(fld)
        join = spec.join if spec is not None else ", "
        return join.join(values[i].strip() for i in self.cols.get(fld, ())
                         if i < len(values) and values[i].strip())

    def text(self, fld: str, values: list[str]) -> str:
        return _rewrite(self.mapping.fields.get(fld), self.raw(fld, values)).strip()

    def column(self, fld: str) -> str:
        return self.mapping.columns[fld][0]


def _columns(header: list[str], mapping: CatalogMapping, report: ImportReport) -> _Fields:
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
            report.skip(f"columns.{fld}", M_("the file has no column {column} (its header is: "
                                             "{header})", column=repr(missing[0]),
                                             header=", ".join(h for h in header if h)[:200]), 1)
            raise ImportFailed(report)
        cols[fld] = [index.get(c, index.get(c.casefold())) for c in sources]
    return _Fields(header, cols, mapping)


def _bounds(mapping: CatalogMapping) -> dict[str, tuple[float, float]]:
    (lat_lo, lat_hi), (lon_lo, lon_hi) = mapping.bounds or ((-90.0, 90.0), (-180.0, 180.0))
    return {"lat": (lat_lo, lat_hi), "lon": (lon_lo, lon_hi), "min_age": (0, 120),
            "max_age": (0, 120)}


def _fits(fld: str, raw: str, bounds) -> bool:
    if not _NUMBER.match(raw.strip()):
        return False
    lo, hi = bounds[fld]
    return lo <= float(raw) <= hi


def _shifted(fld: str, values: list[str], fields: _Fields, bounds) -> bool:
    """Does the row look shifted at ``fld``: is a value that fits it a few columns over?

    A cell counts only where no other field expects it: a longitude in the longitude column is
    in its place, not a sign of a shift, while a latitude under "city" is.
    """
    numeric = {i: f for f in ("lat", "lon", "min_age", "max_age") for i in fields.cols.get(f, ())}
    for i in fields.cols.get(fld, ()):
        for j in range(max(i - 4, 0), min(i + 5, len(values))):
            owner = numeric.get(j)
            if j == i or (owner is not None and _fits(owner, values[j], bounds)):
                continue
            if _fits(fld, values[j], bounds):
                return True
        # a longitude under latitude, or the reverse
        other = {"lat": "lon", "lon": "lat"}.get(fld)
        if other in fields.cols and i < len(values) and _fits(other, values[i], bounds) and \
                not _fits(fld, values[i], bounds):
            return True
    return False


def _cut_off(text: str, line: int, values: list[str], width: int) -> str:
    """How the file stops part way through its last row (``line``), or "" when it does not."""
    tail = "".join(io.StringIO(text, newline="").readlines()[line - 1:])
    try:
        list(csv.reader(io.StringIO(tail, newline=""), strict=True))
    except csv.Error as exc:
        if "end of data" in str(exc):
            return "it ends inside a quoted value"
    if not text.endswith(("\n", "\r")) and len(values) < width:
        return f"its last row has {len(values)} of {width} values and no line end"
    return ""


def _read_rows(text: str, mapping: CatalogMapping, report: ImportReport) -> list[_Row]:
    """Parse CSV text into checked rows, reporting every row it cannot trust."""
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=mapping.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        report.skip("", M_("the file is empty"))
        raise ImportFailed(report) from None
    except csv.Error as exc:
        report.skip("", M_("the header row could not be read as CSV: {reason}", reason=exc), 1)
        raise ImportFailed(report) from exc
    fields = _columns(header, mapping, report)
    header, cols, width = fields.header, fields.cols, fields.width
    unnamed = [i for i, h in enumerate(header) if not h]
    bounds = _bounds(mapping)
    rows: list[_Row] = []
    previous_end = 1
    records: list[tuple[int, list[str]]] = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.skip("", M_("the rest of the file could not be read as CSV: {reason}",
                               reason=exc), previous_end + 1)
            break
        records.append((previous_end + 1, values))
        previous_end = reader.line_num
    last_line, last = next(((n, v) for n, v in reversed(records) if any(x.strip() for x in v)),
                           (0, None))
    cut_off = _cut_off(text, last_line, last, width) if last is not None else ""
    for line, values in records:
        if not any(v.strip() for v in values):
            continue
        report.read += 1

        def skip(column: str, message: Message, line=line) -> None:
            report.skip(column, message, line)

        if cut_off and values is last:
            skip("", M_("the file is cut off part way through this row ({reason}): the row was "
                        "not read", reason=cut_off))
            continue
        extra = [i for i in unnamed if i < len(values) and values[i].strip()]
        if len(values) > width or extra:
            where = extra[0] if extra else width
            skip(f"column {where + 1}", M_(
                "row has {n} values, more than the {named} named columns: the fields look "
                "shifted (probably an unquoted comma in an earlier field)", n=len(values),
                named=sum(1 for h in header if h)))
            continue
        if len(values) < width and any(i >= len(values) for fl in cols.values() for i in fl):
            skip(header[len(values)] or f"column {len(values) + 1}",
                 M_("row has only {n} of {width} values", n=len(values), width=width))
            continue
        text_of = {f: fields.text(f, values) for f in cols}
        missing = [f for f in mapping.required if not text_of.get(f)]
        if missing:
            skip(fields.column(missing[0]), M_(
                "no {field} given: probably the rest of a row broken across lines",
                field=missing[0].replace("_", " ")))
            continue
        broken = [f for f in ("organisation", "title")
                  if _SENTENCE_TAIL.match(values[cols[f][0]] if cols[f][0] < len(values) else "")]
        if broken:
            skip(fields.column(broken[0]), M_(
                "{text} reads like the middle of a sentence: the rest of a description broken "
                "across lines", text=repr(text_of[broken[0]][:40])))
            continue
        address = text_of.get("address", "")
        problem = None
        nums: dict[str, float | None] = {}
        for fld in ("lat", "lon", "min_age", "max_age"):
            raw = text_of.get(fld, "")
            if fld not in cols or raw.casefold() in _NO_VALUE:
                nums[fld] = None
                continue
            what = {"lat": M_("latitude"), "lon": M_("longitude"), "min_age": M_("min age"),
                    "max_age": M_("max age")}[fld]
            lo, hi = bounds[fld]
            looks_shifted = _shifted(fld, values, fields, bounds)
            if fld.endswith("age") and _is_spreadsheet_date(raw):
                problem = (fld, M_("{field} {value} is a date a spreadsheet made of a number: "
                                   "map the column as columns.ages to read it as a range of "
                                   "ages", field=what, value=repr(raw)))
                break
            if not _NUMBER.match(raw):
                problem = (fld, M_("{field} {value} is not a number: the fields look shifted",
                                   field=what, value=repr(raw[:40])) if looks_shifted else
                           M_("{field} {value} is not a number", field=what,
                              value=repr(raw[:40])))
                break
            value = float(raw)
            if not lo <= value <= hi:
                span = f"{lo:g}..{hi:g}"
                if fld in ("lat", "lon"):
                    problem = (fld, M_("{field} {value} is outside the mapping's bounds {span}: "
                                       "the fields look shifted", field=what, value=repr(raw),
                                       span=span) if looks_shifted else
                               M_("{field} {value} is outside the mapping's bounds {span}",
                                  field=what, value=repr(raw), span=span))
                else:
                    problem = (fld, M_("{field} {value} is outside ages {span}: the fields look "
                                       "shifted", field=what, value=repr(raw), span=span)
                               if looks_shifted else
                               M_("{field} {value} is outside ages {span}", field=what,
                                  value=repr(raw), span=span))
                break
            if fld.endswith("age") and value != int(value):
                problem = (fld, M_("{field} {value} is not a whole number of years",
                                   field=what, value=repr(raw)))
                break
            nums[fld] = value
        if problem:
            skip(fields.column(problem[0]), problem[1])
            continue
        if (nums["lat"] is None) != (nums["lon"] is None):
            skip(fields.column("lat"), M_("only one of latitude and longitude is given"))
            continue
        if nums["lat"] is None and "coordinates" in cols:
            found = find_coordinates(text_of["coordinates"])
            if found is not None:
                lat, lon, rest = found
                if not (bounds["lat"][0] <= lat <= bounds["lat"][1]
                        and bounds["lon"][0] <= lon <= bounds["lon"][1]):
                    skip(fields.column("coordinates"), M_(
                        "coordinates {lat}, {lon} are outside the mapping's bounds",
                        lat=f"{lat:g}", lon=f"{lon:g}"))
                    continue
                nums["lat"], nums["lon"] = lat, lon
                if cols["coordinates"] == cols.get("address"):
                    address = rest
        min_age = None if nums["min_age"] is None else int(nums["min_age"])
        max_age = None if nums["max_age"] is None else int(nums["max_age"])
        ages_given = min_age is not None or max_age is not None
        if "ages" in cols and not ages_given:
            raw = text_of["ages"]
            try:
                ages = parse_ages(raw)
            except ValueError as exc:
                report.warn(fields.column("ages"), M_(
                    "{reason}: opened to all grades (add the words under columns.ages.values)",
                    reason=getattr(exc, "said", exc)), line)
                ages = None
            else:
                if _is_spreadsheet_date(raw):
                    report.warn(fields.column("ages"), M_(
                        "ages {value} look like a date a spreadsheet made of {low}-{high}: read "
                        "as ages {low} to {high}", value=repr(raw), low=ages[0], high=ages[1]),
                        line)
            if ages is not None:
                min_age, max_age = ages
            ages_given = bool(raw)
        if min_age is not None and max_age is not None and min_age > max_age:
            report.warn(fields.column("min_age" if "min_age" in cols else "ages"),
                        M_("ages {low}-{high} are backwards; read as {high}-{low}", low=min_age,
                           high=max_age), line)
            min_age, max_age = max_age, min_age
        dates = {}
        for fld in ("start_date", "end_date"):
            raw = text_of.get(fld, "")
            dates[fld] = None
            if raw:
                try:
                    dates[fld] = pd.Timestamp(raw).date()
                except (ValueError, TypeError, OverflowError):
                    report.warn(fields.column(fld), M_("{value} is not a date; the season's "
                                                       "dates are used", value=repr(raw[:30])),
                                line)
        cost = None
        if text_of.get("cost"):
            raw = text_of["cost"].replace("$", "").replace(",", "").strip()
            if raw.casefold() in ("free", "no cost", "no charge", "0.00"):
                cost = 0.0
            elif _NUMBER.match(raw) and float(raw) >= 0:
                cost = float(raw)
            else:
                report.warn(fields.column("cost"), M_("cost {value} is not a number",
                                                      value=repr(raw[:30])), line)
        category = _one_line(text_of.get("category", ""))
        split = mapping.fields["category"].split if "category" in mapping.fields else None
        categories = tuple(c for c in (_one_line(p) for p in (
            category.split(split) if split else [category])) if c)
        row = _Row(
            line=line, title=_one_line(text_of["title"]),
            organisation=_one_line(text_of["organisation"]),
            description=_paragraphs(text_of.get("description", "")),
            address=_one_line(address), lat=nums["lat"], lon=nums["lon"], min_age=min_age,
            max_age=max_age, category=category, url=text_of.get("url", ""),
            start_date=dates["start_date"], end_date=dates["end_date"], cost=cost,
            categories=categories, ages_given=ages_given,
        )
        for fld in ("title", "organisation", "description"):
            m = _STILL_GARBLED.search(getattr(row, fld))
            if m:
                v = getattr(row, fld)
                report.warn(fields.column(fld), M_(
                    "text still looks garbled and could not be repaired safely: ...{text}...",
                    text=v[max(0, m.start() - 15):m.end() + 15]), line)
        rows.append(row)
    if cut_off:
        report.warn("", M_("the file is cut off: it ends part way through a row, so the rows "
                           "after it are missing"))
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
    """The season's first and last day.

    With a base catalogue (``season.follow_base``) the season is put where it overlaps the
    base's school year most: a September-June season is that school year, a summer season the
    summer the school year ends in. Otherwise ``season.year`` (the year the season starts).
    """
    wraps = mapping.season_end < mapping.season_start

    def dates(year: int) -> tuple[dt.date, dt.date]:
        return (dt.date(year, *mapping.season_start),
                dt.date(year + wraps, *mapping.season_end))

    if existing is None or not mapping.season_follow_base or not len(existing.sections):
        return dates(mapping.season_year)
    first, last = existing.school_year

    def overlap(year: int) -> tuple[int, int]:
        a, b = dates(year)
        return (min(b, last) - max(a, first)).days, year  # ties: the later year

    return dates(max(overlap(y) for y in range(first.year - 1, last.year + 1))[1])


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
        report.warn("encoding", M_("the file is not UTF-8; read it as {encoding}",
                                   encoding=_ENCODING_WORDS.get(encoding, encoding)))
    if "\x00" in text:
        report.warn("encoding", M_("the file contains NUL characters; they were removed"))
        text = text.replace("\x00", "")
    text, repaired = repair_mojibake(text, mac_roman=encoding == "mac_roman")
    if repaired:
        report.warn("text", MP_("repaired {n} garbled character (UTF-8 read as Windows-1252, "
                                "e.g. 'Ã©' for 'é', 'â€™' for '’')",
                                "repaired {n} garbled characters (UTF-8 read as Windows-1252, "
                                "e.g. 'Ã©' for 'é', 'â€™' for '’')", n=repaired))
    rows = _read_rows(text, mapping, report)

    # rows without coordinates borrow them from another row at the same address
    where = {}
    for r in rows:
        if r.lat is not None and r.address:
            where.setdefault(_key(r.address), (r.lat, r.lon, r.line))
    for r in rows:
        if r.lat is None and r.address and _key(r.address) in where:
            r.lat, r.lon, other = where[_key(r.address)]
            report.warn(_where_column(mapping), M_("no coordinates; used those of line {line}, "
                                                   "which has the same address", line=str(other)),
                        r.line)

    programmes: dict[tuple[str, str], list[_Row]] = {}
    for r in rows:
        programmes.setdefault((_key(r.organisation), _key(r.title)), []).append(r)

    season_start, season_end = _season(mapping, existing)
    lo_off, hi_off = mapping.grade_min_offset, mapping.grade_max_offset
    age_column = next((mapping.columns[f][0] for f in ("min_age", "ages", "max_age")
                       if f in mapping.columns), "ages")
    kept: dict[tuple[str, str], list[_Row]] = {}
    no_ages: list[int] = []
    for k, group in programmes.items():
        too_old = all(r.min_age is not None and r.min_age - lo_off > 12 for r in group)
        too_young = all(r.max_age is not None and r.max_age - lo_off < 0 for r in group)
        if too_old or too_young:
            for r in group:
                ages = f"{r.min_age if r.min_age is not None else ''}-" \
                       f"{r.max_age if r.max_age is not None else ''}".strip("-")
                ages = ages + "+" if r.max_age is None else ages
                report.skip(age_column, M_("for ages {ages}: no school grade (K-12) fits",
                                           ages=ages), r.line)
            continue
        if not any(r.ages_given for r in group):
            no_ages.append(group[0].line)
        kept[k] = group
    if not kept:
        report.skip("", M_("no programme could be read from the file"))
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
            for cat in r.categories:
                tags = mapping.interests.get(cat.casefold())
                if tags is None:
                    unknown_categories[cat] += 1
                for t in tags or ():
                    if t not in interests:
                        interests.append(t)
        # each row's grades (an age not given is no limit), then the span over the rows
        min_grade = min(0 if r.min_age is None else int(np.clip(r.min_age - lo_off, 0, 12))
                        for r in group)
        max_grade = max(12 if r.max_age is None else int(np.clip(r.max_age - hi_off, 0, 12))
                        for r in group)
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
        report.skip("source.id_prefix", M_("ids {ids} already exist in the catalogue: choose "
                                           "another id_prefix", ids=", ".join(collisions[:5])))
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
    report.warn("programmes", M_(
        "{rows} rows became {n_opp} programmes from {orgs} organisations, offered in {n_sec} "
        "places; {repeats} rows repeated a programme already listed (e.g. once per category) "
        "and were merged", rows=report.imported, n_opp=n_opp, orgs=len(providers), n_sec=n_sec,
        repeats=repeats))
    if tba:
        report.warn("times", M_("{n} of {n_sec} sections do not state clear weekly days and "
                                "times: marked 'times to be arranged' (check with the provider)",
                                n=tba, n_sec=n_sec))
    if cost_unknown:
        report.warn("cost", M_("cost unknown for {n} of {n_opp} programmes: set to $0 (check "
                               "with the provider)", n=cost_unknown, n_opp=n_opp))
    report.warn("seats", M_("the file gives no seat counts: each programme is listed with "
                            "{seats} seats (mapping opportunities.seats)", seats=mapping.seats))
    if not any(r.start_date for g in kept.values() for r in g):
        report.warn("dates", M_("the file gives no dates: every section runs {start} to {end} "
                                "(mapping season)", start=season_start.isoformat(),
                                end=season_end.isoformat()))
    if no_ages:
        lines = ", ".join(str(n) for n in no_ages[:5]) + (", ..." if len(no_ages) > 5 else "")
        report.warn(age_column, M_("{n} of {n_opp} programmes give no ages (line {lines}): "
                                   "opened to all grades, K-12", n=len(no_ages), n_opp=n_opp,
                                   lines=lines))
    for cat, n in sorted(unknown_categories.items()):
        report.warn(mapping.columns["category"][0], M_(
            "category {category} ({n} rows) has no interests in the mapping",
            category=repr(cat), n=n))
    for interest, sels in sorted(unmatched_selectors.items()):
        report.warn(f"alignments.by_interest.{interest}", M_(
            "no competency in the catalogue matches {selector}: no alignment made for it",
            selector=sels[0]))
    for line in no_zone_lines:
        report.warn(_where_column(mapping),
                    M_("no coordinates: placed in zone '{zone}', which no travel reaches",
                       zone=UNKNOWN_ZONE), line)

    frames = {
        "providers": pd.DataFrame(list(providers.values()), columns=_names("providers.csv")),
        "opportunities": pd.DataFrame(opp_rows, columns=_names("opportunities.csv")),
        "sections": pd.DataFrame(sec_rows, columns=_names("sections.csv")),
        "alignments": pd.DataFrame(align_rows, columns=_names("alignments.csv")),
        "travel_times": travel[_names("travel_times.csv")].reset_index(drop=True),
    }
    return frames, report


def _where_column(mapping: CatalogMapping) -> str:
    """The column coordinates come from, for notes about places."""
    for fld in ("lat", "coordinates", "address"):
        if fld in mapping.columns:
            return mapping.columns[fld][0]
    return "zone"


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
                report.skip(f"{name}.{id_col}", M_("{n} ids already exist, e.g. {ids}: choose "
                                                   "another id prefix", n=len(clash),
                                                   ids=", ".join(clash[:3])))
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


def import_catalog(path, mapping_path, data_dir_out, base_data_dir=None, *,
                   accept_partial: bool = False) -> ImportReport:
    """Import a provider CSV and write a complete data directory with it.

    Nothing is written unless every row could be read, or ``accept_partial`` is given.

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
    accept_partial : bool
        Write what could be read even when some rows were skipped (they stay in the report).

    Returns
    -------
    ImportReport

    Raises
    ------
    ImportFailed
        When the mapping, the CSV or the base cannot be used, or some rows could not be read
        and ``accept_partial`` is false; nothing is written then.
    """
    from .datadir import load_dataset, write_data_dir

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
    if report.skipped and not accept_partial:
        report.warn("", M_("nothing was written: {n} of {read} rows could not be read; accept "
                           "the partial read to keep the other {imported}",
                           n=len(report.skipped), read=report.read, imported=report.imported))
        raise ImportFailed(report)
    merged = merge_into(frames, imported)
    write_data_dir(out_dir, merged, learners, plans)
    return report
