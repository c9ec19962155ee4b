"""Dated changes in the agent model: new rates at an exact time, every wait redrawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flysim.engines.des.attract import new_sources
from flysim.model.rates import ModelRates

if TYPE_CHECKING:
    from flysim.engines.des.world import World

__all__ = ["apply_change"]


def apply_change(world: World, rates: ModelRates, month: int) -> None:
    """A dated change: ``rates`` hold from now (the start of 0-based ``month``).

    Every wait in progress is redrawn under the new rates, which is exact
    because every delay is exponential: customers' next events, leads'
    decisions (whose conversion is read when they decide), arrivals and
    experiments. A new price reprices every customer at once.
    """
    old, world.rates = world.rates, rates
    world.book_fixed(rates, month)
    if rates.tier_mrr != old.tier_mrr:
        world.books.accrue(world.env.now, world.mrr)
        world.mrr = sum(rates.tier_mrr[c.tier] for c in world.alive.values())
        world.mrr_referral = sum(
            rates.tier_mrr[c.tier] for c in world.alive.values() if c.channel == "referral"
        )
    for c in world.alive.values():
        if c.process is not None and c.process.is_alive:
            c.process.interrupt()
    by_name = {s.key: s for s in world.sources}
    for lid, (channel, u, _event) in list(world.pending.items()):
        rate = rates.lead_channel(channel).decide_rate
        if rate == old.lead_channel(channel).decide_rate:
            continue
        delay = by_name[channel].draws.exponential(rate)
        if delay == 0.0:
            del world.pending[lid]
            world.decide(lid, channel, u)
        else:
            world.wait_decision(lid, channel, u, delay)
    for s in world.sources:
        s.restart()
    world.sources += new_sources(world, rates, set(by_name))
    world.sources.sort(key=lambda s: s.channel)
    if world.experiment_process is not None:
        world.experiment_process.interrupt()
    elif rates.experiments > 0:
        world.experiment_process = world.env.process(world.experiments())
