"""Pieces the study charts share (:mod:`flysim.plots.sweep`, :mod:`flysim.plots.sensitivity`).

The key above the axes, the wrapped title and the check of a frame's columns,
so that sweep and sensitivity charts look and fail alike. Internal to
:mod:`flysim.plots`; not part of the public API.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import Container

from flysim.plots.style import TITLE_PAD

__all__ = ["KEY_ABOVE_PAD", "legend_above", "require_columns", "wrapped_title"]

#: Extra title padding, in points, that makes room for :func:`legend_above`.
KEY_ABOVE_PAD = 14.0

_KEY_ABOVE: dict[str, Any] = {
    "loc": "lower left",
    "bbox_to_anchor": (0.0, 1.0),
    "borderaxespad": 0.1,
    "borderpad": 0.0,
    "columnspacing": 1.4,
}


def legend_above(ax: Axes, handles: Sequence[Artist | Container], labels: Sequence[str]) -> None:
    """The legend in one row between title and plot, clear of the data, as fan charts place it.

    The title needs ``pad=TITLE_PAD + KEY_ABOVE_PAD`` to leave room for it.
    """
    ax.legend(handles, labels, ncols=len(labels), **_KEY_ABOVE)


def wrapped_title(ax: Axes, text: str, width: int, pad: float = TITLE_PAD) -> None:
    """A left-aligned title wrapped at a word boundary to lines of at most ``width`` characters."""
    # Long parameter keys push a left-aligned title off the figure; hyphens in
    # keys and words are not break points.
    ax.set_title(
        textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False),
        loc="left",
        pad=pad,
    )


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``KeyError`` naming the missing columns of ``frame``, ``ValueError`` if it is empty."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"frame: missing column(s) {missing} needed for {what}; "
            f"has {list(map(str, frame.columns))}"
        )
    if frame.empty:
        raise ValueError(f"frame: no rows to plot for {what}")
