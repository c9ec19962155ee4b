"""Attract and evolve for the numpy core: lead arrivals, decisions, experiments.

Arrival rates are evaluated at the step's start (saturation, promoters,
advocates) except the organic growth term, which is integrated exactly over
the step. Leads open at the step's start decide with ``1 - exp(-a dt)``; leads
arriving within it, at a uniform time, with ``1 + (exp(-a dt) - 1) / (a dt)``.
"""

from __future__ import annotations

import math

import numpy as np

from flysim.engines.mc.plan import Plan
from flysim.engines.mc.sampling import binomial, poisson
from flysim.engines.mc.state import State
from flysim.engines.mc.uniforms import Stream
from flysim.model.rates import CHANNELS, saturation

__all__ = ["attract", "evolve"]


def _organic_integral(plan: Plan, t0: float) -> float:
    """Base organic leads over ``[t0, t0 + dt)``: the integral of ``L e^{g t}``."""
    r, dt = plan.rates, plan.dt
    g = r.organic_log_growth
    if g == 0:
        return r.organic_base * dt
    return r.organic_base * (math.exp(g * (t0 + dt)) - math.exp(g * t0)) / g


def attract(
    plan: Plan, state: State, t0: float, streams: dict[str, Stream], flows: dict[str, np.ndarray]
) -> np.ndarray:
    """Draw one step's leads and decisions; return conversions per channel, ``(runs, 3)``.

    Each channel draws from its own stream, four uniforms a step: arrivals,
    decisions of open leads, decisions of new leads, conversions.
    """
    r, dt = plan.rates, plan.dt
    runs = state.leads.shape[0]
    reached = state.leads.sum(axis=1) + state.customers()
    sat = saturation(reached, r.market_size)
    promoters = state.nps_counts()[:, 0]
    means = {
        "paid": np.full(runs, r.paid_leads * dt),
        "organic": _organic_integral(plan, t0) + r.organic_per_promoter * promoters * dt,
        "referral": r.referral_per_advocate * state.advocates() * dt,
    }
    converted = np.zeros((runs, 3))
    for i, ch in enumerate(CHANNELS):
        if not r.channels[ch].enabled:
            continue
        u = streams[ch].uniform(4)
        new = poisson(u[:, 0], means[ch] * sat)
        decided = binomial(u[:, 1], state.leads[:, i], plan.decide_old[i]) + binomial(
            u[:, 2], new, plan.decide_new[i]
        )
        conv = np.minimum(1.0, r.channels[ch].conversion * state.uplift)
        converted[:, i] = binomial(u[:, 3], decided, conv)
        state.leads[:, i] += new - decided
        flows[f"leads_{ch}"] += new
        flows[f"new_customers_{ch}"] += converted[:, i]
    return converted


def evolve(plan: Plan, state: State, stream: Stream, flows: dict[str, np.ndarray]) -> None:
    """Experiments of one step; wins compound every channel's conversion from the next step."""
    r = plan.rates
    if r.experiments <= 0:
        return
    u = stream.uniform(2)
    ran = poisson(u[:, 0], r.experiments * plan.dt)
    won = binomial(u[:, 1], ran, r.win_rate)
    flows["spend_experiments"] += ran * r.cost_per_experiment
    flows["experiments_won"] += won
    state.uplift *= (1.0 + r.uplift_per_win) ** won
