"""One metric's description: what it measures, how it is shown, which way is better.

The entries themselves are :data:`flysim.metrics.catalogue.CATALOGUE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Benchmark", "Direction", "Display", "Kind", "Metric"]

#: What a metric measures: counted within the month, read at its end, money
#: within the month, or a ratio/indicator (missing where its denominator is 0).
Kind = Literal["flow", "stock", "money", "ratio"]
#: How a value is shown; percentages are stored as fractions.
Display = Literal["count", "money", "percent", "score", "ratio", "months", "days"]
#: Which way is the better outcome; ``"neither"`` where more is not better or worse.
Direction = Literal["higher", "lower", "neither"]


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
        Upper end of a benchmark range; ``None`` is a single line at ``low``.
    """

    low: float
    label: str
    high: float | None = None


@dataclass(frozen=True)
class Metric:
    """Everything flysim knows about one metric.

    Parameters
    ----------
    name : str
        The column name in every output.
    kind : {"flow", "stock", "money", "ratio"}
        See :data:`Kind`.
    title : str
        Human-readable name, the chart title.
    display : {"count", "money", "percent", "score", "ratio", "months", "days"}
        The number format of tables and axes.
    unit : str
        The axis label; ``{currency}`` stands for the scenario's currency.
    definition : str
        One line: what is counted or how it is computed.
    direction : {"higher", "lower", "neither"}
        Which change is better; comparisons read "P(better)" from it.
    benchmarks : tuple of Benchmark
        Reference lines or ranges from the source articles.
    label : str
        The short row label of tables; defaults to ``title``.
    nonnegative : bool
        Whether the metric can never be negative (an axis then starts at 0).
    """

    name: str
    kind: Kind
    title: str
    display: Display
    unit: str
    definition: str
    direction: Direction = "higher"
    benchmarks: tuple[Benchmark, ...] = field(default=())
    label: str = ""
    nonnegative: bool = True

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.title)

    def ylabel(self, currency: str) -> str:
        """The axis label with the scenario's currency filled in."""
        return self.unit.format(currency=currency)

    def table_label(self, currency: str) -> str:
        """The table row label; money says its currency (``"MRR (EUR)"``)."""
        return f"{self.label} ({currency})" if self.display == "money" else self.label
