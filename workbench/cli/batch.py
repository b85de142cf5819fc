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
    "write a generated roster of N learners to --roster instead."
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
    p.add_argument("--generate", type=int, metavar="N",
                   help="write a generated roster of N learners (2-3 plans each) to --roster")
    p.add_argument("--seed", type=int, default=0, help="seed for --generate (default 0)")
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
    from .core import UserError, print_json

    as_json = bool(getattr(args, "json", False))
    if args.generate is not None:
        return _generate(args, as_json)
    if not args.out:
        raise UserError("--out is needed: where to write the results (e.g. results.parquet).")
    if args.weeks < 1:
        raise UserError("--weeks must be at least 1.")
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
            print(p, file=sys.stderr)
        if as_json:
            print_json({"error": f"{len(err.problems)} bad roster rows",
                        "problems": [str(p) for p in err.problems]})
        else:
            print(f"workbench batch: stopped: {_plural(len(err.problems), 'problem')} in "
                  f"{roster_path} (--strict).", file=sys.stderr)
        return 1
    if not as_json:
        for p in problems:
            print(p, file=sys.stderr)
    skipped_rows = len({p.line for p in problems})
    client = args.scheduler or None
    chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
    if client is not None and args.chunk_size is None:
        chunk = 25_000  # Dask tasks big enough that scheduling overhead is negligible
    bar = _progress(len(roster), enabled=not as_json and sys.stderr.isatty())
    try:
        written = write_results(catalogue, roster, args.out, params, weeks=args.weeks,
                                chunk_size=chunk, client=client, progress=bar.update)
    except OSError as err:
        raise UserError(f"Could not connect or write: {err}") from err
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    rate = written["plans"] / seconds if seconds > 0 else float("inf")
    summary = {
        "projected": written["plans"], "competency_rows": written["competencies"],
        "skipped": skipped_rows, "problems": [str(p) for p in problems],
        "seconds": round(seconds, 3), "plans_per_second": round(rate, 1),
        "out": written["out"], "competencies_out": written["competencies_out"],
        "scheduler": args.scheduler,
    }
    if as_json:
        print_json(summary)
        return 0
    print(f"Projected {_plural(written['plans'], 'learner-plan')} in {seconds:.1f} s "
          f"({rate:,.0f} a second{' on ' + args.scheduler if args.scheduler else ''}).")
    if skipped_rows:
        kinds: dict[str, int] = {}
        for p in problems:
            kinds[p.field] = kinds.get(p.field, 0) + 1
        reasons = ", ".join(f"{field} ({n})" for field, n in sorted(kinds.items()))
        print(f"Skipped {_plural(skipped_rows, 'row')} with problems, listed above: {reasons}.")
    else:
        print("Skipped no rows.")
    print(f"Per plan: {written['out']}")
    print(f"Per competency: {written['competencies_out']}")
    return 0
