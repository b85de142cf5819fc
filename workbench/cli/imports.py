"""``workbench import case|ics|badge|catalog`` and ``workbench export case|ics``.

Every import reads first, reports what it read and skipped, and changes nothing unless the read
was clean — or the user accepts a partial read with ``--accept-partial``. Learner changes go to
the local store (the app sees them); catalogue imports write a *new* data directory and never
touch the one they start from.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ..formats.report import ImportFailed, ImportReport


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``import`` (and ``export``, see ``add_export_parser``)."""
    p = sub.add_parser("import", help="import open formats: CASE, iCalendar, Open Badges/CLR, "
                       "provider catalogue CSV", description=__doc__)
    kinds = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    case = kinds.add_parser("case", help="a CASE competency framework (JSON package or "
                            "OpenSALT CSV) added to the catalogue's competencies")
    case.add_argument("file")
    case.add_argument("--out", required=True, metavar="DIR",
                      help="write the data directory with the framework added here (new dir)")
    ics = kinds.add_parser("ics", help="a family's calendar (.ics) as a learner's busy times")
    ics.add_argument("file")
    ics.add_argument("--learner", required=True)
    ics.add_argument("--tz", default="America/Chicago", help="the family's time zone")
    badge = kinds.add_parser("badge", help="Open Badges 2.0/3.0 or CLR 2.0 credentials as "
                             "evidence for a learner")
    badge.add_argument("file")
    badge.add_argument("--learner", required=True)
    cat = kinds.add_parser("catalog", help="a provider catalogue CSV, with a YAML column mapping")
    cat.add_argument("file")
    cat.add_argument("--mapping", required=True, metavar="MAP.yaml")
    cat.add_argument("--out", required=True, metavar="DIR",
                     help="write the data directory with the imported catalogue here (new dir)")
    for k in (case, ics, badge, cat):
        k.add_argument("--accept-partial", action="store_true",
                       help="save what could be read even when some parts were skipped")
    return p


def _print_report(report: ImportReport, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        from .core import print_json

        print_json({**report.to_dict(), "summary": report.summary(), **(extra or {})})
        return
    print(report.summary())
    for issue in report.skipped[:50]:
        print(f"  skipped {issue}")
    if len(report.skipped) > 50:
        print(f"  ... and {len(report.skipped) - 50} more skipped")
    for issue in report.warnings[:20]:
        print(f"  note: {issue}")
    if len(report.warnings) > 20:
        print(f"  ... and {len(report.warnings) - 20} more notes")


def _refuse_partial(report: ImportReport, args) -> bool:
    if report.skipped and not args.accept_partial:
        print(f"Nothing was changed: {len(report.skipped)} part(s) could not be read. Fix the "
              "file, or run again with --accept-partial to keep what could be read.",
              file=sys.stderr)
        return True
    return False


def _learner_store(args):
    """The workspace, the learner and the store to save learner changes into."""
    from ..store import Store, default_db_path
    from .core import UserError, open_workspace

    ws = open_workspace(args)
    learner = ws.learner(args.learner)
    store = ws.store
    if store is None:
        if getattr(args, "no_store", False):
            raise UserError("--no-store: there is nowhere to save the import. Drop --no-store.")
        store = Store(default_db_path(ws.data_dir))
        store.seed_from(ws.dataset)
    return ws, learner, store


def run(args) -> int:
    from .core import UserError

    as_json = bool(getattr(args, "json", False))
    try:
        if args.format == "ics":
            return _run_ics(args, as_json)
        if args.format == "badge":
            return _run_badge(args, as_json)
        if args.format == "case":
            return _run_case(args, as_json)
        if args.format == "catalog":
            return _run_catalog(args, as_json)
    except ImportFailed as err:
        report = getattr(err, "report", None)
        if report is not None:
            _print_report(report, as_json)
        raise UserError(f"could not import {args.file}: "
                        f"{report.summary() if report else err}. Nothing was changed.") from None
    except FileNotFoundError as err:
        raise UserError(f"There is no file {err.filename or args.file}.") from None
    return 2


def _run_ics(args, as_json: bool) -> int:
    from ..formats.ics import import_calendar

    _ws, learner, store = _learner_store(args)
    updated, report = import_calendar(args.file, learner, tz=args.tz)
    _print_report(report, as_json, {"commitments": [b.to_dict() for b in updated.commitments]})
    if _refuse_partial(report, args):
        return 1
    store.save_learner(updated)
    if not as_json:
        print(f"Saved {updated.name}'s week: {len(updated.commitments)} busy time(s), "
              f"{len(updated.availability)} free time(s).")
    return 0


def _run_badge(args, as_json: bool) -> int:
    from ..formats.badges import apply_evidence, evidence_levels, read_credentials

    ws, learner, store = _learner_store(args)
    comps = ws.dataset.catalogue.competencies
    records, report = read_credentials(args.file, known_competencies=comps)
    evidence = evidence_levels(records, comps)
    updated = apply_evidence(learner, evidence)
    raised = {c: v for c, v in updated.levels.items() if v > learner.level(c)}
    _print_report(report, as_json, {"raised": raised,
                                    "evidence": [e.to_dict() for e in evidence]})
    if _refuse_partial(report, args):
        return 1
    store.save_learner(updated)
    if not as_json:
        names = ws.dataset.catalogue.competency_names
        for e in evidence:
            trust = "verified" if e.verified else "NOT verified"
            what = names.get(e.competency_id, "no matching competency (kept as evidence only)")
            print(f"  {e.source} -> {what} ({trust})")
        print(f"Saved {updated.name}: {len(raised)} level(s) raised.")
    return 0


def _new_dir(out: str) -> Path:
    from .core import UserError

    path = Path(out).expanduser()
    if path.exists() and any(path.iterdir()):
        raise UserError(f"{path} already exists and is not empty: choose a new directory.")
    return path


def _run_case(args, as_json: bool) -> int:
    import pandas as pd

    from ..domain.loading import load_dataset
    from ..domain.schema import FILES
    from ..formats.case import read_case_package, read_opensalt_csv
    from .core import UserError, _data_dir

    base = _data_dir(args.data)
    out = _new_dir(args.out)
    reader = read_opensalt_csv if str(args.file).lower().endswith(".csv") else read_case_package
    framework, report = reader(args.file)
    comps = framework.competencies
    _print_report(report, as_json, {"framework": framework.document.title,
                                    "competencies": len(comps)})
    if _refuse_partial(report, args):
        return 1
    existing = pd.read_csv(base / "competencies.csv", dtype=str, keep_default_na=False)
    clash = sorted(set(existing["competency_id"]) & set(comps["competency_id"]))
    if clash:
        raise UserError(f"{len(clash)} imported competency id(s) already exist, e.g. "
                        f"{clash[0]!r}. Nothing was changed.")
    cols = [c.name for c in FILES["competencies.csv"]]
    merged = pd.concat([existing, comps.reindex(columns=cols).fillna("")], ignore_index=True)
    shutil.copytree(base, out, dirs_exist_ok=True)
    merged.to_csv(out / "competencies.csv", index=False)
    framework.prerequisites.to_csv(out / "case_prerequisites.csv", index=False)
    framework.crosswalks.to_csv(out / "case_crosswalks.csv", index=False)
    framework.external_refs.to_csv(out / "case_external_refs.csv", index=False)
    load_dataset(out)  # the result must be a whole, valid data directory
    if not as_json:
        print(f"Wrote {out}: {len(comps)} competencies from {framework.document.title!r} added "
              f"({len(framework.prerequisites)} prerequisites, {len(framework.crosswalks)} "
              f"crosswalks, {len(framework.external_refs)} references outside the package).")
    return 0


def _run_catalog(args, as_json: bool) -> int:
    from ..formats.catalog import import_catalog
    from .core import _data_dir

    base = _data_dir(args.data)
    out = _new_dir(args.out)
    report = import_catalog(args.file, args.mapping, out, base_data_dir=base)
    _print_report(report, as_json, {"out": str(out)})
    if not as_json:
        print(f"Wrote {out}. Serve it with: workbench serve --data {out}")
    return 0


# ---- export ----------------------------------------------------------------------------------
def add_export_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="export open formats: the framework as CASE JSON, a "
                       "plan as an iCalendar file")
    kinds = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    case = kinds.add_parser("case", help="the catalogue's competencies as a CASE 1.0 package")
    case.add_argument("--out", required=True, metavar="FILE.json")
    case.add_argument("--title", default="Anywhere Learning Workbench competencies")
    ics = kinds.add_parser("ics", help="a plan's weekly schedule as .ics for any calendar")
    ics.add_argument("--learner", required=True)
    ics.add_argument("--plan", required=True)
    ics.add_argument("--out", required=True, metavar="FILE.ics")
    ics.add_argument("--tz", default="America/Chicago")
    return p


def run_export(args) -> int:
    import json

    from .core import open_workspace

    ws = open_workspace(args)
    out = Path(args.out).expanduser()
    if args.format == "case":
        from ..formats.case import write_case_package

        pkg = write_case_package(ws.dataset.catalogue.competencies, title=args.title,
                                 creator="Anywhere Learning Workbench")
        out.write_text(json.dumps(pkg, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"Wrote {out}: {len(pkg.get('CFItems', []))} competencies as CASE JSON.")
        return 0
    from ..formats.ics import plan_to_ics

    learner = ws.learner(args.learner)
    plan = ws.plan(args.plan, learner)
    out.write_bytes(plan_to_ics(ws.dataset.catalogue, learner, plan, tz=args.tz))
    print(f"Wrote {out}: {plan.name} as a calendar file.")
    return 0
