"""Moved: reading, checking and writing data directories is I/O and lives in
:mod:`workbench.formats.datadir`; :class:`DataProblem` and :class:`DataError` in
:mod:`workbench.formats.report`.

This module only forwards the old names (looked up on first use, so importing the domain never
imports the I/O layer). New code imports from ``workbench.formats.datadir``.
"""

from __future__ import annotations

import importlib

_MOVED = {
    "DataProblem": "workbench.formats.report",
    "DataError": "workbench.formats.report",
}


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    module = importlib.import_module(_MOVED.get(name, "workbench.formats.datadir"))
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
