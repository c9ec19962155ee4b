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
    on = [i for i, ch in enumerate(CHANNELS) if r.channels[ch].enabled]
    converted = np.zeros((runs, 3))
    if not on:
        return converted
    # Each channel keeps its own stream (common random numbers per channel);
    # the draws of all channels are then inverted together.
    u = np.stack([streams[CHANNELS[i]].uniform(4) for i in on], axis=1)  # (runs, ch, 4)
    rate = np.stack([means[CHANNELS[i]] * sat for i in on], axis=1)
    new = poisson(u[..., 0], rate)
    decided = binomial(u[..., 1], state.leads[:, on], plan.decide_old[on]) + binomial(
        u[..., 2], new, plan.decide_new[on]
    )
    base = np.array([r.channels[CHANNELS[i]].conversion for i in on])
    conv = np.minimum(1.0, base * state.uplift[:, None])
    converted[:, on] = binomial(u[..., 3], decided, conv)
    state.leads[:, on] += new - decided
    for col, i in enumerate(on):
        flows[f"leads_{CHANNELS[i]}"] += new[:, col]
        flows[f"new_customers_{CHANNELS[i]}"] += converted[:, i]
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
