"""Each paid channel's leads and new customers follow its own rate, conversion and delay.

Three paid channels in an unlimited market (no saturation), no experiments:
channel ``c`` receives Poisson leads at ``L_c`` a month and each decides after
an exponential delay with mean ``d_c`` days, converting with ``p_c``. With no
lead open at t = 0, the decisions in month ``m`` (days ``[a, b)``) have mean

    L_c / D * ((b - a) - d_c * (exp(-a / d_c) - exp(-b / d_c)))

(``D`` = 30.4375 days a month; ``L_c`` at once when ``d_c`` = 0), and the new
customers ``p_c`` times that. Both engines are exact in expectation here (the
numpy core's entrant probability is exact for exponential delays), so the
bounds are Monte Carlo error alone: leads are Poisson (SE ``sqrt(mean /
runs)``), new customers use the sample SE.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import flysim
from flysim.units import DAYS_PER_MONTH
from tests import builders
from tests.stats import assert_within

MONTHS = 12
RUNS = {"des": 200, "mc": 600}

#: name: (leads a month, conversion, days to decide, how the leads are bought)
CHANNELS = {
    "search": (30.0, 0.3, 20.0, {"budget_per_month": 1500.0, "cost_per_lead": 50.0}),
    "social": (
        20.0,
        0.1,
        5.0,
        {"budget_per_month": 500.0, "leads_per_month": {"x": [0.0, 1000.0], "y": [0.0, 40.0]}},
    ),
    "display": (15.0, 0.5, 0.0, {"budget_per_month": 450.0, "cost_per_lead": 30.0}),
}


def _scenario() -> flysim.Scenario:
    paid = {
        name: {**buy, "conversion": conv, "days_to_decide": days}
        for name, (_, conv, days, buy) in CHANNELS.items()
    }
    return builders.scenario(
        builders.minimal(),
        scenario={"name": "paid-channels", "horizon_months": MONTHS},
        attract={"paid": paid},
    )


def _decisions(leads: float, days: float) -> np.ndarray:
    """Expected decisions per month of leads arriving at ``leads`` a month from t = 0."""
    a = np.arange(MONTHS) * DAYS_PER_MONTH
    b = a + DAYS_PER_MONTH
    if days == 0:
        return np.full(MONTHS, leads)
    return leads / DAYS_PER_MONTH * ((b - a) - days * (np.exp(-a / days) - np.exp(-b / days)))


@pytest.mark.statistical
def test_each_channel_follows_its_own_rate_and_conversion(engine: str) -> None:
    runs = RUNS[engine]
    result = flysim.simulate(_scenario(), runs=runs, seed=21, engine=engine, workers=1)
    frame = result.channels()
    assert list(frame["channel"].cat.categories) == list(CHANNELS)
    for name, (leads, conv, days, buy) in CHANNELS.items():
        mine = frame[frame["channel"] == name]
        counts = mine.pivot(index="run", columns="month", values="leads").to_numpy()
        assert_within(
            counts.mean(axis=0), leads, np.sqrt(leads / runs), what=f"{engine} {name} leads"
        )
        won = mine.pivot(index="run", columns="month", values="new_customers").to_numpy()
        se = won.std(axis=0, ddof=1) / math.sqrt(runs)
        expected = conv * _decisions(leads, days)
        assert_within(
            won.mean(axis=0), expected, se, what=f"{engine} {name} new customers", df=runs - 1
        )
        np.testing.assert_array_equal(mine["spend"].to_numpy(), buy["budget_per_month"])
