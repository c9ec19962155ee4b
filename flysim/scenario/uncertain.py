"""Uncertain inputs: laws written in place of numbers, found once at load, drawn per run.

``extract_laws`` walks a merged scenario tree before validation: each
``{ dist = ... }`` table on a numeric key is checked (its parameters, and that
every value it can take is allowed for the key) and replaced by its median,
and the law is kept in ``uncertain`` under the key's path. A law inside a
change's ``set`` is keyed ``changes[i].<key>``: it is drawn once per run, for
that change. ``[[correlations]]`` are checked against the keys found.

``with_inputs`` is the scenario of one run: the drawn values in place of the
medians, no laws left.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from flysim.scenario.errors import Loc, Origin, ScenarioProblem, format_key, format_value
from flysim.scenario.fields import bounds_of, field_at, response_of
from flysim.scenario.overrides import split_key
from flysim.scenario.schema import Scenario
from flysim.scenario.tree import freeze, thaw
from flysim.uncertainty import (
    Correlation,
    Law,
    LawError,
    check_support,
    correlation_from_spec,
    is_law,
    parse_law,
)

__all__ = ["Inputs", "extract_laws", "inputs_of", "key_loc", "with_inputs"]

#: An upper bound at or below this is part of a key's meaning (a probability, a
#: share); a larger one is a sanity cap a law may approach but not pass.
_MEANINGFUL_HIGH = 1.0


def key_loc(key: str) -> Loc:
    """The tree path of an uncertain key: ``changes[0].delight.reward`` is inside a ``set``."""
    loc = split_key(key)
    if loc[:1] == ("changes",) and len(loc) > 2:
        return ("changes", loc[1], "set", format_key(loc[2:]))
    return loc


def _schema_loc(loc: Loc) -> Loc:
    """The schema path a tree path's value is checked against (a change's key, unwrapped)."""
    if loc[:1] == ("changes",) and len(loc) >= 4 and loc[2] == "set":
        return (*split_key(str(loc[3])), *loc[4:])
    return loc


def _key(loc: Loc) -> str:
    if loc[:1] == ("changes",) and len(loc) >= 4 and loc[2] == "set":
        return format_key((loc[0], loc[1], *split_key(str(loc[3])), *loc[4:]))
    return format_key(loc)


def _find(node: Any, loc: Loc, out: list[tuple[Loc, Any]]) -> None:
    if node is None or isinstance(node, (int, float, str)):
        return  # a leaf: checked first, as ``is_law``'s Mapping check costs a look-up
    if is_law(node):
        out.append((loc, node))
    elif isinstance(node, Mapping):
        for k, v in node.items():
            _find(v, (*loc, k), out)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            _find(v, (*loc, i), out)


def _get(tree: Any, loc: Loc) -> Any:
    node = tree
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set(tree: Any, loc: Loc, value: Any) -> None:
    node = tree
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def _support_problem(loc: Loc, law: Law) -> str | None:
    found = field_at(_schema_loc(loc))
    if found is None:
        return None  # an unknown key: validation names it, with the nearest key
    info, annotation = found
    numeric = annotation in (int, float) or response_of(annotation) is not None
    if not numeric or info is None:
        return "a distribution can stand only for a number"
    if annotation is int:
        return "this key takes a whole number; a distribution can stand only for a real number"
    b = bounds_of(info, annotation)
    low = b.get("ge", b.get("gt"))
    high = b.get("le", b.get("lt"))
    cap = None
    if high is not None and high > _MEANINGFUL_HIGH:
        cap, high = high, None
    return check_support(law, low, high, low_open="gt" in b, high_open="lt" in b, cap=cap)


def extract_laws(
    data: dict[str, Any], origins: Mapping[Loc, Origin], display: str
) -> tuple[dict[str, Any], list[ScenarioProblem]]:
    """The tree with each law replaced by its median and gathered in ``uncertain``.

    Parameters
    ----------
    data : dict
        The merged scenario tree (not changed).
    origins : mapping
        Each leaf's origin; a key set by an override (``--set``) to a number
        loses the law it held.
    display : str
        The file, named in problems.

    Returns
    -------
    (dict, list of ScenarioProblem)
        The new tree, and one problem per bad law or correlation.
    """
    tree = thaw(data)
    found: list[tuple[Loc, Any]] = []
    _find({k: v for k, v in tree.items() if k != "uncertain"}, (), found)
    problems: list[ScenarioProblem] = []
    given = tree.get("uncertain") or {}
    laws: dict[str, dict[str, Any]] = {}
    fixed: set[str] = set()
    if isinstance(given, Mapping):
        for key, spec in given.items():
            loc = key_loc(str(key))
            if origins.get(loc, ("", False))[1] and not is_law(_get(tree, loc)):
                fixed.add(str(key))  # --set gave the key a number: no longer uncertain
                continue
            laws[str(key)] = spec
    located = {key_loc(k): spec for k, spec in laws.items()}
    for loc, spec in found:
        located[loc] = spec
    final: dict[str, dict[str, Any]] = {}
    for loc, spec in located.items():
        key = _key(loc)
        # The law's own keys (dist, mean, ...) say which file wrote it.
        inner = [o for k, o in origins.items() if len(k) > len(loc) and k[: len(loc)] == loc]
        where = inner[0] if inner else origins.get(loc, (display, False))
        try:
            law = parse_law(spec)
            problem = _support_problem(loc, law)
        except LawError as exc:
            problem = str(exc)
        if problem is not None:
            text = f"{key} = {format_value(spec)}: {problem}"
            problems.append(ScenarioProblem(where[0], text, key, spec, where[1]))
            continue
        median = float(law.median())
        if isinstance(spec, Mapping) and loc in {lc for lc, _ in found}:
            _set(tree, loc, median)
        final[key] = dict(spec)
    tree["uncertain"] = final
    # A key that --set gave a number is no longer uncertain: its correlations go too.
    for loc, origin in origins.items():
        if origin[1] and _key(loc) not in final:
            fixed.add(_key(loc))
    correlations = [
        c
        for c in tree.get("correlations") or ()
        if not (isinstance(c, Mapping) and fixed & set(c.get("keys") or ()))
    ]
    tree["correlations"] = correlations
    if correlations and not problems:
        try:
            correlation_from_spec(correlations, set(final))
        except LawError as exc:
            problems.append(ScenarioProblem(display, f"correlations: {exc}", "correlations"))
    return tree, problems


class Inputs:
    """A scenario's uncertain inputs: their laws and correlation, ready to draw."""

    def __init__(self, scenario: Scenario) -> None:
        self.specs = dict(scenario.uncertain)
        self.correlations = [c.model_dump() for c in scenario.correlations]

    def __bool__(self) -> bool:
        return bool(self.specs)

    @cached_property
    def laws(self) -> dict[str, Law]:
        """Each key's law."""
        return {k: parse_law(v) for k, v in self.specs.items()}

    @cached_property
    def correlation(self) -> Correlation:
        """The Gaussian copula of the ``[[correlations]]``."""
        return correlation_from_spec(self.correlations, set(self.specs))


def inputs_of(scenario: Scenario) -> Inputs:
    """The uncertain inputs of a scenario (empty if it has none)."""
    return Inputs(scenario)


def with_inputs(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario of one run: each key at its drawn value, and no laws.

    Raises
    ------
    ValueError
        If the values break a rule that involves several keys (the message
        names the values).
    """
    tree = thaw(scenario.model_dump(exclude_none=True))
    for key, value in values.items():
        _set(tree, key_loc(key), float(value))
    tree["uncertain"] = {}
    tree.pop("correlations", None)
    try:
        out = Scenario.model_validate(freeze(tree), strict=True)
    except ValueError as exc:
        drawn = ", ".join(f"{k} = {v:.6g}" for k, v in values.items())
        first = str(exc).splitlines()[0:3]
        raise ValueError(f"the draws {drawn} make an invalid scenario: {' '.join(first)}") from None
    out._source = scenario.source
    return out
