"""EVPPI and EVPI against closed forms, within Monte Carlo standard errors.

The case: option 0 is worth 0, option 1 is worth ``theta + eps`` with ``theta ~
N(mu, sigma)`` and ``eps ~ N(0, tau)`` independent. Learning ``theta`` first is
worth ``EVPPI = E[max(theta, 0)] - max(mu, 0) = sigma phi(mu/sigma) + mu
Phi(mu/sigma) - max(mu, 0)``; learning both, ``EVPI`` is the same with
``s = sqrt(sigma^2 + tau^2)`` in place of ``sigma``.

Standard errors, to first order in the sample means (``mu > 0``): the estimate
is ``mean(max(g_hat, 0)) - mean(g_hat)``. The fitted ``g_hat`` is ``theta`` shifted
by the noise's sample mean (the spline's intercept absorbs it), which moves the
first term by ``P(theta > 0)`` times that mean and the second by all of it, so
the estimate's error is the mean of ``max(-theta, 0) - Phi(-mu/sigma) eps``
minus its expectation. EVPI's is the mean of ``max(-(theta + eps), 0)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from flysim.uncertainty.evppi import EvppiError, conditional_mean, evpi, evppi, evppi_table
from tests.stats import assert_within

N = 20_000
MU, SIGMA, TAU = 0.5, 1.0, 1.0


def _value_of_knowing(mu: float, s: float) -> float:
    return s * stats.norm.pdf(mu / s) + mu * stats.norm.cdf(mu / s) - max(mu, 0.0)


@pytest.fixture(scope="module")
def case() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240101)
    theta = rng.normal(MU, SIGMA, N)
    eps = rng.normal(0.0, TAU, N)
    irrelevant = rng.uniform(size=N)
    nb = np.column_stack([np.zeros(N), theta + eps])
    return {"nb": nb, "theta": theta, "eps": eps, "irrelevant": irrelevant}


def test_evppi_matches_the_closed_form(case: dict[str, np.ndarray]) -> None:
    theta, eps = case["theta"], case["eps"]
    expected = _value_of_knowing(MU, SIGMA)
    terms = np.maximum(-theta, 0.0) - stats.norm.cdf(-MU / SIGMA) * eps
    se = float(terms.std(ddof=1) / math.sqrt(N))
    estimate = evppi(case["nb"], theta)
    assert_within(estimate, expected, se, what="EVPPI(theta)")


def test_evpi_matches_the_closed_form(case: dict[str, np.ndarray]) -> None:
    x = case["theta"] + case["eps"]
    se = float(np.maximum(-x, 0.0).std(ddof=1) / math.sqrt(N))
    expected = _value_of_knowing(MU, math.hypot(SIGMA, TAU))
    assert_within(evpi(case["nb"]), expected, se, what="EVPI")


def test_a_long_tailed_input_is_fitted_on_its_ranks() -> None:
    # theta = exp(1.5 z) and NB_1 = log(theta) - 0.3 + eps: the same closed form
    # with mean -0.3 and sd 1.5, whatever the tail of theta itself. With a
    # negative mean the option's mean term is 0, and the noise's sample mean
    # moves the first term by P(NB_1's fit > 0) times itself.
    rng = np.random.default_rng(11)
    z, eps = rng.standard_normal((2, N))
    nb = np.column_stack([np.zeros(N), 1.5 * z - 0.3 + eps])
    terms = np.maximum(1.5 * z - 0.3, 0.0) + stats.norm.sf(0.3 / 1.5) * eps
    se = float(terms.std(ddof=1) / math.sqrt(N))
    expected = _value_of_knowing(-0.3, 1.5)
    assert_within(evppi(nb, np.exp(1.5 * z)), expected, se, what="EVPPI(lognormal theta)")


def test_an_irrelevant_input_is_worth_nothing(case: dict[str, np.ndarray]) -> None:
    # Its fitted increments are flat at their mean, so the estimate is ~0; allow
    # the noise of a spline that wiggles: Z SE of a mean of NB_1.
    se = float(case["nb"][:, 1].std() / math.sqrt(N))
    assert 0.0 <= evppi(case["nb"], case["irrelevant"]) <= 4 * se


def test_table_orders_inputs_and_carries_evpi(case: dict[str, np.ndarray]) -> None:
    inputs = {"irrelevant": case["irrelevant"], "theta": case["theta"]}
    table = evppi_table(case["nb"], inputs)
    assert list(table.input) == ["theta", "irrelevant"]
    assert table.attrs["evpi"] == pytest.approx(evpi(case["nb"]))
    assert table.attrs["runs"] == N
    assert table.evppi.iloc[0] <= table.attrs["evpi"]
    assert table.share_of_evpi.iloc[0] == pytest.approx(table.evppi.iloc[0] / table.attrs["evpi"])


def test_three_options() -> None:
    # Options 0, theta and -theta with theta ~ N(0, 1): knowing theta is worth E|theta|.
    rng = np.random.default_rng(7)
    n = 5000
    theta = rng.standard_normal(n)
    nb = np.column_stack([np.zeros(n), theta, -theta])
    # Noise-free, the estimate is the sample's own value up to the spline's error.
    in_sample = float(np.abs(theta).mean() - abs(theta.mean()))
    assert evppi(nb, theta) == pytest.approx(in_sample, abs=2e-3)
    se = float(np.abs(theta).std(ddof=1) / math.sqrt(n))
    assert_within(
        in_sample, math.sqrt(2 / math.pi), se, what="E|theta|", bias_bound=4 / math.sqrt(n)
    )


def test_a_discrete_input_uses_its_group_means() -> None:
    # theta in {0, 1}: E[NB_1 | theta] = 2 theta - 1, so knowing theta is worth 1/2.
    rng = np.random.default_rng(8)
    n = 4000
    theta = rng.integers(0, 2, n).astype(float)
    nb = np.column_stack([np.zeros(n), 2 * theta - 1 + rng.standard_normal(n)])
    g = conditional_mean(nb[:, 1], theta)
    for value in (0.0, 1.0):
        assert np.allclose(g[theta == value], nb[theta == value, 1].mean())
    # 1/2 P(theta = 1) is estimated by half the ones' share; the option's mean by NB's.
    se = math.hypot(0.5 * math.sqrt(0.25 / n), float(nb[:, 1].std() / math.sqrt(n)))
    assert_within(evppi(nb, theta), 0.5, se, what="EVPPI(binary theta)")


def test_ties_never_split_between_groups() -> None:
    rng = np.random.default_rng(9)
    # Split ties would give two groups the same mean theta, which the spline refuses.
    theta = np.round(rng.standard_normal(3000), 1)  # about 60 distinct values
    y = theta**2 + rng.standard_normal(3000)
    g = conditional_mean(y, theta, groups=20)
    for value in np.unique(theta):
        assert np.ptp(g[theta == value]) == 0


@pytest.mark.parametrize(
    ("nb", "theta", "words"),
    [
        (np.zeros(50), np.zeros(50), "runs x options"),
        (np.zeros((50, 1)), np.zeros(50), "at least 2 options"),
        (np.full((50, 2), np.nan), np.zeros(50), "NaN"),
        (np.zeros((10, 2)), np.zeros(10), "at least 20 runs"),
        (np.zeros((50, 2)), np.zeros(40), "40 values but there are 50"),
        (np.zeros((50, 2)), np.full(50, np.inf), "infinite"),
    ],
)
def test_unusable_data_fail_in_one_sentence(nb: np.ndarray, theta: np.ndarray, words: str) -> None:
    with pytest.raises(EvppiError, match=words):
        evppi(nb, theta)


def test_table_needs_inputs() -> None:
    with pytest.raises(EvppiError, match="no uncertain inputs"):
        evppi_table(np.zeros((50, 2)), {})
