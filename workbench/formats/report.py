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

from ..domain.words import ENGLISH, Words
from ..i18n import M_, MP_, Message, Value

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
    message : str or Message
        What is wrong, in plain words. Given as a :class:`~workbench.i18n.Message`, it is kept
        as ``said`` and ``message`` is its English; ``text(words)`` says it in any language
        (the file, line and field are data: never translated).
    """

    file: str
    line: int | None
    field: str
    message: str
    said: Message | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if isinstance(self.message, Message):
            object.__setattr__(self, "said", self.message)
            object.__setattr__(self, "message", str(self.message))

    def where(self) -> str:
        """``file:line:field``, leaving out what is not known (never "file:::" or "-:-")."""
        return ":".join(str(part) for part in (self.file, self.line, self.field)
                        if part not in (None, ""))

    def text(self, words: Words = ENGLISH) -> str:
        """``file:line:field: message``, the message in ``words``' language."""
        message = self.said.render(words) if self.said is not None else self.message
        where = self.where()
        return f"{where}: {message}" if where else message

    def __str__(self) -> str:
        return self.text(ENGLISH)

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
        return self.text(ENGLISH)

    def text(self, words: Words = ENGLISH) -> str:
        """How many problems, then each on its own line, in ``words``' language."""
        n = len(self.problems)
        head = (MP_("{n} problem in {where}", "{n} problems in {where}", n=n, where=self.where)
                if self.where else MP_("{n} problem", "{n} problems", n=n))
        return "\n".join([head.render(words), *(p.text(words) for p in self.problems)])

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

    def skip(self, field_: str, message: str | Message, line: int | None = None) -> None:
        """Record a record that was not imported (``message``: best an ``M_(...)`` sentence)."""
        self.skipped.append(DataProblem(self.source, line, field_, message))

    def warn(self, field_: str, message: str | Message, line: int | None = None) -> None:
        """Record a caveat about something that was imported."""
        self.warnings.append(DataProblem(self.source, line, field_, message))

    def summary(self, words: Words = ENGLISH) -> str:
        """One plain sentence, e.g. "Read 703 items: imported 700, skipped 3, 2 notes."."""
        parts = [MP_("Read {n} item: imported {imported}", "Read {n} items: imported {imported}",
                     n=Value("integer", self.read), imported=Value("integer", self.imported))]
        if self.skipped:
            parts.append(M_(", skipped {n}", n=Value("integer", len(self.skipped))))
        if self.warnings:
            parts.append(MP_(", {n} note", ", {n} notes", n=Value("integer", len(self.warnings))))
        return "".join(p.render(words) for p in parts) + "."

    def lines(self, words: Words = ENGLISH, most_skipped: int = 50,
              most_warnings: int = 20) -> list[str]:
        """The summary, then each skipped part and each note on its own line (for a terminal)."""
        out = [self.summary(words)]
        out += ["  " + M_("skipped {problem}", problem=i.text(words)).render(words)
                for i in self.skipped[:most_skipped]]
        if len(self.skipped) > most_skipped:
            out.append("  " + M_("... and {n} more skipped",
                                 n=len(self.skipped) - most_skipped).render(words))
        out += ["  " + M_("note: {problem}", problem=i.text(words)).render(words)
                for i in self.warnings[:most_warnings]]
        if len(self.warnings) > most_warnings:
            out.append("  " + M_("... and {n} more notes",
                                 n=len(self.warnings) - most_warnings).render(words))
        return out

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
        super().__init__(self.text(ENGLISH))

    def text(self, words: Words = ENGLISH) -> str:
        """Why nothing could be imported, in ``words``' language."""
        reasons = "; ".join(i.text(words) for i in self.report.skipped) or M_(
            "nothing could be read").render(words)
        return M_("Could not import {source}: {reasons}", source=self.report.source,
                  reasons=reasons).render(words)

    def __str__(self) -> str:
        return self.text(ENGLISH)


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
            # the system's reason (its own words, as the system gives them)
            report.skip("", M_("could not open the file: {reason}",
                               reason=exc.strerror or exc))
            raise ImportFailed(report) from exc
    if len(data) > MAX_IMPORT_BYTES:
        _too_large(name, len(data))
    return data, name


def _too_large(name: str, size: int) -> None:
    report = ImportReport(name)
    report.skip("", M_("the file is {size} MB, over the {most} MB import limit",
                       size=Value("number", size / 2**20), most=MAX_IMPORT_BYTES // 2**20))
    raise ImportFailed(report)
