"""Where a result came from: scenario, seed, engine, versions and timing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Provenance"]


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
        Simulation events processed: the agent model's events, the numpy
        core's steps times runs; 0 where not counted.
    inputs : {"none", "drawn", "fixed"}
        The scenario's uncertain inputs: it has none, each run drew its own,
        or every one ran at its median (``fix_inputs``).
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
    inputs: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """The provenance as a JSON-ready dict."""
        return asdict(self)
