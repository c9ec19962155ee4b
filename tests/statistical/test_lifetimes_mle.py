"""Survival data from the event log recovers a known churn hazard.

A closed cohort of initial customers with one constant churn hazard ``c`` per
month and nothing else: lifetimes are exponential, right-censored at the
horizon. The maximum-likelihood rate is churned / total exposure; its
asymptotic standard error is ``c / sqrt(E[churned])`` (the inverse Fisher
information of the censored exponential), computed from the expected number
of churns ``n (1 - e^{-cT})``, not from the sample. No survival library is
needed for this check; docs/lifetimes.md does the same with lifelines.
"""

from __future__ import annotations

import numpy as np
import pytest

import flysim
from flysim.scenario.schema import Scenario
from tests.stats import assert_within

N, RUNS, C, MONTHS = 1500, 2, 0.1, 12


@pytest.mark.statistical
def test_exponential_mle_from_lifetimes_recovers_the_churn_hazard() -> None:
    scenario = Scenario.model_validate(
        {
            "scenario": {"name": "churn-only", "horizon_months": MONTHS},
            "initial": {"customers": N},
            "revenue": {"tiers": [{"name": "base", "mrr": 1.0}]},
            "engage": {"churn_per_month": {"healthy": C, "at_risk": 0.0}},
        }
    )
    result = flysim.simulate(scenario, runs=RUNS, seed=31, engine="des", events=True)
    table = flysim.lifetimes(result)
    assert len(table) == N * RUNS
    assert table["initial"].all()
    churned = int(table["churned"].sum())
    exposure = float(table["duration_months"].sum())
    expected_churned = N * RUNS * (1 - np.exp(-C * MONTHS))
    assert_within(
        churned / exposure,
        C,
        C / np.sqrt(expected_churned),
        what="exponential MLE of the churn hazard from flysim.lifetimes",
    )
    # the churn count itself is binomial: the log misses no one
    p = 1 - np.exp(-C * MONTHS)
    assert_within(churned, N * RUNS * p, np.sqrt(N * RUNS * p * (1 - p)), what="churned")
