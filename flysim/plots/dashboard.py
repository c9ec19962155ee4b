"""The KPI dashboard: fan charts of the flywheel's main metrics on one slide."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from flysim.plots.changes import Changes, change_footnote, mark_changes
from flysim.plots.data import ResultLike
from flysim.plots.fan import fan_chart, legend_entries
from flysim.plots.style import MUTED, months_text, new_figure, plot_style

__all__ = ["DASHBOARD_METRICS", "dashboard"]

#: The metrics on the dashboard, in reading order (left to right, top to bottom):
#: growth and money first, then retention and the delight loop.
DASHBOARD_METRICS: tuple[str, ...] = (
    "customers",
    "mrr",
    "cac",
    "ltv_cac",
    "churn_rate_annual",
    "nps",
    "referral_rate",
    "flywheel_velocity",
    "contribution_cumulative",
)

#: A 16:9 slide.
DASHBOARD_SIZE: tuple[float, float] = (16.0, 9.0)


def _title(result: ResultLike) -> str:
    return (
        f"{result.name} — flywheel KPIs over {months_text(result.n_months)}  ·  "
        f"{result.n_runs:,} runs, engine {result.engine}, seed {result.seed}"
    )


def dashboard(
    result: ResultLike,
    fig: Figure | None = None,
    metrics: Sequence[str] = DASHBOARD_METRICS,
    *,
    ncols: int = 3,
    changes: Changes | None = None,
) -> Figure:
    """One figure of fan charts of the flywheel's key metrics.

    Parameters
    ----------
    result : ResultLike
        The simulation to show.
    fig : matplotlib.figure.Figure or None, optional
        An empty figure to draw into; ``None`` makes a 16 x 9 inch figure.
    metrics : sequence of str, optional
        Metrics to chart, one panel each; default :data:`DASHBOARD_METRICS`.
    ncols : int, optional
        Panels per row (4 gives a 2 x 4 grid for the default eight metrics).
    changes : sequence of (int, str) or None, optional
        A plan's dated changes, ``[(0-based month, label), ...]`` as
        :func:`flysim.scenario.changes.change_months` gives them: every panel
        gets a thin line at each change's time with its number, and the
        figure one key to the numbers along its bottom edge. ``None`` or empty
        draws nothing.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    KeyError
        If a metric is not a metric of ``result``.
    ValueError
        If ``metrics`` is empty or ``ncols`` is below 1.
    """
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics: need at least one metric, got none")
    if ncols < 1:
        raise ValueError(f"ncols: need at least 1, got {ncols}")
    ncols = min(ncols, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)

    with plot_style():
        if fig is None:
            fig = new_figure(DASHBOARD_SIZE)
        else:
            fig.set_layout_engine("constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, metric in zip(axes, metrics, strict=False):
            fan_chart(result, metric, ax=ax, legend=False)
            mark_changes(ax, changes, footnote=False)
        for ax in axes[len(metrics) :]:
            ax.set_visible(False)

        handles, labels = legend_entries(axes[0])
        fig.legend(
            handles,
            labels,
            loc="outside upper right",
            ncols=len(labels),
            fontsize=10,
        )
        note = change_footnote(changes, width=230)
        if note:
            # A supxlabel, so the constrained layout makes room for it.
            fig.supxlabel(note, x=0.01, ha="left", fontsize=9.5, color=MUTED)
        fig.suptitle(_title(result), x=0.01, ha="left", fontsize=15, fontweight="bold")
        engine = fig.get_layout_engine()
        # Both branches above gave the figure a constrained layout.
        assert isinstance(engine, ConstrainedLayoutEngine)
        engine.set(h_pad=0.1, w_pad=0.12, hspace=0.07, wspace=0.05)
    return fig
