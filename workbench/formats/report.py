"""What an import read, what it kept and exactly what it could not read.

Every importer in :mod:`workbench.formats` returns an :class:`ImportReport` next to what it
imported, so nothing is ever dropped silently: each skipped record carries a path-like
location ("CFItems[12].fullStatement") and a plain reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Files larger than this are refused before parsing: a planning tool never needs more, and
# parsing a huge file would stall the session for every family using the server.
MAX_IMPORT_BYTES = 50 * 2**20


@dataclass(frozen=True)
class ImportIssue:
    """One thing an importer could not read, or read with a caveat.

    Parameters
    ----------
    file : str
        The file (or source name) the issue is in.
    line : int or None
        Line number when the format has lines (CSV); ``None`` for JSON.
    field : str
        Where in the file, e.g. ``"CFItems[12].fullStatement"``.
    message : str
        What went wrong, in plain words.
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        line = "" if self.line is None else str(self.line)
        return f"{self.file}:{line}:{self.field}: {self.message}"


@dataclass
class ImportReport:
    """Counts and issues for one import.

    Parameters
    ----------
    source : str
        File name or label of what was imported.
    read : int
        Records found in the source.
    imported : int
        Records kept.
    skipped : list of ImportIssue
        Records not imported, each with where and why.
    warnings : list of ImportIssue
        Records imported with a caveat (e.g. unverified, external reference).
    """

    source: str
    read: int = 0
    imported: int = 0
    skipped: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    def skip(self, field_: str, message: str, line: int | None = None) -> None:
        """Record a record that was not imported."""
        self.skipped.append(ImportIssue(self.source, line, field_, message))

    def warn(self, field_: str, message: str, line: int | None = None) -> None:
        """Record a caveat about something that was imported."""
        self.warnings.append(ImportIssue(self.source, line, field_, message))

    def summary(self) -> str:
        """One plain sentence, e.g. "Read 703 items: imported 700, skipped 3 (see below)."."""
        noun = "item" if self.read == 1 else "items"
        text = f"Read {self.read} {noun}: imported {self.imported}"
        if self.skipped:
            text += f", skipped {len(self.skipped)}"
        if self.warnings:
            text += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        if self.skipped or self.warnings:
            text += " (see below)"
        return text + "."

    def to_dict(self) -> dict:
        """Plain-data form (for JSON output from the CLI)."""
        return {
            "source": self.source,
            "read": self.read,
            "imported": self.imported,
            "summary": self.summary(),
            "skipped": [asdict(i) | {"text": str(i)} for i in self.skipped],
            "warnings": [asdict(i) | {"text": str(i)} for i in self.warnings],
        }


class ImportFailed(Exception):
    """Nothing could be imported (not JSON at all, over the size limit, ...).

    The :attr:`report` says why, in the same form as a partial import.
    """

    def __init__(self, report: ImportReport):
        self.report = report
        reasons = "; ".join(str(i) for i in report.skipped) or "nothing could be read"
        super().__init__(f"Could not import {report.source}: {reasons}")


def read_source_bytes(
    path_or_bytes, source_name: str | None = None
) -> tuple[bytes, str]:
    """Read a file or take bytes, refusing anything over :data:`MAX_IMPORT_BYTES`.

    Parameters
    ----------
    path_or_bytes : str, os.PathLike, bytes or str content
        A path to read, or the content itself (bytes).
    source_name : str, optional
        Label used in reports; defaults to the file name.

    Returns
    -------
    tuple of (bytes, str)
        The content and the source name.

    Raises
    ------
    ImportFailed
        If the file cannot be opened or is too large.
    """
    import os
    from pathlib import Path

    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        name = source_name or "<upload>"
        data = bytes(path_or_bytes)
    else:
        path = Path(os.fspath(path_or_bytes))
        name = source_name or path.name
        try:
            size = path.stat().st_size
            if size > MAX_IMPORT_BYTES:
                _too_large(name, size)
            data = path.read_bytes()
        except OSError as exc:
            report = ImportReport(name)
            report.skip("", f"could not open the file: {exc.strerror or exc}")
            raise ImportFailed(report) from exc
    if len(data) > MAX_IMPORT_BYTES:
        _too_large(name, len(data))
    return data, name


def _too_large(name: str, size: int) -> None:
    report = ImportReport(name)
    report.skip(
        "",
        f"the file is {size / 2**20:.1f} MB, over the {MAX_IMPORT_BYTES // 2**20} MB import limit",
    )
    raise ImportFailed(report)
