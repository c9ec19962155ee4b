"""The agent model's monthly books: flows by month, stocks at month ends, revenue accrual."""

from __future__ import annotations

import numpy as np

from flysim.engines.record import RAW_FIELDS, RAW_INDEX
from flysim.units import DAYS_PER_MONTH

__all__ = ["Ledger"]


class Ledger:
    """Accumulates one run's raw monthly quantities (``RAW_FIELDS``).

    Month ``m`` (0-based here) covers days ``[m * D, (m + 1) * D)``; an event
    exactly on a boundary belongs to the month that starts there.
    """

    __slots__ = ("_last_t", "months", "paid", "raw")

    def __init__(self, months: int, paid_channels: int = 0) -> None:
        self.months = months
        self.raw = np.zeros((months, len(RAW_FIELDS)))
        #: With several paid channels, each one's monthly leads, new customers
        #: and spend (``flysim.engines.base.PAID_FIELDS``); else None.
        self.paid = np.zeros((months, paid_channels, 3)) if paid_channels else None
        self._last_t = 0.0

    def month_of(self, t: float) -> int:
        """The 0-based month a time falls in (clipped to the horizon)."""
        m = int(t / DAYS_PER_MONTH)
        return m if m < self.months else self.months - 1

    def add(self, field: str, t: float, amount: float = 1.0) -> None:
        """Add ``amount`` to a flow or money field in the month of ``t``."""
        self.raw[self.month_of(t), RAW_INDEX[field]] += amount

    def add_paid(self, channel: int, field: int, t: float) -> None:
        """Count one lead (``field`` 0) or new customer (1) of paid ``channel`` at ``t``."""
        if self.paid is not None:
            self.paid[self.month_of(t), channel, field] += 1.0

    def set_paid_spend(self, budgets: dict[int, float], start: int) -> None:
        """Each paid channel's budget (by column) every month from 0-based ``start``."""
        if self.paid is not None:
            self.paid[start:, :, 2] = 0.0
            for channel, amount in budgets.items():
                self.paid[start:, channel, 2] += amount

    def accrue(self, t: float, mrr: float) -> None:
        """Book revenue at ``mrr`` per month from the last accrual up to ``t``.

        Call before every change of total MRR, so revenue is the exact integral
        of MRR over time, split at month boundaries.
        """
        last = self._last_t
        col = RAW_INDEX["revenue"]
        while last < t:
            m = self.month_of(last)
            end = min(t, (m + 1) * DAYS_PER_MONTH) if m < self.months - 1 else t
            self.raw[m, col] += mrr * (end - last) / DAYS_PER_MONTH
            last = end
        self._last_t = max(self._last_t, t)

    def snapshot(self, month: int, stocks: dict[str, float]) -> None:
        """Record end-of-month stocks of 0-based ``month``."""
        row = self.raw[month]
        for name, value in stocks.items():
            row[RAW_INDEX[name]] = value

    def set_start(self, month: int, customers: float, mrr: float) -> None:
        """Record the customers and the MRR at the start of 0-based ``month``."""
        if month < self.months:
            self.raw[month, RAW_INDEX["customers_start"]] = customers
            self.raw[month, RAW_INDEX["mrr_start"]] = mrr

    def set_every_month(self, field: str, amount: float, start: int = 0) -> None:
        """Set a constant monthly amount (fixed costs spent continuously) from month ``start``."""
        self.raw[start:, RAW_INDEX[field]] = amount
