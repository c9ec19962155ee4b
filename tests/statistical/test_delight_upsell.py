"""Upsell through tiers, NPS categories and the referral ask against closed forms.

A closed, always-healthy population (no churn, no risk, no acquisition) makes
each customer's path independent and simple: its tier follows a pure-birth
chain at the upsell hazard ``u`` (Poisson counts capped at the top tier), its
NPS category is drawn once from ``nps.healthy``, and a promoter is asked at
hazard ``1 / ask_after_days`` and accepts with ``ask_accept``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import expm

import flysim
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH
from tests.statistical.closed_forms import value_chain_generator
from tests.stats import assert_within, binomial_se

N, RUNS, MONTHS = 1000, 20, 12
TIERS = (50.0, 150.0, 500.0)
UPSELL = 0.1
SHARES = {"promoter": 0.6, "passive": 0.3, "detractor": 0.1}
ASK_DAYS, ACCEPT = 60.0, 0.4


@pytest.fixture
def closed_result(engine: str) -> flysim.SimulationResult:
    scenario = Scenario.model_validate(
        {
            "scenario": {"name": "closed", "horizon_months": MONTHS},
            "initial": {"customers": N},
            "revenue": {
                "tiers": [{"name": f"t{i}", "mrr": m} for i, m in enumerate(TIERS)],
            },
            "engage": {"upsell_per_month": UPSELL},
            "delight": {
                "nps": {"healthy": SHARES, "at_risk": SHARES},
                "ask_after_days": ASK_DAYS,
                "ask_accept": ACCEPT,
            },
        }
    )
    return flysim.simulate(scenario, runs=RUNS, seed=21, engine=engine)


def tier_probabilities(t: np.ndarray) -> np.ndarray:
    """P(tier = i) at months ``t`` (rows), tiers in columns; the top tier absorbs.

    Upsells are a Poisson process at ``u`` capped at the top, so the tier is
    ``min(Poisson(u t), top)``. Both engines follow it exactly: the numpy core
    moves customers with the chain's exact step probabilities, several
    upsells in a step included.
    """
    below_top = np.arange(len(TIERS) - 1)
    p = stats.poisson.pmf(below_top, UPSELL * np.asarray(t, dtype=float)[:, None])
    return np.column_stack([p, 1.0 - p.sum(axis=1)])


def test_tier_law_is_the_value_chain_without_risk_or_churn() -> None:
    """Exact: the capped Poisson equals the value chain's tier law (``value_chain_generator``
    with no risk and no churn), so the two closed forms check each other."""
    t = np.arange(1, MONTHS + 1)
    tiers = len(TIERS)
    q = value_chain_generator(0.0, 0.0, 0.0, 0.0, UPSELL, tiers)
    start = np.eye(3 * tiers)[0]
    chain = np.array([start @ expm(q * month) for month in t])[:, :tiers]
    np.testing.assert_allclose(chain, tier_probabilities(t), rtol=0, atol=1e-12)


@pytest.mark.statistical
def test_mrr_follows_the_tier_chain(closed_result: flysim.SimulationResult) -> None:
    """Mean MRR = N x E[tier MRR] and upsells = N x E[tier], tier ~ min(Poisson(u t), top).

    SE: customers are independent, so Var(MRR) = N Var(one customer's MRR)
    exactly; the SE of the mean over runs is sqrt(N Var / runs). No step
    allowance for the numpy core: its customers move with the chain's exact
    step probabilities (``test_time_step.py`` checks the same chain, with
    risk and churn, at one step a month).
    """
    probs = tier_probabilities(np.arange(1, MONTHS + 1))
    mrr_one = probs @ np.array(TIERS)
    var_one = probs @ np.array(TIERS) ** 2 - mrr_one**2
    upsells_one = probs[-1] @ np.arange(len(TIERS))
    var_upsells = probs[-1] @ np.arange(len(TIERS)) ** 2 - upsells_one**2

    observed = closed_result.metric("mrr").mean(axis=0)
    assert_within(observed, N * mrr_one, np.sqrt(N * var_one / RUNS), what="MRR by tier chain")
    upsells = closed_result.metric("upsells").sum(axis=1).mean()
    assert_within(
        upsells,
        N * upsells_one,
        np.sqrt(N * var_upsells / RUNS),
        what="upsells over the horizon",
    )


@pytest.mark.statistical
def test_nps_categories_and_advocates(closed_result: flysim.SimulationResult) -> None:
    """Promoters ~ Binomial(N, p); advocates ~ Binomial(N, p a (1 - e^(-t/d))).

    SE: exact binomial, pooled over runs (N x runs trials).
    """
    trials = N * RUNS
    for name, share in (("promoters", 0.6), ("passives", 0.3), ("detractors", 0.1)):
        observed = closed_result.metric(name).mean(axis=0) / N
        assert_within(observed, share, binomial_se(share, trials), what=name)
    t_days = np.arange(1, MONTHS + 1) * DAYS_PER_MONTH
    p_adv = SHARES["promoter"] * ACCEPT * (1 - np.exp(-t_days / ASK_DAYS))
    observed = closed_result.metric("advocates").mean(axis=0) / N
    assert_within(observed, p_adv, binomial_se(p_adv, trials), what="advocates")
    # Each customer scores +100, 0 or -100: variance 100^2 (p + d) - (100 (p - d))^2.
    p, d = SHARES["promoter"], SHARES["detractor"]
    var_one = 1e4 * (p + d) - (100 * (p - d)) ** 2
    nps = closed_result.metric("nps").mean(axis=0)
    assert_within(nps, 100 * (p - d), np.sqrt(var_one / trials), what="nps")
