"""Weekly health checks against their closed forms (MODEL.md, "Trigger rates").

The agent model draws each customer's four signals every week; the closed
forms in ``flysim.model.health`` give each trigger's firing probability, the
expected score and the probability that a check's actions save an at-risk
customer. The populations here neither churn nor grow and sit in one health
state, so every weekly check of every customer is an independent trial.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import flysim
from flysim.model.health import (
    AT_RISK,
    HEALTHY,
    HealthParams,
    TriggerParams,
    compile_health,
    expected_score,
    fire_probabilities,
    recovery_probability,
)
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH, DAYS_PER_WEEK
from tests.stats import assert_within, binomial_se, sample_mean_se

N, RUNS, MONTHS = 1000, 20, 2  # 2 months: 4 checks in each, on days 7..56

HEALTH = {
    "logins_per_week": {"healthy": 4.0, "at_risk": 1.5},
    "feature_usage": {"healthy": 0.65, "at_risk": 0.35},
    "feature_usage_concentration": 8.0,
    "tickets_per_month": {"healthy": 1.0, "at_risk": 4.0},
    "payment_delay": {"healthy": 0.05, "at_risk": 0.3},
}

#: The article's default thresholds.
DEFAULT_THRESHOLDS = {"logins_below": 2.0, "usage_below": 0.5, "tickets_above": 3.0}
#: Thresholds between integers: "logins < 2.5" means at most 2 logins.
FRACTIONAL_THRESHOLDS = {"logins_below": 2.5, "usage_below": 0.4, "tickets_above": 3.5}
NO_SUCCESS = {"risk_alert": 0.0, "education": 0.0, "escalation": 0.0, "retention": 0.0}


def _triggers(thresholds: dict[str, float], success: dict[str, float]) -> dict[str, Any]:
    return {
        "risk_alert": {
            "cost": 1.0,
            "success": success["risk_alert"],
            "logins_below": thresholds["logins_below"],
        },
        "education": {
            "cost": 2.0,
            "success": success["education"],
            "usage_below": thresholds["usage_below"],
        },
        "escalation": {
            "cost": 3.0,
            "success": success["escalation"],
            "tickets_above": thresholds["tickets_above"],
        },
        "retention": {"cost": 4.0, "success": success["retention"]},
    }


def _population(
    risk_per_month: float, thresholds: dict[str, float], success: dict[str, float]
) -> Scenario:
    """N initial customers, no churn, no acquisition, every trigger on."""
    return Scenario.model_validate(
        {
            "scenario": {"name": "checks", "horizon_months": MONTHS},
            "initial": {"customers": N},
            "revenue": {"tiers": [{"name": "base", "mrr": 100.0}]},
            "engage": {
                "risk_per_month": risk_per_month,
                "health": HEALTH,
                "triggers": _triggers(thresholds, success),
            },
        }
    )


def _params(scenario: Scenario) -> HealthParams:
    return compile_health(scenario.engage.health, scenario.engage.triggers)


def _n_checks() -> int:
    """Checks per run: every customer on days 7, 14, ... strictly before the horizon."""
    weeks = int(np.ceil(MONTHS * DAYS_PER_MONTH / DAYS_PER_WEEK)) - 1
    return N * weeks


def _at_check_times(events: pd.DataFrame) -> np.ndarray:
    t = events["time"].to_numpy()
    return np.isclose(t, DAYS_PER_WEEK * np.round(t / DAYS_PER_WEEK)) & (t > 0)


# A risk hazard of 1e6 a month moves a customer to at risk within about 3e-5
# days, so at every check the whole population is at risk.
POPULATIONS = {
    "healthy": (HEALTHY, 0.0, DEFAULT_THRESHOLDS),
    "at_risk": (AT_RISK, 1e6, FRACTIONAL_THRESHOLDS),
}


@pytest.mark.statistical
@pytest.mark.parametrize("population", list(POPULATIONS))
def test_trigger_firing_rates_and_mean_score(engine: str, population: str) -> None:
    """Each trigger fires on its closed-form share of checks; the score has its expected mean.

    Firings: each check is an independent Bernoulli trial with the closed-form
    probability, so the count is binomial and its SE exact. Score: the
    ``health_score`` of each run and month is the mean of that month's scores;
    SE = sample sd of those means / sqrt(their number), Student-t critical
    value.
    """
    state, risk, thresholds = POPULATIONS[population]
    scenario = _population(risk, thresholds, NO_SUCCESS)
    result = flysim.simulate(scenario, runs=RUNS, seed=7, engine=engine, events=True)
    ev, params = result.events, _params(scenario)

    n_at_risk_moves = int((ev["event"] == "at_risk").sum())
    assert n_at_risk_moves == (N * RUNS if state == AT_RISK else 0)
    assert not (ev["event"] == "churn").any()

    checks = _n_checks() * RUNS
    fired = ev.loc[ev["event"].str.startswith("trigger:") & _at_check_times(ev), "event"]
    assert len(fired) == int(ev["event"].str.startswith("trigger:").sum())
    counts = fired.value_counts()
    observed = np.array([counts.get(f"trigger:{t.name}", 0) for t in params.triggers]) / checks
    expected = fire_probabilities(params, state)
    assert_within(
        observed,
        expected,
        binomial_se(expected, checks),
        what=f"{population}: firing share per check (risk_alert, education, escalation, retention)",
    )
    actions = result.metric("trigger_actions").sum()
    assert actions == len(fired)  # the metric counts the logged firings

    mean, se, df = sample_mean_se(result.metric("health_score").ravel())
    assert_within(mean, expected_score(params, state), se, df=df, what=f"{population}: mean score")


@pytest.mark.statistical
def test_recovery_probability_per_check(engine: str) -> None:
    """An at-risk customer is saved by a check with ``1 - prod(1 - p_fire,i success_i)``.

    Unaided recovery is 0 and the risk hazard huge, so a saved customer is at
    risk again long before the next check: every check is an independent trial
    on an at-risk customer, and the number of ``recover`` events (all at check
    times) is binomial: exact SE.
    """
    success = {"risk_alert": 0.3, "education": 0.2, "escalation": 0.5, "retention": 0.4}
    scenario = _population(1e6, FRACTIONAL_THRESHOLDS, success)
    result = flysim.simulate(scenario, runs=RUNS, seed=8, engine=engine, events=True)
    ev = result.events
    recovers = ev["event"] == "recover"
    assert (recovers & ~_at_check_times(ev)).sum() == 0, "no unaided recovery"
    checks = _n_checks() * RUNS
    expected = recovery_probability(_params(scenario))
    assert_within(
        recovers.sum() / checks,
        expected,
        binomial_se(expected, checks),
        what="recovery probability per check",
    )


# -- exact checks of the closed forms ----------------------------------------------


def _params_with(logins_below: float, usage_below: float, tickets_above: float) -> HealthParams:
    return HealthParams(
        logins=(4.0, 1.5),
        usage_mean=(0.65, 0.35),
        usage_concentration=8.0,
        tickets=(1.0, 4.0),
        payment_delay=(0.05, 0.3),
        triggers=(
            TriggerParams("risk_alert", logins_below, 1.0, 0.3),
            TriggerParams("education", usage_below, 1.0, 0.2),
            TriggerParams("escalation", tickets_above, 1.0, 0.5),
            TriggerParams("retention", 0.5, 1.0, 0.4),
        ),
    )


@pytest.mark.parametrize("state", [HEALTHY, AT_RISK])
@pytest.mark.parametrize(
    ("logins_below", "usage_below", "tickets_above"),
    [(2.0, 0.5, 3.0), (2.5, 0.4, 3.5), (0.0, 0.0, 0.0), (0.5, 1.0, 0.5), (3.7, 0.73, 7.2)],
)
def test_fire_probabilities_match_scipy(
    state: int, logins_below: float, usage_below: float, tickets_above: float
) -> None:
    """Exact: each firing probability by summing the pmf over the integers that fire."""
    params = _params_with(logins_below, usage_below, tickets_above)
    k = np.arange(200)  # far beyond any mass of Poisson(4)
    lam, mu = params.logins[state], params.tickets[state]
    mean, conc = params.usage_mean[state], params.usage_concentration
    expected = [
        stats.poisson.pmf(k[k < logins_below], lam).sum(),
        stats.beta(mean * conc, (1 - mean) * conc).cdf(usage_below),
        stats.poisson.pmf(k[k > tickets_above], mu).sum(),
        params.payment_delay[state],
    ]
    np.testing.assert_allclose(fire_probabilities(params, state), expected, rtol=1e-12, atol=1e-15)


def test_recovery_probability_combines_independent_actions() -> None:
    """Exact: stays at risk only if every action fails or its trigger does not fire."""
    params = _params_with(2.5, 0.4, 3.5)
    p = fire_probabilities(params, AT_RISK)
    s = np.array([0.3, 0.2, 0.5, 0.4])
    # Enumerate which triggers fire (independent given the state).
    stay = 0.0
    for pattern in np.ndindex(2, 2, 2, 2):
        f = np.array(pattern, dtype=bool)
        prob = np.prod(np.where(f, p, 1 - p))
        stay += prob * np.prod(np.where(f, 1 - s, 1.0))
    assert recovery_probability(params) == pytest.approx(1 - stay, rel=1e-12)
