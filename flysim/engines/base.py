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

from flysim.scenario.schema import Scenario

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
    events: list[tuple] | None = None
    n_events: int = 0


class Engine(Protocol):
    """What ``flysim.simulate`` needs of an engine."""

    name: str

    def run_block(
        self,
        scenario: Scenario,
        seed: int,
        runs: Sequence[int],
        months: int,
        *,
        record_events: bool = False,
    ) -> RawBlock:
        """Simulate the given runs and return their raw monthly quantities."""
        ...
