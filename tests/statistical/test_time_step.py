"""The numpy core's time-step bias, measured against closed forms and finer steps.

The numpy core (``engine="mc"``) advances in fixed steps of ``dt = 30.4375 /
steps_per_month`` days. Two of its documented approximations bias results at
first order in ``dt``:

- arrival rates are held at their value at the step's start, so in a Bass
  diffusion adoption lags while the imitation rate rises (and overshoots as it
  saturates);
- a customer has at most one event a step, so a second event (turning at
  risk, then churning) waits for the next step, and lifetimes lengthen.

For both, the step scheme's own expectation has a closed form
(``bass_stepped``, ``stepped_lifetime_mean`` in ``test_oracles``). These tests
measure the engine at its default step and at 2x and 4x finer steps, check it
follows its scheme's expectation within Monte Carlo error at every step, that
the default step's distance from the model's closed form is within the SE plus
that computed allowance, and that the bias falls with the step at first order.
The measured biases are logged (``--log-cli-level=INFO``): docs/model.md quotes
them.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from flysim.engines.mc import DEFAULT_STEPS_PER_MONTH, MCEngine
from flysim.metrics.derive import derive_metrics
from flysim.metrics.names import METRICS
from flysim.scenario.schema import Scenario
from tests.statistical.test_oracles import (
    BASS_M,
    BASS_MONTHS,
    BASS_P,
    BASS_Q,
    CHAIN_MONTHS,
    CHAIN_N,
    CHURN_AT_RISK,
    CHURN_HEALTHY,
    HAZARD_C,
    RECOVERY,
    RISK,
    _closed_cohort,
    bass_chain_mean,
    bass_curve,
    bass_scenario,
    bass_stepped,
    stepped_lifetime_mean,
    transient_generator,
    truncated_lifetime_moments,
)
from tests.stats import Z, assert_differs, assert_within, critical_value, sample_mean_se

log = logging.getLogger("flysim.tests.time_step")

#: The default step and two finer ones.
STEPS = (DEFAULT_STEPS_PER_MONTH, 2 * DEFAULT_STEPS_PER_MONTH, 4 * DEFAULT_STEPS_PER_MONTH)
BASS_RUNS = 1000
#: 60 months leave ~1e-4 of the cohort, which the truncated forms count exactly.
CHAIN_RUNS, CHAIN_HORIZON = 60, 60
HEALTHY_START = np.array([1.0, 0.0])


def _metric(
    scenario: Scenario, steps_per_month: int, runs: int, months: int, name: str, seed: int
) -> np.ndarray:
    """``runs x months`` of one metric from the numpy core at a given step."""
    block = MCEngine(steps_per_month=steps_per_month).run_block(scenario, seed, range(runs), months)
    return derive_metrics(block.raw, scenario)[:, :, METRICS.index(name)]


# -- the step schemes' expectations, exactly ----------------------------------------


def test_stepped_lifetime_of_one_state_is_second_order() -> None:
    """Exact: with one state, the scheme's revenue trapezoid gives ``dt / (1 - e^{-c dt}) - dt/2``,
    which is ``1/c + c dt² / 12 + O(dt⁴)``: no first-order bias."""
    c = HAZARD_C
    for k in STEPS:
        dt = 1.0 / k
        stepped = stepped_lifetime_mean(np.array([[-c]]), np.ones(1), 200.0, k)
        assert stepped == pytest.approx(dt / -np.expm1(-c * dt) - dt / 2, rel=1e-12)
        assert stepped - 1 / c == pytest.approx(c * dt**2 / 12, rel=1e-2)


@pytest.mark.parametrize("which", ["bass", "chain"])
def test_step_scheme_bias_is_first_order(which: str) -> None:
    """Exact: the schemes' biases halve when the step halves (``k b(k)`` converges)."""
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)

    def bias(k: int) -> float:
        if which == "bass":
            curve = bass_curve(BASS_M, BASS_P, BASS_Q, t)
            return float(np.max(np.abs(bass_stepped(BASS_M, BASS_P, BASS_Q, t, k) - curve)))
        exact, _ = truncated_lifetime_moments(transient_generator(), HEALTHY_START, CHAIN_MONTHS)
        return stepped_lifetime_mean(transient_generator(), HEALTHY_START, CHAIN_MONTHS, k) - exact

    # First order, b(k) = a / k + O(1/k²): k b(k) tends to a != 0, its changes
    # halving with each halving of the step.
    scaled = np.array([k * bias(k) for k in (5, 10, 20, 40, 80)])
    changes = np.abs(np.diff(scaled))
    assert np.all(changes[1:] < 0.6 * changes[:-1])
    assert changes[-1] < 0.02 * abs(scaled[-1])
    log.info("%s: steps a month x bias, k = 5..80: %s", which, np.array2string(scaled, precision=4))


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
        customers = _metric(bass_scenario(), k, BASS_RUNS, BASS_MONTHS, "customers", seed=1969)
        out[k] = sample_mean_se(customers)
    return out


@pytest.mark.statistical
def test_bass_default_step_within_se_and_allowance(
    bass_runs: dict[int, tuple[np.ndarray, np.ndarray, int]],
    bass_exact: tuple[np.ndarray, np.ndarray],
) -> None:
    """At the default step, mean adopters are within the SE plus the stated allowance of Bass.

    Allowance = the scheme's computed lag ``|bass_stepped - bass_curve|``
    plus the finite market's ``|bass_chain_mean - bass_curve|`` (under 2).
    """
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    curve, exact = bass_exact
    k = DEFAULT_STEPS_PER_MONTH
    allowance = np.abs(bass_stepped(BASS_M, BASS_P, BASS_Q, t, k) - curve)
    mean, se, df = bass_runs[k]
    log.info(
        "Bass, %d steps a month: allowance max %.1f adopters (%.2f%% of M) at month %d",
        k,
        allowance.max(),
        100 * allowance.max() / BASS_M,
        int(np.argmax(allowance)) + 1,
    )
    assert_within(
        mean,
        curve,
        se,
        df=df,
        bias_bound=allowance + np.abs(exact - curve),
        what=f"Bass N(t) at the default step ({k} a month)",
    )


@pytest.mark.statistical
def test_bass_bias_follows_the_step_scheme_and_shrinks(
    bass_runs: dict[int, tuple[np.ndarray, np.ndarray, int]],
    bass_exact: tuple[np.ndarray, np.ndarray],
) -> None:
    """At every step the measured bias is the scheme's; the default's exceeds the finest's.

    Measured bias = mean adopters - the finite market's exact mean
    (``bass_chain_mean``). At each step it must equal the scheme's computed
    bias ``bass_stepped - bass_curve`` within ``critical_value(df) * SE`` plus
    the finite-market term (the recursion is the infinite-market mean), so
    the measured bias shrinks as the scheme's does, at first order
    (``test_step_scheme_bias_is_first_order``). At the peak month the default
    step's bias must exceed the finest step's by more than Z combined SEs:
    the measurement resolves the shrinking.
    """
    t = np.arange(1, BASS_MONTHS + 1, dtype=float)
    curve, exact = bass_exact
    finite_market = np.abs(exact - curve)
    measured = {}
    for k, (mean, se, df) in bass_runs.items():
        measured[k] = mean - exact
        predicted = bass_stepped(BASS_M, BASS_P, BASS_Q, t, k) - curve
        worst = int(np.argmax(np.abs(measured[k])))
        log.info(
            "Bass, %d steps a month (dt %.2f days): measured bias %s adopters; "
            "largest %.1f (%.2f%% of M) at month %d, SE %.2f; scheme predicts %.1f",
            k,
            30.4375 / k,
            np.array2string(measured[k], precision=1),
            measured[k][worst],
            100 * measured[k][worst] / BASS_M,
            worst + 1,
            se[worst],
            predicted[worst],
        )
        assert_within(
            measured[k],
            predicted,
            se,
            df=df,
            bias_bound=finite_market,
            what=f"Bass bias at {k} steps a month vs the step scheme's",
        )

    coarse, fine = STEPS[0], STEPS[-1]
    peak = int(np.argmax(np.abs(measured[coarse])))
    se_diff = np.hypot(bass_runs[coarse][1][peak], bass_runs[fine][1][peak])
    gap = abs(measured[coarse][peak]) - abs(measured[fine][peak])
    log.info(
        "Bass bias at month %d: %.1f (%d/month), %.1f (%d/month), %.1f (%d/month)",
        peak + 1,
        *(v for k in STEPS for v in (measured[k][peak], k)),
    )
    crit = critical_value(bass_runs[coarse][2])
    assert gap > crit * se_diff, (
        f"bias does not shrink with the step: month {peak + 1}, |bias| {coarse}/month "
        f"{abs(measured[coarse][peak]):.2f}, {fine}/month {abs(measured[fine][peak]):.2f}, "
        f"SE of the difference {se_diff:.2f}"
    )


# -- Two-state chain: lifetimes lengthen when second events wait a step -----------------


@pytest.mark.statistical
def test_chain_lifetime_bias_follows_the_step_scheme_and_shrinks() -> None:
    """Mean lifetime from healthy at each step: the scheme's, and converging to ``(-T)^-1 1``.

    Mean lifetime per customer = cumulative revenue / customers (one tier at
    an MRR of 1, as in ``test_oracles``), one value per run; SE = sample sd
    over runs / sqrt(runs), Student-t critical value. At each step it must
    equal ``stepped_lifetime_mean`` within that bound, and at the default
    step it must differ from the continuous-time mean by more than Z SEs (the
    test resolves the bias); the bias must shrink from the default to the
    finest step by more than Z combined SEs.
    """
    scenario = _closed_cohort(
        CHAIN_N,
        CHAIN_HORIZON,
        risk_per_month=RISK,
        recovery_per_month=RECOVERY,
        churn_per_month={"healthy": CHURN_HEALTHY, "at_risk": CHURN_AT_RISK},
    )
    exact, _ = truncated_lifetime_moments(transient_generator(), HEALTHY_START, CHAIN_HORIZON)
    bias, ses = {}, {}
    for k in STEPS:
        revenue = _metric(scenario, k, CHAIN_RUNS, CHAIN_HORIZON, "revenue", seed=2)
        mean, se, df = sample_mean_se(revenue.sum(axis=1) / CHAIN_N)
        predicted = stepped_lifetime_mean(transient_generator(), HEALTHY_START, CHAIN_HORIZON, k)
        bias[k], ses[k] = float(mean) - exact, float(se)
        log.info(
            "two-state chain, %d steps a month: mean lifetime %.4f months, exact %.4f, "
            "measured bias %+.4f (%+.2f%%), SE %.4f; scheme predicts %+.4f",
            k,
            mean,
            exact,
            bias[k],
            100 * bias[k] / exact,
            se,
            predicted - exact,
        )
        assert_within(
            mean, predicted, se, df=df, what=f"chain lifetime at {k} steps a month vs the scheme"
        )
        if k == DEFAULT_STEPS_PER_MONTH:
            assert_differs(
                mean, exact, se, df=df, what="chain lifetime at the default step vs (-T)^-1 1"
            )
    coarse, fine = STEPS[0], STEPS[-1]
    se_diff = np.hypot(ses[coarse], ses[fine])
    assert abs(bias[coarse]) - abs(bias[fine]) > Z * se_diff, (
        f"chain bias does not shrink: {bias[coarse]:.4f} at {coarse}/month, "
        f"{bias[fine]:.4f} at {fine}/month, SE of the difference {se_diff:.4f}"
    )
