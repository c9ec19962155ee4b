"""Realised input draws match their laws and rank correlations within Monte Carlo error.

Tolerances are ``Z`` standard errors (``tests/stats.py``): the mean's SE is
``sd / sqrt(n)``; the sample sd's is ``sd sqrt((kurtosis - 1) / (4 n))`` (the delta
method on the sample variance, kurtosis not in excess); a Spearman correlation's
is ``sqrt(1.06 / (n - 3))`` on Fisher's z scale (Fieller, Hartley and Pearson
1957, for bivariate normal ranks, which a Gaussian copula gives).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from flysim.uncertainty.copula import correlation_from_spec
from flysim.uncertainty.draws import draw_inputs
from flysim.uncertainty.laws import parse_law
from tests.stats import assert_within

pytestmark = pytest.mark.statistical

N = 20_000
SEED = 20240101

LAWS = {
    "attract.paid.conversion": parse_law({"dist": "beta", "mean": 0.04, "sd": 0.01}),
    "attract.paid.cost_per_lead": parse_law(
        {"dist": "triangular", "low": 25, "mode": 30, "high": 45}
    ),
    "engage.churn.healthy": parse_law({"dist": "lognormal", "median": 0.008, "p95": 0.02}),
    "engage.churn.at_risk": parse_law({"dist": "lognormal", "mean": 0.06, "sd": 0.02}),
    "delight.reward": parse_law({"dist": "gamma", "mean": 50, "sd": 20}),
    "evolve.lift": parse_law({"dist": "normal", "mean": 0.02, "sd": 0.01}),
    "engage.triggers.risk_alert.success": parse_law({"dist": "uniform", "low": 0.1, "high": 0.5}),
}

PAIRS = [
    ("attract.paid.conversion", "attract.paid.cost_per_lead", -0.5),
    ("engage.churn.healthy", "engage.churn.at_risk", 0.7),
    ("engage.churn.at_risk", "delight.reward", -0.3),
]


@pytest.fixture(scope="module")
def drawn() -> dict[str, np.ndarray]:
    corr = correlation_from_spec([{"keys": [a, b], "rank": r} for a, b, r in PAIRS], LAWS)
    return draw_inputs(LAWS, corr, SEED, np.arange(N))


@pytest.mark.parametrize("key", list(LAWS))
def test_mean_and_sd_match_the_law(drawn: dict[str, np.ndarray], key: str) -> None:
    law, x = LAWS[key], drawn[key]
    sd = law.std()
    kurtosis = float(law.frozen.stats(moments="k")) + 3.0
    assert_within(x.mean(), law.mean(), sd / math.sqrt(N), what=f"{key} mean")
    assert_within(x.std(ddof=1), sd, sd * math.sqrt((kurtosis - 1) / (4 * N)), what=f"{key} sd")


@pytest.mark.parametrize("key", list(LAWS))
def test_median_matches_the_law(drawn: dict[str, np.ndarray], key: str) -> None:
    # The share of draws below the law's median is a binomial proportion of 1/2.
    below = float((drawn[key] < LAWS[key].median()).mean())
    assert_within(below, 0.5, math.sqrt(0.25 / N), what=f"{key} share below median")


@pytest.mark.parametrize(("a", "b", "rank"), PAIRS)
def test_rank_correlation_is_the_target(
    drawn: dict[str, np.ndarray], a: str, b: str, rank: float
) -> None:
    rho = float(stats.spearmanr(drawn[a], drawn[b]).statistic)
    assert_within(
        math.atanh(rho), math.atanh(rank), math.sqrt(1.06 / (N - 3)), what=f"rank({a}, {b})"
    )


def test_unlisted_pairs_are_independent(drawn: dict[str, np.ndarray]) -> None:
    # A pair not listed has correlation 0, inside a group (healthy and reward are
    # both tied to at_risk) as across groups and for free keys, as @RISK takes it.
    for a, b in [
        ("engage.churn.healthy", "delight.reward"),
        ("engage.triggers.risk_alert.success", "attract.paid.conversion"),
        ("engage.triggers.risk_alert.success", "evolve.lift"),
        ("attract.paid.cost_per_lead", "engage.churn.at_risk"),
    ]:
        rho = float(stats.spearmanr(drawn[a], drawn[b]).statistic)
        assert_within(math.atanh(rho), 0.0, math.sqrt(1.06 / (N - 3)), what=f"rank({a}, {b})")
