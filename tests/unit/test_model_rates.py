"""Unit tests of the pure model functions both engines share (exact)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from flysim.model import (
    compile_rates,
    conversion_probability,
    fire_probabilities,
    gamma_shape,
    hazard_probability,
    health_score,
    nps_category,
    organic_base_rate,
    saturation,
)
from flysim.model.health import AT_RISK, HEALTHY, Signals, expected_score
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH
from tests.builders import minimal, scenario


def test_month_is_a_twelfth_of_a_julian_year() -> None:
    assert DAYS_PER_MONTH == 30.4375


def test_compile_rates_converts_monthly_rates_to_daily(reference_scenario: Scenario) -> None:
    r = compile_rates(reference_scenario)
    assert r.paid_leads == pytest.approx(1500.0 / 30.0 / DAYS_PER_MONTH)
    assert r.organic_base == pytest.approx(80.0 / DAYS_PER_MONTH)
    assert r.organic_log_growth == pytest.approx(math.log(1.04) / DAYS_PER_MONTH)
    assert r.channels["paid"].decide_rate == pytest.approx(1 / 21.0)
    assert r.channels["referral"].conversion == 0.25
    assert r.value_rate == pytest.approx(1 / 28.0)
    assert r.churn_at_risk == pytest.approx(0.06 / DAYS_PER_MONTH)
    assert r.ask_rate == pytest.approx(1 / 90.0)
    assert r.churn_cv == 0.0
    assert r.tier_mrr == (49.0, 149.0, 499.0)
    assert [t.name for t in r.health.triggers] == [
        "risk_alert",
        "education",
        "escalation",
        "retention",
    ]


def test_zero_mean_delay_is_an_infinite_rate() -> None:
    s = scenario(
        minimal(),
        **{
            "attract.organic": {"conversion": 0.5, "days_to_decide": 0.0},
            "engage": {"days_to_value": 0.0, "churn_heterogeneity": 0.5},
        },
    )
    r = compile_rates(s)
    assert r.channels["organic"].decide_rate == math.inf
    assert r.value_rate == math.inf
    assert r.churn_cv == 0.5 and gamma_shape(r.churn_cv) == pytest.approx(4.0)
    assert not r.channels["paid"].enabled


def test_organic_growth_compounds_continuously(reference_scenario: Scenario) -> None:
    r = compile_rates(reference_scenario)
    one_month = organic_base_rate(r, DAYS_PER_MONTH)
    assert one_month == pytest.approx(r.organic_base * 1.04)
    half = organic_base_rate(r, np.array([DAYS_PER_MONTH / 2]))
    assert half[0] == pytest.approx(r.organic_base * math.sqrt(1.04))


def test_saturation_is_clamped_and_unlimited_without_market() -> None:
    assert saturation(25, 100) == 0.75
    assert saturation(150, 100) == 0.0
    assert saturation(10**9, None) == 1.0
    np.testing.assert_array_equal(saturation(np.array([0, 50, 200]), 100), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(saturation(np.array([3, 4]), None), [1.0, 1.0])


def test_hazard_probability_and_conversion_cap() -> None:
    assert hazard_probability(0.1, 2.0) == pytest.approx(1 - math.exp(-0.2))
    assert hazard_probability(math.inf, 1.0) == 1.0
    assert conversion_probability(0.5, 1.1) == pytest.approx(0.55)
    assert conversion_probability(0.5, 3.0) == 1.0


def test_nps_category_partitions_the_unit_interval() -> None:
    shares = (0.5, 0.3, 0.2)
    assert [nps_category(u, shares) for u in (0.0, 0.49, 0.5, 0.79, 0.8, 0.999)] == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]


def test_health_score_weights_and_normalisation() -> None:
    s = Signals(
        logins=np.array([0, 5, 10, 2]),
        usage=np.array([0.0, 1.0, 0.5, 0.25]),
        tickets=np.array([6, 0, 3, 9]),
        delayed=np.array([True, False, False, True]),
    )
    expected = [
        0.0,
        100.0,
        100 * (0.25 * 1 + 0.30 * 0.5 + 0.20 * 0.5 + 0.25),
        100 * (0.25 * 0.4 + 0.30 * 0.25 + 0.0 + 0.0),
    ]
    np.testing.assert_allclose(health_score(s), expected)


def test_fire_probabilities_match_scipy(reference_scenario: Scenario) -> None:
    h = compile_rates(reference_scenario).health
    p = fire_probabilities(h, AT_RISK)
    a, b = 0.35 * 10, 0.65 * 10
    np.testing.assert_allclose(
        p,
        [
            stats.poisson.cdf(1, 1.2),  # logins < 2
            stats.beta.cdf(0.5, a, b),  # usage < 0.5
            stats.poisson.sf(3, 2.5),  # tickets > 3
            0.08,  # payment delayed
        ],
    )


def test_expected_score_matches_a_large_sample(reference_scenario: Scenario) -> None:
    from flysim.model.health import draw_signals

    h = compile_rates(reference_scenario).health
    rng = np.random.default_rng(7)
    for state in (HEALTHY, AT_RISK):
        scores = health_score(draw_signals(h, state, 200_000, rng))
        se = scores.std(ddof=1) / math.sqrt(scores.size)
        assert abs(scores.mean() - expected_score(h, state)) < 4 * se
