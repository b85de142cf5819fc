"""``workbench import case|ics|badge|catalog`` and ``workbench export case|ics``.

Every import goes through :mod:`workbench.imports`, the service the app uses too: it reads
first, reports what it read and skipped, and changes nothing unless the read was clean — or the
user accepts a partial read with ``--accept-partial``. Learner changes go to the local store
(the app sees them); catalogue and framework imports write a *new* data directory and never
touch the one they start from.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..domain.words import ENGLISH, Words
from ..formats.report import ImportFailed, ImportReport
from ..i18n import M_


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
    case.add_argument("--domain", action="append", default=[], metavar="THEIRS=OURS",
                      help="map the framework's subject area to the catalogue's, e.g. "
                      "Math=Mathematics (repeatable)")
    ics = kinds.add_parser("ics", help="a family's calendar (.ics) as a learner's busy times")
    ics.add_argument("file")
    ics.add_argument("--learner", required=True)
    ics.add_argument("--tz", default=None, help="the family's IANA time zone (default: the "
                     "learner's, else the catalogue's)")
    ics.add_argument("--from", dest="window_start", default=None, metavar="YYYY-MM-DD",
                     help="first day to read (default: the catalogue's school year)")
    ics.add_argument("--to", dest="window_end", default=None, metavar="YYYY-MM-DD",
                     help="last day to read (default: the catalogue's school year)")
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


def _print_report(report: ImportReport, words: Words = ENGLISH) -> None:
    for line in report.lines(words):
        print(line)


def _learner_store(args):
    """The workspace, the learner and the store to save learner changes into."""
    from ..store import Store, default_db_path
    from .core import UserError, open_workspace

    ws = open_workspace(args)
    learner = ws.learner(args.learner)
    store = ws.store
    if store is None:
        if getattr(args, "no_store", False):
            raise UserError(ws.words.gettext("--no-store: there is nowhere to save the import. "
                                             "Drop --no-store."))
        store = Store(default_db_path(ws.data_dir))
        store.seed_from(ws.dataset)
    return ws, learner, store


def _new_dir(out: str, words: Words = ENGLISH) -> Path:
    from .core import UserError

    path = Path(out).expanduser()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(words.gettext("{path} already exists and is not empty: choose a new "
                                      "directory.").format(path=path))
    return path


def _day(text: str | None, flag: str, words: Words = ENGLISH):
    import datetime as dt

    from .core import UserError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(words.gettext("{flag} {text}: not a date; write it as YYYY-MM-DD.").format(
            flag=flag, text=text)) from None


def _pairs(items: list[str], words: Words = ENGLISH) -> dict[str, str]:
    from .core import UserError

    out = {}
    for item in items:
        theirs, eq, ours = item.partition("=")
        if not eq or not theirs.strip() or not ours.strip():
            raise UserError(words.gettext("--domain {item}: write it as THEIRS=OURS, e.g. "
                                          "Math=Mathematics.").format(item=item))
        out[theirs.strip()] = ours.strip()
    return out


def _read(args, words: Words = ENGLISH):
    """Read the file through the imports service: the Import, before anything changes."""
    from .. import imports
    from ..store import NotFoundError
    from .core import _data_dir

    if args.format in ("ics", "badge"):
        ws, learner, store = _learner_store(args)

        def current():
            # the store's copy when it has one (the app's edits), else the data directory's
            try:
                return store.learner(learner.learner_id)
            except NotFoundError:
                return learner

        if args.format == "ics":
            return imports.read_calendar(args.file, learner, store.save_learner, tz=args.tz,
                                         catalogue=ws.dataset.catalogue, current=current,
                                         window_start=_day(args.window_start, "--from", words),
                                         window_end=_day(args.window_end, "--to", words))
        return imports.read_credentials(args.file, learner, ws.dataset.catalogue.competencies,
                                        store.save_learner, current=current)
    base = _data_dir(args.data, words)
    out = _new_dir(args.out, words)
    if args.format == "case":
        return imports.read_framework(args.file, base, out, domains=_pairs(args.domain, words))
    return imports.read_catalogue(args.file, args.mapping, base, out)


def run(args) -> int:
    from ..imports import PartialRead
    from .core import UserError, cli_words, print_json

    as_json = bool(getattr(args, "json", False))
    w = cli_words(args)  # the report, problems and messages in the reader's language
    _ = w.gettext
    if not Path(args.file).expanduser().is_file():
        raise UserError(_("{file}: could not open the file (No such file or directory). "
                          "Nothing was changed.").format(file=Path(args.file).name))
    try:
        pending = _read(args, w)
    except ImportFailed as err:
        if as_json:
            print_json({**err.report.to_dict(), "applied": False})
        else:
            _print_report(err.report, w)
        raise UserError(_("could not import {file}: {summary} Nothing was changed.").format(
            file=args.file, summary=err.report.summary(w))) from None
    if not as_json:
        _print_report(pending.report, w)
    try:
        pending.apply(accept_partial=args.accept_partial)
    except PartialRead as err:
        if as_json:
            print_json({**pending.report.to_dict(), **pending.preview, "applied": False})
        print(err.text(w, how=M_("run again with --accept-partial")), file=sys.stderr)
        return 1
    except ImportFailed as err:  # the new data directory did not load: nothing was put there
        if as_json:
            print_json({**err.report.to_dict(), "applied": False})
        else:
            _print_report(err.report, w)
        raise UserError(_("could not import {file}: the result would not be a valid data "
                          "directory. Nothing was changed.").format(file=args.file)) from None
    if as_json:
        print_json({**pending.report.to_dict(), **pending.preview, "applied": True,
                    "message": pending.message})
        return 0
    for e in pending.preview.get("evidence", []):
        what = e["competency_name"] or _("no matching competency (kept as evidence only)")
        print("  " + _("{source} -> {what} ({verified})").format(
            source=e["source"], what=what,
            verified=_("verified") if e["verified"] else _("NOT verified")))
    print(pending.text(w))
    if pending.kind == "catalogue":
        print(_("Wrote {root}. Serve it with: workbench serve --data {root}").format(
            root=pending.result.root))
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
    _ = ws.words.gettext
    out = Path(args.out).expanduser()
    if args.format == "case":
        from ..formats.case import write_case_package

        pkg = write_case_package(ws.dataset.catalogue.competencies, title=args.title,
                                 creator="Anywhere Learning Workbench")
        out.write_text(json.dumps(pkg, indent=2, ensure_ascii=False), encoding="utf-8")
        print(ws.words.ngettext("Wrote {out}: {n} competency as CASE JSON.",
                                "Wrote {out}: {n} competencies as CASE JSON.",
                                len(pkg.get("CFItems", []))).format(
            out=out, n=len(pkg.get("CFItems", []))))
        return 0
    from ..formats.ics import plan_to_ics

    learner = ws.learner(args.learner)
    plan = ws.plan(args.plan, learner)
    out.write_bytes(plan_to_ics(ws.dataset.catalogue, learner, plan, tz=args.tz, words=ws.words))
    print(_("Wrote {out}: {plan} as a calendar file.").format(out=out, plan=plan.name))
    return 0
