"""Parameter sweeps: one metric at one month over a grid of one or two parameters.

The functions read a tidy frame with one row per sweep point: a column per
swept parameter, named by its dotted scenario key, and the columns of
:data:`SWEEP_COLUMNS` (the metric's distribution across runs at that point).
They know nothing of the object that made the frame, so a CSV written by
``flysim sweep`` plots the same way as a sweep run in a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.ticker import MaxNLocator

from flysim.plots.fan import BAND_GID, MEDIAN_GID, legend_entries
from flysim.plots.formatting import NumberFormatter, format_distinct, format_value
from flysim.plots.formatting import value_formatter as _value_formatter
from flysim.plots.labels import param_label
from flysim.plots.study_common import KEY_ABOVE_PAD, legend_above, require_columns, wrapped_title
from flysim.plots.style import INK, MUTED, PALETTE, TITLE_PAD, metric_style, new_figure, plot_style

__all__ = ["STATISTIC_LABELS", "SWEEP_COLUMNS", "sweep_heatmap", "sweep_line"]

#: Statistics a heatmap can show, with the words used in its title.
STATISTIC_LABELS: dict[str, str] = {
    "p5": "P5 (bad case)",
    "p25": "P25",
    "p50": "median (P50)",
    "p75": "P75",
    "p95": "P95 (good case)",
    "mean": "mean",
}

#: Columns every sweep frame has besides one column per swept parameter.
SWEEP_COLUMNS: tuple[str, ...] = (
    "metric",
    "month",
    "runs",
    "se",
    "missing_share",
    *STATISTIC_LABELS,
)

#: Largest grid whose cells are annotated with their values.
_ANNOTATE_MAX = 12
_NAN_COLOR = "#e3e3e3"
_NOTE: dict[str, Any] = {"fontsize": 8, "color": MUTED, "style": "italic"}
_CENTRED: dict[str, Any] = {"ha": "center", "va": "center"}


def _single(frame: pd.DataFrame, column: str) -> str:
    values = frame[column].unique()
    if len(values) != 1:
        raise ValueError(
            f"frame: column {column!r} must hold one value on every row, got {list(values)}"
        )
    return str(values[0])


def _param_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if c not in SWEEP_COLUMNS]


def _require_param(frame: pd.DataFrame, key: str, argument: str) -> None:
    if key not in frame.columns or key in SWEEP_COLUMNS:
        raise KeyError(
            f"{argument}: {key!r} is not a swept parameter of frame; "
            f"parameters are {_param_columns(frame)}"
        )
    if not pd.api.types.is_numeric_dtype(frame[key]):
        raise ValueError(f"{argument}: column {key!r} must be numeric, got {frame[key].dtype}")


def sweep_line(
    frame: pd.DataFrame, param: str, *, currency: str = "EUR", ax: Axes | None = None
) -> Axes:
    """Plot a metric against one swept parameter, with percentile bands.

    The median across runs (P50) is a line with a marker per sweep point; the
    P5–P95 and P25–P75 ranges are shaded bands, the wider one lighter, as in
    :func:`flysim.plots.fan.fan_chart`. A point whose P50 is NaN (the metric
    missing in every run) leaves a gap.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sweep point: a column ``param`` and the columns of
        :data:`SWEEP_COLUMNS`, one metric and one month throughout.
    param : str
        Dotted scenario key of the swept parameter, e.g.
        ``"attract.paid.budget_per_month"``; the x-axis.
    currency : str, optional
        Currency of money metrics.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new 8 x 4.5 inch figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    KeyError
        If ``param`` or a column of :data:`SWEEP_COLUMNS` is not in ``frame``.
    ValueError
        If ``frame`` is empty, mixes metrics or months, has a non-numeric
        ``param`` or several rows per value of ``param``.
    """
    require_columns(frame, SWEEP_COLUMNS, "a sweep line")
    _require_param(frame, param, "param")
    if frame[param].duplicated().any():
        raise ValueError(
            f"param: frame has several rows per value of {param!r} (a two-parameter "
            "sweep?); select one value of the other parameters or use sweep_heatmap"
        )
    metric, month = _single(frame, "metric"), _single(frame, "month")
    style = metric_style(metric)
    data = frame.sort_values(param)
    x = data[param].to_numpy(dtype=float)

    def col(name: str) -> np.ndarray:
        return data[name].to_numpy(dtype=float)

    with plot_style():
        if ax is None:
            ax = new_figure((8.0, 4.5)).add_subplot()
        color = PALETTE[0]
        for (low, high), alpha in (((5, 95), 0.13), ((25, 75), 0.30)):
            poly = ax.fill_between(
                x,
                col(f"p{low}"),
                col(f"p{high}"),
                color=color,
                alpha=alpha,
                linewidth=0,
                label="_band",
            )
            poly.set_gid(BAND_GID.format(low=low, high=high))
        (line,) = ax.plot(
            x, col("p50"), color=color, marker="o", markersize=4.5, label="median (P50)", zorder=3
        )
        line.set_gid(MEDIAN_GID)

        ax.set_xlabel(param_label(param, currency))
        ax.set_ylabel(style.ylabel(currency))
        ax.yaxis.set_major_formatter(_value_formatter(style.display, currency))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(NumberFormatter())
        if len(x) <= 8:
            ax.set_xticks(x, format_distinct(x))
        finite = np.concatenate([col(c) for c in ("p5", "p50", "p95")])
        finite = finite[np.isfinite(finite)]
        if style.nonnegative and (finite.size == 0 or finite.min() >= 0):
            ax.set_ylim(bottom=0, auto=None)
        if finite.size == 0:
            ax.text(
                0.5,
                0.5,
                "no data: missing in every run",
                color=MUTED,
                **_CENTRED,
                transform=ax.transAxes,
            )
        shares = col("missing_share")
        worst = float(np.nanmax(shares)) if np.isfinite(shares).any() else 0.0
        if worst > 0:
            # The statistics are over the runs that have the metric; say how many lack it.
            note = f"missing in up to {100 * worst:.0f} % of runs at a point"
            ax.text(0.995, 0.01, note, ha="right", va="bottom", **_NOTE, transform=ax.transAxes)

        legend_above(ax, *legend_entries(ax))
        title = f"{style.title} at month {month} vs {param}"
        wrapped_title(ax, title, 64, pad=TITLE_PAD + KEY_ABOVE_PAD)
    return ax


def sweep_heatmap(
    frame: pd.DataFrame,
    params: Sequence[str],
    *,
    statistic: str = "p50",
    currency: str = "EUR",
    cmap: str | Colormap | None = None,
    ax: Axes | None = None,
    limits: tuple[float, float] | None = None,
) -> Axes:
    """Plot a metric over a grid of two swept parameters as a heatmap.

    Each cell is one sweep point coloured by ``statistic``; grids of at most
    12 x 12 cells are annotated with their values. Cells with no value (a
    point not in ``frame``, or the metric missing in every run) are grey.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sweep point: columns for both ``params`` and the columns
        of :data:`SWEEP_COLUMNS`, one metric and one month throughout.
    params : (str, str)
        Dotted keys of the parameters on the x- and the y-axis.
    statistic : {"p5", "p25", "p50", "p75", "p95", "mean"}, optional
        The statistic across runs shown in the cells; default the median.
    currency : str, optional
        Currency of money metrics.
    cmap : str, matplotlib.colors.Colormap or None, optional
        Colormap; ``None`` is ``"viridis"``.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new 8 x 6 inch figure.
    limits : (float, float) or None, optional
        The colour scale's low and high ends; give two heatmaps the same
        limits (e.g. P50 and P5 of one sweep) so a colour means one value.
        ``None`` spans this heatmap's values.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (the colorbar is added beside it).

    Raises
    ------
    KeyError
        If a key of ``params`` or a column of :data:`SWEEP_COLUMNS` is not in
        ``frame``.
    ValueError
        If ``params`` is not two distinct keys, ``statistic`` is unknown, or
        ``frame`` is empty, mixes metrics or months, or has several rows per
        grid cell.
    """
    if statistic not in STATISTIC_LABELS:
        raise ValueError(f"statistic: must be one of {list(STATISTIC_LABELS)}, got {statistic!r}")
    if isinstance(params, str) or len(params) != 2 or params[0] == params[1]:
        raise ValueError(f"params: need two distinct parameter keys (x, y), got {params!r}")
    x_key, y_key = params
    require_columns(frame, SWEEP_COLUMNS, "a sweep heatmap")
    _require_param(frame, x_key, "params")
    _require_param(frame, y_key, "params")
    if frame.duplicated([x_key, y_key]).any():
        raise ValueError(
            f"params: frame has several rows per ({x_key}, {y_key}) cell "
            "(a sweep over more parameters?); select one value of the others first"
        )
    metric, month = _single(frame, "metric"), _single(frame, "month")
    style = metric_style(metric)
    grid = frame.pivot(index=y_key, columns=x_key, values=statistic).sort_index().sort_index(axis=1)
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    ny, nx = values.shape

    with plot_style():
        if ax is None:
            ax = new_figure((8.0, 6.0)).add_subplot()
        base = cmap if isinstance(cmap, Colormap) else mpl.colormaps[cmap or "viridis"]
        colormap = base.with_extremes(bad=_NAN_COLOR)
        vmin, vmax = limits if limits is not None else (None, None)
        image = ax.imshow(
            values,
            cmap=colormap,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            vmin=vmin,
            vmax=vmax,
        )
        formatter = _value_formatter(style.display, currency)
        ax.figure.colorbar(image, ax=ax, format=formatter, label=style.ylabel(currency))

        # A long axis labels every k-th cell so the labels do not collide.
        for axis, keys, count in ((ax.xaxis, grid.columns, nx), (ax.yaxis, grid.index, ny)):
            ticks = np.arange(0, count, int(np.ceil(count / _ANNOTATE_MAX)))
            labels = format_distinct(keys.to_numpy())
            axis.set_ticks(ticks, [labels[i] for i in ticks])
        ax.tick_params(axis="y", length=3)
        ax.grid(False)
        ax.set_xlabel(param_label(x_key, currency))
        ax.set_ylabel(param_label(y_key, currency))

        if nx <= _ANNOTATE_MAX and ny <= _ANNOTATE_MAX:
            fontsize = 8.5 if nx <= 8 else 7.5
            for (i, j), value in np.ndenumerate(values.filled(np.nan)):
                if np.isfinite(value):
                    r, g, b, _ = colormap(image.norm(value))
                    # Relative luminance decides: dark text on light cells, white on dark.
                    light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5
                    color = INK if light else "white"
                else:
                    color = MUTED
                text = format_value(value, style.display, currency)
                ax.text(j, i, text, fontsize=fontsize, color=color, **_CENTRED)
        wrapped_title(ax, f"{style.title}, {STATISTIC_LABELS[statistic]} at month {month}", 56)
    return ax
