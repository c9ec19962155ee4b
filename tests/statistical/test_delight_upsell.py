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

import flysim
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH
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


@pytest.mark.statistical
def test_mrr_follows_the_tier_chain(closed_result: flysim.SimulationResult) -> None:
    """Mean MRR = N x E[tier MRR], tier ~ min(Poisson(u t), top).

    SE: customers are independent, so Var(MRR) = N Var(one customer's MRR)
    exactly; the SE of the mean over runs is sqrt(N Var / runs).
    """
    t = np.arange(1, MONTHS + 1)[:, None]
    p = stats.poisson.pmf(np.arange(len(TIERS) - 1), UPSELL * t)
    probs = np.column_stack([p, 1.0 - p.sum(axis=1)])
    mean_one = probs @ np.array(TIERS)
    var_one = probs @ np.array(TIERS) ** 2 - mean_one**2
    observed = closed_result.metric("mrr").mean(axis=0)
    assert_within(observed, N * mean_one, np.sqrt(N * var_one / RUNS), what="MRR by tier chain")
    upsells = closed_result.metric("upsells").sum(axis=1).mean()
    expected_upsells = N * (probs[-1] @ np.arange(len(TIERS)))
    se = np.sqrt(N * (probs[-1] @ np.arange(len(TIERS)) ** 2 - (expected_upsells / N) ** 2) / RUNS)
    assert_within(upsells, expected_upsells, se, what="upsells over the horizon")


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
