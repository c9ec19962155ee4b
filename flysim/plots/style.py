"""The house style of flysim's figures.

Everything a plot needs to know about a metric (its title, its unit, the
benchmarks the source articles give for it) is its entry in the metric
catalogue (:mod:`flysim.metrics.catalogue`), which tables read too. The style
is applied through :func:`plot_style`, a :func:`matplotlib.rc_context`, so
importing or using flysim never changes the caller's global ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure

from flysim.metrics.catalogue import CATALOGUE, metric_info
from flysim.metrics.metric import Benchmark, Display, Metric

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "BAND_COLOR",
    "INK",
    "METRIC_STYLES",
    "MUTED",
    "PALETTE",
    "RC_PARAMS",
    "TITLE_PAD",
    "Benchmark",
    "Kind",
    "MetricStyle",
    "metric_style",
    "months_text",
    "new_figure",
    "plot_style",
]

#: A small, colour-blind-friendly palette; the first colour is flysim's own.
PALETTE: tuple[str, ...] = (
    "#1f5f8b",  # deep blue
    "#e07b39",  # orange
    "#2a9d8f",  # teal
    "#c0392b",  # red
    "#7b5ea7",  # purple
    "#8c8c8c",  # grey
)
#: Text and axis colour: near-black reads softer than pure black on slides.
INK = "#2b2b2b"
#: Secondary text, reference lines and annotations.
MUTED = "#6b6b6b"
#: Neutral shade used where a band is explained rather than drawn for a result.
BAND_COLOR = "#9aa5b1"

#: Points between a chart's title and its axes.
TITLE_PAD = 8.0

#: rcParams of the house style, applied only inside :func:`plot_style`.
RC_PARAMS: dict[RcKeyType, Any] = {
    # Names, notes and labels are text: "Plan $5k, 20% more" must not go
    # through mathtext (an unmatched or odd "$" fails to parse).
    "text.parse_math": False,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10.5,
    "text.color": INK,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.facecolor": "white",
    "axes.edgecolor": "#b0b0b0",
    "axes.linewidth": 0.8,
    "axes.labelcolor": INK,
    "axes.labelsize": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": TITLE_PAD,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "xtick.major.size": 3,
    "ytick.major.size": 0,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "legend.handlelength": 1.6,
    "lines.linewidth": 2.0,
    "lines.solid_capstyle": "round",
}

#: The catalogue's display formats, under the name the formatters use.
Kind = Display
#: A metric's display metadata is its catalogue entry (kept under its old name).
MetricStyle = Metric
#: Every metric's catalogue entry (kept under its old name).
METRIC_STYLES: dict[str, Metric] = CATALOGUE
#: The catalogue's lookup (kept under its old name).
metric_style = metric_info


def months_text(n: int) -> str:
    """``"1 month"``, ``"18 months"``."""
    return f"{n} month" if n == 1 else f"{n} months"


@contextmanager
def plot_style() -> Iterator[None]:
    """Apply flysim's house style inside a ``with`` block only.

    Examples
    --------
    >>> from flysim.plots.style import plot_style
    >>> with plot_style():
    ...     pass  # figures made here use the house style
    """
    with mpl.rc_context(RC_PARAMS):
        yield


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A new figure for a plot function called without ``ax``/``fig``.

    It is made through pyplot so that notebooks display it; code that only
    saves figures should pass its own :class:`matplotlib.figure.Figure` instead
    (see :mod:`flysim.plots.output`), which pyplot never tracks.
    Call inside :func:`plot_style`.
    """
    # Imported here so that importing flysim never selects a backend.
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")
