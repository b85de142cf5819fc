"""Problems at file:line:field, and what an import read, kept and could not read.

:class:`DataProblem` is the one type for "a problem at file:line:field": loading a data
directory raises a :class:`DataError` listing them, and every importer in
:mod:`workbench.formats` returns an :class:`ImportReport` of them next to what it imported, so
nothing is ever dropped silently: each skipped record carries a location
("CFItems[12].fullStatement") and a plain reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Files larger than this are refused before parsing: a planning tool never needs more, and
# parsing a huge file would stall the session for every family using the server.
MAX_IMPORT_BYTES = 50 * 2**20


@dataclass(frozen=True)
class DataProblem:
    """One problem at ``file:line:field``: a cell, a field or a whole file that could not be read.

    The one type for every such problem: data-directory validation (``DataError.problems``)
    and every importer's report (``ImportReport.skipped`` and ``.warnings``) use it.

    Parameters
    ----------
    file : str
        The file (relative to the data directory, or the import's source name).
    line : int or None
        The line in the file; ``None`` for a whole file, or an object read without a file.
    field : str
        The CSV column or the path in the file (``"goals[1].by"``,
        ``"CFItems[12].fullStatement"``); ``""`` for the whole file or row. A JSON syntax error
        puts the character column here.
    message : str
        What is wrong, in plain words.
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        # file:line:field: message, leaving out what is not known (never "file:::" or "-:-")
        where = ":".join(str(part) for part in (self.file, self.line, self.field)
                         if part not in (None, ""))
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        """Plain data (for JSON), with the one-line text as ``"text"``."""
        return {"file": self.file, "line": self.line, "field": self.field,
                "message": self.message, "text": str(self)}


#: The name importers used before loading and importing shared one problem type.
ImportIssue = DataProblem


class DataError(Exception):
    """Data that cannot be loaded; ``problems`` lists everything wrong, not only the first."""

    def __init__(self, problems: Iterable[DataProblem], where: str | os.PathLike = ""):
        self.problems = list(problems)
        self.where = str(where)
        super().__init__(self._text())

    def _text(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'' if n == 1 else 's'}" + (f" in {self.where}" if self.where else "")
        return "\n".join([head, *map(str, self.problems)])

    def __str__(self) -> str:
        return self._text()

    def __reduce__(self):
        return (type(self), (self.problems, self.where))


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
    skipped : list of DataProblem
        Records not imported, each with where and why.
    warnings : list of DataProblem
        Records imported with a caveat (e.g. unverified, external reference).
    """

    source: str
    read: int = 0
    imported: int = 0
    skipped: list[DataProblem] = field(default_factory=list)
    warnings: list[DataProblem] = field(default_factory=list)

    def skip(self, field_: str, message: str, line: int | None = None) -> None:
        """Record a record that was not imported."""
        self.skipped.append(DataProblem(self.source, line, field_, message))

    def warn(self, field_: str, message: str, line: int | None = None) -> None:
        """Record a caveat about something that was imported."""
        self.warnings.append(DataProblem(self.source, line, field_, message))

    def summary(self) -> str:
        """One plain sentence, e.g. "Read 703 items: imported 700, skipped 3."."""
        noun = "item" if self.read == 1 else "items"
        text = f"Read {self.read} {noun}: imported {self.imported}"
        if self.skipped:
            text += f", skipped {len(self.skipped)}"
        if self.warnings:
            text += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return text + "."

    def to_dict(self) -> dict:
        """Plain-data form (for JSON output from the CLI)."""
        return {
            "source": self.source,
            "read": self.read,
            "imported": self.imported,
            "summary": self.summary(),
            "skipped": [i.to_dict() for i in self.skipped],
            "warnings": [i.to_dict() for i in self.warnings],
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
