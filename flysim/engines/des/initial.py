"""The agent model's base at t = 0 (``[initial]``): customers, their states, open leads.

Everything here draws from the run's ``initial`` stream only, so the base
is the same whatever happens later; the numbers of customers in each state
come from :mod:`flysim.model.initial`, as in the numpy core.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from flysim.engines.des import events as ev
from flysim.engines.des.customer import (
    ACCEPTED,
    ACTIVE,
    AT_RISK,
    DECLINED,
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    Customer,
    life,
)
from flysim.model.attract import nps_category
from flysim.model.hazards import gamma_shape
from flysim.model.initial import posterior_gamma, whole
from flysim.model.states import CHANNELS

if TYPE_CHECKING:
    from flysim.engines.des.world import World

__all__ = ["populate"]


def populate(world: World, rng: np.random.Generator) -> None:
    """The base at t = 0 (``[initial]``), from the ``initial`` stream only.

    Advocates are the first customers (healthy promoters who accepted);
    the tiers, the at-risk customers among the others and, with
    ``nps_shares``, the others' categories are placed at random
    (``flysim.model.initial``). Without those keys nothing is placed and
    the draws are one multiplier and one category a customer, in order.
    """
    r, b = world.rates, world.rates.initial
    n, n_adv = r.initial_customers, r.initial_advocates
    tiers = np.repeat(np.arange(len(b.per_tier)), b.per_tier)
    if np.count_nonzero(b.per_tier) > 1:
        tiers = rng.permutation(tiers)
    at_risk = np.zeros(n, dtype=bool)
    if b.at_risk > 0:
        at_risk[n_adv + rng.choice(n - n_adv, b.at_risk, replace=False)] = True
    placed = None  # the non-advocates' categories, with nps_shares
    if r.nps_on and b.nps is not None:
        counts = (b.nps[0] - n_adv, b.nps[1], b.nps[2])
        placed = np.repeat([PROMOTER, PASSIVE, DETRACTOR], counts)
        if np.count_nonzero(counts) > 1:
            placed = rng.permutation(placed)
    tenured = gamma_shape(r.churn_cv) is not None
    shape, scale = (float(x) for x in posterior_gamma(r.churn_cv, b.survived))
    mults, categories = [], []
    for i in range(n):
        mults.append(float(rng.gamma(shape, scale)) if tenured else 1.0)
        category: int | None = None
        if i < n_adv:
            category = PROMOTER
        elif placed is not None:
            category = int(placed[i - n_adv])
        elif r.nps_on:
            probs = r.nps_at_risk if at_risk[i] else r.nps_healthy
            category = nps_category(rng.random(), probs)
        categories.append(category)
    waiting = [i for i in range(n_adv, n) if categories[i] == PROMOTER]
    declined = set()
    if (q := int(whole(b.asked, len(waiting)))) > 0:
        declined = {int(i) for i in rng.choice(waiting, q, replace=False)}
    for i in range(n):
        c = Customer(world.new_id(), "initial", 0.0, mults[i])
        world.reached += 1
        c.tier = int(tiers[i])
        world.gain_mrr(c, r.tier_mrr[c.tier])
        c.phase = ACTIVE
        if at_risk[i]:
            c.health = AT_RISK
            world.at_risk += 1
        else:
            world.healthy += 1
        world.active[c.id] = c
        world.alive[c.id] = c
        if i < n_adv:
            c.ask = ACCEPTED
        elif i in declined:
            c.ask = DECLINED
        category = categories[i]
        # Every customer's life starts with a record (won ones: ``convert``),
        # so survival data can be built from the log alone; it comes before
        # the category's own row and already carries the category.
        world.event(c.id, ev.START, c.channel, c, r.tier_mrr[c.tier], nps=category)
        if category is not None:
            world.set_nps(c, category)
        c.process = world.env.process(life(world, c))
    _populate_onboarding(world, rng)
    _open_leads(world, rng)


def _populate_onboarding(world: World, rng: np.random.Generator) -> None:
    """Initial customers still onboarding: first tier, no tenure, no onboarding cost."""
    r = world.rates
    for _ in range(r.initial.onboarding):
        c = Customer(world.new_id(), "initial", 0.0, world.multiplier(rng))
        world.reached += 1
        world.gain_mrr(c, r.tier_mrr[0])
        world.onboarding += 1
        world.alive[c.id] = c
        world.event(c.id, ev.START, c.channel, c, r.tier_mrr[0])
        if r.value_rate == math.inf:
            world.activate(c)
        c.process = world.env.process(life(world, c))


def _open_leads(world: World, rng: np.random.Generator) -> None:
    """Leads deciding at t = 0: not arrivals of month 1; decided like any lead."""
    for name, count in zip(CHANNELS, world.rates.initial.open_leads, strict=True):
        rate = world.rates.channels[name].decide_rate
        for _ in range(count):
            lid = world.new_id()
            world.open_leads += 1
            world.reached += 1
            world.event(lid, ev.LEAD, name)
            delay = 0.0 if rate == math.inf else float(rng.exponential(1.0 / rate))
            u = float(rng.random())
            if delay == 0.0:
                world.decide(lid, name, u)
            else:
                world.wait_decision(lid, name, u, delay)
