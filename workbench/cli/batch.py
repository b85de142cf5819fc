"""``workbench batch``: project a whole roster of learner-plans to Parquet, or write a roster.

Registered in ``workbench.cli.EXTENSIONS``. Top-level imports stay light (``workbench --help``
imports this module); numpy, pandas, pyarrow and Dask are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DESCRIPTION = (
    "Project every learner-plan of a roster file (CSV or Parquet; one row per learner-plan, "
    "columns in docs/data-format.md) against the catalogue in --data, and write the results to "
    "Parquet: one row per plan in --out, one row per practised competency beside it "
    "(OUT.competencies.parquet). A bad roster row is reported as file:line:column and left out; "
    "--strict stops instead. --scheduler runs the work on a Dask cluster. With --generate N, "
    "write a generated roster of N learners to --roster instead. With --suggest, also work "
    "out each learner's best suggested plan (as `workbench suggest` does), project it with the "
    "others (plan id S-<learner>-1), write OUT.suggestions.parquet (one row per learner) and "
    "say, by home zone, how many learners could reach every goal with today's catalogue."
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``batch`` subcommand to ``workbench``'s subparsers."""
    p = subparsers.add_parser("batch", help="project a whole roster of learner-plans",
                              description=DESCRIPTION)
    p.add_argument("--roster", metavar="FILE", required=True,
                   help="the roster to read (or, with --generate, to write)")
    p.add_argument("--out", metavar="FILE",
                   help="where to write the per-plan results (.parquet)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--strict", action="store_true",
                   help="stop at any bad roster row instead of leaving it out")
    p.add_argument("--weeks", type=int, default=40, metavar="N",
                   help="weeks to project (default 40, a school year)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="ROWS",
                   help="learner-plans per chunk (and per Dask task); default 5000")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="without --scheduler: threads projecting at once (default one per "
                   "core, at most 4; 1 for one thread)")
    p.add_argument("--generate", type=int, metavar="N",
                   help="write a generated roster of N learners (2-3 plans each) to --roster")
    p.add_argument("--seed", type=int, default=0, help="seed for --generate (default 0)")
    p.add_argument("--suggest", action="store_true",
                   help="also project each learner's best suggested plan and report, by zone, "
                   "how many could reach every goal")
    p.add_argument("--suggest-time-limit", type=float, default=5.0, metavar="SECONDS",
                   help="seconds the solver may take per learner with --suggest (default 5)")
    from .core import add_parameters_option

    add_parameters_option(p)
    return p


def _catalogue(args):
    from .. import SAMPLE_DATA
    from ..formats.datadir import DataError, load_catalogue
    from .core import UserError

    data = Path(getattr(args, "data", None) or SAMPLE_DATA).expanduser()
    if not data.is_dir():
        raise UserError(f"There is no data directory at {data}.")
    try:
        return load_catalogue(data)
    except DataError as err:
        raise UserError(f"The catalogue in {data} does not load; run `workbench validate "
                        f"{data}` to see why.") from err


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit=" plans", unit_scale=True, file=sys.stderr,
                disable=not enabled, desc="Projecting", dynamic_ncols=True)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _generate(args, as_json: bool) -> int:
    from ..district import generate_roster_frame
    from ..markup import write_csv
    from .core import UserError, print_json

    if args.generate < 1:
        raise UserError("--generate needs a number of learners of at least 1.")
    t0 = time.perf_counter()
    roster = generate_roster_frame(_catalogue(args), args.generate, seed=args.seed)
    path = Path(args.roster).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        roster.to_parquet(path, index=False)
    else:
        write_csv(roster, path)  # people open rosters in spreadsheets: no formulas
    seconds = time.perf_counter() - t0
    if as_json:
        print_json({"learners": args.generate, "rows": len(roster), "roster": str(path),
                    "seconds": round(seconds, 3)})
    else:
        print(f"Wrote a roster of {_plural(args.generate, 'learner')} "
              f"({_plural(len(roster), 'learner-plan')}) to {path} in {seconds:.1f} s.")
    return 0


def run(args) -> int:
    """Run ``workbench batch``; returns the exit status (0 done, 1 bad rows with --strict)."""
    from .core import UserError, cli_words, print_json

    as_json = bool(getattr(args, "json", False))
    words = cli_words(args)
    _, ngettext = words.gettext, words.ngettext
    if args.generate is not None:
        return _generate(args, as_json)
    if not args.out:
        raise UserError("--out is needed: where to write the results (e.g. results.parquet).")
    if args.weeks < 1:
        raise UserError("--weeks must be at least 1.")
    if args.threads is not None and args.threads < 1:
        raise UserError("--threads must be at least 1.")
    from ..district import DEFAULT_CHUNK_SIZE, RosterError, read_roster, write_results

    roster_path = Path(args.roster).expanduser()
    if not roster_path.is_file():
        raise UserError(f"There is no roster file at {roster_path}.")
    from .core import model_parameters

    params = model_parameters(args)
    catalogue = _catalogue(args)
    t0 = time.perf_counter()
    try:
        roster, problems = read_roster(roster_path, catalogue, strict=args.strict)
    except RosterError as err:
        for p in err.problems:
            print(p.text(words), file=sys.stderr)
        if as_json:
            print_json({"error": f"{len(err.problems)} bad roster rows",
                        "problems": [str(p) for p in err.problems]})
        else:
            k = len(err.problems)
            print(ngettext("workbench batch: stopped: {n} problem in {path} (--strict).",
                     "workbench batch: stopped: {n} problems in {path} (--strict).", k).format(
                n=words.integer(k), path=roster_path), file=sys.stderr)
        return 1
    if not as_json:
        for p in problems:
            print(p.text(words), file=sys.stderr)
    skipped_rows = len({p.line for p in problems})
    suggestions = None
    if args.suggest:
        roster, suggestions = _suggest(args, catalogue, roster, params, as_json)
    client = args.scheduler or None
    chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
    if client is not None and args.chunk_size is None:
        chunk = 25_000  # Dask tasks big enough that scheduling overhead is negligible
    bar = _progress(len(roster), enabled=not as_json and sys.stderr.isatty())
    try:
        written = write_results(catalogue, roster, args.out, params, weeks=args.weeks,
                                chunk_size=chunk, client=client, progress=bar.update,
                                threads=args.threads)
    except OSError as err:
        raise UserError(f"Could not connect or write: {err}") from err
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    # the rate is the projection's: the solver's time (--suggest) is reported on its own
    projecting = seconds - (suggestions.attrs["seconds"] if suggestions is not None else 0.0)
    rate = written["plans"] / projecting if projecting > 0 else float("inf")
    summary = {
        "projected": written["plans"], "competency_rows": written["competencies"],
        "skipped": skipped_rows, "problems": [str(p) for p in problems],
        "seconds": round(seconds, 3), "plans_per_second": round(rate, 1),
        "out": written["out"], "competencies_out": written["competencies_out"],
        "scheduler": args.scheduler,
    }
    if suggestions is not None:
        summary["suggest"] = _suggest_summary(args, roster, suggestions, written, as_json)
    if as_json:
        print_json(summary)
        return 0
    k = written["plans"]
    done = ngettext("Projected {n} learner-plan in {seconds} s ({rate} a second).",
              "Projected {n} learner-plans in {seconds} s ({rate} a second).", k)
    if args.scheduler:
        done = ngettext("Projected {n} learner-plan in {seconds} s ({rate} a second on {scheduler}).",
                  "Projected {n} learner-plans in {seconds} s ({rate} a second on {scheduler}).",
                  k)
    print(done.format(n=words.integer(k), seconds=words.number(projecting, 1),
                      rate=words.integer(round(rate)), scheduler=args.scheduler))
    if skipped_rows:
        kinds: dict[str, int] = {}
        for p in problems:
            kinds[p.field] = kinds.get(p.field, 0) + 1
        reasons = ", ".join(f"{field} ({n})" for field, n in sorted(kinds.items()))
        print(ngettext("Skipped {n} row with problems, listed above: {reasons}.",
                 "Skipped {n} rows with problems, listed above: {reasons}.", skipped_rows).format(
            n=words.integer(skipped_rows), reasons=reasons))
    else:
        print(_("Skipped no rows."))
    print(_("Per plan: {path}").format(path=written["out"]))
    print(_("Per competency: {path}").format(path=written["competencies_out"]))
    if suggestions is not None:
        _print_suggest(summary["suggest"])
    return 0


def suggestions_path(out_path) -> Path:
    """Where ``--suggest`` writes its per-learner table: ``x.parquet`` -> ``x.suggestions.parquet``."""
    out = Path(out_path)
    return out.with_name(out.name.removesuffix(out.suffix) + ".suggestions" + (out.suffix
                                                                              or ".parquet"))


def _suggest(args, catalogue, roster, params, as_json: bool):
    """Each learner's best suggestion, as extra roster rows (projected with the others)."""
    import pandas as pd

    from ..district import suggest_roster
    from .core import UserError
    from .suggest import quiet_solver_banner

    if not 0 < args.suggest_time_limit <= 3600:
        raise UserError("--suggest-time-limit must be more than 0 and at most 3600 seconds.")
    quiet_solver_banner()
    n = roster["learner_id"].nunique()
    bar = _progress(n, enabled=not as_json and sys.stderr.isatty())
    bar.set_description("Suggesting")
    bar.unit = " learners"
    t0 = time.perf_counter()
    try:
        rows, info = suggest_roster(catalogue, roster, params,
                                    time_limit=args.suggest_time_limit, progress=bar.update)
    finally:
        bar.close()
    info.attrs["seconds"] = time.perf_counter() - t0
    return pd.concat([roster, rows], ignore_index=True), info


def _suggest_summary(args, roster, info, written: dict, as_json: bool) -> dict:
    """The per-learner suggestions table (with the projection of each learner's suggested
    plan) written beside --out, and the reach by zone."""
    import pandas as pd

    from ..district import reach_by_zone
    from ..markup import csv_frame

    plans = pd.read_parquet(written["out"], columns=["learner_id", "plan_id", "n_goals_likely",
                                                      "p_goal_mean", "expected_credits", "cost",
                                                      "hours_per_week", "feasible"])
    by_zone = reach_by_zone(roster, plans, info)
    mine = plans[plans["plan_id"].isin(set(info["plan_id"]))].drop(columns="learner_id")
    table = info.merge(mine, on="plan_id", how="left")
    table["reaches_goals"] = (table["n_goals"] > 0) & (table["n_goals_likely"]
                                                       >= table["n_goals"])
    out = suggestions_path(written["out"])
    table.to_parquet(out, index=False)
    total = by_zone[by_zone["zone"] == "All"].iloc[0]
    return {
        "learners": int(total["learners"]), "with_goals": int(total["with_goals"]),
        "reach_suggested": int(total["reach_suggested"]),
        "reach_own": int(total["reach_own"]),
        "proven": int(table["proven"].sum()),
        "time_limit_hit": int((table["status"] == "time_limit").sum()),
        "seconds": round(float(info.attrs.get("seconds", table["seconds"].sum())), 3),
        "out": str(out),
        "by_zone": csv_frame(by_zone).to_dict(orient="records"),
    }


def _print_suggest(s: dict) -> None:
    def share(k, n):
        return f"{k / n:.0%}" if n else "-"

    print(f"\nSuggested plans: {_plural(s['learners'], 'learner')} in {s['seconds']:.1f} s "
          f"({s['proven']:,} proven best; {s['time_limit_hit']:,} stopped at the time limit).")
    rows = [("Zone", "Learners", "With goals", "Could reach", "Share", "Own plans", "Share")]
    for z in s["by_zone"]:
        rows.append((str(z["zone"]), f"{z['learners']:,}", f"{z['with_goals']:,}",
                     f"{z['reach_suggested']:,}", share(z["reach_suggested"], z["with_goals"]),
                     f"{z['reach_own']:,}", share(z["reach_own"], z["with_goals"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        if i == len(rows) - 1:
            print("  ".join("-" * w for w in widths))
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(r, widths, strict=True))))
    print(f"With today's catalogue, {s['reach_suggested']:,} of {s['with_goals']:,} learners "
          f"with goals ({share(s['reach_suggested'], s['with_goals'])}) could reach every goal "
          f"with their best suggested plan; with their own plans, {s['reach_own']:,} "
          f"({share(s['reach_own'], s['with_goals'])}).")
    print(f"Per learner: {s['out']}")
