"""The pieces of the flow diagram: stage boxes, arrows sized by what they carry, labels.

Positions are in data units of the diagram's 19 x 10 canvas, drawn with equal
aspect; arrow widths are in points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import ArrowStyle, FancyArrowPatch, FancyBboxPatch

from flysim.plots.formatting import format_number
from flysim.plots.style import INK, MUTED, PALETTE

__all__ = [
    "ATTRACT",
    "CHURN",
    "DELIGHT",
    "ENGAGE",
    "Box",
    "arrow_width",
    "draw_arrow",
    "draw_box",
    "draw_label",
]

_W, _H = 2.6, 1.8  # box size
_MIN_WIDTH, _MAX_WIDTH = 1.5, 20.0  # arrow tail widths in points

#: Stage colours, (face, edge): attract blue, engage teal, delight orange, churn red.
ATTRACT = ("#e4eef6", PALETTE[0])
ENGAGE = ("#e1f3f0", PALETTE[2])
DELIGHT = ("#fcebdf", PALETTE[1])
CHURN = ("#f8e2df", PALETTE[3])


@dataclass(frozen=True)
class Box:
    """A stage box centred at ``(x, y)``, and the points where arrows meet it."""

    x: float
    y: float
    colors: tuple[str, str]

    def left(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x - _W / 2, self.y + dy)

    def right(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x + _W / 2, self.y + dy)

    def top(self) -> tuple[float, float]:
        return (self.x, self.y + _H / 2)

    def bottom(self, dx: float = 0.0) -> tuple[float, float]:
        return (self.x + dx, self.y - _H / 2)


def draw_box(
    ax: Axes, box: Box, title: str, value: float, note: str, *, total: bool = False
) -> None:
    """The box with its title, its number (whole) large, and a note under it.

    A ``total`` (a flow summed over the horizon) has a dashed, lighter box; a
    count at the horizon's end (a stock) a solid one, so the two never read alike.
    """
    face, edge = box.colors
    ax.add_patch(
        FancyBboxPatch(
            (box.x - _W / 2, box.y - _H / 2),
            _W,
            _H,
            boxstyle="round,pad=0,rounding_size=0.18",
            facecolor="white" if total else face,
            edgecolor=edge,
            linewidth=1.4 if total else 2.2,
            linestyle=(0, (4, 2.5)) if total else "solid",
            zorder=2,
        )
    )
    # (offset from the centre, text, its Text properties)
    lines: tuple[tuple[float, str, Mapping[str, Any]], ...] = (
        (0.58, title, {"fontsize": 10.5, "fontweight": "bold", "color": edge}),
        (
            0.12,
            format_number(value, decimals=0),
            {"fontsize": 17, "fontweight": "bold", "color": INK},
        ),
        (-0.5, note, {"fontsize": 8.5, "color": MUTED, "linespacing": 1.25}),
    )
    for dy, text, style in lines:
        style = {"color": INK, **style}
        ax.text(box.x, box.y + dy, text, ha="center", va="center", zorder=3, **style)


def arrow_width(value: float, largest: float) -> float:
    """Tail width in points, proportional to ``value``, never thinner than a visible minimum."""
    if not np.isfinite(value) or largest <= 0:
        return _MIN_WIDTH
    return max(_MIN_WIDTH, _MAX_WIDTH * value / largest)


def draw_arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    width: float,
    color: str,
    *,
    rad: float = 0.0,
) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end`` (arcing with ``rad``), its head sized to its tail."""
    style = ArrowStyle(
        "simple", head_length=0.45 * width + 7, head_width=1.5 * width + 6, tail_width=width
    )
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle=style,
        connectionstyle=f"arc3,rad={rad}",
        mutation_scale=1,
        shrinkA=1,
        shrinkB=2,
        facecolor=color,
        edgecolor="none",
        alpha=0.6,
        zorder=1,
    )
    ax.add_patch(arrow)
    return arrow


def draw_label(ax: Axes, x: float, y: float, text: str, color: str = INK) -> None:
    """Text centred at ``(x, y)`` on a white backing, legible over an arrow."""
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=9.5,
        color=color,
        zorder=4,
        bbox={
            "boxstyle": "round,pad=0.25",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.92,
        },
    )
