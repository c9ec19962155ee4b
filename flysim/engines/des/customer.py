"""A customer agent: its state and its life as a SimPy process.

While alive, a customer waits for the first of its competing hazards
(onboarding: time to value, churn; active: health change, churn, upsell, the
referral ask). Hazards are constant between changes of its own state, so one
exponential wait on their sum, then a choice in proportion, is exact. A change
made from outside (a trigger's action bringing it back to healthy) interrupts
the wait, and the memoryless property makes redrawing exact too.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from flysim.model.customer import active_hazards, ask_hazard, onboarding_hazards
from flysim.model.states import Ask, Health, Nps, Phase

if TYPE_CHECKING:
    from flysim.engines.des.world import World

__all__ = [
    "ACCEPTED",
    "DECLINED",
    "DETRACTOR",
    "NOT_ASKED",
    "PASSIVE",
    "PROMOTER",
    "Customer",
    "life",
]

# The model's state codes as plain ints: compared per event, where an IntEnum
# member's comparison costs several times an int's.
ONBOARDING, ACTIVE = int(Phase.ONBOARDING), int(Phase.ACTIVE)
HEALTHY, AT_RISK = int(Health.HEALTHY), int(Health.AT_RISK)
PROMOTER, PASSIVE, DETRACTOR = int(Nps.PROMOTER), int(Nps.PASSIVE), int(Nps.DETRACTOR)
NOT_ASKED, ACCEPTED, DECLINED = int(Ask.NOT_ASKED), int(Ask.ACCEPTED), int(Ask.DECLINED)


class Customer:
    """One customer's state.

    ``nps`` is None while onboarding (or with ``[delight]`` off).
    """

    __slots__ = (
        "ask",
        "channel",
        "health",
        "id",
        "joined",
        "mult",
        "nps",
        "phase",
        "process",
        "tier",
    )

    def __init__(self, cid: int, channel: str, joined: float, mult: float) -> None:
        self.id = cid
        self.channel = channel
        self.joined = joined
        self.mult = mult
        self.phase = ONBOARDING
        self.health = HEALTHY
        self.nps: int | None = None
        self.ask = NOT_ASKED
        self.tier = 0
        self.process: simpy.Process | None = None

    @property
    def is_advocate(self) -> bool:
        """A promoter who accepted the ask (and, being here, a customer)."""
        return self.nps == PROMOTER and self.ask == ACCEPTED


def life(world: World, c: Customer) -> Generator[simpy.Event, object, None]:
    """The customer's process: wait for the next hazard, apply it, until churn."""
    env, draws = world.env, world.customer_draws
    top_tier = world.rates.n_tiers - 1
    while True:
        r = world.rates  # a dated change replaces them (and interrupts the wait)
        if c.phase == ONBOARDING:
            h_churn, h_value = onboarding_hazards(r, c.mult)
            h_risk = h_recover = h_upsell = h_ask = 0.0
        else:
            h_churn, h_flip, h_upsell = active_hazards(r, c.health, c.tier, top_tier, c.mult)
            h_value = 0.0
            h_risk, h_recover = (h_flip, 0.0) if c.health == HEALTHY else (0.0, h_flip)
            h_ask = ask_hazard(r, c.nps, c.ask)
        total = h_churn + h_value + h_risk + h_recover + h_upsell + h_ask
        try:
            yield env.timeout(draws.exponential(total) if total > 0 else math.inf)
        except simpy.Interrupt:
            continue  # state changed from outside: redraw the wait
        x = draws.uniform() * total
        if x < h_churn:
            world.churn(c)
            return
        x -= h_churn
        if x < h_value:
            world.activate(c)
            continue
        x -= h_value
        if x < h_risk:
            world.set_health(c, AT_RISK)
            continue
        x -= h_risk
        if x < h_recover:
            world.set_health(c, HEALTHY)
            continue
        x -= h_recover
        if x < h_upsell:
            world.upsell(c)
            continue
        world.ask(c)
