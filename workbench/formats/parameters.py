"""The parameters file: the projection's model parameters, where each value came from, and fits.

``workbench calibrate --out FILE`` writes one; ``serve``, ``project``, ``compare`` and ``batch``
read one with ``--parameters FILE``. JSON (``.json``) or YAML (``.yaml``/``.yml``)::

    format: workbench-parameters
    version: 1
    parameters:                 # any fields of ModelParameters; the others keep their defaults
      base_learn_rate: 0.0061
      level_difficulty: [0.55, 0.8, 1.0, 1.41]
    provenance:                 # optional: where each value came from
      base_learn_rate: {source: "fitted by workbench calibrate from responses.csv",
                        interval: [0.0053, 0.0070], level: 0.9, note: "..."}
    source: {...}               # optional: what was calibrated, how (kept as information)
    fits: [...]                 # optional: the BKT fit of every skill (information)
    attendance: {...}           # optional: the attendance fit (information)
    calibration: {...}          # optional: the held-out check (information)

A bootstrap ``interval`` for ``base_learn_rate`` or ``base_attendance`` sets the spread of that
parameter's draws behind every range (``projection.fitted_spread``; ``docs/model.md`` section
6.1) unless ``parameters`` sets ``learn_rate_spread`` / ``attendance_spread`` itself.

A hand-written file needs only ``parameters``. Unknown keys, values of the wrong type and values
``ModelParameters`` refuses are problems at ``file:line:key``; nothing is used from a file with
any problem.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    create_model,
)

from ..domain.projection import DEFAULT_PARAMETERS, ModelParameters, fitted_spread
from ..i18n import M_
from .report import DataError, DataProblem

FORMAT = "workbench-parameters"
FIELDS = tuple(f.name for f in dataclasses.fields(ModelParameters))


def _number(v):
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number (got {v!r})")
    return float(v)


#: A number as JSON and YAML write one: not text, not true/false.
Number = Annotated[float, BeforeValidator(_number)]


def _strict(hint):
    """The dataclass's type with numbers and words strict (no "0.5" strings, no true/false as 1/0);
    lists are still read as tuples."""
    if hint is float:
        return Number
    if hint is str:
        return StrictStr
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and args:
        return tuple[tuple(_strict(a) if a is not Ellipsis else a for a in args)]  # type: ignore
    return hint


def _value_model() -> type[BaseModel]:
    """``parameters:``: every field of ModelParameters, optional, typed as the dataclass says."""
    hints = typing.get_type_hints(ModelParameters)
    fields = {name: (_strict(hints[name]) | None, None) for name in FIELDS}
    return create_model("ParameterValues", __config__=ConfigDict(extra="forbid"), **fields)


ParameterValues = _value_model()


class ParameterSource(BaseModel):
    """Where one parameter's value came from."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="'fitted by ... from FILE', a citation, or 'judgment'")
    value: Any = None
    interval: Any = None
    level: float | None = None
    note: str = ""


class ParametersDocument(BaseModel):
    """The whole parameters file."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["workbench-parameters"] = FORMAT
    version: Literal[1] = 1
    created: str | None = None
    source: dict[str, Any] = Field(default_factory=dict)
    parameters: ParameterValues = Field(default_factory=ParameterValues)  # type: ignore[valid-type]
    provenance: dict[Literal[FIELDS], ParameterSource] = Field(  # type: ignore[valid-type]
        default_factory=dict)
    fits: list[dict[str, Any]] = Field(default_factory=list)
    attendance: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None


@dataclass(frozen=True)
class ParameterSet:
    """Model parameters with where each came from: what a parameters file holds."""

    parameters: ModelParameters = DEFAULT_PARAMETERS
    provenance: dict[str, dict] = field(default_factory=dict)
    document: dict = field(default_factory=dict)
    path: str | None = None

    @property
    def fitted(self) -> list[str]:
        """The parameters the file sets."""
        return sorted(self.document.get("parameters", {}))


# ---- reading ---------------------------------------------------------------------------------
def _key_lines(text: str) -> dict[tuple, int]:
    """(key, key, index, ...) -> its line in the file (1-based), for YAML and for JSON."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[tuple, int] = {}

    def walk(node, path):
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                k = (*path, key.value)
                lines[k] = key.start_mark.line + 1
                walk(value, k)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return lines


_INTERNAL = ("function-", "literal[", "tuple[", "list[", "dict[")


def _where(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) != "[key]" and not str(part).startswith(_INTERNAL):
            out += f".{part}" if out else str(part)
    return out


def _line(lines: dict[tuple, int], loc) -> int | None:
    loc = tuple(p for p in loc if isinstance(p, int) or not (
        str(p) == "[key]" or str(p).startswith(_INTERNAL)))
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _plain(error: dict) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return "not a key of a parameters file" if len(error["loc"]) == 1 else \
            "not a model parameter (see docs/model.md)"
    if kind == "literal_error" and error["loc"][:1] == ("provenance",):
        return f"{value!r} is not a model parameter (see docs/model.md)"
    if kind == "missing" and error["loc"] and isinstance(error["loc"][-1], int):
        return "the list is too short"
    if kind == "literal_error":
        return f"must be {error.get('ctx', {}).get('expected', '')} (got {value!r})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return f"{error['msg'].rstrip('.')} (got {value!r})"


def read_parameters(path) -> ParameterSet:
    """Read and check a parameters file (module docstring).

    Raises
    ------
    DataError
        Listing every problem as file:line:key; nothing from the file is used then.
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError([DataProblem(name, None, "", M_("could not open the file: {reason}",
                                                        reason=exc.strerror or exc))],
                        name) from exc
    except UnicodeDecodeError:
        raise DataError([DataProblem(name, None, "", M_("not UTF-8 text"))], name) from None
    try:
        doc = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DataError([DataProblem(name, exc.lineno, f"column {exc.colno}",
                                     M_("not valid JSON: {reason}", reason=exc.msg))],
                        name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError([DataProblem(name, mark.line + 1 if mark else None, "",
                                     M_("not valid YAML: {reason}",
                                        reason=getattr(exc, "problem", None) or exc))],
                        name) from None
    if not isinstance(doc, dict):
        raise DataError([DataProblem(name, 1, "", M_("a parameters file is a mapping of keys "
                                                     "(format, parameters, provenance, ...)"))],
                        name)
    lines = _key_lines(text)
    try:
        checked = ParametersDocument.model_validate(doc)
    except ValidationError as exc:
        raise DataError([DataProblem(name, _line(lines, e["loc"]), _where(e["loc"]), _plain(e))
                         for e in exc.errors(include_url=False)], name) from None
    values = checked.parameters.model_dump(exclude_none=True)
    problems = [DataProblem(name, lines.get(("parameters", k)), f"parameters.{k}",
                            M_("must be a finite number"))
                for k, v in values.items() if isinstance(v, float) and not math.isfinite(v)]
    if problems:
        raise DataError(problems, name)
    try:
        params = dataclasses.replace(DEFAULT_PARAMETERS, **values)
    except ValueError as exc:
        key = next((k for k in values if str(exc).startswith(k)), None)
        where = ("parameters", key) if key else ("parameters",)
        raise DataError([DataProblem(name, _line(lines, where), _where(where), str(exc))],
                        name) from None
    provenance = {k: v.model_dump() for k, v in checked.provenance.items()}
    # the fitted intervals are the parameters' distribution behind every range (unless the
    # file sets the spreads itself)
    params = fitted_spread(params, provenance, given=tuple(values))
    return ParameterSet(parameters=params, provenance=provenance,
                        document=checked.model_dump(mode="json", exclude_none=False) | {
                            "parameters": _plain_values(values)}, path=name)


def _plain_values(values: dict) -> dict:
    return {k: [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple)
            else v for k, v in values.items()}


# ---- writing ---------------------------------------------------------------------------------
def write_parameters(document: dict, path) -> Path:
    """Write a parameters file (JSON or YAML by the file's suffix), checked first, atomically.

    The document is validated exactly as ``read_parameters`` would read it, so a file this
    writes always reads back; the file appears complete or not at all.

    Raises
    ------
    ValueError
        An unknown suffix, or a document that would not read back (the first problem).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ValueError(f"{path.name}: a parameters file ends in .json, .yaml or .yml")
    try:
        checked = ParametersDocument.model_validate(document)
        values = checked.parameters.model_dump(exclude_none=True)
        dataclasses.replace(DEFAULT_PARAMETERS, **values)
    except ValidationError as exc:
        e = exc.errors(include_url=False)[0]
        raise ValueError(f"{_where(e['loc'])}: {_plain(e)}") from None
    plain = checked.model_dump(mode="json")
    plain["parameters"] = _plain_values(values)
    if suffix == ".json":
        text = json.dumps(plain, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
