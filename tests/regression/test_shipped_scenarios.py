"""Every shipped scenario loads and runs, and the three stacks match the article.

The scenarios in ``scenarios/`` are what a new user runs first; the shared
``scenario-reference.toml`` is the format's contract and must load and run
unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import flysim
from flysim.metrics.names import FLOWS, MONEY, STOCKS
from tests.builders import REFERENCE_PATH, SCENARIOS_DIR, shipped_paths

SCENARIOS = SCENARIOS_DIR
SHIPPED = shipped_paths()

#: The flywheel article's three stacks: ARR at the start (initial customers in
#: the first tier) and the tool stack a month, both in EUR, as [low, high).
STACKS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "startup": ((0.0, 50_000.0), (0.0, 200.0)),
    "scaleup": ((50_000.0, 500_000.0), (800.0, 1_500.01)),
    "enterprise": ((500_000.0, np.inf), (5_000.0, np.inf)),
}


def _smoke(scenario: flysim.Scenario) -> None:
    """3 runs x 3 months: customers, no negative stocks, flows or money, consistent stocks."""
    result = flysim.simulate(scenario, runs=3, seed=0, months=3)
    assert result.data.shape[:2] == (3, 3)
    assert np.all(result.metric("customers") > 0)
    for name in STOCKS + FLOWS + MONEY:
        values = result.metric(name)
        assert not np.isnan(values).any(), name
        assert np.all(values >= 0), name
    np.testing.assert_array_equal(
        result.metric("customers"), result.metric("onboarding") + result.metric("active")
    )
    np.testing.assert_array_equal(
        result.metric("active"), result.metric("healthy") + result.metric("at_risk")
    )
    assert np.all(result.metric("mrr") > 0)
    assert np.all(result.metric("revenue") > 0)


def test_scenarios_are_shipped() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"startup", "scaleup", "enterprise", "funnel", "flywheel"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_loads_and_runs(path: Path) -> None:
    scenario = flysim.load_scenario(path)
    # The name names the output folder (results/<name>/), so it is the file's stem.
    assert scenario.name == path.stem
    assert scenario.scenario.description
    # Shipped results must be repeatable from the file alone.
    assert scenario.scenario.seed is not None
    _smoke(scenario)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_stack_scenarios_match_the_article(name: str) -> None:
    scenario = flysim.load_scenario(SCENARIOS / f"{name}.toml")
    (arr_low, arr_high), (stack_low, stack_high) = STACKS[name]
    arr = scenario.initial.customers * scenario.revenue.tiers[0].mrr * 12
    assert arr_low <= arr < arr_high, f"{name}: starting ARR {arr:g} EUR"
    assert stack_low <= scenario.costs.stack_per_month < stack_high
    assert scenario.scenario.currency == "EUR"
    assert scenario.horizon_months == 18
    assert scenario.scenario.runs == 1000
    # Every part of the model is switched on.
    assert scenario.market.size is not None
    assert None not in (scenario.attract.paid, scenario.attract.organic, scenario.attract.referral)
    assert scenario.engage.health is not None and scenario.engage.triggers is not None
    assert len(scenario.engage.triggers.enabled()) == 4
    assert scenario.delight is not None and scenario.evolve is not None


def test_reference_loads_and_runs() -> None:
    _smoke(flysim.load_scenario(REFERENCE_PATH))
