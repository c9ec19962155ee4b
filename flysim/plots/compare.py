"""Figures of a comparison: overlaid fan charts per KPI and the flow diagrams side by side."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from flysim.plots.changes import Changes, mark_changes
from flysim.plots.data import ResultLike
from flysim.plots.fan import fan_chart
from flysim.plots.flow import FLOW_SIZE, flow_diagram, flow_scale
from flysim.plots.style import PALETTE, metric_style, months_text, new_figure, plot_style

__all__ = ["COMPARE_FAN_SIZE", "compare_fan", "compare_flows", "flows_size", "merged_changes"]

logger = logging.getLogger(__name__)

#: Size of one overlaid fan chart.
COMPARE_FAN_SIZE: tuple[float, float] = (9.0, 5.0)
#: Bands of an overlay: one band per scenario keeps overlapping fans readable.
_OVERLAY_BANDS = ((5.0, 95.0),)
#: Most scenarios whose P5-P95 bands are shaded; more get dashed P5 and P95 lines.
_SHADED_MAX = 2
#: Diagrams per row of the side-by-side figure.
_FLOWS_PER_ROW = 1  # each diagram a full 16:9 slide wide, text legible when cropped


def _checked(results: Mapping[str, ResultLike]) -> dict[str, ResultLike]:
    if not isinstance(results, Mapping) or not results:
        raise TypeError(
            "results: need a mapping of scenario name to result, e.g. "
            "dict(zip(comparison.names, comparison.results))"
        )
    return dict(results)


def merged_changes(changes: Mapping[str, Changes] | None) -> list[tuple[int, str]]:
    """Every scenario's changes as one list: a change every scenario has once, others named.

    >>> merged_changes({"base": [], "plan": [(3, "month 4: referral")]})
    [(3, 'plan: month 4: referral')]
    """
    if not changes:
        return []
    owners: dict[tuple[int, str], list[str]] = {}
    for name, marks in changes.items():
        for month, label in marks or ():
            owners.setdefault((int(month), str(label)), []).append(name)
    out = []
    for (month, label), names in owners.items():
        shared = len(names) == len(changes)
        out.append((month, label if shared else f"{', '.join(names)}: {label}"))
    return sorted(out, key=lambda c: c[0])


def compare_fan(
    results: Mapping[str, ResultLike],
    metric: str,
    ax: Axes | None = None,
    *,
    changes: Mapping[str, Changes] | None = None,
) -> Axes:
    """One metric of every scenario on one axes: a median line and a P5-P95 band each.

    Parameters
    ----------
    results : mapping of str to ResultLike
        Scenario name to its simulation, in legend order (e.g.
        ``dict(zip(comparison.names, comparison.results))``).
    metric : str
        A metric name (:data:`flysim.metrics.catalogue.CATALOGUE`).
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new figure.
    changes : mapping of str to sequence of (int, str), optional
        Each scenario's dated changes (``change_months``), by name: a thin line
        at each change's time with its number, and the key under the axes; a
        change not every scenario has is named after the ones that have it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    results = _checked(results)
    names = list(results)
    if len(results) > len(PALETTE):
        logger.warning("more scenarios than palette colours; colours repeat")
    with plot_style():
        if ax is None:
            ax = new_figure(COMPARE_FAN_SIZE).add_subplot()
        first = next(iter(results.values()))
        title = (
            f"{metric_style(metric).title}: {' vs '.join(names)}\n"
            f"{first.n_runs:,} runs each · seed {first.seed} · common random numbers"
        )
        for i, (name, result) in enumerate(results.items()):
            fan_chart(
                result,
                metric,
                ax=ax,
                label=name,
                color=PALETTE[i % len(PALETTE)],
                bands=_OVERLAY_BANDS,
                legend=i == len(results) - 1,
                title=title,
                # Past two scenarios shaded bands blend; their P5/P95 lines stay apart.
                band_lines=len(results) > _SHADED_MAX,
            )
        mark_changes(ax, merged_changes(changes))
    return ax


def compare_flows(results: Mapping[str, ResultLike], fig: Figure | None = None) -> Figure:
    """Every scenario's flow diagram, one under the other, arrow widths on one shared scale.

    Parameters
    ----------
    results : mapping of str to ResultLike
        Scenario name to its simulation, in reading order; every one has the
        same runs and months (a comparison's).
    fig : matplotlib.figure.Figure or None, optional
        Figure to draw on (its size is left alone); ``None`` makes one sized
        for the diagrams.

    Returns
    -------
    matplotlib.figure.Figure
    """
    results = _checked(results)
    first = next(iter(results.values()))
    n = len(results)
    cols = min(n, _FLOWS_PER_ROW)
    rows = -(-n // cols)
    scale = max(flow_scale(r) for r in results.values())
    with plot_style():
        if fig is None:
            fig = new_figure(flows_size(n))
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, (name, result) in zip(axes.flat, results.items(), strict=False):
            flow_diagram(result, ax=ax, scale=scale, title=name)
        for ax in axes.flat[n:]:
            ax.set_axis_off()
        fig.suptitle(
            f"Flywheel flows over {months_text(first.n_months)}, mean of "
            f"{first.n_runs:,} runs each (arrow widths on one scale)",
            fontsize=14,
        )
    return fig


def flows_size(n: int) -> tuple[float, float]:
    """Figure size for ``n`` flow diagrams, one to a row (each 16:9)."""
    cols = min(n, _FLOWS_PER_ROW)
    rows = -(-n // cols)
    return (FLOW_SIZE[0] * cols, FLOW_SIZE[1] * rows + 0.6)
