"""Scenario files: the format (frozen pydantic models), loading, errors, overrides and hashing.

::

    from flysim.scenario import load_scenario, scenario_hash
    scenario = load_scenario("scenarios/startup.toml", ["attract.paid.budget_per_month=3000"])
    scenario_hash(scenario)

Every key is documented in ``docs/scenarios.md``, generated from the schema by
``python -m flysim.scenario.docgen``.
"""

from __future__ import annotations

from flysim.scenario.errors import ScenarioError, ScenarioProblem
from flysim.scenario.loader import (
    apply_overrides,
    load_scenario,
    resolved_dict,
    scenario_hash,
    to_toml,
)
from flysim.scenario.overrides import Overrides
from flysim.scenario.schema import (
    Attract,
    Costs,
    Delight,
    Education,
    Engage,
    Escalation,
    Evolve,
    Health,
    Initial,
    Market,
    Nps,
    NpsShares,
    OrganicChannel,
    PaidChannel,
    ProbByHealth,
    RateByHealth,
    ReferralChannel,
    Retention,
    Revenue,
    RiskAlert,
    Scenario,
    ScenarioMeta,
    Tier,
    Triggers,
    UsageByHealth,
)

__all__ = [
    "Attract",
    "Costs",
    "Delight",
    "Education",
    "Engage",
    "Escalation",
    "Evolve",
    "Health",
    "Initial",
    "Market",
    "Nps",
    "NpsShares",
    "OrganicChannel",
    "Overrides",
    "PaidChannel",
    "ProbByHealth",
    "RateByHealth",
    "ReferralChannel",
    "Retention",
    "Revenue",
    "RiskAlert",
    "Scenario",
    "ScenarioError",
    "ScenarioMeta",
    "ScenarioProblem",
    "Tier",
    "Triggers",
    "UsageByHealth",
    "apply_overrides",
    "load_scenario",
    "resolved_dict",
    "scenario_hash",
    "to_toml",
]
