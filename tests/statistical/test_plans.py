"""Plans over time (issue 9): common random numbers up to a change, and exact effects after it.

Two runs with one seed of a scenario and of the same scenario plus changes
are identical, run by run and metric by metric, in every month before the
first change, on both engines. After it, the money a change moves is exact:
the spends follow the budget in force and a new price reprices the base at
the change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import flysim
from flysim.scenario import Scenario, apply_overrides, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ENGINES = {"mc": 100, "des": 4}


def _without_paid() -> Scenario:
    data = load_scenario(SCENARIOS / "startup.toml").model_dump(exclude_none=True)
    del data["attract"]["paid"]
    return Scenario.model_validate(data)


def _with(base: Scenario, *changes: str) -> Scenario:
    """``base`` plus ``[[changes]]`` given as TOML tables (one string each)."""
    import tomllib

    parsed = [tomllib.loads(c) for c in changes]
    data = base.model_dump(exclude_none=True)
    data["changes"] = parsed
    return Scenario.model_validate(data)


PAID = (
    "{ budget_per_month = 1500.0, cost_per_lead = 30.0, conversion = 0.04, days_to_decide = 21.0 }"
)
RISK_ALERT = "{ logins_below = 2, cost = 15.0, success = 0.30 }"


def _plans() -> dict[str, tuple[Scenario, Scenario, int]]:
    startup = load_scenario(SCENARIOS / "startup.toml")
    funnel = load_scenario(SCENARIOS / "funnel.toml")
    no_paid = _without_paid()
    return {
        "launch": (no_paid, _with(no_paid, f'month = 5\nset = {{ "attract.paid" = {PAID} }}'), 4),
        "stop": (
            startup,
            _with(startup, 'month = 4\nset = { "attract.paid.budget_per_month" = 0.0 }'),
            3,
        ),
        "ramp": (
            startup,
            _with(
                startup,
                'from_month = 7\nto_month = 12\nset = { "attract.organic.cost_per_month" = 900.0 }',
            ),
            6,
        ),
        "price": (funnel, _with(funnel, 'month = 9\nset = { "revenue.tiers[0].mrr" = 59.0 }'), 8),
        "go-live": (
            funnel,
            _with(funnel, f'month = 6\nset = {{ "engage.triggers.risk_alert" = {RISK_ALERT} }}'),
            5,
        ),
        "decisions": (
            startup,
            _with(
                startup,
                'month = 3\nset = { "attract.paid.days_to_decide" = 5.0, "attract.paid.conversion" = 0.06 }',
            ),
            2,
        ),
        "transition": (funnel, load_scenario(SCENARIOS / "transition.toml"), 3),
    }


PLANS = _plans()


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("kind", list(PLANS))
def test_runs_are_identical_before_the_first_change(kind: str, engine: str) -> None:
    base, plan, first = PLANS[kind]
    months = first + 2  # the months after those compared only need to show the change
    a = flysim.simulate(base, ENGINES[engine], 11, engine=engine, workers=1, months=months)
    b = flysim.simulate(plan, ENGINES[engine], 11, engine=engine, workers=1, months=months)
    da, db = np.asarray(a.data), np.asarray(b.data)
    assert np.array_equal(da[:, :first], db[:, :first], equal_nan=True)
    # ... and the change does something from its month on.
    assert not np.array_equal(da[:, first:], db[:, first:], equal_nan=True)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_spends_follow_the_budget_in_force(engine: str) -> None:
    _, plan, _ = PLANS["ramp"]
    r = flysim.simulate(plan, ENGINES[engine], 3, engine=engine, workers=1)
    content = r.metric("spend_content")
    base = 300.0  # startup.toml's content spend before the ramp
    expected = [base] * 6 + [base + (900.0 - base) * k / 6 for k in range(1, 7)] + [900.0] * 6
    assert content == pytest.approx(np.broadcast_to(expected, content.shape))


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_new_price_reprices_the_base_at_the_change(engine: str) -> None:
    funnel = load_scenario(SCENARIOS / "funnel.toml")
    flat = apply_overrides(funnel, ["engage.upsell_per_month=0"])  # every customer in tier 0
    plan = _with(flat, 'month = 9\nset = { "revenue.tiers[0].mrr" = 59.0 }')
    r = flysim.simulate(plan, ENGINES[engine], 5, engine=engine, workers=1)
    customers, mrr = r.metric("customers"), r.metric("mrr")
    assert mrr[:, :8] == pytest.approx(49.0 * customers[:, :8])
    assert mrr[:, 8:] == pytest.approx(59.0 * customers[:, 8:])
