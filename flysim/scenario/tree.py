"""Scenario data as a tree of plain tables: leaves, merging, freezing and origins.

A scenario on its way from files and overrides to the schema is a nested
``dict`` of TOML values. These helpers are shared by the loader (``extends``)
and the overrides (``--set``); neither module imports the other's internals.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flysim.scenario.errors import Loc, Origin

__all__ = ["MAX_DEPTH", "depth", "drop_empty", "freeze", "leaves", "merge", "merge_origins", "thaw"]

#: Deepest nesting of tables and arrays a scenario may have. The format needs
#: five (``engage.triggers.risk_alert.cost`` in an array item at most); the
#: margin is for mistakes that deserve a clear error, not a RecursionError.
MAX_DEPTH = 16


def depth(value: Any) -> int:
    """How deeply tables and arrays nest in ``value`` (0 for a scalar).

    Iterative, so that a pathological file is measured without recursion.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest  # deep enough to refuse; no need to walk the rest
        stack.extend((child, level) for child in children)
    return deepest


def leaves(data: Mapping[str, Any], prefix: Loc = ()) -> list[Loc]:
    """Key paths of every non-table value; arrays are leaves (they are replaced whole)."""
    out: list[Loc] = []
    for k, v in data.items():
        if isinstance(v, Mapping):
            # An empty table sets nothing (and must not hide what its base set below it).
            out.extend(leaves(v, (*prefix, k)))
        else:
            out.append((*prefix, k))
    return out


def merge(base: dict[str, Any], top: Mapping[str, Any]) -> None:
    """Merge ``top`` into ``base`` in place: tables key by key, anything else replaced."""
    for k, v in top.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)


def merge_origins(base: dict[Loc, Origin], top: dict[Loc, Origin]) -> dict[Loc, Origin]:
    """Origins after a merge: ``top``'s leaves win, and hide whatever was below them."""
    kept = {
        loc: o for loc, o in base.items() if not any(loc[:i] in top for i in range(1, len(loc)))
    }
    return {**kept, **top}


#: A scenario tree's leaves: checked first, since ``Mapping`` is an abstract
#: class whose ``isinstance`` costs a look-up (a study builds hundreds of trees).
_LEAF = (int, float, str)


def freeze(v: Any) -> Any:
    """Arrays as tuples, so strict validation accepts them for the schema's tuple fields."""
    if v is None or isinstance(v, _LEAF):
        return v
    if isinstance(v, Mapping):
        return {k: freeze(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return tuple(freeze(x) for x in v)
    return v


def thaw(v: Any) -> Any:
    """The inverse of :func:`freeze`: tuples back to lists, mappings to plain dicts."""
    if v is None or isinstance(v, _LEAF):
        return v
    if isinstance(v, Mapping):
        return {k: thaw(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [thaw(x) for x in v]
    return v


def drop_empty(v: Any) -> Any:
    """Drop ``None`` values and the tables left empty, which TOML cannot express."""
    if isinstance(v, Mapping):
        out = {k: drop_empty(x) for k, x in v.items() if x is not None}
        return {k: x for k, x in out.items() if x != {}}
    if isinstance(v, list):
        return [drop_empty(x) for x in v]
    return v
