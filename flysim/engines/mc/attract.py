"""Attract and evolve for the numpy core: lead arrivals, decisions, experiments.

Arrival means come from ``flysim.model.attract.expected_leads`` (and
``expected_paid_leads``): the organic growth term integrated exactly over the
step. The state-driven terms (saturation through the reached, promoters,
advocates) feed back on arrivals; held at the step's start they would lag by
a first-order error in the step. ``Feedback`` instead gives the rate formula
the drivers at the step's midpoint, extrapolated linearly from the drivers'
change over the step before (Adams-Bashforth 2: ``x0 + (dt / 2) x'``, the
slope ``x'`` from the previous step, or the last ones spanning at least half
this step), so the scheme is second order. The first step has no history: it
reads its start, and once it is over its shortfall (the rates at the mean of
its ends' drivers less those at its start, a second-order estimate) is added
to the second step's means. A weekly check's rescues move promoters and
advocates at an instant: such jumps count in the level, not in the slope.
Leads open at the step's start decide with the hazard probability of their
delay; leads arriving within it, at a uniform time, with the entrant
probability (both from ``flysim.model.hazards``, compiled into the plan).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from flysim.engines.mc import tally as stocks
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

__all__ = ["Feedback", "attract", "drivers", "evolve", "expected_arrivals"]

#: Past steps ``Feedback`` keeps: a slope spans at least half the step, and
#: the grid puts at most one short step (before a month's end) between checks.
_HISTORY = 3


def drivers(state: State) -> np.ndarray:
    """What the arrival rates read of the state, ``(3, runs)``.

    The reached (open leads + customers: saturation), promoters and advocates.
    """
    t = state.tally()  # one compiled pass: customers, promoters, advocates
    reached = state.open_leads() + t[:, stocks.CUSTOMERS]
    return np.stack([reached, t[:, stocks.PROMOTERS], t[:, stocks.ADVOCATES]])


def _channels(plan: Plans) -> list[int]:
    return [i for i, enabled in enumerate(plan.structure.channels) if enabled]


def expected_arrivals(
    plan: Plans, params: RunParameters, t0: float, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected leads over the step from ``t0`` with the drivers ``x`` (``drivers``).

    The kinds' enabled channels, ``(runs, on)``, and the paid channels after
    the first (``Structure.paid_extra``), ``(runs, extra)``.
    """
    reached, promoters, advocates = x
    runs = reached.shape[0]
    on, keys = _channels(plan), plan.structure.paid_extra
    kinds = np.zeros((runs, 0))
    if on:
        kinds = np.stack(
            [expected_leads(params, i, t0, plan.dt, reached, promoters, advocates) for i in on],
            axis=1,
        )
    extra = np.zeros((runs, 0))
    if keys:
        market = params.market_size
        extra = np.stack(
            [expected_paid_leads(params.paid(k, "leads"), plan.dt, reached, market) for k in keys],
            axis=1,
        )
    return kinds, extra


class Feedback:
    """The arrival rates' drivers at each step's midpoint: the second-order scheme.

    Per step, ``means`` gives the expected leads with the drivers
    extrapolated to the step's midpoint from the step's start and the
    slope of the steps before (``x0 + (dt / 2) (rise / span)``, over the last
    steps spanning at least ``dt / 2``: the step before unless it was short),
    clipped at 0 (saturation's own clamp keeps the reached within the
    market); the first step reads its start. ``advance`` records a step's
    change from its start to its end (before a check's rescues: an
    instantaneous jump is level, not slope); after the first step it also
    keeps that step's shortfall, ``expected_arrivals`` at the mean of its ends'
    drivers less at its start, which the second step adds to its means. A
    change of plan keeps the history: the state is continuous.

    The history is per run, elementwise: a run's numbers do not depend on
    the others of its chunk, and nothing here draws a random number.
    """

    def __init__(self) -> None:
        self._steps: deque[tuple[float, np.ndarray]] = deque(maxlen=_HISTORY)
        self._carry: tuple[np.ndarray, np.ndarray] | None = None
        self._first = True

    def means(
        self, plan: Plans, params: RunParameters, t0: float, x0: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Expected leads of the step from ``t0`` whose drivers at its start are ``x0``."""
        dt = plan.dt
        span, rise = 0.0, np.zeros_like(x0)
        for length, change in reversed(self._steps):
            span, rise = span + length, rise + change
            if span >= 0.5 * dt:
                break
        mid = x0 if span == 0.0 else np.maximum(x0 + (0.5 * dt / span) * rise, 0.0)
        kinds, extra = expected_arrivals(plan, params, t0, mid)
        if self._carry is not None:
            kinds = np.maximum(kinds + self._carry[0], 0.0)
            extra = np.maximum(extra + self._carry[1], 0.0)
            self._carry = None
        return kinds, extra

    def advance(
        self, plan: Plans, params: RunParameters, t0: float, x0: np.ndarray, x1: np.ndarray
    ) -> None:
        """Record the step from ``t0`` with drivers ``x0`` at its start and ``x1`` at its end."""
        self._steps.append((plan.dt, x1 - x0))
        if self._first:
            self._first = False
            at_mid = expected_arrivals(plan, params, t0, 0.5 * (x0 + x1))
            at_start = expected_arrivals(plan, params, t0, x0)
            self._carry = (at_mid[0] - at_start[0], at_mid[1] - at_start[1])


def attract(
    plan: Plans,
    params: RunParameters,
    state: State,
    t0: float,
    streams: dict[str, Stream],
    flows: dict[str, np.ndarray],
    paid_flows: np.ndarray | None = None,
    means: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Draw one step's leads and decisions; return conversions per channel, ``(runs, 3)``.

    Each channel draws from its own stream, four uniforms a step: arrivals,
    decisions of open leads, decisions of new leads, conversions. The paid
    channels after the first (``_paid_extra``) add to the paid kind's column
    and flows. ``means`` are the expected leads of the kinds' enabled
    channels and of the extra paid ones (``Feedback.means``); by default
    ``expected_arrivals`` with the state at the step's start. ``paid_flows``,
    when given, ``(runs, 1 + extra, 2)``, gets each paid channel's leads and
    new customers (the first channel, then the extra ones in
    ``Structure.paid_extra`` order).
    """
    runs = state.leads.shape[0]
    converted = np.zeros((runs, 3))
    on = _channels(plan)
    if not on and not plan.structure.paid_extra:
        return converted
    if means is None:
        means = expected_arrivals(plan, params, t0, drivers(state))
    rate, extra_rate = means
    if plan.structure.paid_extra:
        # Their own streams: the order of the calls changes no draw.
        extra_new, extra_won = _paid_extra(plan, params, state, extra_rate, streams)
    if not on:
        converted[:, 0] = extra_won.sum(axis=1)
        _book_paid_extra(flows, paid_flows, extra_new, extra_won)
        return converted
    # Each channel keeps its own stream (common random numbers per channel);
    # the draws of all channels are then inverted together.
    u = np.stack([streams[CHANNELS[i]].uniform(4) for i in on], axis=1)  # (runs, ch, 4)
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
    rate: np.ndarray,
    streams: dict[str, Stream],
) -> tuple[np.ndarray, np.ndarray]:
    """One step of the paid channels after the first: new leads and conversions, ``(runs, extra)``.

    ``rate`` is their expected leads over the step. Each draws four uniforms
    a step from its own stream, as the kinds' channels do.
    """
    keys = plan.structure.paid_extra
    u = np.stack([streams[k].uniform(4) for k in keys], axis=1)  # (runs, extra, 4)
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
