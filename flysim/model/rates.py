"""Rates of the model, compiled once from a scenario, in per-day units.

Both engines call these pure functions, so the maths of arrivals, decisions,
saturation and hazards lives in one place. A rate of ``math.inf`` means "at
once" (a delay with mean 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload

import numpy as np

from flysim.model.health import HealthParams, compile_health
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH

__all__ = [
    "CHANNELS",
    "ChannelRates",
    "ModelRates",
    "compile_rates",
    "conversion_probability",
    "hazard_probability",
    "nps_category",
    "organic_base_rate",
    "saturation",
]

#: Lead channels in their fixed order.
CHANNELS: tuple[str, ...] = ("paid", "organic", "referral")


def _per_day(per_month: float) -> float:
    return per_month / DAYS_PER_MONTH


def _inverse_mean(days: float) -> float:
    """The rate of an exponential delay with the given mean; inf for a mean of 0."""
    return math.inf if days == 0 else 1.0 / days


@dataclass(frozen=True)
class ChannelRates:
    """One lead channel, per day.

    Attributes
    ----------
    enabled : bool
        Whether the scenario has the channel.
    conversion : float
        Base conversion probability (before evolve's uplift).
    decide_rate : float
        Rate of the decision delay (inf: decides at once).
    """

    enabled: bool
    conversion: float
    decide_rate: float


@dataclass(frozen=True)
class ModelRates:
    """Everything the engines need, in per-day units, derived once from a scenario."""

    market_size: int | None
    initial_customers: int
    initial_advocates: int
    tier_mrr: tuple[float, ...]
    tier_names: tuple[str, ...]
    gross_margin: float
    channels: dict[str, ChannelRates]
    paid_leads: float
    organic_base: float
    organic_log_growth: float
    organic_per_promoter: float
    referral_per_advocate: float
    value_rate: float
    onboarding_churn: float
    risk: float
    recovery: float
    churn_healthy: float
    churn_at_risk: float
    gamma_shape: float | None
    upsell: float
    nps_on: bool
    nps_healthy: tuple[float, float, float]
    nps_at_risk: tuple[float, float, float]
    ask_rate: float
    ask_accept: float
    reward: float
    health: HealthParams | None
    experiments: float
    win_rate: float
    uplift_per_win: float
    cost_per_experiment: float
    budget_paid: float
    content_cost: float
    stack_cost: float
    onboarding_cost: float

    @property
    def n_tiers(self) -> int:
        """Number of tiers."""
        return len(self.tier_mrr)


def compile_rates(scenario: Scenario) -> ModelRates:
    """Derive the per-day rates of every mechanism from a validated scenario.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.

    Returns
    -------
    ModelRates
        Rates per day, probabilities, and switches for the omitted sections.
    """
    a, e, d, ev = scenario.attract, scenario.engage, scenario.delight, scenario.evolve
    channels = {}
    for name in CHANNELS:
        ch = getattr(a, name)
        channels[name] = ChannelRates(
            enabled=ch is not None,
            conversion=ch.conversion if ch is not None else 0.0,
            decide_rate=_inverse_mean(ch.days_to_decide) if ch is not None else 0.0,
        )
    paid, org = a.paid, a.organic
    cv = e.churn_heterogeneity
    return ModelRates(
        market_size=scenario.market.size,
        initial_customers=scenario.initial.customers,
        initial_advocates=scenario.initial.advocates,
        tier_mrr=tuple(t.mrr for t in scenario.revenue.tiers),
        tier_names=tuple(t.name for t in scenario.revenue.tiers),
        gross_margin=scenario.revenue.gross_margin,
        channels=channels,
        paid_leads=_per_day(paid.budget_per_month / paid.cost_per_lead) if paid else 0.0,
        organic_base=_per_day(org.leads_per_month) if org else 0.0,
        organic_log_growth=math.log1p(org.growth_per_month) / DAYS_PER_MONTH if org else 0.0,
        organic_per_promoter=_per_day(org.leads_per_promoter_per_month) if org else 0.0,
        referral_per_advocate=_per_day(d.referrals_per_advocate_per_month) if d else 0.0,
        value_rate=_inverse_mean(e.days_to_value),
        onboarding_churn=_per_day(e.onboarding_churn_per_month),
        risk=_per_day(e.risk_per_month),
        recovery=_per_day(e.recovery_per_month),
        churn_healthy=_per_day(e.churn_per_month.healthy),
        churn_at_risk=_per_day(e.churn_per_month.at_risk),
        gamma_shape=1.0 / cv**2 if cv > 0 else None,
        upsell=_per_day(e.upsell_per_month),
        nps_on=d is not None,
        nps_healthy=d.nps.healthy.as_tuple() if d else (0.0, 0.0, 0.0),
        nps_at_risk=d.nps.at_risk.as_tuple() if d else (0.0, 0.0, 0.0),
        ask_rate=_inverse_mean(d.ask_after_days) if d else 0.0,
        ask_accept=d.ask_accept if d else 0.0,
        reward=d.reward if d else 0.0,
        health=compile_health(e.health, e.triggers) if e.health is not None else None,
        experiments=_per_day(ev.experiments_per_month) if ev else 0.0,
        win_rate=ev.win_rate if ev else 0.0,
        uplift_per_win=ev.uplift_per_win if ev else 0.0,
        cost_per_experiment=ev.cost_per_experiment if ev else 0.0,
        budget_paid=paid.budget_per_month if paid else 0.0,
        content_cost=org.cost_per_month if org else 0.0,
        stack_cost=scenario.costs.stack_per_month,
        onboarding_cost=scenario.costs.onboarding_per_customer,
    )


@overload
def saturation(reached: float, market_size: int | None) -> float: ...


@overload
def saturation(reached: np.ndarray, market_size: int | None) -> np.ndarray: ...


def saturation(reached: float | np.ndarray, market_size: int | None) -> float | np.ndarray:
    """The factor ``(M - reached) / M`` on every lead arrival rate, clamped at 0.

    1 for an unlimited market (``market_size`` None).
    """
    # The agent model calls this per event with Python scalars: keep that path
    # free of numpy overhead.
    if isinstance(reached, int | float):
        return 1.0 if market_size is None else max(0.0, (market_size - reached) / market_size)
    if market_size is None:
        return np.ones_like(reached, dtype=float)
    return np.maximum(0.0, (market_size - reached) / market_size)


@overload
def organic_base_rate(rates: ModelRates, t_days: float) -> float: ...


@overload
def organic_base_rate(rates: ModelRates, t_days: np.ndarray) -> np.ndarray: ...


def organic_base_rate(rates: ModelRates, t_days: float | np.ndarray) -> float | np.ndarray:
    """Base organic leads per day at time ``t``: ``L (1 + g) ** (t / month)``."""
    if isinstance(t_days, int | float):
        return rates.organic_base * math.exp(rates.organic_log_growth * t_days)
    return rates.organic_base * np.exp(rates.organic_log_growth * t_days)


def conversion_probability(base: float, uplift_multiplier: float) -> float:
    """A channel's conversion after evolve's compounded uplift, capped at 1."""
    return min(1.0, base * uplift_multiplier)


def hazard_probability(rate_per_day: float | np.ndarray, dt_days: float) -> float | np.ndarray:
    """Probability that an event of the given hazard happens within ``dt`` days.

    ``1 - exp(-rate * dt)``; an infinite rate gives 1.
    """
    return -np.expm1(-np.asarray(rate_per_day, dtype=float) * dt_days)


def nps_category(u: float, shares: tuple[float, float, float]) -> int:
    """The NPS category (0 promoter, 1 passive, 2 detractor) a uniform ``u`` selects."""
    if u < shares[0]:
        return 0
    return 1 if u < shares[0] + shares[1] else 2
