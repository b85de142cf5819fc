"""Data directories <-> domain objects: read one strictly, check it, and write one.

Every check in ``docs/data-format.md`` is made before anything is built: a directory either loads
as one consistent :class:`~workbench.domain.dataset.Dataset` or raises one
:class:`~workbench.formats.report.DataError` that lists every problem as
``file:line:field: message``. Bad data never gives a traceback and never a half-loaded dataset.
:func:`write_data_dir` writes frames, learners and plans back in the same format.

Conventions for where a problem is:

- CSV files: ``line`` is the line in the file where the row starts (header = line 1; quoted cells
  spanning several lines are counted), ``field`` the column name. Problems with a whole file
  (missing, not UTF-8, empty) have no line (shown ``-``).
- JSON files: ``field`` is the field path (``goals[1].by``, ``levels.MATH.ALG.1``) and ``line``
  the line where that field (or, for a missing field, its object) starts. A JSON syntax error
  puts the character column in ``field``, as in ``plans/P-1.json:3:17: ...``.
- A JSON object checked without a file (``parse_learner(data)``) has no lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..domain.dataset import DAY_NAMES, DAYS, DEVICES, MODES, Catalogue, Dataset, Learner, Plan
from ..domain.schema import CATALOGUE_FILES, FALSE, FILES, FRAME_NAMES, TRUE, Column, typed_frame
from ..i18n import M_, MP_
from ..markup import write_csv
from .report import DataError, DataProblem

ONLINE_ZONE = "online"
LEARNERS_DIR = "learners"
PLANS_DIR = "plans"

# Files that make no sense empty; requirements and alignments may legitimately have no rows.
_NEEDS_ROWS = ("competencies.csv", "providers.csv", "opportunities.csv", "sections.csv")

# pandas keeps dates as datetime64[ns], which only spans the years 1677-2262.
_FIRST_YEAR, _LAST_YEAR = 1900, 2200

_DAY_WORDS = {d.lower(): d for d in DAYS} | {w.lower(): d for d, w in DAY_NAMES.items()}
_INT_RE = re.compile(r"[+-]?\d+(?:\.0*)?")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


# ---- reading files -------------------------------------------------------------------------


#: Largest data file ``validate`` and loading read (bytes): the sample's largest is well under 1 MB
#: and a district catalogue of 20,000 sections about 5 MB; past this a file is refused, not read.
MAX_FILE_BYTES = 50 * 1024 * 1024


def _read_text(path: Path, label: str, problems: list[DataProblem]) -> str | None:
    """The file's text (UTF-8, BOM allowed), or None with a problem saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES and path.is_file():
            problems.append(DataProblem(
                label, None, "", M_("is {size} MB; data files may be at most {most} MB (split "
                                    "it, or check it is the right file)",
                                    size=f"{size / 2**20:,.0f}", most=MAX_FILE_BYTES // 2**20)))
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(DataProblem(label, None, "", M_("file is missing")))
        return None
    except IsADirectoryError:
        problems.append(DataProblem(label, None, "", M_("is a folder, not a file")))
        return None
    except OSError as err:
        problems.append(DataProblem(label, None, "", M_("cannot be read ({reason})",
                                                        reason=err.strerror or err)))
        return None
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        problems.append(DataProblem(
            label, line, "", M_("contains a NUL byte (a zero byte, not text): this is not a text "
                                "file, or it was saved as UTF-16; save it as UTF-8 text")))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        problems.append(DataProblem(
            label, line, "",
            M_("is not UTF-8 text (byte {byte}); save the file as UTF-8",
               byte=f"0x{data[err.start]:02x}")))
        return None


@dataclass
class _Table:
    """One CSV file after reading: stripped text cells per known column, and each row's line."""

    file: str
    header: dict[str, int]
    text: dict[str, list[str]]  # column -> stripped cells ("" for missing cells)
    raw: dict[str, list[str]]  # column -> cells as written (for ids with stray spaces)
    lines: list[int]
    # filled by _check_table: normalised text for the frame, parsed values for row checks
    clean: dict[str, list[str]] | None = None
    value: dict[str, list] | None = None

    def has(self, column: str) -> bool:
        return column in self.header


def _read_csv(root: Path, file: str, problems: list[DataProblem]) -> _Table | None:
    """Read one catalogue CSV with the csv module (so line numbers are real file lines)."""
    text = _read_text(root / file, file, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(DataProblem(file, None, "", M_("file is empty; it needs a header row")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = 0  # the last line of the last whole record read
    try:
        header_cells = next(reader)
        previous = reader.line_num
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines and rows of empty cells carry no data
            rows.append(record)
            lines.append(start)
    except csv.Error as err:
        hint = M_("a quoted cell is never closed") if "end of data" in str(err) else str(err)
        problems.append(DataProblem(file, previous + 1, "", M_("is not valid CSV: {reason}",
                                                               reason=hint)))
        return None

    names = [h.strip() for h in header_cells]
    header: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            continue
        if name in header:
            problems.append(DataProblem(file, 1, name, M_("column appears twice in the header")))
            continue
        header[name] = i
    if not header:
        problems.append(DataProblem(file, 1, "", M_("the first line must be a header row")))
        return None
    for col in FILES[file]:
        if col.required and col.name not in header:
            problems.append(DataProblem(file, 1, col.name, M_("required column is missing")))
    width = len(header_cells)
    for record, line in zip(rows, lines, strict=True):
        if len(record) > width and any(c.strip() for c in record[width:]):
            problems.append(DataProblem(
                file, line, "",
                M_("row has {n} cells but the header has {width} (a stray comma?)",
                   n=len(record), width=width)))

    text_cols, raw_cols = {}, {}
    for col in FILES[file]:
        i = header.get(col.name)
        if i is None:
            continue
        raw = [r[i] if i < len(r) else "" for r in rows]
        raw_cols[col.name] = raw
        text_cols[col.name] = [c.strip() for c in raw]
    return _Table(file, header, text_cols, raw_cols, lines)


# ---- cells ---------------------------------------------------------------------------------


def _show(value) -> str:
    """A value quoted for a message, cut short so one bad cell cannot flood the report."""
    if not isinstance(value, str):
        return repr(value)
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _fmt(x: float | None) -> str:
    return "" if x is None else (f"{int(x)}" if float(x).is_integer() else f"{x:g}")


def _in_range(col: Column, x: float, text: str) -> str | None:
    if col.min is not None and x < col.min:
        return M_("{value} must be at least {low}", value=_show(text), low=_fmt(col.min))
    if col.max is not None and x > col.max:
        return M_("{value} must be at most {high}", value=_show(text), high=_fmt(col.max))
    return None


def _parse_cell(col: Column, text: str) -> tuple[str, object, str | None]:
    """One non-empty cell -> (text for the frame, parsed value, problem message or None)."""
    kind = col.kind
    if kind in ("id", "ref", "text", "list"):
        return text, text, None
    if kind == "enum":
        if text in col.choices:
            return text, text, None
        return text, None, M_("{value} is not one of: {choices}",
                              value=_show(text), choices=', '.join(col.choices))
    if kind == "int":
        if not _INT_RE.fullmatch(text):
            return text, None, M_("{value} is not a whole number", value=_show(text))
        x = int(text.split(".")[0])
        # no count in the catalogue is anywhere near a billion; the cap keeps int64 safe
        err = _in_range(col, x, text) or (
            M_("{value} is too large", value=_show(text)) if abs(x) > 10**9 else None)
        return str(x), (None if err else x), err
    if kind == "float":
        if not _NUMBER_RE.fullmatch(text):
            return text, None, M_("{value} is not a number", value=_show(text))
        x = float(text)
        if not math.isfinite(x):
            return text, None, M_("{value} is not a number", value=_show(text))
        err = _in_range(col, x, text)
        return text, (None if err else x), err
    if kind == "bool":
        low = text.lower()
        if low in TRUE:
            return "true", True, None
        if low in FALSE:
            return "false", False, None
        return text, None, M_("{value} is not true or false", value=_show(text))
    if kind == "date":
        try:
            if not _DATE_RE.fullmatch(text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text, None, M_("{value} is not a date (YYYY-MM-DD)", value=_show(text))
        if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
            return text, None, M_("{value} is outside the years {first}-{last}",
                                  value=_show(text), first=_FIRST_YEAR, last=_LAST_YEAR)
        return text, day, None
    if kind == "time":
        minutes = _minutes(text)
        if minutes is None:
            return text, None, M_("{value} is not a time of day (HH:MM)", value=_show(text))
        if minutes == 24 * 60 and col.name.startswith("start"):
            return text, None, M_("'24:00' is only allowed as an end time")
        return f"{minutes // 60:02d}:{minutes % 60:02d}", minutes, None
    if kind == "days":
        days, err = _days(text.split(";") if ";" in text or "," not in text else text.split(","))
        return ";".join(days), (days if err is None else None), err
    raise ValueError(f"unknown column kind {kind!r}")  # a schema bug, not bad data


def _minutes(text: str) -> int | None:
    m = _TIME_RE.fullmatch(text.strip())
    if not m:
        return None
    h, mm = int(m[1]), int(m[2])
    if h > 24 or mm > 59 or (h == 24 and mm):
        return None
    return h * 60 + mm


def _days(parts: Iterable[str]) -> tuple[tuple[str, ...], str | None]:
    """Day names in week order, or a message about the first one that is not a day."""
    found = set()
    for part in parts:
        word = part.strip()
        if not word:
            continue
        day = _DAY_WORDS.get(word.lower())
        if day is None:
            return (), M_("{value} is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)",
                          value=_show(word))
        found.add(day)
    return tuple(d for d in DAYS if d in found), None


def _check_table(table: _Table, problems: list[DataProblem]) -> None:
    """Check every cell of every known column; fill ``table.clean`` and ``table.value``."""
    table.clean, table.value = {}, {}
    for col in FILES[table.file]:
        if not table.has(col.name):
            continue
        cells = table.text[col.name]
        # parse each distinct value once: dates, times, days and choices repeat a lot
        parsed = {v: _parse_cell(col, v) for v in dict.fromkeys(cells) if v}
        clean, values = [], []
        for i, v in enumerate(cells):
            if not v:
                if col.required:
                    problems.append(DataProblem(table.file, table.lines[i], col.name,
                                                M_("is empty; this column is required")))
                clean.append("")
                values.append(None)
                continue
            text, value, err = parsed[v]
            if err:
                problems.append(DataProblem(table.file, table.lines[i], col.name, err))
            clean.append(text)
            values.append(value)
        if col.kind in ("id", "ref"):
            for i, raw in enumerate(table.raw[col.name]):
                if raw != cells[i] and cells[i]:
                    problems.append(DataProblem(table.file, table.lines[i], col.name,
                                                M_("{value} has spaces at the start or end",
                                                   value=_show(raw))))
        table.clean[col.name] = clean
        table.value[col.name] = values


def _duplicates(table: _Table, columns: tuple[str, ...], problems: list[DataProblem],
                what: str) -> None:
    """Report rows repeating an earlier row's key (all of ``columns`` non-empty)."""
    if not all(table.has(c) for c in columns):
        return
    first: dict[tuple, int] = {}
    for i, key in enumerate(zip(*(table.text[c] for c in columns), strict=True)):
        if not all(key):
            continue
        if key in first:
            shown = ", ".join(key)
            problems.append(DataProblem(
                table.file, table.lines[i], columns[-1],
                M_("duplicate {what} {value} (first on line {line})", what=what,
                   value=_show(shown), line=str(first[key]))))
        else:
            first[key] = table.lines[i]


def _row_checks(table: _Table, problems: list[DataProblem]) -> None:
    """Checks that compare cells within a row."""
    f, v, lines = table.file, table.value, table.lines

    def pairs(a: str, b: str):
        if table.has(a) and table.has(b):
            for i, (x, y) in enumerate(zip(v[a], v[b], strict=True)):
                if x is not None and y is not None:
                    yield i, x, y

    if f == "opportunities.csv":
        for i, lo, hi in pairs("min_grade", "max_grade"):
            if lo > hi:
                problems.append(DataProblem(f, lines[i], "max_grade",
                                            M_("max_grade {high} is below min_grade {low}",
                                               high=hi, low=lo)))
    elif f == "alignments.csv":
        for i, lo, hi in pairs("min_level", "max_level"):
            if lo > hi:
                problems.append(DataProblem(f, lines[i], "min_level",
                                            M_("min_level {low} is above max_level {high}",
                                               low=lo, high=hi)))
    elif f == "sections.csv":
        for i, a, b in pairs("start_date", "end_date"):
            if b < a:
                problems.append(DataProblem(f, lines[i], "end_date",
                                            M_("end_date {end} is before start_date {start}",
                                               end=b, start=a)))
        for i, a, b in pairs("start_time", "end_time"):
            if b <= a:
                problems.append(DataProblem(
                    f, lines[i], "end_time",
                    M_("end_time {end} is not after start_time {start}",
                       end=table.text["end_time"][i], start=table.text["start_time"][i])))
        _meeting_checks(table, problems)


def _meeting_checks(table: _Table, problems: list[DataProblem]) -> None:
    """A section meets at set times (days + start + end), or is self-paced, or is times_tba."""
    f, t, v = table.file, table.text, table.value
    n = len(table.lines)
    empty = [""] * n
    days, start, end = t.get("days", empty), t.get("start_time", empty), t.get("end_time", empty)
    hours = v.get("self_paced_hours", [None] * n)
    tba = v.get("times_tba", [None] * n)
    for i in range(n):
        line = table.lines[i]
        given = {"days": bool(days[i]), "start_time": bool(start[i]), "end_time": bool(end[i])}
        if any(given.values()) and not all(given.values()):
            for name, ok in given.items():
                if not ok:
                    others = [k for k, g in given.items() if g]
                    problems.append(DataProblem(f, line, name, MP_(
                        "is empty but {others} is given", "is empty but {others} are given",
                        n=len(others), others=" and ".join(others))))
        elif not any(given.values()) and not (hours[i] or 0) > 0 and not tba[i]:
            if "self_paced_hours" in t and t["self_paced_hours"][i] and hours[i] is None:
                continue  # the bad number is already reported
            if "times_tba" in t and t["times_tba"][i] and tba[i] is None:
                continue
            problems.append(DataProblem(
                f, line, "days",
                M_("the section has no meeting times (days, start_time, end_time), no "
                   "self_paced_hours and is not times_tba")))


# ---- across files --------------------------------------------------------------------------


def _ids(tables: Mapping[str, _Table], file: str, column: str) -> set[str] | None:
    """The non-empty ids in a column, or None when that file could not be read."""
    table = tables.get(file)
    if table is None or not table.has(column):
        return None
    return {x for x in table.text[column] if x}


def _references(tables: Mapping[str, _Table], problems: list[DataProblem]) -> None:
    """Every ``ref`` column points at an id that exists (checked only when both files read)."""
    for file, columns in FILES.items():
        table = tables.get(file)
        if table is None:
            continue
        for col in columns:
            if col.kind != "ref" or not table.has(col.name):
                continue
            target, target_col = col.ref.split(".")
            known = _ids(tables, f"{target}.csv", target_col)
            if known is None:
                continue
            for i, x in enumerate(table.text[col.name]):
                if x and x not in known:
                    problems.append(DataProblem(file, table.lines[i], col.name,
                                                M_("{value} is not a {column} in {file}",
                                                   value=_show(x), column=target_col,
                                                   file=f"{target}.csv")))


def _parent_cycles(tables: Mapping[str, _Table], problems: list[DataProblem]) -> None:
    """Competency parents must form a tree: report each loop once, at its first line."""
    table = tables.get("competencies.csv")
    if table is None or not (table.has("parent_id") and table.has("competency_id")):
        return
    parent, line = {}, {}
    for i, (c, p) in enumerate(zip(table.text["competency_id"], table.text["parent_id"],
                                   strict=True)):
        if c and c not in line:
            line[c] = table.lines[i]
            if p:
                parent[c] = p
    done: set[str] = set()
    for start in parent:
        path, node = [], start
        while node in parent and node not in done and node not in path:
            path.append(node)
            node = parent[node]
        if node in path:
            loop = path[path.index(node):]
            first = min(loop, key=line.__getitem__)
            k = loop.index(first)
            loop = loop[k:] + loop[:k]
            problems.append(DataProblem(
                "competencies.csv", line[first], "parent_id",
                M_("parent_id makes a loop: {loop}", loop=" -> ".join([*loop, first]))))
        done.update(path)


def _travel_zones(tables: Mapping[str, _Table]) -> set[str] | None:
    table = tables.get("travel_times.csv")
    if table is None or not (table.has("from_zone") and table.has("to_zone")):
        return None
    return {z for z in table.text["from_zone"] + table.text["to_zone"] if z}


def _zones_and_domains(tables: Mapping[str, _Table], problems: list[DataProblem]) -> None:
    """Places must be reachable in travel_times.csv; requirement domains must exist."""
    zones = _travel_zones(tables)
    providers, sections = tables.get("providers.csv"), tables.get("sections.csv")
    kind_of: dict[str, str] = {}
    if providers is not None and providers.has("provider_id"):
        kinds = providers.text.get("kind", [""] * len(providers.lines))
        kind_of = dict(zip(providers.text["provider_id"], kinds, strict=True))
    if zones is not None and providers is not None and providers.has("zone"):
        for i, z in enumerate(providers.text["zone"]):
            online = providers.text.get("kind", [""] * (i + 1))[i] == "online"
            if z and z != ONLINE_ZONE and not online and z not in zones:
                problems.append(DataProblem(providers.file, providers.lines[i], "zone",
                                            M_("zone {zone} has no rows in travel_times.csv",
                                               zone=_show(z))))
    opportunities = tables.get("opportunities.csv")
    if zones is not None and sections is not None and sections.has("zone"):
        provider_of = {}
        if opportunities is not None and {"opportunity_id", "provider_id"} <= set(
                opportunities.header):
            provider_of = dict(zip(opportunities.text["opportunity_id"],
                                   opportunities.text["provider_id"], strict=True))
        opp = sections.text.get("opportunity_id", [""] * len(sections.lines))
        for i, z in enumerate(sections.text["zone"]):
            if not z or z == ONLINE_ZONE or z in zones:
                continue
            if kind_of.get(provider_of.get(opp[i], ""), "") == "online":
                continue
            problems.append(DataProblem(sections.file, sections.lines[i], "zone",
                                        M_("zone {zone} has no rows in travel_times.csv",
                                           zone=_show(z))))
    domains = _ids(tables, "competencies.csv", "domain")
    requirements = tables.get("requirements.csv")
    if domains is not None and requirements is not None and requirements.has("domain"):
        for i, d in enumerate(requirements.text["domain"]):
            if d and d not in domains:
                problems.append(DataProblem(requirements.file, requirements.lines[i], "domain",
                                            M_("domain {domain} is not a domain in "
                                               "competencies.csv", domain=_show(d))))


def _check_catalogue(root: Path, problems: list[DataProblem]) -> dict[str, _Table]:
    """Read and check the seven catalogue files; return the tables that could be read."""
    tables: dict[str, _Table] = {}
    for file in CATALOGUE_FILES:
        table = _read_csv(root, file, problems)
        if table is None:
            continue
        tables[file] = table
        _check_table(table, problems)
        if file in _NEEDS_ROWS and not table.lines:
            problems.append(DataProblem(file, None, "", M_("file has a header but no rows")))
        key = FILES[file][0]
        if key.kind == "id":
            _duplicates(table, (key.name,), problems, key.name)
        _row_checks(table, problems)
    if "alignments.csv" in tables:
        _duplicates(tables["alignments.csv"], ("opportunity_id", "competency_id"), problems,
                    "alignment")
    if "travel_times.csv" in tables:
        _duplicates(tables["travel_times.csv"], ("from_zone", "to_zone", "mode"), problems,
                    "travel row")
    _references(tables, problems)
    _parent_cycles(tables, problems)
    _zones_and_domains(tables, problems)
    return tables


def _frames(tables: Mapping[str, _Table]) -> Catalogue:
    """Typed frames from tables that passed every check."""
    frames = {}
    for file, name in FRAME_NAMES.items():
        table = tables[file]
        columns = dict(table.clean)
        for col in FILES[file]:
            # schema.typed_frame casts optional ints to int64 before filling their default,
            # so an empty cell there would fail: fill the default here first
            if col.kind == "int" and col.default is not None and col.name in columns:
                columns[col.name] = [v or str(col.default) for v in columns[col.name]]
        df = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in columns.items()},
                          index=range(len(table.lines)))
        frames[name] = typed_frame(file, df)
    return Catalogue(**frames)


# ---- JSON ----------------------------------------------------------------------------------


def _json_lines(text: str) -> dict[str, int]:
    """Field path -> line where it starts, for a text that is already known to be valid JSON."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    out: dict[str, int] = {}
    space = re.compile(r"[ \t\n\r]*")
    scalar = re.compile(r"-?Infinity|NaN|true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")

    def line(pos: int) -> int:
        return bisect_left(newlines, pos) + 1

    def skip(pos: int) -> int:
        return space.match(text, pos).end()

    def value(pos: int, path: str) -> int:
        pos = skip(pos)
        out.setdefault(path, line(pos))
        c = text[pos]
        if c in "{[":
            close = "}" if c == "{" else "]"
            pos, i = skip(pos + 1), 0
            if text[pos] == close:
                return pos + 1
            while True:
                pos = skip(pos)
                if c == "{":
                    key, end = json.decoder.scanstring(text, pos + 1)
                    child = f"{path}.{key}" if path else key
                    out.setdefault(child, line(pos))
                    pos = skip(end) + 1  # past ':'
                else:
                    child = f"{path}[{i}]"
                    i += 1
                pos = skip(value(pos, child))
                if text[pos] == ",":
                    pos += 1
                    continue
                return pos + 1
        if c == '"':
            return json.decoder.scanstring(text, pos + 1)[1]
        return scalar.match(text, pos).end()

    try:
        value(0, "")
    except (IndexError, ValueError, AttributeError, RecursionError):
        return {}  # lines are a help; never let finding them break loading
    return out


def _load_json(text: str, label: str, problems: list[DataProblem]) -> tuple[bool, object]:
    """Parse JSON text -> (ok, value); a syntax error becomes a problem with line and column."""
    try:
        return True, json.loads(text)
    except json.JSONDecodeError as err:
        problems.append(DataProblem(label, err.lineno, str(err.colno),
                                    M_("is not valid JSON: {reason}", reason=err.msg)))
    except RecursionError:
        problems.append(DataProblem(label, None, "", M_("is not valid JSON: nested too deeply")))
    return False, None


_MISSING = object()


def _kind(x):
    """What a JSON value is, in words ("a number"), said in the reader's language when shown."""
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true/false"
    if isinstance(x, int | float):
        return M_("a number")
    if isinstance(x, str):
        return M_("text")
    if isinstance(x, list):
        return M_("a list")
    if isinstance(x, dict):
        return M_("an object")
    return type(x).__name__


@dataclass(frozen=True)
class _Known:
    """What a JSON object may refer to; None means "do not check"."""

    zones: frozenset[str] | None = None
    competencies: frozenset[str] | None = None
    sections: frozenset[str] | None = None
    learners: frozenset[str] | None = None

    @classmethod
    def of(cls, catalogue: Catalogue | None, learners: Iterable[str] | None = None) -> _Known:
        if catalogue is None:
            return cls(learners=None if learners is None else frozenset(learners))
        t = catalogue.travel_times
        return cls(
            zones=frozenset(t["from_zone"]) | frozenset(t["to_zone"]),
            competencies=frozenset(catalogue.competencies["competency_id"]),
            sections=frozenset(catalogue.sections["section_id"]),
            learners=None if learners is None else frozenset(learners),
        )


class _Fields:
    """Field-by-field checks of a JSON object, collecting problems with field paths."""

    def __init__(self, file: str, text: str | None = None):
        self.file = file
        self.text_ = text
        self._lines: dict[str, int] | None = None
        self.problems: list[DataProblem] = []

    def add(self, path: str, message: str) -> None:
        if self._lines is None:
            # found only when there is a problem to place: most files have none
            self._lines = _json_lines(self.text_) if self.text_ is not None else {}
        p = path
        # a missing field has no line of its own: use the nearest enclosing object's
        while p and p not in self._lines:
            p = p[:max(p.rfind("."), p.rfind("["), 0)]
        self.problems.append(DataProblem(self.file, self._lines.get(p), path, message))

    @staticmethod
    def child(path: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def get(self, obj: dict, key: str, path: str, required: bool):
        """The field's value, or _MISSING (reported when required). null counts as missing."""
        x = obj.get(key)
        if x is None:
            if required:
                self.add(self.child(path, key), M_("is missing (required)"))
            return _MISSING
        return x

    def text(self, obj, key, path="", required=False, default="", nonempty=False, ident=False):
        x = self.get(obj, key, path, required)
        where = self.child(path, key)
        if x is _MISSING:
            return default
        if not isinstance(x, str):
            self.add(where, M_("must be text, not {kind}", kind=_kind(x)))
            return default
        if (nonempty or ident) and not x.strip():
            self.add(where, M_("is empty"))
        elif ident and x != x.strip():
            self.add(where, M_("{value} has spaces at the start or end", value=_show(x)))
        return x

    def number(self, obj, key, path="", required=False, default=0.0, lo=None, hi=None,
               above=None, whole=False):
        x = self.get(obj, key, path, required)
        where = self.child(path, key)
        if x is _MISSING:
            return default
        if isinstance(x, float) and not math.isfinite(x):
            # JSON has no NaN or Infinity; Python's reader lets them through
            what = 'NaN ("not a number")' if math.isnan(x) else M_("infinite")
            self.add(where, M_("must be an ordinary whole number; {what} is not allowed",
                               what=what) if whole else
                     M_("must be an ordinary number; {what} is not allowed", what=what))
            return default
        if isinstance(x, bool) or not isinstance(x, int | float):
            shown = f" ({_show(x)})" if isinstance(x, str) else ""
            self.add(where, M_("must be a whole number, not {kind}{value}", kind=_kind(x),
                               value=shown) if whole else
                     M_("must be a number, not {kind}{value}", kind=_kind(x), value=shown))
            return default
        if whole and not float(x).is_integer():
            self.add(where, M_("must be a whole number, not {value}", value=_show(x)))
            return default
        if lo is not None and x < lo:
            self.add(where, M_("{value} must be at least {low}", value=_show(x), low=_fmt(lo)))
        elif above is not None and x <= above:
            self.add(where, M_("{value} must be more than {low}", value=_show(x), low=_fmt(above)))
        elif hi is not None and x > hi:
            self.add(where, M_("{value} must be at most {high}", value=_show(x), high=_fmt(hi)))
        return int(x) if whole else float(x)

    def level(self, obj, key, path="", required=True, lo=0):
        return self.number(obj, key, path, required, 0, lo=lo, hi=4, whole=True)

    def flag(self, obj, key, path="", default=False):
        x = self.get(obj, key, path, False)
        if x is _MISSING:
            return default
        if not isinstance(x, bool):
            self.add(self.child(path, key), M_("must be true or false, not {kind}", kind=_kind(x)))
            return default
        return x

    def items(self, obj, key, path="", of=(dict,), what=None):
        """A list field's items with their paths; bad items are reported and skipped."""
        what = what or M_("an object")
        x = self.get(obj, key, path, False)
        where = self.child(path, key)
        if x is _MISSING:
            return []
        if not isinstance(x, list):
            self.add(where, M_("must be a list, not {kind}", kind=_kind(x)))
            return []
        good = []
        for i, item in enumerate(x):
            if isinstance(item, of) and not isinstance(item, bool):
                good.append((self.child(where, i), item))
            else:
                self.add(self.child(where, i), M_("must be {what}, not {kind}",
                                                  what=what, kind=_kind(item)))
        return good

    def texts(self, obj, key, path="", default=None):
        x = obj.get(key)
        if x is None and default is not None:
            return list(default)
        return [s for _, s in self.items(obj, key, path, of=(str,), what=M_("text"))]

    def date(self, obj, key, path="", required=True):
        x = self.text(obj, key, path, required, default="")
        if not x:
            return None
        try:
            if not _DATE_RE.fullmatch(x):
                raise ValueError
            return dt.date.fromisoformat(x)
        except ValueError:
            self.add(self.child(path, key), M_("{value} is not a date (YYYY-MM-DD)",
                                               value=_show(x)))
            return None

    def competency(self, cid: str, where: str, known: _Known) -> None:
        if cid and known.competencies is not None and cid not in known.competencies:
            self.add(where, M_("{value} is not a competency_id in competencies.csv",
                               value=_show(cid)))

    def block(self, where: str, obj: dict, labelled: bool) -> dict | None:
        """An availability or commitment block: days, start < end, and an optional label."""
        n = len(self.problems)
        raw = obj.get("days")
        days: tuple[str, ...] = ()
        if raw is None:
            self.add(self.child(where, "days"), M_("is missing (required)"))
        elif isinstance(raw, str):
            days, err = _days(raw.replace(",", ";").split(";"))
            if err:
                self.add(self.child(where, "days"), err)
        elif isinstance(raw, list):
            for i, d in enumerate(raw):
                if not isinstance(d, str):
                    self.add(self.child(self.child(where, "days"), i),
                             M_("must be a day name, not {kind}", kind=_kind(d)))
                    continue
                _, err = _days([d])
                if err or not d.strip():
                    self.add(self.child(self.child(where, "days"), i),
                             err or M_("is empty (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"))
            if len(self.problems) == n:
                days, _ = _days(raw)
        else:
            self.add(self.child(where, "days"), M_("must be a list of days, not {kind}",
                                                   kind=_kind(raw)))
        if raw is not None and len(self.problems) == n and not days:
            self.add(self.child(where, "days"), M_("needs at least one day"))
        times = {}
        for key in ("start", "end"):
            x = self.text(obj, key, where, required=True, default="")
            if x:
                minutes = _minutes(x)
                if minutes is None:
                    self.add(self.child(where, key), M_("{value} is not a time of day (HH:MM)",
                                                        value=_show(x)))
                elif key == "start" and minutes == 24 * 60:
                    self.add(self.child(where, key), M_("'24:00' is only allowed as an end time"))
                else:
                    times[key] = minutes
        if len(times) == 2 and times["end"] <= times["start"]:
            self.add(self.child(where, "end"),
                     M_("end {end} is not after start {start}", end=_show(obj["end"]),
                        start=_show(obj["start"])))
        label = self.text(obj, "label", where, default="") if labelled or "label" in obj else ""
        if len(self.problems) > n:
            return None
        out = {"days": list(days), "start": f"{times['start'] // 60:02d}:{times['start'] % 60:02d}",
               "end": f"{times['end'] // 60:02d}:{times['end'] % 60:02d}"}
        if label:
            out["label"] = label
        return out


def _not_object(fields: _Fields, data) -> bool:
    if isinstance(data, dict):
        return False
    fields.add("", M_("must be a JSON object {{...}}, not {kind}", kind=_kind(data)))
    return True


def _check_learner(data, fields: _Fields, known: _Known, stem: str | None) -> dict | None:
    """Check a learner object; return a clean dict for ``Learner.from_dict`` (None if bad)."""
    if _not_object(fields, data):
        return None
    f = fields
    n = len(f.problems)
    out: dict = {}
    out["learner_id"] = f.text(data, "learner_id", required=True, ident=True)
    if stem is not None and out["learner_id"] and out["learner_id"] != stem:
        f.add("learner_id", M_("{value} does not match the file name {stem}.json",
                               value=_show(out['learner_id']), stem=stem))
    out["name"] = f.text(data, "name", required=True, nonempty=True)
    out["grade"] = f.number(data, "grade", required=True, lo=0, hi=12, whole=True)
    out["home_zone"] = f.text(data, "home_zone", required=True, nonempty=True)
    zone = out["home_zone"]
    if zone and known.zones is not None and zone not in known.zones:
        f.add("home_zone", M_("zone {zone} has no rows in travel_times.csv", zone=_show(zone)))
    out["transport"] = f.texts(data, "transport", default=["walk"])
    for i, mode in enumerate(out["transport"]):
        if mode not in MODES:
            f.add(f"transport[{i}]", M_("{value} is not one of: {choices}",
                                        value=_show(mode), choices=', '.join(MODES)))
    out["max_travel_minutes"] = f.number(data, "max_travel_minutes", default=30, lo=0, hi=1440,
                                         whole=True)
    out["home_broadband"] = f.flag(data, "home_broadband", default=True)
    out["device"] = f.text(data, "device", default="own")
    if out["device"] not in DEVICES:
        f.add("device", M_("{value} is not one of: {choices}",
                           value=_show(out['device']), choices=', '.join(DEVICES)))
    out["budget"] = f.number(data, "budget", default=0.0, lo=0)
    out["max_hours_per_week"] = f.number(data, "max_hours_per_week", default=10.0, above=0,
                                         hi=168)
    for key in ("availability", "commitments"):
        blocks = [f.block(where, b, key == "commitments") for where, b in f.items(data, key)]
        out[key] = [b for b in blocks if b is not None]
    for key in ("interests", "strengths", "supportive_adults"):
        out[key] = f.texts(data, key)
    levels = f.get(data, "levels", "", False)
    out["levels"] = {}
    if levels is not _MISSING and not isinstance(levels, dict):
        f.add("levels", M_("must be an object {{competency_id: level}}, not {kind}",
                           kind=_kind(levels)))
    elif isinstance(levels, dict):
        for cid in levels:
            f.competency(cid, f"levels.{cid}", known)
            out["levels"][cid] = f.level(levels, cid, "levels")
    out["goals"] = []
    for where, goal in f.items(data, "goals"):
        cid = f.text(goal, "competency_id", where, required=True, nonempty=True)
        f.competency(cid, f.child(where, "competency_id"), known)
        level = f.level(goal, "level", where, lo=1)
        by = f.date(goal, "by", where)
        out["goals"].append({"competency_id": cid, "level": level,
                             "by": by.isoformat() if by else ""})
    out["language"] = f.text(data, "language", default="en")
    if isinstance(data.get("language"), str) and not _LANGUAGE_RE.fullmatch(out["language"]):
        f.add("language", M_("{value} is not a language code such as en or es-MX",
                             value=_show(out['language'])))
    out["pathway"] = f.text(data, "pathway")
    out["notes"] = f.text(data, "notes")
    out["time_zone"] = f.text(data, "time_zone")
    if out["time_zone"] and out["time_zone"] not in _time_zones():
        f.add("time_zone", M_("{value} is not a time zone name such as America/Chicago",
                              value=_show(out["time_zone"])))
    out["evidence"] = []
    for where, ev in f.items(data, "evidence"):
        # "" = evidence kept for the record with no matching competency (raises no level)
        cid = f.text(ev, "competency_id", where, required=True)
        if cid:
            f.competency(cid, f.child(where, "competency_id"), known)
        issued = f.text(ev, "issued_on", where)
        if issued:
            try:
                dt.date.fromisoformat(issued[:10])
            except ValueError:
                f.add(f.child(where, "issued_on"), M_("{value} is not a date (YYYY-MM-DD)",
                                                      value=_show(issued)))
        out["evidence"].append({
            "competency_id": cid, "level": f.level(ev, "level", where),
            "source": f.text(ev, "source", where), "issued_on": issued,
            "verified": f.flag(ev, "verified", where), "note": f.text(ev, "note", where),
            "result": f.text(ev, "result", where), "status": f.text(ev, "status", where)})
    return out if len(f.problems) == n else None


@functools.cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _check_plan(data, fields: _Fields, known: _Known, stem: str | None) -> dict | None:
    """Check a plan object; return a clean dict for ``Plan.from_dict`` (None if bad)."""
    if _not_object(fields, data):
        return None
    f = fields
    n = len(f.problems)
    out = {"plan_id": f.text(data, "plan_id", required=True, ident=True)}
    if stem is not None and out["plan_id"] and out["plan_id"] != stem:
        f.add("plan_id", M_("{value} does not match the file name {stem}.json",
                            value=_show(out['plan_id']), stem=stem))
    out["learner_id"] = f.text(data, "learner_id", required=True, ident=True)
    lid = out["learner_id"]
    if lid and known.learners is not None and lid not in known.learners:
        f.add("learner_id", M_("{value} is not a learner in learners/", value=_show(lid)))
    out["name"] = f.text(data, "name", required=True, nonempty=True)
    out["sections"] = []
    seen: dict[str, str] = {}
    for where, sid in f.items(data, "sections", of=(str,), what=M_("a section_id")):
        if not sid.strip():
            f.add(where, M_("is empty"))
        elif known.sections is not None and sid not in known.sections:
            f.add(where, M_("{value} is not a section_id in sections.csv", value=_show(sid)))
        elif sid in seen:
            f.add(where, M_("section {value} is already in the plan at {where}",
                            value=_show(sid), where=seen[sid]))
        seen.setdefault(sid, where)
        out["sections"].append(sid)
    return out if len(f.problems) == n else None


# ---- public API ----------------------------------------------------------------------------


def parse_learner(data: dict, file: str = "learner", catalogue: Catalogue | None = None
                  ) -> Learner:
    """Check a learner JSON object and build the Learner.

    Parameters
    ----------
    data : dict
        The object as in ``learners/<learner_id>.json``.
    file : str
        Name to report problems under.
    catalogue : Catalogue, optional
        When given, zones and competency ids must exist in it.

    Returns
    -------
    Learner

    Raises
    ------
    DataError
        Listing every problem, with field paths such as ``goals[0].by``.
    """
    fields = _Fields(file)
    clean = _check_learner(data, fields, _Known.of(catalogue), None)
    if clean is None:
        raise DataError(fields.problems, file)
    return Learner.from_dict(clean)


def parse_plan(data: dict, file: str = "plan", catalogue: Catalogue | None = None,
               learners: Mapping[str, Learner] | Iterable[str] | None = None) -> Plan:
    """Check a plan JSON object and build the Plan.

    Parameters
    ----------
    data : dict
        The object as in ``plans/<plan_id>.json``.
    file : str
        Name to report problems under.
    catalogue : Catalogue, optional
        When given, every section must exist in it.
    learners : dict or iterable of learner ids, optional
        When given, the plan's learner must be one of them.

    Returns
    -------
    Plan

    Raises
    ------
    DataError
        Listing every problem.
    """
    fields = _Fields(file)
    clean = _check_plan(data, fields, _Known.of(catalogue, learners), None)
    if clean is None:
        raise DataError(fields.problems, file)
    return Plan.from_dict(clean)


def _read_json_file(path: Path, label: str, problems: list[DataProblem], check, known: _Known):
    text = _read_text(path, label, problems)
    if text is None:
        return None
    ok, data = _load_json(text, label, problems)
    if not ok:
        return None
    fields = _Fields(label, text)
    clean = check(data, fields, known, path.stem)
    problems.extend(fields.problems)
    return clean


def read_learner_file(path: str | Path, catalogue: Catalogue | None = None) -> Learner:
    """Read and check one learner JSON file (its learner_id must equal the file name stem).

    Raises
    ------
    DataError
        Listing every problem, JSON syntax errors with line and column.
    """
    path, problems = Path(path), []
    clean = _read_json_file(path, str(path), problems, _check_learner, _Known.of(catalogue))
    if problems or clean is None:
        raise DataError(problems, path)
    return Learner.from_dict(clean)


def read_plan_file(path: str | Path, catalogue: Catalogue | None = None,
                   learners: Mapping[str, Learner] | Iterable[str] | None = None) -> Plan:
    """Read and check one plan JSON file (its plan_id must equal the file name stem).

    Raises
    ------
    DataError
        Listing every problem, JSON syntax errors with line and column.
    """
    path, problems = Path(path), []
    clean = _read_json_file(path, str(path), problems, _check_plan,
                            _Known.of(catalogue, learners))
    if problems or clean is None:
        raise DataError(problems, path)
    return Plan.from_dict(clean)


def _json_files(root: Path, sub: str, problems: list[DataProblem]) -> list[Path]:
    folder = root / sub
    if not folder.exists():
        return []  # a catalogue without learners or plans is still a data directory
    if not folder.is_dir():
        problems.append(DataProblem(sub, None, "", M_("must be a folder of .json files")))
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file()
                  and not p.name.startswith("."))


@dataclass
class _Checked:
    problems: list[DataProblem]
    tables: dict[str, _Table]
    learners: dict[str, dict]
    plans: dict[str, dict]


def _root_problem(root: Path) -> DataProblem | None:
    if not root.exists():
        return DataProblem(str(root), None, "", M_("data directory does not exist"))
    if not root.is_dir():
        return DataProblem(str(root), None, "", M_("is not a directory"))
    return None


def _check_directory(root: Path, with_people: bool = True) -> _Checked:
    problems: list[DataProblem] = []
    missing = _root_problem(root)
    if missing:
        return _Checked([missing], {}, {}, {})
    tables = _check_catalogue(root, problems)
    learners, plans = {}, {}
    if with_people:
        def frozen(file, column):
            ids = _ids(tables, file, column)
            return None if ids is None else frozenset(ids)

        zones = _travel_zones(tables)
        known = _Known(None if zones is None else frozenset(zones),
                       frozen("competencies.csv", "competency_id"),
                       frozen("sections.csv", "section_id"))
        learner_files = _json_files(root, LEARNERS_DIR, problems)
        for path in learner_files:
            clean = _read_json_file(path, f"{LEARNERS_DIR}/{path.name}", problems,
                                    _check_learner, known)
            if clean is not None:
                learners[clean["learner_id"]] = clean
        # plans may name any learner with a file, even one with problems of its own
        known = _Known(known.zones, known.competencies, known.sections,
                       frozenset(p.stem for p in learner_files))
        for path in _json_files(root, PLANS_DIR, problems):
            clean = _read_json_file(path, f"{PLANS_DIR}/{path.name}", problems, _check_plan,
                                    known)
            if clean is not None:
                plans[clean["plan_id"]] = clean
    order = {f: i for i, f in enumerate(CATALOGUE_FILES)}
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.file,
                                 -1 if p.line is None else p.line))
    return _Checked(problems, tables, learners, plans)


def validate_directory(root: str | Path) -> list[DataProblem]:
    """Every problem in a data directory (empty when it loads), without raising for bad data.

    Parameters
    ----------
    root : str or Path
        The data directory.

    Returns
    -------
    list of DataProblem
        Sorted by file, then line.
    """
    return _check_directory(Path(root)).problems


def load_catalogue(root: str | Path) -> Catalogue:
    """Load only the seven catalogue files of a data directory, checked strictly.

    Raises
    ------
    DataError
        Listing every problem in the catalogue files.
    """
    root = Path(root)
    checked = _check_directory(root, with_people=False)
    if checked.problems:
        raise DataError(checked.problems, root)
    return _frames(checked.tables)


def load_dataset(root: str | Path) -> Dataset:
    """Load a whole data directory: catalogue, learners and plans, all checked first.

    Parameters
    ----------
    root : str or Path
        The data directory (see ``docs/data-format.md``).

    Returns
    -------
    Dataset
        Whole and consistent: every reference resolves.

    Raises
    ------
    DataError
        One error listing every problem; nothing is half-loaded.
    """
    root = Path(root)
    checked = _check_directory(root)
    if checked.problems:
        raise DataError(checked.problems, root)
    catalogue = _frames(checked.tables)
    learners = {k: Learner.from_dict(v) for k, v in checked.learners.items()}
    plans = {k: Plan.from_dict(v) for k, v in checked.plans.items()}
    return Dataset(catalogue, learners, plans, root)


# ---- writing -------------------------------------------------------------------------------


def _csv_ready(file: str, df: pd.DataFrame) -> pd.DataFrame:
    """Format a frame as the data format writes it: ISO dates, true/false, whole-number ints."""
    out = df.copy()
    for col in FILES[file]:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.kind == "bool":
            out[col.name] = s.map(lambda v: "true" if bool(v) else "false")
        elif col.kind == "date":
            out[col.name] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif col.kind == "int":
            out[col.name] = pd.to_numeric(s, errors="coerce").round().astype("Int64")
    return out


def write_data_dir(
    root, frames: Mapping[str, pd.DataFrame], learners: Iterable[Learner] = (),
    plans: Iterable[Plan] = (), extra: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a data directory: the seven CSV files plus ``learners/`` and ``plans/`` JSON.

    Parameters
    ----------
    root : str or Path
        Directory to write (created if needed). Existing learner and plan files are kept.
    frames : dict of str to DataFrame
        Keyed like the files without ``.csv`` (as ``generate_frames`` returns them).
    learners, plans : iterables of Learner and Plan
        Written one JSON file each, named by id.
    extra : dict of str to DataFrame, optional
        Further tables written as they are, by file name (e.g. ``case_crosswalks.csv``).

    Returns
    -------
    Path
        ``root``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for file, name in FRAME_NAMES.items():
        _csv_ready(file, frames[name]).to_csv(root / file, index=False)
    for file, frame in (extra or {}).items():
        if file in FILES or Path(file).name != file or not file.endswith(".csv"):
            raise ValueError(f"{file!r} is not a name for an extra table")
        # kept for people (opened in spreadsheets), never read back: no cell may be a formula
        write_csv(frame, root / file)
    for sub, items, key in ((LEARNERS_DIR, learners, "learner_id"),
                            (PLANS_DIR, plans, "plan_id")):
        items = list(items)
        if not items:
            continue
        (root / sub).mkdir(exist_ok=True)
        for item in items:
            d = item.to_dict()
            (root / sub / f"{d[key]}.json").write_text(
                json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return root


def extra_tables(root: str | Path) -> dict[str, pd.DataFrame]:
    """The CSV files of a data directory that are not catalogue files (as text, unchanged).

    Importers keep what they read outside the catalogue beside it (``case_crosswalks.csv``, ...);
    writing a new directory from an old one carries them over.
    """
    root = Path(root)
    return {p.name: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted(root.glob("*.csv")) if p.name not in FILES and p.is_file()}


def generate_data_dir(root, n_sections: int = 2000, n_learners: int = 20, seed: int = 0) -> Path:
    """Generate a catalogue and roster and write them as a data directory at ``root``.

    Parameters
    ----------
    root : str or Path
        Directory to write.
    n_sections, n_learners, seed : int
        Passed to ``generate_frames`` and ``generate_roster``.

    Returns
    -------
    Path
        ``root``.
    """
    from ..domain.generate import generate_frames, generate_roster

    frames = generate_frames(n_sections=n_sections, seed=seed)
    learners, plans = generate_roster(Catalogue.from_frames(**frames), n_learners, seed=seed)
    return write_data_dir(root, frames, learners, plans)
