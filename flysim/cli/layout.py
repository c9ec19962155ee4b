"""Fitting tables to the terminal, and the same tables as Markdown, CSV or JSON.

A command builds its tables in several layouts, widest first (every month
side by side, then fewer months per table, then one column per table); this
module measures each layout as rich would print it and keeps the first whose
every line fits the terminal's width. No table is cut or wrapped mid-cell.
"""

from __future__ import annotations

import enum
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

__all__ = [
    "OutputFormat",
    "fit_tables",
    "fold_header",
    "frame_csv",
    "frame_json",
    "parse_kpis",
    "render_width",
    "table_markdown",
]


class OutputFormat(enum.StrEnum):
    """What ``--format`` accepts: a table for the terminal, or data for a file or a pipe."""

    table = "table"
    csv = "csv"
    markdown = "markdown"
    json = "json"


def render_width(tables: Sequence[Table]) -> int:
    """The widest grid, in terminal cells, of ``tables`` printed without any width limit."""
    console = Console(width=10_000, file=io.StringIO(), color_system=None, highlight=False)
    widest = 0
    for table in tables:
        # Titles and captions wrap to the table's width; only the grid must fit.
        title, caption = table.title, table.caption
        table.title = table.caption = None
        try:
            for line in console.render_lines(table, pad=False):
                widest = max(widest, sum(seg.cell_length for seg in line))
        finally:
            table.title, table.caption = title, caption
    return widest


def fit_tables(layouts: Sequence[Sequence[Table]], width: int) -> list[Table]:
    """The first layout whose every line fits in ``width`` columns, else the narrowest.

    Parameters
    ----------
    layouts : sequence of sequence of rich.table.Table
        Candidate layouts, widest (most readable when it fits) first; each is
        the list of tables printed one after the other.
    width : int
        The terminal's width in columns.

    Returns
    -------
    list of rich.table.Table
    """
    if not layouts:
        raise ValueError("fit_tables needs at least one layout")
    widths = [render_width(layout) for layout in layouts]
    for layout, w in zip(layouts, widths, strict=True):
        if w <= width:
            return list(layout)
    return list(layouts[min(range(len(layouts)), key=widths.__getitem__)])


def fold_header(header: str, width: int, sep: str = " · ") -> str:
    """A ``sep``-separated header on as many lines as ``width`` needs, broken only at ``sep``.

    >>> print(fold_header("startup · 300 runs · 18 months · seed 1", 24))
    startup · 300 runs ·
    18 months · seed 1

    Parameters
    ----------
    header : str
        Parts joined by ``sep``.
    width : int
        The terminal's columns.
    sep : str
        The separator; a line ends with its mark (``·``) when the header goes on.

    Returns
    -------
    str
        The header's lines; a part wider than ``width`` keeps a line of its
        own (the terminal then wraps it).
    """
    mark = sep.rstrip()
    parts = header.split(sep)
    lines: list[str] = []
    for i, part in enumerate(parts):
        # Room for the mark that ends a line when another part follows.
        room = len(mark) if i < len(parts) - 1 else 0
        if lines and len(lines[-1]) + len(sep) + len(part) + room <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return (mark + "\n").join(lines)


def _plain(cell: object) -> str:
    text = str(cell.plain if hasattr(cell, "plain") else cell)
    return text.replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table) -> str:
    """A rich ``Table`` as a GitHub Markdown table, its title above and its caption below."""
    columns = list(table.columns)
    headers = [_plain(c.header) for c in columns]
    align = ["---:" if c.justify == "right" else "---" for c in columns]
    lines = []
    if table.title:
        lines += [f"**{_plain(table.title)}**", ""]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join(align) + "|")
    cells = [list(c.cells) for c in columns]
    for i in range(table.row_count):
        lines.append("| " + " | ".join(_plain(col[i]) for col in cells) + " |")
    if table.caption:
        for line in str(table.caption).splitlines():
            # one paragraph a line; a leading "*" is text, not a list bullet
            text = _plain(line)
            lines += ["", "\\" + text if text.startswith(("*", "-", "+")) else text]
    return "\n".join(lines) + "\n"


def frame_csv(frame: pd.DataFrame) -> str:
    """A frame as CSV text, without its index."""
    return frame.to_csv(index=False, lineterminator="\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def frame_json(header: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> str:
    """``header`` and each frame's records in one JSON object; missing values are ``null``."""
    out: dict[str, Any] = {k: _jsonable(v) for k, v in header.items()}
    for key, frame in tables.items():
        out[key] = [
            {k: _jsonable(v) for k, v in record.items()}
            for record in frame.to_dict(orient="records")
        ]
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def parse_kpis(text: str | None, allowed: Sequence[str], default: Sequence[str]) -> list[str]:
    """``--kpis a,b,c`` as metric names: ``default`` when not given, ``allowed`` for ``all``.

    Raises
    ------
    ValueError
        Naming the first unknown metric and pointing to ``flysim metrics``.
    """
    if text is None or not text.strip():
        return list(default)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(allowed)
    for name in names:
        if name not in allowed:
            import difflib

            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"--kpis: unknown metric {name!r}; {hint}'flysim metrics' lists every metric"
            )
    return names
