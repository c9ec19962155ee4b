"""The result of a simulation: raw runs x months x metrics, with provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flysim.metrics.names import METRICS
from flysim.scenario.schema import Scenario

__all__ = ["Provenance", "SimulationResult"]


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: enough to reproduce it exactly.

    Attributes
    ----------
    scenario_name : str
        The scenario's ``[scenario].name``.
    scenario_hash : str
        sha256 of the resolved scenario (see ``flysim.scenario.scenario_hash``).
    scenario_path : str or None
        The file the scenario was loaded from, if any.
    seed : int
        The seed every run's random streams were spawned from.
    engine : str
        ``"des"`` (agent model) or ``"mc"`` (numpy core).
    runs : int
        Number of runs.
    months : int
        Months simulated.
    flysim_version : str
        The package version that produced the result.
    created : str
        ISO 8601 UTC time the simulation finished.
    wall_time_s : float
        Wall-clock seconds the simulation took.
    n_events : int
        Simulation events processed (agent model), 0 where not counted.
    """

    scenario_name: str
    scenario_hash: str
    scenario_path: str | None
    seed: int
    engine: str
    runs: int
    months: int
    flysim_version: str
    created: str
    wall_time_s: float
    n_events: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The provenance as a JSON-ready dict."""
        return asdict(self)


class SimulationResult:
    """Every metric of every run and month, and where it came from.

    Parameters
    ----------
    data : numpy.ndarray
        Shape ``(runs, months, len(metrics))``, float64; NaN marks a missing
        value (a ratio whose denominator was 0).
    scenario : Scenario
        The resolved scenario that was simulated.
    provenance : Provenance
        Seed, engine, hash, version and timing.
    metrics : tuple of str, optional
        Names of the last axis; defaults to ``flysim.metrics.names.METRICS``.
    events : pandas.DataFrame or None, optional
        The event log, when one was recorded.
    """

    def __init__(
        self,
        data: np.ndarray,
        scenario: Scenario,
        provenance: Provenance,
        metrics: tuple[str, ...] = METRICS,
        events: pd.DataFrame | None = None,
    ) -> None:
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 3 or data.shape[2] != len(metrics):
            raise ValueError(
                f"data must have shape (runs, months, {len(metrics)}), got {data.shape}"
            )
        self.data = data
        self.scenario = scenario
        self.provenance = provenance
        self.metrics = tuple(metrics)
        self.events = events
        self._index = {m: i for i, m in enumerate(self.metrics)}

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return int(self.data.shape[0])

    @property
    def n_months(self) -> int:
        """Number of months."""
        return int(self.data.shape[1])

    @property
    def months(self) -> np.ndarray:
        """Month numbers ``1..n_months``."""
        return np.arange(1, self.n_months + 1)

    def metric(self, name: str) -> np.ndarray:
        """One metric's values, shape ``(runs, months)``.

        Raises
        ------
        KeyError
            If ``name`` is not a metric; the message suggests the nearest name.
        """
        try:
            return self.data[:, :, self._index[name]]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(name, self.metrics, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise KeyError(f"unknown metric {name!r}{hint}") from None

    def __repr__(self) -> str:
        p = self.provenance
        return (
            f"SimulationResult(scenario={p.scenario_name!r}, engine={p.engine!r}, "
            f"runs={self.n_runs}, months={self.n_months}, seed={p.seed})"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per run and month: columns ``run``, ``month`` and one per metric."""
        raise NotImplementedError  # filled in by the result/metrics work

    def summary(self) -> pd.DataFrame:
        """Columns ``metric, month, mean, p5, p50, p95, missing`` (see ``flysim.metrics.summary``)."""
        raise NotImplementedError

    def save(self, directory: str | Path, *, plots: bool = True) -> Path:
        """Write the result atomically into ``directory``."""
        raise NotImplementedError
