"""Dotted-key overrides (``--set KEY=VALUE``): parsing, checking against the schema, applying.

``attract.paid.budget_per_month=3000`` or ``{"attract.paid.budget_per_month": 3000}``
sets one key of a scenario; ``revenue.tiers[1].mrr`` addresses an array item.
Each key path is checked against the schema before anything is set, so a typo
is reported with the nearest known key; the values are validated with the rest
of the scenario (:mod:`flysim.scenario.loader`).
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from flysim.scenario.errors import (
    Loc,
    Origin,
    ScenarioError,
    ScenarioProblem,
    format_key,
    format_value,
    unknown_key_message,
)
from flysim.scenario.fields import field_at
from flysim.scenario.tree import leaves, merge

__all__ = ["Overrides", "apply_parsed", "parse_overrides", "split_key"]

#: Overrides: a mapping of dotted key to value, or ``"KEY=VALUE"`` strings (values in TOML).
Overrides = Mapping[str, Any] | Iterable[str]

_EXAMPLE = "e.g. attract.paid.budget_per_month=3000"
_SEGMENT = re.compile(r"^([A-Za-z0-9_-]+)((?:\[\d+\])*)$")


# -- parsing ---------------------------------------------------------------------------------


def parse_overrides(overrides: Overrides, display: str) -> list[tuple[Loc, Any]]:
    """Parse overrides into (key path, value) pairs, checking each path against the schema.

    Parameters
    ----------
    overrides : mapping or iterable of str
        As for :func:`~flysim.scenario.loader.load_scenario`.
    display : str
        The scenario file the overrides apply to, named in errors.

    Returns
    -------
    list of (tuple, object)
        Each key path and its value, in the order given.

    Raises
    ------
    ScenarioError
        For a malformed override or a key path the schema does not have.
    """
    # (key, value, raw text of the value); mapping overrides have no raw text.
    items: list[tuple[str, Any, str | None]]
    if isinstance(overrides, Mapping):
        items = [(str(k), v, None) for k, v in overrides.items()]
    else:
        if isinstance(overrides, str):
            overrides = [overrides]
        items = []
        for item in overrides:
            key, sep, text = str(item).partition("=")
            if not sep or not key.strip():
                raise ScenarioError.single(
                    display,
                    f"malformed override {str(item)!r}: expected KEY=VALUE ({_EXAMPLE})",
                    override=True,
                )
            items.append((key.strip(), _parse_value(text.strip()), text.strip()))
    problems: list[ScenarioProblem] = []
    parsed: list[tuple[Loc, Any]] = []
    for key, value, raw in items:
        loc = split_key(key)
        if loc:
            problem = _check_path(loc, key, display)
        else:
            message = f"malformed override key {key!r} ({_EXAMPLE})"
            problem = ScenarioProblem(display, message, key, override=True)
        if problem is not None:
            problems.append(problem)
            continue
        found = field_at(loc)
        # A text key takes the text as typed: `--set scenario.name=2026` names it "2026".
        if raw is not None and found is not None and found[1] is str and not isinstance(value, str):
            value = raw
        parsed.append((loc, value))
    if problems:
        raise ScenarioError(problems)
    return parsed


def _parse_value(raw: str) -> Any:
    """A TOML value (``3000``, ``0.5``, ``true``, ``"text"``, ``[..]``, ``{..}``), else the text."""
    try:
        doc = tomllib.loads(f"v = {raw}")
    except (tomllib.TOMLDecodeError, RecursionError):
        # Not TOML (or absurdly nested): the text itself, which validation then judges.
        return raw
    return doc["v"] if list(doc) == ["v"] else raw


def split_key(key: str) -> Loc:
    """``revenue.tiers[1].mrr`` or ``revenue.tiers.1.mrr`` -> ``("revenue", "tiers", 1, "mrr")``.

    Parameters
    ----------
    key : str
        A dotted key path, array items as ``[i]`` or ``.i``.

    Returns
    -------
    tuple
        The path's parts (int for an array index); empty if ``key`` is malformed.
    """
    loc: list[str | int] = []
    for segment in key.split("."):
        m = _SEGMENT.match(segment.strip())
        if m is None:
            return ()
        name = m[1]
        loc.append(int(name) if name.isdigit() else name)
        loc.extend(int(i) for i in re.findall(r"\[(\d+)\]", m[2]))
    return tuple(loc)


def _check_path(loc: Loc, key: str, display: str) -> ScenarioProblem | None:
    """A problem if the key path is not in the schema, with the nearest key suggested."""
    for i in range(1, len(loc) + 1):
        if field_at(loc[:i]) is not None:
            continue
        parent = field_at(loc[: i - 1])
        part = loc[i - 1]
        if parent is not None and isinstance(part, str) and hasattr(parent[1], "model_fields"):
            message = unknown_key_message(loc[:i])
        elif parent is not None and not loc[: i - 1]:
            message = f"bad key path '{key}': it must start with a section name"
        else:
            where = format_key(loc[: i - 1])
            what = "an array" if isinstance(part, int) else "a table"
            message = f"bad key path '{key}': '{where}' is not {what}"
        return ScenarioProblem(display, message, key, override=True)
    return None


# -- applying --------------------------------------------------------------------------------


def apply_parsed(
    data: dict[str, Any], items: list[tuple[Loc, Any]], origins: dict[Loc, Origin], display: str
) -> None:
    """Set each parsed override in ``data`` in place, creating missing tables on the way.

    Parameters
    ----------
    data : dict
        The scenario tree, changed in place.
    items : list of (tuple, object)
        What :func:`parse_overrides` returns.
    origins : dict
        Each leaf's origin, updated in place: overridden keys are marked as overrides.
    display : str
        The scenario file, named in errors.

    Raises
    ------
    ScenarioError
        For an array index out of range.
    """
    for loc, value in items:
        node: Any = data
        for i, part in enumerate(loc):
            if isinstance(part, int) and part >= len(node):
                raise ScenarioError.single(
                    display,
                    f"{format_key(loc)} = {format_value(value)}: index {part} is out of range "
                    f"('{format_key(loc[:i])}' has {len(node)} items; the first is [0])",
                    key=format_key(loc),
                    value=value,
                    override=True,
                )
            if i == len(loc) - 1:
                break
            child = node[part] if isinstance(part, int) else node.get(part)
            # The schema says what the next step needs: an array for an index, else a table.
            if not isinstance(child, list if isinstance(loc[i + 1], int) else dict):
                child = [] if isinstance(loc[i + 1], int) else {}
                node[part] = child
            node = child
        last = loc[-1]
        into_table = isinstance(last, str) and isinstance(node.get(last), dict)
        if into_table and isinstance(value, Mapping):
            merge(node[last], value)
            set_here = [(*loc, *leaf) for leaf in leaves(value)]
        else:
            node[last] = copy.deepcopy(value)
            set_here = [loc]
        for done in set_here:
            for stale in [o for o in origins if o[: len(done)] == done]:
                del origins[stale]
            origins[done] = (display, True)
