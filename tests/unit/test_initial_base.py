"""Starting from today's business: the ``[initial]`` keys, their maths, their validation, t = 0."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import flysim
from flysim.engines.des.world import World
from flysim.engines.mc.plan import make_plan, stack_plans
from flysim.engines.mc.state import ACCEPTED, DECLINED, NOT_ASKED, PROMOTER, initial_state
from flysim.engines.mc.uniforms import Stream
from flysim.model.hazards import gamma_classes
from flysim.model.initial import (
    InitialBase,
    class_weights,
    posterior_gamma,
    share_counts,
    tiers_used,
    whole,
)
from flysim.model.params import ParameterTable
from flysim.model.rates import compile_rates
from flysim.rng import run_keys
from flysim.scenario import ScenarioError, load_scenario
from flysim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[2]
STARTUP = REPO / "scenarios" / "startup.toml"

#: Every new key, on the start-up scenario (three tiers, three channels, [delight]).
TODAY: dict[str, Any] = {
    "initial.customers": 300,
    "initial.advocates": 20,
    "initial.customers_per_tier": [200, 80, 20],
    "initial.at_risk_share": 0.2,
    "initial.nps_shares": {"promoter": 0.4, "passive": 0.4, "detractor": 0.2},
    "initial.asked": 0.5,
    "initial.onboarding": 15,
    "initial.open_leads": {"paid": 10, "organic": 20, "referral": 5},
    "initial.tenure_months": 12.0,
}


def startup(**overrides: Any) -> Scenario:
    return load_scenario(STARTUP, {**TODAY, **overrides})


# -- the maths, once --------------------------------------------------------------------------


def test_whole_rounds_halves_up() -> None:
    assert whole(0.2, 300) == 60
    assert whole(0.25, 10) == 3
    assert whole(0.0, 10) == 0
    np.testing.assert_array_equal(whole(np.array([0.5, 0.5]), np.array([3, 4])), [2, 2])


def test_share_counts_by_largest_remainders() -> None:
    # 3.85, 2.45, 0.7: floors 3, 2, 0; the two left go to 0.85 and 0.7.
    assert share_counts((0.55, 0.35, 0.10), 7) == (4, 2, 1)
    assert share_counts((0.4, 0.4, 0.2), 300) == (120, 120, 60)
    assert sum(share_counts((1 / 3, 1 / 3, 1 / 3), 100)) == 100
    assert share_counts((1 / 3, 1 / 3, 1 / 3), 100) == (34, 33, 33)


def test_posterior_gamma_by_hand() -> None:
    # cv 0.5: shape 4; survived h T = 2: rate 4 + 2 = 6, scale 1/6, mean 2/3.
    shape, scale = posterior_gamma(0.5, 2.0)
    assert shape == 4.0 and scale == pytest.approx(1.0 / 6.0, rel=1e-15)
    # No tenure: exactly the prior's scale 1/k, so the draws are a new customer's.
    assert posterior_gamma(0.8, 0.0)[1] == 1.0 / (1.0 / 0.8**2)


def test_class_weights_by_hand() -> None:
    w = class_weights(np.array([0.5, 1.5]), np.array([0.5, 0.5]), 1.0)
    e = math.exp(-1.0)
    np.testing.assert_allclose(w, [1 / (1 + e), e / (1 + e)], rtol=1e-15)
    # Unequal probabilities multiply the likelihoods.
    w = class_weights(np.array([0.5, 1.5]), np.array([0.25, 0.75]), 1.0)
    np.testing.assert_allclose(w, [1 / (1 + 3 * e), 3 * e / (1 + 3 * e)], rtol=1e-15)
    # No tenure: exactly the class probabilities (an untenured base draws as before).
    m, p = gamma_classes(0.8, 8)
    np.testing.assert_array_equal(class_weights(m, p, 0.0), p)
    # One row per run.
    rows = class_weights(np.stack([m, m]), np.stack([p, p]), np.array([0.0, 2.4]))
    np.testing.assert_array_equal(rows[0], p)
    like = p * np.exp(-m * 2.4)
    np.testing.assert_allclose(rows[1], like / like.sum(), rtol=1e-12)


def test_class_weights_approach_the_posterior_mean() -> None:
    """The reweighted classes' mean multiplier is close to the posterior Gamma's k / (k + hT)."""
    cv, survived = 0.8, 0.02 * 24
    shape, scale = posterior_gamma(cv, survived)
    for classes, rel in ((8, 2e-3), (64, 2e-3)):
        m, p = gamma_classes(cv, classes)
        assert float(class_weights(m, p, survived) @ m) == pytest.approx(shape * scale, rel=rel)


def test_tiers_used() -> None:
    assert tiers_used(3, 0.0, (5, 0, 0)) == 1
    assert tiers_used(3, 0.0, (5, 0, 2)) == 3
    assert tiers_used(3, 0.0, (0, 4, 0)) == 2
    assert tiers_used(3, 0.03, (5, 0, 0)) == 3


def test_compiled_base() -> None:
    rates = compile_rates(startup())
    assert rates.initial_customers == 300 and rates.initial_advocates == 20
    assert rates.initial == InitialBase(
        per_tier=(200, 80, 20),
        at_risk=60,
        nps=(120, 120, 60),
        asked=0.5,
        onboarding=15,
        open_leads=(10, 20, 5),
        survived=0.020 * 12.0,
    )
    default = compile_rates(load_scenario(STARTUP)).initial
    assert default == InitialBase(per_tier=(40, 0, 0))


# -- t = 0 in both engines: exactly the counts asked for ----------------------------------------


def _mc_state(scenario: Scenario, runs: int = 50) -> Any:
    rates = compile_rates(scenario)
    table = ParameterTable((rates,))
    plans = stack_plans(table, [make_plan(rates, 7.0)])
    keys = run_keys(5, np.arange(runs))
    return initial_state(plans, np.zeros(runs, dtype=np.int64), Stream(keys[:, 0]))


def test_mc_initial_counts_are_exact() -> None:
    state = _mc_state(startup())
    v, d = state.value, state.delight
    assert d is not None
    np.testing.assert_array_equal(v.sum(axis=(1, 2, 3)), np.tile([200, 80, 20], (50, 1)))
    np.testing.assert_array_equal(v[:, :, :, 1].sum(axis=(1, 2, 3)), 60.0)
    np.testing.assert_array_equal(d.sum(axis=(1, 3, 4)), np.tile([240, 60], (50, 1)))
    np.testing.assert_array_equal(d.sum(axis=(1, 2, 4)), np.tile([120, 120, 60], (50, 1)))
    # (k, h) margins of the two arrays hold the same customers.
    np.testing.assert_array_equal(v.sum(axis=(1, 4)), d.sum(axis=(3, 4)))
    np.testing.assert_array_equal(d[..., PROMOTER, ACCEPTED].sum(axis=(1, 2)), 20.0)
    np.testing.assert_array_equal(d[..., 1, ACCEPTED].sum(axis=(1, 2)), 0.0)  # healthy only
    np.testing.assert_array_equal(d[..., PROMOTER, DECLINED].sum(axis=(1, 2)), 50.0)
    np.testing.assert_array_equal(d[..., PROMOTER, NOT_ASKED].sum(axis=(1, 2)), 50.0)
    np.testing.assert_array_equal(state.onboard.sum(axis=(1, 2)), 15.0)
    np.testing.assert_array_equal(state.leads, np.tile([10.0, 20.0, 5.0], (50, 1)))
    # A tenured base is less frail: its classes lean to the low multipliers.
    by_class = v.sum(axis=(0, 1, 3, 4))
    assert by_class[0] > by_class[-1]


def test_des_initial_counts_are_exact() -> None:
    world = World(compile_rates(startup()), seed=5, run=0, months=3)
    customers = list(world.active.values())
    assert len(customers) == 300
    assert np.bincount([c.tier for c in customers]).tolist() == [200, 80, 20]
    assert world.at_risk == 60 and world.healthy == 240
    assert world.nps_counts == [120, 120, 60]
    assert world.advocates == 20
    assert sum(c.ask == DECLINED for c in customers) == 50
    assert all(c.health == 0 for c in customers if c.ask == ACCEPTED)
    assert world.onboarding == 15 and world.open_leads == 35
    assert world.reached == 300 + 15 + 35
    assert world.mrr == pytest.approx(200 * 39.0 + 80 * 99.0 + 20 * 249.0 + 15 * 39.0)


def test_a_runs_base_depends_on_its_own_parameters_only() -> None:
    """In a block of two parameter sets, each run starts as it would alone (same uniforms)."""
    rows = (compile_rates(load_scenario(STARTUP)), compile_rates(startup()))
    table = ParameterTable(rows)
    plans = stack_plans(table, [make_plan(r, 7.0) for r in rows])
    keys = run_keys(5, np.arange(40))[:, 0]
    sets = np.arange(40) % 2
    mixed = initial_state(plans, sets, Stream(keys))
    for s in (0, 1):
        alone = table.subset([s])
        one = stack_plans(alone, [make_plan(rows[s], 7.0)])
        rows_s = sets == s
        state = initial_state(one, np.zeros(rows_s.sum(), dtype=np.int64), Stream(keys[rows_s]))
        for name in ("value", "delight", "onboard", "leads"):
            np.testing.assert_array_equal(getattr(mixed, name)[rows_s], getattr(state, name))


def test_defaults_start_as_before() -> None:
    """Without the new keys: healthy, first tier, never asked (and the pins hold the draws)."""
    scenario = load_scenario(STARTUP)
    world = World(compile_rates(scenario), seed=5, run=0, months=3)
    assert world.at_risk == 0 and world.onboarding == 0 and world.open_leads == 0
    assert {c.tier for c in world.active.values()} == {0}
    assert not any(c.ask == DECLINED for c in world.active.values())
    state = _mc_state(scenario)
    np.testing.assert_array_equal(state.value[:, :, :, 1].sum(axis=(1, 2, 3)), 0.0)
    assert state.value.shape[-1] == 3  # upsell on: every tier


def test_tiers_without_upsell_are_kept() -> None:
    """With no upsell the numpy core still holds the tiers the base is in."""
    state = _mc_state(startup(**{"engage.upsell_per_month": 0.0}))
    assert state.value.shape[-1] == 3
    np.testing.assert_array_equal(state.value.sum(axis=(1, 2, 3)), np.tile([200, 80, 20], (50, 1)))
    state = _mc_state(
        startup(**{"engage.upsell_per_month": 0.0, "initial.customers_per_tier": [300, 0, 0]})
    )
    assert state.value.shape[-1] == 1


# -- validation: one clear error each -----------------------------------------------------------

BAD: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "tiers not summing to customers": (
        {"initial.customers_per_tier": [200, 80, 10]},
        ("customers_per_tier [200, 80, 10] sums to 290, but customers = 300",),
    ),
    "tiers of the wrong length": (
        {"initial.customers_per_tier": [200, 100]},
        ("initial.customers_per_tier has 2 entries", "revenue.tiers has 3", "starter, pro"),
    ),
    "a negative tier count": (
        {"initial.customers_per_tier": [200, 120, -20]},
        ("customers_per_tier[2] = -20 must be an integer from 0 to 1e7",),
    ),
    "negative open leads": (
        {"initial.open_leads.paid": -1},
        ("initial.open_leads.paid = -1: must be an integer from 0 to 1e7",),
    ),
    "an at-risk share above 1": (
        {"initial.at_risk_share": 1.5},
        ("initial.at_risk_share = 1.5", "between 0 and 1"),
    ),
    "advocates among the at-risk": (
        {"initial.at_risk_share": 0.95},
        ("advocates (20) cannot exceed the healthy customers (15",),
    ),
    "advocates above the promoters": (
        {"initial.nps_shares": {"promoter": 0.05, "passive": 0.75, "detractor": 0.2}},
        ("advocates (20) cannot exceed the promoters", "(15 of 300 customers)"),
    ),
    "nps shares not summing to 1": (
        {"initial.nps_shares": {"promoter": 0.5, "passive": 0.4, "detractor": 0.2}},
        ("initial.nps_shares", "must sum to 1, got 1.1"),
    ),
    "an asked share above 1": (
        {"initial.asked": 2.0},
        ("initial.asked = 2", "between 0 and 1"),
    ),
    "negative onboarding": (
        {"initial.onboarding": -1},
        ("initial.onboarding = -1", "0"),
    ),
    "open leads of a channel the scenario lacks": (
        {"attract.paid.budget_per_month": 0.0},  # replaced below: a scenario without paid
        ("initial.open_leads.paid = 10 needs an [attract.paid] section",),
    ),
    "an unknown open-leads channel": (
        {"initial.open_leads": {"email": 3}},
        ("initial.open_leads", "email"),
    ),
    "a negative tenure": (
        {"initial.tenure_months": -3.0},
        ("initial.tenure_months = -3", "between 0 and 600"),
    ),
    "an unknown key": (
        {"initial.churned": 3},
        ("initial.churned",),
    ),
}


def _without_paid(tmp_path: Path) -> Path:
    text = STARTUP.read_text(encoding="utf-8")
    start = text.index("[attract.paid]")
    end = text.index("[attract.organic]")
    path = tmp_path / "nopaid.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(BAD))
def test_bad_initial_gives_one_clear_line(tmp_path: Path, name: str) -> None:
    overrides, pieces = BAD[name]
    path = STARTUP
    if "channel the scenario lacks" in name:
        path, overrides = _without_paid(tmp_path), {}
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, {**TODAY, **overrides})
    lines = str(info.value).splitlines()
    assert len(lines) == 1, str(info.value)
    for piece in pieces:
        assert piece in lines[0], f"{piece!r} not in {lines[0]!r}"


def test_nps_shares_and_asked_need_delight() -> None:
    data = startup().model_dump()
    data["delight"] = None
    data["initial"]["advocates"] = 0
    with pytest.raises(ValueError, match=r"initial.nps_shares needs a \[delight\] section"):
        Scenario.model_validate(data)
    data["initial"]["nps_shares"] = None
    with pytest.raises(ValueError, match=r"initial.asked = 0.5 needs a \[delight\] section"):
        Scenario.model_validate(data)


@pytest.mark.parametrize("engine", ["des", "mc"])
def test_a_plan_on_todays_business_is_identical_before_its_change(engine: str) -> None:
    base = startup(**{"scenario.horizon_months": 3})
    data = base.model_dump()
    data["changes"] = [{"month": 3, "set": {"attract.paid.budget_per_month": 3000.0}}]
    plan = Scenario.model_validate(data)
    a = flysim.simulate(base, 8, 3, engine=engine, workers=1).data
    b = flysim.simulate(plan, 8, 3, engine=engine, workers=1).data
    np.testing.assert_array_equal(a[:, :2], b[:, :2])
    assert not np.array_equal(a[:, 2], b[:, 2])
