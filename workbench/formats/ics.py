"""iCalendar (RFC 5545): a family's calendar in as busy times, a plan's schedule out as ``.ics``.

Reading goes through the maintained libraries: :mod:`icalendar` parses the events and resolves
their time zones (IANA names, ``/mozilla.org/...`` prefixes, Windows names such as "Eastern
Standard Time", and the file's own ``VTIMEZONE`` rules), and :mod:`recurring_ical_events`
expands repeats (RRULE, RDATE, EXDATE, single repeats moved or cancelled by ``RECURRENCE-ID``,
an override given as a date-time against an all-day series included) over the dates asked for.

What is ours:

- **The report, by event title and line.** Before parsing, the file is cut into its events with
  their line numbers, so an event that cannot be read is reported by title, field and line and
  the rest is imported, and a file cut off half way loses only its unfinished event ("cut
  off"). A repeat rule with parts no standard names (``RRULE:AnythingRandom;FREQ=...``) is
  reported rather than half-read; rules that repeat more often than daily are not busy times.
- **Time-zone labels the libraries leave unresolved** (``"(GMT +01:00)"``, Outlook display
  names such as ``"(UTC-06:00) Central Time (US & Canada)"``): read as the named place or a
  fixed offset, with a note; anything else is read in the learner's zone, with a note.
  Times with no zone at all ("floating") are the learner's wall-clock time.
- **The dates read.** :func:`import_calendar` reads the catalogue's school year (the span of
  its sections) unless given other dates; a calendar with no event in those dates changes
  nothing and says so.
- **Busy occurrences -> a weekly pattern** (:func:`busy_to_weekly`) and the learner's free time.

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
import warnings
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import icalendar
import numpy as np
import pandas as pd
import recurring_ical_events

from workbench.domain.dataset import (
    DAYS,
    MODALITY_WORDS,
    PROVIDER_KIND_WORDS,
    Catalogue,
    Learner,
    Plan,
    TimeBlock,
    parse_days,
    parse_minutes,
)
from workbench.domain.words import ENGLISH, Words
from workbench.formats.report import ImportFailed, ImportReport, read_source_bytes
from workbench.i18n import M_, MP_, Message, Value

__all__ = [
    "DEFAULT_TZ",
    "availability_from_busy",
    "busy_to_weekly",
    "import_calendar",
    "learner_time_zone",
    "plan_to_ics",
    "read_busy_times",
    "reading_window",
    "weekly_meetings",
]

UTC = dt.UTC
#: The time zone used when neither the learner nor the catalogue names one (Riverbend, the
#: sample district, is in US Central time). Every import says which zone it read times in.
DEFAULT_TZ = "America/Chicago"
BUSY_COLUMNS = ("summary", "start", "end", "all_day", "uid", "line", "repeats")

# A repeat rule is walked from its first date; this bounds the work one event can cause (a daily
# rule from 1700 is ~120,000 steps) so a hostile or broken file cannot stall a session.
MAX_RULE_STEPS = 100_000
_ICS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 28, "YEARLY": 365}
_SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")
# The rule parts RFC 5545 3.3.10 names; anything else (but X- parts) makes a rule unreadable.
_RULE_PARTS = frozenset({
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST", "RSCALE", "SKIP",
})
# Properties an event's times and repeats depend on: if one cannot be read, neither can the event.
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")

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
# NAME;PARAM=value,"quoted:value":... -- the shape of every iCalendar content line
_CONTENT_LINE = re.compile(
    r'[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:')


# --------------------------------------------------------------------------------------------
# The file cut into events, with line numbers
# --------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """One component's logical lines, ``(line number, text)``, from BEGIN to END."""

    name: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    closed: bool = False
    unreadable: list[int] = field(default_factory=list)

    def text(self) -> str:
        return "".join(f"{t}\r\n" for _, t in self.lines)

    def first(self, prop: str) -> tuple[int, str] | None:
        """(line, raw value) of the first ``prop`` line directly in this block."""
        depth = 0
        for number, text in self.lines[1:]:
            name = re.split(r"[;:]", text, maxsplit=1)[0].upper()
            if name == "BEGIN":
                depth += 1
            elif name == "END":
                depth -= 1
            elif depth == 0 and name == prop:
                return number, text.split(":", 1)[1] if ":" in text else ""
        return None

    def line_of(self, prop: str) -> int:
        found = self.first(prop)
        return found[0] if found else self.line

    @property
    def summary(self) -> str:
        found = self.first("SUMMARY")
        return _unescape(found[1]).strip() if found else ""


@dataclass
class _Scan:
    header: list[str] = field(default_factory=list)
    timezones: list[_Block] = field(default_factory=list)
    events: list[_Block] = field(default_factory=list)
    is_calendar: bool = False


def _decode(data: bytes, report: ImportReport) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.warn("", M_("the file is not UTF-8 text; it was read as Windows-1252 (Western), "
                           "so some accented letters may look wrong"))
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


def _scan(text: str) -> _Scan:
    """Cut the text into calendar properties, VTIMEZONEs and VEVENTs (the rest is not needed)."""
    scan = _Scan()
    stack: list[str] = []
    block: _Block | None = None
    depth = 0  # len(stack) when the open block began
    for number, line in _logical_lines(text):
        if not line.strip():
            continue
        if not _CONTENT_LINE.match(line):
            if block is not None:
                block.unreadable.append(number)
            continue
        name, _, value = line.partition(":")
        name = re.split(";", name, maxsplit=1)[0].upper()
        value = value.strip().upper()
        if name == "BEGIN":
            if value == "VCALENDAR":
                scan.is_calendar = True
            if block is not None and value == block.name == "VEVENT":
                block = None  # an event never holds an event: the open one was cut off
                del stack[depth - 1:]
            if block is None and value in ("VEVENT", "VTIMEZONE"):
                block = _Block(value, number)
                (scan.events if value == "VEVENT" else scan.timezones).append(block)
                depth = len(stack) + 1
            stack.append(value)
            if block is not None:
                block.lines.append((number, line))
        elif name == "END":
            if value not in stack:
                continue  # an END with no BEGIN: nothing to close
            while stack and stack[-1] != value:
                stack.pop()
                if block is not None:  # a sub-component left open: close it for the parser
                    block.lines.append((number, f"END:{stack[-1] if stack else value}"))
            stack.pop()
            if block is not None:
                block.lines.append((number, line))
                if len(stack) < depth:
                    block.closed = len(stack) == depth - 1
                    block = None
        elif block is not None:
            block.lines.append((number, line))
        elif stack == ["VCALENDAR"]:
            scan.header.append(line)
    scan.is_calendar = scan.is_calendar or bool(scan.events)
    return scan


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


def _event_name(summary: str, line: int) -> Message:
    # the line stays a plain number (no thousands separator): it is where to look in the file
    if summary:
        return M_('event "{title}" (line {line})', title=summary, line=str(line))
    return M_("untitled event (line {line})", line=str(line))


def _day_words(day: dt.date) -> Value:
    """``"December 19, 2017"``: a date as families read it, in the reader's language."""
    return Value("date", day)


class _BadEvent(Exception):
    """An event that cannot be read: the field and line to report."""

    def __init__(self, field_: str, message: str | Message, line: int):
        super().__init__(message)
        self.field = field_
        self.message = message
        self.line = line


# --------------------------------------------------------------------------------------------
# Time zones the libraries leave unresolved
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
    """Resolve the TZIDs icalendar could not, once per name per file, noting each guess."""

    def __init__(self, timezones: list[_Block], learner_tz: dt.tzinfo, report: ImportReport):
        self.locations = {}
        #: zones the file defines under a name that is not an IANA one: read from the file
        #: itself, never from icalendar's process-wide cache (where the first file to define a
        #: name would win for every family after it)
        self.own: dict[str, dt.tzinfo] = {}
        for block in timezones:
            tzid, location = block.first("TZID"), block.first("X-LIC-LOCATION")
            if tzid and location:
                self.locations[tzid[1].strip()] = location[1].strip()
            if tzid and block.closed and _olson(tzid[1]) is None:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        zone = icalendar.Timezone.from_ical(block.text()).to_tz(
                            icalendar.timezone.tzp, lookup_tzid=False)
                except Exception:  # a broken definition: the name is resolved as any other
                    report.warn("VTIMEZONE", M_('the time zone "{zone}" defined in the file '
                                                'could not be read', zone=tzid[1].strip()),
                                block.line)
                else:
                    self.own[tzid[1].strip()] = zone
        self.learner_tz = learner_tz
        self.report = report
        self.cache: dict[str, dt.tzinfo] = {}

    def get(self, tzid: str, line: int) -> dt.tzinfo:
        key = tzid.strip()
        if key not in self.cache:
            self.cache[key] = self._resolve(key, line)
        return self.cache[key]

    def _resolve(self, tzid: str, line: int) -> dt.tzinfo:
        zone = _olson(tzid) or _olson(self.locations.get(tzid, ""))
        if zone is not None:
            return zone
        lowered = tzid.lower()
        for fragment, olson in _DISPLAY_NAMES.items():
            if fragment in lowered:
                self.report.warn("TZID", M_('time zone "{zone}" was read as {olson}', zone=tzid,
                                            olson=olson), line)
                return zoneinfo.ZoneInfo(olson)
        m = _OFFSET_LABEL.search(tzid)
        if m:
            sign = -1 if m.group(1) in "-−" else 1
            hours, minutes = int(m.group(2)), int(m.group(3) or 0)
            if hours <= 14 and minutes < 60:
                label = f"UTC{'+' if sign > 0 else '-'}{hours:02d}:{minutes:02d}"
                self.report.warn(
                    "TZID", M_('time zone "{zone}" is not a named time zone; times were read at '
                               "a fixed {offset}, without daylight-saving changes", zone=tzid,
                               offset=label), line)
                return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        self.report.warn(
            "TZID", M_('time zone "{zone}" is not one the workbench knows; its times were read '
                       "as {learner_zone} (the learner's time zone), so check them", zone=tzid,
                       learner_zone=str(self.learner_tz)), line)
        return self.learner_tz


def _times(prop) -> list:
    """The date/date-time values of one property (several for EXDATE/RDATE lists)."""
    if isinstance(prop, list):
        return [v for p in prop for v in _times(p)]
    if hasattr(prop, "dts"):
        return [d.dt for d in prop.dts]
    return [prop.dt] if hasattr(prop, "dt") else []


def _naive(value) -> bool:
    if isinstance(value, tuple):
        return any(_naive(v) for v in value)
    return isinstance(value, dt.datetime) and value.tzinfo is None


def _rezoned(value, tz: dt.tzinfo):
    """The same wall-clock time (or PERIOD) in ``tz``; dates are kept."""
    if isinstance(value, tuple):
        return tuple(_rezoned(v, tz) for v in value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz)
    return value


def _zoned(value, tz: dt.tzinfo):
    """A naive date-time (or a PERIOD of them) placed in ``tz``; dates and aware times kept."""
    if isinstance(value, tuple):
        return tuple(_zoned(v, tz) for v in value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def _place_in_zones(event: icalendar.Event, block: _Block, zones: _Zones,
                    learner_tz: dt.tzinfo) -> None:
    """Give every naive time a zone: its unresolved TZID's, or the learner's when floating."""
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        if prop not in event:
            continue
        raw = event[prop]
        parts = raw if isinstance(raw, list) else [raw]
        values, changed = [], False
        for part in parts:
            tzid = part.params.get("TZID") if hasattr(part, "params") else None
            own = zones.own.get(str(tzid).strip()) if tzid else None
            for v in _times(part):
                if own is not None:  # the file's own definition, whatever icalendar found
                    values.append(_rezoned(v, own))
                    changed = True
                    continue
                if not _naive(v):
                    values.append(v)
                    continue
                tz = zones.get(str(tzid), block.line_of(prop)) if tzid else learner_tz
                values.append(_zoned(v, tz))
                changed = True
        if not changed:
            continue
        del event[prop]
        if prop in ("EXDATE", "RDATE"):
            for new in values:
                event.add(prop, [new])
        else:
            event.add(prop, values[0])


def _tidy_repeats(event: _Event, report: ImportReport) -> None:
    """Read two common slips the way the calendar programs that write them mean them.

    A date-only UNTIL on a timed series includes that day (RFC 5545 wants a date-time there),
    and a floating one is in the series' zone; an EXDATE at a time of day the series never meets (a zone lost on export, say) skips that
    day's repeat, with a note.
    """
    comp = event.component
    start = getattr(comp.get("DTSTART"), "dt", None)
    rule = comp.get("RRULE")
    if not isinstance(start, dt.datetime) or rule is None:
        return
    until = rule.get("UNTIL")
    if until and not isinstance(until[0], dt.datetime):
        end = dt.datetime.combine(until[0], dt.time(23, 59, 59), start.tzinfo)
        rule["UNTIL"] = [end.astimezone(UTC) if end.tzinfo else end]
    elif until and until[0].tzinfo is None and start.tzinfo is not None:
        # a floating UNTIL is the series' own wall-clock time, not UTC
        rule["UNTIL"] = [until[0].replace(tzinfo=start.tzinfo).astimezone(UTC)]
    if any(k in rule for k in ("BYHOUR", "BYMINUTE", "BYSECOND")) or "EXDATE" not in comp:
        return
    wall = start.time()
    fixed, changed = [], False
    for ex in _times(comp["EXDATE"]):
        if isinstance(ex, dt.datetime):
            local = ex.astimezone(start.tzinfo) if ex.tzinfo and start.tzinfo else ex
            day, moved = local.date(), local.time() != wall
        else:
            day, moved = ex, True
        if moved:
            changed = True
            if isinstance(ex, dt.datetime):
                report.warn("EXDATE", M_("{event}: the skipped date {date} names a time the "
                                         "event does not repeat at; the repeat that day was "
                                         "left out", event=_event_name(event.summary,
                                                                       event.line),
                                         date=_day_words(day)),
                            event.block.line_of("EXDATE"))
            ex = dt.datetime.combine(day, wall, start.tzinfo)
        fixed.append(ex)
    if changed:
        del comp["EXDATE"]
        for ex in fixed:
            comp.add("EXDATE", [ex])


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


@dataclass
class _Event:
    """One readable VEVENT: the parsed component and where it is in the file."""

    component: icalendar.Event
    block: _Block
    uid: str
    summary: str
    freq: str  # the repeat rule's FREQ, "" when it does not repeat by rule

    @property
    def line(self) -> int:
        return self.block.line

    @property
    def is_override(self) -> bool:
        return "RECURRENCE-ID" in self.component

    @property
    def first_start(self) -> dt.date | None:
        value = self.component.get("DTSTART")
        value = getattr(value, "dt", None)
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None


def _check_rule(block: _Block) -> str:
    """The FREQ of the event's repeat rule ("" when none); raises _BadEvent when unreadable."""
    found = block.first("RRULE")
    if found is None:
        return ""
    line, raw = found

    def bad(why: Message) -> _BadEvent:
        return _BadEvent("RRULE", M_('the repeat rule "{rule}" could not be read: {why}',
                                     rule=raw.strip(), why=why), line)

    parts: dict[str, str] = {}
    for chunk in raw.strip().strip(";").split(";"):
        key, eq, val = chunk.partition("=")
        key = key.strip().upper()
        if not eq or not (key in _RULE_PARTS or key.startswith("X-")):
            raise bad(M_('"{part}" is not a part of a repeat rule', part=chunk))
        if key in parts:
            raise bad(M_("{part} is given twice", part=key))
        parts[key] = val.strip().upper()
    freq = parts.get("FREQ")
    if freq is None:
        raise bad(M_("it needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"))
    if freq in _SUB_DAILY:
        raise bad(M_("repeats more often than once a day are not read as busy times"))
    return freq


def _read_event(block: _Block, report: ImportReport) -> _Event:
    """Check one VEVENT on its own; raises _BadEvent with the field and line at fault."""
    name = _event_name(block.summary, block.line)
    if not block.closed:
        raise _BadEvent("END:VEVENT", M_("the event is not closed with END:VEVENT (the file "
                                         "may be cut off)"), block.line)
    for number in block.unreadable:
        report.warn("", M_("{event}: line {line} is not an iCalendar line and was ignored",
                           event=name, line=str(number)), number)
    freq = _check_rule(block)
    if block.first("DTSTART") is None:
        raise _BadEvent("DTSTART", M_("the event has no start time (DTSTART)"), block.line)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            component = icalendar.Event.from_ical(block.text())
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError on bad input
        # the library's own reason stays as it gives it (data)
        raise _BadEvent("VEVENT", M_("the event could not be read ({reason})", reason=exc),
                        block.line) from None
    for prop, message in getattr(component, "errors", []):
        if str(prop).upper() in _TIME_PROPERTIES:
            prop = str(prop).upper()
            found = block.first(prop)
            raw = f' "{found[1].strip()}"' if found else ""
            raise _BadEvent(prop, M_("{field}{value} could not be read: {reason}", field=prop,
                                     value=raw, reason=message), block.line_of(prop))
    start = getattr(component.get("DTSTART"), "dt", None)
    if not isinstance(start, dt.date):
        raise _BadEvent("DTSTART", M_("the start time (DTSTART) could not be read"),
                        block.line_of("DTSTART"))
    if isinstance(component.get("RRULE"), list):
        report.warn("RRULE", M_("{event} has more than one repeat rule; only the first was used",
                                event=name), block.line_of("RRULE"))
    rid = component.get("RECURRENCE-ID")
    if rid is not None and str(rid.params.get("RANGE", "")).upper() == "THISANDFUTURE":
        report.warn("RECURRENCE-ID", M_("{event} changes this and all later repeats; only this "
                                        "one was changed", event=name),
                    block.line_of("RECURRENCE-ID"))
    uid = str(component.get("UID", "")).strip() or f"line-{block.line}"
    return _Event(component, block, uid, block.summary, freq)


@dataclass
class _Calendar:
    events: list[_Event]
    report: ImportReport
    learner_tz: dt.tzinfo

    def span(self) -> tuple[dt.date, dt.date | None] | None:
        """The first day any event starts on and the last (None when a rule has no end)."""
        first, last = [], []
        for e in self.events:
            start = e.first_start
            if start is None:
                continue
            first.append(start)
            rule = e.component.get("RRULE")
            if rule is None:
                last.append(start)
            elif rule.get("UNTIL"):
                until = rule["UNTIL"][0]
                last.append(until.date() if isinstance(until, dt.datetime) else until)
            else:
                last.append(None)  # a count or no end: the last day is not simply written
        if not first:
            return None
        return min(first), None if None in last else max(last)


def _read_calendar(path_or_bytes, source_name, tz: str) -> _Calendar:
    data, name = read_source_bytes(path_or_bytes, source_name)
    report = ImportReport(name)
    learner_tz = _zone(tz, report)
    text = _decode(data, report)
    scan = _scan(text)
    if not scan.is_calendar:
        report.skip("", M_("this is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR or "
                           "BEGIN:VEVENT line"))
        raise ImportFailed(report)
    report.read = len(scan.events)
    readable: list[_Event] = []
    for block in scan.events:
        try:
            readable.append(_read_event(block, report))
        except _BadEvent as exc:
            report.skip(exc.field, M_("{event} was not imported: {why}",
                                      event=_event_name(block.summary, block.line),
                                      why=exc.message), exc.line)
    events = readable
    zones = _Zones(scan.timezones, learner_tz, report)
    for event in events:
        rules = event.component.get("RRULE")
        if isinstance(rules, list):
            del event.component["RRULE"]
            event.component.add("RRULE", rules[0])
        _place_in_zones(event.component, event.block, zones, learner_tz)
        _tidy_repeats(event, report)
    report.imported = len(events)
    if not scan.events:
        report.warn("", M_("the calendar has no events"))
    elif not events:
        raise ImportFailed(report)
    return _Calendar(events, report, learner_tz)


def _zone(tz: str, report: ImportReport) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        report.skip("tz", M_('"{zone}" is not a time zone name such as America/Chicago',
                             zone=tz))
        raise ImportFailed(report) from None


# --------------------------------------------------------------------------------------------
# Occurrences between two dates
# --------------------------------------------------------------------------------------------


def _window_bounds(window_start: dt.date, window_end: dt.date, learner_tz: dt.tzinfo):
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


def _span(start, end, learner_tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """An occurrence as aware (start, end) in the learner's zone; all-day = whole local days."""
    if not isinstance(start, dt.datetime):
        last = end if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else start
        days = max((last - start).days, 1)
        begin = dt.datetime.combine(start, dt.time(), learner_tz)
        return begin, dt.datetime.combine(start + dt.timedelta(days=days), dt.time(), learner_tz)
    start = _zoned(start, learner_tz)
    end = _zoned(end, learner_tz) if isinstance(end, dt.datetime) else start
    return start.astimezone(learner_tz), max(end, start).astimezone(learner_tz)


def _too_many_steps(master: _Event, lo: dt.datetime) -> bool:
    first = master.first_start
    if not master.freq or first is None:
        return False
    rule = master.component.get("RRULE")
    interval = int((rule.get("INTERVAL") or [1])[0]) if rule is not None else 1
    period = _PERIOD_DAYS.get(master.freq, 1) * max(interval, 1)
    return (lo.date() - first).days / period > MAX_RULE_STEPS


def _busy_rows(calendar: _Calendar, window_start: dt.date, window_end: dt.date) -> pd.DataFrame:
    learner_tz, report = calendar.learner_tz, calendar.report
    lo, hi = _window_bounds(window_start, window_end, learner_tz)
    series: dict[str, list[_Event]] = defaultdict(list)
    for e in calendar.events:
        series[e.uid].append(e)
    rows = []
    free = 0
    for uid, events in series.items():
        master = next((e for e in events if not e.is_override), events[0])
        free += sum(str(e.component.get("TRANSP", "")).upper() == "TRANSPARENT" for e in events)
        if _too_many_steps(master, lo):
            report.warn("RRULE", M_("{event} repeats too many times before the dates asked "
                                    "for; its repeats were not read",
                                    event=_event_name(master.summary, master.line)),
                        master.block.line_of("RRULE"))
            continue
        _dates_for_all_day(master, events, learner_tz)
        cal = icalendar.Calendar()
        for e in events:
            cal.add_component(e.component)
        lines = {_occurrence_key(e.component.get("RECURRENCE-ID")): e.line
                 for e in events if e.is_override}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                occurrences = recurring_ical_events.of(cal).between(lo, hi)
            for o in occurrences:
                if str(o.get("STATUS", "")).upper() == "CANCELLED" or \
                        str(o.get("TRANSP", "")).upper() == "TRANSPARENT":
                    continue
                start = o["DTSTART"].dt
                end = o["DTEND"].dt if "DTEND" in o else start
                begin, finish = _span(start, end, learner_tz)
                if not (begin < hi and (finish > lo or (finish == begin and begin >= lo))):
                    continue
                line = lines.get(_occurrence_key(o.get("RECURRENCE-ID")), master.line)
                rows.append({"summary": str(o.get("SUMMARY", "")).strip(), "start": begin,
                             "end": finish, "all_day": not isinstance(start, dt.datetime),
                             "uid": uid, "line": line, "repeats": master.freq})
        except Exception as exc:  # one series' repeats, never the whole calendar, are lost
            report.skip("RRULE", M_("{event}: its repeats could not be worked out ({reason})",
                                    event=_event_name(master.summary, master.line),
                                    reason=exc), master.block.line_of("RRULE"))
    if free:
        report.warn("TRANSP", MP_("{n} event is marked as free time in the calendar and not "
                                  "counted as busy", "{n} events are marked as free time in the "
                                  "calendar and not counted as busy", n=free))
    frame = pd.DataFrame(rows, columns=list(BUSY_COLUMNS))
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(str(learner_tz))
    frame["all_day"] = frame["all_day"].astype(bool)
    frame["line"] = frame["line"].astype(int)
    frame = frame.drop_duplicates(["uid", "start", "end", "summary"])
    return frame.sort_values(["start", "summary"], kind="stable").reset_index(drop=True)


def _dates_for_all_day(master: _Event, events: list[_Event], learner_tz: dt.tzinfo) -> None:
    """Moved repeats of an all-day series name the day they replace, whatever the form.

    Programs write that day as a date, a floating midnight, a midnight in some zone or that
    midnight in UTC; only a date matches the series' days, so a date-time is turned into the
    day it falls on for the family. Otherwise the repeat would stay on its old day as well.
    """
    start = getattr(master.component.get("DTSTART"), "dt", None)
    if master.is_override or isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        return
    for e in events:
        rid = getattr(e.component.get("RECURRENCE-ID"), "dt", None)
        if isinstance(rid, dt.datetime):
            day = rid.astimezone(learner_tz).date() if rid.tzinfo else rid.date()
            del e.component["RECURRENCE-ID"]
            e.component.add("RECURRENCE-ID", day)


def _occurrence_key(rid) -> object:
    value = getattr(rid, "dt", None)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


# --------------------------------------------------------------------------------------------
# Which dates, which time zone
# --------------------------------------------------------------------------------------------


def learner_time_zone(learner: Learner | None = None, catalogue: Catalogue | None = None,
                      tz: str | None = None) -> tuple[str, str]:
    """The time zone to read a learner's calendar in, and why, in words.

    Parameters
    ----------
    learner : Learner, optional
        Its ``time_zone`` wins when set.
    catalogue : Catalogue, optional
        Its ``time_zone`` is the default (the district's).
    tz : str, optional
        An explicit zone (``--tz``), used before either.

    Returns
    -------
    tuple of (str, str)
        The IANA name and a phrase such as ``"the catalogue's time zone"``.
    """
    zone, why = _time_zone(learner, catalogue, tz)
    return zone, str(why)


def _time_zone(learner, catalogue, tz) -> tuple[str, Message]:
    if tz:
        return str(tz), M_("the time zone asked for")
    own = getattr(learner, "time_zone", "") if learner is not None else ""
    if own:
        return str(own), M_("the learner's time zone")
    district = getattr(catalogue, "time_zone", "") if catalogue is not None else ""
    if district:
        return str(district), M_("the catalogue's time zone")
    return DEFAULT_TZ, M_("the workbench's default time zone: the catalogue names none")


def reading_window(window_start=None, window_end=None, catalogue: Catalogue | None = None,
                   today: dt.date | None = None) -> tuple[dt.date, dt.date, str]:
    """The first and last day to read a calendar for, and why, in words.

    Dates given win; a missing one comes from the catalogue's school year (the span of its
    sections); without a catalogue, the school year (August to July) around ``today``.

    Returns
    -------
    tuple of (datetime.date, datetime.date, str)

    Raises
    ------
    ValueError
        When the last day is before the first.
    """
    start, end, why = _window(window_start, window_end, catalogue, today)
    return start, end, str(why)


class _BadWindow(ValueError):
    """The last day is before the first (``said`` the sentence as data)."""

    def __init__(self, said: Message):
        super().__init__(str(said))
        self.said = said


def _window(window_start, window_end, catalogue, today) -> tuple[dt.date, dt.date, Message]:
    start, end = _as_date(window_start), _as_date(window_end)
    if start is not None and end is not None:
        why = M_("the dates asked for")
    elif catalogue is not None and len(catalogue.sections):
        year_start, year_end = catalogue.school_year
        why = M_("the catalogue's school year") if start is None and end is None else \
            M_("the dates asked for and the catalogue's school year")
        start, end = start or year_start, end or year_end
    else:
        today = today or dt.date.today()
        first_year = today.year if today.month >= 8 else today.year - 1
        why = M_("the school year around today (no catalogue was given)") if start is None \
            and end is None else M_("the dates asked for and the school year around today")
        start = start or dt.date(first_year, 8, 1)
        end = end or dt.date(first_year + 1, 7, 31)
    if end < start:
        raise _BadWindow(M_("the last day ({last}) is before the first ({first})",
                            last=_day_words(end), first=_day_words(start)))
    # keep a week's room below date.max: the window's end is handled as the next midnight
    last = dt.date.max - dt.timedelta(days=7)
    return min(start, last), min(end, last), why


def read_busy_times(path_or_bytes, source_name: str | None = None, *,
                    window_start: dt.date | None = None, window_end: dt.date | None = None,
                    tz: str = DEFAULT_TZ, catalogue: Catalogue | None = None,
                    ) -> tuple[pd.DataFrame, ImportReport]:
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
        First and last day to read (both included). Default: see :func:`reading_window`.
    tz : str
        The learner's IANA time zone; every time is converted to it, and times with no zone
        ("floating") are read in it.
    catalogue : Catalogue, optional
        Whose school year is the default window.

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
    window_start, window_end, _why = reading_window(window_start, window_end, catalogue)
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
                    tz: str | None = None, *, catalogue: Catalogue | None = None,
                    source_name: str | None = None) -> tuple[Learner, ImportReport]:
    """A copy of ``learner`` with a family calendar's weekly busy times as commitments.

    Commitments gain one block per weekly busy time (labelled with the event titles; blocks
    the learner already has are not repeated). Availability becomes the previous availability
    minus those blocks, or, when the learner had none, 8 am-9 pm every day minus them. The
    learner passed in is never changed. The report notes the dates and time zone read.

    Parameters
    ----------
    path : str, os.PathLike or bytes
        The ``.ics`` file or its content.
    learner : Learner
        The learner the calendar belongs to.
    window_start, window_end : datetime.date, optional
        First and last day to read; by default the catalogue's school year (the span of its
        sections, :func:`reading_window`).
    tz : str, optional
        The family's IANA time zone; by default the learner's, else the catalogue's
        (:func:`learner_time_zone`).
    catalogue : Catalogue, optional
        The catalogue the learner plans from: its school year and time zone are the defaults.
    source_name : str, optional
        Name used in the report (defaults to the file name).

    Returns
    -------
    tuple of (Learner, ImportReport)

    Raises
    ------
    ImportFailed
        As :func:`read_busy_times`; also when no event falls in the dates read, or none of them
        happens at the same time in most weeks: then there is nothing to change.
    """
    zone, zone_why = _time_zone(learner, catalogue, tz)
    calendar = _read_calendar(path, source_name, zone)
    report = calendar.report
    try:
        start, end, why = _window(window_start, window_end, catalogue, None)
    except _BadWindow as exc:
        report.skip("window", exc.said)
        raise ImportFailed(report) from None
    dates = M_("between {first} and {last} ({why})", first=_day_words(start),
               last=_day_words(end), why=why)
    busy = _busy_rows(calendar, start, end)
    report.warn("", M_("read the events {dates}, in {zone} ({why})", dates=dates, zone=zone,
                       why=zone_why))
    if busy.empty:
        span = calendar.span()
        if span is None:
            report.skip("", M_("no event in the calendar falls {dates}: there is nothing to add "
                               "to the week", dates=dates))
        elif span[1]:
            report.skip("", M_("no event in the calendar falls {dates}; its first event is on "
                               "{first} and its last on {last}: there is nothing to add to the "
                               "week", dates=dates, first=_day_words(span[0]),
                               last=_day_words(span[1])))
        else:
            report.skip("", M_("no event in the calendar falls {dates}; its first event is on "
                               "{first}: there is nothing to add to the week", dates=dates,
                               first=_day_words(span[0])))
        raise ImportFailed(report)
    weekly = busy_to_weekly(busy, start, end)
    if not weekly:
        report.skip("", M_("no event happens at the same time in most weeks {dates}: there is "
                           "nothing to add to the week", dates=dates))
        raise ImportFailed(report)
    masters = {e.uid for e in calendar.events}
    outside = len(masters - set(busy["uid"]))
    if outside:
        report.warn("", MP_("{outside} of {n} event has no date {dates} and was not counted",
                            "{outside} of {n} events have no date {dates} and were not counted",
                            outside=outside, n=len(masters), dates=dates))
    kept = {b["label"] for b in weekly}
    occasional = sorted(set(busy["summary"].replace("", "Busy")) - kept)
    if occasional:
        names = ", ".join(f'"{n}"' for n in occasional[:3])
        if len(occasional) > 3:
            report.warn("", M_("{names} and {n} more happen in fewer than half the weeks, so "
                               "they were not added as weekly busy times", names=names,
                               n=len(occasional) - 3))
        else:
            report.warn("", M_("{names} happen in fewer than half the weeks, so they were not "
                               "added as weekly busy times", names=names))
    new = copy.deepcopy(learner)
    blocks = [TimeBlock.from_dict(b) for b in weekly]
    known = {(b.days, b.start, b.end, b.label) for b in new.commitments}
    commitments = list(new.commitments) + [
        b for b in blocks if (b.days, b.start, b.end, b.label) not in known]
    if new.availability:
        availability = _availability_minus(new.availability, blocks)
    else:
        availability = [TimeBlock.from_dict(b) for b in availability_from_busy(weekly)]
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


def _section_uid(plan_id: str, section_id: str) -> str:
    return f"{uuid.uuid5(UID_NAMESPACE, f'{plan_id}/{section_id}')}@anywhere-learning-workbench"


def plan_to_ics(catalogue: Catalogue, learner: Learner, plan: Plan, tz: str | None = None,
                now: dt.datetime | None = None, sequence: int | None = None,
                words: Words = ENGLISH) -> bytes:
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
    tz : str, optional
        IANA time zone the meeting times are in; by default the learner's, else the
        catalogue's (:func:`learner_time_zone`).
    now : datetime.datetime, optional
        Time stamp for DTSTAMP (default: the current time); pass a fixed value for
        reproducible files.
    sequence : int, optional
        SEQUENCE for every event. Default: minutes from 2024-01-01 to ``now``, so a later
        export always counts as a newer version of the same events.
    words : Words, optional
        The family's language for the events' descriptions and the calendar's notes (a
        session's ``Translator``); titles, providers and addresses stay as the catalogue has
        them.

    Returns
    -------
    bytes
        The ``.ics`` file: UTF-8, CRLF line ends, lines folded at 75 octets.
    """
    now = dt.datetime.now(UTC) if now is None else now
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    if sequence is None:
        sequence = max(0, int((now - _SEQUENCE_EPOCH).total_seconds() // 60))
    tz = learner_time_zone(learner, catalogue, tz)[0]
    zone = zoneinfo.ZoneInfo(tz)
    table = catalogue.section_table
    providers = catalogue.providers.set_index("provider_id")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    w = words
    _ = w.gettext
    events: list[list[str]] = []
    notes: list[str] = []
    years: list[int] = []

    def day_names(days) -> str:
        return ", ".join(w.day(d) for d in days)

    def clock(minutes) -> str:
        return _("midnight") if int(minutes) in (0, _MINUTES) else w.clock(minutes)

    for section_id in plan.sections:
        if section_id not in table.index:
            notes.append(_("{section}: not found in the catalogue, so not in this calendar.")
                         .format(section=section_id))
            continue
        row = table.loc[section_id]
        title = str(row["title"])
        if not row["meets"]:
            if bool(row.get("times_tba", False)):
                notes.append(_("{title}: times to be arranged with the provider, so not in this "
                               "calendar yet.").format(title=title))
            elif float(row["self_paced_hours"]) > 0:
                notes.append(_("{title}: at your own pace, about {hours} a week; no set meeting "
                               "times.").format(title=title,
                                                hours=w.hours(float(row["self_paced_hours"]))))
            else:
                notes.append(_("{title}: no meeting times published.").format(title=title))
            continue
        days = parse_days(row["days"])
        first_day, last_day = row["start_date"].date(), row["end_date"].date()
        wanted = {DAYS.index(d) for d in days}
        day = first_day
        while day.weekday() not in wanted:
            day += dt.timedelta(days=1)
        if day > last_day:
            notes.append(_("{title}: meets on {days}, but no such day falls between its start "
                           "and end dates.").format(title=title, days=day_names(days)))
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
        kind = PROVIDER_KIND_WORDS.get(row.get("provider_kind") or "", "")
        cost = float(row["cost"])
        description = [_("Provider: {provider} ({kind})").format(provider=provider, kind=_(kind))
                       if kind else _("Provider: {provider}").format(provider=provider),
                       _(MODALITY_WORDS[row["modality"]])
                       if row.get("modality") in MODALITY_WORDS else "",
                       _("Meets: {days}, {start} to {end}, {first} to {last}").format(
                           days=day_names(days), start=clock(row["start_min"]),
                           end=clock(row["end_min"]), first=w.date(first_day),
                           last=w.date(last_day)),
                       _("Cost: {cost}").format(cost=w.money(cost) if cost else _("free"))]
        bring = []
        if bool(row.get("requires_device", False)):
            bring.append(_("a computer or tablet"))
        if bool(row.get("requires_broadband", False)):
            bring.append(_("an internet connection"))
        if bool(row.get("requires_car", False)):
            bring.append(_("a car at the site"))
        if bring:
            description.append(_("Needs: {things}").format(things=", ".join(bring)))
        if float(row["self_paced_hours"]) > 0:
            description.append(_("Plus about {hours} a week at your own pace").format(
                hours=w.hours(float(row["self_paced_hours"]))))
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
