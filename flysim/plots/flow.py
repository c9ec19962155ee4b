"""The flywheel's flows over the horizon as a diagram of boxes and arrows.

Leads by channel convert into new customers, customers become promoters and
advocates, advocates send referral leads back into the top of the wheel, and
churned customers leave. Flows are totals over the horizon, stocks are read at
its end, both averaged across runs (:mod:`flysim.plots.flow_data`); arrow widths
are proportional to the flow. The boxes, arrows and labels are drawn by
:mod:`flysim.plots.flow_shapes`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from flysim.plots.data import ResultLike
from flysim.plots.flow_data import FLOW_METRICS, STOCK_METRICS, flow_totals
from flysim.plots.flow_shapes import (
    ATTRACT,
    CHURN,
    DELIGHT,
    ENGAGE,
    Box,
    arrow_width,
    draw_arrow,
    draw_box,
    draw_label,
)
from flysim.plots.formatting import format_number
from flysim.plots.style import MUTED, months_text, new_figure, plot_style

__all__ = ["FLOW_METRICS", "STOCK_METRICS", "flow_diagram", "flow_scale", "flow_totals"]

#: Recommended figure size; the layout's text is sized for it.
FLOW_SIZE: tuple[float, float] = (16.0, 9.0)  # a 16:9 slide


def _share(part: float, whole: float) -> str:
    if not (np.isfinite(part) and np.isfinite(whole)) or whole <= 0:
        return "n/a"
    return f"{100 * part / whole:.0f} %"


def flow_scale(result: ResultLike) -> float:
    """The largest flow an arrow of :func:`flow_diagram` carries: the width scale.

    Pass the largest over several results as ``scale`` to draw their diagrams
    on one scale, so that arrow widths compare across them.
    """
    t = flow_totals(result)
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
    return float(np.nanmax(carried)) if np.isfinite(carried).any() else 0.0


def flow_diagram(
    result: ResultLike,
    ax: Axes | None = None,
    *,
    scale: float | None = None,
    title: str | None = None,
) -> Axes:
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
    result : ResultLike
        The simulation to draw.
    ax : matplotlib.axes.Axes or None, optional
        Axes to draw on; ``None`` makes a new 14 x 7 inch figure. The text is
        sized for an axes about that large.
    scale : float or None, optional
        The flow drawn at full arrow width; by default this result's largest
        (:func:`flow_scale`). Give several diagrams one scale to compare them.
    title : str or None, optional
        The name in the title; by default the scenario's.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    t = flow_totals(result)
    months = result.n_months
    end = f"at month {months}"
    over = f"over {months_text(months)}"

    paid = Box(1.6, 7.5, ATTRACT)
    organic = Box(1.6, 5.1, ATTRACT)
    referral = Box(1.6, 2.7, ATTRACT)
    new = Box(6.5, 5.1, ENGAGE)
    customers = Box(10.0, 5.1, ENGAGE)
    churned = Box(10.0, 8.3, CHURN)
    promoters = Box(13.6, 5.1, DELIGHT)
    advocates = Box(17.2, 5.1, DELIGHT)

    largest = flow_scale(result) if scale is None else float(scale)

    with plot_style():
        if ax is None:
            ax = new_figure(FLOW_SIZE).add_subplot()
        ax.set_xlim(0, 18.8)
        ax.set_ylim(0, 10)
        ax.set_aspect("equal")
        ax.set_axis_off()

        # Stage headings over the columns they describe.
        for x, text, color in (
            (paid.x, "ATTRACT", ATTRACT[1]),
            ((new.x + customers.x) / 2, "ENGAGE", ENGAGE[1]),
            ((promoters.x + advocates.x) / 2, "DELIGHT", DELIGHT[1]),
        ):
            ax.text(
                x, 9.55, text, ha="center", va="center", fontsize=10, fontweight="bold", color=color
            )

        # Totals over the horizon in dashed boxes; counts at its end in solid ones.
        draw_box(ax, paid, "Paid leads", t["leads_paid"], f"total {over}", total=True)
        draw_box(ax, organic, "Organic leads", t["leads_organic"], f"total {over}", total=True)
        draw_box(ax, referral, "Referral leads", t["leads_referral"], f"total {over}", total=True)
        draw_box(ax, new, "New customers", t["new_customers"], f"total {over}", total=True)
        draw_box(
            ax,
            customers,
            "Customers",
            t["customers"],
            f"{end}\n{format_number(t['customers_start'], decimals=0)} at start",
        )
        draw_box(ax, churned, "Churned", t["churned"], f"total {over}", total=True)
        draw_box(
            ax,
            promoters,
            "Promoters",
            t["promoters"],
            f"{end}\n{_share(t['promoters'], t['customers'])} of customers",
        )
        draw_box(
            ax,
            advocates,
            "Advocates",
            t["advocates"],
            f"{end}\n{_share(t['advocates'], t['promoters'])} of promoters",
        )

        # Conversions by channel: parallel arrows into the new-customer box.
        attract_color = ATTRACT[1]
        for box, dy, leads, won in (
            (paid, 0.45, "leads_paid", "new_customers_paid"),
            (organic, 0.0, "leads_organic", "new_customers_organic"),
            (referral, -0.45, "leads_referral", "new_customers_referral"),
        ):
            start, stop = box.right(), new.left(dy)
            draw_arrow(ax, start, stop, arrow_width(t[won], largest), attract_color)
            draw_label(
                ax,
                (start[0] + stop[0]) / 2,
                (start[1] + stop[1]) / 2,
                f"{format_number(t[won], decimals=0)} won · {_share(t[won], t[leads])}",
            )

        # (from, to, what it carries, colour, arc): the wheel after conversion, and the
        # referral loop arcing under it back to the top of the funnel.
        for start, stop, flow_key, color, rad in (
            (new.right(), customers.left(), "new_customers", ENGAGE[1], 0.0),
            (customers.top(), churned.bottom(), "churned", CHURN[1], 0.0),
            (customers.right(), promoters.left(), "promoters", DELIGHT[1], 0.0),
            (promoters.right(), advocates.left(), "advocates", DELIGHT[1], 0.0),
            (advocates.bottom(), referral.bottom(0.4), "leads_referral", DELIGHT[1], -0.28),
        ):
            draw_arrow(ax, start, stop, arrow_width(t[flow_key], largest), color, rad=rad)
        draw_label(
            ax,
            customers.x,
            (customers.top()[1] + churned.bottom()[1]) / 2,
            f"{_share(t['churned'], t['customers_start'] + t['new_customers'])}"
            " of all customers lost",
            CHURN[1],
        )
        draw_label(
            ax,
            customers.x,
            customers.bottom()[1] - 0.3,
            f"{format_number(t['upsells'], decimals=0)} upsells {over}",
            MUTED,
        )
        ax.text(
            9.0,
            1.95,
            f"referral loop: {format_number(t['leads_referral'], decimals=0)} referral leads "
            "from advocates",
            ha="center",
            va="center",
            fontsize=9.5,
            color=DELIGHT[1],
        )

        ax.set_title(
            f"{title or result.name}: flywheel flows {over}",
            loc="left",
            fontsize=14,
            fontweight="bold",
        )
        ax.text(
            0.0,
            0.0,
            f"Mean of {result.n_runs:,} runs (seed {result.seed}), rounded to whole people. "
            "Dashed boxes: totals over the horizon; solid boxes: counts at its end. "
            "Arrow width is proportional to the number carried.",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=8.5,
            color=MUTED,
        )
    return ax
