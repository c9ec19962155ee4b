"""Levers that respond to spend: the curves against hand-computed values, their validation,
and the engines reading them (both engines, within Monte Carlo error)."""

from __future__ import annotations

import numpy as np
import pytest

import flysim
from flysim.model import compile_rates
from flysim.model.responses import level, respond
from flysim.scenario import ScenarioError
from flysim.scenario.responses import LeadsResponse, check_curve
from flysim.units import DAYS_PER_MONTH
from tests.builders import minimal, scenario, tiny, toml_text

ADS = {"x": [0.0, 1000.0, 3000.0], "y": [0.0, 40.0, 70.0]}
ACCEPT = {"x": [0.0, 50.0, 150.0], "y": [0.2, 0.4, 0.5]}
REFERRALS = {"x": [0.0, 100.0], "y": [0.1, 0.3]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, 0.0), (500.0, 20.0), (1000.0, 40.0), (2000.0, 55.0), (3000.0, 70.0), (9000.0, 70.0)],
)
def test_a_response_interpolates_and_is_flat_beyond_its_last_point(value, expected) -> None:
    curve = LeadsResponse(**ADS)
    assert respond(curve, value) == pytest.approx(expected, abs=1e-12)
    assert level(curve, value) == pytest.approx(expected, abs=1e-12)
    assert level(12.5, value) == 12.5  # a number is its own value, whatever the lever


def test_compiled_rates_read_each_response_at_its_levers_value() -> None:
    s = scenario(
        tiny(),
        **{
            "attract.paid.budget_per_month": 2000.0,
            "attract.paid.leads_per_month": ADS,
            "attract.organic": {"conversion": 0.05, "cost_per_month": 250.0},
            "attract.organic.leads_per_month": {"x": [0.0, 500.0], "y": [10.0, 30.0]},
            "delight.reward": 100.0,
            "delight.ask_accept": ACCEPT,
            "delight.referrals_per_advocate_per_month": REFERRALS,
        },
    )
    r = compile_rates(s)
    assert r.paid_leads * DAYS_PER_MONTH == pytest.approx(55.0)  # halfway from 40 to 70
    assert r.organic_base * DAYS_PER_MONTH == pytest.approx(20.0)  # halfway from 10 to 30
    assert r.ask_accept == pytest.approx(0.45)  # halfway from 0.4 to 0.5
    assert r.referral_per_advocate * DAYS_PER_MONTH == pytest.approx(0.3)  # the last point
    assert r.budget_paid == 2000.0 and r.reward == 100.0  # the spend is still the lever


def test_a_paid_response_replaces_cost_per_lead() -> None:
    with_cost = scenario(tiny(), **{"attract.paid.leads_per_month": ADS})
    assert with_cost.attract.paid.cost_per_lead is not None
    assert compile_rates(with_cost).paid_leads * DAYS_PER_MONTH == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [
        ([0, 1000, 800], [0, 40, 70], "strictly ascending; x[2] = 800 follows x[1] = 1000"),
        ([0, 1000], [0, 40, 70], "x has 2 points and y 3"),
        ([0], [3], "at least two points"),
        ([0, 50, 90], [0.2, 0.5, 0.3], "monotone"),
    ],
)
def test_check_curve_says_what_is_wrong(x, y, words) -> None:
    assert words in (check_curve(x, y) or "")


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("attract.paid.leads_per_month", {"x": [0, 10, 5], "y": [0, 1, 2]}, "strictly ascending"),
        ("attract.paid.leads_per_month", {"x": [0, 10], "y": [0, 1, 2]}, "one y per x"),
        ("attract.paid.leads_per_month", {"x": [0, 10], "y": [0, 2e7]}, "between 0 and 1e7"),
        ("delight.ask_accept", {"x": [0, 50], "y": [0.2, 1.4]}, "y[1] = 1.4: must be between 0"),
        ("delight.ask_accept", {"x": [0, 5, 9], "y": [0.2, 0.5, 0.3]}, "monotone"),
        ("delight.ask_accept", {"x": [-5, 50], "y": [0.2, 0.3]}, "x[0] = -5"),
        ("delight.ask_accept", 1.5, "between 0 and 1, or a response"),
    ],
)
def test_a_bad_response_is_one_line_naming_the_key(tmp_path, key, value, words) -> None:
    with pytest.raises(ScenarioError) as err:
        _load(tmp_path, tiny(**{key: value}))
    text = str(err.value)
    assert words in text and key in text
    assert len(text.splitlines()) == 1
    assert "constrained-float" not in text and "function-after" not in text


def test_a_paid_channel_needs_a_cost_per_lead_or_a_response(tmp_path) -> None:
    data = tiny()
    del data["attract"]["paid"]["cost_per_lead"]
    with pytest.raises(ScenarioError, match="cost_per_lead or a leads_per_month response"):
        _load(tmp_path, data)


def _load(tmp_path, data) -> flysim.Scenario:
    """Load ``data`` as a user would: from a file, with the loader's error lines."""
    path = tmp_path / "s.toml"
    path.write_text(toml_text(data))
    return flysim.load_scenario(path)


@pytest.mark.parametrize("engine", ["mc", "des"])
def test_the_engines_buy_the_leads_the_curve_says(engine) -> None:
    """Monthly paid leads against the budget follow the curve (no market: no saturation)."""
    runs = 400 if engine == "mc" else 60
    base = minimal(
        **{
            "attract.paid": {"budget_per_month": 1000.0, "leads_per_month": ADS},
            "attract.paid.conversion": 0.0,
            "scenario.horizon_months": 3,
        }
    )
    for budget, expected in ((1000.0, 40.0), (2000.0, 55.0), (5000.0, 70.0)):
        s = scenario(base, **{"attract.paid.budget_per_month": budget})
        leads = flysim.simulate(s, runs=runs, seed=3, engine=engine, workers=1).metric("leads_paid")
        se = np.sqrt(expected / leads.size)  # Poisson counts: variance = mean
        assert abs(leads.mean() - expected) < 4.5 * se, (budget, leads.mean())
        spend = flysim.simulate(s, runs=2, seed=3, engine=engine, workers=1).metric("spend_paid")
        np.testing.assert_array_equal(spend, budget)
