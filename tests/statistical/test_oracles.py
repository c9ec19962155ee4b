"""The model against its published closed forms (MODEL.md, "Validation").

Each test simulates a scenario built so that the model reduces to a case with
a closed form, with a fixed seed, on every engine (the ``engine`` fixture), and
accepts a difference of at most ``critical_value(df) * SE`` (``tests.stats``:
Z = 4, Student-t when the SE is estimated from the sample). Populations are
large and runs few, because one run of a big population costs less than many
runs of a small one and the estimates' SEs depend on the number of customers
observed.

Every check reads metrics, not the event log, so the numpy core (which keeps
counts, not agents) is held to the same closed forms as the agent model.
Lifetimes are measured by revenue: with one tier at an MRR of 1 a month and no
acquisition, revenue accrues at 1 per customer-month, so a run's cumulative
revenue is the sum of its customers' lifetimes truncated at the horizon, and
its mean per customer estimates ``E[min(L, T)]`` (``truncated_lifetime_moments``).
The numpy core moves customers with their chain's exact step probabilities and
reads revenue as the trapezoid of MRR at step ends, whose exact expectation
(``revenue_lifetime_mean``) differs at second order in its step only. Closed
forms live in ``tests.statistical.closed_forms``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from scipy.linalg import expm

import flysim
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH
from tests.statistical.closed_forms import (
    bass_chain_mean,
    bass_curve,
    revenue_lifetime_mean,
    truncated_lifetime_moments,
)
from tests.stats import (
    MIN_NPQ,
    Z,
    assert_differs,
    assert_within,
    binomial_se,
    sample_mean_se,
)

log = logging.getLogger("flysim.tests.oracles")

TIER = {"tiers": [{"name": "base", "mrr": 100.0}]}
#: One customer-month of revenue is 1: cumulative revenue is total lifetime in months.
UNIT_TIER = {"tiers": [{"name": "base", "mrr": 1.0}]}


def _closed_cohort(n: int, months: int, **engage: Any) -> Scenario:
    """``n`` initial customers, no acquisition, no delight: only the engage chain acts."""
    return Scenario.model_validate(
        {
            "scenario": {"name": "cohort", "horizon_months": months},
            "initial": {"customers": n},
            "revenue": UNIT_TIER,
            "engage": engage,
        }
    )


def _lifetime_check(
    result: flysim.SimulationResult,
    n_customers: int,
    generator: np.ndarray,
    horizon: float,
    steps_per_month: int | None,
    what: str,
) -> None:
    """Mean lifetime per customer (cumulative revenue / customers) against its closed form.

    Expected: the exact expectation of the revenue reading,
    ``revenue_lifetime_mean``: ``E[min(L, T)]`` in continuous time; for the
    numpy core, whose customers move with the chain's exact step matrix, the
    trapezoid of the exact survival at step ends (second order in ``dt``,
    computed rather than allowed for). Customers are independent, so the
    pooled mean of ``n_customers * runs`` truncated lifetimes has the exact SE
    ``sqrt(Var min(L, T) / count)``; no other allowance.
    """
    start = np.eye(len(generator))[0]
    m1, m2 = truncated_lifetime_moments(generator, start, horizon)
    expected = revenue_lifetime_mean(generator, start, horizon, steps_per_month)
    count = n_customers * result.n_runs
    observed = result.metric("revenue").sum() / count
    log.info("%s: revenue trapezoid moves the mean by %.3g months", what, expected - m1)
    assert_within(observed, expected, np.sqrt((m2 - m1**2) / count), what=what)


@pytest.mark.parametrize("horizon", [0.5, 7.0, 60.0])
def test_truncated_lifetime_moments_by_quadrature(horizon: float) -> None:
    """Exact: the closed forms equal the integrals of the survival, numerically."""
    from scipy.integrate import quad

    a = transient_generator()
    start = np.array([1.0, 0.0])

    def survival(t: float) -> float:
        return float(start @ expm(a * t) @ np.ones(2))

    m1, m2 = truncated_lifetime_moments(a, start, horizon)
    assert m1 == pytest.approx(quad(survival, 0, horizon)[0], rel=1e-9)
    assert m2 == pytest.approx(2 * quad(lambda t: t * survival(t), 0, horizon)[0], rel=1e-9)
    # One state with churn c: the truncated exponential's moments.
    c = HAZARD_C
    e = np.exp(-c * horizon)
    m1, m2 = truncated_lifetime_moments(np.array([[-c]]), np.ones(1), horizon)
    assert m1 == pytest.approx((1 - e) / c, rel=1e-12)
    assert m2 == pytest.approx(2 / c**2 * (1 - e * (1 + c * horizon)), rel=1e-12)


# -- Bass diffusion ------------------------------------------------------------

BASS_M, BASS_P, BASS_Q = 2000, 0.03, 0.38  # Bass (1969)'s classic p and q
BASS_MONTHS, BASS_RUNS = 15, 30


def bass_scenario(referral_decide_days: float = 0.0) -> Scenario:
    """MODEL.md's Bass limit: paid rate ``p M``, referrals at ``q`` per advocate, all at once."""
    m, p, q = BASS_M, BASS_P, BASS_Q
    return Scenario.model_validate(
        {
            "scenario": {"name": "bass", "horizon_months": BASS_MONTHS},
            "market": {"size": m},
            "revenue": TIER,
            "attract": {
                # p * M innovators a month before saturation.
                "paid": {"budget_per_month": p * m, "cost_per_lead": 1.0, "conversion": 1.0},
                "referral": {"conversion": 1.0, "days_to_decide": referral_decide_days},
            },
            # Every customer is at once a promoter, asked, and an advocate.
            "delight": {
                "nps": {
                    "healthy": {"promoter": 1.0, "passive": 0.0, "detractor": 0.0},
                    "at_risk": {"promoter": 0.0, "passive": 1.0, "detractor": 0.0},
                },
                "ask_after_days": 0.0,
                "ask_accept": 1.0,
                "referrals_per_advocate_per_month": q,
            },
        }
    )


@pytest.mark.statistical
@pytest.mark.parametrize(
    "referral_decide_days",
    [
        # Exactly MODEL.md's limit: every decision and ask at once.
        pytest.param(0.0, id="instant"),
        # A decision after ~0.1 s moves N(t) by ~1e-8 of itself: the same limit.
        pytest.param(1e-6, id="after-1e-6-days"),
    ],
)
def test_bass_diffusion_limit(engine: str, referral_decide_days: float) -> None:
    """Mean customers at each month end follow the Bass curve.

    SE: the sample sd of ``customers`` across runs over sqrt(runs), with the
    Student-t critical value for runs - 1 degrees of freedom (the variance of
    a stochastic Bass path has no simple closed form). The Bass curve is the
    infinite-market limit; the finite market's exact mean (``bass_chain_mean``)
    differs by under 2 adopters here, far below the SE (about 8), and that
    computed difference is added to the bound rather than ignored. Nothing is
    added for the numpy core's step: its arrival scheme is second order, a lag
    of at most 1.8 adopters at its default step (``bass_stepped``), which
    ``test_time_step.py`` measures with 1,000 runs, also without allowance.
    """
    result = flysim.simulate(
        bass_scenario(referral_decide_days), runs=BASS_RUNS, seed=1969, engine=engine
    )
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    expected = bass_curve(BASS_M, BASS_P, BASS_Q, t)
    finite_market = np.abs(bass_chain_mean(BASS_M, BASS_P, BASS_Q, t) - expected)
    mean, se, df = sample_mean_se(result.metric("customers"))
    assert_within(
        mean, expected, se, df=df, bias_bound=finite_market, what="Bass N(t), months 1..15"
    )


def test_bass_chain_mean_without_imitation_is_exact() -> None:
    """Exact check of ``bass_chain_mean``: with q = 0 adopters are M independent
    exponential clocks, so the chain's mean is the Bass curve ``M (1 - e^{-pt})``."""
    t = np.arange(1, 13, dtype=float)
    np.testing.assert_allclose(
        bass_chain_mean(500, BASS_P, 0.0, t), bass_curve(500, BASS_P, 0.0, t), rtol=1e-9
    )


# -- Constant hazard -------------------------------------------------------------

HAZARD_N, HAZARD_RUNS, HAZARD_C, HAZARD_MONTHS = 2000, 2, 0.2, 120


@pytest.mark.statistical
def test_constant_hazard_survival_and_mean_lifetime(
    engine: str, steps_per_month: int | None
) -> None:
    """Survivors decay as ``n e^{-ct}`` and lifetimes average ``1/c`` months.

    Survivors: each customer survives month t independently with probability
    ``e^{-ct}``, so the survivors of all runs are binomial and the SE is exact
    (``binomial_se``); months where the binomial's variance is below
    ``MIN_NPQ`` (the far tail, where a normal bound means nothing) are left out.
    Mean lifetime: cumulative revenue per customer (one customer-month earns
    1) estimates ``E[min(L, T)] = (1 - e^{-cT}) / c``, with the exact SE of
    ``n * runs`` independent truncated exponentials. After 120 months a
    customer is still there with probability e^-24, so the truncated mean is
    ``1/c`` to 8 digits, and every customer must have churned. The numpy
    core's revenue trapezoid moves the mean by ``c dt² / 12`` (7e-4 months,
    0.01 SE), computed exactly in ``_lifetime_check``.
    """
    n, runs, c = HAZARD_N, HAZARD_RUNS, HAZARD_C
    scenario = _closed_cohort(n, HAZARD_MONTHS, churn_per_month={"healthy": c, "at_risk": 0.0})
    result = flysim.simulate(scenario, runs=runs, seed=20, engine=engine)

    t = np.arange(1, HAZARD_MONTHS + 1, dtype=float)
    p = np.exp(-c * t)
    usable = n * runs * p * (1 - p) >= MIN_NPQ
    assert usable.sum() >= 12  # at least the first year is compared
    survival = result.metric("customers").mean(axis=0) / n
    assert_within(
        survival[usable],
        p[usable],
        binomial_se(p[usable], n * runs),
        what="constant hazard: survival e^-ct",
    )

    assert np.all(result.metric("customers")[:, -1] == 0), "every customer churns in 120 months"
    _lifetime_check(
        result,
        n,
        np.array([[-c]]),
        HAZARD_MONTHS,
        steps_per_month,
        what="constant hazard: mean lifetime 1/c",
    )


# -- Gamma heterogeneity ------------------------------------------------------------

GAMMA_N, GAMMA_RUNS, GAMMA_C, GAMMA_MONTHS = 4000, 2, 0.2, 24
EARLY, LATE = 1, 12  # months whose churn hazards are compared


@pytest.mark.statistical
@pytest.mark.parametrize("cv", [1.5, 1.0, 0.5])
def test_gamma_heterogeneity_survival(engine: str, cv: float) -> None:
    """Cohort survival is the Gamma mixture ``(1 + ct/k)^-k``, k = 1/cv², and not ``e^{-ct}``.

    Each customer draws its own multiplier, independently of the others, so
    the survivors are binomial with the mixture's survival as probability:
    exact binomial SE. The monthly churn probability among those still there,
    ``1 - S(t) / S(t-1)``, is binomial given the number at the month's start
    (SE from that count); it must fall from month 1 to month 12 (retention
    rises with tenure) by more than Z combined SEs, and the survival must be
    further than Z SEs from the homogeneous ``e^{-ct}``, so a model that
    ignored heterogeneity fails.
    """
    n, runs, c, k = GAMMA_N, GAMMA_RUNS, GAMMA_C, 1.0 / cv**2
    scenario = _closed_cohort(
        n, GAMMA_MONTHS, churn_per_month={"healthy": c, "at_risk": 0.0}, churn_heterogeneity=cv
    )
    result = flysim.simulate(scenario, runs=runs, seed=31, engine=engine)
    t = np.arange(0, GAMMA_MONTHS + 1, dtype=float)
    s = (1.0 + c * t / k) ** -k  # s[0] = 1

    customers = result.metric("customers")
    survival = customers.mean(axis=0) / n
    usable = n * runs * s[1:] * (1 - s[1:]) >= MIN_NPQ
    assert usable.all()
    assert_within(
        survival, s[1:], binomial_se(s[1:], n * runs), what=f"Gamma cv={cv}: survival (1+ct/k)^-k"
    )

    # Monthly churn probability among customers at the month's start.
    at_start = np.concatenate([np.full((runs, 1), float(n)), customers[:, :-1]], axis=1).sum(0)
    churned = result.metric("churned").sum(axis=0)
    hazard = churned / at_start
    assert_within(
        hazard,
        1.0 - s[1:] / s[:-1],
        binomial_se(1.0 - s[1:] / s[:-1], at_start),
        what=f"Gamma cv={cv}: monthly churn probability 1 - S(t)/S(t-1)",
    )
    h_early, h_late = hazard[EARLY - 1], hazard[LATE - 1]
    se_diff = np.hypot(*binomial_se([h_early, h_late], at_start[[EARLY - 1, LATE - 1]]))
    assert h_early - h_late > Z * se_diff, (
        f"retention does not rise with tenure: churn probability month {EARLY} {h_early:.4f}, "
        f"month {LATE} {h_late:.4f}, SE of the difference {se_diff:.4f}"
    )

    homogeneous = np.exp(-c * LATE)
    assert_differs(
        survival[LATE - 1],
        homogeneous,
        binomial_se(homogeneous, n * runs),
        what=f"Gamma cv={cv}: survival vs homogeneous e^-ct at month {LATE}",
    )


# -- Two-state chain ----------------------------------------------------------------

RISK, RECOVERY, CHURN_HEALTHY, CHURN_AT_RISK = 0.3, 0.5, 0.05, 0.4
CHAIN_N, CHAIN_MONTHS = 5000, 120


def transient_generator() -> np.ndarray:
    """Generator of the healthy/at-risk chain among its transient states, per month."""
    return np.array(
        [
            [-(RISK + CHURN_HEALTHY), RISK],
            [RECOVERY, -(RECOVERY + CHURN_AT_RISK)],
        ]
    )


def expected_time_to_churn() -> np.ndarray:
    """Row sums of the continuous-time fundamental matrix ``(-T)^-1``, in months."""
    return np.linalg.solve(-transient_generator(), np.ones(2))


@pytest.mark.parametrize("dt_days", [1.0, 0.1, 0.01])
def test_discrete_fundamental_matrix_converges_to_the_continuous_one(dt_days: float) -> None:
    """Exact: the daily-step chain's ``(I - Q)^-1 1 dt`` tends to ``(-T)^-1 1``.

    ``Q = expm(T dt)``. The discrete chain counts whole steps survived, a
    Riemann sum of the survival function: by Euler-Maclaurin it exceeds the
    continuous expectation by ``dt/2 + dt² c_i / 12 + O(dt⁴)``, ``c_i`` the
    churn rate of the starting state. So it converges at first order.
    """
    dt = dt_days / DAYS_PER_MONTH
    q = expm(transient_generator() * dt)
    discrete = np.linalg.solve(np.eye(2) - q, np.ones(2)) * dt
    continuous = expected_time_to_churn()
    assert np.all(np.abs(discrete - continuous) <= dt)
    churn = np.array([CHURN_HEALTHY, CHURN_AT_RISK])
    np.testing.assert_allclose(
        discrete, continuous + dt / 2 + dt**2 * churn / 12, rtol=0, atol=dt**3
    )


def test_truncation_at_the_chain_horizon_is_negligible() -> None:
    """Exact: ``E[min(L, 120)]`` equals the fundamental matrix's row sum to 1e-6 months,
    so the revenue-based test below checks MODEL.md's untruncated oracle."""
    m1, _ = truncated_lifetime_moments(transient_generator(), np.array([1.0, 0.0]), CHAIN_MONTHS)
    assert m1 == pytest.approx(expected_time_to_churn()[0], abs=1e-6)


@pytest.mark.statistical
def test_two_state_chain_expected_time_to_churn(engine: str, steps_per_month: int | None) -> None:
    """Mean lifetime from healthy equals the fundamental matrix's first row sum.

    ``(-T)^-1 1`` with ``T`` the transient generator, read as cumulative
    revenue per customer (``_lifetime_check``: the exact truncated mean and
    the exact SE of ``CHAIN_N`` independent lifetimes). The slowest decay rate
    of ``T`` is 0.15 a month, so a customer outlives 120 months with
    probability about 1e-8: every customer must churn, and the truncation
    moves the mean by under 1e-6 months. The numpy core moves customers with
    the chain's exact step probabilities (several events in a step, such as
    turning at risk and then churning, included), so there is no step
    allowance; its revenue trapezoid moves the expectation by 1.7e-4 months
    at the default step (0.002 SE), computed exactly. ``test_time_step.py``
    shows the same at one step a month, where the former one-event-a-step
    scheme would be off by 1.4 months.
    """
    scenario = _closed_cohort(
        CHAIN_N,
        CHAIN_MONTHS,
        risk_per_month=RISK,
        recovery_per_month=RECOVERY,
        churn_per_month={"healthy": CHURN_HEALTHY, "at_risk": CHURN_AT_RISK},
    )
    result = flysim.simulate(scenario, runs=1, seed=2, engine=engine)
    assert result.metric("customers")[0, -1] == 0, "every customer churns within 120 months"
    _lifetime_check(
        result,
        CHAIN_N,
        transient_generator(),
        CHAIN_MONTHS,
        steps_per_month,
        what="two-state chain: time to churn from healthy",
    )
