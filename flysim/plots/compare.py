"""Figures of a comparison: overlaid fan charts per KPI and the flow diagrams side by side."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from flysim.plots.fan import fan_chart
from flysim.plots.flow import FLOW_SIZE, flow_diagram, flow_scale
from flysim.plots.output import save_figure
from flysim.plots.style import PALETTE, metric_style, months_text, new_figure, plot_style

if TYPE_CHECKING:
    from flysim.study.compare import Comparison

__all__ = ["COMPARE_FAN_SIZE", "compare_fan", "compare_flows", "flows_size", "save_compare_figures"]

logger = logging.getLogger(__name__)

#: Size of one overlaid fan chart.
COMPARE_FAN_SIZE: tuple[float, float] = (9.0, 5.0)
#: Bands of an overlay: one band per scenario keeps overlapping fans readable.
_OVERLAY_BANDS = ((5.0, 95.0),)
#: Diagrams per row of the side-by-side figure.
_FLOWS_PER_ROW = 2


def compare_fan(comparison: Comparison, metric: str, ax: Axes | None = None) -> Axes:
    """One metric of every scenario on one axes: a median line and a P5-P95 band each.

    Parameters
    ----------
    comparison : Comparison
        From :func:`flysim.compare`.
    metric : str
        A name from ``flysim.metrics.names.METRICS``.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if len(comparison.results) > len(PALETTE):
        logger.warning("more scenarios than palette colours; colours repeat")
    with plot_style():
        if ax is None:
            ax = new_figure(COMPARE_FAN_SIZE).add_subplot()
        for i, (name, result) in enumerate(zip(comparison.names, comparison.results, strict=True)):
            fan_chart(
                result,
                metric,
                ax=ax,
                label=name,
                color=PALETTE[i % len(PALETTE)],
                bands=_OVERLAY_BANDS,
                legend=i == len(comparison.results) - 1,
                title=f"{metric_style(metric).title}: {' vs '.join(comparison.names)}",
            )
    return ax


def compare_flows(comparison: Comparison, fig: Figure | None = None) -> Figure:
    """Every scenario's flow diagram, two to a row, with arrow widths on one shared scale.

    Parameters
    ----------
    comparison : Comparison
        From :func:`flysim.compare`.
    fig : matplotlib.figure.Figure or None, optional
        Figure to draw on (its size is left alone); ``None`` makes one sized
        for the diagrams.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(comparison.results)
    cols = min(n, _FLOWS_PER_ROW)
    rows = -(-n // cols)
    scale = max(flow_scale(r) for r in comparison.results)
    with plot_style():
        if fig is None:
            fig = new_figure(flows_size(n))
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, name, result in zip(axes.flat, comparison.names, comparison.results, strict=False):
            flow_diagram(result, ax=ax, scale=scale, title=name)
        for ax in axes.flat[n:]:
            ax.set_axis_off()
        fig.suptitle(
            f"Flywheel flows over {months_text(comparison.months)}, mean of "
            f"{comparison.runs:,} runs each (arrow widths on one scale)",
            fontsize=14,
        )
    return fig


def flows_size(n: int) -> tuple[float, float]:
    """Figure size for ``n`` flow diagrams, two to a row."""
    cols = min(n, _FLOWS_PER_ROW)
    rows = -(-n // cols)
    return (FLOW_SIZE[0] * cols, FLOW_SIZE[1] * rows + 0.6)


def save_compare_figures(comparison: Comparison, folder: str | Path) -> list[Path]:
    """Write ``fan-<kpi>.png`` for every compared KPI and ``flows.png`` into ``folder``."""
    from flysim.study.compare import COMPARE_KPIS

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        written.append(save_figure(fig, folder / name))

    with plot_style():
        for metric in COMPARE_KPIS:
            fig = Figure(figsize=COMPARE_FAN_SIZE, layout="constrained")
            compare_fan(comparison, metric, ax=fig.add_subplot())
            save(fig, f"fan-{metric}.png")
        n = len(comparison.results)
        fig = Figure(figsize=flows_size(n), layout="constrained")
        save(compare_flows(comparison, fig=fig), "flows.png")
    return written
