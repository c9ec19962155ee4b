"""Weekly health checks against their closed forms (MODEL.md, "Trigger rates").

The agent model draws each customer's four signals every week; the numpy core
draws the month's firings and score sums from the closed forms in
``flysim.model.health`` (each trigger's firing probability, the expected score,
the probability that a check's actions save an at-risk customer). The
populations here do not grow and sit in one health state at every check, so
every weekly check of every customer is an independent trial, and the tests
read only metrics, so they hold both engines to the same closed forms.

Per-trigger counts come from ``spend_triggers``: the four actions cost 1,
10^4, 10^8 and 10^12, so a month's trigger spend is a base-10^4 number whose
digits are the four triggers' firing counts (each under 10^4: at most
``N`` customers x 5 checks a month), exact in float64 (below 2^53).
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
from flysim.scenario.schema import TRIGGER_NAMES, Scenario
from flysim.units import DAYS_PER_MONTH, DAYS_PER_WEEK
from tests.stats import assert_within, binomial_se, sample_mean_se

N, RUNS, MONTHS = 240, 80, 2  # 2 months: 4 checks in each, on days 7..56

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
SUCCESS = {"risk_alert": 0.3, "education": 0.2, "escalation": 0.5, "retention": 0.4}

#: Action costs in TRIGGER_NAMES order: the digits of spend_triggers in base 10^3
#: (the costs 1, 1e3, 1e6, 1e9 stay within the schema's 1e9; N x 4 checks < 1000).
COST_BASE = 1_000
COSTS = {name: float(COST_BASE**i) for i, name in enumerate(TRIGGER_NAMES)}


def _triggers(thresholds: dict[str, float], success: dict[str, float]) -> dict[str, Any]:
    return {
        "risk_alert": {
            "cost": COSTS["risk_alert"],
            "success": success["risk_alert"],
            "logins_below": thresholds["logins_below"],
        },
        "education": {
            "cost": COSTS["education"],
            "success": success["education"],
            "usage_below": thresholds["usage_below"],
        },
        "escalation": {
            "cost": COSTS["escalation"],
            "success": success["escalation"],
            "tickets_above": thresholds["tickets_above"],
        },
        "retention": {"cost": COSTS["retention"], "success": success["retention"]},
    }


def _population(
    risk_per_month: float,
    thresholds: dict[str, float],
    success: dict[str, float],
    *,
    n: int = N,
    churn_healthy: float = 0.0,
) -> Scenario:
    """``n`` initial customers, no acquisition, every trigger on; no churn unless asked."""
    return Scenario.model_validate(
        {
            "scenario": {"name": "checks", "horizon_months": MONTHS},
            "initial": {"customers": n},
            "revenue": {"tiers": [{"name": "base", "mrr": 100.0}]},
            "engage": {
                "risk_per_month": risk_per_month,
                "churn_per_month": {"healthy": churn_healthy, "at_risk": 0.0},
                "health": HEALTH,
                "triggers": _triggers(thresholds, success),
            },
        }
    )


def _params(scenario: Scenario) -> HealthParams:
    return compile_health(scenario.engage.health, scenario.engage.triggers)


def checks_per_month(months: int = MONTHS) -> np.ndarray:
    """Checks of one customer in each month: days 7, 14, ... strictly before the horizon."""
    days = DAYS_PER_WEEK * np.arange(1, int(months * DAYS_PER_MONTH / DAYS_PER_WEEK) + 1)
    days = days[days < months * DAYS_PER_MONTH]
    return np.bincount((days // DAYS_PER_MONTH).astype(int), minlength=months)


def trigger_counts(spend_triggers: np.ndarray) -> np.ndarray:
    """Firings of each trigger (last axis, TRIGGER_NAMES order) decoded from the spend."""
    spend = np.rint(np.asarray(spend_triggers, dtype=np.float64)).astype(np.int64)
    digits = [(spend // COST_BASE**i) % COST_BASE for i in range(len(TRIGGER_NAMES))]
    return np.stack(digits, axis=-1)


def _at_check_times(events: pd.DataFrame) -> np.ndarray:
    t = events["time"].to_numpy()
    return np.isclose(t, DAYS_PER_WEEK * np.round(t / DAYS_PER_WEEK)) & (t > 0)


# A risk hazard of 100 a month (the schema's largest) moves a customer to at
# risk within about 0.3 days: by the first check, on day 7, the whole
# population is at risk but for a chance of about e^-23 each.
POPULATIONS = {
    "healthy": (HEALTHY, 0.0, DEFAULT_THRESHOLDS),
    "at_risk": (AT_RISK, 100.0, FRACTIONAL_THRESHOLDS),
}


def test_spend_decodes_into_trigger_counts() -> None:
    """Exact: the cost encoding recovers each trigger's count, at the largest counts too."""
    top = COST_BASE - 1
    largest = int(checks_per_month().max()) * N  # every customer fires at every check
    counts = np.array([[0, 0, 0, 0], [1, 2, 3, 4], [top, 0, top, 1], [largest] * 4])
    spend = counts @ np.array([COSTS[name] for name in TRIGGER_NAMES])
    assert spend.max() < 2**53
    np.testing.assert_array_equal(trigger_counts(spend), counts)
    assert checks_per_month().sum() == int(np.ceil(MONTHS * DAYS_PER_MONTH / DAYS_PER_WEEK)) - 1
    assert checks_per_month().max() * N < COST_BASE


@pytest.mark.statistical
@pytest.mark.parametrize("population", list(POPULATIONS))
def test_trigger_firing_rates_and_mean_score(engine: str, population: str) -> None:
    """Each trigger fires on its closed-form share of checks; the score has its expected mean.

    Firings: each check is an independent Bernoulli trial with the closed-form
    probability, so each trigger's count (decoded from ``spend_triggers``) is
    binomial over ``N x checks x runs`` trials, per month: exact SE. The
    ``trigger_actions`` flow must equal the sum of the four counts exactly.
    Score: the ``health_score`` of each run and month is the mean of that
    month's scores; SE = sample sd of those means / sqrt(their number),
    Student-t critical value.
    """
    state, risk, thresholds = POPULATIONS[population]
    scenario = _population(risk, thresholds, NO_SUCCESS)
    result = flysim.simulate(scenario, runs=RUNS, seed=7, engine=engine)
    params = _params(scenario)
    assert [t.name for t in params.triggers] == list(TRIGGER_NAMES)

    customers = result.metric("customers")
    assert np.all(customers == N), "no churn, no acquisition"
    assert np.all(result.metric("at_risk") == (N if state == AT_RISK else 0))

    counts = trigger_counts(result.metric("spend_triggers"))  # runs x months x triggers
    np.testing.assert_array_equal(counts.sum(axis=-1), result.metric("trigger_actions"))
    trials = N * RUNS * checks_per_month()[:, None]  # per month
    observed = counts.sum(axis=0) / trials
    expected = np.broadcast_to(fire_probabilities(params, state), observed.shape)
    assert_within(
        observed,
        expected,
        binomial_se(expected, trials),
        what=f"{population}: firing share per check by month x (risk_alert, education, "
        "escalation, retention)",
    )

    mean, se, df = sample_mean_se(result.metric("health_score").ravel())
    assert_within(mean, expected_score(params, state), se, df=df, what=f"{population}: mean score")


#: Hazards of healthy -> churn and healthy -> at risk, equal and the schema's
#: largest (100 a month): a healthy customer leaves the state within ~0.15
#: days (long before a month's end or the next check) and churns with
#: probability ``CHURN_SHARE = H / (H + R)``, else is at risk again.
RECOVERY_HAZARD = 100.0
CHURN_SHARE = 0.5


@pytest.mark.statistical
def test_recovery_probability_per_check(engine: str) -> None:
    """An at-risk customer is saved by a check with ``rho = 1 - prod(1 - p_fire,i success_i)``.

    Design: healthy customers churn and fall at risk at equal huge hazards,
    at-risk customers neither churn nor recover unaided. At the start half
    the customers churn and half fall at risk; at each check an at-risk
    customer is saved with ``rho`` and, healthy for an instant, churns with
    probability 1/2. So a customer is still there after ``k`` checks, once
    the saved have settled, with probability ``S_k = (1/2) (1 - rho / 2)^k``,
    independently of the others. Without recovery ``S_k`` stays at 1/2.

    Read at month ends as ``at_risk + healthy / 2``: a customer healthy at a
    month end was saved by a check and has not settled yet (in continuous
    time never; in the numpy core, whose customers have one event per step,
    when the check falls in the month's last step), and stays with
    probability 1/2. That is the conditional expectation of the settled
    survivors given the month-end state, so its variance is at most theirs:
    the binomial SE over ``N x runs`` trials is exact or conservative.
    """
    h = r = RECOVERY_HAZARD
    scenario = _population(r, FRACTIONAL_THRESHOLDS, SUCCESS, churn_healthy=h)
    result = flysim.simulate(scenario, runs=RUNS, seed=8, engine=engine)
    rho = recovery_probability(_params(scenario))
    share = h / (h + r)
    assert share == CHURN_SHARE
    k = np.cumsum(checks_per_month())
    expected = (1.0 - share) * (1.0 - rho * share) ** k
    at_risk, healthy = result.metric("at_risk"), result.metric("healthy")
    np.testing.assert_array_equal(at_risk + healthy, result.metric("customers"))
    settled = (at_risk + (1.0 - share) * healthy).mean(axis=0) / N
    assert_within(
        settled,
        expected,
        binomial_se(expected, N * RUNS),
        what="settled survivors after k checks (1/2)(1 - rho/2)^k: recovery probability per check",
    )


# -- the agent model's event log ---------------------------------------------------


def test_checks_act_only_at_check_times_des_event_log() -> None:
    """Agent model only: firings and recoveries happen at the checks, and the books match the log.

    Only an event log shows *when* something happened, and only the agent
    model keeps one (the numpy core keeps counts, and refuses
    ``events=True``). Exact checks on a small at-risk population whose
    actions do save customers (who fall at risk again at once): every
    ``trigger:*`` and ``recover`` event falls on a check day, and each
    trigger's logged firings per month equal the counts in
    ``spend_triggers`` and sum to ``trigger_actions``.
    """
    n, runs = 100, 2
    scenario = _population(100.0, FRACTIONAL_THRESHOLDS, SUCCESS, n=n)
    result = flysim.simulate(scenario, runs=runs, seed=9, engine="des", events=True)
    ev = result.events
    acting = ev["event"].str.startswith("trigger:") | (ev["event"] == "recover")
    assert (ev["event"] == "recover").sum() > 0
    assert not (acting & ~_at_check_times(ev)).any(), "an action off a check day"

    fired = ev[ev["event"].str.startswith("trigger:")]
    month = (fired["time"].to_numpy() // DAYS_PER_MONTH).astype(int)
    logged = np.zeros((runs, MONTHS, len(TRIGGER_NAMES)), dtype=np.int64)
    which = fired["event"].str.removeprefix("trigger:").map(TRIGGER_NAMES.index).to_numpy()
    np.add.at(logged, (fired["run"].to_numpy(), month, which), 1)
    np.testing.assert_array_equal(trigger_counts(result.metric("spend_triggers")), logged)
    np.testing.assert_array_equal(result.metric("trigger_actions"), logged.sum(axis=-1))


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
