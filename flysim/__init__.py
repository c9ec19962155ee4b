"""flysim: simulate marketing flywheels with honest uncertainty.

The public API a notebook and the CLI share::

    import flysim
    scenario = flysim.load_scenario("scenarios/startup.toml")
    result = flysim.simulate(scenario, runs=500, seed=1)
    result.summary()
"""

from __future__ import annotations

from flysim._version import __version__
from flysim.result import Provenance, SimulationResult
from flysim.scenario import Scenario, ScenarioError, load_scenario
from flysim.simulate import simulate

__all__ = [
    "Provenance",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "simulate",
]
