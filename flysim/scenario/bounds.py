"""The scenario format's upper bounds: far beyond any business, well within the engines' reach.

The numpy core draws counts by exact CDF inversion, whose float64 counts
stay exact up to ~1e15; a month's leads are at most 1e7 by these
bounds, so counts stay below ~1e10 over 120 months. Money is bounded so that a
run's cumulative sums stay far from overflow (1e9 a month x 120 months x 1e7
customers' MRR would still be ~1e18). ``docs/scenarios.md`` lists every key's
range, generated from the schema that uses these.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field

__all__ = [
    "MAX_COUNT_RATE",
    "MAX_DAYS",
    "MAX_HAZARD",
    "MAX_INITIAL",
    "MAX_LEADS",
    "MAX_LOG_UPLIFT",
    "MAX_MARKET",
    "MAX_MONEY",
    "MAX_MRR",
    "CountRate",
    "Days",
    "LeadRate",
    "Money",
    "Probability",
    "Rate",
    "check_evolve_gain",
    "check_organic_growth",
    "check_paid_leads",
]

#: Largest money amount a month (or per action): a billion.
MAX_MONEY = 1e9
#: Largest MRR of one customer.
MAX_MRR = 1e7
#: Largest lead rate a month, of a channel.
MAX_LEADS = 1e7
#: Largest hazard (transitions per customer a month): 100 a month is one every 7 hours.
MAX_HAZARD = 100.0
#: Largest per-customer count rate (logins a week, tickets and experiments a month).
MAX_COUNT_RATE = 1000.0
#: Longest mean delay, in days: ten years.
MAX_DAYS = 3650.0
#: Largest market and initial base.
MAX_MARKET = 10_000_000_000
MAX_INITIAL = 10_000_000
#: Largest expected log of evolve's conversion multiplier over the horizon.
MAX_LOG_UPLIFT = 100.0

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY, allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0.0, le=MAX_HAZARD, allow_inf_nan=False)]
CountRate = Annotated[float, Field(ge=0.0, le=MAX_COUNT_RATE, allow_inf_nan=False)]
LeadRate = Annotated[float, Field(ge=0.0, le=MAX_LEADS, allow_inf_nan=False)]
Days = Annotated[float, Field(ge=0.0, le=MAX_DAYS, allow_inf_nan=False)]


def check_paid_leads(budget_per_month: float, cost_per_lead: float) -> None:
    """Refuse a paid channel that buys more than MAX_LEADS leads a month.

    Raises
    ------
    ValueError
        Naming the lead rate the budget buys.
    """
    leads = budget_per_month / cost_per_lead
    if leads > MAX_LEADS:
        raise ValueError(
            f"budget_per_month / cost_per_lead is {leads:.3g} leads a month; at most 1e7 "
            "are allowed"
        )


def check_organic_growth(leads_per_month: float, growth_per_month: float, months: int) -> None:
    """Refuse an organic lead rate that compounds past MAX_LEADS a month within ``months``.

    Compound growth, ``(1 + g)^months``, can overflow long before a market
    saturates it.

    Raises
    ------
    ValueError
        Naming the rate it would reach and what to lower.
    """
    if leads_per_month <= 0:
        return
    final = leads_per_month * math.exp(months * math.log1p(growth_per_month))
    if final > MAX_LEADS:
        raise ValueError(
            f"attract.organic grows to {final:.3g} leads a month by month {months}; at most "
            "1e7 are allowed (lower growth_per_month or leads_per_month)"
        )


def check_evolve_gain(experiments: float, win_rate: float, uplift: float, months: int) -> None:
    """Refuse experiments whose compounded uplift would overflow a float within ``months``.

    Conversion is capped at 1, but the multiplier itself must stay finite.

    Raises
    ------
    ValueError
        Naming the expected multiplier and what to lower.
    """
    log_gain = experiments * win_rate * months * math.log1p(uplift)
    if log_gain > MAX_LOG_UPLIFT:
        raise ValueError(
            f"[evolve] would multiply conversion by about e^{log_gain:.0f} over {months} "
            f"months (at most e^{MAX_LOG_UPLIFT:.0f}); lower experiments_per_month, win_rate "
            "or uplift_per_win"
        )
