"""Lead arrivals, saturation, conversion and the experiments that compound it.

Every function takes its parameters from an object with ``ModelRates``'
attribute names, holding Python floats (the agent model, one run) or numpy
arrays with one value per run (the numpy core, a block of runs); the maths is
the same elementwise either way.
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

from flysim.model.states import Channel

__all__ = [
    "conversion_probability",
    "expected_leads",
    "expected_paid_leads",
    "lead_rate",
    "nps_category",
    "organic_base_rate",
    "organic_integral",
    "paid_lead_rate",
    "saturation",
    "uplift_after",
]

#: Rates-like object: ``ModelRates``, or a view of one value per run.
Rates = Any


@overload
def saturation(reached: float, market_size: float | None) -> float: ...


@overload
def saturation(reached: np.ndarray, market_size: float | np.ndarray | None) -> np.ndarray: ...


def saturation(
    reached: float | np.ndarray, market_size: float | np.ndarray | None
) -> float | np.ndarray:
    """The factor ``(M - reached) / M`` on every lead arrival rate, clamped at 0.

    1 for an unlimited market (``market_size`` None or infinite).
    """
    # The agent model calls this per event with Python scalars: keep that path
    # free of numpy overhead.
    if isinstance(reached, int | float) and not isinstance(market_size, np.ndarray):
        if market_size is None or market_size == math.inf:
            return 1.0
        return max(0.0, (market_size - reached) / market_size)
    if market_size is None:
        return np.ones_like(reached, dtype=float)
    m = np.asarray(market_size, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(m), 1.0, np.maximum(0.0, (m - reached) / m))


def organic_base_rate(r: Rates, t_days: float | np.ndarray) -> float | np.ndarray:
    """Base organic leads per day at time ``t``: ``L (1 + g) ** (t / month)``."""
    if isinstance(t_days, int | float) and isinstance(r.organic_log_growth, float):
        return r.organic_base * math.exp(r.organic_log_growth * t_days)
    return r.organic_base * np.exp(r.organic_log_growth * t_days)


def organic_integral(r: Rates, t0: float, dt: float) -> float | np.ndarray:
    """Base organic leads over ``[t0, t0 + dt)``: the integral of ``organic_base_rate``."""
    g = r.organic_log_growth
    if isinstance(g, float):
        if g == 0:
            return r.organic_base * dt
        return r.organic_base * (math.exp(g * (t0 + dt)) - math.exp(g * t0)) / g
    g = np.asarray(g, dtype=float)
    safe = np.where(g == 0, 1.0, g)
    grown = r.organic_base * (np.exp(g * (t0 + dt)) - np.exp(g * t0)) / safe
    return np.where(g == 0, r.organic_base * dt, grown)


def lead_rate(
    r: Rates, channel: int, t: float, reached: float, promoters: float, advocates: float
) -> float:
    """One channel's lead arrivals per day at time ``t`` in the given state.

    Paid: budget over cost per lead; organic: the growing base plus a rate
    per promoter; referral: a rate per advocate; each times the saturation.
    """
    sat = saturation(reached, r.market_size)
    if channel == Channel.PAID:
        base = r.paid_leads
    elif channel == Channel.ORGANIC:
        base = organic_base_rate(r, t) + r.organic_per_promoter * promoters
    else:
        base = r.referral_per_advocate * advocates
    return sat * base


def expected_leads(
    r: Rates,
    channel: int,
    t0: float,
    dt: float,
    reached: np.ndarray,
    promoters: np.ndarray,
    advocates: np.ndarray,
) -> np.ndarray:
    """Expected leads of one channel over ``[t0, t0 + dt)`` with the state held at the given one.

    ``lead_rate`` integrated over the step: exact for the organic growth
    term, the state-driven terms (``reached``, ``promoters``, ``advocates``)
    held at the values given (the numpy core gives them at the step's
    midpoint: ``flysim.engines.mc.attract.Feedback``).
    """
    sat = saturation(reached, r.market_size)
    if channel == Channel.PAID:
        base = np.broadcast_to(r.paid_leads * dt, np.shape(reached))
    elif channel == Channel.ORGANIC:
        base = organic_integral(r, t0, dt) + r.organic_per_promoter * promoters * dt
    else:
        base = r.referral_per_advocate * advocates * dt
    return base * sat


def paid_lead_rate(r: Rates, stream: str, reached: float) -> float:
    """One paid channel's lead arrivals per day, by its stream key (``PaidRates.stream``).

    Its leads a month (budget over cost per lead, or its response to its
    budget) times the saturation of the market every channel shares; 0 for a
    channel the rates in force do not have.
    """
    leads = next((p.leads for p in r.paid if p.stream == stream), 0.0)
    return saturation(reached, r.market_size) * leads


def expected_paid_leads(
    leads: np.ndarray, dt: float, reached: np.ndarray, market_size: np.ndarray | None
) -> np.ndarray:
    """Expected leads of one paid channel over a step of ``dt`` days, per run.

    ``paid_lead_rate`` with the reached held at the value given (as in
    ``expected_leads``); ``leads`` is the channel's leads per day in each run
    (0 where its row lacks the channel).
    """
    return leads * dt * saturation(reached, market_size)


@overload
def conversion_probability(base: float, uplift_multiplier: float) -> float: ...


@overload
def conversion_probability(base: np.ndarray, uplift_multiplier: np.ndarray) -> np.ndarray: ...


def conversion_probability(
    base: float | np.ndarray, uplift_multiplier: float | np.ndarray
) -> float | np.ndarray:
    """A channel's conversion after evolve's compounded uplift, capped at 1."""
    if isinstance(base, float) and isinstance(uplift_multiplier, float):
        return min(1.0, base * uplift_multiplier)
    return np.minimum(1.0, base * uplift_multiplier)


def uplift_after(
    uplift: float | np.ndarray, wins: float | np.ndarray, uplift_per_win: float | np.ndarray
) -> float | np.ndarray:
    """Evolve's conversion multiplier after ``wins`` more winning experiments.

    Each win multiplies every channel's conversion by ``1 + uplift_per_win``.
    """
    return uplift * (1.0 + uplift_per_win) ** wins


def nps_category(u: float, shares: tuple[float, float, float]) -> int:
    """The NPS category (0 promoter, 1 passive, 2 detractor) a uniform ``u`` selects."""
    if u < shares[0]:
        return 0
    return 1 if u < shares[0] + shares[1] else 2
