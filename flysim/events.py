"""Writing the event log to a file: Parquet or CSV, chosen by the file's extension."""

from __future__ import annotations

import logging
import os
from os import PathLike
from pathlib import Path

import pandas as pd

__all__ = ["EVENT_FORMATS", "event_format", "write_events"]

log = logging.getLogger(__name__)

#: File extensions the event log can be written with, and their format.
EVENT_FORMATS: dict[str, str] = {".parquet": "parquet", ".csv": "csv"}


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


def write_events(frame: pd.DataFrame, path: str | PathLike[str]) -> Path:
    """Write an event log to ``path`` as Parquet or CSV, by its extension.

    The file is written under a temporary name and renamed into place, so an
    interrupted write never leaves a truncated file.

    Parameters
    ----------
    frame : pandas.DataFrame
        The event log (``SimulationResult.events``; columns
        ``flysim.engines.EVENT_COLUMNS``).
    path : path-like
        Destination; ``.parquet`` or ``.csv``. Missing parent folders are made.

    Returns
    -------
    pathlib.Path
        The file written.

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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A hidden sibling, so the rename stays on one file system; not mkstemp,
    # whose 0600 mode would outlive the rename.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("wrote %d events to %s", len(frame), path)
    return path
