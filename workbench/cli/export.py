"""``workbench export case|ics``: the command lives with the importers in ``cli.imports``."""

from .imports import add_export_parser as add_parser
from .imports import run_export as run

__all__ = ["add_parser", "run"]
