"""Number formatting for figures: tick labels, amounts with currency, compact counts.

One place decides how flysim writes a number on a chart, so axes, boxes and
labels agree (thousands separators, ``1.2M`` from a million, the currency's
symbol where it has one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import Formatter, PercentFormatter

from flysim.plots.style import Kind

__all__ = [
    "NumberFormatter",
    "PercentTickFormatter",
    "currency_symbol",
    "format_distinct",
    "format_number",
    "format_value",
    "value_formatter",
]

#: Symbols for common currencies; anything else is written as its code.
_CURRENCY_SYMBOLS: dict[str, str] = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
}


def currency_symbol(currency: str) -> tuple[str, str]:
    """Prefix and suffix that write an amount in ``currency`` (``("€", "")``, ``("", " CHF")``)."""
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    return (symbol, "") if symbol else ("", f" {currency}")


def format_number(value: float, *, decimals: int | None = None) -> str:
    """A count or amount with thousands separators, compact from a million.

    Parameters
    ----------
    value : float
        The number; NaN is written ``"n/a"``.
    decimals : int or None, optional
        Fixed decimals; ``None`` uses 0 from 100 up, 1 below (means of small
        counts such as 3.4 referral customers stay informative).
    """
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.{1 if decimals is None else decimals}f}M"
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or value == 0 else 1
    return f"{value:,.{decimals}f}"


def format_value(value: float, kind: Kind, currency: str = "EUR") -> str:
    """One value of a metric of ``kind`` as text, in the metric's unit.

    Parameters
    ----------
    value : float
        The value; NaN or infinite is written ``"n/a"``. Percent metrics hold
        fractions (0.045 is written ``"4.5%"``).
    kind : {"count", "money", "percent", "score", "ratio", "months", "days"}
        The metric's display format (:attr:`flysim.metrics.catalogue.Metric.display`).
    currency : str, optional
        Currency of money values, written by its symbol where it has one.

    Returns
    -------
    str
        E.g. ``"€12,300"``, ``"4.5%"``, ``"3.2×"``, ``"−1.2M"``.
    """
    if not np.isfinite(value):
        return "n/a"
    sign = "−" if value < 0 else ""
    if kind == "percent":
        return f"{sign}{format_number(abs(100.0 * value))}%"
    if kind == "money":
        prefix, suffix = currency_symbol(currency)
        return f"{sign}{prefix}{format_number(abs(value))}{suffix}"
    text = f"{sign}{format_number(abs(value))}"
    return f"{text}×" if kind == "ratio" else text


def format_distinct(values: Sequence[float] | np.ndarray) -> list[str]:
    """Numbers as text with the fewest decimals that keep them distinct and within 0.5 %.

    Every value gets the same number of decimals, and each is then within
    0.5 % of the largest value: 1,333.33 reads as 1,333, 0.025 not as 0.03.

    Meant for parameter values on an axis or in a label (``0.02``, ``0.025``
    become ``"0.020"``, ``"0.025"``); values from a million up are compact
    (``1.5M``), as in :func:`format_number`.

    Parameters
    ----------
    values : sequence of float
        The numbers; NaN is written ``"n/a"``.

    Returns
    -------
    list of str
        One text per value, in order.
    """
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    scale = 1e6 if finite.size and np.max(np.abs(finite)) >= 1e6 else 1.0
    scaled = finite / scale
    largest = float(np.abs(scaled).max(initial=0.0))

    def enough(d: int) -> bool:
        rounded = np.round(scaled, d)
        # Distinct where the values are, and each within 0.5 % of the largest:
        # 1,333.33 reads as 1,333, but 0.025 does not read as 0.03.
        distinct = np.unique(rounded).size == np.unique(scaled).size
        return distinct and bool(np.all(np.abs(rounded - scaled) <= 0.005 * largest + 1e-12))

    # Up to 4 decimals; beyond that the values differ by less than a label can show.
    decimals = next((d for d in range(4) if enough(d)), 4)
    return [format_number(x, decimals=decimals) for x in v]


class NumberFormatter(Formatter):
    """Tick labels with thousands separators and only the decimals the ticks need.

    Values from a million up are written compactly (``1.2M``). ``prefix`` and
    ``suffix`` wrap every label (``€12,500``).
    """

    def __init__(self, prefix: str = "", suffix: str = "") -> None:
        self.prefix = prefix
        self.suffix = suffix
        self._scale = 1.0
        self._unit = ""
        self._decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        """Choose scale and decimals for this set of tick locations."""
        # The stub says list[float], but Axis passes the locator's ndarray.
        super().set_locs(locs)  # type: ignore[arg-type]
        finite = np.asarray([x for x in locs if np.isfinite(x)], dtype=float)
        biggest = float(np.max(np.abs(finite))) if finite.size else 0.0
        self._scale, self._unit = (1e6, "M") if biggest >= 1e6 else (1.0, "")
        scaled = finite / self._scale
        # The fewest decimals that keep every tick distinct and exact enough.
        for decimals in range(4):
            rounded = np.round(scaled, decimals)
            if np.allclose(rounded, scaled, rtol=0, atol=1e-9 * max(biggest, 1.0)):
                break
        self._decimals = decimals

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Format one tick value."""
        if not np.isfinite(x):
            return ""
        if x == 0:
            return f"{self.prefix}0{self.suffix}"  # "€0", never "€0M" or "0.0"
        text = f"{x / self._scale:,.{self._decimals}f}"
        if text.startswith("-"):
            return f"−{self.prefix}{text[1:]}{self._unit}{self.suffix}"
        return f"{self.prefix}{text}{self._unit}{self.suffix}"


class PercentTickFormatter(PercentFormatter):
    """Fractions as percentages with only the decimals the ticks need (``5%``, not ``5.0%``)."""

    def __init__(self) -> None:
        super().__init__(xmax=1.0, decimals=0, symbol="%")

    def set_locs(self, locs: Sequence[float]) -> None:
        """Choose the decimals for this set of tick locations."""
        # The stub says list[float], but Axis passes the locator's ndarray.
        super().set_locs(locs)  # type: ignore[arg-type]
        pct = np.asarray([100.0 * x for x in locs if np.isfinite(x)], dtype=float)
        for decimals in range(4):
            if np.allclose(np.round(pct, decimals), pct, rtol=0, atol=1e-9):
                break
        self.decimals = decimals


def value_formatter(kind: Kind, currency: str = "EUR") -> Formatter:
    """The y-axis tick formatter for a metric of ``kind``."""
    if kind == "percent":
        return PercentTickFormatter()
    if kind == "money":
        return NumberFormatter(*currency_symbol(currency))
    if kind == "ratio":
        return NumberFormatter(suffix="×")
    return NumberFormatter()
