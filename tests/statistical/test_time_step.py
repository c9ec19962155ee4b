"""The numpy core's time step: second order where arrivals feed back, none in the customer chain.

The numpy core (``engine="mc"``) advances in fixed steps of ``dt = 30.4375 /
steps_per_month`` days.

- Arrival rates read the state (saturation, promoters, advocates) at the
  step's midpoint, extrapolated from the step before; the first step's
  shortfall is added to the second's. In a Bass diffusion the scheme's own
  expectation has a closed form (``bass_stepped``), second order in ``dt``:
  at the default step it is within Monte Carlo error of the Bass curve, with
  no allowance for the step, and the engine must follow the scheme's
  expectation at the default step and at 2x and 4x finer steps. The data
  must reject the former scheme (rates held at the step's start,
  ``bass_euler``), so the check can fail.
- Active customers move with the exact transition probabilities of their
  chain (health x tier, with churn) over the step, so several events of one
  customer in a step are exact and the chain has no step bias. At the default
  step and at one step a month, lifetimes, survivors, MRR and upsells must
  match their continuous-time closed forms within Monte Carlo error alone;
  revenue, read as the trapezoid of MRR at step ends, is compared with that
  reading's exact expectation (``revenue_lifetime_mean``, a second-order
  shift). Each check also shows the data would reject the former scheme (at
  most one event per customer per step, ``first_order_step``), so it can fail.

The measured biases are logged (``--log-cli-level=INFO``): docs/model.md quotes
them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pytest
from scipy.linalg import expm

import flysim
from flysim.engines.mc import DEFAULT_STEPS_PER_MONTH, MCEngine
from flysim.metrics.names import METRICS
from flysim.scenario.schema import Scenario
from tests.statistical.closed_forms import (
    bass_chain_mean,
    bass_curve,
    bass_euler,
    bass_stepped,
    chain_moments,
    first_order_step,
    revenue_lifetime_mean,
    stepped_revenue_lifetime,
    truncated_lifetime_moments,
    value_chain_generator,
)
from tests.statistical.test_oracles import (
    BASS_M,
    BASS_MONTHS,
    BASS_P,
    BASS_Q,
    CHAIN_N,
    CHURN_AT_RISK,
    CHURN_HEALTHY,
    HAZARD_C,
    RECOVERY,
    RISK,
    _closed_cohort,
    bass_scenario,
    transient_generator,
)
from tests.stats import (
    MIN_NPQ,
    assert_differs,
    assert_within,
    binomial_se,
    sample_mean_se,
)

log = logging.getLogger("flysim.tests.time_step")

#: The default step and two finer ones (Bass).
STEPS = (DEFAULT_STEPS_PER_MONTH, 2 * DEFAULT_STEPS_PER_MONTH, 4 * DEFAULT_STEPS_PER_MONTH)
#: The default step and a coarse one (the customer chain).
CHAIN_STEPS = (DEFAULT_STEPS_PER_MONTH, 1)
BASS_RUNS = 1000
#: 60 months leave ~1e-4 of the cohort, which the truncated forms count exactly.
CHAIN_RUNS, CHAIN_HORIZON = 200, 60
HEALTHY_START = np.array([1.0, 0.0])
#: The full value chain: the two-state chain's rates, fast upsells through three tiers.
VALUE_N, VALUE_RUNS, VALUE_MONTHS = 20_000, 20, 12
VALUE_TIERS = np.array([50.0, 150.0, 500.0])
VALUE_UPSELL = 0.3


def _metrics(
    scenario: Scenario,
    steps_per_month: int,
    runs: int,
    months: int,
    names: tuple[str, ...],
    seed: int,
) -> dict[str, np.ndarray]:
    """``runs x months`` of some metrics from one numpy-core run at a given step."""
    engine = MCEngine(steps_per_month=steps_per_month)
    metrics = flysim.simulate(scenario, runs, seed, engine=engine, months=months, workers=1).data
    return {name: metrics[:, :, METRICS.index(name)] for name in names}


# -- the schemes' expectations, exactly ------------------------------------------------


def test_bass_step_scheme_bias_is_second_order() -> None:
    """Exact: the arrival scheme's Bass bias quarters when the step halves (``k² b(k)`` converges).

    The former scheme (rates held at the step's start, ``bass_euler``) was
    first order: its bias only halves (``k b(k)`` converges).
    """
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    curve = bass_curve(BASS_M, BASS_P, BASS_Q, t)
    ks = (4, 8, 16, 32, 64)

    def bias(scheme: Callable[..., np.ndarray], k: int) -> float:
        return float(np.max(np.abs(scheme(BASS_M, BASS_P, BASS_Q, t, k) - curve)))

    # Second order, b(k) = a / k² + O(1/k³): the bias quarters with each
    # halving of the step, the ratio tending to 4 (k² b(k) converges); the
    # former scheme's only halves.
    now = np.array([bias(bass_stepped, k) for k in ks])
    ratios = now[:-1] / now[1:]
    assert np.all((ratios > 3.8) & (ratios < 4.2))
    assert abs(ratios[-1] - 4.0) < 0.02
    former = np.array([bias(bass_euler, k) for k in ks])
    assert np.all(np.abs(former[:-1] / former[1:] - 2.0) < 0.05)
    log.info(
        "Bass: max |bias| at k = 4..64 steps a month: %s adopters (ratios %s; k² b(k) %s); "
        "former scheme %s (ratios %s)",
        np.array2string(now, precision=4),
        np.array2string(ratios, precision=3),
        np.array2string(now * np.asarray(ks) ** 2, precision=3),
        np.array2string(former, precision=2),
        np.array2string(former[:-1] / former[1:], precision=3),
    )


@pytest.mark.parametrize("which", ["one state", "two-state chain"])
def test_revenue_trapezoid_is_second_order(which: str) -> None:
    """Exact: with exact steps, revenue's bias is ``dt² (S'(T) - S'(0)) / 12 (1 + O(dt²))``.

    Euler-Maclaurin for the trapezoid of the survival ``S(t) = start e^{At} 1``
    at step ends, ``S'(t) = start A e^{At} 1``. No first-order term: the
    chain itself has no step bias. One state with churn ``c``: exactly
    ``(1 - e^{-cT}) (dt / (1 - e^{-c dt}) - dt / 2)``. The former scheme's
    reading, by contrast, is off at first order (``k b(k)`` tends to a
    nonzero limit).
    """
    if which == "one state":
        a, start = np.array([[-HAZARD_C]]), np.ones(1)
    else:
        a, start = transient_generator(), HEALTHY_START
    horizon, ones = float(CHAIN_HORIZON), np.ones(len(a))
    exact, _ = truncated_lifetime_moments(a, start, horizon)
    slope = start @ a @ (expm(a * horizon) - np.eye(len(a))) @ ones  # S'(T) - S'(0)
    former = []
    for k in (1, 2, 4, 8, 16):
        dt = 1.0 / k
        bias = revenue_lifetime_mean(a, start, horizon, k) - exact
        assert bias == pytest.approx(dt**2 * slope / 12, rel=0.1 * dt**2)
        if which == "one state":
            c = HAZARD_C
            trapezoid = -np.expm1(-c * horizon) * (dt / -np.expm1(-c * dt) - dt / 2)
            assert exact + bias == pytest.approx(trapezoid, rel=1e-12)
        former.append(
            k * (stepped_revenue_lifetime(first_order_step(a, dt), start, horizon, k) - exact)
        )
    if which == "two-state chain":
        changes = np.abs(np.diff(former))
        assert np.all(changes[1:] < 0.6 * changes[:-1])
        assert former[-1] > 1.0  # months x steps a month: a first-order bias
    log.info("%s: former scheme, k x bias, k = 1..16: %s", which, np.round(former, 4))


def test_value_chain_reduces_to_the_two_state_chain() -> None:
    """Exact: summed over tiers, the value chain's survival is the two-state chain's."""
    q = value_chain_generator(RISK, RECOVERY, CHURN_HEALTHY, CHURN_AT_RISK, VALUE_UPSELL, 3)
    alive = np.r_[np.ones(6), np.zeros(3)]
    for t in (0.5, 3.0, 12.0):
        chain = np.eye(9)[0] @ expm(q * t) @ alive
        two_state = HEALTHY_START @ expm(transient_generator() * t) @ np.ones(2)
        assert chain == pytest.approx(two_state, rel=1e-12)


# -- Bass: measured against the closed form and finer steps ----------------------------


@pytest.fixture(scope="module")
def bass_exact() -> tuple[np.ndarray, np.ndarray]:
    """The Bass curve and the finite market's exact mean, months 1..15."""
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    return bass_curve(BASS_M, BASS_P, BASS_Q, t), bass_chain_mean(BASS_M, BASS_P, BASS_Q, t)


@pytest.fixture(scope="module")
def bass_runs() -> dict[int, tuple[np.ndarray, np.ndarray, int]]:
    """Mean customers, their SE and degrees of freedom, by steps per month."""
    out = {}
    for k in STEPS:
        got = _metrics(bass_scenario(), k, BASS_RUNS, BASS_MONTHS, ("customers",), seed=1969)
        out[k] = sample_mean_se(got["customers"])
    return out


@pytest.mark.statistical
def test_bass_default_step_within_se(
    bass_runs: dict[int, tuple[np.ndarray, np.ndarray, int]],
    bass_exact: tuple[np.ndarray, np.ndarray],
) -> None:
    """At the default step, mean adopters are within Monte Carlo error of Bass, every month.

    No allowance for the step: the only term added to ``critical_value(df) *
    SE`` is the finite market's ``|bass_chain_mean - bass_curve|`` (under 2
    adopters), exact maths about the model itself (the Bass curve is the
    infinite market's limit), not about the engine. Power: the data must
    reject the former scheme's curve (``bass_euler``, rates held at the
    step's start).
    """
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    curve, exact = bass_exact
    k = DEFAULT_STEPS_PER_MONTH
    mean, se, df = bass_runs[k]
    z = (mean - curve) / se
    worst = int(np.argmax(np.abs(z)))
    log.info(
        "Bass, %d steps a month, %d runs: max |z| %.2f against the Bass curve (month %d), "
        "%.2f against the finite market's exact mean",
        k,
        BASS_RUNS,
        abs(z[worst]),
        worst + 1,
        np.max(np.abs(mean - exact) / se),
    )
    assert_within(
        mean,
        curve,
        se,
        df=df,
        bias_bound=np.abs(exact - curve),
        what=f"Bass N(t) at the default step ({k} a month)",
    )
    former = bass_euler(BASS_M, BASS_P, BASS_Q, t, k)
    peak = int(np.argmax(np.abs(former - curve)))
    assert_differs(
        mean[peak],
        former[peak],
        se[peak],
        df=df,
        what=f"Bass N(t) at the default step, month {peak + 1}, vs the former scheme",
    )


@pytest.mark.statistical
def test_bass_bias_follows_the_step_scheme(
    bass_runs: dict[int, tuple[np.ndarray, np.ndarray, int]],
    bass_exact: tuple[np.ndarray, np.ndarray],
) -> None:
    """At every step the measured bias is the scheme's, which is second order.

    Measured bias = mean adopters - the finite market's exact mean
    (``bass_chain_mean``). At each step it must equal the scheme's computed
    bias ``bass_stepped - bass_curve`` within ``critical_value(df) * SE`` plus
    the finite-market term (the recursion is the infinite-market mean). The
    scheme's bias shrinks fourfold when the step halves
    (``test_bass_step_scheme_bias_is_second_order``): 1.8 adopters at the
    default step, 0.45 and 0.11 at 2x and 4x finer steps, all below the SE
    of 1,000 runs, so the measurement cannot resolve the shrinking itself.
    """
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    curve, exact = bass_exact
    finite_market = np.abs(exact - curve)
    for k, (mean, se, df) in bass_runs.items():
        measured = mean - exact
        predicted = bass_stepped(BASS_M, BASS_P, BASS_Q, t, k) - curve
        worst = int(np.argmax(np.abs(measured)))
        log.info(
            "Bass, %d steps a month (dt %.2f days): measured bias %s adopters; "
            "largest %.2f (%.3f%% of M) at month %d, SE %.2f, |z| %.2f (max |z| %.2f; "
            "against the Bass curve %.2f); scheme predicts %.2f there, at most %.2f",
            k,
            30.4375 / k,
            np.array2string(measured, precision=1),
            measured[worst],
            100 * measured[worst] / BASS_M,
            worst + 1,
            se[worst],
            abs(measured[worst]) / se[worst],
            np.max(np.abs(measured) / se),
            np.max(np.abs(mean - curve) / se),
            predicted[worst],
            np.max(np.abs(predicted)),
        )
        assert_within(
            measured,
            predicted,
            se,
            df=df,
            bias_bound=finite_market,
            what=f"Bass bias at {k} steps a month vs the step scheme's",
        )


# -- the customer chain: no step bias, even at one step a month -------------------------


@pytest.mark.statistical
@pytest.mark.parametrize("k", CHAIN_STEPS)
def test_chain_lifetime_has_no_step_bias(k: int) -> None:
    """Survivors and mean lifetime from healthy match the continuous-time chain at this step.

    Survivors at month ends: each customer is still there with probability
    ``S(t) = start e^{At} 1`` independently, so the survivors of all runs are
    binomial (exact SE; months with ``n p q < MIN_NPQ`` left out). Mean
    lifetime per customer = cumulative revenue / customers (one tier at an
    MRR of 1), one value per run; SE = sample sd over runs / sqrt(runs),
    Student-t critical value; expected = the revenue reading's exact
    expectation (``revenue_lifetime_mean``: the closed form ``E[min(L, T)]``
    plus the trapezoid's second-order term, 0.7 SE at one step a month).
    Power: the data must reject the former one-event-a-step scheme's
    expectation by more than the critical value.
    """
    scenario = _closed_cohort(
        CHAIN_N,
        CHAIN_HORIZON,
        risk_per_month=RISK,
        recovery_per_month=RECOVERY,
        churn_per_month={"healthy": CHURN_HEALTHY, "at_risk": CHURN_AT_RISK},
    )
    a = transient_generator()
    got = _metrics(scenario, k, CHAIN_RUNS, CHAIN_HORIZON, ("customers", "revenue"), seed=2)

    t = np.arange(1, CHAIN_HORIZON + 1, dtype=float)
    p = np.array([HEALTHY_START @ expm(a * month) @ np.ones(2) for month in t])
    count = CHAIN_N * CHAIN_RUNS
    usable = count * p * (1 - p) >= MIN_NPQ
    assert usable.sum() >= 36  # at least three years are compared
    assert_within(
        got["customers"].sum(axis=0)[usable] / count,
        p[usable],
        binomial_se(p[usable], count),
        what=f"two-state chain survival at {k} steps a month",
    )

    exact, _ = truncated_lifetime_moments(a, HEALTHY_START, CHAIN_HORIZON)
    expected = revenue_lifetime_mean(a, HEALTHY_START, CHAIN_HORIZON, k)
    former = stepped_revenue_lifetime(first_order_step(a, 1.0 / k), HEALTHY_START, CHAIN_HORIZON, k)
    mean, se, df = sample_mean_se(got["revenue"].sum(axis=1) / CHAIN_N)
    log.info(
        "two-state chain, %d steps a month: mean lifetime %.4f months (SE %.4f); closed form "
        "%.4f (z %+.2f); with the revenue trapezoid %.4f (z %+.2f); former scheme %.4f (z %+.1f)",
        k,
        mean,
        se,
        exact,
        (mean - exact) / se,
        expected,
        (mean - expected) / se,
        former,
        (mean - former) / se,
    )
    assert_within(mean, expected, se, df=df, what=f"chain lifetime at {k} steps a month")
    assert_differs(
        mean, former, se, df=df, what=f"chain lifetime at {k} steps a month vs the former scheme"
    )


@pytest.mark.statistical
@pytest.mark.parametrize("k", CHAIN_STEPS)
def test_value_chain_has_no_step_bias(k: int) -> None:
    """Customers, MRR and cumulative upsells at month ends follow health x tier with churn.

    Expected: ``N start e^{Q t} f`` with ``Q`` the value chain's generator
    (``value_chain_generator``: risk, recovery, churn by health, upsells while
    healthy through three tiers; churners keep the tier they reached, so
    cumulative upsells are the tier index over all states) and ``f`` the
    metric per state. Customers are independent, so the SE is exact:
    ``sqrt(N Var f / runs)``. Several events of one customer in a step
    (two upsells; at risk, then churned) are exact, so there is no allowance.
    Power: at the month where the former one-event-a-step scheme departs
    most, the data must reject it.
    """
    scenario = Scenario.model_validate(
        {
            "scenario": {"name": "value chain", "horizon_months": VALUE_MONTHS},
            "initial": {"customers": VALUE_N},
            "revenue": {"tiers": [{"name": f"t{i}", "mrr": m} for i, m in enumerate(VALUE_TIERS)]},
            "engage": {
                "risk_per_month": RISK,
                "recovery_per_month": RECOVERY,
                "churn_per_month": {"healthy": CHURN_HEALTHY, "at_risk": CHURN_AT_RISK},
                "upsell_per_month": VALUE_UPSELL,
            },
        }
    )
    tiers = len(VALUE_TIERS)
    q = value_chain_generator(RISK, RECOVERY, CHURN_HEALTHY, CHURN_AT_RISK, VALUE_UPSELL, tiers)
    start = np.eye(3 * tiers)[0]
    per_state = {
        "customers": np.r_[np.ones(2 * tiers), np.zeros(tiers)],
        "mrr": np.r_[VALUE_TIERS, VALUE_TIERS, np.zeros(tiers)],
        "upsells": np.tile(np.arange(tiers, dtype=float), 3),
    }
    got = _metrics(scenario, k, VALUE_RUNS, VALUE_MONTHS, tuple(per_state), seed=7)
    got["upsells"] = got["upsells"].cumsum(axis=1)
    steps = np.arange(1, VALUE_MONTHS + 1) * k
    for name, f in per_state.items():
        mean, var = chain_moments(expm(q / k), start, steps, f)
        former, _ = chain_moments(first_order_step(q, 1.0 / k), start, steps, f)
        se = np.sqrt(VALUE_N * var / VALUE_RUNS)
        observed = got[name].mean(axis=0)
        assert_within(observed, VALUE_N * mean, se, what=f"value chain {name} at {k} steps a month")
        worst = int(np.argmax(np.abs(former - mean) / se))
        assert_differs(
            observed[worst],
            VALUE_N * former[worst],
            se[worst],
            what=f"value chain {name} at {k} steps a month, month {worst + 1}, vs former scheme",
        )
