"""Load a scenario file: ``extends`` chains, dotted overrides, one validation, a content hash.

A scenario is read with :mod:`tomllib`, merged over the file it ``extends``
(recursively), has its overrides applied (:mod:`flysim.scenario.overrides`),
and is then validated once into the frozen
:class:`~flysim.scenario.schema.Scenario`. Every failure on the way is a
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
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from pydantic import ValidationError

from flysim.scenario.errors import Loc, Origin, ScenarioError, format_value
from flysim.scenario.schema import Scenario

if TYPE_CHECKING:
    from flysim.scenario.overrides import Overrides

__all__ = ["load_scenario", "resolved_dict", "scenario_hash", "to_toml"]

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
        # Deferred: overrides builds on this module's merging and validation.
        from flysim.scenario.overrides import _apply, _parse_overrides

        _apply(data, _parse_overrides(overrides, display), origins, display)
    scenario = _validate(data, origins, display)
    scenario._source = display
    return scenario


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
