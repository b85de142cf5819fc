"""The one way files from outside come in: read -> report -> apply.

Every import has two steps, for the app (through :class:`~workbench.state.PlanningSession`'s
``import_calendar``, ``import_credentials`` and ``import_catalogue``) and for the command line
(``workbench import ...``) alike:

1. A ``read_*`` function reads the file with a reader from :mod:`workbench.formats` and works out
   the change it would make. It returns an :class:`Import`: the :class:`ImportReport` (what was
   read and kept, and each part it could not read as a ``file:line:field`` problem) and a preview
   of the change. Nothing has changed yet. A file that cannot be read at all raises
   :class:`~workbench.formats.report.ImportFailed`, whose report says why.
2. :meth:`Import.apply` makes the change, through the save it was given (a state method or the
   store's ``save_learner``) or by putting a new data directory in place. The rule is written
   here once: **nothing changes unless the read was clean or the user accepts the partial read**
   (``accept_partial=True``: the app's "Keep what could be read", the CLI's
   ``--accept-partial``); otherwise :class:`PartialRead` is raised and nothing is touched.

A change is worked out again from what is current when it is applied (the learner may have been
edited between reading and keeping), so keeping an import never undoes other work. Imports that
make a data directory (a provider catalogue, a CASE framework) write nothing when reading; when
applied they write the directory beside its destination and move it into place only after it
has loaded as a whole, valid data directory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

from .domain.dataset import Catalogue, Dataset, Learner
from .domain.schema import FILES, FRAME_NAMES, typed_frame
from .domain.words import ENGLISH, Words
from .formats.report import DataError, ImportFailed, ImportReport, read_source_bytes
from .i18n import M_, MP_, Message, Value

T = TypeVar("T")

#: The extra tables a CASE import keeps beside the catalogue (file name -> framework attribute).
CASE_TABLES = {"case_prerequisites.csv": "prerequisites", "case_crosswalks.csv": "crosswalks",
               "case_external_refs.csv": "external_refs"}


class PartialRead(Exception):
    """The read skipped parts and the partial read was not accepted: nothing was changed.

    :attr:`report` is the read's report.
    """

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(self.text(ENGLISH))

    def text(self, words: Words = ENGLISH, how: Message | None = None) -> str:
        """What happened, in ``words``' language; ``how`` says how to keep what could be read
        (default: "accept the partial read"; the CLI names its ``--accept-partial``)."""
        how = how or M_("accept the partial read")
        return MP_("Nothing was changed: {n} part of {source} could not be read. Fix the file, "
                   "or {how} to keep what could be read.",
                   "Nothing was changed: {n} parts of {source} could not be read. Fix the file, "
                   "or {how} to keep what could be read.",
                   n=len(self.report.skipped), source=self.report.source, how=how).render(words)

    def __str__(self) -> str:
        return self.text(ENGLISH)


@dataclasses.dataclass(eq=False)
class Import(Generic[T]):
    """What one read found, and the change it would make when applied.

    Attributes
    ----------
    kind : str
        ``"calendar"``, ``"credentials"``, ``"catalogue"`` or ``"framework"``.
    report : ImportReport
        What was read and kept, and every part that could not be read (``file:line:field``).
    preview : dict
        Plain data describing the change (for the CLI's ``--json`` and for tests).
    status : str
        ``"read"`` (nothing changed yet), ``"applied"`` or ``"discarded"``.
    result
        What :meth:`apply` returned (the saved learner, the new dataset, ...), once applied.
    message : str
        One plain sentence saying what changed, once applied (in English; ``said`` is the
        same sentence as data, ``text(words)`` in any language).
    """

    kind: str
    report: ImportReport
    preview: dict[str, Any]
    change: Callable[[], tuple[T, str]] = dataclasses.field(repr=False)
    status: str = "read"
    result: T | None = None
    message: str = ""
    said: Message | None = None

    def text(self, words: Words = ENGLISH) -> str:
        """What changed, once applied, in ``words``' language ("" before)."""
        return self.said.render(words) if self.said is not None else self.message

    @property
    def clean(self) -> bool:
        """True when every part of the file could be read (warnings are allowed)."""
        return not self.report.skipped

    @property
    def applied(self) -> bool:
        return self.status == "applied"

    def apply(self, accept_partial: bool = False) -> T:
        """Make the change — only when the read was clean or ``accept_partial`` is given.

        Parameters
        ----------
        accept_partial : bool
            Keep what could be read even though some parts were skipped.

        Returns
        -------
        The result of the change (see :attr:`result`).

        Raises
        ------
        PartialRead
            The read was partial and not accepted; nothing was changed.
        RuntimeError
            The import was already applied or discarded.
        """
        if self.status != "read":
            raise RuntimeError(f"this import was already {self.status}")
        if not self.clean and not accept_partial:
            raise PartialRead(self.report)
        # the change runs first: when it fails (a refused save, a full disk) the import stays
        # "read", so it can be kept again or discarded
        self.result, said = self.change()
        self.said = said if isinstance(said, Message) else None
        self.message = str(said)
        self.status = "applied"
        return self.result

    def discard(self) -> None:
        """Drop the import without changing anything; it can no longer be applied."""
        if self.status == "read":
            self.status = "discarded"


# ---- reading the source ----------------------------------------------------------------------
def _source(source, name: str | None) -> tuple[bytes, str]:
    """The file's bytes (size-checked) and the name reports use: the upload's, else the file's."""
    return read_source_bytes(source, name)


#: What a reader calls content it was given as bytes without a name.
_ANONYMOUS = "<upload>"


def _named(report: ImportReport, name: str) -> ImportReport:
    """The report naming the file the user gave (a reader given only bytes cannot know it)."""
    if report.source != _ANONYMOUS or name == _ANONYMOUS:
        return report
    old = report.source

    def fix(issues):
        return [dataclasses.replace(i, file=name) if i.file == old else i for i in issues]

    return dataclasses.replace(report, source=name, skipped=fix(report.skipped),
                               warnings=fix(report.warnings))


def _failed(err: ImportFailed, name: str) -> ImportFailed:
    out = ImportFailed(_named(err.report, name))
    out.__cause__ = err.__cause__
    return out


# ---- learner imports -------------------------------------------------------------------------
SaveLearner = Callable[[Learner], object]


def read_calendar(source, learner: Learner, save: SaveLearner, *, name: str | None = None,
                  tz: str | None = None, catalogue: Catalogue | None = None,
                  current: Callable[[], Learner] | None = None,
                  window_start=None, window_end=None) -> Import[Learner]:
    """Read a family calendar (``.ics``) as the learner's weekly busy and free times.

    Parameters
    ----------
    source : str, Path or bytes
        The calendar file, or an upload's content.
    learner : Learner
        The learner as they are now (not changed).
    save : callable
        Saves the updated learner; must raise when it could not (the store's ``save_learner``,
        or a state method).
    name : str, optional
        The file's name in reports (an upload's file name).
    tz : str, optional
        The family's IANA time zone (default: the learner's, else the catalogue's).
    catalogue : Catalogue, optional
        The catalogue the learner plans from: the dates read are its school year.
    current : callable, optional
        Returns the learner as they are when the import is applied (default: ``learner``).
    window_start, window_end : datetime.date, optional
        The first and last day to read (default: the catalogue's school year).

    Returns
    -------
    Import
        ``preview``: the learner's ``commitments`` and ``availability`` after the import.

    Raises
    ------
    ImportFailed
        When nothing in the file could be read.
    """
    from .formats.ics import import_calendar

    data, label = _source(source, name)
    kwargs = {"tz": tz, "catalogue": catalogue, "source_name": label,
              "window_start": window_start, "window_end": window_end}
    try:
        updated, report = import_calendar(data, learner, **kwargs)
    except ImportFailed as err:
        raise _failed(err, label) from None
    report = _named(report, label)

    def change() -> tuple[Learner, Message]:
        base = current() if current is not None else learner
        new = updated if base == learner else import_calendar(data, base, **kwargs)[0]
        save(new)
        # TRANSLATORS: {name}'s is the English possessive; put {name} where your language does.
        return new, M_("Saved {name}'s week: {busy} and {free} a week.", name=new.name,
                       busy=MP_("{n} busy time", "{n} busy times", n=len(new.commitments)),
                       free=MP_("{n} free time", "{n} free times", n=len(new.availability)))

    preview = {"learner_id": learner.learner_id,
               "commitments": [b.to_dict() for b in updated.commitments],
               "availability": [b.to_dict() for b in updated.availability]}
    return Import("calendar", report, preview, change)


def read_credentials(source, learner: Learner, competencies: pd.DataFrame, save: SaveLearner,
                     *, name: str | None = None,
                     current: Callable[[], Learner] | None = None) -> Import[Learner]:
    """Read Open Badges / CLR credentials as evidence that raises the learner's levels.

    Parameters
    ----------
    source : str, Path or bytes
        The credential file (JSON or a VC-JWT), or an upload's content.
    learner : Learner
        The learner as they are now (not changed).
    competencies : DataFrame
        The catalogue's competencies, to match the credentials' alignments against.
    save, name, current
        As :func:`read_calendar`.

    Returns
    -------
    Import
        ``preview``: ``evidence`` (every piece, verified or not, with ``competency_name``)
        and ``raised`` (competency id -> new level).

    Raises
    ------
    ImportFailed
        When nothing in the file could be read.
    """
    from .formats.badges import apply_evidence, evidence_levels
    from .formats.badges import read_credentials as read_badges

    data, label = _source(source, name)
    try:
        records, report = read_badges(data, label, known_competencies=competencies)
    except ImportFailed as err:
        raise _failed(err, label) from None
    report = _named(report, label)
    evidence = evidence_levels(records, competencies)

    def raised(before: Learner, after: Learner) -> dict[str, int]:
        return {c: v for c, v in after.levels.items() if v > before.level(c)}

    def change() -> tuple[Learner, Message]:
        base = current() if current is not None else learner
        new = apply_evidence(base, evidence)
        save(new)
        return new, M_("Saved {pieces} for {name}; {levels}. Unverified evidence is marked as "
                       "such.", name=new.name,
                       pieces=MP_("{n} piece of evidence", "{n} pieces of evidence",
                                  n=len(evidence)),
                       levels=MP_("{n} level raised", "{n} levels raised",
                                  n=len(raised(base, new))))

    names = dict(zip(competencies["competency_id"], competencies["name"], strict=True))
    preview = {"learner_id": learner.learner_id,
               "evidence": [e.to_dict() | {"competency_name": names.get(e.competency_id, "")}
                            for e in evidence],
               "raised": raised(learner, apply_evidence(learner, evidence))}
    return Import("credentials", report, preview, change)


# ---- imports that make a new data directory --------------------------------------------------
def _check_destination(out: Path, reuse: bool) -> None:
    if out.exists() and not out.is_dir():
        report = ImportReport(str(out))
        report.skip("", M_("is a file, not a directory: choose a new directory"))
        raise ImportFailed(report)
    if not reuse and out.is_dir() and any(out.iterdir()):
        report = ImportReport(str(out))
        report.skip("", M_("already exists and is not empty: choose a new directory"))
        raise ImportFailed(report)


class _Staging:
    """A directory written beside ``out`` and moved into place once it loads as a whole.

    Whatever happens (a full disk, a directory that does not load), nothing half-written is
    left at ``out``, and the staging directory itself is removed.
    """

    def __init__(self, out: Path):
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.importing-", dir=out.parent))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def load(self) -> Dataset:
        """The staged directory, loaded and checked: it must be a whole, valid data directory."""
        from .formats.datadir import load_dataset

        try:
            return load_dataset(self.path)
        except DataError as err:
            report = ImportReport(str(self.out))
            for p in err.problems:
                report.skip(f"{p.file}:{p.field}", p.said or p.message, p.line)
            raise ImportFailed(report) from None

    def put_in_place(self, reuse: bool) -> Dataset:
        """Check the staged directory, then move it to ``out`` (or keep ``out`` when reusing)."""
        dataset = self.load()
        if self.out.is_dir() and any(self.out.iterdir()):
            if not reuse:
                _check_destination(self.out, reuse=False)
            # the same import was put in place before (same file, mapping and base): keep it
            self.remove()
        else:
            if self.out.is_dir():
                self.out.rmdir()
            os.replace(self.path, self.out)
        dataset.root = self.out
        return dataset


def import_folder(store_path: str | os.PathLike) -> Path:
    """Where the app keeps the data directories its catalogue imports write: beside its store."""
    return Path(store_path).resolve().parent / "imports"


def catalogue_dir_name(data: bytes, name: str, mapping, base_dir) -> str:
    """A directory name for one import: the file's stem and a hash of what it was made from.

    Importing the same file with the same mapping into the same base gives the same name, so
    the app reuses the directory it wrote the first time.
    """
    digest = hashlib.sha256(data)
    digest.update(Path(mapping).read_bytes() if Path(mapping).is_file() else str(mapping).encode())
    digest.update(str(Path(base_dir).resolve() if base_dir else "").encode())
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(name).stem)[:40]
    return f"{stem or 'catalogue'}-{digest.hexdigest()[:10]}"


def read_catalogue(source, mapping, base_dir, out_dir, *, name: str | None = None,
                   use: Callable[[Dataset], object] | None = None,
                   reuse: bool = False) -> Import[Dataset]:
    """Read a provider catalogue (CSV + YAML column mapping) into a new data directory.

    The base directory is never changed: the new directory holds the base catalogue plus the
    imported providers, opportunities and sections, and the base's learners and plans.

    Parameters
    ----------
    source : str, Path or bytes
        The provider catalogue CSV, or an upload's content.
    mapping : str or Path
        Its YAML column mapping.
    base_dir : str or Path or None
        The data directory to add to.
    out_dir : str or Path
        Where the new data directory goes; it must not exist yet, or be empty (unless ``reuse``).
    name : str, optional
        The file's name in reports.
    use : callable, optional
        Called with the new dataset once it is in place (the app switches to it).
    reuse : bool
        When ``out_dir`` already holds this import (same file, mapping and base), keep it.

    Returns
    -------
    Import
        ``preview``: ``out`` (the directory it will write).

    Raises
    ------
    ImportFailed
        When the mapping, the file or the base cannot be used, or ``out_dir`` is taken.
    """
    from .formats.catalog import load_mapping, merge_into, read_catalog_csv
    from .formats.datadir import load_dataset, write_data_dir

    data, label = _source(source, name)
    out = Path(out_dir).expanduser().resolve()
    if base_dir is not None and out == Path(base_dir).resolve():
        report = ImportReport(str(out))
        report.skip("", M_("write the import to a new directory, not over the data directory"))
        raise ImportFailed(report)
    _check_destination(out, reuse)
    rules = load_mapping(mapping)
    existing, learners, plans = None, [], []
    frames = {frame: pd.DataFrame(columns=[c.name for c in FILES[file]])
              for file, frame in FRAME_NAMES.items()}
    if base_dir is not None:
        try:
            base = load_dataset(base_dir)
        except DataError as err:
            report = ImportReport(str(base_dir))
            report.skip("", M_("the data directory to add to does not load: {problem}",
                               problem=err.problems[0]))
            raise ImportFailed(report) from None
        existing = base.catalogue
        frames = {frame: getattr(existing, frame) for frame in FRAME_NAMES.values()}
        learners, plans = list(base.learners.values()), list(base.plans.values())
    try:
        imported, report = read_catalog_csv(data, rules, existing)
        merged = merge_into(frames, imported)  # refuses ids the catalogue already has
    except ImportFailed as err:
        raise _failed(err, label) from None
    report = _named(report, label)

    def change() -> tuple[Dataset, Message]:
        staging = _Staging(out)
        try:
            write_data_dir(staging.path, merged, learners, plans)
            dataset = staging.put_in_place(reuse)
        finally:
            staging.remove()
        if use is not None:
            use(dataset)
        n = len(dataset.catalogue.section_table)
        return dataset, MP_("Added {source} to the catalogue: it now has {n} section.",
                            "Added {source} to the catalogue: it now has {n} sections.",
                            source=label, n=Value("integer", n))

    return Import("catalogue", report, {"out": str(out)}, change)


def read_framework(source, base_dir, out_dir, *, name: str | None = None,
                   domains: dict[str, str] | None = None) -> Import[Dataset]:
    """Read a CASE framework (JSON package or OpenSALT CSV) into a new data directory.

    The new directory is the base with the framework's competencies added to
    ``competencies.csv`` and its prerequisites, crosswalks and outside references beside it
    (``case_*.csv``). The base directory is never changed.

    Parameters
    ----------
    source : str, Path or bytes
        The framework file (``.csv``: an OpenSALT export; otherwise a CASE JSON package).
    base_dir : str or Path
        The data directory to add to.
    out_dir : str or Path
        Where the new data directory goes; it must not exist yet, or be empty.
    name : str, optional
        The file's name in reports.
    domains : dict, optional
        The framework's subject areas -> the catalogue's (``{"Math": "Mathematics"}``).

    Returns
    -------
    Import
        ``preview``: ``framework`` (its title), ``competencies`` (how many), ``out``, and
        ``added``/``updated``/``unchanged``/``refused`` (competencies already in the base that
        are the same items are updated, see ``formats.case.merge_framework``).

    Raises
    ------
    ImportFailed
        When the file cannot be read, ``out_dir`` is taken, or an imported competency id is
        already in the base (nothing would be merged then).
    DataError
        When the base directory does not load.
    """
    from .formats.case import merge_framework, read_case_package, read_opensalt_csv
    from .formats.datadir import extra_tables, load_dataset, write_data_dir

    data, label = _source(source, name)
    out = Path(out_dir).expanduser().resolve()
    _check_destination(out, reuse=False)
    base = load_dataset(base_dir)
    reader = read_opensalt_csv if label.lower().endswith(".csv") else read_case_package
    known = sorted(set(base.catalogue.competencies["domain"].astype(str)))
    try:
        framework, report = reader(data, label, domains=domains, known_domains=known)
    except ImportFailed as err:
        raise _failed(err, label) from None
    report = _named(report, label)
    comps = framework.competencies
    # the same items (the same URI, or this directory's own export) are updates, not clashes
    columns = [c.name for c in FILES["competencies.csv"]]
    merged_rows, counts = merge_framework(base.catalogue.competencies[columns], framework, report)
    if not counts["added"] + counts["updated"] + counts["unchanged"]:
        raise ImportFailed(report)

    def change() -> tuple[Dataset, Message]:
        cat = base.catalogue
        merged = typed_frame("competencies.csv", merged_rows[columns].astype(object))
        frames = {frame: getattr(cat, frame) for frame in FRAME_NAMES.values()}
        frames["competencies"] = merged
        extra = extra_tables(base_dir) | {f: getattr(framework, a) for f, a in CASE_TABLES.items()}
        staging = _Staging(out)
        try:
            write_data_dir(staging.path, frames, base.learners.values(), base.plans.values(),
                           extra=extra)
            dataset = staging.put_in_place(reuse=False)
        finally:
            staging.remove()
        return dataset, M_(
            "Wrote {out}: from {title}, {added} competencies added, {updated} updated, "
            "{unchanged} unchanged ({prerequisites} prerequisites, {crosswalks} crosswalks, "
            "{refs} references outside the package).", out=str(out),
            title=repr(framework.document.title), added=counts["added"],
            updated=counts["updated"], unchanged=counts["unchanged"],
            prerequisites=len(framework.prerequisites), crosswalks=len(framework.crosswalks),
            refs=len(framework.external_refs))

    preview = {"framework": framework.document.title, "competencies": len(comps),
               "out": str(out), **counts}
    return Import("framework", report, preview, change)
