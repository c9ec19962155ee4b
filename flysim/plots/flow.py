"""The flywheel's flows over the horizon as a diagram of boxes and arrows.

Leads by channel convert into new customers, customers become promoters and
advocates, advocates send referral leads back into the top of the wheel, and
churned customers leave. Flows are totals over the horizon, stocks are read at
its end, both averaged across runs; arrow widths are proportional to the flow.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import ArrowStyle, FancyArrowPatch, FancyBboxPatch

from flysim.plots.style import (
    INK,
    MUTED,
    PALETTE,
    format_number,
    months_text,
    new_figure,
    plot_style,
)
from flysim.result import SimulationResult

__all__ = ["FLOW_METRICS", "STOCK_METRICS", "flow_diagram", "flow_totals"]

#: Summed over the months of each run, then averaged across runs.
FLOW_METRICS: tuple[str, ...] = (
    "leads_paid",
    "leads_organic",
    "leads_referral",
    "new_customers_paid",
    "new_customers_organic",
    "new_customers_referral",
    "new_customers",
    "churned",
    "upsells",
)
#: Read at the horizon's last month, averaged across runs.
STOCK_METRICS: tuple[str, ...] = ("customers", "promoters", "advocates")

#: Recommended figure size; the layout's text is sized for it.
FLOW_SIZE: tuple[float, float] = (14.0, 7.0)

# Layout in data units of a 19 x 10 canvas (drawn with equal aspect).
_W, _H = 2.6, 1.8
_MIN_WIDTH, _MAX_WIDTH = 1.5, 20.0  # arrow tail widths in points

# Stage colours: (face, edge). Attract blue, engage teal, delight orange, churn red.
_ATTRACT = ("#e4eef6", PALETTE[0])
_ENGAGE = ("#e1f3f0", PALETTE[2])
_DELIGHT = ("#fcebdf", PALETTE[1])
_CHURN = ("#f8e2df", PALETTE[3])


def flow_totals(result: SimulationResult) -> dict[str, float]:
    """The numbers the flow diagram shows, averaged across runs.

    Parameters
    ----------
    result : SimulationResult
        The simulation to summarise.

    Returns
    -------
    dict of str to float
        Each of :data:`FLOW_METRICS` summed over the months of a run (missing
        months skipped) and averaged across runs; each of
        :data:`STOCK_METRICS` at the last month averaged across runs (runs
        with a missing value skipped); and ``customers_start``, the customers
        at the start of month 1 (end of month 1 minus its new customers plus
        its churned), averaged across runs. NaN where every run is missing.
    """
    totals: dict[str, float] = {}
    with warnings.catch_warnings():
        # A stock missing in every run is shown as "n/a", not warned about.
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in FLOW_METRICS:
            totals[name] = float(np.mean(np.nansum(result.metric(name), axis=1)))
        for name in STOCK_METRICS:
            totals[name] = float(np.nanmean(result.metric(name)[:, -1]))
        start = (
            result.metric("customers")[:, 0]
            - result.metric("new_customers")[:, 0]
            + result.metric("churned")[:, 0]
        )
        totals["customers_start"] = float(np.nanmean(start))
    return totals


@dataclass(frozen=True)
class _Box:
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


def _share(part: float, whole: float) -> str:
    if not (np.isfinite(part) and np.isfinite(whole)) or whole <= 0:
        return "n/a"
    return f"{100 * part / whole:.0f} %"


def _draw_box(ax: Axes, box: _Box, title: str, value: float, note: str) -> None:
    face, edge = box.colors
    ax.add_patch(
        FancyBboxPatch(
            (box.x - _W / 2, box.y - _H / 2),
            _W,
            _H,
            boxstyle="round,pad=0,rounding_size=0.18",
            facecolor=face,
            edgecolor=edge,
            linewidth=1.4,
            zorder=2,
        )
    )
    ax.text(
        box.x,
        box.y + 0.58,
        title,
        ha="center",
        va="center",
        fontsize=10.5,
        fontweight="bold",
        color=edge,
        zorder=3,
    )
    ax.text(
        box.x,
        box.y + 0.12,
        format_number(value),
        ha="center",
        va="center",
        fontsize=17,
        fontweight="bold",
        color=INK,
        zorder=3,
    )
    ax.text(
        box.x,
        box.y - 0.5,
        note,
        ha="center",
        va="center",
        fontsize=8.5,
        color=MUTED,
        linespacing=1.25,
        zorder=3,
    )


def _arrow_width(value: float, largest: float) -> float:
    if not np.isfinite(value) or largest <= 0:
        return _MIN_WIDTH
    return max(_MIN_WIDTH, _MAX_WIDTH * value / largest)


def _draw_arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    width: float,
    color: str,
    *,
    rad: float = 0.0,
) -> FancyArrowPatch:
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


def _label(ax: Axes, x: float, y: float, text: str, color: str = INK) -> None:
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


def flow_diagram(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Draw the flywheel's flows over the whole horizon, averaged across runs.

    Boxes show leads by channel, new customers, customers, promoters and
    advocates; arrows show conversions by channel, the promoter and advocate
    stages, churn out, and the referral loop from advocates back to referral
    leads. Flows are totals over the horizon; customers, promoters and
    advocates are the counts at the last month (see :func:`flow_totals`).
    Arrow widths are proportional to the numbers they carry, with a minimum so
    that a small flow stays visible.

    Parameters
    ----------
    result : SimulationResult
        The simulation to draw.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new 14 x 7 inch figure. The text is
        sized for an axes about that large.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    t = flow_totals(result)
    months = result.n_months
    end = f"at month {months}"
    over = f"over {months_text(months)}"

    paid = _Box(1.6, 7.5, _ATTRACT)
    organic = _Box(1.6, 5.1, _ATTRACT)
    referral = _Box(1.6, 2.7, _ATTRACT)
    new = _Box(6.5, 5.1, _ENGAGE)
    customers = _Box(10.0, 5.1, _ENGAGE)
    churned = _Box(10.0, 8.3, _CHURN)
    promoters = _Box(13.6, 5.1, _DELIGHT)
    advocates = _Box(17.2, 5.1, _DELIGHT)

    carried = [
        t["new_customers_paid"],
        t["new_customers_organic"],
        t["new_customers_referral"],
        t["new_customers"],
        t["churned"],
        t["promoters"],
        t["advocates"],
        t["leads_referral"],
    ]
    largest = float(np.nanmax(carried)) if np.isfinite(carried).any() else 0.0

    with plot_style():
        if ax is None:
            ax = new_figure(FLOW_SIZE).add_subplot()
        ax.set_xlim(0, 18.8)
        ax.set_ylim(0, 10)
        ax.set_aspect("equal")
        ax.set_axis_off()

        # Stage headings over the columns they describe.
        for x, text, color in (
            (paid.x, "ATTRACT", _ATTRACT[1]),
            ((new.x + customers.x) / 2, "ENGAGE", _ENGAGE[1]),
            ((promoters.x + advocates.x) / 2, "DELIGHT", _DELIGHT[1]),
        ):
            ax.text(
                x, 9.55, text, ha="center", va="center", fontsize=10, fontweight="bold", color=color
            )

        _draw_box(ax, paid, "Paid leads", t["leads_paid"], over)
        _draw_box(ax, organic, "Organic leads", t["leads_organic"], over)
        _draw_box(ax, referral, "Referral leads", t["leads_referral"], over)
        _draw_box(ax, new, "New customers", t["new_customers"], over)
        _draw_box(
            ax,
            customers,
            "Customers",
            t["customers"],
            f"{end}\n{format_number(t['customers_start'])} at start",
        )
        _draw_box(ax, churned, "Churned", t["churned"], over)
        _draw_box(
            ax,
            promoters,
            "Promoters",
            t["promoters"],
            f"{end}\n{_share(t['promoters'], t['customers'])} of customers",
        )
        _draw_box(
            ax,
            advocates,
            "Advocates",
            t["advocates"],
            f"{end}\n{_share(t['advocates'], t['promoters'])} of promoters",
        )

        # Conversions by channel: parallel arrows into the new-customer box.
        attract_color = _ATTRACT[1]
        for box, dy, leads, won in (
            (paid, 0.45, "leads_paid", "new_customers_paid"),
            (organic, 0.0, "leads_organic", "new_customers_organic"),
            (referral, -0.45, "leads_referral", "new_customers_referral"),
        ):
            start, stop = box.right(), new.left(dy)
            _draw_arrow(ax, start, stop, _arrow_width(t[won], largest), attract_color)
            _label(
                ax,
                (start[0] + stop[0]) / 2,
                (start[1] + stop[1]) / 2,
                f"{format_number(t[won])} won · {_share(t[won], t[leads])}",
            )

        engage_color = _ENGAGE[1]
        _draw_arrow(
            ax,
            new.right(),
            customers.left(),
            _arrow_width(t["new_customers"], largest),
            engage_color,
        )
        _draw_arrow(
            ax, customers.top(), churned.bottom(), _arrow_width(t["churned"], largest), _CHURN[1]
        )
        _label(
            ax,
            customers.x,
            (customers.top()[1] + churned.bottom()[1]) / 2,
            f"{_share(t['churned'], t['customers_start'] + t['new_customers'])}"
            " of all customers lost",
            _CHURN[1],
        )
        _label(
            ax,
            customers.x,
            customers.bottom()[1] - 0.3,
            f"{format_number(t['upsells'])} upsells {over}",
            MUTED,
        )

        delight_color = _DELIGHT[1]
        _draw_arrow(
            ax,
            customers.right(),
            promoters.left(),
            _arrow_width(t["promoters"], largest),
            delight_color,
        )
        _draw_arrow(
            ax,
            promoters.right(),
            advocates.left(),
            _arrow_width(t["advocates"], largest),
            delight_color,
        )

        # The referral loop arcs under the wheel back to the top of the funnel.
        _draw_arrow(
            ax,
            advocates.bottom(),
            referral.bottom(0.4),
            _arrow_width(t["leads_referral"], largest),
            delight_color,
            rad=-0.28,
        )
        ax.text(
            9.0,
            1.95,
            f"referral loop: {format_number(t['leads_referral'])} referral leads from advocates",
            ha="center",
            va="center",
            fontsize=9.5,
            color=delight_color,
        )

        ax.set_title(
            f"{result.scenario.scenario.name}: flywheel flows {over}",
            loc="left",
            fontsize=14,
            fontweight="bold",
        )
        ax.text(
            0.0,
            0.0,
            f"Mean of {result.n_runs:,} runs. Flows are totals over the horizon; customers, "
            "promoters and advocates are counts at its end. Arrow width is proportional "
            "to the number carried.",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=8.5,
            color=MUTED,
        )
    return ax
