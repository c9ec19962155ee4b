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


def tier_probabilities(t: np.ndarray, steps_per_month: int | None) -> np.ndarray:
    """P(tier = i) at months ``t`` (rows), tiers in columns; the top tier absorbs.

    Continuous time: upsells are a Poisson process at ``u`` capped at the top,
    so the tier is ``min(Poisson(u t), top)``. The numpy core's step scheme
    allows at most one upsell a step, each step with probability
    ``1 - e^{-u dt}``: the tier is ``min(Binomial(t / dt, 1 - e^{-u dt}), top)``,
    which falls short of the Poisson's upper tail at first order in ``dt``.
    """
    below_top = np.arange(len(TIERS) - 1)
    t = np.asarray(t, dtype=float)[:, None]
    if steps_per_month is None:
        p = stats.poisson.pmf(below_top, UPSELL * t)
    else:
        steps = np.rint(t * steps_per_month)
        p = stats.binom.pmf(below_top, steps, -np.expm1(-UPSELL / steps_per_month))
    return np.column_stack([p, 1.0 - p.sum(axis=1)])


@pytest.mark.statistical
def test_mrr_follows_the_tier_chain(
    closed_result: flysim.SimulationResult, steps_per_month: int | None
) -> None:
    """Mean MRR = N x E[tier MRR], tier ~ min(Poisson(u t), top).

    SE: customers are independent, so Var(MRR) = N Var(one customer's MRR)
    exactly; the SE of the mean over runs is sqrt(N Var / runs). For the
    numpy core the bound adds its step scheme's computed bias
    (``tier_probabilities``): at most one upsell a step lowers the mean MRR by
    up to 1,300 at the default step, about 1 SE here.
    """
    t = np.arange(1, MONTHS + 1)
    probs = tier_probabilities(t, None)
    mrr_one = probs @ np.array(TIERS)
    var_one = probs @ np.array(TIERS) ** 2 - mrr_one**2
    upsells_one = probs[-1] @ np.arange(len(TIERS))
    var_upsells = probs[-1] @ np.arange(len(TIERS)) ** 2 - upsells_one**2
    mrr_step = upsells_step = 0.0
    if steps_per_month is not None:
        stepped = tier_probabilities(t, steps_per_month)
        mrr_step = N * np.abs(stepped @ np.array(TIERS) - mrr_one)
        upsells_step = N * abs(stepped[-1] @ np.arange(len(TIERS)) - upsells_one)

    observed = closed_result.metric("mrr").mean(axis=0)
    assert_within(
        observed,
        N * mrr_one,
        np.sqrt(N * var_one / RUNS),
        bias_bound=mrr_step,
        what="MRR by tier chain",
    )
    upsells = closed_result.metric("upsells").sum(axis=1).mean()
    assert_within(
        upsells,
        N * upsells_one,
        np.sqrt(N * var_upsells / RUNS),
        bias_bound=upsells_step,
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
