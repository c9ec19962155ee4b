"""Fan charts: a metric's median across runs with percentile bands, month by month."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    MultipleLocator,
    NullFormatter,
)

from flysim.metrics.catalogue import Metric
from flysim.metrics.summary import quantile_bands
from flysim.plots.changes import CHANGE_GID, Changes, mark_changes
from flysim.plots.data import ResultLike
from flysim.plots.formatting import value_formatter
from flysim.plots.style import (
    BAND_COLOR,
    MUTED,
    PALETTE,
    TITLE_PAD,
    metric_style,
    new_figure,
    plot_style,
)

__all__ = ["DEFAULT_BANDS", "fan_chart", "legend_entries"]

#: Percentile bands drawn by default: P5 to P95 (lighter) and P25 to P75.
DEFAULT_BANDS: tuple[tuple[float, float], ...] = ((5.0, 95.0), (25.0, 75.0))

#: Artist ids (``Artist.get_gid()``) that let tests and later overlays find
#: what a fan chart drew.
MEDIAN_GID = "flysim-median"
_BAND_PREFIX = "flysim-band-"
BAND_GID = _BAND_PREFIX + "{low:g}-{high:g}"
BENCHMARK_GID = "flysim-benchmark"
#: The P5 and P95 lines of a band drawn as lines (``band_lines=True``).
EDGE_GID = "flysim-band-edge"


def _checked_bands(bands: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    checked = []
    for band in bands:
        if len(band) != 2:
            raise ValueError(f"bands: each band must be a (low, high) pair, got {band!r}")
        low, high = float(band[0]), float(band[1])
        if not 0.0 <= low < high <= 100.0:
            raise ValueError(
                f"bands: need 0 <= low < high <= 100 (percentiles), got ({low:g}, {high:g})"
            )
        checked.append((low, high))
    return tuple(checked)


def legend_entries(ax: Axes) -> tuple[list[Artist], list[str]]:
    """Legend handles and labels explaining the fan charts on ``ax``.

    One entry per median line (the result's label, or "median"), then one
    entry per band width. Bands are explained once however many results are
    overlaid, in a neutral shade when there are several, so the legend of a
    comparison stays short.
    """
    medians = _median_lines(ax)
    bands: dict[str, Collection] = {}
    for artist in ax.collections:
        gid = artist.get_gid() or ""
        if gid.startswith(_BAND_PREFIX):
            bands.setdefault(gid, artist)
    edges = [line for line in ax.get_lines() if line.get_gid() == EDGE_GID]
    if len(medians) > 1:
        return _overlay_entries(medians, bands, bool(edges))
    handles: list[Artist] = list(medians)
    labels = [str(line.get_label()) for line in medians]
    for gid, artist in bands.items():
        low, high = (float(p) for p in gid.removeprefix(_BAND_PREFIX).split("-"))
        color = BAND_COLOR if len(medians) > 1 else artist.get_facecolor()[0]
        # The stub lets get_facecolor return one colour, so [0] could be a float;
        # a collection always returns an (N, 4) RGBA array and [0] is its first row.
        patch = Patch(facecolor=color, alpha=artist.get_alpha(), linewidth=0)  # type: ignore[arg-type]
        handles.append(patch)
        labels.append(f"P{low:g}–P{high:g} ({high - low:g} % of runs)")
    return handles, labels


def _overlay_entries(
    medians: list[Line2D], bands: dict[str, Collection], edges: bool
) -> tuple[list[Artist], list[str]]:
    """One entry per scenario whose swatch is its own colours, then what line and band mean."""
    handles: list[Artist] = []
    labels: list[str] = []
    (low, high) = (5.0, 95.0)
    if bands:
        gid = next(iter(bands))
        low, high = (float(p) for p in gid.removeprefix(_BAND_PREFIX).split("-"))
    for line in medians:
        color = line.get_color()
        if edges:
            swatch: Artist = Line2D([], [], color=color, linewidth=2.0)
        else:
            # A patch of the band's colour with the median's colour as its edge.
            swatch = Patch(facecolor=color, alpha=0.35, edgecolor=color, linewidth=1.5)
        handles.append(swatch)
        labels.append(str(line.get_label()))
    how = "thin dashed lines" if edges else "shaded"
    handles.append(Line2D([], [], color=MUTED, linewidth=0))
    labels.append(f"solid: median; {how}: P{low:g}–P{high:g} ({high - low:g} % of runs)")
    return handles, labels


def _log_scale(ax: Axes, style: Metric, values: np.ndarray) -> bool:
    """Pure ratios (LTV:CAC) go on a log axis spanning their bands and benchmarks."""
    if style.display != "ratio":
        return False
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return False
    low, high = np.percentile(positive, [5, 95])
    ax.set_yscale("log", nonpositive="clip")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    # The axis spans the bands and every benchmark, so a 3:1 line is never off-scale.
    marks = [b.low for b in style.benchmarks if b.low > 0]
    bottom, top = ax.get_ylim() if ax.get_yscale() == "log" else (low, high)
    lo = min([low * 0.8, *(m * 0.7 for m in marks)])
    hi = max([high * 1.25, *(m * 1.5 for m in marks)])
    ax.set_ylim(min(lo, bottom) if bottom > 0 else lo, max(hi, top), auto=None)
    return True


def _next_color(ax: Axes) -> str:
    # Overlays without an explicit colour take the next palette colour, so
    # several results on one axes are told apart by default.
    return PALETTE[len(_median_lines(ax)) % len(PALETTE)]


def _median_lines(ax: Axes) -> list[Line2D]:
    return [line for line in ax.get_lines() if line.get_gid() == MEDIAN_GID]


def _format_axes(ax: Axes, style: Metric, currency: str, months: np.ndarray) -> None:
    ax.set_xlabel("Month")
    ax.set_ylabel(style.ylabel(currency))
    ax.yaxis.set_major_formatter(value_formatter(style.display, currency))
    # Round steps only (no 1.5 or 3): tick labels a reader can add up at a glance.
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(True, axis="y")
    # Quarters read naturally on a board slide; long horizons step by half-years or years.
    n = len(months)
    step = 1 if n <= 6 else 3 if n <= 36 else 6 if n <= 72 else 12
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.set_xlim(months[0] - 0.3 if n == 1 else months[0], months[-1] + (0.3 if n == 1 else 0))


def _draw_benchmarks(ax: Axes, style: Metric) -> None:
    if any(a.get_gid() == BENCHMARK_GID for a in ax.get_children()):
        return  # an overlay: the first fan chart on these axes drew them
    transform = ax.get_yaxis_transform()
    for bench in style.benchmarks:
        if bench.high is None:
            line = ax.axhline(bench.low, color=MUTED, linewidth=1.1, linestyle=(0, (4, 3)))
            line.set_gid(BENCHMARK_GID)
            y = bench.low
        else:
            span = ax.axhspan(bench.low, bench.high, color="#8fbc8f", alpha=0.18, linewidth=0)
            span.set_gid(BENCHMARK_GID)
            y = bench.high
        # At the left edge, where the KPIs of a growing flywheel usually sit
        # below their targets; the white backing keeps it legible over a band.
        text = ax.text(
            0.01,
            y,
            bench.label,
            transform=transform,
            ha="left",
            va="bottom",
            fontsize=8.5,
            color=MUTED,
            style="italic",
            zorder=4,
            bbox={
                "boxstyle": "square,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.75,
            },
        )
        text.set_gid(BENCHMARK_GID)


def fan_chart(
    result: ResultLike,
    metric: str,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    color: str | None = None,
    bands: Sequence[Sequence[float]] = DEFAULT_BANDS,
    benchmarks: bool = True,
    legend: bool = True,
    title: str | None = None,
    band_lines: bool = False,
    changes: Changes | None = None,
) -> Axes:
    """Plot one metric's distribution across runs over the months.

    Draws the median across runs as a line and each percentile band as a
    shaded area (wider bands lighter). Missing values are skipped; a month
    where every run is missing is a gap.

    Parameters
    ----------
    result : ResultLike
        The simulation to plot (a :class:`flysim.SimulationResult`, or
        :class:`flysim.plots.data.RunsData` of plain arrays).
    metric : str
        A metric name (:data:`flysim.metrics.catalogue.CATALOGUE`).
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new figure. Drawing several results
        on one axes overlays them (give each a ``label``).
    label : str or None, optional
        Name of this result in the legend (for overlays), e.g. the scenario.
    color : str or None, optional
        Colour of line and bands; ``None`` takes the next palette colour not
        yet used by a fan chart on ``ax``.
    bands : sequence of (low, high), optional
        Percentile bands, default P5–P95 and P25–P75.
    benchmarks : bool, optional
        Draw the metric's benchmark lines (e.g. LTV:CAC 3:1), once per axes.
    legend : bool, optional
        Add a legend explaining line and bands.
    title : str or None, optional
        Chart title; defaults to the metric's human-readable name.
    band_lines : bool, optional
        Draw the widest band's edges as thin dashed lines instead of shading
        every band: several scenarios on one axes stay readable.
    changes : sequence of (int, str) or None, optional
        A plan's dated changes, ``[(0-based month, label), ...]`` as
        :func:`flysim.scenario.changes.change_months` gives them: a thin line at
        each change's time (``month = 4`` is drawn at t = 3, between months 3
        and 4) with a numbered badge, and the numbers' key under the axes
        (:func:`flysim.plots.changes.mark_changes`). Drawn once per axes.

    Pure ratios (LTV:CAC, flywheel velocity), whose runs and scenarios span
    decades, go on a log axis that keeps their benchmark lines in view.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    KeyError
        If ``metric`` is not a metric of ``result``.
    ValueError
        If a band is not ``(low, high)`` with ``0 <= low < high <= 100``.
    """
    values = result.metric(metric)
    bands = _checked_bands(bands)
    style = metric_style(metric)
    currency = result.currency
    months = result.months.astype(float)

    stats = quantile_bands(values, [50.0] + [p for band in bands for p in band])
    median = stats[0]

    with plot_style():
        if ax is None:
            ax = new_figure((8.0, 4.5)).add_subplot()
        color = color or _next_color(ax)
        first_on_axes = not _median_lines(ax)

        # Widest band first and lightest, so narrower bands read on top of it.
        order = sorted(range(len(bands)), key=lambda i: bands[i][0] - bands[i][1])
        if band_lines:
            order = order[:1]  # the widest band only, as its two edges
            low, high = bands[order[0]]
            for k in (1 + 2 * order[0], 2 + 2 * order[0]):
                (edge,) = ax.plot(
                    months, stats[k], color=color, linewidth=0.9, linestyle=(0, (3, 2)),
                    label="_edge",
                )  # fmt: skip
                edge.set_gid(EDGE_GID)
            order = []
        for rank, i in enumerate(order):
            low, high = bands[i]
            alpha = 0.13 + 0.17 * rank / max(len(order) - 1, 1)
            poly = ax.fill_between(
                months,
                stats[1 + 2 * i],
                stats[2 + 2 * i],
                color=color,
                alpha=alpha,
                linewidth=0,
                label="_band",  # explained by legend_entries, once per axes
            )
            poly.set_gid(BAND_GID.format(low=low, high=high))

        (line,) = ax.plot(
            months,
            median,
            color=color,
            label=label or "median",
            marker="o" if len(months) == 1 else None,
            zorder=3,
        )
        line.set_gid(MEDIAN_GID)

        if first_on_axes:
            _format_axes(ax, style, currency, result.months)
            ax.set_title(title or style.title, loc="left")
        if benchmarks:
            _draw_benchmarks(ax, style)
        if changes and not any(line.get_gid() == CHANGE_GID for line in ax.get_lines()):
            mark_changes(ax, changes)
        finite = values[np.isfinite(values)]
        if finite.size == 0 and first_on_axes:
            ax.text(
                0.5,
                0.5,
                "no data: missing in every run",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=MUTED,
            )
        logged = _log_scale(ax, style, values)
        if not logged and style.nonnegative and (finite.size == 0 or finite.min() >= 0):
            # auto=None keeps autoscaling on, so a later overlay still rescales the top.
            ax.set_ylim(bottom=0, auto=None)
        if legend:
            handles, labels = legend_entries(ax)
            if len(_median_lines(ax)) == 1:
                # One result: a key in one row between title and plot, clear of
                # the data; the title moves up to make room for it.
                ax.legend(
                    handles,
                    labels,
                    loc="lower left",
                    bbox_to_anchor=(0.0, 1.0),
                    ncols=len(labels),
                    borderaxespad=0.1,
                    borderpad=0.0,
                    columnspacing=1.4,
                )
                ax.set_title(ax.get_title("left"), loc="left", pad=TITLE_PAD + 14)
            else:
                # Several scenarios: the key beside the plot, never over the data.
                ax.legend(
                    handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    borderaxespad=0.0, fontsize=9,
                )  # fmt: skip
                ax.set_title(ax.get_title("left"), loc="left", pad=TITLE_PAD)
    return ax
