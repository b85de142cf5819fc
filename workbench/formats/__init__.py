"""The I/O layer: pure readers and writers between files and domain objects.

Data directories (``datadir``), CASE frameworks, iCalendar, Open Badges/CLR credentials and
provider catalogues. Nothing here saves to the store, prints or imports the CLI or Panel: the
imports service (:mod:`workbench.imports`) decides what a read changes. Every problem is a
:class:`DataProblem` at ``file:line:field``.
"""

from workbench.formats.report import DataError, DataProblem, ImportFailed, ImportIssue, ImportReport

__all__ = ["DataError", "DataProblem", "ImportFailed", "ImportIssue", "ImportReport"]
