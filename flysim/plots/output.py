"""Writing figures to files: one resolution, and figures released once written."""

from __future__ import annotations

import logging
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["SAVE_DPI", "save_figure"]

logger = logging.getLogger(__name__)

#: Resolution of saved PNGs: sharp on a projected slide, small on disk.
SAVE_DPI = 150


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` at :data:`SAVE_DPI` and clear it; return the path.

    Pass a plain :class:`matplotlib.figure.Figure` (not one from pyplot), so
    nothing is left open however many figures are written.
    """
    path = Path(path)
    fig.savefig(path, dpi=SAVE_DPI)
    # Break the figure's reference cycles now rather than at the next GC.
    fig.clear()
    logger.debug("wrote %s", path)
    return path
