"""The ``workbench`` command, one module per group of subcommands.

``core`` holds the parser and the data commands (validate, check, project, compare, serve);
``batch`` the district batch; ``imports`` and ``export`` the file importers and exporters.
"""

from .core import UserError, build_parser, main, open_workspace, print_json, to_jsonable

__all__ = ["UserError", "build_parser", "main", "open_workspace", "print_json", "to_jsonable"]
