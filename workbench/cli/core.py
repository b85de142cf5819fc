"""The ``workbench`` command: validate data, check, project and compare plans, serve the app.

Run ``workbench --help`` for the commands. Exit status: 0 when the command did its job (a plan
that does not fit has still been checked), 1 when ``validate`` finds problems in the data, 2 for
a mistake in how the command was called (unknown learner, a plan of another learner, a missing or
broken file, a data directory that does not load). Mistakes are one line on stderr, never a
traceback; with ``--json`` stdout also carries ``{"error": "..."}``.

Other modules add subcommands (``workbench batch ...``, ``workbench import ...``) through
``EXTENSIONS``: each listed module defines ``add_parser(subparsers)`` and ``run(args) -> int``.
They may raise ``UserError`` for mistakes and use ``open_workspace(args)`` and ``print_json``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import SAMPLE_DATA, __version__
from ..domain.dataset import Dataset, Learner, Plan, level_word
from ..store import NotFoundError, Store, default_db_path

PROG = "workbench"

#: Subcommands that live in other modules, imported only when the parser is built: (name, module).
#: A module that does not exist (yet) is skipped. Each module defines
#: ``add_parser(subparsers) -> argparse.ArgumentParser`` (call ``subparsers.add_parser(name, ...)``;
#: ``--data``, ``--json``, ``--db`` and ``--no-store`` are added for you) and
#: ``run(args) -> int``. Keep their top-level imports light: ``workbench --help`` imports them all.
EXTENSIONS: list[tuple[str, str]] = [
    ("batch", "workbench.cli.batch"),
    ("import", "workbench.cli.imports"),
    ("export", "workbench.cli.export"),
]

STORE_HELP = (
    "Where learners and plans come from: by default the data directory's files, overlaid by the "
    "local store the app saves to (if one exists for that directory), so work done in the app is "
    "what these commands see. --db PATH reads them only from that store file; --no-store reads "
    "only the files. The catalogue always comes from the data directory."
)


class UserError(Exception):
    """A mistake in how the command was called: shown as one line, exit status 2."""


# ---- JSON ------------------------------------------------------------------------------------
def to_jsonable(obj):
    """Plain JSON values from domain results: NaN/inf -> None, dates -> ISO, frames -> records."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, np.datetime64):
        return None if np.isnat(obj) else pd.Timestamp(obj).isoformat()
    if isinstance(obj, pd.Timedelta | dt.timedelta):
        return obj.total_seconds()
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    return str(obj)


def print_json(obj) -> None:
    """Print ``obj`` as valid JSON (no NaN), for ``--json``."""
    print(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False))


# ---- where learners and plans come from -------------------------------------------------------
@dataclasses.dataclass
class Workspace:
    """The data a command works on: the catalogue from files; learners and plans from the files
    and/or the local store (see ``STORE_HELP``)."""

    data_dir: Path
    dataset: Dataset
    store: Store | None = None
    files: bool = True  # learners and plans in the files count

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    @property
    def where(self) -> str:
        parts = [self.data_dir.name] if self.files else []
        if self.store is not None:
            parts.append(f"the local store {self.store.path}")
        return " or ".join(parts)

    def learners(self) -> dict[str, Learner]:
        out = dict(self.dataset.learners) if self.files else {}
        if self.store is not None:
            out.update({lr.learner_id: lr for lr in self.store.learners()})
        return out

    def learner(self, learner_id: str) -> Learner:
        """The learner, from the store first (edits made in the app), else the files."""
        if self.store is not None:
            try:
                return self.store.learner(learner_id)
            except NotFoundError:
                pass
        if self.files and learner_id in self.dataset.learners:
            return self.dataset.learners[learner_id]
        known = sorted(self.learners())
        hint = f" Known learners: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''}." \
            if known else ""
        raise UserError(f"There is no learner {learner_id!r} in {self.where}.{hint}")

    def plans_for(self, learner: Learner) -> list[Plan]:
        plans = {p.plan_id: p for p in self.dataset.plans_for(learner.learner_id)} \
            if self.files else {}
        if self.store is not None:
            plans.update({p.plan_id: p for p in self.store.plans_for(learner.learner_id)})
        return list(plans.values())

    def plan(self, ref: str, learner: Learner) -> Plan:
        """A plan by id, or read from a plan .json file; it must be this learner's plan."""
        path = Path(ref).expanduser()
        if ref.endswith(".json") or path.is_file() or "/" in ref or "\\" in ref:
            plan = self._plan_file(path)
        else:
            plan = None
            if self.store is not None:
                with contextlib.suppress(NotFoundError):
                    plan = self.store.plan(ref)
            if plan is None and self.files:
                plan = self.dataset.plans.get(ref)
            if plan is None:
                known = [p.plan_id for p in self.plans_for(learner)]
                hint = f" {learner.name}'s plans: {', '.join(known)}." if known else ""
                raise UserError(f"There is no plan {ref!r} in {self.where}.{hint}")
        if plan.learner_id != learner.learner_id:
            raise UserError(f"Plan {plan.plan_id!r} ({plan.name}) is for learner "
                            f"{plan.learner_id!r}, not {learner.learner_id!r} ({learner.name}).")
        return plan

    def _plan_file(self, path: Path) -> Plan:
        from ..formats.datadir import read_plan_file

        if not path.is_file():
            raise UserError(f"There is no plan file {path}.")
        return read_plan_file(path, self.dataset.catalogue, self.learners())


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Load the data directory and open the store the options ask for (see ``STORE_HELP``)."""
    data_dir = _data_dir(args.data)
    dataset = _load(data_dir)
    if args.db is not None:
        path = Path(args.db).expanduser()
        if not path.is_file():
            raise UserError(f"There is no local store at {path} (the app creates one when it is "
                            "first served with --db).")
        return Workspace(data_dir, dataset, Store(path), files=False)
    if args.no_store:
        return Workspace(data_dir, dataset)
    path = default_db_path(data_dir)
    return Workspace(data_dir, dataset, Store(path) if path.is_file() else None)


def _data_dir(value) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise UserError(f"There is no data directory at {path}.")
    return path.resolve()


def _load(data_dir: Path) -> Dataset:
    from ..formats.datadir import DataError, load_dataset

    try:
        return load_dataset(data_dir)
    except DataError as err:
        problems = list(getattr(err, "problems", []))
        first = f" First: {_problem_line(problems[0])}." if problems else ""
        raise UserError(f"The data in {data_dir} does not load ({len(problems)} problem"
                        f"{'' if len(problems) == 1 else 's'}); run `{PROG} validate {data_dir}`"
                        f" to see them all.{first}") from err


def _learner_and_plans(args, refs) -> tuple[Workspace, Learner, list[Plan]]:
    """The workspace, ``--learner`` and the plans ``refs`` name (all of theirs when empty)."""
    ws = open_workspace(args)
    try:
        learner = ws.learner(args.learner)
        plans = [ws.plan(ref, learner) for ref in refs] if refs else ws.plans_for(learner)
    finally:
        ws.close()
    return ws, learner, plans


def _problem_line(p) -> str:
    return str(p)


# ---- validate --------------------------------------------------------------------------------
def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check a data directory against the data format",
                       description="Check a data directory against docs/data-format.md. Exit 0 "
                       "when valid, 1 listing every problem as file:line:column: message.")
    p.add_argument("directory", nargs="?", metavar="DIR",
                   help="the data directory (default: --data, else the built-in sample data)")


def _dir_words(data_dir: Path) -> str:
    """How a data directory is named in one-line messages."""
    same = data_dir.resolve() == SAMPLE_DATA.resolve()
    return "the built-in sample data" if same else data_dir.name


def run_validate(args) -> int:
    from ..formats.datadir import DataError, load_dataset

    data_dir = _data_dir(args.directory if args.directory is not None else args.data)
    try:
        dataset = load_dataset(data_dir)
    except DataError as err:
        problems = list(err.problems)
        if args.json:
            print_json({"directory": str(data_dir), "valid": False, "problems": [
                {"file": p.file, "line": p.line, "field": p.field, "column": p.field,
                 "message": p.message}
                for p in problems]})
        else:
            for p in problems:
                print(_problem_line(p))
            print(f"{_dir_words(data_dir)}: {len(problems)} problem{'' if len(problems) == 1 else 's'}",
                  file=sys.stderr)
        return 1
    cat = dataset.catalogue
    counts = {"competencies": len(cat.competencies), "providers": len(cat.providers),
              "opportunities": len(cat.opportunities), "sections": len(cat.sections),
              "learners": len(dataset.learners), "plans": len(dataset.plans)}
    if args.json:
        print_json({"directory": str(data_dir), "valid": True, "counts": counts, "problems": []})
    else:
        print(f"{_dir_words(data_dir)}: valid — "
              + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


# ---- check -----------------------------------------------------------------------------------
def _add_learner_plan(p, many: bool = False) -> None:
    p.add_argument("--learner", required=True, metavar="ID", help="the learner's id")
    if many:
        p.add_argument("--plan", action="append", metavar="PLAN", default=None,
                       help="a plan id or a plan .json file; repeat for each plan "
                       "(default: every plan of the learner)")
    else:
        p.add_argument("--plan", required=True, metavar="PLAN",
                       help="a plan id or a path to a plan .json file")


def _add_check(sub) -> None:
    p = sub.add_parser("check", help="what would break a plan (time, travel, money, ...)",
                       description="List what would break a plan for a learner, with what to do "
                       "about it. Exit 0 once checked, even when the plan does not fit (use "
                       "--strict to exit 1 then).", epilog=STORE_HELP)
    _add_learner_plan(p)
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the plan has problems (for scripts)")


def run_check(args) -> int:
    from ..domain.feasibility import KIND_TITLES, check_plan

    ws, learner, (plan,) = _learner_and_plans(args, [args.plan])
    problems = check_plan(ws.dataset.catalogue, learner, plan.sections)
    if args.json:
        print_json({"learner_id": learner.learner_id, "plan_id": plan.plan_id,
                    "plan_name": plan.name, "feasible": not problems,
                    "problems": [p.to_dict() for p in problems]})
    else:
        head = f"{plan.name} ({plan.plan_id}) for {learner.name}"
        if not problems:
            print(f"{head} fits: nothing found that would break it.")
        else:
            n = len(problems)
            print(f"{head}: {n} problem{'' if n == 1 else 's'} would break this plan.")
            for i, p in enumerate(problems, 1):
                print(f"\n{i}. {KIND_TITLES.get(p.kind, p.kind)}: {p.message}")
                if p.fix:
                    print(f"   What to do: {p.fix}")
    return 1 if (args.strict and problems) else 0


# ---- project ---------------------------------------------------------------------------------
def _add_project(sub) -> None:
    p = sub.add_parser("project", help="projected competency levels and credits under a plan",
                       description="Project where a learner is likely to be at the end of the "
                       "year under a plan: per competency (those the plan works on or a goal "
                       "names; every competency with --json), goals, and the plan's totals.",
                       epilog=STORE_HELP)
    _add_learner_plan(p)


def _touched(catalogue, plan: Plan) -> set[str]:
    """Competencies the plan's sections are aligned to."""
    table = catalogue.section_table
    opps = table.loc[table.index.intersection(plan.sections), "opportunity_id"]
    al = catalogue.alignments
    return set(al.loc[al["opportunity_id"].isin(set(opps)), "competency_id"])


def _percent(p) -> str:
    if not _finite(p):
        return "—"
    # never round a real chance to a certainty, or a small chance to none
    if 0.995 <= p < 1:
        return "over 99%"
    if 0 < p < 0.005:
        return "under 1%"
    return f"{100 * p:.0f}%"


def _date_words(d) -> str:
    if d is None or (isinstance(d, float) and math.isnan(d)) or d is pd.NaT:
        return "not this year"
    d = pd.Timestamp(d)
    return f"{d:%B} {d.day}, {d.year}"


def run_project(args) -> int:
    from ..domain.ledger import plan_ledger
    from ..domain.projection import project

    ws, learner, (plan,) = _learner_and_plans(args, [args.plan])
    catalogue = ws.dataset.catalogue
    projection = project(catalogue, learner, plan.sections)
    summary = projection.summary()
    ledger = plan_ledger(catalogue, learner, plan, projection)
    if args.json:
        print_json({"learner_id": learner.learner_id, "plan_id": plan.plan_id,
                    "plan_name": plan.name, "competencies": summary,
                    "goals": projection.goals, "totals": ledger})
        return 0
    wanted = _touched(catalogue, plan) | {g.competency_id for g in learner.goals}
    rows = summary[summary["competency_id"].isin(wanted)]
    print(f"{plan.name} ({plan.plan_id}) for {learner.name}: where {learner.name} is likely to "
          "be by the end of the year")
    if rows.empty:
        print("\nThis plan does not work on any competency yet, and there are no goals.")
    else:
        table = pd.DataFrame({
            "Competency": rows["name"].astype(str),
            "Now": rows["current_level"].map(level_word),
            "Likely by the end": [f"{level_word(x)} ({x:.1f})" for x in rows["expected_end"]],
            "Chance of Proficient": rows["p_proficient_end"].map(_percent),
            "Proficient by": rows["median_date_proficient"].map(_date_words),
        })
        print()
        print(table.to_string(index=False))
    goals = projection.goals
    if len(goals):
        print("\nGoals")
        for message in goals["message"]:
            print(f"  {message}")
    print("\nThe plan in numbers")
    for line in _ledger_lines(ledger):
        print(f"  {line}")
    return 0


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float | np.number) and bool(np.isfinite(x))


def _money(x) -> str:
    # whole dollars: families budget in dollars, and cents suggest a precision the model lacks
    return f"${x:,.0f}" if _finite(x) else "—"


def _number(x, digits: int = 1) -> str:
    if not _finite(x):
        return "—"
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _travel(minutes) -> str:
    if not _finite(minutes):
        return "—"
    return f"{minutes:.0f} minutes" if minutes < 60 else f"{minutes / 60:.1f} hours"


def _ledger_lines(ledger: dict) -> list[str]:
    """The plan's totals in words (lists and tables are left to --json)."""
    g = ledger.get
    out = []
    if "total_hours" in ledger:
        out.append(f"Hours in all: {_number(g('total_hours'), 0)}")
    if "hours_per_week" in ledger:
        busiest = f", {_number(g('max_hours_per_week'))} in the busiest week" \
            if "max_hours_per_week" in ledger else ""
        out.append(f"Hours a week: {_number(g('hours_per_week'))} on average{busiest}")
    if "travel_minutes_per_week" in ledger:
        out.append(f"Travel: {_travel(g('travel_minutes_per_week'))} a week")
    if "cost" in ledger:
        out.append(f"Cost: {_money(g('cost'))}")
    if "carnegie_units" in ledger:
        out.append(f"Seat time: {_number(g('carnegie_units'))} Carnegie units "
                   "(120 hours in class each)")
    if "expected_credits" in ledger:
        gained = f" ({_number(g('credits_gained'))} new)" if "credits_gained" in ledger else ""
        out.append(f"Competency credits expected by the end: "
                   f"{_number(g('expected_credits'))}{gained}")
    if "cost_per_credit" in ledger:
        per = g("cost_per_credit")
        out.append("Cost per new credit: " + (_money(per) if _finite(per)
                                               else "— (no new credit expected)"))
    shown = {"plan_id", "plan_name", "sections", "total_hours", "hours_per_week",
             "max_hours_per_week", "travel_minutes_per_week", "cost", "carnegie_units",
             "expected_credits", "credits_gained", "cost_per_credit", "carnegie_by_domain",
             "requirements", "goals"}
    for key, value in ledger.items():  # anything the ledger adds later, plainly
        if key not in shown and (_finite(value) or isinstance(value, str)):
            label = str(key).replace("_", " ").capitalize()
            out.append(f"{label}: {_number(value) if _finite(value) else value}")
    reqs = [r for r in g("requirements") or [] if _finite(r.get("probability_met"))
            and r["probability_met"] >= 0.005]
    if reqs:
        out.append("Chance of meeting a requirement:")
        out += [f"  {r['name']}: {_percent(r['probability_met'])}" for r in reqs]
    elif g("requirements"):
        out.append("Requirements: this plan alone is unlikely to meet any.")
    return out


COMPARE_ROWS = {
    "plan_id": "Plan id", "n_sections": "Sections", "total_hours": "Hours in all",
    "hours_per_week": "Hours a week (average)", "max_hours_per_week": "Hours in busiest week",
    "travel_minutes_per_week": "Travel a week", "cost": "Cost",
    "carnegie_units": "Carnegie units (seat time)", "expected_credits": "Credits expected",
    "credits_gained": "New credits", "cost_per_credit": "Cost per new credit",
}


def _compare_text(table: pd.DataFrame) -> str:
    """The comparison table turned for reading: one column per plan, values in words."""
    names = table["plan_name"].astype(str) if "plan_name" in table else table["plan_id"]
    headers = [n if len(n) <= 34 else n[:33] + "…" for n in names]
    if len(set(headers)) < len(headers):
        headers = [f"{h} ({pid})" for h, pid in zip(headers, table["plan_id"], strict=True)]
    rows, unlikely = {}, []
    for col in table.columns:
        if col == "plan_name":
            continue
        if col.startswith("requirement:") and not any(
                _finite(v) and v >= 0.005 for v in table[col]):
            unlikely.append(col.split(":", 1)[1].strip())
            continue
        values = table[col].tolist()
        if col in ("cost", "cost_per_credit"):
            cells = [_money(v) for v in values]
        elif col == "travel_minutes_per_week":
            cells = [_travel(v) for v in values]
        elif col.startswith(("requirement:", "goal:")):
            cells = [_percent(v) if _finite(v) else "—" for v in values]
        elif col == "n_sections":
            cells = [str(v) for v in values]
        else:
            cells = [_number(v) if _finite(v) else str(v) for v in values]
        if col.startswith("requirement:"):
            label = "Chance to meet " + col.split(":", 1)[1].strip()
        elif col.startswith("goal:"):
            label = "Chance of goal: " + col.split(":", 1)[1].strip()
        else:
            label = COMPARE_ROWS.get(col, col.replace("_", " ").capitalize())
        rows[label] = cells
    frame = pd.DataFrame(rows, index=headers).T
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        text = frame.to_string()
    if unlikely:
        text += "\n\nNo plan is likely to meet: " + "; ".join(unlikely) + "."
    return text


# ---- compare ---------------------------------------------------------------------------------
def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="several plans side by side",
                       description="Compare a learner's plans side by side: credits, goals, "
                       "hours, travel and cost.", epilog=STORE_HELP)
    _add_learner_plan(p, many=True)
    p.add_argument("--weekly", action="store_true",
                   help="with --json, add every plan's week-by-week levels (long)")


def run_compare(args) -> int:
    from ..domain.ledger import MAX_PLANS, MIN_PLANS, compare_plans

    ws, learner, plans = _learner_and_plans(args, args.plan)
    ids = [p.plan_id for p in plans]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise UserError(f"Plan {twice[0]!r} is given twice; compare different plans.")
    if not args.plan and len(plans) > MAX_PLANS:
        print(f"{PROG}: note: {learner.name} has {len(plans)} plans; comparing the first "
              f"{MAX_PLANS} (choose with --plan).", file=sys.stderr)
        plans = plans[:MAX_PLANS]
    if not MIN_PLANS <= len(plans) <= MAX_PLANS:
        raise UserError(f"Give {MIN_PLANS} to {MAX_PLANS} plans to compare (--plan A --plan B);"
                        f" got {len(plans)} for {learner.name} ({learner.learner_id}).")
    comparison = compare_plans(ws.dataset.catalogue, learner, plans)
    if args.json:
        full = comparison.to_dict()
        out = {"learner_id": learner.learner_id, "plans": [p.plan_id for p in plans],
               "table": full.get("table"), "heatmap": full.get("heatmap")}
        if args.weekly:
            out["trajectories"] = full.get("trajectories")
        print_json(out)
        return 0
    print(f"Plans for {learner.name}, side by side\n")
    print(_compare_text(comparison.table))
    return 0


# ---- serve -----------------------------------------------------------------------------------
def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="open the workbench app in a browser",
                       description="Serve the workbench app on this computer. Learners and plans "
                       "are saved as you go in a local SQLite file: --db PATH, else $WORKBENCH_DB, "
                       "else one file per data directory under your user data folder; it is "
                       "filled from the data directory the first time only. For the "
                       f"built-in sample data that file is {default_db_path(SAMPLE_DATA)}.")
    p.add_argument("--port", type=_port, default=5006, help="port (default 5006)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    p.add_argument("--show", action="store_true", help="open a browser tab")


def run_serve(args) -> int:
    from ..app import serve

    data_dir = _data_dir(args.data)
    if args.address not in ("127.0.0.1", "localhost", "::1"):
        print(f"{PROG}: note: listening on {args.address}: others on the network can open the "
              "app and see learners' data.", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        serve(data_dir=data_dir, port=args.port, address=args.address, show=args.show,
              db_path=Path(args.db).expanduser() if args.db else None)
    return 0


# ---- the parser ------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Mistakes as one line (not usage + error); SystemExit is turned into a return by main."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _common_options(parser: argparse.ArgumentParser, top: bool) -> None:
    # on subcommands the defaults are SUPPRESS so an option given before the command is kept
    d = (lambda v: v) if top else (lambda _v: argparse.SUPPRESS)
    parser.add_argument("--data", metavar="DIR", default=d(str(SAMPLE_DATA)),
                        help="the data directory (default: the built-in sample data)")
    parser.add_argument("--json", action="store_true", default=d(False),
                        help="print JSON instead of text")
    parser.add_argument("--db", metavar="PATH", default=d(None),
                        help="the local store file to use for learners and plans")
    parser.add_argument("--no-store", action="store_true", default=d(False),
                        help="ignore the local store: learners and plans only from the files")


class _CommandParser(_Parser):
    """A subcommand's parser: gets the common options, which may also come after the command."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("conflict_handler", "resolve")
        super().__init__(*args, **kwargs)
        _common_options(self, top=False)


BUILTIN: dict[str, tuple[Callable, Callable]] = {
    "validate": (_add_validate, run_validate),
    "check": (_add_check, run_check),
    "project": (_add_project, run_project),
    "compare": (_add_compare, run_compare),
    "serve": (_add_serve, run_serve),
}


def _extension(module_path: str):
    """The extension module; None when it is not there (yet) or defines no command.

    A module that fails to import is returned as the exception, so that one broken extension
    cannot stop ``workbench validate`` and the rest from working.
    """
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as err:
        if err.name and (module_path == err.name or module_path.startswith(err.name + ".")):
            return None
        return err
    except Exception as err:
        return err
    if not (hasattr(module, "add_parser") and hasattr(module, "run")):
        return None
    return module


def _unavailable(name: str, err: Exception) -> Callable:
    def run(_args) -> int:
        raise UserError(f"`{PROG} {name}` is not available: {type(err).__name__}: {err}")

    return run


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable]]:
    """The argument parser and the function that runs each command."""
    parser = _Parser(prog=PROG, description="Anywhere Learning Workbench: check and compare "
                     "learners' plans, and serve the planning app.", epilog=STORE_HELP + " Exit "
                     "status: 0 done, 1 problems found (validate; check --strict), 2 a mistake in "
                     "the command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    runners: dict[str, Callable] = {}
    for name, (add, run) in BUILTIN.items():
        add(sub)
        runners[name] = run
    for name, module_path in EXTENSIONS:
        module = _extension(module_path)
        if isinstance(module, Exception):
            stub = sub.add_parser(name, help="(not available: run it to see why)")
            stub.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            runners[name] = _unavailable(name, module)
        elif module is not None:
            module.add_parser(sub)
            runners[name] = module.run
    for name, run in runners.items():
        # dispatch on a default rather than on args.command, which a nested subcommand
        # (``workbench import case``) may reuse as its own dest
        if name in sub.choices:
            sub.choices[name].set_defaults(_workbench_run=run)
    return parser, runners


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print_json({"error": message})
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``workbench`` command; returns the exit status."""
    from ..formats.report import DataError

    parser, runners = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a mistake already reported in one line
        return exc.code if isinstance(exc.code, int) else 2
    run = getattr(args, "_workbench_run", None) or runners.get(args.command)
    if run is None:
        parser.print_help()
        return 2
    as_json = bool(getattr(args, "json", False))
    try:
        return int(run(args) or 0)
    except UserError as err:
        return _fail(str(err), as_json)
    except DataError as err:  # a plan file or data that does not follow the format
        problems = list(getattr(err, "problems", []))
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return _fail(_problem_line(problems[0]) + more, as_json)
        return _fail(str(err).splitlines()[0] if str(err) else "invalid data", as_json)
    except NotFoundError as err:
        return _fail(str(err), as_json)
    except json.JSONDecodeError as err:
        return _fail(f"not valid JSON: {err}", as_json)
    except BrokenPipeError:  # output piped into `head`: stop quietly, like other commands
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as err:  # a missing, unreadable or locked file
        name = f"{err.filename}: " if getattr(err, "filename", None) else ""
        return _fail(f"{name}{err.strerror or err}", as_json)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
