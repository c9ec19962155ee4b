"""The agent-model engine: runs of ``World`` behind the ``Engine`` contract."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from flysim.engines.base import RawBlock
from flysim.engines.des.world import World
from flysim.engines.record import RAW_FIELDS
from flysim.model.rates import compile_rates
from flysim.scenario.schema import Scenario

__all__ = ["AgentEngine"]


class AgentEngine:
    """The SimPy agent model (``engine="des"``): every lead and customer an agent."""

    name = "des"

    def run_block(
        self,
        scenario: Scenario,
        seed: int,
        runs: Sequence[int],
        months: int,
        *,
        record_events: bool = False,
    ) -> RawBlock:
        """Simulate each run of the block in turn; see ``Engine.run_block``."""
        rates = compile_rates(scenario)
        run_ids = np.asarray(list(runs), dtype=np.int64)
        raw = np.empty((len(run_ids), months, len(RAW_FIELDS)))
        log: list[tuple] | None = [] if record_events else None
        n_events = 0
        for i, run in enumerate(run_ids):
            world = World(rates, seed, int(run), months, log)
            raw[i], n = world.run()
            n_events += n
        return RawBlock(runs=run_ids, raw=raw, events=log, n_events=n_events)
