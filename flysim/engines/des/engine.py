"""The agent-model engine: runs of ``World`` behind the ``Engine`` contract."""

from __future__ import annotations

import numpy as np

from flysim.engines.base import RawBlock
from flysim.engines.des.world import World
from flysim.engines.record import RAW_FIELDS
from flysim.model.params import ParameterTable

__all__ = ["AgentEngine"]


class AgentEngine:
    """The SimPy agent model (``engine="des"``): every lead and customer an agent."""

    name = "des"
    #: Chunks stay small: memory grows with the event log, and small chunks
    #: keep the progress bar moving.
    min_chunk = 1
    max_chunk = 250
    chunks_per_worker = 8
    preparing: str | None = None

    def prepare(self) -> None:
        """Nothing to prepare: the agent model is plain Python."""

    def run_block(
        self,
        table: ParameterTable,
        seed: int,
        sets: np.ndarray,
        runs: np.ndarray,
        months: int,
        *,
        record_events: bool = False,
    ) -> RawBlock:
        """Simulate each run of the block in turn, with its own row of ``table``."""
        sets = np.asarray(sets, dtype=np.int64)
        run_ids = np.asarray(runs, dtype=np.int64)
        raw = np.empty((len(run_ids), months, len(RAW_FIELDS)))
        log: list[tuple] | None = [] if record_events else None
        names = table.paid_names()
        names = names if len(names) > 1 else ()
        by_channel = np.empty((len(run_ids), months, len(names), 3)) if names else None
        n_events = 0
        for i, (s, run) in enumerate(zip(sets, run_ids, strict=True)):
            first, *later = table.timeline(int(s))
            world = World(
                first[1], seed, int(run), months, log, changes=tuple(later), paid_names=names
            )
            raw[i], n = world.run()
            if by_channel is not None and world.books.paid is not None:
                by_channel[i] = world.books.paid
            n_events += n
        return RawBlock(
            runs=run_ids,
            raw=raw,
            sets=sets,
            events=log,
            n_events=n_events,
            channels=by_channel,
            channel_names=names if by_channel is not None else (),
        )
