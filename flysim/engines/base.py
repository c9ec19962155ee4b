"""The contract every engine honours.

An engine knows *how* to simulate a scenario; it does not decide how many runs
there are or where they run (``flysim.simulate`` and ``flysim.execution`` do).
It is given a block of run indices and returns their raw monthly quantities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from flysim.model.params import ParameterTable
from flysim.model.rates import ModelRates

__all__ = ["EVENT_COLUMNS", "PAID_FIELDS", "Engine", "RawBlock", "paid_budgets"]

#: The per-channel breakdown's quantities of each paid channel and month
#: (``RawBlock.channels``' last axis): leads, new customers and budget spent.
PAID_FIELDS: tuple[str, ...] = ("leads", "new_customers", "spend")

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
        Simulation events processed (for throughput figures): the agent
        model's events, the numpy core's steps times runs.
    channels : numpy.ndarray or None
        With several paid channels in the table (``ParameterTable.paid_names``),
        each one's monthly ``PAID_FIELDS``, shape ``(n, months, channels, 3)``;
        else None (the raw fields hold the paid totals either way).
    """

    runs: np.ndarray
    raw: np.ndarray
    sets: np.ndarray
    events: list[tuple] | None = None
    n_events: int = 0
    channels: np.ndarray | None = None
    #: The paid channels along ``channels``' third axis (``ParameterTable.paid_names``).
    channel_names: tuple[str, ...] = ()


def paid_budgets(rows: Sequence[ModelRates], names: Sequence[str]) -> np.ndarray:
    """Each row's monthly budget of each named paid channel, ``(rows, channels)``."""
    out = np.zeros((len(rows), len(names)))
    for i, r in enumerate(rows):
        for p in r.paid:
            out[i, list(names).index(p.name)] += p.budget
    return out


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
    preparing : str or None
        What a progress display says while ``prepare`` runs, or None when it
        is instant.
    """

    name: str
    min_chunk: int
    max_chunk: int
    chunks_per_worker: int

    @property
    def preparing(self) -> str | None:
        """What a progress display says while ``prepare`` runs; None when it is instant."""
        ...

    def prepare(self) -> None:
        """Get ready to run in this process, before the pipeline forks its workers.

        An engine with compiled code compiles or loads it here, once, so the
        workers inherit it; the others do nothing.
        """
        ...

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
