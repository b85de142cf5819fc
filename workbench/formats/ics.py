"""iCalendar (RFC 5545): a family's calendar in as busy times, a plan's schedule out as ``.ics``.

Real calendar files are messy (Exchange time-zone names, labels like ``"(GMT +01:00)"``, bad
repeat rules, files cut off half way), so reading goes through a tolerant line-based parser
that keeps line numbers: whatever cannot be read is reported by event title and line, and the
rest is imported. Repeating events are expanded here with :mod:`dateutil.rrule` on local wall
clock time, so a 3:30 pm class stays at 3:30 pm across a daylight-saving change.

Writing produces one weekly repeating event per section of a plan, with a ``VTIMEZONE`` built
from the time-zone database and UIDs derived from the plan and section, so importing the file a
second time updates the family's calendar instead of duplicating it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from dateutil import rrule as du_rrule

from workbench.domain.dataset import (
    DAY_NAMES,
    DAYS,
    MODALITY_WORDS,
    PROVIDER_KIND_WORDS,
    Catalogue,
    Learner,
    Plan,
    TimeBlock,
    format_minutes,
    parse_days,
    parse_minutes,
)
from workbench.formats.report import ImportFailed, ImportReport, read_source_bytes

__all__ = [
    "WINDOWS_ZONES",
    "availability_from_busy",
    "busy_to_weekly",
    "import_calendar",
    "plan_to_ics",
    "read_busy_times",
    "weekly_meetings",
]

UTC = dt.UTC
DEFAULT_TZ = "America/Chicago"
DEFAULT_WEEKS = 12
BUSY_COLUMNS = ("summary", "start", "end", "all_day", "uid", "line", "repeats")

# A repeat rule is walked from its first date; this bounds the work one event can cause (a daily
# rule from 1900 is ~45,000 steps) so a hostile or broken file cannot stall a session.
MAX_RULE_STEPS = 100_000

# Windows time-zone names as Exchange/Outlook write them in TZID, mapped to the IANA zone CLDR
# lists for territory "001" (unicode-org/cldr common/supplemental/windowsZones.xml).
WINDOWS_ZONES = {
    "Dateline Standard Time": "Etc/GMT+12",
    "UTC-11": "Etc/GMT+11",
    "Aleutian Standard Time": "America/Adak",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Mountain Standard Time": "America/Denver",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time": "America/New_York",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Venezuela Standard Time": "America/Caracas",
    "Atlantic Standard Time": "America/Halifax",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "SA Eastern Standard Time": "America/Cayenne",
    "Greenland Standard Time": "America/Nuuk",
    "Montevideo Standard Time": "America/Montevideo",
    "UTC-02": "Etc/GMT+2",
    "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde",
    "UTC": "Etc/UTC",
    "Coordinated Universal Time": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "GTB Standard Time": "Europe/Bucharest",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Egypt Standard Time": "Africa/Cairo",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arabic Standard Time": "Asia/Baghdad",
    "Arab Standard Time": "Asia/Riyadh",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Afghanistan Standard Time": "Asia/Kabul",
    "Pakistan Standard Time": "Asia/Karachi",
    "India Standard Time": "Asia/Kolkata",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "Myanmar Standard Time": "Asia/Yangon",
    "SE Asia Standard Time": "Asia/Bangkok",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Taipei Standard Time": "Asia/Taipei",
    "W. Australia Standard Time": "Australia/Perth",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Tasmania Standard Time": "Australia/Hobart",
    "New Zealand Standard Time": "Pacific/Auckland",
}

# Outlook sometimes writes its display name instead ("(UTC-05:00) Eastern Time (US & Canada)");
# the place name is more reliable than the offset, which ignores daylight saving.
_DISPLAY_NAMES = {
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "mountain time (us & canada)": "America/Denver",
    "pacific time (us & canada)": "America/Los_Angeles",
    "arizona": "America/Phoenix",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "atlantic time (canada)": "America/Halifax",
}

_OFFSET_LABEL = re.compile(r"(?:GMT|UTC)\s*([+\-−])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?", re.I)
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_TEXT = re.compile(r'[^;:,"]*')
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATETIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)")
_DURATION = re.compile(
    r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?"
)
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_ICS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQS = {
    "YEARLY": du_rrule.YEARLY, "MONTHLY": du_rrule.MONTHLY, "WEEKLY": du_rrule.WEEKLY,
    "DAILY": du_rrule.DAILY, "HOURLY": du_rrule.HOURLY, "MINUTELY": du_rrule.MINUTELY,
    "SECONDLY": du_rrule.SECONDLY,
}
_WEEKDAYS = (du_rrule.MO, du_rrule.TU, du_rrule.WE, du_rrule.TH, du_rrule.FR, du_rrule.SA,
             du_rrule.SU)
# rule part -> (rrule keyword, lowest, highest allowed absolute value, may be negative)
_INT_LIST_PARTS = {
    "BYMONTH": ("bymonth", 1, 12, False),
    "BYMONTHDAY": ("bymonthday", 1, 31, True),
    "BYYEARDAY": ("byyearday", 1, 366, True),
    "BYWEEKNO": ("byweekno", 1, 53, True),
    "BYSETPOS": ("bysetpos", 1, 366, True),
    "BYHOUR": ("byhour", 0, 23, False),
    "BYMINUTE": ("byminute", 0, 59, False),
    "BYSECOND": ("bysecond", 0, 60, False),
}


# --------------------------------------------------------------------------------------------
# Tolerant parsing: logical lines with their line numbers, then components
# --------------------------------------------------------------------------------------------


@dataclass
class _Prop:
    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass
class _Component:
    name: str
    line: int
    props: list[_Prop] = field(default_factory=list)
    children: list[_Component] = field(default_factory=list)
    closed: bool = False
    unreadable_lines: list[int] = field(default_factory=list)

    def first(self, name: str) -> _Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def all(self, name: str) -> list[_Prop]:
        return [p for p in self.props if p.name == name]

    def walk(self, name: str):
        for child in self.children:
            if child.name == name:
                yield child
            yield from child.walk(name)


class _BadEvent(Exception):
    """An event that cannot be read: the field and line to report."""

    def __init__(self, field_: str, message: str, line: int):
        super().__init__(message)
        self.field = field_
        self.message = message
        self.line = line


def _decode(data: bytes, report: ImportReport) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.warn("", "the file is not UTF-8 text; it was read as Windows-1252 (Western), so "
                        "some accented letters may look wrong")
        return data.decode("cp1252", errors="replace")


def _logical_lines(text: str):
    """Unfold continuation lines (RFC 5545 3.1), keeping each logical line's first line number.

    Any of CRLF, LF or CR ends a line: files edited on different systems mix them.
    """
    current: list[str] = []
    start = 0
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if raw[:1] in (" ", "\t") and current:
            current.append(raw[1:])
            continue
        if current:
            yield start, "".join(current)
        current, start = [raw], number
    if current:
        yield start, "".join(current)


def _parse_content_line(text: str) -> tuple[str, dict[str, str], str] | None:
    """``NAME;PARAM=a,"b:c":value`` -> (NAME, {PARAM: 'a,b:c'}, value); None when malformed."""
    m = _NAME.match(text)
    if not m:
        return None
    name, i, n = m.group(0).upper(), m.end(), len(text)
    params: dict[str, str] = {}
    while i < n and text[i] == ";":
        m = _NAME.match(text, i + 1)
        if not m or m.end() >= n or text[m.end()] != "=":
            return None
        pname, i = m.group(0).upper(), m.end() + 1
        values = []
        while True:
            if i < n and text[i] == '"':
                j = text.find('"', i + 1)
                if j < 0:
                    return None
                values.append(text[i + 1:j])
                i = j + 1
            else:
                m = _PARAM_TEXT.match(text, i)
                values.append(m.group(0))
                i = m.end()
            if i < n and text[i] == ",":
                i += 1
                continue
            break
        params[pname] = ",".join(values)
    if i >= n or text[i] != ":":
        return None
    return name, params, text[i + 1:]


def _parse_components(text: str) -> _Component:
    """Build the component tree; unmatched ENDs are ignored and unclosed components kept."""
    root = _Component("ROOT", 0, closed=True)
    stack = [root]
    for number, line in _logical_lines(text):
        if not line.strip():
            continue
        parsed = _parse_content_line(line)
        if parsed is None:
            stack[-1].unreadable_lines.append(number)
            continue
        name, params, value = parsed
        if name == "BEGIN":
            comp = _Component(value.strip().upper(), number)
            stack[-1].children.append(comp)
            stack.append(comp)
        elif name == "END":
            target = value.strip().upper()
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].name == target:
                    stack[depth].closed = True
                    del stack[depth:]
                    break
        else:
            stack[-1].props.append(_Prop(name, params, value, number))
    return root


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------


@cache
def _olson_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _olson(name: str) -> dt.tzinfo | None:
    """The IANA zone for a name, accepting ``/mozilla.org/.../Europe/Berlin``-style prefixes."""
    name = name.strip()
    names = _olson_names()
    if name in names:
        return zoneinfo.ZoneInfo(name)
    parts = name.strip("/").split("/")
    for k in range(1, len(parts)):
        tail = "/".join(parts[k:])
        if tail in names:
            return zoneinfo.ZoneInfo(tail)
    return None


class _Zones:
    """Resolve TZIDs of one file to tzinfo objects, warning once per unusual name."""

    def __init__(self, root: _Component, learner_tz: dt.tzinfo, report: ImportReport):
        self.definitions = {}
        for comp in root.walk("VTIMEZONE"):
            tzid = comp.first("TZID")
            if tzid is not None:
                self.definitions[tzid.value.strip()] = comp
        self.learner_tz = learner_tz
        self.report = report
        self.cache: dict[str, dt.tzinfo] = {}

    def get(self, tzid: str, line: int) -> dt.tzinfo:
        key = tzid.strip()
        if key not in self.cache:
            self.cache[key] = self._resolve(key, line)
        return self.cache[key]

    def _resolve(self, tzid: str, line: int) -> dt.tzinfo:
        zone = _olson(tzid)
        if zone is not None:
            return zone
        if tzid in WINDOWS_ZONES:
            return zoneinfo.ZoneInfo(WINDOWS_ZONES[tzid])
        lowered = tzid.lower()
        for fragment, olson in _DISPLAY_NAMES.items():
            if fragment in lowered:
                self.report.warn("TZID", f'time zone "{tzid}" was read as {olson}', line)
                return zoneinfo.ZoneInfo(olson)
        definition = self.definitions.get(tzid)
        if definition is not None:
            location = definition.first("X-LIC-LOCATION")
            if location is not None and _olson(location.value):
                return _olson(location.value)
        m = _OFFSET_LABEL.search(tzid)
        if m:
            sign = -1 if m.group(1) in "-−" else 1
            hours, minutes = int(m.group(2)), int(m.group(3) or 0)
            if hours <= 14 and minutes < 60:
                offset = dt.timedelta(hours=hours, minutes=minutes) * sign
                label = f"UTC{'+' if sign > 0 else '-'}{hours:02d}:{minutes:02d}"
                self.report.warn(
                    "TZID",
                    f'time zone "{tzid}" is not a named time zone; times were read at a fixed '
                    f"{label}, without daylight-saving changes",
                    line,
                )
                return dt.timezone(offset)
        if definition is not None:
            zone = self._from_definition(definition)
            if zone is not None:
                self.report.warn(
                    "TZID", f'time zone "{tzid}" is not a standard name; used the rules given '
                            "for it in the file", line)
                return zone
        self.report.warn(
            "TZID",
            f'time zone "{tzid}" is not one the workbench knows; its times were read as '
            f"{self.learner_tz} (the learner's time zone), so check them",
            line,
        )
        return self.learner_tz

    @staticmethod
    def _from_definition(definition: _Component) -> dt.tzinfo | None:
        # Rebuild the VTIMEZONE text and let the icalendar package turn its rules into a tzinfo.
        try:
            import icalendar

            lines = []

            def emit(comp: _Component) -> None:
                lines.append(f"BEGIN:{comp.name}")
                for p in comp.props:
                    params = "".join(f';{k}="{v}"' for k, v in p.params.items())
                    lines.append(f"{p.name}{params}:{p.value}")
                for child in comp.children:
                    emit(child)
                lines.append(f"END:{comp.name}")

            emit(definition)
            return icalendar.Timezone.from_ical("\r\n".join(lines)).to_tz()
        except Exception:
            return None


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _parse_value(text: str, params: dict[str, str], zones: _Zones, line: int):
    """One DATE or DATE-TIME value -> date, aware datetime, or naive datetime (floating)."""
    value = text.strip().upper()
    m = _DATETIME.fullmatch(value)
    if m:
        y, mo, d, hh, mi, ss = (int(g) for g in m.groups()[:6])
        # 60 seconds is a leap second (allowed by RFC 5545); the minute boundary is close enough
        moment = dt.datetime(y, mo, d, hh, mi, min(ss, 59))
        if m.group(7):
            return moment.replace(tzinfo=UTC)
        if "TZID" in params:
            return moment.replace(tzinfo=zones.get(params["TZID"], line))
        return moment
    m = _DATE.fullmatch(value)
    if m:
        return dt.date(*(int(g) for g in m.groups()))
    raise ValueError(f'"{text.strip()}" is not a date or time')


def _parse_duration(text: str) -> dt.timedelta:
    m = _DURATION.fullmatch(text.strip().upper())
    if not m or text.strip().upper() in ("P", "PT", "+P", "-P"):
        raise ValueError(f'"{text.strip()}" is not a duration')
    sign = -1 if m.group(1) == "-" else 1
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups()[1:])
    return sign * dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes,
                               seconds=seconds)


def _is_datetime(value) -> bool:
    return isinstance(value, dt.datetime)


def _localise(value, tz: dt.tzinfo):
    """Floating date-times take ``tz``; aware ones are converted to it; dates stay dates."""
    if not _is_datetime(value):
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def _wall(value, tz: dt.tzinfo) -> dt.datetime:
    """Naive wall-clock time in ``tz`` (dates become midnight)."""
    if not _is_datetime(value):
        return dt.datetime.combine(value, dt.time())
    return _localise(value, tz).replace(tzinfo=None)


def _key(value) -> tuple:
    """Identity of an instance for EXDATE / RECURRENCE-ID matching: the instant, or the date."""
    if _is_datetime(value):
        return ("t", value.astimezone(UTC))
    return ("d", value)


# --------------------------------------------------------------------------------------------
# Events and their occurrences
# --------------------------------------------------------------------------------------------


@dataclass
class _Event:
    uid: str
    summary: str
    line: int
    start: object  # date (all day) or aware datetime
    tz: dt.tzinfo  # the zone the event repeats in (the learner's for all-day/floating events)
    duration: dt.timedelta
    all_day: bool
    rule: dict | None = None
    rule_line: int = 0
    until: dt.datetime | None = None
    freq: str = ""
    exdates: list = field(default_factory=list)
    rdates: list = field(default_factory=list)  # (start, duration or None)
    recurrence_id: object = None
    cancelled: bool = False
    free: bool = False


def _read_event(comp: _Component, zones: _Zones, learner_tz: dt.tzinfo,
                report: ImportReport) -> _Event:
    """Read one VEVENT; raises _BadEvent with the field and line that could not be read."""
    summary_prop = comp.first("SUMMARY")
    summary = _unescape(summary_prop.value).strip() if summary_prop else ""
    uid_prop = comp.first("UID")
    uid = uid_prop.value.strip() if uid_prop else f"line-{comp.line}"
    if not comp.closed:
        raise _BadEvent("END:VEVENT", "the event is not closed with END:VEVENT (the file may be "
                                      "cut off)", comp.line)
    for number in comp.unreadable_lines:
        report.warn("", f"{_event_name(summary, comp.line)}: line {number} is not an iCalendar "
                        "line and was ignored", number)

    def value_of(prop: _Prop):
        try:
            return _parse_value(prop.value, prop.params, zones, prop.line)
        except ValueError as exc:
            raise _BadEvent(prop.name, f"{prop.name} could not be read: {exc}", prop.line) from None

    start_prop = comp.first("DTSTART")
    if start_prop is None:
        raise _BadEvent("DTSTART", "the event has no start time (DTSTART)", comp.line)
    start = value_of(start_prop)
    all_day = not _is_datetime(start)
    if all_day:
        tz = learner_tz
    else:
        if start.tzinfo is None:  # floating: the same wall-clock time wherever the family is
            start = start.replace(tzinfo=learner_tz)
        tz = start.tzinfo

    end_prop, duration_prop = comp.first("DTEND"), comp.first("DURATION")
    if end_prop is not None:
        end = value_of(end_prop)
        if all_day:
            end_date = end.date() if _is_datetime(end) else end
            duration = dt.timedelta(days=(end_date - start).days)
        else:
            duration = _wall(end, tz) - _wall(start, tz)
    elif duration_prop is not None:
        try:
            duration = _parse_duration(duration_prop.value)
        except ValueError as exc:
            raise _BadEvent("DURATION", f"DURATION could not be read: {exc}",
                            duration_prop.line) from None
    else:
        duration = dt.timedelta(days=1) if all_day else dt.timedelta(0)
    if duration < dt.timedelta(0):
        report.warn("DTEND", f"{_event_name(summary, comp.line)} ends before it starts; it was "
                             "read as having no length", (end_prop or duration_prop).line)
        duration = dt.timedelta(0)

    status = comp.first("STATUS")
    transp = comp.first("TRANSP")
    event = _Event(uid=uid, summary=summary, line=comp.line, start=start, tz=tz,
                   duration=duration, all_day=all_day,
                   cancelled=bool(status and status.value.strip().upper() == "CANCELLED"),
                   free=bool(transp and transp.value.strip().upper() == "TRANSPARENT"))

    rid = comp.first("RECURRENCE-ID")
    if rid is not None:
        event.recurrence_id = value_of(rid)
        if rid.params.get("RANGE", "").upper() == "THISANDFUTURE":
            report.warn("RECURRENCE-ID", f"{_event_name(summary, comp.line)} changes this and "
                        "all later repeats; only this one was changed", rid.line)

    rules = comp.all("RRULE")
    if rules:
        if len(rules) > 1:
            report.warn("RRULE", f"{_event_name(summary, comp.line)} has more than one repeat "
                                 "rule; only the first was used", rules[1].line)
        event.rule, event.until = _parse_rule(rules[0], event, zones)
        event.rule_line = rules[0].line
        event.freq = rules[0].value.upper().split("FREQ=")[-1].split(";")[0]

    for prop in comp.all("EXDATE"):
        for part in prop.value.split(","):
            if part.strip():
                event.exdates.append(value_of(_Prop(prop.name, prop.params, part, prop.line)))
    for prop in comp.all("RDATE"):
        for part in prop.value.split(","):
            if not part.strip():
                continue
            piece = _Prop(prop.name, prop.params, part, prop.line)
            if "/" in part or prop.params.get("VALUE", "").upper() == "PERIOD":
                first, _, second = part.partition("/")
                when = value_of(_Prop(prop.name, prop.params, first, prop.line))
                if second.strip().upper().lstrip("+-").startswith("P"):
                    try:
                        length = _parse_duration(second)
                    except ValueError as exc:
                        raise _BadEvent("RDATE", f"RDATE could not be read: {exc}",
                                        prop.line) from None
                else:
                    until = value_of(_Prop(prop.name, prop.params, second, prop.line))
                    length = _wall(until, tz) - _wall(when, tz)
                event.rdates.append((when, length))
            else:
                event.rdates.append((value_of(piece), None))
    return event


def _parse_rule(prop: _Prop, event: _Event, zones: _Zones) -> tuple[dict, dt.datetime | None]:
    """RRULE text -> dateutil.rrule keywords (without dtstart) and UNTIL as local wall time."""
    def bad(why: str) -> _BadEvent:
        return _BadEvent("RRULE", f'the repeat rule "{prop.value.strip()}" could not be read: '
                                  f"{why}", prop.line)

    parts: dict[str, str] = {}
    for chunk in prop.value.strip().strip(";").split(";"):
        key, eq, val = chunk.partition("=")
        key = key.strip().upper()
        if not eq or not _NAME.fullmatch(key or "-"):
            raise bad(f'"{chunk}" is not a NAME=VALUE part')
        if key in parts:
            raise bad(f"{key} is given twice")
        parts[key] = val.strip().upper()
    freq = parts.pop("FREQ", None)
    if freq not in _FREQS:
        raise bad("it needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY" if freq is None
                  else f"unknown FREQ={freq}")
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise bad("repeats more often than once a day are not read as busy times")
    kwargs: dict = {"freq": _FREQS[freq]}
    until = None
    try:
        for key, val in parts.items():
            if key == "INTERVAL":
                kwargs["interval"] = int(val)
                if not 1 <= kwargs["interval"] <= 10_000:
                    raise ValueError("INTERVAL must be a positive whole number")
            elif key == "COUNT":
                kwargs["count"] = int(val)
                if not 1 <= kwargs["count"] <= MAX_RULE_STEPS:
                    raise ValueError("COUNT must be a positive whole number")
            elif key == "UNTIL":
                raw = _parse_value(val, {}, zones, prop.line)
                if _is_datetime(raw):
                    # UTC ("Z") converts; a floating UNTIL is read in the event's own zone
                    until = _wall(raw, event.tz)
                else:
                    until = dt.datetime.combine(raw, dt.time(23, 59, 59))
            elif key == "WKST":
                if val not in _ICS_DAYS:
                    raise ValueError(f"WKST={val} is not a weekday")
                kwargs["wkst"] = _ICS_DAYS.index(val)
            elif key == "BYDAY":
                days = []
                for item in val.split(","):
                    m = _BYDAY.fullmatch(item.strip())
                    if not m:
                        raise ValueError(f'BYDAY "{item}" is not a weekday like MO or 2TU')
                    weekday = _WEEKDAYS[_ICS_DAYS.index(m.group(2))]
                    nth = int(m.group(1)) if m.group(1) else 0
                    if nth and not (1 <= abs(nth) <= 53):
                        raise ValueError(f'BYDAY "{item}" has no such week')
                    # ordinals mean nothing in a weekly rule: every listed weekday counts
                    days.append(weekday(nth) if nth and freq in ("MONTHLY", "YEARLY")
                                else weekday)
                kwargs["byweekday"] = days
            elif key in _INT_LIST_PARTS:
                name, low, high, signed = _INT_LIST_PARTS[key]
                values = [int(v) for v in val.split(",")]
                for v in values:
                    if not (low <= abs(v) <= high) or (v < 0 and not signed):
                        raise ValueError(f"{key}={v} is out of range")
                kwargs[name] = values
            elif key.startswith("X-"):
                continue
            else:
                raise ValueError(f"unknown part {key}")
    except ValueError as exc:
        raise bad(str(exc)) from None
    return kwargs, until


def _day_words(day: dt.date) -> str:
    """``"December 19, 2017"``: dates as families read them (portable, unlike ``%-d``)."""
    return f"{day:%B} {day.day}, {day.year}"


def _event_name(summary: str, line: int) -> str:
    return f'event "{summary}" (line {line})' if summary else f"untitled event (line {line})"


def _instances(event: _Event, lo: dt.datetime, hi: dt.datetime,
               report: ImportReport) -> list[tuple[object, dt.timedelta]]:
    """Starts of the event's instances that could touch [lo, hi) (aware), with their lengths.

    Starts are dates for all-day events and aware datetimes otherwise; EXDATEs are removed
    here, RECURRENCE-ID overrides by the caller.
    """
    tz = event.tz
    margin = abs(event.duration) + dt.timedelta(days=2)
    lo_wall = lo.astimezone(tz).replace(tzinfo=None) - margin
    hi_wall = hi.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=2)
    first = _wall(event.start, tz)
    walls: list[dt.datetime] = []
    if lo_wall <= first <= hi_wall:
        walls.append(first)  # RFC 5545: DTSTART is always the first instance
    if event.rule is not None:
        kwargs = dict(event.rule)
        until = event.until
        if "count" not in kwargs:
            # stopping at the window lets dateutil end early even for open-ended rules
            until = min(until, hi_wall) if until else hi_wall
        if until is not None and until < first:
            until = None if "count" in kwargs else first
        rule = du_rrule.rrule(dtstart=first, until=until if "count" not in kwargs else None,
                              cache=False, **kwargs)
        for steps, moment in enumerate(rule):
            if moment > hi_wall or (until is not None and moment > until):
                break
            if steps >= MAX_RULE_STEPS:
                report.warn("RRULE", f"{_event_name(event.summary, event.line)} repeats too "
                                     "many times before the dates asked for; later repeats "
                                     "were not read", event.rule_line)
                break
            if moment >= lo_wall and moment != first:
                walls.append(moment)
    if event.all_day:
        starts: list = [w.date() for w in walls]
    else:
        starts = [w.replace(tzinfo=tz) for w in walls]
    found = [(s, event.duration) for s in starts]
    for when, length in event.rdates:
        when = _localise(when, tz) if not event.all_day else (
            when.date() if _is_datetime(when) else when)
        found.append((when, event.duration if length is None else length))

    if event.exdates:
        excluded = set()
        excluded_dates = set()
        for ex in event.exdates:
            if event.all_day:
                excluded_dates.add(ex.date() if _is_datetime(ex) else ex)
            elif _is_datetime(ex):
                excluded.add(_key(_localise(ex, tz)))
            else:
                excluded_dates.add(ex)
        if not event.all_day:
            # An EXDATE at a time no repeat has (written in another zone, say) still clearly
            # means "not that day" when exactly one repeat falls on its date: drop that one.
            keys = {_key(s) for s, _ in found}
            per_day = Counter(s.astimezone(tz).date() for s, _ in found)
            for ex in event.exdates:
                if not _is_datetime(ex) or _key(_localise(ex, tz)) in keys:
                    continue
                day = _localise(ex, tz).astimezone(tz).date()
                if per_day.get(day) == 1:
                    excluded_dates.add(day)
                    report.warn("EXDATE", f"{_event_name(event.summary, event.line)}: the "
                                f"skipped date {_day_words(day)} names a time the event does "
                                "not repeat at; the repeat that day was left out")
        kept = []
        for s, length in found:
            day = s if event.all_day else s.astimezone(tz).date()
            if day in excluded_dates or (not event.all_day and _key(s) in excluded):
                continue
            kept.append((s, length))
        found = kept
    unique: dict[tuple, tuple] = {}
    for s, length in found:
        unique.setdefault(_key(s), (s, length))
    return list(unique.values())


def _span(start, length: dt.timedelta, learner_tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """An instance as aware (start, end) in the learner's zone; all-day = whole local days."""
    if not _is_datetime(start):
        begin = dt.datetime.combine(start, dt.time(), learner_tz)
        end = dt.datetime.combine(start + dt.timedelta(days=max(length.days, 1)), dt.time(),
                                  learner_tz)
        return begin, end
    # adding to an aware time is wall-clock arithmetic: a 1-hour class stays 1 hour of clock
    end = start + length
    return start.astimezone(learner_tz), end.astimezone(learner_tz)


def _window_bounds(window_start, window_end, learner_tz):
    lo = dt.datetime.combine(window_start, dt.time(), learner_tz)
    hi = dt.datetime.combine(window_end + dt.timedelta(days=1), dt.time(), learner_tz)
    return lo, hi


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


@dataclass
class _Calendar:
    events: list[_Event]
    report: ImportReport
    learner_tz: dt.tzinfo

    def earliest_start(self) -> dt.date | None:
        starts = []
        for e in self.events:
            try:
                starts.append(_span(e.start, dt.timedelta(0), self.learner_tz)[0].date())
            except (ValueError, OverflowError):
                continue
        return min(starts) if starts else None


def _read_calendar(path_or_bytes, source_name, tz: str) -> _Calendar:
    data, name = read_source_bytes(path_or_bytes, source_name)
    report = ImportReport(name)
    learner_tz = zoneinfo.ZoneInfo(tz)
    text = _decode(data, report)
    root = _parse_components(text)
    vevents = list(root.walk("VEVENT"))
    is_calendar = any(True for _ in root.walk("VCALENDAR")) or vevents
    if not is_calendar:
        report.skip("", "this is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR or "
                        "BEGIN:VEVENT line")
        raise ImportFailed(report)
    zones = _Zones(root, learner_tz, report)
    report.read = len(vevents)
    events = []
    for comp in vevents:
        try:
            events.append(_read_event(comp, zones, learner_tz, report))
        except _BadEvent as exc:
            summary = comp.first("SUMMARY")
            title = _unescape(summary.value).strip() if summary else ""
            report.skip(exc.field, f"{_event_name(title, comp.line)} was not imported: "
                                   f"{exc.message}", exc.line)
        except Exception as exc:  # a reader bug must cost one event, never the whole calendar
            report.skip("VEVENT", f"{_event_name('', comp.line)} could not be read "
                                  f"({type(exc).__name__}: {exc})", comp.line)
    report.imported = len(events)
    if not vevents:
        report.warn("", "the calendar has no events")
    elif not events:
        raise ImportFailed(report)
    return _Calendar(events, report, learner_tz)


def _busy_rows(calendar: _Calendar, window_start: dt.date, window_end: dt.date) -> pd.DataFrame:
    learner_tz, report = calendar.learner_tz, calendar.report
    lo, hi = _window_bounds(window_start, window_end, learner_tz)
    masters: dict[str, list[_Event]] = defaultdict(list)
    overrides: dict[str, list[_Event]] = defaultdict(list)
    for e in calendar.events:
        (overrides if e.recurrence_id is not None else masters)[e.uid].append(e)
    rows = []
    free = 0

    def add(event: _Event, start, length, repeats: str) -> None:
        begin, end = _span(start, length, learner_tz)
        touches = begin < hi and (end > lo or (end == begin and begin >= lo))
        if touches:
            rows.append({"summary": event.summary, "start": begin, "end": end,
                         "all_day": event.all_day, "uid": event.uid, "line": event.line,
                         "repeats": repeats})

    for uid, events in masters.items():
        moved = {_key(_localise(o.recurrence_id, o.tz) if _is_datetime(o.recurrence_id)
                      else o.recurrence_id) for o in overrides.get(uid, [])}
        moved_dates = {o.recurrence_id for o in overrides.get(uid, [])
                       if not _is_datetime(o.recurrence_id)}
        for event in events:
            if event.cancelled:
                continue
            if event.free:
                free += 1
                continue
            try:
                for start, length in _instances(event, lo, hi, report):
                    day = start.astimezone(event.tz).date() if _is_datetime(start) else start
                    if _key(start) in moved or day in moved_dates:
                        continue
                    add(event, start, length, event.freq)
            except (ValueError, OverflowError) as exc:
                # e.g. dates near the year 9999; one event's repeats, not the calendar, are lost
                report.skip("RRULE", f"{_event_name(event.summary, event.line)}: its repeats "
                                     f"could not be worked out ({exc})", event.rule_line or
                            event.line)
    for uid, events in overrides.items():
        for event in events:
            if event.cancelled or event.free:
                continue
            freq = masters[uid][0].freq if masters.get(uid) else ""
            try:
                add(event, event.start, event.duration, freq)
            except (ValueError, OverflowError) as exc:
                report.skip("RECURRENCE-ID", f"{_event_name(event.summary, event.line)} could "
                                             f"not be placed ({exc})", event.line)
    if free:
        report.warn("TRANSP", f"{free} event{'s are' if free != 1 else ' is'} marked as free "
                              "time in the calendar and not counted as busy")
    frame = pd.DataFrame(rows, columns=list(BUSY_COLUMNS))
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(str(learner_tz))
    frame["all_day"] = frame["all_day"].astype(bool)
    frame["line"] = frame["line"].astype(int)
    return frame.sort_values(["start", "summary"], kind="stable").reset_index(drop=True)


def _default_window(calendar: _Calendar, window_start, window_end):
    window_start, window_end = _as_date(window_start), _as_date(window_end)
    weeks = dt.timedelta(weeks=DEFAULT_WEEKS)
    if window_start is None and window_end is None:
        window_start = calendar.earliest_start() or dt.date.today()
    if window_start is None:
        window_start = window_end - weeks + dt.timedelta(days=1)
    if window_end is None:
        try:
            window_end = window_start + weeks - dt.timedelta(days=1)
        except OverflowError:
            window_end = dt.date.max
    if window_end < window_start:
        raise ValueError("the window ends before it starts")
    # keep a day's room below date.max: the window's end is handled as the next midnight
    last = dt.date.max - dt.timedelta(days=7)
    return min(window_start, last), min(window_end, last)


def read_busy_times(path_or_bytes, source_name: str | None = None, *,
                    window_start: dt.date | None = None, window_end: dt.date | None = None,
                    tz: str = DEFAULT_TZ) -> tuple[pd.DataFrame, ImportReport]:
    """Every busy time in a calendar file between two dates, in the learner's time zone.

    Repeating events are expanded (RRULE, RDATE, EXDATE, moved or cancelled single repeats);
    cancelled events and events marked as free time are left out. An event that cannot be read
    is reported in ``report.skipped`` with its title and line, and the rest is imported: the
    caller decides whether that is good enough.

    Parameters
    ----------
    path_or_bytes : str, os.PathLike or bytes
        The ``.ics`` file, or its content.
    source_name : str, optional
        Name used in the report (defaults to the file name).
    window_start, window_end : datetime.date, optional
        First and last day to read (both included). Default: 12 weeks from the earliest event.
    tz : str
        The learner's IANA time zone; every time is converted to it, and times with no zone
        ("floating") are read in it.

    Returns
    -------
    pandas.DataFrame
        One row per busy occurrence: ``summary``, ``start``, ``end`` (tz-aware, learner's
        zone), ``all_day``, ``uid``, ``line`` (where the event starts in the file) and
        ``repeats`` (the event's FREQ, e.g. ``"WEEKLY"``, or ``""``).
    ImportReport
        ``read`` = events in the file, ``imported`` = events read; skipped events and caveats
        (unknown time zones, ignored lines) with line numbers.

    Raises
    ------
    ImportFailed
        The file cannot be opened, is too large, is not a calendar, or no event could be read.
    """
    calendar = _read_calendar(path_or_bytes, source_name, tz)
    window_start, window_end = _default_window(calendar, window_start, window_end)
    return _busy_rows(calendar, window_start, window_end), calendar.report


# --------------------------------------------------------------------------------------------
# Busy times -> weekly blocks -> availability
# --------------------------------------------------------------------------------------------

_MINUTES = 24 * 60


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minute_of(moment: dt.datetime, day: dt.date, ceil: bool) -> int:
    if moment.date() > day:
        return _MINUTES
    if moment.date() < day:
        return 0
    minute = moment.hour * 60 + moment.minute
    if ceil and (moment.second or moment.microsecond):
        minute += 1
    return min(minute, _MINUTES)


def busy_to_weekly(busy_df: pd.DataFrame, window_start, window_end,
                   min_share: float = 0.5) -> list[dict]:
    """Turn busy occurrences into the weekly blocks a family would call "every Tuesday 4-5".

    A minute of a weekday counts as busy when it is busy on at least ``min_share`` of that
    weekday's dates in the window (so a class skipped for a holiday still counts). All-day
    events count only when they repeat weekly or daily; a one-off all-day trip does not make
    every week busy.

    Parameters
    ----------
    busy_df : pandas.DataFrame
        From :func:`read_busy_times` (``summary``, ``start``, ``end``, ``all_day`` and,
        optionally, ``repeats``).
    window_start, window_end : datetime.date
        The dates the occurrences were read for (both included).
    min_share : float
        Share of a weekday's dates in the window that must be busy, in (0, 1].

    Returns
    -------
    list of dict
        ``{"days": [...], "start": "HH:MM", "end": "HH:MM", "label": str}`` blocks in week
        order; identical times and labels on several days are one block.
    """
    window_start, window_end = _as_date(window_start), _as_date(window_end)
    if not 0 < min_share <= 1:
        raise ValueError("min_share must be more than 0 and at most 1")
    n_dates = np.zeros(7, dtype=int)
    for offset in range((window_end - window_start).days + 1):
        n_dates[(window_start + dt.timedelta(days=offset)).weekday()] += 1
    if busy_df is None or busy_df.empty:
        return []
    any_busy = np.zeros((7, _MINUTES), dtype=int)
    by_label: dict[tuple[int, str], np.ndarray] = {}
    per_date: dict[dt.date, list[tuple[str, int, int]]] = defaultdict(list)
    repeats = busy_df["repeats"] if "repeats" in busy_df else pd.Series("", index=busy_df.index)
    for row, freq in zip(busy_df.itertuples(index=False), repeats, strict=True):
        if row.all_day and freq not in ("WEEKLY", "DAILY"):
            continue
        start, end = row.start.to_pydatetime(), row.end.to_pydatetime()
        if end <= start:
            continue
        label = str(row.summary).strip() or "Busy"
        day = max(start.date(), window_start)
        while day <= min(end.date(), window_end):
            s, e = _minute_of(start, day, False), _minute_of(end, day, True)
            if e > s:
                per_date[day].append((label, s, e))
            day += dt.timedelta(days=1)
    for day, pieces in per_date.items():
        weekday = day.weekday()
        busy_today = np.zeros(_MINUTES, dtype=bool)
        labels: dict[str, np.ndarray] = {}
        for label, s, e in pieces:
            busy_today[s:e] = True
            labels.setdefault(label, np.zeros(_MINUTES, dtype=bool))[s:e] = True
        any_busy[weekday] += busy_today
        for label, mask in labels.items():
            counts = by_label.setdefault((weekday, label), np.zeros(_MINUTES, dtype=int))
            counts += mask
    blocks: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for weekday in range(7):
        if n_dates[weekday] == 0:
            continue
        busy = (any_busy[weekday] > 0) & (any_busy[weekday] >= min_share * n_dates[weekday] - 1e-9)
        names = sorted(label for (w, label) in by_label if w == weekday)
        if not names or not busy.any():
            continue
        stack = np.stack([by_label[(weekday, n)] for n in names])
        dominant = stack.argmax(axis=0)  # ties go to the first name alphabetically: stable
        minute = 0
        while minute < _MINUTES:
            if not busy[minute]:
                minute += 1
                continue
            begin, label = minute, dominant[minute]
            while minute < _MINUTES and busy[minute] and dominant[minute] == label:
                minute += 1
            blocks[(begin, minute, names[label])].append(weekday)
    out = [{"days": [DAYS[w] for w in sorted(ws)], "start": _hhmm(s), "end": _hhmm(e),
            "label": label} for (s, e, label), ws in blocks.items()]
    return sorted(out, key=lambda b: (DAYS.index(b["days"][0]), b["start"], b["label"]))


def _subtract(intervals: list[tuple[int, int]], taken: list[tuple[int, int]]
              ) -> list[tuple[int, int]]:
    """Parts of ``intervals`` (minutes) not covered by ``taken``."""
    out = []
    for start, end in intervals:
        pieces = [(start, end)]
        for t0, t1 in sorted(taken):
            nxt = []
            for a, b in pieces:
                if t1 <= a or t0 >= b:
                    nxt.append((a, b))
                    continue
                if a < t0:
                    nxt.append((a, t0))
                if t1 < b:
                    nxt.append((t1, b))
            pieces = nxt
        out.extend(p for p in pieces if p[1] > p[0])
    return out


def _busy_by_day(weekly_busy) -> dict[str, list[tuple[int, int]]]:
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for block in weekly_busy:
        b = block if isinstance(block, TimeBlock) else TimeBlock.from_dict(block)
        for day in b.days:
            taken[day].append((b.start, b.end))
    return taken


def availability_from_busy(weekly_busy: list[dict], day_start: str = "08:00",
                           day_end: str = "21:00", days=DAYS) -> list[dict]:
    """Free time each day = the day's range minus the weekly busy blocks.

    Parameters
    ----------
    weekly_busy : list of dict
        Blocks from :func:`busy_to_weekly` (or learner commitments in the same shape).
    day_start, day_end : str
        ``"HH:MM"``: the part of each day a learner could be doing planned learning.
    days : sequence of str
        Days to consider (``"Mon"``..``"Sun"``).

    Returns
    -------
    list of dict
        ``{"days": [...], "start": "HH:MM", "end": "HH:MM"}`` in the learner ``availability``
        shape; the same free block on several days is one entry.
    """
    start, end = parse_minutes(day_start), parse_minutes(day_end)
    wanted = parse_days(";".join(days)) if not isinstance(days, str) else parse_days(days)
    taken = _busy_by_day(weekly_busy)
    grouped: dict[tuple[int, int], list[str]] = defaultdict(list)
    for day in wanted:
        for a, b in _subtract([(start, end)], taken.get(day, [])):
            grouped[(a, b)].append(day)
    out = [{"days": ds, "start": _hhmm(a), "end": _hhmm(b)} for (a, b), ds in grouped.items()]
    return sorted(out, key=lambda b: (DAYS.index(b["days"][0]), b["start"]))


def _availability_minus(availability: list[TimeBlock], weekly_busy) -> list[TimeBlock]:
    taken = _busy_by_day(weekly_busy)
    grouped: dict[tuple[int, int, str], list[str]] = defaultdict(list)
    for block in availability:
        for day in block.days:
            for a, b in _subtract([(block.start, block.end)], taken.get(day, [])):
                if day not in grouped[(a, b, block.label)]:
                    grouped[(a, b, block.label)].append(day)
    out = [TimeBlock(tuple(d for d in DAYS if d in ds), a, b, label)
           for (a, b, label), ds in grouped.items()]
    return sorted(out, key=lambda b: (DAYS.index(b.days[0]), b.start))


def import_calendar(path, learner: Learner, window_start=None, window_end=None,
                    tz: str = DEFAULT_TZ) -> tuple[Learner, ImportReport]:
    """A copy of ``learner`` with a family calendar's weekly busy times as commitments.

    Commitments gain one block per weekly busy time (labelled with the event titles; blocks
    the learner already has are not repeated). Availability becomes the previous availability
    minus those blocks, or, when the learner had none, 8 am-9 pm every day minus them. The
    learner passed in is never changed.

    Parameters
    ----------
    path : str, os.PathLike or bytes
        The ``.ics`` file or its content.
    learner : Learner
        The learner the calendar belongs to.
    window_start, window_end : datetime.date, optional
        Dates to read; default 12 weeks from the calendar's earliest event.
    tz : str
        The learner's IANA time zone.

    Returns
    -------
    tuple of (Learner, ImportReport)

    Raises
    ------
    ImportFailed
        As :func:`read_busy_times`.
    """
    calendar = _read_calendar(path, None, tz)
    window_start, window_end = _default_window(calendar, window_start, window_end)
    busy = _busy_rows(calendar, window_start, window_end)
    weekly = busy_to_weekly(busy, window_start, window_end)
    new = copy.deepcopy(learner)
    blocks = [TimeBlock.from_dict(b) for b in weekly]
    known = {(b.days, b.start, b.end, b.label) for b in new.commitments}
    commitments = list(new.commitments) + [
        b for b in blocks if (b.days, b.start, b.end, b.label) not in known]
    if new.availability:
        availability = _availability_minus(new.availability, blocks)
    else:
        availability = [TimeBlock.from_dict(b) for b in availability_from_busy(weekly)]
    report = calendar.report
    if not weekly:
        report.warn("", f"no event happens at the same time in most weeks between "
                        f"{_day_words(window_start)} and {_day_words(window_end)}, so no weekly "
                        "commitments were added")
    return dataclasses.replace(new, commitments=commitments, availability=availability), report


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

# Fixed namespace so the same plan and section always give the same UID, on any machine.
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "anywhere-learning-workbench.invalid")
PRODID = "-//Anywhere Learning Workbench//Plan schedule//EN"
_SEQUENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=UTC)


def _fold(line: str) -> bytes:
    """One content line folded at 75 octets (RFC 5545 3.1), never splitting a UTF-8 character."""
    data = line.encode("utf-8")
    out, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while cut > start and (data[cut] & 0xC0) == 0x80:  # inside a multi-byte character
            cut -= 1
        out.append(data[start:cut])
        start, limit = cut, 74  # continuation lines start with a space
    out.append(data[start:])
    return b"\r\n ".join(out) + b"\r\n"


def _text(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _offset(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}{m:02d}" + (f"{s:02d}" if s else "")


def _transitions(zone: zoneinfo.ZoneInfo, first_year: int, last_year: int):
    """Every UTC-offset change of ``zone`` in the years given: (instant, before, after)."""
    t = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(dt.datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())

    def offset(ts: int) -> dt.timedelta:
        return dt.datetime.fromtimestamp(ts, UTC).astimezone(zone).utcoffset()

    before = offset(t)
    day = 86_400
    while t < end:
        nxt = t + day
        after = offset(nxt)
        if after != before:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == before:
                    lo = mid
                else:
                    hi = mid
            yield dt.datetime.fromtimestamp(hi, UTC), before, after
            before = after
        t = nxt


def _vtimezone(tz: str, first_year: int, last_year: int) -> list[str]:
    zone = zoneinfo.ZoneInfo(tz)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz}", f"X-LIC-LOCATION:{tz}"]
    found = False
    for instant, before, after in _transitions(zone, first_year - 1, last_year + 1):
        found = True
        local = instant.astimezone(zone)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        starts = (instant.replace(tzinfo=None) + before).strftime("%Y%m%dT%H%M%S")
        lines += [f"BEGIN:{kind}", f"DTSTART:{starts}", f"TZOFFSETFROM:{_offset(before)}",
                  f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{local.tzname()}", f"END:{kind}"]
    if not found:
        moment = dt.datetime(first_year, 1, 1, 12, tzinfo=zone)
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000",
                  f"TZOFFSETFROM:{_offset(moment.utcoffset())}",
                  f"TZOFFSETTO:{_offset(moment.utcoffset())}", f"TZNAME:{moment.tzname()}",
                  "END:STANDARD"]
    return [*lines, "END:VTIMEZONE"]


def _money(amount: float) -> str:
    if not amount:
        return "free"
    return f"${amount:,.0f}" if float(amount).is_integer() else f"${amount:,.2f}"


def _clock(minutes: int) -> str:
    return "midnight" if int(minutes) in (0, _MINUTES) else format_minutes(minutes)


def _section_uid(plan_id: str, section_id: str) -> str:
    return f"{uuid.uuid5(UID_NAMESPACE, f'{plan_id}/{section_id}')}@anywhere-learning-workbench"


def plan_to_ics(catalogue: Catalogue, learner: Learner, plan: Plan, tz: str = DEFAULT_TZ,
                now: dt.datetime | None = None, sequence: int | None = None) -> bytes:
    """A plan's weekly meetings as an iCalendar file a family can add to their calendar.

    One weekly repeating event per section that meets, from its first meeting day on or after
    the start date until the end date. UIDs are derived from the plan and section, so
    importing a newer export updates the same events instead of adding copies. Own-pace and
    "times to be arranged" sections have no meetings; they are listed in the calendar's
    description instead.

    Parameters
    ----------
    catalogue : Catalogue
        Where the plan's sections are described.
    learner : Learner
        Whose plan it is (names the calendar).
    plan : Plan
        The sections to export.
    tz : str
        IANA time zone the meeting times are in.
    now : datetime.datetime, optional
        Time stamp for DTSTAMP (default: the current time); pass a fixed value for
        reproducible files.
    sequence : int, optional
        SEQUENCE for every event. Default: minutes from 2024-01-01 to ``now``, so a later
        export always counts as a newer version of the same events.

    Returns
    -------
    bytes
        The ``.ics`` file: UTF-8, CRLF line ends, lines folded at 75 octets.
    """
    now = dt.datetime.now(UTC) if now is None else now
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    if sequence is None:
        sequence = max(0, int((now - _SEQUENCE_EPOCH).total_seconds() // 60))
    zone = zoneinfo.ZoneInfo(tz)
    table = catalogue.section_table
    providers = catalogue.providers.set_index("provider_id")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    events: list[list[str]] = []
    notes: list[str] = []
    years: list[int] = []
    for section_id in plan.sections:
        if section_id not in table.index:
            notes.append(f"{section_id}: not found in the catalogue, so not in this calendar.")
            continue
        row = table.loc[section_id]
        title = str(row["title"])
        if not row["meets"]:
            if bool(row.get("times_tba", False)):
                notes.append(f"{title}: times to be arranged with the provider, so not in "
                             "this calendar yet.")
            elif float(row["self_paced_hours"]) > 0:
                notes.append(f"{title}: at your own pace, about {row['self_paced_hours']:g} "
                             "hours a week; no set meeting times.")
            else:
                notes.append(f"{title}: no meeting times published.")
            continue
        days = parse_days(row["days"])
        first_day, last_day = row["start_date"].date(), row["end_date"].date()
        wanted = {DAYS.index(d) for d in days}
        day = first_day
        while day.weekday() not in wanted:
            day += dt.timedelta(days=1)
        if day > last_day:
            notes.append(f"{title}: meets on {', '.join(DAY_NAMES[d] for d in days)}, but no "
                         "such day falls between its start and end dates.")
            continue
        years += [first_day.year, last_day.year]
        start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(row["start_min"]))
        end = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(row["end_min"]))
        until = dt.datetime.combine(last_day, dt.time(23, 59, 59), zone).astimezone(UTC)
        provider_id = str(row["provider_id"])
        address = ""
        if provider_id in providers.index:
            address = str(providers.loc[provider_id].get("address", "") or "").strip()
        provider = str(row["provider_name"])
        location = f"{provider}, {address}" if address else provider
        description = [f"Provider: {provider} ({PROVIDER_KIND_WORDS.get(row['provider_kind'], '')})"
                       if row.get("provider_kind") else f"Provider: {provider}",
                       f"{MODALITY_WORDS.get(row['modality'], '')}".strip(),
                       f"Meets: {', '.join(DAY_NAMES[d] for d in days)}, "
                       f"{_clock(row['start_min'])} to {_clock(row['end_min'])}, "
                       f"{_day_words(first_day)} to {_day_words(last_day)}",
                       f"Cost: {_money(float(row['cost']))}"]
        bring = []
        if bool(row.get("requires_device", False)):
            bring.append("a computer or tablet")
        if bool(row.get("requires_broadband", False)):
            bring.append("an internet connection")
        if bool(row.get("requires_car", False)):
            bring.append("a car at the site")
        if bring:
            description.append("Needs: " + ", ".join(bring))
        if float(row["self_paced_hours"]) > 0:
            description.append(f"Plus about {row['self_paced_hours']:g} hours a week at your "
                               "own pace")
        if str(row.get("description", "")).strip():
            description.append(str(row["description"]).strip())
        byday = ",".join(_ICS_DAYS[DAYS.index(d)] for d in days)
        events.append([
            "BEGIN:VEVENT",
            f"UID:{_section_uid(plan.plan_id, section_id)}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{sequence}",
            f"DTSTART;TZID={tz}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={tz}:{end:%Y%m%dT%H%M%S}",
            f"RRULE:FREQ=WEEKLY;BYDAY={byday};UNTIL={until:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{_text(title)}",
            f"LOCATION:{_text(location)}",
            f"DESCRIPTION:{_text(chr(10).join(d for d in description if d))}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ])
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(f'{learner.name}: {plan.name}')}",
             f"X-WR-TIMEZONE:{tz}"]
    if notes:
        lines.append(f"X-WR-CALDESC:{_text(chr(10).join(notes))}")
    if years:
        lines += _vtimezone(tz, min(years), max(years))
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)


def weekly_meetings(catalogue: Catalogue, plan: Plan) -> list[dict]:
    """The plan's weekly meetings as ``{days, start, end, label}`` blocks (for round trips)."""
    table = catalogue.section_table
    out = []
    for section_id in plan.sections:
        if section_id in table.index and table.loc[section_id, "meets"]:
            row = table.loc[section_id]
            out.append({"days": list(parse_days(row["days"])), "start": _hhmm(row["start_min"]),
                        "end": _hhmm(row["end_min"]), "label": str(row["title"])})
    return out
