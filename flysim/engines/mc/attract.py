"""Attract and evolve for the numpy core: lead arrivals, decisions, experiments.

Arrival means come from ``flysim.model.attract.expected_leads``: the organic
growth term integrated exactly over the step, the state-driven terms
(saturation, promoters, advocates) held at the step's start. Leads open at the
step's start decide with the hazard probability of their delay; leads arriving
within it, at a uniform time, with the entrant probability (both from
``flysim.model.hazards``, compiled into the plan).
"""

from __future__ import annotations

import numpy as np

from flysim.engines.mc.plan import Plans
from flysim.engines.mc.sampling import binomial, poisson
from flysim.engines.mc.state import State
from flysim.engines.mc.uniforms import Stream
from flysim.model.attract import (
    conversion_probability,
    expected_leads,
    expected_paid_leads,
    uplift_after,
)
from flysim.model.params import RunParameters
from flysim.model.states import CHANNELS

__all__ = ["attract", "evolve"]


def attract(
    plan: Plans,
    params: RunParameters,
    state: State,
    t0: float,
    streams: dict[str, Stream],
    flows: dict[str, np.ndarray],
    paid_flows: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one step's leads and decisions; return conversions per channel, ``(runs, 3)``.

    Each channel draws from its own stream, four uniforms a step: arrivals,
    decisions of open leads, decisions of new leads, conversions. The paid
    channels after the first (``_paid_extra``) add to the paid kind's column
    and flows. ``paid_flows``, when given, ``(runs, 1 + extra, 2)``, gets each
    paid channel's leads and new customers (the first channel, then the extra
    ones in ``Structure.paid_extra`` order).
    """
    runs = state.leads.shape[0]
    converted = np.zeros((runs, 3))
    on = [i for i, enabled in enumerate(plan.structure.channels) if enabled]
    if not on and not plan.structure.paid_extra:
        return converted
    reached = state.open_leads() + state.customers()
    if plan.structure.paid_extra:
        # Drawn after the kinds' channels, from the state at the step's start.
        extra_new, extra_won = _paid_extra(plan, params, state, reached, streams)
    if not on:
        converted[:, 0] = extra_won.sum(axis=1)
        _book_paid_extra(flows, paid_flows, extra_new, extra_won)
        return converted
    promoters, advocates = state.nps_counts()[:, 0], state.advocates()
    # Each channel keeps its own stream (common random numbers per channel);
    # the draws of all channels are then inverted together.
    u = np.stack([streams[CHANNELS[i]].uniform(4) for i in on], axis=1)  # (runs, ch, 4)
    rate = np.stack(
        [expected_leads(params, i, t0, plan.dt, reached, promoters, advocates) for i in on],
        axis=1,
    )
    new = poisson(u[..., 0], rate)
    sets = state.sets
    decided = binomial(u[..., 1], state.leads[:, on], plan.decide_old[sets][:, on]) + binomial(
        u[..., 2], new, plan.decide_new[sets][:, on]
    )
    conv = conversion_probability(params.conversion[:, on], state.uplift[:, None])
    converted[:, on] = binomial(u[..., 3], decided, conv)
    state.leads[:, on] += new - decided
    for col, i in enumerate(on):
        flows[f"leads_{CHANNELS[i]}"] += new[:, col]
        flows[f"new_customers_{CHANNELS[i]}"] += converted[:, i]
    if paid_flows is not None and on[0] == 0:
        paid_flows[:, 0, 0] += new[:, 0]
        paid_flows[:, 0, 1] += converted[:, 0]
    if plan.structure.paid_extra:
        converted[:, 0] += extra_won.sum(axis=1)
        _book_paid_extra(flows, paid_flows, extra_new, extra_won)
    return converted


def _paid_extra(
    plan: Plans,
    params: RunParameters,
    state: State,
    reached: np.ndarray,
    streams: dict[str, Stream],
) -> tuple[np.ndarray, np.ndarray]:
    """One step of the paid channels after the first: new leads and conversions, ``(runs, extra)``.

    Each draws four uniforms a step from its own stream, as the kinds' channels do.
    """
    keys = plan.structure.paid_extra
    u = np.stack([streams[k].uniform(4) for k in keys], axis=1)  # (runs, extra, 4)
    market = params.market_size
    rate = np.stack(
        [expected_paid_leads(params.paid(k, "leads"), plan.dt, reached, market) for k in keys],
        axis=1,
    )
    new = poisson(u[..., 0], rate)
    sets = state.sets
    decided = binomial(u[..., 1], state.paid_leads, plan.paid_decide_old[sets]) + binomial(
        u[..., 2], new, plan.paid_decide_new[sets]
    )
    base = np.stack([params.paid(k, "conversion") for k in keys], axis=1)
    won = binomial(u[..., 3], decided, conversion_probability(base, state.uplift[:, None]))
    state.paid_leads += new - decided
    return new, won


def _book_paid_extra(
    flows: dict[str, np.ndarray],
    paid_flows: np.ndarray | None,
    new: np.ndarray,
    won: np.ndarray,
) -> None:
    flows["leads_paid"] += new.sum(axis=1)
    flows["new_customers_paid"] += won.sum(axis=1)
    if paid_flows is not None:
        paid_flows[:, 1:, 0] += new
        paid_flows[:, 1:, 1] += won


def evolve(
    plan: Plans,
    params: RunParameters,
    state: State,
    stream: Stream,
    flows: dict[str, np.ndarray],
) -> None:
    """Experiments of one step; wins compound every channel's conversion from the next step."""
    if not plan.structure.experiments:
        return
    u = stream.uniform(2)
    ran = poisson(u[:, 0], params.experiments * plan.dt)
    won = binomial(u[:, 1], ran, params.win_rate)
    flows["spend_experiments"] += ran * params.cost_per_experiment
    flows["experiments_won"] += won
    state.uplift = np.asarray(uplift_after(state.uplift, won, params.uplift_per_win))
