"""flysim: simulate marketing flywheels with honest uncertainty.

The public API a notebook and the CLI share::

    import flysim
    scenario = flysim.load_scenario("scenarios/startup.toml")
    result = flysim.simulate(scenario, runs=500, seed=1)
    result.summary()
    flysim.compare(["scenarios/startup.toml", "scenarios/scaleup.toml"], runs=500)
    flysim.sweep(scenario, ["attract.paid.budget_per_month=500:3000:6"], "ltv_cac")
    flysim.sensitivity(scenario, ["engage.risk_per_month=0.03:0.12",
                                  "engage.upsell_per_month=0.015:0.045"], "mrr", method="sobol")
    events = flysim.simulate(scenario, runs=20, engine="des", events=True)
    flysim.lifetimes(events)        # one row per customer: duration, churned (survival data)
    flysim.cohorts(events)          # customers and MRR by month of acquisition and age
"""

from __future__ import annotations

from flysim._version import __version__
from flysim.lifetimes import cohorts, lifetimes
from flysim.provenance import Provenance
from flysim.result import SimulationResult
from flysim.scenario import Scenario, ScenarioError, load_scenario
from flysim.simulate import simulate
from flysim.study import (
    Comparison,
    SensitivityResult,
    SweepResult,
    Thresholds,
    compare,
    sensitivity,
    sweep,
)

__all__ = [
    "Comparison",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "SimulationResult",
    "SweepResult",
    "Thresholds",
    "__version__",
    "cohorts",
    "compare",
    "lifetimes",
    "load_scenario",
    "sensitivity",
    "simulate",
    "sweep",
]
