"""Load a scenario file: ``extends`` chains, dotted overrides, one validation, a content hash.

A scenario is read with :mod:`tomllib`, merged over the file it ``extends``
(recursively), has its overrides applied, and is then validated once into the
frozen :class:`~flysim.scenario.schema.Scenario`. Every failure on the way is a
:class:`~flysim.scenario.errors.ScenarioError` naming the file that set the
offending key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from flysim.scenario.errors import (
    Loc,
    Origin,
    ScenarioError,
    ScenarioProblem,
    field_at,
    format_key,
    format_value,
    unknown_key_message,
)
from flysim.scenario.schema import Scenario

__all__ = [
    "Overrides",
    "apply_overrides",
    "load_scenario",
    "resolved_dict",
    "scenario_hash",
    "to_toml",
]

#: Overrides: a mapping of dotted key to value, or ``"KEY=VALUE"`` strings (values in TOML).
Overrides = Mapping[str, Any] | Iterable[str]

_EXAMPLE = "e.g. attract.paid.budget_per_month=3000"
_SEGMENT = re.compile(r"^([A-Za-z0-9_-]+)((?:\[\d+\])*)$")
_TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \((?P<where>at line \d+, column \d+|at end of document)\)$"
)


def load_scenario(path: str | os.PathLike[str], overrides: Overrides | None = None) -> Scenario:
    """Read, merge, override and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        The scenario's TOML file. A top-level ``extends = "other.toml"`` makes
        it inherit that file (relative to this one): tables merge key by key,
        anything else (arrays included) is replaced whole. Chains are allowed.
    overrides : mapping or iterable of str, optional
        Dotted keys to set after merging, either ``{"attract.paid.conversion": 0.05}``
        or ``["attract.paid.conversion=0.05"]``; string values are parsed as TOML
        values, falling back to a bare string. Overriding a key in an omitted
        optional section creates that section. ``revenue.tiers[1].mrr`` addresses
        an array item.

    Returns
    -------
    Scenario
        Frozen and validated, with ``scenario.source == str(path)``.

    Raises
    ------
    ScenarioError
        With one line per problem, naming the file, key path, value and what
        is allowed: a missing file, malformed TOML, a bad or cyclic ``extends``,
        a bad override, or any value the schema rejects.
    """
    display = os.fspath(path)
    data, origins = _read_chain(Path(display), display, ())
    if overrides is not None:
        _apply(data, _parse_overrides(overrides, display), origins, display)
    scenario = _validate(data, origins, display)
    scenario._source = display
    return scenario


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    """A new scenario with dotted keys changed, validated like a file.

    Parameters
    ----------
    scenario : Scenario
        Left unchanged (it is frozen).
    overrides : mapping or iterable of str
        As for :func:`load_scenario`.

    Returns
    -------
    Scenario
        The changed scenario, with the same ``source``.

    Raises
    ------
    ScenarioError
        For an unknown key (with the nearest known key) or a value the schema rejects.
    """
    display = scenario.source or "<scenario>"
    data = _thaw(scenario.model_dump())
    origins: dict[Loc, Origin] = {}
    _apply(data, _parse_overrides(overrides, display), origins, display)
    changed = _validate(data, origins, display)
    changed._source = scenario.source
    return changed


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The whole resolved scenario as JSON-ready data, every default filled in.

    Absent optional sections and keys are ``None``. This is what the manifest
    records and what :func:`scenario_hash` hashes; the source path is not part of it.
    """
    return scenario.model_dump(mode="json")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of the resolved scenario's canonical JSON.

    The same content gives the same hash whatever the file layout, key order,
    ``extends`` chain or overrides that produced it; any changed value changes it.
    """
    text = json.dumps(
        resolved_dict(scenario), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML text, which loads back to an equal scenario.

    Omitted optional keys and sections stay omitted (TOML has no null).
    """
    return tomli_w.dumps(_drop_empty(resolved_dict(scenario)))


# -- reading files and extends ---------------------------------------------------------------


def _read_toml(path: Path, display: str) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError.single(display, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError.single(display, "is a directory, not a TOML file") from None
    except OSError as exc:
        raise ScenarioError.single(display, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            display, f"not UTF-8 text (byte {exc.start}); TOML files must be UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.match(str(exc))
        text = f"invalid TOML {m['where']}: {m['msg']}" if m else f"invalid TOML: {exc}"
        raise ScenarioError.single(display, text) from None


def _read_chain(
    path: Path, display: str, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], dict[Loc, Origin]]:
    """The file merged over the chain of files it extends, and each leaf key's origin."""
    data = _read_toml(path, display)
    base_ref = data.pop("extends", None)
    origins: dict[Loc, Origin] = {leaf: (display, False) for leaf in _leaves(data)}
    if base_ref is None:
        return data, origins
    if not isinstance(base_ref, str) or not base_ref.strip():
        raise ScenarioError.single(
            display,
            f"extends = {format_value(base_ref)}: must be the path of a TOML file, "
            "relative to this file",
            key="extends",
            value=base_ref,
        )
    base_path = path.parent / base_ref
    base_display = os.path.normpath(os.path.join(os.path.dirname(display), base_ref))
    chain = (*chain, (path.resolve(), display))
    seen = [resolved for resolved, _ in chain]
    if base_path.resolve() in seen:
        start = seen.index(base_path.resolve())
        cycle = " -> ".join([*(d for _, d in chain[start:]), base_display])
        raise ScenarioError.single(
            display, f"cyclic extends: {cycle}", key="extends", value=base_ref
        )
    if not base_path.is_file():
        raise ScenarioError.single(
            display,
            f"extends = {format_value(base_ref)}: file not found ({base_display})",
            key="extends",
            value=base_ref,
        )
    base, base_origins = _read_chain(base_path, base_display, chain)
    _merge(base, data)
    return base, _merge_origins(base_origins, origins)


def _leaves(data: Mapping[str, Any], prefix: Loc = ()) -> list[Loc]:
    """Key paths of every non-table value; arrays are leaves (they are replaced whole)."""
    out: list[Loc] = []
    for k, v in data.items():
        if isinstance(v, Mapping):
            # An empty table sets nothing (and must not hide what its base set below it).
            out.extend(_leaves(v, (*prefix, k)))
        else:
            out.append((*prefix, k))
    return out


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> None:
    """Merge ``top`` into ``base`` in place: tables key by key, anything else replaced."""
    for k, v in top.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)


def _merge_origins(base: dict[Loc, Origin], top: dict[Loc, Origin]) -> dict[Loc, Origin]:
    """Origins after a merge: ``top``'s leaves win, and hide whatever was below them."""
    kept = {
        loc: o for loc, o in base.items() if not any(loc[:i] in top for i in range(1, len(loc)))
    }
    return {**kept, **top}


# -- overrides -------------------------------------------------------------------------------


def _parse_overrides(overrides: Overrides, display: str) -> list[tuple[Loc, Any]]:
    """Parse overrides into (key path, value) pairs, checking each path against the schema."""
    if isinstance(overrides, Mapping):
        items = [(str(k), v, None) for k, v in overrides.items()]
    else:
        if isinstance(overrides, str):
            overrides = [overrides]
        items = []
        for item in overrides:
            key, sep, raw = str(item).partition("=")
            if not sep or not key.strip():
                raise ScenarioError.single(
                    display,
                    f"malformed override {str(item)!r}: expected KEY=VALUE ({_EXAMPLE})",
                    override=True,
                )
            items.append((key.strip(), _parse_value(raw.strip()), raw.strip()))
    problems: list[ScenarioProblem] = []
    parsed: list[tuple[Loc, Any]] = []
    for key, value, raw in items:
        loc = _split_key(key)
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
    except tomllib.TOMLDecodeError:
        return raw
    return doc["v"] if list(doc) == ["v"] else raw


def _split_key(key: str) -> Loc:
    """``revenue.tiers[1].mrr`` or ``revenue.tiers.1.mrr`` -> ``("revenue", "tiers", 1, "mrr")``."""
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


def _apply(
    data: dict[str, Any], items: list[tuple[Loc, Any]], origins: dict[Loc, Origin], display: str
) -> None:
    """Set each override in ``data`` in place, creating missing tables on the way."""
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
        merge = isinstance(last, str) and isinstance(node.get(last), dict)
        if merge and isinstance(value, Mapping):
            _merge(node[last], value)
            set_here = [(*loc, *leaf) for leaf in _leaves(value)]
        else:
            node[last] = copy.deepcopy(value)
            set_here = [loc]
        for done in set_here:
            for stale in [o for o in origins if o[: len(done)] == done]:
                del origins[stale]
            origins[done] = (display, True)


# -- validation ------------------------------------------------------------------------------


def _validate(data: dict[str, Any], origins: dict[Loc, Origin], display: str) -> Scenario:
    try:
        # Strict: TOML has real types, so "18" is not silently an integer nor true a 1.
        return Scenario.model_validate(_freeze(data), strict=True)
    except ValidationError as exc:
        raise ScenarioError.from_validation_error(
            exc, lambda loc: _locate(loc, origins, display)
        ) from None


def _locate(loc: Loc, origins: dict[Loc, Origin], display: str) -> Origin:
    """The origin of the value at ``loc``: the file (or override) that set it.

    The nearest key at or above ``loc`` that was set, else the one source of
    every key below it, else the file that was loaded.
    """
    for i in range(len(loc), 0, -1):
        if loc[:i] in origins:
            return origins[loc[:i]]
    for i in range(len(loc), -1, -1):
        below = {o for k, o in origins.items() if k[:i] == loc[:i]}
        if len(below) == 1:
            return below.pop()
        if below:
            break
    return (display, False)


def _freeze(v: Any) -> Any:
    """Arrays as tuples, so strict validation accepts them for the schema's tuple fields."""
    if isinstance(v, Mapping):
        return {k: _freeze(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return v


def _thaw(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _thaw(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_thaw(x) for x in v]
    return v


def _drop_empty(v: Any) -> Any:
    """Drop ``None`` values and the tables left empty, which TOML cannot express."""
    if isinstance(v, Mapping):
        out = {k: _drop_empty(x) for k, x in v.items() if x is not None}
        return {k: x for k, x in out.items() if x != {}}
    if isinstance(v, list):
        return [_drop_empty(x) for x in v]
    return v
