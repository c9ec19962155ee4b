"""Parameters of a study: which scenario key varies, over which range, and the scenarios it gives.

A parameter is a dotted scenario key (as ``--set`` takes it) with a numeric
range: ``attract.paid.budget_per_month=500:3000:6`` for a sweep (low, high,
number of points), ``engage.risk_per_month=0.03:0.12`` for a sensitivity
study. Keys, ranges and types are checked against the schema before anything
runs, and both ends of every range are validated as whole scenarios, so a
value the schema rejects is reported up front, not half-way through a study.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flysim.scenario import Scenario, ScenarioError, apply_overrides
from flysim.scenario.errors import format_key, unknown_key_message
from flysim.scenario.fields import field_at, named_of, response_of
from flysim.scenario.overrides import split_key as _split_key

__all__ = [
    "Param",
    "check_distinct",
    "numeric_keys",
    "param_value",
    "parse_param",
    "scenario_with",
]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_SWEEP_EXAMPLE = "e.g. attract.paid.budget_per_month=500:3000:6"
_RANGE_EXAMPLE = "e.g. attract.paid.budget_per_month=500:3000"


@dataclass(frozen=True)
class Param:
    """One scenario key varied over ``[low, high]``.

    Attributes
    ----------
    key : str
        Dotted key path, e.g. ``"attract.paid.budget_per_month"``.
    low, high : float
        The range, ``low <= high``.
    n : int or None
        Number of grid points (sweeps); None for a sensitivity range.
    integer : bool
        True when the schema field is an integer; values are then rounded.
    """

    key: str
    low: float
    high: float
    n: int | None = None
    integer: bool = False

    def grid(self) -> np.ndarray:
        """The ``n`` evenly spaced values from ``low`` to ``high`` (rounded for integer keys)."""
        if self.n is None:
            raise ValueError(f"param {self.key!r} has no number of points (use LOW:HIGH:N)")
        values = np.linspace(self.low, self.high, self.n)
        return np.round(values) if self.integer else values

    def value(self, x: float) -> float | int:
        """``x`` as the scenario takes it: a Python int for an integer key."""
        return round(x) if self.integer else float(x)


def parse_param(
    spec: str | Param,
    scenario: Scenario,
    *,
    points: bool,
) -> Param:
    """Parse and check ``KEY=LOW:HIGH:N`` (``points=True``) or ``KEY=LOW:HIGH``.

    Parameters
    ----------
    spec : str or Param
        The text as typed after ``--param``, or a Param to check.
    scenario : Scenario
        The scenario the key must exist in; both ends of the range are
        validated as scenarios.
    points : bool
        Whether a number of points ``N`` is required (sweeps) or not allowed
        (sensitivity ranges).

    Returns
    -------
    Param

    Raises
    ------
    ValueError
        For malformed text, an unknown key (with the nearest key suggested), a
        key that is not a number, ``LOW > HIGH``, ``N < 2``, or a value the
        schema rejects (with the allowed range).
    """
    if isinstance(spec, Param):
        key, low, high, n = spec.key, spec.low, spec.high, spec.n
        text = f"{key}={low}:{high}" + (f":{n}" if n is not None else "")
    else:
        text = str(spec).strip()
        key, low, high, n = _split_spec(text, points=points)
    loc = _check_key(key, scenario)
    integer = _check_numeric(loc, key)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"param {text!r}: LOW and HIGH must be finite numbers")
    if low > high:
        raise ValueError(f"param {text!r}: LOW ({low:g}) is greater than HIGH ({high:g})")
    if points:
        if n is None:
            raise ValueError(f"param {text!r}: expected KEY=LOW:HIGH:N ({_SWEEP_EXAMPLE})")
        if n < 2:
            raise ValueError(f"param {text!r}: N must be at least 2, got {n}")
    elif low == high:
        raise ValueError(f"param {text!r}: LOW and HIGH must differ for a sensitivity range")
    param = Param(format_key(loc), float(low), float(high), n, integer)
    for end in (low, high):
        try:
            scenario_with(scenario, {param.key: param.value(end)})
        except ScenarioError as exc:
            # The schema's own message names the key, the value and the allowed range.
            raise ValueError(f"param {text!r}: {exc.problems[0].message}") from None
    return param


def param_value(scenario: Scenario, key: str) -> float | None:
    """The scenario's current value at a dotted key, or None where it is unset."""
    node: Any = scenario
    for part in _split_key(key):
        if node is None:
            return None
        if isinstance(part, int) or isinstance(node, dict):
            # An array item, or a named table (a paid channel by name).
            node = node.get(part) if isinstance(node, dict) else node[part]
        else:
            node = getattr(node, part)
    return None if node is None else float(node)


def scenario_with(scenario: Scenario, values: Mapping[str, float | int]) -> Scenario:
    """The scenario with each key set to its value, validated like a file.

    Raises
    ------
    ScenarioError
        When a value is outside what the schema allows.
    """
    return apply_overrides(scenario, dict(values))


def check_distinct(params: Sequence[Param]) -> None:
    """Raise ValueError when a key is given twice."""
    seen: set[str] = set()
    for p in params:
        if p.key in seen:
            raise ValueError(f"param {p.key!r} is given twice")
        seen.add(p.key)


# -- parsing helpers -----------------------------------------------------------------------


def _split_spec(text: str, *, points: bool) -> tuple[str, float, float, int | None]:
    example = _SWEEP_EXAMPLE if points else _RANGE_EXAMPLE
    form = "KEY=LOW:HIGH:N" if points else "KEY=LOW:HIGH"
    key, sep, rng = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"param {text!r}: expected {form} ({example})")
    parts = [p.strip() for p in rng.split(":")]
    expected = 3 if points else 2
    if len(parts) != expected:
        raise ValueError(f"param {text!r}: expected {form} ({example})")
    for name, part in zip(("LOW", "HIGH"), parts[:2], strict=False):
        if not re.fullmatch(_NUMBER, part):
            raise ValueError(f"param {text!r}: {name} must be a number, got {part!r}")
    n: int | None = None
    if points:
        if not re.fullmatch(r"[-+]?\d+", parts[2]):
            raise ValueError(f"param {text!r}: N must be a whole number, got {parts[2]!r}")
        n = int(parts[2])
    return key, float(parts[0]), float(parts[1]), n


def _check_key(key: str, scenario: Scenario) -> tuple[str | int, ...]:
    loc = _split_key(key)
    if not loc:
        raise ValueError(f"param {key!r}: malformed key ({_SWEEP_EXAMPLE})")
    if loc[0] == "scenario":
        raise ValueError(
            f"param {key!r}: [scenario] holds run settings (runs, seed, horizon), "
            "not model parameters; use --runs, --seed or --month instead"
        )
    for i in range(1, len(loc) + 1):
        if field_at(loc[:i]) is not None and not _new_name(scenario, loc[:i]):
            continue
        close = difflib.get_close_matches(key, numeric_keys(scenario), n=1, cutoff=0.6)
        if close:
            raise ValueError(f"param {key!r}: unknown key; did you mean {close[0]!r}?")
        parent = field_at(loc[: i - 1])
        if parent is not None and isinstance(loc[i - 1], str) and _is_table(parent[1]):
            raise ValueError(f"param {key!r}: {unknown_key_message(loc[:i])}")
        raise ValueError(f"param {key!r}: no such key in the scenario format")
    return loc


def _new_name(scenario: Scenario, loc: tuple[str | int, ...]) -> bool:
    """Whether ``loc`` ends at a name the scenario lacks in a table of named tables.

    ``attract.paid.<name>`` is in the format for any name, but a study varies
    a number the scenario has: an unknown channel name (or a misspelt key of
    a lone ``[attract.paid]``) is an unknown key.
    """
    parent = field_at(loc[:-1])
    table = named_of(parent[1]) if parent is not None else None
    if table is None or loc[-1] in table.model_fields:
        return False
    node: Any = scenario.model_dump()
    for part in loc[:-1]:
        node = node.get(part) if isinstance(node, Mapping) else None
    return not (isinstance(node, Mapping) and isinstance(node.get(loc[-1]), Mapping))


def numeric_keys(scenario: Scenario) -> list[str]:
    """Every dotted key of the scenario that holds a number (the keys a study can vary)."""
    keys: list[str] = []

    def walk(node: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, (*loc, k))
        elif isinstance(node, list | tuple):
            for i, v in enumerate(node):
                walk(v, (*loc, i))
        elif isinstance(node, int | float) and not isinstance(node, bool) and loc[0] != "scenario":
            keys.append(format_key(loc))

    walk(scenario.model_dump(), ())
    return keys


def _check_numeric(loc: tuple[str | int, ...], key: str) -> bool:
    """True for an integer field, False for a float one; ValueError for anything else."""
    found = field_at(loc)
    assert found is not None  # _check_key passed
    annotation = found[1]
    if response_of(annotation) is not None:
        return False  # a number-or-response key: varied as a number
    if annotation is bool or annotation not in (int, float):
        what = getattr(annotation, "__name__", str(annotation))
        if _is_table(annotation):
            keys = ", ".join(annotation.model_fields)
            raise ValueError(
                f"param {key!r} is a table, not a number; vary one of its keys: {keys}"
            )
        raise ValueError(f"param {key!r} is not numeric (it is {what}); only numbers can vary")
    return annotation is int


def _is_table(annotation: Any) -> bool:
    return hasattr(annotation, "model_fields")
