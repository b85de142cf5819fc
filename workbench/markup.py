"""Text from data stays text: the one place that makes it safe for HTML, SVG and CSV.

Every name, title, address, note or label that came from a file or a person is *data*. Shown in
the app or written into a file a person opens, it must never become markup or a formula:

- :func:`escape_text` for HTML and SVG text content, :func:`attr` for a (double-quoted)
  attribute value. Every view, the family summary and the SVG pictures build their HTML
  through these two, so there is one rule to check, not thirty ``html.escape`` calls.
- :func:`csv_cell` / :func:`csv_frame` / :func:`write_csv` neutralise spreadsheet formulas
  (OWASP "CSV injection": a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading single quote), keeping numbers numbers.

No Panel here (and no I/O but :func:`write_csv`), so the domain's summary can use it too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_START", "attr", "csv_cell", "csv_frame", "escape_text", "literal_braces",
           "write_csv"]

#: The characters a spreadsheet may read as the start of a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A plain number as text ("-12", "+3.5", "-1e-3"): what a spreadsheet reads as a number anyway.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def escape_text(value: Any) -> str:
    """``value`` as HTML (or SVG) text: ``& < > " '`` escaped, so it shows as written.

    ``None`` shows as nothing; anything else through ``str``.
    """
    return "" if value is None else html.escape(str(value), quote=True)


def attr(value: Any) -> str:
    """``value`` for inside a double-quoted HTML attribute (``title="..."``, ``data-x="..."``).

    The same escaping as :func:`escape_text` (quotes included), named separately so a reader
    sees at the call site that the text lands in an attribute. Never use it for ``href``/``src``
    or event attributes: data never chooses a URL scheme or a script.
    """
    return escape_text(value)


def literal_braces(text: Any) -> str:
    """Text for a format-string option (HoloViews ``title=``): ``{`` and ``}`` doubled, so a name
    such as ``{label}`` is shown, not filled in (or raising)."""
    return str(text).replace("{", "{{").replace("}", "}}")


def csv_cell(value: Any) -> Any:
    """One cell as a spreadsheet will read it safely: a text cell that begins with a formula
    character gets a leading ``'``; numbers (also ``"-12"`` as text) and empty cells are kept.
    """
    if not isinstance(value, str) or not value or value[0] not in FORMULA_START:
        return value
    if _NUMBER.fullmatch(value):
        return value  # "-3.5" is a number, not a formula
    return "'" + value


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell through :func:`csv_cell` (numeric columns kept).

    The column names are text a person reads too, so they are neutralised the same way.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or \
                pd.api.types.is_datetime64_any_dtype(s):
            continue
        out[col] = s.map(csv_cell)
    out.columns = [csv_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, target, **kwargs) -> None:
    """``df.to_csv(target, index=False, ...)`` with every text cell neutralised.

    ``target`` is a path or a text buffer; keyword arguments go to :meth:`DataFrame.to_csv`.
    """
    kwargs.setdefault("index", False)
    if isinstance(target, str | Path):
        target = Path(target)
    csv_frame(df).to_csv(target, **kwargs)
