"""Scenario errors: one clear line per problem, naming file, key, value and what is allowed.

The loader turns every way a scenario can be wrong (a missing file, malformed
TOML, a cyclic ``extends``, a bad ``--set``, and every pydantic validation
error) into a :class:`ScenarioError`. Its lines read like::

    scenarios/x.toml: attract.paid.conversion = 1.5: must be between 0 and 1
    scenarios/x.toml: unknown key 'engage.churn_per_mnth'; did you mean 'churn_per_month'?

What is allowed is read from the schema's field constraints, so the message
and ``docs/scenarios.md`` (which uses :func:`allowed_text` too) always agree
with what validation enforces.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from flysim.scenario.responses import Response, resolve_union_errors
from flysim.scenario.schema import Scenario

__all__ = [
    "ScenarioError",
    "ScenarioProblem",
    "allowed_text",
    "field_at",
    "format_key",
    "format_value",
    "is_model",
    "item_type",
    "response_of",
    "unknown_key_message",
    "unwrap_optional",
]

Loc = tuple[str | int, ...]

#: Where a key's value came from: the file's display path, and whether it was an override.
Origin = tuple[str, bool]

_MAX_VALUE_CHARS = 80


@dataclass(frozen=True, eq=False)
class ScenarioProblem:
    """One problem with a scenario, rendered as one line by ``str()``.

    Attributes
    ----------
    path : str
        The file the problem is in (for an override, the file it was applied to).
    message : str
        The rest of the line: key, value and what is allowed.
    key : str or None
        Dotted key path (``engage.churn_per_month.at_risk``), or None when the
        problem is with the file as a whole.
    value : Any
        The offending value, or None.
    override : bool
        True when the value came from an override (``--set``), not from a file.
    """

    path: str
    message: str
    key: str | None = None
    value: Any = None
    override: bool = False

    def __str__(self) -> str:
        where = f"{self.path} (--set)" if self.override else self.path
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be loaded: one line per problem in ``str(err)``.

    Parameters
    ----------
    problems : sequence of ScenarioProblem
        At least one problem.

    Attributes
    ----------
    problems : list of ScenarioProblem
        Every problem found, in the order of the file's keys.
    path, key, value
        Those of the first problem, for callers that handle one at a time.
    """

    def __init__(self, problems: Sequence[ScenarioProblem]) -> None:
        if not problems:
            raise ValueError("ScenarioError needs at least one problem")
        unique = {str(p): p for p in reversed(problems)}  # first of each line, in order
        self.problems: list[ScenarioProblem] = list(reversed(unique.values()))
        first = self.problems[0]
        self.path: str = first.path
        self.key: str | None = first.key
        self.value: Any = first.value
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the problems, so the error survives pickling across processes.
        return (type(self), (self.problems,))

    @classmethod
    def single(
        cls,
        path: str,
        message: str,
        *,
        key: str | None = None,
        value: Any = None,
        override: bool = False,
    ) -> ScenarioError:
        """An error with one problem."""
        return cls([ScenarioProblem(path, message, key, value, override)])

    @classmethod
    def from_validation_error(
        cls, exc: ValidationError, locate: Callable[[Loc], Origin]
    ) -> ScenarioError:
        """Translate a pydantic error on :class:`Scenario` into one line per problem.

        Parameters
        ----------
        exc : pydantic.ValidationError
            Raised by ``Scenario.model_validate``.
        locate : callable
            Maps an error's location (pydantic ``loc``) to the origin of the
            value there: the file's display path and whether it was an override.
        """
        errors = resolve_union_errors(exc.errors(include_url=False))
        typos = {
            (*extra[:-1], close)
            for e in errors
            if e["type"] == "extra_forbidden" and (extra := tuple(e["loc"]))
            for close in _close_keys(extra)
        }
        problems = []
        for error in errors:
            loc: Loc = tuple(error["loc"])
            if error["type"] == "missing" and loc in typos:
                continue  # the misspelt key's line says it all: "did you mean '<this>'?"
            path, override = locate(loc)
            message, value = _describe(error, loc)
            key = format_key(loc) if loc else None
            problems.append(ScenarioProblem(path, message, key, value, override))
        return cls(problems)


# -- the schema, walked by key path --------------------------------------------------------


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (it, False)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def is_model(annotation: Any) -> bool:
    """Whether ``annotation`` is a schema section (a pydantic model class)."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def item_type(annotation: Any) -> Any | None:
    """The item type of ``tuple[X, ...]``, else None."""
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


def field_at(loc: Loc, root: type[BaseModel] = Scenario) -> tuple[FieldInfo | None, Any] | None:
    """The schema field at a key path, walking the pydantic model classes.

    Parameters
    ----------
    loc : tuple of str and int
        Key path as pydantic reports it, e.g. ``("revenue", "tiers", 0, "mrr")``.
    root : pydantic model class
        Where the path starts.

    Returns
    -------
    (FieldInfo or None, annotation) or None
        The field (None for an array item, which has no field of its own) and
        its type with ``| None`` removed; None if the path is not in the schema.
        The empty path gives ``(None, root)``.
    """
    info: FieldInfo | None = None
    current: Any = root
    for part in loc:
        item = item_type(current)
        if isinstance(part, int) and item is not None:
            info, current = None, item
        elif isinstance(part, str) and is_model(current) and part in current.model_fields:
            info = current.model_fields[part]
            current, _ = unwrap_optional(info.annotation)
        elif isinstance(part, str) and (curve := response_of(current)) is not None:
            # A number-or-response key holding a response: its x and y.
            if part not in curve.model_fields:
                return None
            info = curve.model_fields[part]
            current = info.annotation
        else:
            return None
    return info, current


def response_of(annotation: Any) -> type[Response] | None:
    """The response class of a number-or-response key's type, else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    return next(
        (a for a in typing.get_args(annotation) if is_model(a) and issubclass(a, Response)), None
    )


def _number(x: float) -> str:
    if abs(x) >= 1e6:
        # 1e9 reads better than 1000000000; only where it is exact (not 2**63 - 1).
        short = f"{x:.6g}".replace("e+0", "e").replace("e+", "e")
        if float(short) == x:
            return short
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _bounds(metadata: Sequence[Any]) -> dict[str, float]:
    # Duck-typed on annotated_types' attribute names (Ge.ge, MinLen.min_length, ...).
    out: dict[str, float] = {}
    for m in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length"):
            if (v := getattr(m, name, None)) is not None:
                out[name] = v
    return out


def _range_text(b: dict[str, float], integer: bool) -> str:
    lo = ("ge", b["ge"]) if "ge" in b else ("gt", b["gt"]) if "gt" in b else None
    hi = ("le", b["le"]) if "le" in b else ("lt", b["lt"]) if "lt" in b else None
    kind = "an integer" if integer else "a number"
    if lo and hi:
        a, z = _number(lo[1]), _number(hi[1])
        if lo[0] == "ge" and hi[0] == "le":
            return f"{kind} from {a} to {z}" if integer else f"between {a} and {z}"
        if lo[0] == "gt" and hi[0] == "lt":
            return f"strictly between {a} and {z}"
        return f"{'>=' if lo[0] == 'ge' else '>'} {a} and {'<=' if hi[0] == 'le' else '<'} {z}"
    if lo:
        op = ">=" if lo[0] == "ge" else ">"
        return f"{kind} {op} {_number(lo[1])}" if integer else f"{op} {_number(lo[1])}"
    if hi:
        op = "<=" if hi[0] == "le" else "<"
        return f"{kind} {op} {_number(hi[1])}" if integer else f"{op} {_number(hi[1])}"
    return kind


def _number_or_response(annotation: Any) -> list[Any] | None:
    """The number branch's constraints of a number-or-response key's type, else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(annotation)
    if not any(is_model(a) and issubclass(a, Response) for a in args):
        return None
    for a in args:
        if typing.get_origin(a) is typing.Annotated:
            return [m for extra in typing.get_args(a)[1:] for m in getattr(extra, "metadata", [])]
    return None


def allowed_text(info: FieldInfo | None, annotation: Any) -> str:
    """What a key accepts, as a phrase that reads after "must be".

    Examples: ``between 0 and 1``, ``>= 0``, ``an integer from 1 to 120``,
    ``a non-empty string``, ``a table with keys healthy, at_risk``.
    """
    base, optional = unwrap_optional(info.annotation if info is not None else annotation)
    metadata = info.metadata if info is not None else []
    b = _bounds(metadata)
    item = item_type(base)
    if base is bool:
        text = "true or false"
    elif base is int:
        text = _range_text(b, integer=True)
    elif base is float:
        text = _range_text(b, integer=False)
    elif base is str:
        text = "a non-empty string" if b.get("min_length", 0) >= 1 else "a string"
    elif (number := _number_or_response(base)) is not None:
        numbers = _range_text(_bounds(number), integer=False)
        text = f"{numbers}, or a response {{x = [...], y = [...]}}"
    elif is_model(base):
        text = f"a table with keys {', '.join(base.model_fields)}"
    elif item is not None:
        n = int(b.get("min_length", 0))
        if is_model(item):
            what = f"table{'s' if n != 1 else ''} {{{', '.join(item.model_fields)}}}"
        else:
            what = f"value{'s' if n != 1 else ''}"
        text = f"an array of at least {n} {what}" if n else f"an array of {what}"
    else:
        text = str(base)
    return f"{text}, or omitted" if optional and not is_model(base) else text


# -- rendering ------------------------------------------------------------------------------


def format_key(loc: Loc) -> str:
    """``("revenue", "tiers", 1, "mrr")`` -> ``revenue.tiers[1].mrr``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def format_value(value: Any) -> str:
    """A value as it would be written in TOML, shortened if long."""
    text = _toml_inline(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


def _toml_inline(v: Any) -> str:
    if isinstance(v, BaseModel):
        v = v.model_dump()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_inline(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_inline(x) for x in v) + "]"
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return repr(v)


def _toml_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, (dt.date, dt.time)):
        return "a date or time"
    return type(v).__name__


def _close_keys(loc: Loc) -> list[str]:
    """The known key nearest an unknown one at the same place, if any is near."""
    parent = field_at(loc[:-1])
    if parent is None or not is_model(parent[1]):
        return []
    return difflib.get_close_matches(str(loc[-1]), list(parent[1].model_fields), n=1, cutoff=0.6)


def unknown_key_message(loc: Loc) -> str:
    """``unknown key 'a.b'`` with the nearest known key at that place, or the known keys."""
    message = f"unknown key '{format_key(loc)}'"
    parent = field_at(loc[:-1])
    if parent is None or not is_model(parent[1]):
        return message
    known = list(parent[1].model_fields)
    close = _close_keys(loc)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    where = f"in [{format_key(loc[:-1])}]" if len(loc) > 1 else "at the top level"
    return f"{message}; known keys {where}: {', '.join(known)}"


_RANGE_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "finite_number",
    "int_from_float",
    "too_short",
    "too_long",
    "string_too_short",
    "string_too_long",
}


def _describe(error: Any, loc: Loc) -> tuple[str, Any]:
    """The message after the file name, and the offending value, for one pydantic error."""
    kind = error["type"]
    value = error.get("input")
    key = format_key(loc)
    if kind == "extra_forbidden":
        return unknown_key_message(loc), value
    found = field_at(loc)
    allowed = allowed_text(*found) if found is not None else None
    if kind == "missing":
        return f"missing key '{key}' (must be {allowed or 'set'})", None
    if kind in ("value_error", "assertion_error"):
        reason = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        if not loc:
            return reason, None
        shown = _toml_inline(value)
        if len(shown) <= _MAX_VALUE_CHARS:
            return f"{key} = {shown}: {reason}", value
        return f"[{key}]: {reason}", value
    head = f"{key} = {format_value(value)}"
    if allowed is None:
        return f"{head}: {error['msg']}", value
    if kind in _RANGE_ERRORS:
        return f"{head}: must be {allowed}", value
    if kind.endswith(("_type", "_parsing")) or kind == "model_attributes_type":
        return f"{head}: wrong type ({_toml_kind(value)}); must be {allowed}", value
    return f"{head}: {error['msg']}; must be {allowed}", value
