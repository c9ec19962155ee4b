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
    "format_number",
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
