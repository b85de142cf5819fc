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
from ..domain.dataset import PROFICIENT, Dataset, Learner, Plan
from ..domain.words import ENGLISH, N_, Words, possessive
from ..i18n import (
    SOURCE_LANGUAGE,
    Translator,
    available_languages,
    language_for,
    language_from_environment,
    text_of,
)
from ..store import NotFoundError, Store, StoreError, default_db_path

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
    ("calibrate", "workbench.cli.calibrate"),
    ("suggest", "workbench.cli.suggest"),
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
    words: Words = ENGLISH  # the language of its messages

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    @property
    def where(self) -> str:
        _ = self.words.gettext
        parts = [self.data_dir.name] if self.files else []
        if self.store is not None:
            parts.append(_("the local store {path}").format(path=self.store.path))
        return self.words.join(parts, "or")

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
        _ = self.words.gettext
        known = sorted(self.learners())
        hint = " " + _("Known learners: {ids}.").format(
            ids=", ".join(known[:8]) + (", ..." if len(known) > 8 else "")) if known else ""
        raise UserError(_("There is no learner {id} in {where}.").format(
            id=repr(learner_id), where=self.where) + hint)

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
        _ = self.words.gettext
        if plan is None:
            known = [p.plan_id for p in self.plans_for(learner)]
            # TRANSLATORS: {name_s} is the English possessive ("Maya's"); use {name}.
            hint = " " + _("{name_s} plans: {ids}.").format(
                name=learner.name, name_s=possessive(learner.name),
                ids=", ".join(known)) if known else ""
            raise UserError(_("There is no plan {id} in {where}.").format(
                id=repr(ref), where=self.where) + hint)
        if plan.learner_id != learner.learner_id:
            raise UserError(_("Plan {id} ({plan}) is for learner {owner}, not {learner} "
                              "({name}).").format(id=repr(plan.plan_id), plan=plan.name,
                                                  owner=repr(plan.learner_id),
                                                  learner=repr(learner.learner_id),
                                                  name=learner.name))
        return plan

    def _plan_file(self, path: Path) -> Plan:
        from ..formats.datadir import read_plan_file

        if not path.is_file():
            raise UserError(self.words.gettext("There is no plan file {path}.").format(path=path))
        return read_plan_file(path, self.dataset.catalogue, self.learners())


def cli_words(args: argparse.Namespace, learner: Learner | None = None) -> Translator:
    """The language of the human-readable output: ``--lang``; else the learner's family
    language, when there is a catalogue for it; else the terminal's (``LANG``)."""
    chosen = getattr(args, "lang", None)
    if chosen:
        return Translator(chosen)
    if learner is not None and learner.language:
        family = language_for(learner.language)
        # a family language without a catalogue falls through to the terminal's
        if family != SOURCE_LANGUAGE or learner.language.lower().startswith(SOURCE_LANGUAGE):
            return Translator(family)
    return Translator(language_from_environment())


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Load the data directory and open the store the options ask for (see ``STORE_HELP``)."""
    words = cli_words(args)
    _ = words.gettext
    data_dir = _data_dir(args.data, words)
    dataset = _load(data_dir, words)
    if args.db is not None:
        path = Path(args.db).expanduser()
        if not path.is_file():
            raise UserError(_("There is no local store at {path} (the app creates one when it "
                              "is first served with --db).").format(path=path))
        return Workspace(data_dir, dataset, Store(path), files=False, words=words)
    if args.no_store:
        return Workspace(data_dir, dataset, words=words)
    path = default_db_path(data_dir)
    return Workspace(data_dir, dataset, Store(path) if path.is_file() else None, words=words)


def _data_dir(value, words: Words = ENGLISH) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise UserError(words.gettext("There is no data directory at {path}.").format(path=path))
    return path.resolve()


def _load(data_dir: Path, words: Words = ENGLISH) -> Dataset:
    from ..formats.datadir import DataError, load_dataset

    try:
        return load_dataset(data_dir)
    except DataError as err:
        problems = list(getattr(err, "problems", []))
        n = len(problems)
        text = words.ngettext(
            "The data in {dir} does not load ({n} problem); run `{command}` to see them all.",
            "The data in {dir} does not load ({n} problems); run `{command}` to see them all.",
            n).format(dir=data_dir, n=n, command=f"{PROG} validate {data_dir}")
        if problems:
            text += " " + words.gettext("First: {problem}.").format(
                problem=_problem_line(problems[0]))
        raise UserError(text) from err


def _learner_and_plans(args, refs) -> tuple[Workspace, Learner, list[Plan]]:
    """The workspace, ``--learner`` and the plans ``refs`` name (all of theirs when empty).

    The workspace's ``words`` are then the learner's (see ``cli_words``).
    """
    ws = open_workspace(args)
    try:
        learner = ws.learner(args.learner)
        ws.words = cli_words(args, learner)
        plans = [ws.plan(ref, learner) for ref in refs] if refs else ws.plans_for(learner)
    finally:
        ws.close()
    return ws, learner, plans


def _problem_line(p, words: Words = ENGLISH) -> str:
    """``file:line:field: message``, the message in the reader's language."""
    return text_of(p, words)


PARAMETERS_HELP = ("a model parameters file (JSON or YAML) written by `workbench calibrate` or "
                   "by hand; default: the built-in defaults (docs/model.md)")


def add_parameters_option(p) -> None:
    """``--parameters FILE`` (project, compare, serve, batch)."""
    p.add_argument("--parameters", metavar="FILE", default=None, help=PARAMETERS_HELP)


def model_parameters(args):
    """The ``ModelParameters`` that ``--parameters FILE`` names (the defaults without it).

    A file with problems raises ``DataError`` (shown as its first file:line:key problem).
    """
    from ..domain.projection import DEFAULT_PARAMETERS

    path = getattr(args, "parameters", None)
    if not path:
        return DEFAULT_PARAMETERS
    from ..formats.parameters import read_parameters

    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"There is no parameters file at {file}.")
    return read_parameters(file).parameters


# ---- validate --------------------------------------------------------------------------------
def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check a data directory against the data format",
                       description="Check a data directory against docs/data-format.md. Exit 0 "
                       "when valid, 1 listing every problem as file:line:column: message.")
    p.add_argument("directory", nargs="?", metavar="DIR",
                   help="the data directory (default: --data, else the built-in sample data)")


def _dir_words(data_dir: Path, words: Words = ENGLISH) -> str:
    """How a data directory is named in one-line messages."""
    same = data_dir.resolve() == SAMPLE_DATA.resolve()
    return words.gettext("the built-in sample data") if same else data_dir.name


#: ``validate`` lists at most this many problems, then a count (a broken 100 MB file once printed
#: four million lines).
MAX_PROBLEMS_SHOWN = 200


def run_validate(args) -> int:
    from ..formats.datadir import DataError, load_dataset

    words = cli_words(args)
    data_dir = _data_dir(args.directory if args.directory is not None else args.data, words)
    try:
        dataset = load_dataset(data_dir)
    except DataError as err:
        problems = list(err.problems)
        if args.json:
            print_json({"directory": str(data_dir), "valid": False,
                        "problem_count": len(problems), "problems": [
                {"file": p.file, "line": p.line, "field": p.field, "column": p.field,
                 "message": p.message}
                for p in problems[:MAX_PROBLEMS_SHOWN]]})
        else:
            for p in problems[:MAX_PROBLEMS_SHOWN]:
                print(_problem_line(p, words))
            if len(problems) > MAX_PROBLEMS_SHOWN:
                more = len(problems) - MAX_PROBLEMS_SHOWN
                print(words.ngettext(
                    "... and {n} more problem (the first {shown} are shown; fix these and run "
                    "again)", "... and {n} more problems (the first {shown} are shown; fix "
                    "these and run again)", more).format(n=words.number(more),
                                                         shown=MAX_PROBLEMS_SHOWN))
            n = len(problems)
            print(words.ngettext("{dir}: {n} problem", "{dir}: {n} problems", n).format(
                dir=_dir_words(data_dir, words), n=n), file=sys.stderr)
        return 1
    cat = dataset.catalogue
    counts = {"competencies": len(cat.competencies), "providers": len(cat.providers),
              "opportunities": len(cat.opportunities), "sections": len(cat.sections),
              "learners": len(dataset.learners), "plans": len(dataset.plans)}
    if args.json:
        print_json({"directory": str(data_dir), "valid": True, "counts": counts, "problems": []})
    else:
        # the plural forms are written out so pybabel finds them
        plural = {
            "competencies": lambda n: words.ngettext("{n} competency", "{n} competencies", n),
            "providers": lambda n: words.ngettext("{n} provider", "{n} providers", n),
            "opportunities": lambda n: words.ngettext("{n} opportunity", "{n} opportunities", n),
            "sections": lambda n: words.ngettext("{n} section", "{n} sections", n),
            "learners": lambda n: words.ngettext("{n} learner", "{n} learners", n),
            "plans": lambda n: words.ngettext("{n} plan", "{n} plans", n),
        }
        print(words.gettext("{dir}: valid — {counts}").format(
            dir=_dir_words(data_dir, words), counts=", ".join(
                plural[k](n).format(n=words.integer(n)) for k, n in counts.items())))
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
    from ..domain.feasibility import check_plan, problem_text

    ws, learner, (plan,) = _learner_and_plans(args, [args.plan])
    problems = check_plan(ws.dataset.catalogue, learner, plan.sections)
    if args.json:
        print_json({"learner_id": learner.learner_id, "plan_id": plan.plan_id,
                    "plan_name": plan.name, "feasible": not problems,
                    "problems": [p.to_dict() for p in problems]})
    else:
        w = ws.words
        head = w.gettext("{plan} ({id}) for {name}").format(plan=plan.name, id=plan.plan_id,
                                                            name=learner.name)
        if not problems:
            print(w.gettext("{head} fits: nothing found that would break it.").format(
                head=head))
        else:
            n = len(problems)
            print(w.ngettext("{head}: {n} problem would break this plan.",
                             "{head}: {n} problems would break this plan.", n).format(
                head=head, n=n))
            for i, p in enumerate(problems, 1):
                text = problem_text(p, w)
                print(f"\n{i}. {text.title}: {text.message}")
                if text.fix:
                    print("   " + w.gettext("What to do: {fix}").format(fix=text.fix))
    return 1 if (args.strict and problems) else 0


# ---- project ---------------------------------------------------------------------------------
def _add_project(sub) -> None:
    p = sub.add_parser("project", help="projected competency levels and credits under a plan",
                       description="Project where a learner is likely to be at the end of the "
                       "year under a plan: per competency (those the plan works on or a goal "
                       "names; every competency with --json), goals, and the plan's totals.",
                       epilog=STORE_HELP)
    _add_learner_plan(p)
    add_parameters_option(p)


def _touched(catalogue, plan: Plan) -> set[str]:
    """Competencies the plan's sections are aligned to."""
    table = catalogue.section_table
    opps = table.loc[table.index.intersection(plan.sections), "opportunity_id"]
    al = catalogue.alignments
    return set(al.loc[al["opportunity_id"].isin(set(opps)), "competency_id"])


def _date_words(d, w: Words) -> str:
    if d is None or (isinstance(d, float) and math.isnan(d)) or d is pd.NaT:
        return w.gettext("not this year")
    return w.date(d)


def run_project(args) -> int:
    from ..domain.ledger import plan_ledger
    from ..domain.projection import project

    params = model_parameters(args)
    ws, learner, (plan,) = _learner_and_plans(args, [args.plan])
    catalogue = ws.dataset.catalogue
    projection = project(catalogue, learner, plan.sections, params)
    summary = projection.summary()
    ledger = plan_ledger(catalogue, learner, plan, projection, params)
    if args.json:
        print_json({"learner_id": learner.learner_id, "plan_id": plan.plan_id,
                    "plan_name": plan.name, "competencies": summary,
                    "goals": projection.goals, "totals": ledger})
        return 0
    w = ws.words
    _ = w.gettext
    wanted = _touched(catalogue, plan) | {g.competency_id for g in learner.goals}
    rows = summary[summary["competency_id"].isin(wanted)]
    print(_("{plan} ({id}) for {name}: where {name} is likely to be by the end of the "
            "year").format(plan=plan.name, id=plan.plan_id, name=learner.name))
    if rows.empty:
        print("\n" + _("This plan does not work on any competency yet, and there are no goals."))
    else:
        proficient = w.level(PROFICIENT)
        table = pd.DataFrame({
            w.pgettext("table heading", "Competency"): rows["name"].astype(str),
            w.pgettext("table heading", "Now"): rows["current_level"].map(w.level),
            w.pgettext("table heading", "Likely by the end"): [
                f"{w.level(x)} ({w.number(x, 1)})" for x in rows["expected_end"]],
            _("Chance of {level}").format(level=proficient): [
                w.chance_span(p, lo, hi) for p, lo, hi in zip(
                    rows["p_proficient_end"], rows["p_proficient_end_low"],
                    rows["p_proficient_end_high"], strict=True)],
            _("{level} by").format(level=proficient):
                rows["median_date_proficient"].map(lambda d: _date_words(d, w)),
        })
        print()
        print(table.to_string(index=False))
    goals = projection.goals
    if len(goals):
        print("\n" + _("Goals"))
        for _i, row in goals.iterrows():
            sentence = w.goal_sentence(row["name"], row["target_level"], row["by"],
                                       row["current_level"], row["probability"],
                                       row["probability_low"], row["probability_high"])
            print(f"  {sentence}")
    print("\n" + _("The plan in numbers"))
    for line in _ledger_lines(ledger, w):
        print(f"  {line}")
    return 0


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float | np.number) and bool(np.isfinite(x))


def _ledger_lines(ledger: dict, w: Words = ENGLISH) -> list[str]:
    """The plan's totals in words (lists and tables are left to --json)."""
    _ = w.gettext
    g = ledger.get
    out = []
    if "total_hours" in ledger:
        out.append(_("Hours in all: {hours}").format(hours=w.number(g("total_hours"), 0)))
    if "hours_per_week" in ledger:
        average = w.number(g("hours_per_week"))
        if "max_hours_per_week" in ledger:
            out.append(_("Hours a week: {average} on average, {most} in the busiest week").format(
                average=average, most=w.number(g("max_hours_per_week"))))
        else:
            out.append(_("Hours a week: {average} on average").format(average=average))
    if "travel_minutes_per_week" in ledger:
        out.append(_("Travel: {duration} a week").format(
            duration=w.duration(g("travel_minutes_per_week"))))
    if "cost" in ledger:
        out.append(_("Cost: {amount}").format(amount=w.money(g("cost"))))
    if "carnegie_units" in ledger:
        out.append(w.ngettext("Seat time: {units} Carnegie unit (120 hours in class each)",
                              "Seat time: {units} Carnegie units (120 hours in class each)",
                              w.plural(g("carnegie_units"))).format(
            units=w.number(g("carnegie_units"))))
    if "expected_credits" in ledger:
        credits = w.number(g("expected_credits"))
        span = w.number_range(g("expected_credits_low"), g("expected_credits_high"))
        if "credits_gained" in ledger and span:
            out.append(_("Competency credits expected by the end: {credits} ({new} new), "
                         "{range}").format(credits=credits, new=w.number(g("credits_gained")),
                                           range=span))
        elif "credits_gained" in ledger:
            out.append(_("Competency credits expected by the end: {credits} ({new} new)").format(
                credits=credits, new=w.number(g("credits_gained"))))
        else:
            out.append(_("Competency credits expected by the end: {credits}").format(
                credits=credits))
    if "cost_per_credit" in ledger:
        per = g("cost_per_credit")
        out.append(_("Cost per new credit: {amount}").format(amount=w.money(per, estimate=True))
                   if _finite(per) else _("Cost per new credit: — (no new credit expected)"))
    shown = {"plan_id", "plan_name", "sections", "total_hours", "hours_per_week",
             "max_hours_per_week", "travel_minutes_per_week", "cost", "carnegie_units",
             "expected_credits", "expected_credits_low", "expected_credits_high",
             "credits_gained", "cost_per_credit", "carnegie_by_domain",
             "requirements", "goals"}
    for key, value in ledger.items():  # anything the ledger adds later, plainly
        if key not in shown and (_finite(value) or isinstance(value, str)):
            label = str(key).replace("_", " ").capitalize()
            out.append(f"{label}: {w.number(value) if _finite(value) else value}")
    reqs = [r for r in g("requirements") or [] if _finite(r.get("probability_met"))
            and r["probability_met"] >= 0.005]
    if reqs:
        out.append(_("Chance of meeting a requirement:"))
        out += [f"  {r['name']}: " + w.chance_span(r["probability_met"],
                                                   r.get("probability_met_low"),
                                                   r.get("probability_met_high"))
                for r in reqs]
    elif g("requirements"):
        out.append(_("Requirements: this plan alone is unlikely to meet any."))
    return out


#: Columns of the comparison that hold another column's 80% interval.
RANGE_COLUMNS = ("goal_low:", "goal_high:", "requirement_low:", "requirement_high:",
                 "expected_credits_low", "expected_credits_high")

#: The rows of the comparison, in English; shown through the catalogue.
COMPARE_ROWS = {
    "plan_id": N_("Plan id"), "n_sections": N_("Sections"), "total_hours": N_("Hours in all"),
    "hours_per_week": N_("Hours a week (average)"),
    "max_hours_per_week": N_("Hours in busiest week"),
    "travel_minutes_per_week": N_("Travel a week"), "cost": N_("Cost"),
    "carnegie_units": N_("Carnegie units (seat time)"), "expected_credits": N_("Credits expected"),
    "credits_gained": N_("New credits"), "cost_per_credit": N_("Cost per new credit"),
}


def _compare_text(table: pd.DataFrame, w: Words = ENGLISH) -> str:
    """The comparison table turned for reading: one column per plan, values in words."""
    _ = w.gettext
    names = table["plan_name"].astype(str) if "plan_name" in table else table["plan_id"]
    headers = [n if len(n) <= 34 else n[:33] + "…" for n in names]
    if len(set(headers)) < len(headers):
        headers = [f"{h} ({pid})" for h, pid in zip(headers, table["plan_id"], strict=True)]
    rows, unlikely = {}, []
    for col in table.columns:
        if col == "plan_name" or col.startswith(RANGE_COLUMNS):
            continue  # a range is shown with its chance or number
        if col.startswith("requirement:") and not any(
                _finite(v) and v >= 0.005 for v in table[col]):
            unlikely.append(col.split(":", 1)[1].strip())
            continue
        values = table[col].tolist()
        if col == "cost":
            cells = [w.money(v) for v in values]
        elif col == "cost_per_credit":
            cells = [w.money(v, estimate=True) for v in values]
        elif col == "travel_minutes_per_week":
            cells = [w.duration(v) for v in values]
        elif col.startswith(("requirement:", "goal:")):
            kind, name = col.split(":", 1)
            low, high = (table.get(f"{kind}_{end}:{name}", pd.Series([None] * len(table)))
                         .tolist() for end in ("low", "high"))
            cells = [w.chance_span(v, lo, hi)
                     for v, lo, hi in zip(values, low, high, strict=True)]
        elif col == "expected_credits":
            low, high = (table.get(f"expected_credits_{end}", pd.Series([None] * len(table)))
                         .tolist() for end in ("low", "high"))
            cells = [w.number_span(v, lo, hi) for v, lo, hi in zip(values, low, high,
                                                                    strict=True)]
        elif col == "n_sections":
            cells = [str(v) for v in values]
        else:
            cells = [w.number(v) if _finite(v) else str(v) for v in values]
        if col.startswith("requirement:"):
            label = _("Chance to meet {requirement}").format(
                requirement=col.split(":", 1)[1].strip())
        elif col.startswith("goal:"):
            label = _("Chance of goal: {goal}").format(goal=col.split(":", 1)[1].strip())
        elif col in COMPARE_ROWS:
            label = _(COMPARE_ROWS[col])
        else:
            label = col.replace("_", " ").capitalize()
        rows[label] = cells
    frame = pd.DataFrame(rows, index=headers).T
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        text = frame.to_string()
    if unlikely:
        text += "\n\n" + _("No plan is likely to meet: {requirements}.").format(
            requirements="; ".join(unlikely))
    return text


# ---- compare ---------------------------------------------------------------------------------
def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="several plans side by side",
                       description="Compare a learner's plans side by side: credits, goals, "
                       "hours, travel and cost.", epilog=STORE_HELP)
    _add_learner_plan(p, many=True)
    add_parameters_option(p)
    p.add_argument("--weekly", action="store_true",
                   help="with --json, add every plan's week-by-week levels (long)")


def run_compare(args) -> int:
    from ..domain.ledger import MAX_PLANS, MIN_PLANS, compare_plans

    params = model_parameters(args)
    ws, learner, plans = _learner_and_plans(args, args.plan)
    ids = [p.plan_id for p in plans]
    _ = ws.words.gettext
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise UserError(_("Plan {id} is given twice; compare different plans.").format(
            id=repr(twice[0])))
    if not args.plan and len(plans) > MAX_PLANS:
        print(f"{PROG}: " + _("note: {name} has {n} plans; comparing the first {most} (choose "
                              "with --plan).").format(name=learner.name, n=len(plans),
                                                      most=MAX_PLANS), file=sys.stderr)
        plans = plans[:MAX_PLANS]
    if not MIN_PLANS <= len(plans) <= MAX_PLANS:
        raise UserError(_("Give {least} to {most} plans to compare (--plan A --plan B); got {n} "
                          "for {name} ({id}).").format(least=MIN_PLANS, most=MAX_PLANS,
                                                      n=len(plans), name=learner.name,
                                                      id=learner.learner_id))
    comparison = compare_plans(ws.dataset.catalogue, learner, plans, params)
    if args.json:
        full = comparison.to_dict()
        out = {"learner_id": learner.learner_id, "plans": [p.plan_id for p in plans],
               "table": full.get("table"), "heatmap": full.get("heatmap"),
               # each plan's goals: probability with probability_low / probability_high
               "goals": {pid: pr.goals for pid, pr in comparison.projections.items()}}
        if args.weekly:
            out["trajectories"] = full.get("trajectories")
        print_json(out)
        return 0
    print(_("Plans for {name}, side by side").format(name=learner.name) + "\n")
    print(_compare_text(comparison.table, ws.words))
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


def _num_procs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} is not a number of processes (0 or more)")
    return n


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="open the workbench app in a browser",
                       description="Serve the workbench app on this computer. Learners and plans "
                       "are saved as you go in a local SQLite file: --db PATH, else $WORKBENCH_DB, "
                       "else one file per data directory under your user data folder; it is "
                       "filled from the data directory the first time only. For the "
                       f"built-in sample data that file is {default_db_path(SAMPLE_DATA)}.")
    p.add_argument("--port", type=_port, default=5006, help="port (default 5006)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on: 127.0.0.1 (the default), ::1 or localhost. "
                   "Other addresses are refused until sign-in exists.")
    p.add_argument("--show", action="store_true", help="open a browser tab")
    p.add_argument("--num-procs", type=_num_procs, default=1, metavar="N",
                   help="serve from N processes sharing the port (0: one per core; default 1). "
                   "They share the store file; a save based on an old version is merged or "
                   "refused, whichever process made the other change.")
    add_parameters_option(p)


def run_serve(args) -> int:
    from ..app import serve

    data_dir = _data_dir(args.data)
    extra = {"parameters": model_parameters(args)} if getattr(args, "parameters", None) else {}
    if args.num_procs != 1:
        extra["num_procs"] = args.num_procs
    try:
        with contextlib.suppress(KeyboardInterrupt):
            serve(data_dir=data_dir, port=args.port, address=args.address, show=args.show,
                  db_path=Path(args.db).expanduser() if args.db else None, **extra)
    except ValueError as err:  # e.g. an address beyond this computer while there is no sign-in
        print(f"{PROG}: error: will not serve on {args.address}: {err}", file=sys.stderr)
        return 2
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
    parser.add_argument("--lang", metavar="LANG", default=d(None), type=_language,
                        help="the language of the text output: "
                        + ", ".join(available_languages()) + " (default: the learner's family "
                        "language, else $LANG)")


def _language(text: str) -> str:
    """``--lang``: a language there is a catalogue for (``es``, ``es-MX`` ...)."""
    lang = language_for(text)
    if lang == SOURCE_LANGUAGE and not text.lower().startswith(SOURCE_LANGUAGE):
        raise argparse.ArgumentTypeError(f"{text!r} is not one of the languages on offer "
                                         f"({', '.join(available_languages())})")
    return lang


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
        w = cli_words(args)
        problems = list(getattr(err, "problems", []))
        if problems:
            more = w.ngettext(" (and {n} more)", " (and {n} more)", len(problems) - 1).format(
                n=len(problems) - 1) if len(problems) > 1 else ""
            return _fail(_problem_line(problems[0], w) + more, as_json)
        return _fail(str(err).splitlines()[0] if str(err) else
                     cli_words(args).gettext("the data does not follow the format"), as_json)
    except NotFoundError as err:
        return _fail(text_of(err, cli_words(args)), as_json)
    except StoreError as err:  # the local store is busy, full or damaged: plain words, no SQL
        w = cli_words(args)
        where = w.gettext(" (local store: {path})").format(path=err.path) if err.path else ""
        return _fail(f"{err.text(w)}{where}", as_json)
    except json.JSONDecodeError as err:
        return _fail(cli_words(args).gettext("not valid JSON: {reason}").format(reason=err),
                     as_json)
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
