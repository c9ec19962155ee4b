"""Weekly health checks of the agent model: signals drawn, score booked, triggers fired."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from flysim.engines.des import events as ev
from flysim.model.health import AT_RISK, HEALTHY, draw_signals, fires, health_score
from flysim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from flysim.engines.des.customer import Customer
    from flysim.engines.des.world import World

__all__ = ["weekly_checks"]


def weekly_checks(world: World) -> Generator[simpy.Event, object, None]:
    """On days 7, 14, 21, ... every active customer emits its four signals.

    Every firing trigger books its action's cost; on an at-risk customer each
    fired action succeeds independently with its ``success`` probability, and
    any success brings the customer back to healthy. On a healthy customer the
    action costs the same and changes nothing.
    """
    env, rng, books = world.env, world.health_rng, world.books
    k = 1
    while k * DAYS_PER_WEEK < world.horizon_days:
        yield env.timeout(k * DAYS_PER_WEEK - env.now)
        k += 1
        now = env.now
        params = world.rates.health  # the triggers in force this week
        assert params is not None
        by_state: dict[int, list[Customer]] = {HEALTHY: [], AT_RISK: []}
        for c in world.active.values():
            by_state[c.health].append(c)
        recovered: list[Customer] = []
        for state, group in by_state.items():
            n = len(group)
            if n == 0:
                continue
            signals = draw_signals(params, state, n, rng)
            books.add("score_sum", now, float(health_score(signals).sum()))
            books.add("score_count", now, n)
            saved = np.zeros(n, dtype=bool)
            for trig in params.triggers:
                fired = fires(trig, signals)
                n_fired = int(fired.sum())
                books.add("trigger_actions", now, n_fired)
                books.add("spend_triggers", now, n_fired * trig.cost)
                if world.log is not None:
                    # Through the world's one row builder, so the row has every column.
                    for i in np.flatnonzero(fired):
                        c = group[i]
                        world.event(c.id, ev.TRIGGER + trig.name, c.channel, c, trig.cost)
                if state == AT_RISK:
                    saved |= fired & (rng.random(n) < trig.success)
            recovered.extend(group[i] for i in np.flatnonzero(saved))
        for c in recovered:
            world.recover_by_action(c)
