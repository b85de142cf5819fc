"""Read the records ``workbench calibrate`` learns from: a response log and an attendance log.

**Response log** (CSV, or tab-separated: ``.tsv``/``.tab`` or a header with tabs and no commas),
one row per response, in pyBKT's column convention:

=================  ======================================================================
``user_id``        the learner (any text)
``skill_name``     the skill the response is evidence of (a competency id matches the
                   catalogue's, and its difficulty is then taken into account)
``correct``        1 or 0 (``true``/``false``, ``yes``/``no`` too)
``order_id``       a whole number putting each learner's responses to a skill in order
``practice_hours`` optional: hours of practice since the learner's previous response to this
                   skill (>= 0; may be empty on a learner's first response, where it is not
                   used)
``opportunity_kind`` optional: the kind of opportunity that practice came from (one learn
                   rate is fitted per kind)
``level_step``     optional: the level step the skill's responses are evidence of: ``0``-``3``
                   (step k -> k+1), ``2->3`` or ``Developing->Proficient``
=================  ======================================================================

Other columns are ignored; column names are matched without regard to case or spaces.

**Attendance log** (CSV), one row per planned meeting: ``learner`` (a learner id), ``section``
(a section id), ``date`` (YYYY-MM-DD), ``attended`` (yes/no, 1/0, true/false); optional
``travel_minutes`` (one-way minutes; else worked out from the learner's home and the section's
place in the data directory) and ``ends_late`` (yes/no; else from the section's end time).

Every problem is a :class:`~workbench.formats.report.DataProblem` at ``file:line:field``; a log
with any problem raises :class:`~workbench.formats.report.DataError` listing all of them, and
nothing is returned (a calibration on part of a log would be a different calibration).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Collection, Iterator
from pathlib import Path

import pandas as pd

from ..domain.dataset import LEVELS
from ..domain.words import FALSE_WORDS, TRUE_WORDS
from ..i18n import M_
from .report import DataError, DataProblem

RESPONSE_COLUMNS = ("user_id", "skill_name", "correct", "order_id")
RESPONSE_OPTIONAL = ("practice_hours", "opportunity_kind", "level_step")
ATTENDANCE_COLUMNS = ("learner", "section", "date", "attended")
ATTENDANCE_OPTIONAL = ("travel_minutes", "ends_late")

#: At most this many problems are kept (a wholly wrong file would list every line).
MAX_PROBLEMS = 200

_STEP = re.compile(r"^\s*(.+?)\s*(?:->|→|to)\s*(.+?)\s*$", re.IGNORECASE)


def _name(path) -> str:
    return os.fspath(path)


def _text(path) -> str:
    """The file as text (UTF-8, with or without a byte-order mark)."""
    name = _name(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataError([DataProblem(name, None, "", M_("could not open the file: {reason}",
                                                        reason=exc.strerror or exc))],
                        name) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError([DataProblem(name, line, "", M_("not UTF-8 text (save the file as UTF-8 "
                                                        "CSV)"))], name) from None


def _rows(path, required, optional) -> Iterator[tuple[int, dict[str, str]] | list[DataProblem]]:
    """Yield (line, {column: text}) per record; first yields the header's problems (a list)."""
    name = _name(path)
    text = _text(path)
    first = text.split("\n", 1)[0]
    tab = Path(path).suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tab else ",")
    try:
        header = next(reader)
    except StopIteration:
        yield [DataProblem(name, None, "", M_("the file is empty"))]
        return
    keys = [h.strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in required if c not in keys]
    yield [DataProblem(name, 1, c, M_("missing column")) for c in missing]
    if missing:
        return
    wanted = set(required) | set(optional)
    where = {k: i for i, k in reversed(list(enumerate(keys))) if k in wanted}
    line = reader.line_num
    for cells in reader:
        start = line + 1
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield start, {k: (cells[i].strip() if i < len(cells) else "") for k, i in where.items()}


def _header(rows, name) -> list[DataProblem]:
    problems = next(rows)
    if problems:
        raise DataError(problems, name)
    return problems


def _collector(name: str, problems: list[DataProblem]):
    """``bad(line, column, message)``, keeping the first ``MAX_PROBLEMS`` problems."""

    def bad(line, column, message):
        if len(problems) < MAX_PROBLEMS:
            problems.append(DataProblem(name, line, column, message))
        elif len(problems) == MAX_PROBLEMS:
            problems.append(DataProblem(name, line, "", M_(
                "more problems from here on; stopped listing after {n}", n=MAX_PROBLEMS)))

    return bad


def _yes_no(text: str) -> bool | None:
    s = text.strip().lower()
    return True if s in TRUE_WORDS else False if s in FALSE_WORDS else None


def _level(text: str) -> int | None:
    s = text.strip().lower()
    if s.isdigit():
        return int(s)
    for i, word in enumerate(LEVELS):
        if s == word.lower():
            return i
    return None


def parse_level_step(text: str) -> int | None:
    """``"2"``, ``"2->3"``, ``"Developing -> Proficient"`` -> 2; anything else None."""
    s = str(text).strip()
    if s.isdigit():
        k = int(s)
        return k if 0 <= k < len(LEVELS) - 1 else None
    m = _STEP.match(s)
    if not m:
        return None
    a, b = _level(m.group(1)), _level(m.group(2))
    if a is None or b != a + 1 or not 0 <= a < len(LEVELS) - 1:
        return None
    return a


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_responses(path) -> pd.DataFrame:
    """Read a response log (module docstring); raise ``DataError`` listing every problem.

    Returns
    -------
    pandas.DataFrame
        ``user_id, skill_name, correct (int), order_id (int), line`` and, when the file has
        them, ``practice_hours`` (float), ``opportunity_kind`` (str), ``level_step`` (int).
    """
    name = _name(path)
    rows = _rows(path, RESPONSE_COLUMNS, RESPONSE_OPTIONAL)
    _header(rows, name)
    problems: list[DataProblem] = []
    out: dict[str, list] = {k: [] for k in (*RESPONSE_COLUMNS, *RESPONSE_OPTIONAL, "line")}
    seen: dict[tuple, int] = {}
    has: set[str] = set()
    bad = _collector(name, problems)

    for line, r in rows:
        ok = True
        for column in ("user_id", "skill_name"):
            if not r[column]:
                bad(line, column, M_("missing"))
                ok = False
        correct = {"1": 1, "0": 0, "1.0": 1, "0.0": 0}.get(r["correct"])
        if correct is None:
            yes = _yes_no(r["correct"])
            correct = None if yes is None else int(yes)
        if correct is None:
            bad(line, "correct", M_("must be 1 or 0 (got {value})", value=repr(r["correct"])))
            ok = False
        order = _number(r["order_id"])
        if order is None or order != int(order):
            bad(line, "order_id", M_("must be a whole number (got {value})",
                                     value=repr(r["order_id"])))
            ok = False
        practice = None
        if "practice_hours" in r:
            has.add("practice_hours")
            if r["practice_hours"]:
                practice = _number(r["practice_hours"])
                if practice is None or practice < 0:
                    bad(line, "practice_hours", M_("must be a number of hours, 0 or more (got "
                                                   "{value})", value=repr(r["practice_hours"])))
                    ok = False
        step = None
        if "level_step" in r:
            has.add("level_step")
            step = parse_level_step(r["level_step"])
            if step is None:
                bad(line, "level_step", M_("must be 0-3 (the step k -> k+1), '2->3' or "
                                           "'Developing->Proficient' (got {value})",
                                           value=repr(r["level_step"])))
                ok = False
        if "opportunity_kind" in r:
            has.add("opportunity_kind")
        if not ok:
            continue
        key = (r["user_id"], r["skill_name"], step, int(order))
        if key in seen:
            args = {"order": str(int(order)), "learner": repr(r["user_id"]),
                    "skill": repr(r["skill_name"]), "line": str(seen[key])}
            bad(line, "order_id", M_("{order} is used twice for learner {learner} and skill "
                                     "{skill} (also on line {line})", **args) if step is None
                else M_("{order} is used twice for learner {learner} and skill {skill} at level "
                        "step {step} (also on line {line})", step=str(step), **args))
            continue
        seen[key] = line
        out["user_id"].append(r["user_id"])
        out["skill_name"].append(r["skill_name"])
        out["correct"].append(correct)
        out["order_id"].append(int(order))
        out["practice_hours"].append(practice)
        out["opportunity_kind"].append(r.get("opportunity_kind", ""))
        out["level_step"].append(step)
        out["line"].append(line)
    frame = pd.DataFrame({k: v for k, v in out.items()
                          if k in RESPONSE_COLUMNS or k == "line" or k in has})
    if "practice_hours" in frame and not problems:
        # an empty cell is allowed only where it is not used: a learner's first response
        unit = ["user_id", "skill_name"] + (["level_step"] if "level_step" in frame else [])
        f = frame.sort_values([*unit, "order_id"], kind="stable")
        first = ~f.duplicated(unit)
        empty = f["practice_hours"].isna() & ~first
        for line in f.loc[empty, "line"].head(MAX_PROBLEMS):
            bad(int(line), "practice_hours", M_("missing: hours of practice since this learner's "
                                                "previous response to the skill (0 if none)"))
        frame["practice_hours"] = frame["practice_hours"].astype(float)
    if not problems and frame.empty:
        problems.append(DataProblem(name, None, "", M_("no responses in the file")))
    if problems:
        raise DataError(problems, name)
    if "level_step" in frame:
        frame["level_step"] = frame["level_step"].astype(int)
    return frame


def read_attendance(path, learners: Collection[str] | None = None,
                    sections: Collection[str] | None = None) -> pd.DataFrame:
    """Read an attendance log (module docstring); raise ``DataError`` listing every problem.

    Parameters
    ----------
    path
        The CSV file.
    learners, sections : collections of ids, optional
        The data directory's learners and sections. A row whose trip or end time has to be
        worked out from the data directory must name one of each.

    Returns
    -------
    pandas.DataFrame
        ``learner, section, date (datetime.date), attended (int), line`` and, when the file has
        them, ``travel_minutes`` (float) and ``ends_late`` (bool).
    """
    name = _name(path)
    rows = _rows(path, ATTENDANCE_COLUMNS, ATTENDANCE_OPTIONAL)
    _header(rows, name)
    problems: list[DataProblem] = []
    out: dict[str, list] = {k: [] for k in (*ATTENDANCE_COLUMNS, *ATTENDANCE_OPTIONAL, "line")}
    seen: dict[tuple[str, str, dt.date], int] = {}
    has: set[str] = set()
    bad = _collector(name, problems)

    for line, r in rows:
        ok = True
        minutes = late = None
        if "travel_minutes" in r:
            has.add("travel_minutes")
            minutes = _number(r["travel_minutes"]) if r["travel_minutes"] else None
            if r["travel_minutes"] and (minutes is None or minutes < 0):
                bad(line, "travel_minutes", M_("must be minutes, 0 or more (got {value})",
                                               value=repr(r["travel_minutes"])))
                ok = False
        if "ends_late" in r:
            has.add("ends_late")
            late = _yes_no(r["ends_late"]) if r["ends_late"] else None
            if r["ends_late"] and late is None:
                bad(line, "ends_late", M_("must be yes or no (got {value})",
                                          value=repr(r["ends_late"])))
                ok = False
        needs_data = minutes is None or late is None
        if not r["learner"]:
            bad(line, "learner", M_("missing"))
            ok = False
        elif needs_data and minutes is None and learners is not None \
                and r["learner"] not in learners:
            bad(line, "learner", M_("{value} is not a learner in the data directory (give "
                                    "travel_minutes to use it anyway)",
                                    value=repr(r["learner"])))
            ok = False
        if not r["section"]:
            bad(line, "section", M_("missing"))
            ok = False
        elif needs_data and sections is not None and r["section"] not in sections:
            bad(line, "section", M_("{value} is not a section in the data directory (give "
                                    "travel_minutes and ends_late to use it anyway)",
                                    value=repr(r["section"])))
            ok = False
        try:
            day = dt.date.fromisoformat(r["date"])
        except ValueError:
            bad(line, "date", M_("must be a date as YYYY-MM-DD (got {value})",
                                 value=repr(r["date"])))
            ok = False
            day = None
        attended = _yes_no(r["attended"])
        if attended is None:
            bad(line, "attended", M_("must be yes or no (got {value})",
                                     value=repr(r["attended"])))
            ok = False
        if not ok:
            continue
        key = (r["learner"], r["section"], day)
        if key in seen:
            bad(line, "date", M_("{date} is listed twice for learner {learner} and section "
                                 "{section} (also on line {line})", date=day.isoformat(),
                                 learner=repr(r["learner"]), section=repr(r["section"]),
                                 line=str(seen[key])))
            continue
        seen[key] = line
        out["learner"].append(r["learner"])
        out["section"].append(r["section"])
        out["date"].append(day)
        out["attended"].append(int(attended))
        out["travel_minutes"].append(minutes)
        out["ends_late"].append(late)
        out["line"].append(line)
    if not problems and not out["line"]:
        problems.append(DataProblem(name, None, "", M_("no attendance records in the file")))
    if problems:
        raise DataError(problems, name)
    frame = pd.DataFrame({k: v for k, v in out.items()
                          if k in ATTENDANCE_COLUMNS or k == "line" or k in has})
    # empty cells stay missing: ``calibration.attendance_covariates`` fills them from the data
    if "travel_minutes" in frame:
        frame["travel_minutes"] = frame["travel_minutes"].astype(float)
    if "ends_late" in frame:
        frame["ends_late"] = pd.array(frame["ends_late"].tolist(), dtype="boolean")
    return frame
