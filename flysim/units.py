"""Units and calendar constants shared by every part of the model."""

from __future__ import annotations

__all__ = ["DAYS_PER_MONTH", "DAYS_PER_WEEK", "months_to_days", "per_month_to_per_day"]

#: A month is a twelfth of a Julian year, so 12 months are exactly one year of days.
DAYS_PER_MONTH: float = 365.25 / 12
#: Weekly health checks happen on days 7, 14, 21, ... of the simulation.
DAYS_PER_WEEK: float = 7.0


def months_to_days(months: float) -> float:
    """Convert a duration in months to days."""
    return months * DAYS_PER_MONTH


def per_month_to_per_day(rate: float) -> float:
    """Convert a rate per month (hazard or Poisson intensity) to a rate per day."""
    return rate / DAYS_PER_MONTH
