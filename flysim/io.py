"""Result folders on disk: atomic writes, the manifest, and parquet with provenance.

A run's folder holds ``summary.csv``, ``runs.parquet`` (every run and month),
``manifest.json`` (provenance, the resolved scenario, the file list), optionally
``events.parquet`` and the figures; a study's folder (:func:`write_folder`)
its CSV tables, its raw values in parquet and the same manifest, with the
study's design. A folder is built in a temporary sibling and swapped in whole,
so a reader never sees a half-written result and a failed save leaves the
previous one untouched.

This module writes data only and never imports matplotlib: figures are added
by a writer the caller passes in (``figures=``), which the result classes
take from :mod:`flysim.plots.output` when asked for figures.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flysim.atomic import atomic_directory, target_path
from flysim.scenario import resolved_dict

if TYPE_CHECKING:
    import pandas as pd

    from flysim.result import SimulationResult

__all__ = [
    "CHANNELS_FILE",
    "EVENTS_FILE",
    "FORMAT",
    "FORMAT_VERSION",
    "INPUTS_FILE",
    "MANIFEST_FILE",
    "RUNS_FILE",
    "SUMMARY_FILE",
    "FigureWriter",
    "atomic_directory",
    "build_manifest",
    "combine_writers",
    "figures_wanted",
    "provenance_from_manifest",
    "read_manifest",
    "read_table",
    "write_folder",
    "write_manifest",
    "write_result",
    "write_table",
]

log = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "summary.csv"
RUNS_FILE = "runs.parquet"
EVENTS_FILE = "events.parquet"
#: Each run's draws of the uncertain inputs: ``run`` and one column per key.
INPUTS_FILE = "inputs.parquet"
#: ``SimulationResult.channels()``, with several paid channels.
CHANNELS_FILE = "channels.parquet"
#: Marks a folder as a flysim result; ``format_version`` changes when the layout does.
FORMAT = "flysim-result"
FORMAT_VERSION = 1
#: Parquet key-value metadata keys start with this.
_META_PREFIX = "flysim."

#: Writes figures into the folder it is given and returns the files written.
FigureWriter = Callable[[Path], Sequence[str | os.PathLike[str]]]


def write_table(
    frame: pd.DataFrame | Iterable[pd.DataFrame],
    path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write a frame, or consecutive frames of one schema, to parquet with metadata.

    Each ``metadata`` key is stored as JSON under ``"flysim." + key``;
    ``read_table`` gives them back. Frames given one by one become row groups
    written as they come, so a large result never needs a second copy of
    itself in memory.
    """
    import pyarrow as pa  # imported on use: keeps `import flysim` light
    import pyarrow.parquet as pq

    # A DataFrame is itself iterable (over its columns): tell it apart by shape.
    frames = iter([frame]) if hasattr(frame, "columns") else iter(frame)
    extra = {
        f"{_META_PREFIX}{k}".encode(): json.dumps(v, allow_nan=False).encode()
        for k, v in (metadata or {}).items()
    }
    writer = None
    try:
        for part in frames:
            table = pa.Table.from_pandas(part, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def read_table(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a parquet file written by ``write_table``: the frame and its flysim metadata."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    prefix = _META_PREFIX.encode()
    metadata = {
        k[len(prefix) :].decode(): json.loads(v)
        for k, v in (table.schema.metadata or {}).items()
        if k.startswith(prefix)
    }
    return table.to_pandas(), metadata


def build_manifest(
    result: SimulationResult, *, files: Sequence[str], plots: Sequence[str] = ()
) -> dict[str, Any]:
    """The manifest of a result folder: provenance, resolved scenario, metrics and files."""
    p = result.provenance
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "run",
        "flysim_version": p.flysim_version,
        "scenario": {
            "name": p.scenario_name,
            "path": p.scenario_path,
            "sha256": p.scenario_hash,
            "resolved": resolved_dict(result.scenario),
        },
        "seed": p.seed,
        "engine": p.engine,
        "runs": p.runs,
        "months": p.months,
        "wall_time_s": p.wall_time_s,
        "created": p.created,
        "n_events": p.n_events,
        "inputs": p.inputs,
        "metrics": list(result.metrics),
        "files": list(files),
        "plots": list(plots),
    }


def provenance_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Provenance`` keyword arguments a manifest records."""
    s = manifest["scenario"]
    return {
        "scenario_name": s["name"],
        "scenario_hash": s["sha256"],
        "scenario_path": s["path"],
        "seed": manifest["seed"],
        "engine": manifest["engine"],
        "runs": manifest["runs"],
        "months": manifest["months"],
        "flysim_version": manifest["flysim_version"],
        "created": manifest["created"],
        "wall_time_s": manifest["wall_time_s"],
        "n_events": manifest["n_events"],
        "inputs": manifest.get("inputs", "none"),
    }


def write_manifest(folder: str | os.PathLike[str], manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` into ``folder`` and return its path."""
    path = Path(folder) / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a result folder's ``manifest.json``.

    Raises
    ------
    FileNotFoundError
        If the folder has no manifest.
    ValueError
        If the manifest is not a flysim result manifest this version can read.
    """
    path = Path(folder) / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a flysim result manifest (no format = {FORMAT!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version {version!r} is not supported "
            f"(this flysim reads up to {FORMAT_VERSION}); upgrade flysim"
        )
    return manifest


def figures_wanted(figures: bool, plots: bool | None) -> bool:
    """``figures``, or the deprecated ``plots`` argument when one was given."""
    if plots is None:
        return figures
    warnings.warn(
        "save(plots=...) is deprecated; use figures=...", DeprecationWarning, stacklevel=3
    )
    return plots


def combine_writers(*writers: FigureWriter | None) -> FigureWriter | None:
    """One writer that runs each given writer in turn (None when none is given)."""
    given = [w for w in writers if w is not None]
    if not given:
        return None

    def write_all(folder: Path) -> list[str | os.PathLike[str]]:
        return [p for w in given for p in w(folder)]

    return write_all


def _figures(writer: FigureWriter | None, folder: Path) -> list[str]:
    """Run ``writer`` on the folder being built; the names of the files it wrote."""
    if writer is None:
        return []
    return [Path(p).name for p in writer(folder)]


def write_result(
    result: SimulationResult,
    directory: str | os.PathLike[str],
    *,
    figures: FigureWriter | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a run's folder atomically (see ``SimulationResult.save``); return its path.

    ``figures``, when given, is called with the folder being built once the
    data files are in it, and its files are listed in the manifest.
    ``tables`` are further CSV files (file name to frame, written without
    the index), such as ``drivers.csv``.
    """
    target = target_path(directory)
    with atomic_directory(target) as tmp:
        files = [SUMMARY_FILE, RUNS_FILE]
        result.summary().to_csv(tmp / SUMMARY_FILE, index=False)
        # When and how fast a run happened stay in the manifest: without them the
        # same seed gives a byte-identical runs.parquet, which is checkable.
        stable = {
            k: v
            for k, v in result.provenance.to_dict().items()
            if k not in ("created", "wall_time_s")
        }
        write_table(result.iter_frames(), tmp / RUNS_FILE, {"provenance": stable})
        if result.events is not None:
            # horizon, seed, scenario, engine: SimulationResult puts them in attrs
            write_table(result.events, tmp / EVENTS_FILE, result.events.attrs.get("flysim"))
            files.append(EVENTS_FILE)
        if result.inputs is not None:
            write_table(result.inputs.reset_index(), tmp / INPUTS_FILE, {"provenance": stable})
            files.append(INPUTS_FILE)
        if result.paid_channels is not None:
            write_table(result.paid_channels, tmp / CHANNELS_FILE, {"provenance": stable})
            files.append(CHANNELS_FILE)
        for name, frame in (tables or {}).items():
            frame.to_csv(tmp / name, index=False)
            files.append(name)
        plots = _figures(figures, tmp)
        write_manifest(tmp, build_manifest(result, files=[*files, MANIFEST_FILE], plots=plots))
    log.info("saved %r to %s", result.provenance.scenario_name, target)
    return target


def write_folder(
    directory: str | os.PathLike[str],
    manifest: Mapping[str, Any],
    *,
    csv: Mapping[str, pd.DataFrame] | None = None,
    parquet: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]] | None = None,
    metadata: Mapping[str, Any] | None = None,
    figures: FigureWriter | None = None,
) -> Path:
    """Write a results folder atomically: CSV tables, parquet tables, figures, ``manifest.json``.

    Every result kind saves through this (a run through :func:`write_result`),
    so every folder is replaced whole, with no file of an earlier result left
    beside the new ones.

    Parameters
    ----------
    directory : path
        The folder to create or replace (see :func:`atomic_directory`).
    manifest : mapping
        Provenance and design; ``format``, ``format_version``, ``files`` and
        ``plots`` are filled in.
    csv : mapping of str to DataFrame, optional
        File name to table, written without the index.
    parquet : mapping of str to DataFrame or iterable of DataFrames, optional
        File name to table (see :func:`write_table`), each with ``metadata``.
    metadata : mapping, optional
        Parquet metadata of every parquet file, e.g. the provenance.
    figures : callable, optional
        Called with the folder being built after the data files are written;
        returns the figure files it wrote.

    Returns
    -------
    pathlib.Path
        The absolute path of the folder.
    """
    target = target_path(directory)
    with atomic_directory(target) as tmp:
        files: list[str] = []
        for name, frame in (csv or {}).items():
            frame.to_csv(tmp / name, index=False)
            files.append(name)
        for name, frames in (parquet or {}).items():
            write_table(frames, tmp / name, metadata)
            files.append(name)
        plots = _figures(figures, tmp)
        full = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **manifest,
            "files": [*files, MANIFEST_FILE],
            "plots": plots,
        }
        write_manifest(tmp, full)
    log.info("saved %s to %s", manifest.get("kind", "result"), target)
    return target
