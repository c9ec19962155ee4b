"""The house style of flysim's figures and the display metadata of every metric.

Everything a plot needs to know about a metric (its title, its unit, the
benchmarks the source articles give for it) lives in one table,
:data:`METRIC_STYLES`, so fan charts, dashboards and later comparison plots
agree. The style is applied through :func:`plot_style`, a
:func:`matplotlib.rc_context`, so importing or using flysim never changes the
caller's global ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure

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

Kind = Literal["count", "money", "percent", "score", "ratio", "months", "days"]


@dataclass(frozen=True)
class Benchmark:
    """A published target drawn on a metric's chart.

    Parameters
    ----------
    low : float
        The reference value, or the lower end of a benchmark range, in the
        metric's own units (fractions for percentages).
    label : str
        Short text written next to the line or range.
    high : float or None, optional
        Upper end of a benchmark range; ``None`` draws a single line at ``low``.
    """

    low: float
    label: str
    high: float | None = None


@dataclass(frozen=True)
class MetricStyle:
    """How a metric is shown.

    Parameters
    ----------
    title : str
        Human-readable name, used as the chart title.
    kind : {"count", "money", "percent", "score", "ratio", "months", "days"}
        Chooses the tick formatter; ``"percent"`` metrics are stored as
        fractions and shown as percentages.
    unit : str
        The y-axis label; ``{currency}`` is replaced by the scenario's currency.
    benchmarks : tuple of Benchmark
        Reference lines or ranges from the source articles.
    nonnegative : bool
        Whether the metric can never be negative (the y-axis then starts at 0).
    """

    title: str
    kind: Kind
    unit: str
    benchmarks: tuple[Benchmark, ...] = field(default=())
    nonnegative: bool = True

    def ylabel(self, currency: str) -> str:
        """The y-axis label with the scenario's currency filled in."""
        return self.unit.format(currency=currency)


def _count(title: str, unit: str) -> MetricStyle:
    return MetricStyle(title, "count", unit)


def _money(title: str, unit: str = "{currency} per month") -> MetricStyle:
    return MetricStyle(title, "money", unit)


#: Display metadata of every metric in ``flysim.metrics.names.METRICS``.
#: Benchmarks are the source articles' numbers (MODEL.md, "What the source
#: articles say"): NPS 50+, customer-generated revenue 20 to 30 %, organic
#: growth 15 %+ a quarter, LTV:CAC 3:1, flywheel velocity above 3.
METRIC_STYLES: dict[str, MetricStyle] = {
    # Flows
    "leads_paid": _count("Paid leads", "leads per month"),
    "leads_organic": _count("Organic leads", "leads per month"),
    "leads_referral": _count("Referral leads", "leads per month"),
    "new_customers_paid": _count("New customers from paid", "customers per month"),
    "new_customers_organic": _count("New customers from organic", "customers per month"),
    "new_customers_referral": _count("New customers from referrals", "customers per month"),
    "new_customers": _count("New customers", "customers per month"),
    "churned": _count("Churned customers", "customers per month"),
    "upsells": _count("Upsells", "upsells per month"),
    "trigger_actions": _count("Health-trigger actions", "actions per month"),
    "experiments_won": _count("Experiments won", "wins per month"),
    # Stocks
    "customers": _count("Customers", "customers"),
    "onboarding": _count("Customers onboarding", "customers"),
    "active": _count("Active customers", "customers"),
    "healthy": _count("Healthy customers", "customers"),
    "at_risk": _count("At-risk customers", "customers"),
    "promoters": _count("Promoters", "customers"),
    "passives": _count("Passives", "customers"),
    "detractors": _count("Detractors", "customers"),
    "advocates": _count("Advocates", "customers"),
    "open_leads": _count("Open leads", "leads"),
    "mrr": _money("Monthly recurring revenue (MRR)"),
    # Money
    "revenue": _money("Revenue"),
    "gross_profit": _money("Gross profit"),
    "spend_paid": _money("Paid acquisition spend"),
    "spend_content": _money("Content spend"),
    "spend_rewards": _money("Referral rewards"),
    "spend_onboarding": _money("Onboarding cost"),
    "spend_triggers": _money("Health-trigger action cost"),
    "spend_stack": _money("Tool stack cost"),
    "spend_experiments": _money("Experiment cost"),
    "spend_total": _money("Total spend"),
    # Derived
    "cac": _money("Customer acquisition cost (CAC)", "{currency} per new customer"),
    "cac_paid": _money("Paid CAC", "{currency} per new paid customer"),
    "churn_rate": MetricStyle("Monthly churn rate", "percent", "% of customers per month"),
    "churn_rate_annual": MetricStyle("Annual churn rate", "percent", "% of customers per year"),
    "arpa": _money("Average revenue per account (ARPA)", "{currency} per customer per month"),
    "clv": _money("Customer lifetime value (CLV)", "{currency} per customer"),
    "ltv_cac": MetricStyle("LTV:CAC ratio", "ratio", "CLV ÷ CAC", (Benchmark(3.0, "healthy 3:1"),)),
    "payback_months": MetricStyle("CAC payback", "months", "months"),
    "nps": MetricStyle(
        "Net Promoter Score (NPS)",
        "score",
        "NPS (−100 to 100)",
        (Benchmark(50.0, "benchmark 50+"),),
        nonnegative=False,
    ),
    "referral_rate": MetricStyle(
        "Referral rate (advocates ÷ active)", "percent", "% of active customers"
    ),
    "customer_generated_revenue_share": MetricStyle(
        "Customer-generated revenue share",
        "percent",
        "% of MRR from referral-won customers",
        (Benchmark(0.20, "benchmark 20–30 %", high=0.30),),
    ),
    "organic_growth_rate": MetricStyle(
        "Organic growth rate (trailing quarter)",
        "percent",
        "% of customers per quarter",
        (Benchmark(0.15, "benchmark 15 %+ per quarter"),),
    ),
    "flywheel_velocity": MetricStyle(
        "Flywheel velocity", "ratio", "velocity index", (Benchmark(3.0, "working flywheel"),)
    ),
    "health_score": MetricStyle("Mean health score", "score", "score (0 to 100)"),
    "time_to_value": MetricStyle("Time to value", "days", "days"),
    "roi_cumulative": MetricStyle(
        "Cumulative ROI",
        "percent",
        "% of cumulative spend",
        (Benchmark(0.0, "break-even"),),
        nonnegative=False,
    ),
}


def metric_style(name: str) -> MetricStyle:
    """The display metadata of metric ``name``.

    A name missing from :data:`METRIC_STYLES` (a metric added later) gets a
    plain count style titled after the name, so plotting never fails on it.
    """
    try:
        return METRIC_STYLES[name]
    except KeyError:
        return MetricStyle(name.replace("_", " ").capitalize(), "count", name.replace("_", " "))


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
    (see :func:`flysim.plots.save_figures`), which pyplot never tracks.
    Call inside :func:`plot_style`.
    """
    # Imported here so that importing flysim never selects a backend.
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")
