"""District-scale projection: every learner-plan of a roster at once, on one machine or on Dask.

Roster file format
------------------
One row per learner-plan, CSV or Parquet; the columns are documented in ``docs/data-format.md``
(section "Rosters").

A bad row is reported as ``file:line:column: message`` (line counts the header as line 1; in a
Parquet file, "line" is the row number plus one, as if it had a header) and left out; the other
rows are still projected. With ``--strict`` any bad row stops the run.

Results
-------
``project_roster`` returns two tables. **Per plan**: ``learner_id, plan_id, expected_credits``
(expected competencies at Proficient or above at the end of the horizon), ``credits_gained``
(that minus the competencies already at Proficient), ``p_goal_mean`` (mean chance of reaching
the learner's goals by their dates; NaN without goals), ``expected_credits_low/_high`` and
``p_goal_mean_low/_high`` (their 80% interval over draws of the model's parameters: exactly the
bounds ``project`` gives, worked out from the two draws at the 10th and 90th percentiles, see
``docs/model.md``; the central columns are at the central parameters, where ``project``'s
``probability`` is the mean over its draws and ``probability_point`` the central value),
``n_goals_likely`` (goals with a chance
of at least ``words.ON_TRACK``, 70%: the app's "On track"), ``hours_per_week`` (mean over the
weeks the plan runs), ``cost`` (sum over the plan's distinct opportunities), ``cost_per_credit``
(cost / credits_gained; NaN when no credit is expected), ``carnegie_units`` (all planned hours / 120), ``plan_kind`` (the opportunity kind with
the most hours), ``in_school_hours`` / ``outside_hours`` (planned hours at school providers /
anywhere else, over the year) and ``feasible``. **Per competency**: ``learner_id, plan_id,
competency_id, current_level, expected_end, p_proficient_end, p_proficient_end_low,
p_proficient_end_high`` for each competency the plan practises (every other competency stays where it is).

``feasible`` is ``feasibility.roster_feasible``, the checks of ``check_plan`` a roster can
answer: grade, seats, broadband, device, a car where one is needed, a way to get there by the
learner's own transport within ``max_travel_minutes``, budget, and hours in the busiest week. It
does not check time conflicts, travel between sections, free time or prerequisites (a roster
carries no availability; run ``check_plan`` on a learner's data directory for the full list).

This module only reads rosters, cuts them into chunks, and writes Parquet, on one process or on
Dask. Every number comes from the domain: a chunk's rows become ``projection.PlanRows`` and go
through ``projection.project_many`` (the kernel ``project`` runs on one row),
``ledger.plan_totals`` and ``feasibility.roster_feasible``, over the catalogue's shared
``arrays.CatalogueArrays``; so the numbers are those of ``project`` and ``plan_ledger`` for the
same learner and plan (``tests/test_kernel_parity.py``: to 1e-12 on generated districts).
Results do not depend on how the roster is split into chunks, so a Dask run gives exactly the
single-process numbers (tested bit for bit, Parquet files included).
"""

from __future__ import annotations

import functools
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .domain.arrays import catalogue_arrays, day_numbers, interest_tags, mode_set
from .domain.dataset import (
    DEVICES,
    MODES,
    PROFICIENT,
    Catalogue,
    Learner,
    Plan,
)
from .domain.feasibility import roster_feasible
from .domain.ledger import plan_totals
from .domain.projection import (
    DEFAULT_PARAMETERS,
    N_LEVELS,
    ModelParameters,
    PlanRows,
    bound_multipliers,
    project_many_scaled,
    week_grid,
)
from .domain.words import ON_TRACK
from .formats.report import DataError, DataProblem
from .i18n import M_, Message

ROSTER_COLUMNS = [
    "learner_id", "plan_id", "grade", "home_zone", "transport", "max_travel_minutes",
    "home_broadband", "device", "budget", "max_hours_per_week", "interests", "strengths",
    "levels", "goals", "sections",
]
REQUIRED_COLUMNS = ("learner_id", "plan_id", "grade", "home_zone")
PLAN_COLUMNS = [
    "learner_id", "plan_id", "expected_credits", "expected_credits_low", "expected_credits_high",
    "credits_gained", "p_goal_mean", "p_goal_mean_low", "p_goal_mean_high",
    "n_goals_likely", "hours_per_week", "cost", "cost_per_credit", "carnegie_units", "plan_kind",
    "in_school_hours", "outside_hours", "feasible",
]
COMPETENCY_COLUMNS = [
    "learner_id", "plan_id", "competency_id", "current_level", "expected_end",
    "p_proficient_end", "p_proficient_end_low", "p_proficient_end_high",
]
DEFAULT_CHUNK_SIZE = 5_000
# most rows projected at once: bigger blocks spill out of the caches (see _project_chunk)
BLOCK_ROWS = 5_000
_EPS = 1e-9
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_GOAL = re.compile(r"^(?P<c>[^>=@]+?)\s*>=\s*(?P<l>\d+)\s*@\s*(?P<d>\d{4}-\d{2}-\d{2})$")


class BatchResults(NamedTuple):
    """The two result tables of ``project_roster``: one row per plan, and per competency."""

    plans: pd.DataFrame
    competencies: pd.DataFrame


#: A bad roster cell: the one ``file:line:field`` problem type, as loading and importers use.
RowProblem = DataProblem


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


def _split(values) -> tuple[np.ndarray, pa.Array]:
    """Split ``;`` lists with Arrow: (row position, stripped item) for every non-empty item."""
    arr = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    lists = pc.split_pattern(arr, ";")
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = pc.list_parent_indices(lists).to_numpy()
    keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    return rows[keep], flat.filter(pa.array(keep))


def _index_in(items: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Position of each item in ``value_set`` (-1 when absent)."""
    return pc.index_in(items, value_set=value_set).fill_null(-1).to_numpy().astype(np.int64)


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
        raise RosterError([RowProblem(name, 1, c, M_("required column is missing"))
                           for c in missing], path)
    raw = raw.reset_index(drop=True)
    for col in ROSTER_COLUMNS:
        if col not in raw.columns:
            raw[col] = ""
        raw[col] = raw[col].astype(object).fillna("").astype(str).str.strip().astype(object)
    bad: list[tuple[int, str, str]] = []

    def flag(rows, field: str, messages) -> None:
        rows = np.asarray(rows)
        msgs = [messages] * len(rows) if isinstance(messages, Message) else list(messages)
        bad.extend(zip(rows.tolist(), [field] * len(rows), msgs, strict=True))

    for col in ("learner_id", "plan_id", "grade", "home_zone"):
        empty = np.flatnonzero((raw[col] == "").to_numpy())
        flag(empty, col, M_("is empty (required)"))
    dup = raw["plan_id"].duplicated() & (raw["plan_id"] != "")
    flag(np.flatnonzero(dup.to_numpy()), "plan_id", [
        M_("plan {plan} appears more than once", plan=repr(p)) for p in raw["plan_id"][dup]])

    def number(col: str, default, lo, hi, integer: bool, lo_open: bool = False):
        text = raw[col]
        num = pd.to_numeric(text.where(text != "", None), errors="coerce")
        given = (text != "").to_numpy()
        wrong = given & num.isna().to_numpy()
        flag(np.flatnonzero(wrong), col, [M_("{value} is not a number", value=repr(v)) for v in text[wrong]])
        val = num.to_numpy(dtype=float)
        ok = given & ~wrong
        if integer:
            frac = ok & (np.floor(val) != val)
            flag(np.flatnonzero(frac), col, [M_("{value} is not a whole number", value=repr(v))
                                         for v in text[frac]])
            ok &= ~frac
        low = (val <= lo) if lo_open else (val < lo)
        out = ok & (low | (val > hi))
        if out.any():
            if not math.isinf(hi):
                say = [M_("{value} should be between {low} and {high}", value=v, low=lo, high=hi)
                       for v in text[out]]
            elif lo_open:
                say = [M_("{value} should be more than {low}", value=v, low=lo) for v in text[out]]
            else:
                say = [M_("{value} should be at least {low}", value=v, low=lo) for v in text[out]]
            flag(np.flatnonzero(out), col, say)
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
         [M_("zone {zone} is not in {file}", zone=repr(z), file="travel_times.csv")
          for z in hz[unknown]])

    bb = raw["home_broadband"].str.lower()
    wrong = ~bb.isin(_TRUE | _FALSE | {""})
    flag(np.flatnonzero(wrong.to_numpy()), "home_broadband",
         [M_("{value} is not true or false", value=repr(v))
          for v in raw["home_broadband"][wrong]])
    broadband = ~bb.isin(_FALSE).to_numpy()

    dev = raw["device"].str.lower()
    wrong = ~dev.isin(set(DEVICES) | {""})
    flag(np.flatnonzero(wrong.to_numpy()), "device",
         [M_("{value} is not one of {choices}", value=repr(v), choices=", ".join(DEVICES))
          for v in raw["device"][wrong]])
    device = dev.where(dev != "", "own")

    rows, items = _explode(raw["transport"].str.lower())
    wrong = ~np.isin(items, MODES)
    flag(rows[wrong], "transport", [M_("{value} is not one of {choices}", value=repr(m),
                                       choices=", ".join(MODES)) for m in items[wrong]])
    transport = raw["transport"].str.lower().where(raw["transport"] != "", "walk")

    comp_ids = set(catalogue.competencies["competency_id"])
    rows, items = _explode(raw["levels"])
    # plain str.partition in one pass: pandas' .str.partition builds a tuple Series per call and
    # was most of the time of reading a 50,000-learner roster
    parts = [str(x).partition("=") for x in items.tolist()]
    comp = pd.Series([a.strip() for a, _, _ in parts], dtype=object)
    sep = pd.Series([b for _, b, _ in parts], dtype=object)
    level = pd.Series([c.strip() for _, _, c in parts], dtype=object)
    lv = pd.to_numeric(level, errors="coerce")
    wrong = ((sep != "=") | lv.isna() | (lv.round() != lv)).to_numpy()
    flag(rows[wrong], "levels", [M_("{value} should look like {pattern}", value=repr(x),
                                      pattern="COMPETENCY=LEVEL") for x in items[wrong]])
    unknown = ~wrong & ~comp.isin(comp_ids).to_numpy()
    flag(rows[unknown], "levels", [M_("competency {competency} is not in {file}",
                                      competency=repr(c), file="competencies.csv")
                                   for c in comp[unknown]])
    outside = ~wrong & ~unknown & ~lv.between(0, N_LEVELS - 1).to_numpy()
    flag(rows[outside], "levels", [M_("level {level} should be 0-4", level=v) for v in level[outside]])

    rows, items = _explode(raw["goals"])
    for r, item in zip(rows.tolist(), items.tolist(), strict=True):
        m = _GOAL.match(item.strip())
        if not m:
            flag([r], "goals", M_("{value} should look like {pattern}", value=repr(item),
                                  pattern="COMPETENCY>=LEVEL@YYYY-MM-DD"))
        elif m.group(1) not in comp_ids:
            flag([r], "goals", M_("competency {competency} is not in {file}",
                                  competency=repr(m.group(1)), file="competencies.csv"))
        elif not 0 <= int(m.group(2)) < N_LEVELS:
            flag([r], "goals", M_("level {level} should be 0-4", level=m.group(2)))
        else:
            try:
                pd.Timestamp(m.group(3))
            except ValueError:
                flag([r], "goals", M_("{value} is not a date", value=repr(m.group(3))))

    rows, items = _explode(raw["sections"])
    unknown = ~pd.Series(items, dtype=object).isin(catalogue.section_table.index).to_numpy()
    flag(rows[unknown], "sections", [M_("section {section} is not in {file}", section=repr(s),
                                        file="sections.csv") for s in items[unknown]])

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


# ---- what every chunk of a run shares ---------------------------------------------------------
class _Model:
    """The catalogue's arrays, the week grid, the parameters and each section's hours in the
    projection's weeks: everything a chunk of a roster needs besides its own rows.

    It pickles to Dask workers (scattered once); nothing in it is about a learner.
    """

    def __init__(self, catalogue: Catalogue, params: ModelParameters, start, weeks: int):
        self.arrays = A = catalogue_arrays(catalogue)
        self.params = params
        self.week_starts = week_grid(A, start, weeks)
        self.week_days = day_numbers(self.week_starts[:-1])
        self.section_hours = A.hours_in_weeks(A.rows, self.week_days)
        self.section_arrow = pa.array(A.section_ids.astype(str), type=pa.string())
        self.comp_ids = np.asarray(A.competency_ids, dtype=object)
        self.comp_arrow = pa.array(self.comp_ids.astype(str), type=pa.string())
        self.zone_index = pd.Index(A.zones)
        self.n_weeks = len(self.week_starts) - 1
        # the draws of the parameters at the 10th and 90th percentiles (``_project_block``)
        self.bounds = bound_multipliers(params)


# ---- roster rows as the kernel's input ---------------------------------------------------------
def _levels_matrix(model: _Model, levels: pd.Series) -> np.ndarray:
    """Current levels, shape (rows, competencies); each distinct ``levels`` text parsed once."""
    codes, uniques = pd.factorize(levels.to_numpy(dtype=object))
    mat = np.zeros((len(uniques), len(model.comp_ids)), dtype=np.int64)
    u_rows, items = _split(uniques)
    if len(items):
        # each distinct "competency=level" item parsed once (a few hundred in a block)
        words, at = _distinct(items)
        parts = pc.extract_regex(words, r"^(?P<c>[^=]+?)\s*=\s*(?P<v>\d+)$")
        comp = _index_in(parts.field("c"), model.comp_arrow)[at]
        lv = pc.cast(parts.field("v"), pa.int64()).fill_null(-1).to_numpy()[at]
        ok = (comp >= 0) & (lv >= 0)
        # later entries win, as in a dict; clipped to 0-4 as project clips them
        mat[u_rows[ok], comp[ok]] = np.clip(lv[ok], 0, N_LEVELS - 1)
    return mat[codes] if len(codes) else np.zeros((0, len(model.comp_ids)), dtype=np.int64)


def _goal_arrays(model: _Model, goals: pd.Series) -> tuple[np.ndarray, ...]:
    """Goals as arrays (row, competency, level, date as a day number), one entry per goal."""
    rows, items = _split(goals.to_numpy(dtype=object))
    # each distinct goal text parsed once, then read off for every goal entry
    words, at = _distinct(items)
    parts = pc.extract_regex(words, _GOAL.pattern)
    ok = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    parts = parts.filter(pa.array(ok))
    comp = _index_in(parts.field("c"), model.comp_arrow)
    level = pc.cast(parts.field("l"), pa.int64()).to_numpy()
    by = pc.cast(pc.strptime(parts.field("d"), "%Y-%m-%d", "s", error_is_null=True), pa.date32())
    valid = pc.is_valid(by).to_numpy(zero_copy_only=False)
    days = by.fill_null(0).to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int64)
    good = np.full(len(words), -1, dtype=np.int64)      # distinct text -> its parsed goal
    good[np.flatnonzero(ok)[valid]] = np.arange(int(valid.sum()))
    g = good[at]
    keep = g >= 0
    g = g[keep]
    return rows[keep], comp[valid][g], level[valid][g], days[valid][g]


def _distinct(items: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct strings of ``items`` and where each item is among them."""
    enc = pc.dictionary_encode(items)
    return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False).astype(np.intp)


@functools.lru_cache(maxsize=4096)
def _interest_set(text) -> frozenset:
    """``interest_tags`` of a roster's interests text, frozen (a roster repeats a few hundred
    texts over and over: each is split once)."""
    return frozenset(interest_tags(text))


def _transport_mask(transport: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(transport.to_numpy(dtype=object))
    masks = np.array([mode_set(x.strip().lower() for x in str(u).split(";")) for u in uniques],
                     dtype=np.int64)
    return masks[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _plan_rows(model: _Model, df: pd.DataFrame) -> PlanRows:
    """Roster rows (typed, index 0..n-1) as the projection kernel's ``PlanRows``."""
    n = len(df)
    # the plan's distinct known sections, in plan order: (row, section) pairs sorted by row
    rows, items = _split(df["sections"].to_numpy(dtype=object))
    sec = _index_in(items, model.section_arrow)
    keep = sec >= 0
    rows, sec = rows[keep], sec[keep]
    # each (row, section) once, at its first place in the plan
    first = np.zeros(rows.size, dtype=bool)
    first[np.unique(rows * (len(model.section_arrow) + 1) + sec, return_index=True)[1]] = True
    rs_row, rs_sec = rows[first], sec[first]
    home = model.zone_index.get_indexer(df["home_zone"].astype(str))
    levels = _levels_matrix(model, df["levels"])
    i_codes, i_uniques = pd.factorize(df["interests"].to_numpy(dtype=object))
    s_codes, s_uniques = pd.factorize(df["strengths"].to_numpy(dtype=object))
    g_row, g_comp, g_level, g_day = _goal_arrays(model, df["goals"])
    return PlanRows(
        section_ptr=np.r_[0, np.cumsum(np.bincount(rs_row, minlength=n))].astype(np.int64),
        section_pos=rs_sec.astype(np.int64),
        transport=_transport_mask(df["transport"]),
        home=np.where(home >= 0, home, len(model.zone_index)).astype(np.int64),
        levels=levels,
        interest_code=i_codes.astype(np.int64),
        interest_sets=tuple(_interest_set(u) for u in i_uniques),
        strength_code=s_codes.astype(np.int64),
        strength_sets=tuple(tuple(x.strip() for x in str(u).split(";") if x.strip())
                            for u in s_uniques),
        goal_row=g_row.astype(np.int64), goal_competency=g_comp, goal_level=g_level,
        goal_day=g_day, goal_current=np.where(g_comp >= 0, levels[g_row, np.maximum(g_comp, 0)],
                                              0),
        grade=df["grade"].to_numpy(dtype=np.int64),
        home_broadband=df["home_broadband"].to_numpy(dtype=bool),
        has_device=df["device"].isin(["shared", "own"]).to_numpy(),
        max_travel_minutes=df["max_travel_minutes"].to_numpy(dtype=float),
        budget=df["budget"].to_numpy(dtype=float),
        max_hours_per_week=df["max_hours_per_week"].to_numpy(dtype=float),
    )


def _project_chunk(model: _Model, df: pd.DataFrame) -> BatchResults:
    """Project one chunk of roster rows: the per-plan and per-competency tables.

    A chunk bigger than ``BLOCK_ROWS`` is projected block by block: the working arrays of a
    25,000-row block no longer fit the caches and run slower per row. Since the kernel updates
    in a week only the columns that can change in it (``projection._week_plan``), its cost per
    block is more its calls than its arithmetic, and 5,000-row blocks beat 2,500-row ones
    (about 12% less CPU for 50,000 learner-plans on 2026-12-03; 10,000 was no better, 25,000
    worse). Every number depends only on its own row, so results do not depend on chunking or
    blocking.
    """
    if len(df) <= BLOCK_ROWS:
        return _project_block(model, df)
    return _joined([_project_block(model, b) for b in _blocks(df)])


def _blocks(df: pd.DataFrame) -> list[pd.DataFrame]:
    """A chunk's blocks of at most ``BLOCK_ROWS`` rows (the chunk itself when it is small)."""
    if len(df) <= BLOCK_ROWS:
        return [df]
    return [df.iloc[i:i + BLOCK_ROWS] for i in range(0, len(df), BLOCK_ROWS)]


def _joined(parts: list[BatchResults]) -> BatchResults:
    if len(parts) == 1:
        return parts[0]
    return BatchResults(pd.concat([r.plans for r in parts], ignore_index=True),
                        pd.concat([r.competencies for r in parts], ignore_index=True))


def default_threads() -> int:
    """Threads a roster run without Dask uses: one per core this process may run on, at most 4.

    Most of a block's time is numpy working on whole arrays, which lets other threads run, so
    two threads on two cores project about 1.5 times the learner-plans per second of one, for
    the same CPU time (``benchmarks/bench_batch.py --threads``). Each thread holds one block's
    working arrays (about 100 MB at 5,000 rows)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _project_block(model: _Model, df: pd.DataFrame) -> BatchResults:
    """Project a block of at most ``BLOCK_ROWS`` roster rows with the domain's kernel."""
    df = df.reset_index(drop=True)
    n = len(df)
    A = model.arrays
    rows = _plan_rows(model, df)
    # the central run and the two bound runs share everything but the multiplier
    runs = project_many_scaled(A, rows, model.week_starts, model.params,
                               scales=(None, *model.bounds), end_only=True)
    proj = next(runs)
    totals = plan_totals(A, rows.section_ptr, rows.section_pos, model.week_days,
                         model.section_hours)
    feasible = roster_feasible(A, rows, totals["cost"])

    end = proj.end_distribution()
    expected = proj.expected_credits(end)
    gained = expected - (rows.levels >= PROFICIENT).sum(axis=1).astype(float)
    prob = proj.goal_probability
    n_goals = np.bincount(rows.goal_row, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_goal_mean = np.bincount(rows.goal_row, weights=prob, minlength=n) / n_goals
        cost = totals["cost"]
        per_credit = np.where(gained < 0.01, np.nan, np.where(cost == 0, 0.0, cost / gained))
    likely = np.bincount(rows.goal_row, weights=prob >= ON_TRACK, minlength=n)
    pair_row, pair_comp, pair_start = proj.pair_row, proj.pair_competency, proj.pair_start
    del proj  # its distributions are big: one projection's at a time
    # The ranges: every number here only grows with the one multiplier a draw of the parameters
    # puts on n log(1 - t), so its 10th / 90th percentile over the draws is its value at the
    # 10th / 90th percentile multiplier: two more projections give the exact bounds that
    # ``project`` finds over all its draws. The central columns are at the central parameters.
    credit_bounds, goal_bounds, prof_bounds = [], [], []
    for b in runs:
        # one at a time: a run over twice the columns spills out of the caches (BLOCK_ROWS)
        b_end = b.end_distribution()
        credit_bounds.append(b.expected_credits(b_end))
        prof_bounds.append(np.clip(b_end[:, PROFICIENT:].sum(axis=-1), 0.0, 1.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            goal_bounds.append(np.bincount(rows.goal_row, weights=b.goal_probability,
                                           minlength=n) / n_goals)
        del b, b_end

    # the two id columns as pandas makes them, once: the competency table takes its rows from them
    ids = pd.DataFrame({"learner_id": df["learner_id"].to_numpy(dtype=object),
                        "plan_id": df["plan_id"].to_numpy(dtype=object)})
    learner_ids, plan_ids = ids["learner_id"].array, ids["plan_id"].array
    plans = pd.DataFrame({
        "learner_id": learner_ids, "plan_id": plan_ids,
        "expected_credits": expected, "expected_credits_low": credit_bounds[0],
        "expected_credits_high": credit_bounds[1], "credits_gained": gained,
        "p_goal_mean": p_goal_mean, "p_goal_mean_low": goal_bounds[0],
        "p_goal_mean_high": goal_bounds[1], "n_goals_likely": likely.astype(np.int64),
        "hours_per_week": totals["hours_per_week"], "cost": cost, "cost_per_credit": per_credit,
        "carnegie_units": totals["carnegie_units"], "plan_kind": totals["plan_kind"],
        "in_school_hours": totals["in_school_hours"], "outside_hours": totals["outside_hours"],
        "feasible": feasible,
    }, columns=PLAN_COLUMNS)
    comps = pd.DataFrame({
        "learner_id": learner_ids.take(pair_row), "plan_id": plan_ids.take(pair_row),
        "competency_id": model.comp_ids[pair_comp],
        "current_level": pair_start.astype(np.int64),
        "expected_end": end @ np.arange(N_LEVELS, dtype=float),
        "p_proficient_end": np.clip(end[:, PROFICIENT:].sum(axis=-1), 0.0, 1.0),
        "p_proficient_end_low": prof_bounds[0], "p_proficient_end_high": prof_bounds[1],
    }, columns=COMPETENCY_COLUMNS)
    return BatchResults(plans, comps)


# ---- running a whole roster --------------------------------------------------------------------
def _chunks(roster: pd.DataFrame, chunk_size: int) -> Iterator[pd.DataFrame]:
    for i in range(0, len(roster), chunk_size):
        yield roster.iloc[i:i + chunk_size]


class _PackedChunk(NamedTuple):
    """A roster chunk as an Arrow table (and the pandas dtypes to restore), for shipping."""

    table: pa.Table
    dtypes: dict


def _pack(chunk: pd.DataFrame):
    """A chunk ready to send to a worker: Arrow when it converts, else the frame itself.

    Pickling a pandas frame of text columns pickles every string one by one; an Arrow table
    pickles a few buffers, about a fifth of the driver's time per chunk.
    """
    try:
        table = pa.Table.from_pandas(chunk, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):  # mixed-type text columns: send as is
        return chunk
    return _PackedChunk(table, dict(chunk.dtypes))


def _unpack(chunk) -> pd.DataFrame:
    """The roster chunk ``_pack`` packed, with the driver's column dtypes."""
    if not isinstance(chunk, _PackedChunk):
        return chunk
    df = chunk.table.to_pandas()
    changed = {c: t for c, t in chunk.dtypes.items() if df[c].dtype != t}
    return df.astype(changed) if changed else df


def _project_packed(model: _Model, chunk) -> BatchResults:
    """A Dask task: project one packed roster chunk."""
    return _project_chunk(model, _unpack(chunk))


def _client(client):
    """A dask.distributed Client for ``client`` (a Client, or a scheduler address to connect to).

    Returns (client, owned): ``owned`` is True when we connected and must close it.
    """
    if client is None:
        return None, False
    if isinstance(client, str):
        from distributed import Client

        return Client(client), True
    return client, False


def local_cluster(n_workers: int = 2, threads_per_worker: int = 1, **kwargs):
    """A Dask ``LocalCluster`` set up for batch projection on this machine.

    One single-threaded worker process per core, no dashboard, and workers started without
    Dask's default ``MALLOC_TRIM_THRESHOLD_=65536``: with it, glibc hands every freed block
    above 128 KiB back to the system, so each chunk's working arrays are page-faulted in afresh
    (measured on 125,000 learner-plans: 1.7-2.8 s of the workers' system time against
    1.2-1.4 s without it; within the noise on 500,000).

    Parameters
    ----------
    n_workers, threads_per_worker : int
        As for ``distributed.LocalCluster``.
    **kwargs
        Passed on to ``distributed.LocalCluster`` (e.g. ``memory_limit``).

    Returns
    -------
    distributed.LocalCluster
        Use as a context manager, and connect with ``distributed.Client(cluster)``.
    """
    import dask
    from distributed import LocalCluster

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    kwargs.setdefault("dashboard_address", None)
    kwargs.setdefault("processes", True)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                            **kwargs)


def iter_results(catalogue: Catalogue, roster: pd.DataFrame,
                 params: ModelParameters = DEFAULT_PARAMETERS, weeks: int = 40, start=None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, client=None,
                 threads: int | None = None) -> Iterator[BatchResults]:
    """Project a roster chunk by chunk, yielding each chunk's results in roster order.

    Parameters
    ----------
    catalogue : Catalogue
    roster : pandas.DataFrame
        Roster rows (``ROSTER_COLUMNS``), e.g. from ``read_roster`` or ``generate_roster_frame``.
    params : ModelParameters
        Model parameters (``projection.DEFAULT_PARAMETERS`` by default).
    weeks : int
        Weekly steps of the projection (40: a school year).
    start : date-like, optional
        Any day of the first week; default the catalogue's first day (as ``project``).
    chunk_size : int
        Rows per chunk (and per Dask task, and per Parquet row group). A chunk is projected
        ``BLOCK_ROWS`` rows at a time, so a big chunk costs no more per row; its results are
        held in memory together. Results do not change with it.
    client : dask.distributed.Client or str, optional
        Run the chunks on this Dask cluster (or the scheduler at this address). The prepared
        catalogue is scattered to every worker once and each chunk travels as an Arrow table;
        at most two chunks per worker are in flight, so the caller's memory stays bounded.
        ``local_cluster`` makes a cluster set up for this work on one machine. Tasks of
        10,000-25,000 rows keep Dask's per-task cost negligible.
    threads : int, optional
        Without Dask: blocks projected at once on as many threads (default
        ``default_threads()``, one per core up to 4; 1 runs everything on the caller's
        thread). Results do not change with it; each thread holds one block's working arrays.
        With Dask each worker projects its chunks on one thread.

    Yields
    ------
    BatchResults
        One per chunk, in roster order.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    yield from _run(_Model(catalogue, params, start, weeks), roster, chunk_size, client, threads)


def _run(model: _Model, roster: pd.DataFrame, chunk_size: int, client,
         threads: int | None = None) -> Iterator[BatchResults]:
    client, owned = _client(client)
    if client is None:
        n = default_threads() if threads is None else int(threads)
        if n <= 1:
            for chunk in _chunks(roster, chunk_size):
                yield _project_chunk(model, chunk)
        else:
            yield from _threaded(model, roster, chunk_size, n)
        return
    import warnings

    from distributed import as_completed

    # each task carries its chunk of the roster (a few MB); Dask warns about "large graphs"
    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
    try:
        model_future = client.scatter(model, broadcast=True)
        n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        window = 2 * n_workers
        chunks = enumerate(_chunks(roster, chunk_size))
        pending = as_completed()
        index_of = {}
        for i, chunk in chunks:
            fut = client.submit(_project_packed, model_future, _pack(chunk), pure=False)
            index_of[fut.key] = i
            pending.add(fut)
            if len(index_of) >= window:
                break
        done: dict[int, BatchResults] = {}
        next_out = 0
        for fut in pending:
            done[index_of.pop(fut.key)] = fut.result()
            fut.release()
            for i, chunk in chunks:
                nxt = client.submit(_project_packed, model_future, _pack(chunk), pure=False)
                index_of[nxt.key] = i
                pending.add(nxt)
                break
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        if owned:
            client.close()


def _threaded(model: _Model, roster: pd.DataFrame, chunk_size: int,
              threads: int) -> Iterator[BatchResults]:
    """``_run`` on ``threads`` threads: the blocks of the chunks in turn, at most ``threads`` + 1
    of them in flight, each chunk's results yielded in roster order once its last block is
    done (the same tables as one thread: every number depends only on its own row)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    def blocks():
        for chunk in _chunks(roster, chunk_size):
            parts = _blocks(chunk)
            for j, block in enumerate(parts):
                yield block, j == len(parts) - 1

    todo = blocks()
    with ThreadPoolExecutor(threads, thread_name_prefix="workbench-batch") as pool:
        flight: deque = deque()

        def submit() -> None:
            for block, last in todo:
                flight.append((pool.submit(_project_block, model, block), last))
                return

        for _ in range(threads + 1):
            submit()
        parts: list[BatchResults] = []
        try:
            while flight:
                fut, last = flight.popleft()
                parts.append(fut.result())
                submit()
                if last:
                    yield _joined(parts)
                    parts = []
        finally:
            for fut, _ in flight:   # stopped early (an error, or the caller stopped reading)
                fut.cancel()


def project_roster(catalogue: Catalogue, roster: pd.DataFrame,
                   params: ModelParameters = DEFAULT_PARAMETERS, weeks: int = 40, start=None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE, client=None,
                   progress: Callable[[int], None] | None = None,
                   threads: int | None = None) -> BatchResults:
    """Project every learner-plan of a roster: the per-plan and per-competency tables.

    The numbers are those of ``projection.project`` and ``ledger.plan_ledger`` for each
    learner and plan (see the module docstring for every column). For rosters whose
    per-competency table would not fit in memory, use ``write_results``.

    Parameters
    ----------
    catalogue, roster, params, weeks, start, chunk_size, client, threads
        As for ``iter_results``.
    progress : callable, optional
        Called with the number of rows just finished, after each chunk (e.g. ``tqdm.update``).

    Returns
    -------
    BatchResults
        ``plans`` (one row per roster row, same order) and ``competencies``.
    """
    plans, comps = [], []
    for res in iter_results(catalogue, roster, params, weeks, start, chunk_size, client,
                            threads):
        plans.append(res.plans)
        comps.append(res.competencies)
        if progress is not None:
            progress(len(res.plans))
    if not plans:
        empty = _project_chunk(_Model(catalogue, params, start, weeks), roster.iloc[0:0])
        return empty
    return BatchResults(pd.concat(plans, ignore_index=True), pd.concat(comps, ignore_index=True))


def competencies_path(out_path) -> Path:
    """Where ``write_results`` puts the per-competency table: ``x.parquet`` ->
    ``x.competencies.parquet``."""
    out = Path(out_path)
    return out.with_name(out.name.removesuffix(out.suffix) + ".competencies" + (out.suffix
                                                                               or ".parquet"))


def write_results(catalogue: Catalogue, roster: pd.DataFrame, out_path,
                  params: ModelParameters = DEFAULT_PARAMETERS, weeks: int = 40, start=None,
                  chunk_size: int = DEFAULT_CHUNK_SIZE, client=None,
                  progress: Callable[[int], None] | None = None,
                  threads: int | None = None) -> dict:
    """Project a roster and stream the results to Parquet, one row group per chunk.

    Only one chunk's results are held in memory at a time (and the blocks in flight on the
    threads, or a few chunks per worker with Dask), so peak memory does not grow with the
    roster.

    Parameters
    ----------
    catalogue, roster, params, weeks, start, chunk_size, client, progress, threads
        As for ``project_roster``.
    out_path : str or Path
        The per-plan table; the per-competency table goes beside it
        (``competencies_path(out_path)``).

    Returns
    -------
    dict
        ``plans`` and ``competencies`` (rows written), ``out`` and ``competencies_out``
        (paths) and ``seconds``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    out = Path(out_path)
    comp_out = competencies_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    counts = {"plans": 0, "competencies": 0}

    def write(name: str, path: Path, df: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(df, preserve_index=False, schema=schemas[name])
        if name not in writers:
            writers[name] = pq.ParquetWriter(path, table.schema)
        writers[name].write_table(table)
        counts[name] += len(df)

    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    model = _Model(catalogue, params, start, weeks)
    empty = _project_chunk(model, roster.iloc[0:0])
    schemas = {"plans": _schema(PLAN_COLUMNS), "competencies": _schema(COMPETENCY_COLUMNS)}
    try:
        for res in _run(model, roster, chunk_size, client, threads):
            write("plans", out, res.plans)
            write("competencies", comp_out, res.competencies)
            if progress is not None:
                progress(len(res.plans))
        for name, path, df in (("plans", out, empty.plans),
                               ("competencies", comp_out, empty.competencies)):
            if name not in writers:  # an empty roster still gets files with the columns
                write(name, path, df)
    finally:
        for w in writers.values():
            w.close()
    return {"plans": counts["plans"], "competencies": counts["competencies"], "out": str(out),
            "competencies_out": str(comp_out), "seconds": time.perf_counter() - t0}


def _schema(columns: list[str]):
    """The Parquet schema of a result table: text ids, int levels and counts, bool, floats."""
    import pyarrow as pa

    text = {"learner_id", "plan_id", "competency_id", "plan_kind"}
    ints = {"n_goals_likely", "current_level"}
    return pa.schema([(c, pa.string() if c in text else pa.int64() if c in ints
                       else pa.bool_() if c == "feasible" else pa.float64()) for c in columns])


# ---- equity ------------------------------------------------------------------------------------
def reachability_by_zone(catalogue: Catalogue, roster, interest: str,
                         include_online: bool = True) -> pd.DataFrame:
    """By home zone: how many learners have no feasible opportunity in an interest area.

    "Which neighbourhoods cannot reach any robotics opportunity by their own transport?" A
    learner can take a section of an opportunity tagged ``interest`` when their grade may join,
    it has seats, and either it meets at a place they can reach by their own ways of travelling
    within their ``max_travel_minutes`` (with a car if the site needs one), or — with
    ``include_online`` — it is online and they have home broadband and a computer or tablet.
    Time of day is not considered.

    Parameters
    ----------
    catalogue : Catalogue
    roster : pandas.DataFrame or iterable of Learner
        A roster frame (one row per learner-plan; each learner is counted once) or learners.
    interest : str
        An interest tag, e.g. ``"robotics"`` (case-insensitive).
    include_online : bool
        Count online sections as reachable for learners with broadband and a device.

    Returns
    -------
    pandas.DataFrame
        ``zone, learners, share_no_feasible_opportunity, share_no_broadband``, sorted by zone.
    """
    if isinstance(roster, pd.DataFrame):
        people = roster.drop_duplicates("learner_id")
        people = pd.DataFrame({
            "zone": people["home_zone"].astype(str).to_numpy(),
            "transport": _transport_mask(people["transport"]),
            "max_travel": people["max_travel_minutes"].to_numpy(dtype=float),
            "grade": people["grade"].to_numpy(dtype=np.int64),
            "broadband": people["home_broadband"].to_numpy(dtype=bool),
            "device": people["device"].isin(["shared", "own"]).to_numpy(),
        })
    else:
        learners = list(roster)
        people = pd.DataFrame({
            "zone": [lr.home_zone for lr in learners],
            "transport": _transport_mask(pd.Series([";".join(lr.transport) for lr in learners],
                                                   dtype=object)),
            "max_travel": np.array([lr.max_travel_minutes for lr in learners], dtype=float),
            "grade": np.array([lr.grade for lr in learners], dtype=np.int64),
            "broadband": np.array([lr.home_broadband for lr in learners], dtype=bool),
            "device": np.array([lr.has_device for lr in learners], dtype=bool),
        })
    A = catalogue_arrays(catalogue)
    tag = interest.strip().lower()
    tagged = np.array([tag in tags for tags in A.opportunity_tags], dtype=bool)[A.opportunity] \
        & (A.seats_left > 0)
    home = pd.Index(A.zones).get_indexer(people["zone"])
    home = np.where(home >= 0, home, len(A.zones))
    zone = np.where(A.zone >= 0, A.zone, len(A.zones))
    grade, tm = people["grade"].to_numpy(), people["transport"].to_numpy()
    reach = np.zeros(len(people), dtype=bool)
    # the nearest allowed section, per (ways of travelling, home zone, grade): few combinations
    combo = pd.DataFrame({"tm": tm, "home": home, "grade": grade})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(combo))
    nearest = np.full(len(uniques), np.inf)
    online_ok = np.zeros(len(uniques), dtype=bool)
    for j, (u_tm, u_home, u_grade) in enumerate(uniques):
        ok = tagged & (A.min_grade <= u_grade) & (u_grade <= A.max_grade)
        car = bool(u_tm >> MODES.index("car") & 1)
        place = ok & A.at_place & (car | ~A.needs_car)
        if place.any():
            nearest[j] = A.fastest[u_tm, u_home, zone[place]].min()
        online_ok[j] = (ok & ~A.at_place).any()
    reach = nearest[codes] <= people["max_travel"].to_numpy() + _EPS
    if include_online:
        reach |= online_ok[codes] & people["broadband"].to_numpy() & people["device"].to_numpy()
    out = pd.DataFrame({"zone": people["zone"], "no_reach": ~reach,
                        "no_broadband": ~people["broadband"].to_numpy()})
    g = out.groupby("zone", sort=True)
    return pd.DataFrame({
        "zone": g.size().index.to_numpy(dtype=object),
        "learners": g.size().to_numpy(dtype=np.int64),
        "share_no_feasible_opportunity": g["no_reach"].mean().to_numpy(dtype=float),
        "share_no_broadband": g["no_broadband"].mean().to_numpy(dtype=float),
    })


# ---- suggested plans over a roster (workbench batch --suggest) -------------------------------
SUGGESTION_COLUMNS = [
    "learner_id", "home_zone", "n_goals", "plan_id", "sections", "status", "proven", "gap",
    "solver_goal_total", "seconds",
]


def roster_learners(roster: pd.DataFrame) -> list[Learner]:
    """Each learner of a roster frame once (from their first row), as ``Learner`` objects.

    A roster carries no free or busy times, so every learner's ``availability`` is empty: the
    family has not said when they are free, and no time of day is ruled out.
    """
    import datetime as dt

    from .domain.dataset import Goal

    def items(text) -> list[str]:
        return [x.strip() for x in str(text or "").split(";") if x.strip()]

    people = roster.drop_duplicates("learner_id")
    out = []
    for row in people.itertuples(index=False):
        levels = {}
        for item in items(row.levels):
            c, _, v = item.partition("=")
            levels[c.strip()] = int(v)
        goals = []
        for item in items(row.goals):
            m = _GOAL.match(item)
            if m:
                goals.append(Goal(m.group("c").strip(), int(m.group("l")),
                                  dt.date.fromisoformat(m.group("d"))))
        out.append(Learner(
            learner_id=str(row.learner_id), name=str(row.learner_id), grade=int(row.grade),
            home_zone=str(row.home_zone), transport=items(row.transport) or ["walk"],
            max_travel_minutes=int(row.max_travel_minutes),
            home_broadband=bool(row.home_broadband), device=str(row.device),
            budget=float(row.budget), max_hours_per_week=float(row.max_hours_per_week),
            interests=items(row.interests), strengths=items(row.strengths), levels=levels,
            goals=goals))
    return out


def suggest_roster(catalogue: Catalogue, roster: pd.DataFrame,
                   params: ModelParameters = DEFAULT_PARAMETERS, time_limit: float = 5.0,
                   progress: Callable[[int], None] | None = None,
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each roster learner's best suggested plan (``domain.suggest.suggest_plans``, one plan,
    no explanations), as extra roster rows to project with the others.

    Parameters
    ----------
    catalogue, roster, params
        As for ``project_roster``.
    time_limit : float
        Seconds the solver may take per learner (it says so in ``status`` when it stops there).
    progress : callable, optional
        Called with 1 after each learner.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The suggested plans as roster rows (plan ids ``S-<learner>-1``; a learner with no plan
        to suggest gets an empty one, so every learner has a row), and one row per learner
        (``SUGGESTION_COLUMNS``): the solver's status, "proven best", gap, expected goals and
        seconds.
    """
    from .domain.suggest import suggest_plans

    learners = roster_learners(roster)
    first = roster.drop_duplicates("learner_id").reset_index(drop=True)
    rows, info = [], []
    for lr in learners:
        result = suggest_plans(catalogue, lr, count=1, explain=False, parameters=params,
                               time_limit=time_limit)
        best = result.plans[0] if result.plans else None
        plan_id = f"S-{lr.learner_id}-1"
        sections = list(best.sections) if best else []
        rows.append((plan_id, _join(sections)))
        info.append((lr.learner_id, lr.home_zone, len(lr.goals), plan_id, _join(sections),
                     result.status, bool(best is not None and best.proven),
                     float(best.gap) if best else math.nan,
                     float(best.goal_total) if best else math.nan, float(result.seconds)))
        if progress is not None:
            progress(1)
    suggested = first.copy()
    suggested["plan_id"] = [r[0] for r in rows]
    suggested["sections"] = [r[1] for r in rows]
    return _typed(suggested), pd.DataFrame(info, columns=SUGGESTION_COLUMNS)


def reach_by_zone(roster: pd.DataFrame, plans: pd.DataFrame,
                  suggestions: pd.DataFrame) -> pd.DataFrame:
    """By home zone: how many learners (with goals) could reach every goal with their best
    suggested plan, against their own roster plans — the district's equity figure.

    "Could reach" means every goal is likely (a chance of at least 50%, or reached already) in
    the projection of the plan; for the roster's own plans, in the best of them.

    Parameters
    ----------
    roster : pandas.DataFrame
        The roster the learners' own plans came from.
    plans : pandas.DataFrame
        The per-plan results of the roster's rows and of the suggested rows.
    suggestions : pandas.DataFrame
        ``suggest_roster``'s per-learner table.

    Returns
    -------
    pandas.DataFrame
        ``zone, learners, with_goals, reach_suggested, share_suggested, reach_own,
        share_own``, sorted by zone, and a last row ``zone == "All"``.
    """
    n_goals = suggestions.set_index("learner_id")["n_goals"]
    zone = suggestions.set_index("learner_id")["home_zone"]
    likely = plans.assign(n_goals=plans["learner_id"].map(n_goals))
    likely["all"] = likely["n_goals_likely"] >= likely["n_goals"]
    suggested_ids = set(suggestions["plan_id"])
    is_suggested = likely["plan_id"].isin(suggested_ids)
    sug = likely[is_suggested].groupby("learner_id")["all"].any()
    own = likely[~is_suggested].groupby("learner_id")["all"].any()
    people = pd.DataFrame({"zone": zone, "with_goals": n_goals > 0})
    people["reach_suggested"] = people.index.map(sug).fillna(False).astype(bool) \
        & people["with_goals"]
    people["reach_own"] = people.index.map(own).fillna(False).astype(bool) \
        & people["with_goals"]
    g = people.groupby("zone", sort=True)
    table = pd.DataFrame({
        "learners": g.size(), "with_goals": g["with_goals"].sum(),
        "reach_suggested": g["reach_suggested"].sum(), "reach_own": g["reach_own"].sum(),
    })
    table.loc["All"] = table.sum()
    table = table.astype(np.int64).reset_index(names="zone")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_suggested"] = table["reach_suggested"] / table["with_goals"]
        table["share_own"] = table["reach_own"] / table["with_goals"]
    return table[["zone", "learners", "with_goals", "reach_suggested", "share_suggested",
                  "reach_own", "share_own"]]
