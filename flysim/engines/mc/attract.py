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
from numba import njit

from flysim.engines.mc import tally as stocks
from flysim.engines.mc.plan import Plans
from flysim.engines.mc.quantiles import binomial1, poisson1
from flysim.engines.mc.sampling import binomial, poisson
from flysim.engines.mc.state import State
from flysim.engines.mc.uniforms import Stream, u01
from flysim.model.attract import (
    conversion_probability,
    expected_leads,
    expected_paid_leads,
    uplift_after,
)
from flysim.model.params import RunParameters
from flysim.model.states import CHANNELS

__all__ = ["Feedback", "attract", "draw_leads", "drivers", "evolve", "expected_arrivals"]

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


@njit(cache=True, error_model="numpy")
def draw_leads(keys, start, rate, leads, p_old, p_new, conv, sets, new, won):  # type: ignore[no-untyped-def]
    """One step of some channels for every run, in place: arrivals, decisions, conversions.

    Channel ``j`` of run ``r`` reads four uniforms of its own stream (key
    ``keys[r, j]``), the counters ``start + 1`` to ``start + 4``, as
    ``Stream.uniform(4)`` lays them out: its new leads ``Poisson(rate)``,
    the open leads deciding ``Binomial(leads, p_old)``, the new ones
    ``Binomial(new, p_new)``, and the decided converting ``Binomial(decided,
    conv)``.

    Parameters
    ----------
    keys : numpy.ndarray
        uint64, ``(runs, channels)``: each run's key of each channel's stream.
    start : int
        The streams' position (one for all of them).
    rate, conv : numpy.ndarray
        ``(runs, channels)``: expected new leads over the step, and the
        conversion probability.
    leads : numpy.ndarray
        ``(runs, channels)``: open leads, updated in place.
    p_old, p_new : numpy.ndarray
        ``(sets, channels)``: the probability that an open lead, or one
        arriving within the step, decides within it.
    sets : numpy.ndarray
        Each run's parameter set.
    new, won : numpy.ndarray
        ``(runs, channels)``: receive the new leads and the customers won.
    """
    runs, channels = rate.shape
    for r in range(runs):
        s = sets[r]
        for j in range(channels):
            key = keys[r, j]
            arrived = poisson1(u01(key, start + 1), rate[r, j])
            decided = binomial1(u01(key, start + 2), leads[r, j], p_old[s, j]) + binomial1(
                u01(key, start + 3), arrived, p_new[s, j]
            )
            won[r, j] = binomial1(u01(key, start + 4), decided, conv[r, j])
            new[r, j] = arrived
            leads[r, j] += arrived - decided


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
    # Each channel keeps its own stream (common random numbers per channel).
    sets = state.sets
    conv = conversion_probability(params.conversion[:, on], state.uplift[:, None])
    every = len(on) == state.leads.shape[1]
    leads = state.leads if every else np.ascontiguousarray(state.leads[:, on])
    new, won = _draw(
        streams,
        [CHANNELS[i] for i in on],
        rate,
        leads,
        plan.decide_old[:, on],
        plan.decide_new[:, on],
        conv,
        sets,
    )
    if not every:
        state.leads[:, on] = leads
    converted[:, on] = won
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
    base = np.stack([params.paid(k, "conversion") for k in keys], axis=1)
    return _draw(
        streams,
        list(keys),
        rate,
        state.paid_leads,
        plan.paid_decide_old,
        plan.paid_decide_new,
        conversion_probability(base, state.uplift[:, None]),
        state.sets,
    )


def _draw(
    streams: dict[str, Stream],
    names: list[str],
    rate: np.ndarray,
    leads: np.ndarray,
    p_old: np.ndarray,
    p_new: np.ndarray,
    conv: np.ndarray,
    sets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``draw_leads`` on the streams ``names`` (one per column), consuming their four counters.

    ``leads`` (C-contiguous) is updated in place; returns the new leads and
    the customers won, ``(runs, channels)``.
    """
    start = streams[names[0]].position
    if any(streams[n].position != start for n in names):
        raise RuntimeError("the channels' streams must stand at one counter")
    keys = np.stack([streams[n].keys for n in names], axis=1)
    new, won = np.empty_like(leads), np.empty_like(leads)
    # One compiled signature: every array C-contiguous float64.
    c = np.ascontiguousarray
    draw_leads(keys, start, c(rate), leads, c(p_old), c(p_new), c(conv), sets, new, won)
    for n in names:
        streams[n].advance(4)
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
