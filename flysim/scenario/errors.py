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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from flysim.scenario.fields import Loc, allowed_text, field_at, is_model, named_of
from flysim.scenario.responses import resolve_union_errors

__all__ = [
    "Loc",
    "Origin",
    "ScenarioError",
    "ScenarioProblem",
    "format_key",
    "format_value",
    "unknown_key_message",
]

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


def _table_at(loc: Loc) -> type[BaseModel] | None:
    """The section at a key path, if it is one (one channel of ``attract.paid`` too)."""
    parent = field_at(loc)
    if parent is None:
        return None
    if is_model(parent[1]):
        return parent[1]
    return named_of(parent[1])


def _close_keys(loc: Loc) -> list[str]:
    """The known key nearest an unknown one at the same place, if any is near."""
    parent = _table_at(loc[:-1])
    if parent is None:
        return []
    return difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1, cutoff=0.6)


def unknown_key_message(loc: Loc) -> str:
    """``unknown key 'a.b'`` with the nearest known key at that place, or the known keys."""
    message = f"unknown key '{format_key(loc)}'"
    parent = _table_at(loc[:-1])
    if parent is None:
        return message
    known = list(parent.model_fields)
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
