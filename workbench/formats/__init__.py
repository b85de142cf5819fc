"""Importers and exporters for files other tools write: CASE frameworks, Open Badges, CLR."""

from workbench.formats.report import ImportFailed, ImportIssue, ImportReport

__all__ = ["ImportFailed", "ImportIssue", "ImportReport"]
