"""``workbench suggest``: the plans that give a learner the best chance of their goals.

Registered in ``workbench.cli.core.EXTENSIONS``. Top-level imports stay light (``workbench
--help`` imports this module); the solver is imported when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

DESCRIPTION = (
    "Suggest up to --count plans (each different in at least one opportunity) that give a "
    "learner the largest expected number of goals reached by their dates, within their week, "
    "travel, budget, internet and devices; ties go to the cheaper plan, then to fewer hours. "
    "Each plan is checked like `workbench check` and says why it was chosen and whether it is "
    "proven best. For goals no plan makes likely, it says what stands in the way and the "
    "smallest change found that would help."
)

_BANNER_SHOWN = False


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``suggest`` subcommand to ``workbench``'s subparsers."""
    from .core import STORE_HELP

    p = subparsers.add_parser("suggest", help="suggest the best plans for a learner's goals",
                              description=DESCRIPTION, epilog=STORE_HELP)
    p.add_argument("--learner", required=True, metavar="ID", help="the learner's id")
    p.add_argument("--keep", action="extend", nargs="+", default=[], metavar="SECTION",
                   help="a section every suggestion must keep (repeat or list several)")
    p.add_argument("--exclude", action="extend", nargs="+", default=[], metavar="SECTION",
                   help="a section never to suggest (repeat or list several)")
    p.add_argument("--count", type=_count, default=3, metavar="N",
                   help="how many plans to suggest (default 3)")
    p.add_argument("--time-limit", type=_seconds, default=10.0, metavar="SECONDS",
                   help="stop searching after this long and say how far from proven the "
                   "plans are (default 10)")
    p.add_argument("--no-explain", action="store_true",
                   help="do not work out what stands in the way of unlikely goals")
    return p


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= n <= 10:
        raise argparse.ArgumentTypeError(f"{n} plans: give 1 to 10")
    return n


def _seconds(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < x <= 3600:
        raise argparse.ArgumentTypeError(f"{text} seconds: give more than 0, at most 3600")
    return x


def quiet_solver_banner() -> None:
    """HiGHS prints a licence banner on stdout the first time a solver is made in a process;
    make that first solver with stdout pointed at /dev/null so ``--json`` output stays JSON."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    import highspy

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded): nothing to protect
        highspy.Highs()
        _BANNER_SHOWN = True
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                highspy.Highs()
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)
    _BANNER_SHOWN = True


def run(args) -> int:
    from ..domain.suggest import suggest_plans
    from .core import UserError, open_workspace, print_json

    ws = open_workspace(args)
    try:
        learner = ws.learner(args.learner)
    finally:
        ws.close()
    catalogue = ws.dataset.catalogue
    table = catalogue.section_table
    for option, ids in (("--keep", args.keep), ("--exclude", args.exclude)):
        for sid in ids:
            if sid not in table.index:
                raise UserError(f"There is no section {sid!r} in {ws.data_dir.name} ({option}).")
    both = sorted(set(args.keep) & set(args.exclude))
    if both:
        raise UserError(f"Section {both[0]!r} is given to both --keep and --exclude.")
    quiet_solver_banner()
    result = suggest_plans(catalogue, learner, keep=args.keep, exclude=args.exclude,
                           count=args.count, time_limit=args.time_limit,
                           explain=not args.no_explain)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(_text(result, learner, catalogue))
    return 0


def _text(result, learner, catalogue) -> str:
    """The suggestions for reading in a terminal."""
    lines = []
    n_goals = len(learner.goals)
    head = (f"Suggested plans for {learner.name} ({learner.learner_id}): {n_goals} goal"
            f"{'' if n_goals == 1 else 's'}; chosen from {result.candidates} of "
            f"{result.sections_in_catalogue} sections in {result.seconds:.1f} s")
    lines.append(head + ".")
    if result.kept:
        lines.append("Kept: " + ", ".join(result.kept) + ".")
    for note in result.notes:
        lines.append(note)
    if not result.plans:
        lines.append("\nNo plan to suggest" + (
            ": nothing in the catalogue that fits would help a goal." if result.status in
            ("no_candidates", "proven") else "."))
    for plan in result.plans:
        lines.append(f"\n{plan.rank}. {plan.summary}")
        lines.append("   Sections: " + " ".join(plan.sections))
        for line in plan.why:
            lines.append(f"   - {line}")
        for goal in plan.goals:
            lines.append(f"   * {goal['message']}")
    if result.status == "time_limit":
        lines.append("\nThe search stopped at the time limit (--time-limit) before it could "
                     "prove these are the best.")
    if result.obstacles:
        lines.append("\nWhat stands in the way")
        for ob in result.obstacles:
            lines.append(f"- {ob.message}")
    with contextlib.suppress(Exception):
        del catalogue
    return "\n".join(lines)
