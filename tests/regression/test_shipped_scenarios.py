"""Every shipped scenario loads, and the three stacks match the article.

The scenarios in ``scenarios/`` are what a new user runs first. That each of
them, and the reference scenario (the format's contract), runs on both engines
with sane numbers, and gives the numbers it gave before, is held by
``test_pinned_summaries.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import flysim
from tests.builders import SCENARIOS_DIR, shipped_paths

SHIPPED = shipped_paths()

#: The flywheel article's three stacks: ARR at the start (initial customers in
#: the first tier) and the tool stack a month, both in EUR, as [low, high).
STACKS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "startup": ((0.0, 50_000.0), (0.0, 200.0)),
    "scaleup": ((50_000.0, 500_000.0), (800.0, 1_500.01)),
    "enterprise": ((500_000.0, np.inf), (5_000.0, np.inf)),
}


def test_scenarios_are_shipped() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"startup", "scaleup", "enterprise", "funnel", "flywheel"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_loads_named_described_and_seeded(path: Path) -> None:
    """Each file loads, is named after itself, says what it is and fixes its seed."""
    scenario = flysim.load_scenario(path)
    # The name names the output folder (results/<name>/), so it is the file's stem.
    assert scenario.name == path.stem
    assert scenario.scenario.description
    # Shipped results must be repeatable from the file alone.
    assert scenario.scenario.seed is not None


@pytest.mark.parametrize("name", sorted(STACKS))
def test_stack_scenarios_match_the_article(name: str) -> None:
    scenario = flysim.load_scenario(SCENARIOS_DIR / f"{name}.toml")
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
