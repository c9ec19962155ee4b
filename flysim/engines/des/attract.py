"""Lead sources of the agent model: non-homogeneous Poisson arrivals by thinning.

Each channel's arrival rate depends on time (organic growth) and on the state
(saturation, promoters, advocates). A source draws candidate arrivals from a
homogeneous process whose rate bounds the true rate over a window, and accepts
each with probability true rate / bound (Lewis-Shedler thinning). When the
state pushes the true rate above the bound, the source is interrupted and
restarts with a new bound; a Poisson process's future is independent of its
past, so the restart is exact.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from flysim.engines.des.draws import Draws
from flysim.model.attract import lead_rate, paid_lead_rate
from flysim.model.rates import ModelRates
from flysim.model.states import CHANNELS, Channel
from flysim.rng import generator

if TYPE_CHECKING:
    from flysim.engines.des.world import World

__all__ = ["LeadSource", "new_sources"]

#: Days a bound is valid for a time-varying rate before it is recomputed.
WINDOW_DAYS = 30.0
#: Slack on the bound so that small state changes do not force a restart.
HEADROOM = 1.1


class LeadSource:
    """One channel's arrivals.

    Parameters
    ----------
    world : World
        The run's world (state and books).
    channel : {"paid", "organic", "referral"}
        The channel (kept as ``name``; ``channel`` is its ``Channel`` code).
    draws : Draws
        The channel's own random stream (arrivals and its leads' decisions).
    key : str, optional
        A paid channel after the first: its stream key (``"paid:<name>"``,
        ``PaidRates.stream``), which names its rates; else the channel.
    """

    def __init__(self, world: World, channel: str, draws: Draws, key: str | None = None) -> None:
        self.world = world
        self.name = channel
        self.key = key if key is not None else channel
        self.channel = CHANNELS.index(channel)
        self.draws = draws
        r = world.rates
        self.time_varying = self.channel == Channel.ORGANIC and r.organic_log_growth != 0.0
        self.bound = math.inf  # no restart requests until the first bound is set
        self.process = world.env.process(self._run())

    def rate(self, t: float) -> float:
        """The true arrival rate per day at time ``t`` in the current state."""
        w = self.world
        if self.key != self.name:
            return paid_lead_rate(w.rates, self.key, w.reached)
        return lead_rate(w.rates, self.channel, t, w.reached, w.promoters, w.advocates)

    def _bound_over(self, t: float, horizon: float) -> float:
        # Organic growth is monotone, so the rate's maximum over the window is
        # at one of its ends.
        return max(self.rate(t), self.rate(min(t + WINDOW_DAYS, horizon))) * HEADROOM

    def restart(self) -> None:
        """Redraw the next arrival under rates a dated change has just replaced (exact: Poisson)."""
        r = self.world.rates
        self.time_varying = self.channel == Channel.ORGANIC and r.organic_log_growth != 0.0
        self.bound = math.inf
        self.process.interrupt()

    def maybe_restart(self) -> None:
        """Restart the source if the state has pushed the rate above its bound."""
        env = self.world.env
        if env.active_process is self.process:
            # The change came from this source's own arrival (a lead that
            # converts, becomes a promoter and an advocate in one instant);
            # its loop recomputes the bound as soon as the arrival is handled.
            return
        if self.bound < math.inf and self.rate(env.now) > self.bound:
            self.bound = math.inf
            self.process.interrupt()

    def _run(self) -> Generator[simpy.Event, object, None]:
        env, draws, horizon = self.world.env, self.draws, self.world.horizon_days
        while True:
            t = env.now
            bound = self._bound_over(t, horizon) if self.time_varying else self.rate(t) * HEADROOM
            self.bound = bound
            try:
                if bound <= 0.0:
                    yield env.timeout(WINDOW_DAYS if self.time_varying else math.inf)
                    continue
                dt = draws.exponential(bound)
                if self.time_varying and dt > WINDOW_DAYS:
                    yield env.timeout(WINDOW_DAYS)
                    continue
                yield env.timeout(dt)
            except simpy.Interrupt:
                continue
            if draws.uniform() * bound < self.rate(env.now):
                self.world.new_lead(self)


def new_sources(world: World, rates: ModelRates, have: set[str]) -> list[LeadSource]:
    """A source for every lead channel of ``rates`` whose key is not in ``have``.

    The channels on, then the paid channels after the first; each draws from
    its own stream (``"paid:<name>"`` for those), the one it would have used
    from t = 0, so a channel launched by a change moves no other draw.
    """
    seed, run = world.seed, world.run_index
    out = [
        LeadSource(world, ch, Draws(generator(seed, run, ch)))
        for ch in CHANNELS
        if rates.channels[ch].enabled and ch not in have
    ]
    out += [
        LeadSource(world, "paid", Draws(generator(seed, run, p.stream)), p.stream)
        for p in rates.paid_extra
        if p.stream not in have
    ]
    return out
