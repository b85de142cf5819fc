"""``workbench export case|ics``: the command lives with the importers in ``formats.cli``."""

from .cli import add_export_parser as add_parser
from .cli import run_export as run

__all__ = ["add_parser", "run"]
