"""A customer's competing hazards, per day: the chain both engines move customers along.

The agent model races these hazards for each customer; the numpy core builds
the generator matrix of the same chain from the same function and moves whole
compartments with its matrix exponential. Onboarding: time to value and
onboarding churn. Active: churn (scaled by the customer's heterogeneity
multiplier), a health change, an upsell while healthy and below the top tier,
and the referral ask while an unasked promoter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flysim.model.states import Ask, Health, Nps

__all__ = [
    "CustomerRates",
    "active_hazards",
    "ask_hazard",
    "onboarding_hazards",
    "value_generator",
]


#: Rates-like object: a ``ModelRates`` (or anything with its rate names).
CustomerRates = Any


def onboarding_hazards(r: CustomerRates, mult: float | np.ndarray) -> tuple[Any, float]:
    """``(churn, reaching value)`` per day of an onboarding customer with multiplier ``mult``."""
    return r.onboarding_churn * mult, r.value_rate


def active_hazards(
    r: CustomerRates, health: int, tier: int, top_tier: int, mult: float
) -> tuple[float, float, float]:
    """``(churn, health change, upsell)`` per day of an active customer.

    The health change is a healthy customer's risk or an at-risk customer's
    recovery; an upsell needs a healthy customer below ``top_tier``.
    """
    if health == Health.HEALTHY:
        upsell = r.upsell if tier < top_tier else 0.0
        return r.churn_healthy * mult, r.risk, upsell
    return r.churn_at_risk * mult, r.recovery, 0.0


def ask_hazard(r: CustomerRates, nps: int | None, ask: int) -> float:
    """The referral ask's hazard per day: only an unasked promoter is asked."""
    return r.ask_rate if nps == Nps.PROMOTER and ask == Ask.NOT_ASKED else 0.0


def value_generator(r: CustomerRates, mult: float, tiers: int) -> np.ndarray:
    """Generator matrix of one active customer's chain, ``(3T, 3T)``.

    States ``h * T + t`` for health ``h`` and tier ``t`` (``T = tiers``), then
    ``2T + j``: churned from tier ``j`` (absorbing). Rows sum to 0.
    """
    n = 3 * tiers
    q = np.zeros((n, n))
    for h in Health:
        for t in range(tiers):
            s = h * tiers + t
            churn, flip, upsell = active_hazards(r, h, t, tiers - 1, mult)
            q[s, 2 * tiers + t] += churn
            q[s, (1 - h) * tiers + t] += flip
            if upsell > 0:
                q[s, s + 1] += upsell
    np.fill_diagonal(q, -q.sum(axis=1))
    return q
