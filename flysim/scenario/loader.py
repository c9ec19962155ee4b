"""Load a scenario file: ``extends`` chains, dotted overrides, one validation, a content hash.

A scenario is read with :mod:`tomllib`, merged over the file it ``extends``
(recursively), has its overrides applied (:mod:`flysim.scenario.overrides`),
and is then validated once into the frozen
:class:`~flysim.scenario.schema.Scenario`. Every failure on the way is a
:class:`~flysim.scenario.errors.ScenarioError` naming the file that set the
offending key.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from flysim.scenario.changes import check_changes
from flysim.scenario.errors import Loc, Origin, ScenarioError, format_value
from flysim.scenario.overrides import Overrides, apply_parsed, parse_overrides
from flysim.scenario.schema import Scenario
from flysim.scenario.tree import (
    MAX_DEPTH,
    depth,
    drop_empty,
    leaves,
    merge,
    merge_origins,
    thaw,
)
from flysim.scenario.validation import validate_tree

__all__ = [
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "apply_overrides",
    "load_scenario",
    "resolved_dict",
    "scenario_hash",
    "to_toml",
]

#: Largest scenario file read. Real ones are a few KiB; the cap keeps a device
#: such as /dev/zero, or a huge file given by mistake, from filling memory.
MAX_FILE_BYTES = 1 << 20
#: Longest ``extends`` chain. Real ones have two or three files.
MAX_EXTENDS = 32

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
        a bad override, or any value the schema rejects; also a path that is not
        a regular file (a folder, a FIFO, a device), a file over 1 MiB, a broken
        or looping symbolic link, an ``extends`` chain over 32 files and tables
        nested over 16 deep.
    """
    display = os.fspath(path)
    data, origins = _read_chain(Path(display), display)
    if overrides is not None:
        apply_parsed(data, parse_overrides(overrides, display), origins, display)
    scenario = validate_tree(data, origins, display)
    scenario._source = display
    check_changes(scenario)
    return scenario


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    """A new scenario with dotted keys changed, validated like a file.

    Parameters
    ----------
    scenario : Scenario
        Left unchanged (it is frozen).
    overrides : mapping or iterable of str
        As for :func:`~flysim.scenario.loader.load_scenario`.

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
    data = thaw(scenario.model_dump())
    origins: dict[Loc, Origin] = {}
    apply_parsed(data, parse_overrides(overrides, display), origins, display)
    changed = validate_tree(data, origins, display)
    changed._source = scenario.source
    check_changes(changed)
    return changed


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The whole resolved scenario as JSON-ready data, every default filled in.

    Absent optional sections and keys are ``None``. This is what the manifest
    records and what :func:`scenario_hash` hashes; the source path is not part of it.
    """
    data = scenario.model_dump(mode="json")
    # A plan with no changes and no uncertain inputs resolves (and hashes) as
    # it did before those keys existed.
    for key in _EMPTY_WHEN_STATIC:
        if not data.get(key):
            data.pop(key, None)
    return data


#: Top-level keys left out of a resolved scenario when empty.
_EMPTY_WHEN_STATIC = ("changes", "uncertain", "correlations")


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
    return tomli_w.dumps(drop_empty(resolved_dict(scenario)))


# -- reading files and extends ---------------------------------------------------------------


def _read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes; never blocks (FIFOs) and never reads more than MAX_FILE_BYTES."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        # The checks use the opened file's own fstat, so nothing can swap it in between.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ValueError:
        # os.open's own words for a NUL byte in the path.
        raise ScenarioError.single(display, "the path contains a NUL byte") from None
    except OSError as exc:
        raise ScenarioError.single(display, _os_problem(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError.single(display, "is a directory, not a TOML file")
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
            raise ScenarioError.single(display, f"is {kind}, not a regular TOML file")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError.single(
                display, f"is {info.st_size:,} bytes; a scenario file may have at most 1 MiB"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_FILE_BYTES + 1)  # a file growing while read is still capped
    except OSError as exc:
        raise ScenarioError.single(display, _os_problem(exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError.single(display, "is over 1 MiB; a scenario file may have at most that")
    return data


def _os_problem(exc: OSError) -> str:
    """An OSError in a user's words, without the path (the error line starts with it)."""
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "cannot read: a loop of symbolic links"
    if exc.errno == errno.ENAMETOOLONG:
        return "cannot read: the file name is too long"
    if exc.errno == errno.EISDIR:
        return "is a directory, not a TOML file"
    return f"cannot read: {exc.strerror or exc}"


def _read_toml(path: Path, display: str) -> dict[str, Any]:
    raw = _read_bytes(path, display)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            display, f"not UTF-8 text (byte {exc.start}); TOML files must be UTF-8"
        ) from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise ScenarioError.single(
            display, f"invalid TOML: nested too deeply (a scenario nests at most {MAX_DEPTH} deep)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.match(str(exc))
        text = f"invalid TOML {m['where']}: {m['msg']}" if m else f"invalid TOML: {exc}"
        raise ScenarioError.single(display, text) from None
    if depth(data) > MAX_DEPTH:
        raise ScenarioError.single(
            display, f"tables and arrays nest more than {MAX_DEPTH} deep; a scenario needs 5"
        )
    return data


def _read_chain(path: Path, display: str) -> tuple[dict[str, Any], dict[Loc, Origin]]:
    """The file merged over the chain of files it extends, and each leaf key's origin.

    A loop rather than recursion, so that the chain's length is bounded by
    MAX_EXTENDS and not by Python's stack.
    """
    layers: list[tuple[dict[str, Any], dict[Loc, Origin]]] = []
    chain: list[tuple[str, str]] = []  # (real path, display) of each file read so far
    while True:
        data = _read_toml(path, display)
        base_ref = data.pop("extends", None)
        layers.append((data, {leaf: (display, False) for leaf in leaves(data)}))
        if base_ref is None:
            break
        if not isinstance(base_ref, str) or not base_ref.strip():
            raise _extends_error(
                display, base_ref, "must be the path of a TOML file, relative to this file"
            )
        if "\0" in base_ref:
            raise _extends_error(display, base_ref, "the path contains a NUL byte")
        base_path = path.parent / base_ref
        base_display = os.path.normpath(os.path.join(os.path.dirname(display), base_ref))
        # realpath (not Path.resolve): it never raises on a symlink loop; opening reports it.
        chain.append((os.path.realpath(path), display))
        seen = [real for real, _ in chain]
        real = os.path.realpath(base_path)
        if real in seen:
            start = seen.index(real)
            cycle = " -> ".join([*(d for _, d in chain[start:]), base_display])
            raise ScenarioError.single(
                display, f"cyclic extends: {cycle}", key="extends", value=base_ref
            )
        if len(chain) >= MAX_EXTENDS:
            raise _extends_error(
                display, base_ref, f"the chain of extends is longer than {MAX_EXTENDS} files"
            )
        try:
            os.stat(base_path)
        except OSError as exc:
            problem = f"{_os_problem(exc)} ({_shorten(base_display)})"
            raise _extends_error(display, base_ref, problem) from None
        path, display = base_path, base_display
    # The deepest base first, each extending file merged over it.
    data, origins = layers.pop()
    while layers:
        top, top_origins = layers.pop()
        merge(data, top)
        origins = merge_origins(origins, top_origins)
    return data, origins


def _shorten(text: str, limit: int = 240) -> str:
    """A path short enough for one line of error (the value is shown above it already)."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _extends_error(display: str, base_ref: Any, problem: str) -> ScenarioError:
    return ScenarioError.single(
        display, f"extends = {format_value(base_ref)}: {problem}", key="extends", value=base_ref
    )
