"""The columns of every catalogue file: name, type, whether required, default and allowed values.

``docs/data-format.md`` describes the same columns for people; ``formats.datadir`` validates files
against these specs, and ``typed_frame`` fills optional columns so every Catalogue frame has them
all. Nothing here reads a file: it is the shape of the catalogue's tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .vocabulary import MODALITIES, MODES, OPPORTUNITY_KINDS, PROVIDER_KINDS
from .words import FALSE_WORDS, TRUE_WORDS


@dataclass(frozen=True)
class Column:
    """One CSV column: ``kind`` is id, ref, text, int, float, bool, date, time, days, list, enum."""

    name: str
    kind: str
    required: bool = True
    default: object = None
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    ref: str | None = None  # "file.column" an id must exist in


FILES: dict[str, tuple[Column, ...]] = {
    "competencies.csv": (
        Column("competency_id", "id"),
        Column("domain", "text"),
        Column("name", "text"),
        Column("description", "text"),
        Column("parent_id", "ref", False, "", ref="competencies.competency_id"),
        Column("source_uri", "text", False, ""),
        Column("difficulty", "float", False, 1.0, min=0.05, max=20),
    ),
    "requirements.csv": (
        Column("requirement_id", "id"),
        Column("name", "text"),
        Column("domain", "text"),
        Column("min_competencies", "int", min=1),
        Column("level", "int", min=0, max=4),
    ),
    "providers.csv": (
        Column("provider_id", "id"),
        Column("name", "text"),
        Column("kind", "enum", choices=PROVIDER_KINDS),
        Column("zone", "text"),
        Column("address", "text", False, ""),
        Column("lat", "float", False, float("nan"), min=-90, max=90),
        Column("lon", "float", False, float("nan"), min=-180, max=180),
        Column("offers_broadband", "bool", False, False),
        Column("lends_devices", "bool", False, False),
    ),
    "opportunities.csv": (
        Column("opportunity_id", "id"),
        Column("provider_id", "ref", ref="providers.provider_id"),
        Column("title", "text"),
        Column("kind", "enum", choices=OPPORTUNITY_KINDS),
        Column("modality", "enum", choices=MODALITIES),
        Column("min_grade", "int", min=0, max=12),
        Column("max_grade", "int", min=0, max=12),
        Column("cost", "float", min=0),
        Column("seats", "int", min=0),
        Column("requires_broadband", "bool"),
        Column("requires_device", "bool"),
        Column("interests", "list", False, ""),
        Column("mentor_role", "text", False, ""),
        Column("description", "text", False, ""),
        Column("requires_car", "bool", False, False),
        Column("credit_hours", "float", False, 0.0, min=0),
    ),
    "sections.csv": (
        Column("section_id", "id"),
        Column("opportunity_id", "ref", ref="opportunities.opportunity_id"),
        Column("start_date", "date"),
        Column("end_date", "date"),
        Column("days", "days", False, ""),
        Column("start_time", "time", False, ""),
        Column("end_time", "time", False, ""),
        Column("zone", "text", False, ""),
        Column("self_paced_hours", "float", False, 0.0, min=0, max=80),
        Column("seats", "int", False, None, min=0),
        Column("times_tba", "bool", False, False),
    ),
    "alignments.csv": (
        Column("opportunity_id", "ref", ref="opportunities.opportunity_id"),
        Column("competency_id", "ref", ref="competencies.competency_id"),
        Column("intensity", "float", min=0.0001, max=100),
        Column("max_level", "int", min=1, max=4),
        Column("min_level", "int", False, 0, min=0, max=4),
    ),
    "travel_times.csv": (
        Column("from_zone", "text"),
        Column("to_zone", "text"),
        Column("mode", "enum", choices=MODES),
        Column("minutes", "float", min=0, max=1440),
    ),
}

CATALOGUE_FILES = tuple(FILES)
FRAME_NAMES = {f: f.removesuffix(".csv") for f in FILES}


def typed_frame(file: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give an already-valid frame the canonical dtypes and every optional column's default.

    ids/text/enum/list/days/time -> str ("" when empty); int -> int64 (optional ints with no
    default -> float with NaN); float -> float64; bool -> bool; date -> datetime64[ns].
    """
    out = pd.DataFrame(index=range(len(df)))
    df = df.reset_index(drop=True)
    for col in FILES[file]:
        if col.name in df.columns:
            values = df[col.name]
        else:
            values = pd.Series([col.default] * len(df), dtype=object)
        if col.kind in ("id", "ref", "text", "enum", "list", "days", "time"):
            out[col.name] = values.fillna("").astype(str).str.strip().astype(object)
        elif col.kind == "int":
            num = pd.to_numeric(values, errors="coerce")
            if col.default is not None:
                num = num.fillna(col.default)
            # an optional int with no default (sections.seats) keeps NaN for "not given"
            out[col.name] = num.astype(float) if num.isna().any() else num.astype("int64")
        elif col.kind == "float":
            num = pd.to_numeric(values, errors="coerce")
            out[col.name] = num.fillna(col.default).astype(float) if col.default is not None \
                else num.astype(float)
        elif col.kind == "bool":
            out[col.name] = values.map(_to_bool).fillna(bool(col.default)).astype(bool)
        elif col.kind == "date":
            out[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
    return out


# the one set of true/false words (``words``); an empty cell in a catalogue file is false
TRUE = TRUE_WORDS
FALSE = FALSE_WORDS | {""}


def _to_bool(v):
    if isinstance(v, bool):
        return v
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    return None
