"""Numbers as tables and reports show them: one format per metric, from the catalogue.

Money and counts get thousands separators (counts as whole numbers, money
without cents from 100), shares are percentages with one decimal and their
differences percentage points, scores and months one decimal, other ratios
two. A value and its interval share one precision. Pure functions of plain
numbers, used by the command line's tables and by :mod:`flysim.report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flysim.metrics.catalogue import metric_info

__all__ = [
    "MISSING",
    "format_cell",
    "format_diff",
    "format_value",
    "is_percent",
    "shared_decimals",
]

#: What a value missing in every run (a ratio whose denominator was 0) shows as.
MISSING = "–"


def is_percent(metric: str) -> bool:
    """Whether ``metric`` is a share shown in percent (its differences in points)."""
    return metric_info(metric).display == "percent"


def _money_decimals(values: Sequence[float]) -> int:
    # Cents only matter for small amounts; one choice per cell keeps it aligned.
    finite = [abs(v) for v in values if math.isfinite(v)]
    return 2 if finite and max(finite) < 100 else 0


def _count_decimals(values: Sequence[float]) -> int:
    # People and leads are whole: a percentile between two runs rounds to one.
    return 0


def shared_decimals(metric: str, values: Sequence[float]) -> int | None:
    """One number of decimals for ``values`` shown together (money and counts), else None.

    A value and its interval share it, so "12.50 [9.75 to 150.00]" never
    mixes precisions; other displays have a fixed precision anyway.
    """
    display = metric_info(metric).display
    if display == "money":
        return _money_decimals([abs(v) for v in values])
    if display == "count":
        return _count_decimals(values)
    return None


def format_value(metric: str, value: float, *, decimals: int | None = None) -> str:
    """Format one value of ``metric`` for display, without any currency.

    The format follows the metric's catalogue ``display``: money and counts
    get thousands separators (money without cents from 100, counts as whole
    numbers), rates and shares are shown as
    percentages with one decimal, scores and months with one decimal, other
    ratios with two. ``decimals`` overrides the choice for money and counts.
    NaN gives ``MISSING``.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    display = metric_info(metric).display
    if display == "percent":
        return f"{100 * value:,.1f}%"
    if display == "money":
        d = _money_decimals([value]) if decimals is None else decimals
        return f"{value:,.{d}f}"
    if display == "count":
        d = _count_decimals([value]) if decimals is None else decimals
        return f"{value:,.{d}f}"
    # Scores, months and days read best with one decimal; pure ratios get two.
    if display in ("score", "months", "days"):
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def format_cell(metric: str, p5: float, p50: float, p95: float) -> str:
    """``"P50 [P5 to P95]"``; all missing gives ``MISSING``.

    The currency goes in the row's label, not in every cell.

    >>> format_cell("mrr", 1234.4, 2345.6, 10000.0)
    '2,346 [1,234 to 10,000]'
    >>> format_cell("churn_rate_annual", 0.05, 0.1234, 0.2)
    '12.3% [5.0% to 20.0%]'
    """
    if not math.isfinite(p50):
        return MISSING
    decimals = shared_decimals(metric, [p5, p50, p95])
    parts = [format_value(metric, v, decimals=decimals) for v in (p50, p5, p95)]
    return f"{parts[0]} [{parts[1]} to {parts[2]}]"


def format_diff(metric: str, mean: float, low: float, high: float) -> str:
    """A paired difference and its interval: ``+12 [+10 to +14]``; percentages in points.

    >>> format_diff("churn_rate_annual", -0.021, -0.025, -0.017)
    '-2.1 pp [-2.5 to -1.7]'
    >>> format_diff("mrr", 1234.0, 1100.0, 1400.0)
    '+1,234 [+1,100 to +1,400]'
    """
    if not math.isfinite(mean):
        return MISSING

    decimals = shared_decimals(metric, [mean, low, high])

    def one(x: float) -> str:
        if not math.isfinite(x):
            return MISSING
        if is_percent(metric):
            return f"{100 * x:+,.1f}"
        text = format_value(metric, abs(x), decimals=decimals)
        return ("-" if x < 0 else "+") + text

    unit = " pp" if is_percent(metric) else ""
    return f"{one(mean)}{unit} [{one(low)} to {one(high)}]"
