"""Sensitivity charts: which parameters move a metric, one at a time or globally.

:func:`tornado` shows one-at-a-time swings around the base scenario;
:func:`index_bars` shows SALib's Morris or Sobol indices with their 95 %
confidence intervals. Both read plain frames (one row per parameter), so they
plot a study run in a notebook and a CSV written by ``flysim sensitivity`` alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import BarContainer, Container

from flysim.plots.formatting import NumberFormatter, format_distinct, format_value, value_formatter
from flysim.plots.labels import param_label
from flysim.plots.study_common import KEY_ABOVE_PAD, legend_above, require_columns, wrapped_title
from flysim.plots.style import INK, MUTED, PALETTE, TITLE_PAD, metric_style, new_figure, plot_style

__all__ = ["INDEX_COLUMNS", "TORNADO_COLUMNS", "index_bars", "tornado"]

#: Columns of a one-at-a-time frame, one row per parameter.
TORNADO_COLUMNS: tuple[str, ...] = (
    "param",
    "low",
    "high",
    "base",
    "y_low",
    "y_high",
    "y_base",
    "ci_low",
    "ci_high",
)

#: Columns of an index frame for each method of :func:`index_bars`.
INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "morris": ("param", "mu_star", "mu_star_conf", "sigma"),
    "sobol": ("param", "S1", "S1_conf", "ST", "ST_conf"),
}

_BAR = 0.62
#: Characters per title line: long parameter keys leave the axes about 5 inches.
_TITLE_WIDTH = 34
_ERR: dict[str, Any] = {"fmt": "none", "ecolor": INK, "elinewidth": 1.0, "capsize": 3, "zorder": 4}


def _bar_axes(ax: Axes | None, n: int) -> Axes:
    if ax is None:
        ax = new_figure((8.0, 0.5 * n + 1.5)).add_subplot()
    # Bars run along x: grid lines across them, none along them; row 0 at the top.
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.tick_params(axis="y", length=0)
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    return ax


def _errorbars(ax: Axes, x: np.ndarray, y: np.ndarray, err: np.ndarray) -> None:
    # A NaN interval (too few runs, or SALib could not bootstrap) draws no error bar.
    show = np.isfinite(x) & np.isfinite(err)
    if show.any():
        ax.errorbar(x[show], y[show], xerr=err[show], **_ERR)


def _nonnegative(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        if (values[np.isfinite(values)] < 0).any():
            raise ValueError(f"frame: column {column!r} holds half-widths, got a negative value")


def tornado(
    frame: pd.DataFrame,
    *,
    metric: str,
    month: int,
    currency: str = "EUR",
    ax: Axes | None = None,
) -> Axes:
    """Plot one-at-a-time sensitivities as a tornado chart.

    Each parameter is a row with two bars from the base output: to the output
    with the parameter at its low value and to the output at its high value,
    all other parameters at base. Rows are sorted by swing
    ``|y_high - y_low|``, widest at the top; error bars give the 95 % interval
    of each change. A bar whose output is NaN is not drawn.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per parameter with the columns of :data:`TORNADO_COLUMNS`:
        the parameter's dotted key, its ``low``/``high``/``base`` values, the
        output statistic ``y_low``/``y_high``/``y_base`` there, and
        ``ci_low``/``ci_high``, the half-widths of the 95 % intervals of
        ``y_low - y_base`` and ``y_high - y_base`` (NaN draws no error bar).
    metric : str
        The metric summarised by the outputs (titles and units).
    month : int
        The month the outputs are taken at (title).
    currency : str, optional
        Currency of money metrics.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a figure 8 inches wide and 0.5 inch
        per parameter high.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    KeyError
        If a column of :data:`TORNADO_COLUMNS` is not in ``frame``.
    ValueError
        If ``frame`` is empty or a half-width is negative.
    """
    require_columns(frame, TORNADO_COLUMNS, "a tornado chart")
    _nonnegative(frame, ("ci_low", "ci_high"))
    style = metric_style(metric)
    swing = (frame["y_high"] - frame["y_low"]).abs()
    data = frame.assign(_swing=swing).sort_values("_swing", ascending=False, na_position="last")
    pos = np.arange(len(data))
    base = data["y_base"].to_numpy(dtype=float)
    base_value = float(np.nanmean(base)) if np.isfinite(base).any() else np.nan

    with plot_style():
        ax = _bar_axes(ax, len(data))
        bars: dict[str, BarContainer] = {}
        for end, color, label in (
            ("low", PALETTE[1], "low value"),
            ("high", PALETTE[0], "high value"),
        ):
            y = data[f"y_{end}"].to_numpy(dtype=float)
            bars[end] = ax.barh(pos, y - base, left=base, height=_BAR, color=color, label=label)
            _errorbars(ax, y, pos, data[f"ci_{end}"].to_numpy(dtype=float))
        # When both ends move the output the same way, the shorter bar goes on
        # top and thinner, so neither hides the other.
        for low_bar, high_bar in zip(bars["low"], bars["high"], strict=True):
            lw, hw = low_bar.get_width(), high_bar.get_width()
            if lw * hw > 0:
                short = low_bar if abs(lw) < abs(hw) else high_bar
                short.set_zorder(3)
                short.set_height(_BAR / 2)
                short.set_y(short.get_y() + _BAR / 4)

        line = ax.axvline(base_value, color=MUTED, linewidth=1.2, linestyle=(0, (4, 3)), zorder=3)
        line.set_label(f"base: {format_value(base_value, style.display, currency)}")
        # Key and range on two lines: the row has room, the figure's width does not.
        ranges = [format_distinct(pair) for pair in data[["low", "high"]].to_numpy(dtype=float)]
        labels = [
            f"{param_label(p, currency)}\n{p}: {lo} – {hi}"
            for p, (lo, hi) in zip(data["param"], ranges, strict=True)
        ]
        ax.set_yticks(pos, labels)
        ax.xaxis.set_major_formatter(value_formatter(style.display, currency))
        ax.set_xlabel(style.ylabel(currency))
        handles: list[Artist | Container] = [bars["low"], bars["high"], line]
        legend_above(ax, handles, [str(h.get_label()) for h in handles])
        title = f"{style.title} at month {month}: one-at-a-time"
        wrapped_title(ax, title, _TITLE_WIDTH, TITLE_PAD + KEY_ABOVE_PAD)
    return ax


def index_bars(
    frame: pd.DataFrame,
    *,
    method: str,
    metric: str,
    month: int,
    currency: str = "EUR",
    ax: Axes | None = None,
) -> Axes:
    """Plot SALib's Morris or Sobol sensitivity indices as horizontal bars.

    Morris: one bar of ``mu_star`` per parameter with its 95 % confidence
    interval, and ``sigma`` as a diamond on the same row (a large sigma means
    interactions or a non-linear effect). Sobol: first-order ``S1`` and total
    ``ST`` side by side with their intervals; the x-axis reaches below zero
    when noise makes an index or its interval negative. Rows are sorted by
    ``mu_star`` or ``ST``, largest at the top.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per parameter with the columns ``INDEX_COLUMNS[method]``.
    method : {"morris", "sobol"}
        The SALib method that produced ``frame``.
    metric : str
        The metric analysed (titles and, for Morris, units).
    month : int
        The month the metric is taken at (title).
    currency : str, optional
        Currency of money metrics (Morris's μ* is in the metric's units).
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a figure 8 inches wide and 0.5 inch
        per parameter high.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If ``method`` is not ``"morris"`` or ``"sobol"``, ``frame`` is empty
        or a confidence half-width is negative.
    KeyError
        If a column the method needs is not in ``frame``.
    """
    if method not in INDEX_COLUMNS:
        raise ValueError(f"method: must be one of {list(INDEX_COLUMNS)}, got {method!r}")
    require_columns(frame, INDEX_COLUMNS[method], f"{method} index bars")
    style = metric_style(metric)
    key = "mu_star" if method == "morris" else "ST"
    _nonnegative(frame, ("mu_star_conf",) if method == "morris" else ("S1_conf", "ST_conf"))
    data = frame.sort_values(key, ascending=False, na_position="last")
    pos = np.arange(len(data))

    def col(name: str) -> np.ndarray:
        return data[name].to_numpy(dtype=float)

    handles: list[Artist | Container]
    with plot_style():
        ax = _bar_axes(ax, len(data))
        if method == "morris":
            bars = ax.barh(pos, col("mu_star"), height=_BAR, color=PALETTE[0], label="μ* (95 % CI)")
            _errorbars(ax, col("mu_star"), pos, col("mu_star_conf"))
            (sigma,) = ax.plot(
                col("sigma"),
                pos,
                linestyle="none",
                marker="D",
                markersize=6,
                color=PALETTE[1],
                markeredgecolor="white",
                zorder=5,
                label="σ (interactions, non-linearity)",
            )
            ax.xaxis.set_major_formatter(value_formatter(style.display, currency))
            ax.set_xlabel(f"μ* (mean absolute elementary effect), {style.ylabel(currency)}")
            what, handles = "Morris screening", [bars, sigma]
        else:
            handles = []
            for name, offset, color, label in (
                ("S1", -0.2, PALETTE[2], "first order S1"),
                ("ST", 0.2, PALETTE[0], "total ST"),
            ):
                handles.append(
                    ax.barh(pos + offset, col(name), height=0.38, color=color, label=label)
                )
                _errorbars(ax, col(name), pos + offset, col(f"{name}_conf"))
            lows = np.concatenate([col(n) - np.nan_to_num(col(f"{n}_conf")) for n in ("S1", "ST")])
            lowest = float(np.nanmin(lows)) if np.isfinite(lows).any() else 0.0
            ax.set_xlim(left=min(0.0, lowest * 1.1))
            ax.xaxis.set_major_formatter(NumberFormatter())
            ax.set_xlabel("Sobol index (share of the output's variance)")
            what = "Sobol indices"
        ax.set_yticks(pos, data["param"].astype(str).tolist())
        ax.axvline(0.0, color="#b0b0b0", linewidth=0.8, zorder=1)
        legend_above(ax, handles, [str(h.get_label()) for h in handles])
        # A no-break space keeps "95 %" on one line when the title wraps.
        intervals = "95\N{NO-BREAK SPACE}% confidence intervals"
        title = f"{style.title} at month {month}: {what} (SALib, {intervals})"
        wrapped_title(ax, title, _TITLE_WIDTH, TITLE_PAD + KEY_ABOVE_PAD)
    return ax
