"""``workbench calibrate``: fit the projection's learn rates and attendance factors from records.

Registered in ``workbench.cli.core.EXTENSIONS``. Reads a response log (pyBKT's columns) and,
optionally, an attendance log (``workbench.formats.calibration_logs``), fits them
(``workbench.domain.calibration``), prints the fits with their intervals and a check on held-out
learners, and with ``--out`` writes a parameters file that ``project``, ``compare``, ``batch``
and ``serve`` read with ``--parameters FILE``. A log with any bad line is listed as
file:line:field and nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import time
from pathlib import Path

DESCRIPTION = (
    "Fit the projection's learn rates from a response log (columns user_id, skill_name, correct, "
    "order_id; optional practice_hours, opportunity_kind, level_step) and its attendance factors "
    "from an attendance log (learner, section, date, attended), with bootstrap intervals and a "
    "check on held-out learners (Brier score, reliability). --out writes a parameters file for "
    "--parameters. See docs/model.md, 'Calibration'."
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``calibrate`` to ``workbench``'s subcommands."""
    p = subparsers.add_parser("calibrate", help="fit the model's parameters from response and "
                              "attendance logs", description=DESCRIPTION)
    p.add_argument("--responses", metavar="FILE", required=True,
                   help="the response log (CSV or TSV, pyBKT's columns)")
    p.add_argument("--attendance", metavar="FILE",
                   help="an attendance log (CSV: learner, section, date, attended)")
    p.add_argument("--out", metavar="FILE",
                   help="write the parameters file here (.json, .yaml or .yml)")
    p.add_argument("--restarts", type=int, default=5, metavar="N",
                   help="EM starting points per skill (default 5)")
    p.add_argument("--bootstrap", type=int, default=100, metavar="N",
                   help="bootstrap replicates over learners for the intervals (default 100; 0: "
                   "none)")
    p.add_argument("--holdout", type=float, default=0.2, metavar="SHARE",
                   help="share of learners held out to check the predictions (default 0.2; 0: "
                   "no check)")
    p.add_argument("--level", type=float, default=0.9, metavar="P",
                   help="coverage of the intervals (default 0.9)")
    p.add_argument("--intensity", type=float, default=1.0, metavar="X",
                   help="practice opportunities per hour of practice_hours (default 1)")
    p.add_argument("--no-forget", action="store_true",
                   help="fit no forget rate (pyBKT's default; forget_rate keeps its default)")
    p.add_argument("--weeks-between-responses", type=float, default=1.0, metavar="W",
                   help="weeks between a learner's consecutive responses, to turn the fitted "
                   "forget (per response) into forget_rate (per idle week): 1 - (1 - forget)^"
                   "(1/W) (default 1: one response a week, mapped 1:1)")
    p.add_argument("--seed", type=int, default=0, help="seed for starts, bootstrap and "
                   "held-out split (default 0)")
    return p


def _check(args) -> None:
    from .core import UserError

    if args.restarts < 1:
        raise UserError("--restarts must be at least 1.")
    if args.bootstrap < 0:
        raise UserError("--bootstrap must be 0 or more.")
    if not 0 <= args.holdout < 1:
        raise UserError("--holdout must be a share from 0 up to (not including) 1.")
    if not 0 < args.level < 1:
        raise UserError("--level must be between 0 and 1 (e.g. 0.9).")
    if not args.intensity > 0:
        raise UserError("--intensity must be more than 0.")
    if not args.weeks_between_responses > 0:
        raise UserError("--weeks-between-responses must be more than 0.")
    if args.out and Path(args.out).suffix.lower() not in (".json", ".yaml", ".yml"):
        raise UserError(f"--out {args.out}: a parameters file ends in .json, .yaml or .yml.")
    for option in ("responses", "attendance"):
        path = getattr(args, option)
        if path and not Path(path).expanduser().is_file():
            raise UserError(f"There is no file at {path} (--{option}).")


def _problems(err, as_json: bool) -> int:
    from .core import print_json

    problems = list(err.problems)
    for p in problems[:50]:
        print(p, file=sys.stderr)
    if len(problems) > 50:
        print(f"... and {len(problems) - 50} more", file=sys.stderr)
    n = len(problems)
    head = f"{n} problem{'' if n == 1 else 's'}{' or more' if n > 200 else ''} in " \
        f"{err.where}; nothing was fitted or written."
    if as_json:
        print_json({"error": head, "problems": [p.to_dict() for p in problems]})
    print(f"workbench calibrate: {head}", file=sys.stderr)
    return 2


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(args) -> int:
    """Run ``workbench calibrate``; 0 done, 2 for a bad option or log (nothing written)."""
    from ..domain.calibration import attendance_covariates, calibrate
    from ..domain.projection import DEFAULT_PARAMETERS
    from ..formats.calibration_logs import read_attendance, read_responses
    from ..formats.parameters import write_parameters
    from ..formats.report import DataError
    from .core import UserError, open_workspace, print_json

    as_json = bool(getattr(args, "json", False))
    _check(args)
    responses_path = Path(args.responses).expanduser()
    t0 = time.perf_counter()
    try:
        responses = read_responses(responses_path)
    except DataError as err:
        return _problems(err, as_json)
    ws = open_workspace(args)
    try:
        catalogue, learners = ws.dataset.catalogue, ws.learners()
    finally:
        ws.close()
    comps = catalogue.competencies
    difficulty = dict(zip(comps["competency_id"].astype(str),
                          comps["difficulty"].astype(float), strict=True))
    attendance = None
    if args.attendance:
        try:
            log = read_attendance(Path(args.attendance).expanduser(), learners=set(learners),
                                  sections=set(catalogue.section_table.index.astype(str)))
        except DataError as err:
            return _problems(err, as_json)
        attendance = attendance_covariates(catalogue, learners, log, DEFAULT_PARAMETERS)
    t_read = time.perf_counter() - t0
    try:
        result = calibrate(responses, attendance, difficulty=difficulty,
                           intensity=args.intensity, restarts=args.restarts,
                           bootstrap=args.bootstrap, holdout=args.holdout, level=args.level,
                           forgets=not args.no_forget, seed=args.seed,
                           weeks_between_responses=args.weeks_between_responses)
    except ValueError as err:
        raise UserError(f"Could not calibrate from {responses_path.name}: {err}") from err
    seconds = time.perf_counter() - t0
    document = result.document(responses_path.name,
                               created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
    document["source"].update({
        "responses": responses_path.name, "responses_sha256": _sha256(responses_path),
        "attendance": Path(args.attendance).name if args.attendance else None,
        "attendance_sha256": _sha256(Path(args.attendance).expanduser())
        if args.attendance else None,
        "data": ws.data_dir.name, "seconds": round(seconds, 2),
    })
    written = None
    if args.out:
        try:
            written = write_parameters(document, Path(args.out).expanduser())
        except (OSError, ValueError) as err:
            raise UserError(f"Could not write {args.out}: {err}") from err
    if as_json:
        print_json({**document, "out": str(written) if written else None,
                    "seconds": round(seconds, 3), "read_seconds": round(t_read, 3)})
        return 0
    for line in report_lines(result, DEFAULT_PARAMETERS):
        print(line)
    print()
    print(f"Fitted in {seconds:.1f} s ({result.settings['restarts']} starts per skill, "
          f"{result.settings['bootstrap']} bootstrap replicates).")
    if written:
        print(f"Wrote {written}: use it with --parameters {written}.")
    else:
        print("Nothing written (give --out FILE to write a parameters file).")
    return 0


def _iv(x, fmt: str = ".3f") -> str:
    """``0.129 [0.074, 0.182]``: chances to three decimals, learn rates to three figures."""
    value = format(x.value, fmt)
    if x.low is None:
        return value
    return f"{value} [{format(x.low, fmt)}, {format(x.high, fmt)}]"


def report_lines(result, base) -> list[str]:
    """The calibration in plain lines: fits, fitted parameters, attendance, held-out check."""
    level = result.settings.get("level", 0.9)
    out = [f"BKT fits per skill and level step (value [{level:.0%} interval over learners]):"]
    for s in result.skills:
        f = s.fit
        unit = "per practice hour" if f.per_practice else "per response"
        step = f"{s.level_step}->{s.level_step + 1}" + ("" if s.step_given else " (assumed)")
        out.append(f"  {s.skill_name}, step {step}: {f.n_learners} learners, "
                   f"{f.n_responses} responses")
        out.append(f"    prior {_iv(f.interval('prior'))}; learn {_iv(f.interval('learn'), '.3g')} "
                   f"{unit}; guess {_iv(f.interval('guess'))}; slip {_iv(f.interval('slip'))}; "
                   f"forget {_iv(f.interval('forget'))}")
        for k in f.params.learn_by_kind:
            out.append(f"    learn after {k}: {_iv(f.interval('learn:' + k), '.3g')} {unit}")
        if f.degenerate:
            out.append(f"    warning: {' and '.join(f.degenerate)} ended at the 0.5 guard: these "
                       "responses do not look like a skill being learned")
        if not f.converged:
            out.append(f"    warning: EM stopped after {f.iterations} iterations before "
                       "settling")
    out.append("")
    out.append("Model parameters (fitted; the others keep their defaults):")
    for name, value in result.values.items():
        iv = result.intervals.get(name)
        default = getattr(base, name)
        if isinstance(value, tuple):
            text = ", ".join(f"{v:.3g}" for v in value)
            if iv:
                text += "  [" + "; ".join(f"{lo:.3g}-{hi:.3g}" for lo, hi in iv) + "]"
            out.append(f"  {name}: ({text}) (default {default})")
        else:
            text = f"{value:.4g}" + (f" [{iv[0]:.4g}, {iv[1]:.4g}]" if iv else "")
            out.append(f"  {name}: {text} (default {default})")
        note = result.notes.get(name)
        if note:
            out.append(f"    {note}")
    for name, note in result.notes.items():
        if name not in result.values:
            out.append(f"  {name}: {note}")
    if result.attendance is not None and result.attendance.not_identified:
        out.append("  not fitted from the attendance log (no variation to tell them apart): "
                   + ", ".join(result.attendance.not_identified))
    if result.attendance is not None and result.attendance.unreachable_rows:
        out.append(f"  {result.attendance.unreachable_rows} attendance records were for "
                   "sections the learner has no way to reach and were left out")
    h = result.held_out
    if h is not None:
        out.append("")
        out.append(f"Held-out check: fitted without {h.learners} learners, then their "
                   f"{h.responses} responses predicted one at a time from the ones before:")
        out.append(f"  Brier score {h.brier:.4f} (the share correct for every response: "
                   f"{h.brier_base_rate:.4f}; {h.skill_score:.0%} of its error removed)")
        out.append("  predicted   observed   responses")
        for r in h.reliability.itertuples():
            if r.responses:
                out.append(f"  {r.mean_predicted:8.2f}   {r.observed:8.2f}   {r.responses:9d}")
    return out
