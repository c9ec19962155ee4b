"""Writing and reading the event log: Parquet or CSV, chosen by the file's extension.

An event file says what it is a log of: the horizon (its censoring time),
seed, scenario name and hash, flysim version, engine and runs
(``event_metadata``). Parquet keeps them as key-value metadata in the file's
schema, each key ``flysim.<name>`` with a JSON value (as in ``runs.parquet``);
a CSV file gets a sidecar JSON file named after it with ``.json`` appended
(``run.csv`` -> ``run.csv.json``), so the CSV itself stays plain for any
reader. ``read_events`` gives them back in ``frame.attrs["flysim"]``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from flysim.units import DAYS_PER_MONTH

if TYPE_CHECKING:
    from flysim.provenance import Provenance

__all__ = [
    "ATTRS_KEY",
    "EVENT_FORMATS",
    "event_format",
    "event_metadata",
    "read_events",
    "sidecar_path",
    "write_events",
]

log = logging.getLogger(__name__)

#: File extensions the event log can be written with, and their format.
EVENT_FORMATS: dict[str, str] = {".parquet": "parquet", ".csv": "csv"}

#: The key of ``DataFrame.attrs`` that holds an event log's metadata.
ATTRS_KEY = "flysim"


def event_format(path: str | PathLike[str]) -> str:
    """The format (``"parquet"`` or ``"csv"``) that ``path``'s extension asks for.

    Raises
    ------
    ValueError
        If the extension is not one of ``EVENT_FORMATS``; the message names the
        file and the allowed extensions.
    """
    suffix = Path(path).suffix.lower()
    try:
        return EVENT_FORMATS[suffix]
    except KeyError:
        allowed = " or ".join(EVENT_FORMATS)
        got = f"extension {suffix!r}" if suffix else "no extension"
        raise ValueError(f"{os.fspath(path)}: event log file has {got}; use {allowed}") from None


def event_metadata(provenance: Provenance) -> dict[str, Any]:
    """What an event file records about the simulation it logs.

    Parameters
    ----------
    provenance : Provenance
        The result's provenance.

    Returns
    -------
    dict
        JSON-ready: ``horizon_months`` (the censoring time of every customer
        still there at the end is ``horizon_months * days_per_month`` days),
        ``days_per_month``, ``time_unit`` (``"days"``), ``seed``, ``runs``,
        ``scenario_name``, ``scenario_hash``, ``flysim_version`` and ``engine``.
    """
    return {
        "horizon_months": provenance.months,
        "days_per_month": DAYS_PER_MONTH,
        "time_unit": "days",
        "seed": provenance.seed,
        "runs": provenance.runs,
        "scenario_name": provenance.scenario_name,
        "scenario_hash": provenance.scenario_hash,
        "flysim_version": provenance.flysim_version,
        "engine": provenance.engine,
    }


def sidecar_path(path: str | PathLike[str]) -> Path:
    """The JSON file that holds a CSV event log's metadata: ``path`` + ``.json``."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _replace_atomically(path: Path, write: Any) -> None:
    # A hidden sibling, so the rename stays on one file system; not mkstemp,
    # whose 0600 mode would outlive the rename.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_events(
    frame: pd.DataFrame,
    path: str | PathLike[str],
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write an event log to ``path`` as Parquet or CSV, by its extension.

    Each file is written under a temporary name and renamed into place, so an
    interrupted write never leaves a truncated file.

    Parameters
    ----------
    frame : pandas.DataFrame
        The event log (``SimulationResult.events``; columns
        ``flysim.engines.EVENT_COLUMNS``).
    path : path-like
        Destination; ``.parquet`` or ``.csv``. Missing parent folders are made.
    metadata : mapping, optional
        What the log is of (``event_metadata``); defaults to
        ``frame.attrs["flysim"]``, which a ``SimulationResult`` sets on its
        event log. Parquet stores it in the file; a CSV gets the sidecar
        ``sidecar_path(path)`` (written first, so a CSV never lacks it). With
        no metadata at all the file is written without.

    Returns
    -------
    pathlib.Path
        The file written (for CSV, the CSV; its sidecar is beside it).

    Raises
    ------
    ValueError
        If the extension is not supported.
    TypeError
        If ``frame`` is not a DataFrame.
    """
    fmt = event_format(path)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    meta = dict(metadata if metadata is not None else frame.attrs.get(ATTRS_KEY) or {})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # attrs would also land in pandas' own metadata; the file's metadata is ``meta``.
    plain = frame.copy(deep=False)
    plain.attrs = {}
    if fmt == "parquet":
        from flysim import io  # pyarrow on use only

        _replace_atomically(path, lambda tmp: io.write_table(plain, tmp, meta))
    else:
        if meta:
            text = json.dumps(meta, indent=2, allow_nan=False) + "\n"
            _replace_atomically(
                sidecar_path(path), lambda tmp: tmp.write_text(text, encoding="utf-8")
            )
        _replace_atomically(path, lambda tmp: plain.to_csv(tmp, index=False))
    log.info("wrote %d events to %s", len(frame), path)
    return path


def read_events(path: str | PathLike[str]) -> pd.DataFrame:
    """Read an event log written by ``write_events`` (or saved in a result folder).

    Parameters
    ----------
    path : path-like
        A ``.parquet`` or ``.csv`` event file.

    Returns
    -------
    pandas.DataFrame
        The events; ``attrs["flysim"]`` holds the file's metadata
        (``event_metadata``), empty when the file has none (an older file, or
        a CSV without its sidecar).

    Raises
    ------
    ValueError
        If the extension is not supported.
    """
    fmt = event_format(path)
    if fmt == "parquet":
        from flysim import io

        frame, meta = io.read_table(path)
    else:
        # Empty strings (no tier, health or category) stay empty, not NaN.
        frame = pd.read_csv(path, keep_default_na=False, na_values={"amount": [""]})
        side = sidecar_path(path)
        meta = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    frame.attrs[ATTRS_KEY] = meta
    return frame
