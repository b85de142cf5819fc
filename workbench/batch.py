"""District-scale projection: every learner-plan of a roster at once, on one machine or on Dask.

Roster file format (for ``docs/data-format.md``)
------------------------------------------------
A **roster** lists many learners' plans in one table, for district and network analysis
(``workbench batch``). It is a CSV file (UTF-8, header row) or a Parquet file with the same
columns, **one row per learner-plan**: a learner with three plans has three rows that repeat the
learner's columns. Availability and commitments are not part of a roster (see "feasible" below).

| column | required | type | meaning |
|---|---|---|---|
| learner_id | yes | id | the same id on every row of one learner |
| plan_id | yes | id | unique in the file |
| grade | yes | integer 0-12 | |
| home_zone | yes | zone name | must appear in the catalogue's travel_times.csv |
| transport | no, default `walk` | `;` list of `walk`, `bike`, `transit`, `car` | |
| max_travel_minutes | no, default 30 | integer >= 0 | longest acceptable one-way trip |
| home_broadband | no, default true | bool | |
| device | no, default `own` | `none`, `phone`, `shared`, `own` | |
| budget | no, default 0 | number >= 0 | USD for the year |
| max_hours_per_week | no, default 10 | number > 0 | |
| interests | no | `;` list of text | e.g. `robotics;coding` |
| strengths | no | `;` list of text | e.g. `curious;leads groups` |
| levels | no | `;` list of `COMPETENCY=LEVEL` | current levels 0-4, e.g. `MATH.G1=2;ELA.G3=3`; missing = 0 |
| goals | no | `;` list of `COMPETENCY>=LEVEL@DATE` | e.g. `MATH.G1>=3@2027-06-01` |
| sections | no | `;` list of section ids | the plan; every id must exist in sections.csv |

A bad row is reported as ``file:line:column: message`` (line counts the header as line 1; in a
Parquet file, "line" is the row number plus one, as if it had a header) and left out; the other
rows are still projected. With ``--strict`` any bad row stops the run.

Results
-------
``project_roster`` returns two tables. **Per plan**: ``learner_id, plan_id, expected_credits``
(expected competencies at Proficient or above at the end of the horizon), ``credits_gained``
(that minus the competencies already at Proficient), ``p_goal_mean`` (mean chance of reaching
the learner's goals by their dates; NaN without goals), ``n_goals_likely`` (goals with a chance
of at least 50%), ``hours_per_week`` (mean over the weeks the plan runs), ``cost`` (sum over the
plan's distinct opportunities), ``cost_per_credit`` (cost / credits_gained; NaN when no credit is
expected), ``carnegie_units`` (all planned hours / 120), ``plan_kind`` (the opportunity kind with
the most hours), ``in_school_hours`` / ``outside_hours`` (planned hours at school providers /
anywhere else, over the year) and ``feasible``. **Per competency**: ``learner_id, plan_id,
competency_id, current_level, expected_end, p_proficient_end`` for each competency the plan
practises (every other competency stays where it is).

``feasible`` is a cheap subset of ``feasibility.check_plan``, the checks a roster can answer:
grade, seats, broadband, device, a car where one is needed, a way to get there by the learner's
own transport within ``max_travel_minutes``, budget, and hours in the busiest week. It does not
check time conflicts, travel between sections, free time or prerequisites (a roster carries no
availability; run ``check_plan`` on a learner's data directory for the full list).

The numbers are those of ``projection.project`` for the same learner and plan (tested to 1e-9);
the weekly practice is built with numpy for a whole chunk of plans at once and fed to the same
``projection.evolve`` kernel. Results do not depend on how the roster is split into chunks, so a
Dask run gives exactly the single-process numbers.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .domain.dataset import (
    DEVICES,
    MODES,
    OPPORTUNITY_KINDS,
    PROFICIENT,
    Catalogue,
    Learner,
    Plan,
)
from .domain.loading import DataError
from .domain.projection import (
    DEFAULT_PARAMETERS,
    N_LEVELS,
    N_STEPS,
    ModelParameters,
    _STOP,
    _stem,
    _tags,
    _words,
    evolve,
    learn_rates,
    week_grid,
)
from .domain.schedule import _week_grid, day_numbers, hours_by_week

ROSTER_COLUMNS = [
    "learner_id", "plan_id", "grade", "home_zone", "transport", "max_travel_minutes",
    "home_broadband", "device", "budget", "max_hours_per_week", "interests", "strengths",
    "levels", "goals", "sections",
]
REQUIRED_COLUMNS = ("learner_id", "plan_id", "grade", "home_zone")
PLAN_COLUMNS = [
    "learner_id", "plan_id", "expected_credits", "credits_gained", "p_goal_mean",
    "n_goals_likely", "hours_per_week", "cost", "cost_per_credit", "carnegie_units", "plan_kind",
    "in_school_hours", "outside_hours", "feasible",
]
COMPETENCY_COLUMNS = [
    "learner_id", "plan_id", "competency_id", "current_level", "expected_end",
    "p_proficient_end",
]
CARNEGIE_HOURS = 120.0
DEFAULT_CHUNK_SIZE = 5_000
_EPS = 1e-9
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_GOAL = re.compile(r"^\s*([^>=@]+?)\s*>=\s*(\d+)\s*@\s*(\d{4}-\d{2}-\d{2})\s*$")


class BatchResults(NamedTuple):
    """The two result tables of ``project_roster``: one row per plan, and per competency."""

    plans: pd.DataFrame
    competencies: pd.DataFrame


@dataclass(frozen=True)
class RowProblem:
    """A bad roster cell: where it is (file, line, column) and what is wrong, in words."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.field}: {self.message}"


class RosterError(DataError):
    """A roster with bad rows, read in strict mode; ``problems`` lists every one."""


# ---- roster frames ---------------------------------------------------------------------------
def _join(items: Iterable) -> str:
    return ";".join(str(x) for x in items)


def roster_from_learners(learners: Iterable[Learner], plans: Iterable[Plan]) -> pd.DataFrame:
    """One roster row per plan, with its learner's columns (learners without plans have none).

    Parameters
    ----------
    learners : iterable of Learner
    plans : iterable of Plan
        Plans whose learner is not among ``learners`` are left out.

    Returns
    -------
    pandas.DataFrame
        The roster columns (``ROSTER_COLUMNS``), typed as ``read_roster`` returns them.
    """
    by_id = {lr.learner_id: lr for lr in learners}
    # learner columns are formatted once per learner, not once per plan
    cache: dict[str, tuple] = {}
    rows = []
    for p in plans:
        lr = by_id.get(p.learner_id)
        if lr is None:
            continue
        if lr.learner_id not in cache:
            cache[lr.learner_id] = (
                lr.grade, lr.home_zone, _join(lr.transport), int(lr.max_travel_minutes),
                bool(lr.home_broadband), lr.device, float(lr.budget),
                float(lr.max_hours_per_week), _join(lr.interests), _join(lr.strengths),
                _join(f"{c}={int(v)}" for c, v in lr.levels.items()),
                _join(f"{g.competency_id}>={int(g.level)}@{g.by.isoformat()}" for g in lr.goals),
            )
        rows.append((lr.learner_id, p.plan_id, *cache[lr.learner_id], _join(p.sections)))
    return _typed(pd.DataFrame(rows, columns=ROSTER_COLUMNS))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(df)))
    df = df.reset_index(drop=True)
    for col in ROSTER_COLUMNS:
        if col in ("grade", "max_travel_minutes"):
            out[col] = df[col].astype("int64")
        elif col in ("budget", "max_hours_per_week"):
            out[col] = df[col].astype(float)
        elif col == "home_broadband":
            out[col] = df[col].astype(bool)
        else:
            out[col] = df[col].astype(object)
    return out


def generate_roster_frame(catalogue: Catalogue, n_learners: int, seed: int = 0,
                          plans_per_learner: tuple[int, int] = (2, 3)) -> pd.DataFrame:
    """A generated roster (``generate.generate_roster``) as a roster frame.

    Parameters
    ----------
    catalogue : Catalogue
    n_learners : int
        How many learners; each has ``plans_per_learner`` plans (2-3 by default).
    seed : int
        The same seed always gives the same roster.
    plans_per_learner : (int, int)
        Fewest and most plans per learner.

    Returns
    -------
    pandas.DataFrame
        One row per learner-plan (``ROSTER_COLUMNS``). 50,000 learners take a few seconds.
    """
    from .domain.generate import generate_roster

    learners, plans = generate_roster(catalogue, n_learners, seed=seed,
                                      plans_per_learner=plans_per_learner)
    return roster_from_learners(learners, plans)


def _explode(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Split ``;`` lists: (row position, stripped item) for every non-empty item."""
    s = pd.Series(values.to_numpy(dtype=object), dtype=object).fillna("").astype(str)
    parts = s.str.split(";").explode()
    items = parts.astype(str).str.strip()
    keep = (items != "").to_numpy() & parts.notna().to_numpy()
    return parts.index.to_numpy()[keep], items.to_numpy(dtype=object)[keep]


def read_roster(path, catalogue: Catalogue, strict: bool = False
                ) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Read and check a roster file; bad rows are reported and left out.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file, or a ``.parquet`` / ``.pq`` file with the same columns.
    catalogue : Catalogue
        Zones, competencies and sections the roster must refer to.
    strict : bool
        Raise ``RosterError`` on any bad row instead of leaving it out.

    Returns
    -------
    (pandas.DataFrame, list of RowProblem)
        The good rows (``ROSTER_COLUMNS``, typed, defaults filled, index 0..n-1) and one
        problem per bad cell, as ``file:line:column: message``.

    Raises
    ------
    RosterError
        In strict mode when any row is bad, or always when a required column is missing.
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    name = path.name
    if path.suffix.lower() in (".parquet", ".pq"):
        raw = pd.read_parquet(path)
        raw = raw.astype(object).where(raw.notna(), "").astype(str)
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise RosterError([RowProblem(name, 1, c, "required column is missing")
                           for c in missing], path)
    raw = raw.reset_index(drop=True)
    for col in ROSTER_COLUMNS:
        if col not in raw.columns:
            raw[col] = ""
        raw[col] = raw[col].astype(object).fillna("").astype(str).str.strip().astype(object)
    bad: list[tuple[int, str, str]] = []

    def flag(rows, field: str, messages) -> None:
        rows = np.asarray(rows)
        msgs = [messages] * len(rows) if isinstance(messages, str) else list(messages)
        bad.extend(zip(rows.tolist(), [field] * len(rows), msgs, strict=True))

    for col in ("learner_id", "plan_id", "grade", "home_zone"):
        empty = np.flatnonzero((raw[col] == "").to_numpy())
        flag(empty, col, "is empty (required)")
    dup = raw["plan_id"].duplicated() & (raw["plan_id"] != "")
    flag(np.flatnonzero(dup.to_numpy()), "plan_id", [
        f"plan {p!r} appears more than once" for p in raw["plan_id"][dup]])

    def number(col: str, default, lo, hi, integer: bool, lo_open: bool = False):
        text = raw[col]
        num = pd.to_numeric(text.where(text != "", None), errors="coerce")
        given = (text != "").to_numpy()
        wrong = given & num.isna().to_numpy()
        flag(np.flatnonzero(wrong), col, [f"{v!r} is not a number" for v in text[wrong]])
        val = num.to_numpy(dtype=float)
        ok = given & ~wrong
        if integer:
            frac = ok & (np.floor(val) != val)
            flag(np.flatnonzero(frac), col, [f"{v!r} is not a whole number" for v in text[frac]])
            ok &= ~frac
        low = (val <= lo) if lo_open else (val < lo)
        out = ok & (low | (val > hi))
        if out.any():
            word = f"more than {lo}" if lo_open else f"at least {lo}"
            rng = f"{word}" if math.isinf(hi) else f"between {lo} and {hi}"
            flag(np.flatnonzero(out), col, [f"{v} should be {rng}" for v in text[out]])
        return np.where(given, np.nan_to_num(val), default) if default is not None else \
            np.nan_to_num(val)

    grade = number("grade", None, 0, 12, True)
    max_travel = number("max_travel_minutes", 30, 0, math.inf, True)
    budget = number("budget", 0.0, 0, math.inf, False)
    max_hours = number("max_hours_per_week", 10.0, 0, math.inf, False, lo_open=True)

    zones = set(catalogue.zones)
    hz = raw["home_zone"]
    unknown = ((hz != "") & ~hz.isin(zones)).to_numpy()
    flag(np.flatnonzero(unknown), "home_zone",
         [f"zone {z!r} is not in travel_times.csv" for z in hz[unknown]])

    bb = raw["home_broadband"].str.lower()
    wrong = ~bb.isin(_TRUE | _FALSE | {""})
    flag(np.flatnonzero(wrong.to_numpy()), "home_broadband",
         [f"{v!r} is not true or false" for v in raw["home_broadband"][wrong]])
    broadband = ~bb.isin(_FALSE).to_numpy()

    dev = raw["device"].str.lower()
    wrong = ~dev.isin(set(DEVICES) | {""})
    flag(np.flatnonzero(wrong.to_numpy()), "device",
         [f"{v!r} is not one of {', '.join(DEVICES)}" for v in raw["device"][wrong]])
    device = dev.where(dev != "", "own")

    rows, items = _explode(raw["transport"].str.lower())
    wrong = ~np.isin(items, MODES)
    flag(rows[wrong], "transport", [f"{m!r} is not one of {', '.join(MODES)}"
                                    for m in items[wrong]])
    transport = raw["transport"].str.lower().where(raw["transport"] != "", "walk")

    comp_ids = set(catalogue.competencies["competency_id"])
    rows, items = _explode(raw["levels"])
    comp, sep, level = (pd.Series(items, dtype=object).str.partition("=")[i].str.strip()
                        for i in range(3))
    lv = pd.to_numeric(level, errors="coerce")
    wrong = ((sep != "=") | lv.isna() | (lv.round() != lv)).to_numpy()
    flag(rows[wrong], "levels", [f"{x!r} should look like COMPETENCY=LEVEL" for x in items[wrong]])
    unknown = ~wrong & ~comp.isin(comp_ids).to_numpy()
    flag(rows[unknown], "levels", [f"competency {c!r} is not in competencies.csv"
                                   for c in comp[unknown]])
    outside = ~wrong & ~unknown & ~lv.between(0, N_LEVELS - 1).to_numpy()
    flag(rows[outside], "levels", [f"level {v} should be 0-4" for v in level[outside]])

    rows, items = _explode(raw["goals"])
    for r, item in zip(rows.tolist(), items.tolist(), strict=True):
        m = _GOAL.match(item)
        if not m:
            flag([r], "goals", f"{item!r} should look like COMPETENCY>=LEVEL@YYYY-MM-DD")
        elif m.group(1) not in comp_ids:
            flag([r], "goals", f"competency {m.group(1)!r} is not in competencies.csv")
        elif not 0 <= int(m.group(2)) < N_LEVELS:
            flag([r], "goals", f"level {m.group(2)} should be 0-4")
        else:
            try:
                pd.Timestamp(m.group(3))
            except ValueError:
                flag([r], "goals", f"{m.group(3)!r} is not a date")

    rows, items = _explode(raw["sections"])
    unknown = ~pd.Series(items, dtype=object).isin(catalogue.section_table.index).to_numpy()
    flag(rows[unknown], "sections", [f"section {s!r} is not in sections.csv"
                                     for s in items[unknown]])

    line_offset = 2  # the header is line 1 (Parquet rows are numbered the same way)
    problems = [RowProblem(name, int(r) + line_offset, f, m) for r, f, m in
                sorted(bad, key=lambda b: (b[0], ROSTER_COLUMNS.index(b[1])))]
    if strict and problems:
        raise RosterError(problems, path)
    good = np.ones(len(raw), dtype=bool)
    if bad:
        good[np.unique([b[0] for b in bad])] = False
    out = raw.copy()
    out["grade"] = np.where(good, grade, 0)
    out["max_travel_minutes"] = max_travel
    out["budget"] = budget
    out["max_hours_per_week"] = max_hours
    out["home_broadband"] = broadband
    out["device"] = device
    out["transport"] = transport
    out = out.loc[good, ROSTER_COLUMNS]
    return _typed(out), problems
