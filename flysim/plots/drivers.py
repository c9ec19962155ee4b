"""What drives the spread: each uncertain input's share of a metric's variance, as bars.

:func:`drivers_chart` draws one metric's table (``SimulationResult.drivers``, or
the rows of one metric in ``drivers.csv``); :func:`drivers_figure` stacks one
chart per metric of a tidy frame (``SimulationResult.drivers_frame``), as the
results folder's ``drivers.png``. Both read plain frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from flysim.metrics.catalogue import metric_info
from flysim.plots.study_common import require_columns, wrapped_title
from flysim.plots.style import INK, MUTED, PALETTE, new_figure, plot_style

__all__ = ["DRIVERS_COLUMNS", "drivers_chart", "drivers_figure", "drivers_size"]

#: Columns of a drivers table, one row per uncertain input.
DRIVERS_COLUMNS: tuple[str, ...] = ("input", "share", "ci_low", "ci_high")

_BAR = 0.62
_TITLE_WIDTH = 52
_ROW_INCHES = 0.32
_PANEL_EXTRA = 1.1


def drivers_size(rows: int, panels: int = 1) -> tuple[float, float]:
    """Figure size for ``panels`` charts of ``rows`` inputs each: 8 inches wide."""
    return (8.0, panels * (_ROW_INCHES * rows + _PANEL_EXTRA) + 0.5)


def drivers_chart(
    table: pd.DataFrame,
    metric_label: str,
    *,
    month: int | None = None,
    note: bool = True,
    currency: str = "EUR",
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of each input's share of a metric's variance, with 95 % whiskers.

    Rows are sorted by share, largest at the top, each labelled with the key
    path the scenario file writes; the axis reads in percent of the metric's
    variance across runs, and each bar's share is written past its whisker.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per input with the columns of :data:`DRIVERS_COLUMNS` (shares
        and interval ends as fractions; a NaN interval draws no whisker).
    metric_label : str
        The metric's name as a reader knows it (the catalogue's ``title``).
    month : int, optional
        The month the metric is read at, for the title.
    note : bool
        Write under the axis what a share is and that correlated inputs'
        shares can add to more than 100 %.
    currency : str
        Unused (the inputs are labelled by their key paths); kept so that every
        chart of a result takes its currency alike.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    KeyError
        If a column of :data:`DRIVERS_COLUMNS` is missing.
    ValueError
        If the table is empty.
    """
    require_columns(table, DRIVERS_COLUMNS, "a drivers chart")
    data = table.sort_values("share", ascending=False, kind="stable")
    share = data["share"].to_numpy(dtype=float)
    low = data["ci_low"].to_numpy(dtype=float)
    high = data["ci_high"].to_numpy(dtype=float)
    pos = np.arange(len(data))
    with plot_style():
        if ax is None:
            ax = new_figure(drivers_size(len(data))).add_subplot()
        ax.barh(pos, share, height=_BAR, color=PALETTE[0], zorder=3)
        show = np.isfinite(low) & np.isfinite(high)
        if show.any():
            err = np.vstack([share[show] - low[show], high[show] - share[show]])
            ax.errorbar(
                share[show],
                pos[show],
                xerr=np.clip(err, 0.0, None),
                fmt="none",
                ecolor=INK,
                elinewidth=1.0,
                capsize=3,
                zorder=4,
            )
        ends = np.where(show, high, share)
        for y, s, end in zip(pos, share, ends, strict=True):
            ax.annotate(
                f"{s:.0%}",
                (end, y),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=8.5,
                color=INK,
                zorder=5,
            )
        ax.set_yticks(pos, data["input"].astype(str).tolist())
        ax.tick_params(axis="y", length=0)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        if not ax.yaxis_inverted():
            ax.invert_yaxis()
        top = float(np.nanmax(ends)) if len(ends) else 1.0
        # Room on the right for the labels past the whiskers.
        ax.set_xlim(0.0, min(1.15, max(0.1, top * 1.2 + 0.04)))
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        xlabel = "share of the metric's variance across runs (first order, 95 % CI)"
        if note:
            xlabel += (
                "\nthe part of the spread that would go if that input alone were known;"
                "\ncorrelated inputs share credit, so shares can add to more than 100 %"
            )
        ax.set_xlabel(xlabel, color=MUTED if note else INK, fontsize=8.5)
        at = f" at month {month}" if month is not None else ""
        wrapped_title(ax, f"What drives the spread of {metric_label}{at}", _TITLE_WIDTH)
    return ax


def drivers_figure(
    frame: pd.DataFrame, *, currency: str = "EUR", fig: Figure | None = None
) -> Figure:
    """One drivers chart per metric of a tidy frame, stacked, the note under the last.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``metric``, ``month`` and those of :data:`DRIVERS_COLUMNS`
        (``SimulationResult.drivers_frame`` or ``drivers.csv``).
    currency : str
        The currency in the inputs' labels.
    fig : matplotlib.figure.Figure, optional
        The figure to draw on; a new one by default.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    require_columns(frame, ("metric", "month", *DRIVERS_COLUMNS), "a drivers figure")
    metrics = list(dict.fromkeys(frame["metric"]))
    rows = int(frame.groupby("metric").size().max())
    with plot_style():
        if fig is None:
            fig = new_figure(drivers_size(rows, len(metrics)))
        axes = fig.subplots(len(metrics), 1, squeeze=False)[:, 0]
        for i, (metric, ax) in enumerate(zip(metrics, axes, strict=True)):
            part = frame[frame["metric"] == metric]
            drivers_chart(
                part,
                metric_info(metric).title,
                month=int(part["month"].iloc[0]),
                note=i == len(metrics) - 1,
                currency=currency,
                ax=ax,
            )
    return fig
