"""Lead arrivals and experiments against their Poisson closed forms.

The organic channel's rate grows continuously, ``L (1 + g)^(t / month)``; the
agent model samples it by thinning, so the expected leads in month ``m`` are
the integral ``L ((1+g)^m - (1+g)^(m-1)) / ln(1+g)``, not a stepped value. A
stepped sampler (rate frozen at the month's start) would fall short by about
``g / 2`` of a month's leads, which these bounds resolve.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import flysim
from flysim.scenario.schema import Scenario
from tests import builders
from tests.stats import assert_differs, assert_within

RUNS = 100
MONTHS = 12


def _scenario(**sections: dict) -> Scenario:
    return builders.scenario(
        builders.minimal(), scenario={"name": "arrivals", "horizon_months": MONTHS}, **sections
    )


@pytest.mark.statistical
def test_organic_growth_is_integrated_not_stepped(engine: str) -> None:
    """Mean organic leads per month equal the integral of the growing rate.

    SE: Poisson counts have variance equal to their mean, so the SE of the
    mean over runs is ``sqrt(expected / runs)`` (exact, no sample estimate).
    """
    rate, growth = 200.0, 0.10
    scenario = _scenario(
        attract={
            "organic": {"leads_per_month": rate, "growth_per_month": growth, "conversion": 0.0}
        }
    )
    result = flysim.simulate(scenario, runs=RUNS, seed=11, engine=engine)
    observed = result.metric("leads_organic").mean(axis=0)
    m = np.arange(1, MONTHS + 1)
    expected = rate * ((1 + growth) ** m - (1 + growth) ** (m - 1)) / math.log1p(growth)
    se = np.sqrt(expected / RUNS)
    assert_within(observed, expected, se, what="organic leads per month")
    stepped = rate * (1 + growth) ** (m - 1)
    assert_differs(observed[-3:], stepped[-3:], se[-3:], what="organic leads vs a stepped rate")


@pytest.mark.statistical
def test_paid_leads_and_experiments_are_poisson(engine: str) -> None:
    """Paid leads arrive at budget / cost per lead; experiments win at rate x win rate.

    SE: exact Poisson, ``sqrt(mean / runs)`` per month.
    """
    scenario = _scenario(
        attract={
            "paid": {
                "budget_per_month": 3000.0,
                "cost_per_lead": 20.0,
                "conversion": 0.0,
                "days_to_decide": 5.0,
            }
        },
        evolve={"experiments_per_month": 6.0, "win_rate": 0.25, "uplift_per_win": 0.01},
    )
    result = flysim.simulate(scenario, runs=RUNS, seed=12, engine=engine)
    leads = result.metric("leads_paid").mean(axis=0)
    assert_within(leads, 150.0, math.sqrt(150.0 / RUNS), what="paid leads per month")
    won = result.metric("experiments_won").mean(axis=0)
    assert_within(won, 1.5, math.sqrt(1.5 / RUNS), what="experiments won per month")
    np.testing.assert_array_equal(result.metric("spend_paid"), 3000.0)
