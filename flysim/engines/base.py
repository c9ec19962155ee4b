"""The contract every engine honours.

An engine knows *how* to simulate a scenario; it does not decide how many runs
there are or where they run (``flysim.simulate`` and ``flysim.execution`` do).
It is given a block of run indices and returns their raw monthly quantities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from flysim.model.params import ParameterTable

__all__ = ["EVENT_COLUMNS", "Engine", "RawBlock"]

#: Columns of the event log, in order. ``health`` and ``nps`` are the
#: customer's state right after the event (``"onboarding"``, ``"healthy"`` or
#: ``"at_risk"``; ``"promoter"``, ``"passive"``, ``"detractor"``), empty where it
#: has none; they come last so code that reads the first seven by position
#: keeps working.
EVENT_COLUMNS: tuple[str, ...] = (
    "run",
    "customer",
    "time",
    "event",
    "channel",
    "tier",
    "amount",
    "health",
    "nps",
)


@dataclass
class RawBlock:
    """Raw output of a block of runs.

    Attributes
    ----------
    runs : numpy.ndarray
        The run indices, shape ``(n,)``.
    sets : numpy.ndarray
        Each run's parameter set (its row of the block's ``ParameterTable``),
        shape ``(n,)``.
    raw : numpy.ndarray
        Shape ``(n, months, len(RAW_FIELDS))``; see ``flysim.metrics.names``.
    events : list of tuple or None
        Event-log rows, one tuple per event in ``EVENT_COLUMNS`` order, when
        requested, else None.
    n_events : int
        Number of simulation events processed (for throughput figures).
    """

    runs: np.ndarray
    raw: np.ndarray
    sets: np.ndarray
    events: list[tuple] | None = None
    n_events: int = 0


class Engine(Protocol):
    """What the run pipeline (``flysim.simulate`` and every study) needs of an engine.

    Attributes
    ----------
    name : str
        The name the provenance records.
    min_chunk, max_chunk : int
        Runs per chunk the executor should keep within.
    chunks_per_worker : int
        Chunks per worker to aim for when the caller gives no chunk size.
    """

    name: str
    min_chunk: int
    max_chunk: int
    chunks_per_worker: int

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
        """Simulate runs ``runs``, run ``i`` with the parameters of row ``sets[i]`` of ``table``.

        Run ``r``'s random numbers depend only on ``seed`` and ``r``, never on
        the other runs of the block nor on its parameter set, so variants run
        with one seed share them (common random numbers).
        """
        ...
