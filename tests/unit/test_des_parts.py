"""Unit tests of the agent model's parts: the month books, buffered draws, exact accounting."""

from __future__ import annotations

import math

import numpy as np

from flysim.engines.des.draws import Draws
from flysim.engines.des.ledger import Ledger
from flysim.engines.des.world import World
from flysim.metrics.names import RAW_INDEX
from flysim.model import compile_rates
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH

D = DAYS_PER_MONTH


def test_revenue_accrual_splits_exactly_at_month_boundaries() -> None:
    books = Ledger(3)
    books.accrue(D / 2, 100.0)  # half a month at 100
    books.accrue(1.5 * D, 300.0)  # then a month at 300, across the boundary
    books.accrue(3 * D, 0.0)
    rev = books.raw[:, RAW_INDEX["revenue"]]
    np.testing.assert_allclose(rev, [50.0 + 150.0, 150.0, 0.0])


def test_an_event_on_a_boundary_belongs_to_the_next_month() -> None:
    books = Ledger(2)
    assert books.month_of(D - 1e-9) == 0
    assert books.month_of(D) == 1
    assert books.month_of(5 * D) == 1  # clipped to the horizon


def test_buffered_draws_reproduce_the_generators_sequence() -> None:
    d = Draws(np.random.default_rng(3), block=4)
    got = [d.uniform() for _ in range(10)]
    ref = np.random.default_rng(3)
    expected = np.concatenate([ref.random(4), ref.random(4), ref.random(4)])[:10]
    np.testing.assert_array_equal(got, expected)
    assert d.exponential(math.inf) == 0.0


def _closed_scenario(**engage: float) -> Scenario:
    return Scenario.model_validate(
        {
            "scenario": {"name": "closed"},
            "initial": {"customers": 10},
            "revenue": {"gross_margin": 0.5, "tiers": [{"name": "a", "mrr": 100.0}]},
            "engage": engage,
            "costs": {"stack_per_month": 70.0},
        }
    )


def test_a_closed_population_without_hazards_is_exactly_accounted() -> None:
    raw, _ = World(compile_rates(_closed_scenario()), seed=1, run=0, months=4).run()
    col = RAW_INDEX
    np.testing.assert_array_equal(raw[:, col["healthy"]], 10)
    np.testing.assert_array_equal(raw[:, col["customers_start"]], 10)
    np.testing.assert_allclose(raw[:, col["mrr"]], 1000.0)
    np.testing.assert_allclose(raw[:, col["revenue"]], 1000.0)
    np.testing.assert_allclose(raw[:, col["spend_stack"]], 70.0)
    assert raw[:, col["churned"]].sum() == 0


def test_churn_removes_customers_and_their_mrr() -> None:
    raw, _ = World(
        compile_rates(_closed_scenario(churn_per_month={"healthy": 0.5, "at_risk": 0.5})),
        seed=2,
        run=0,
        months=6,
    ).run()
    col = RAW_INDEX
    churned = raw[:, col["churned"]]
    customers = raw[:, col["healthy"]]
    np.testing.assert_array_equal(customers, 10 - np.cumsum(churned))
    np.testing.assert_allclose(raw[:, col["mrr"]], 100.0 * customers)
    np.testing.assert_array_equal(raw[1:, col["customers_start"]], customers[:-1])
    # Revenue lies between the month's end and start MRR.
    start_mrr = 100.0 * raw[:, col["customers_start"]]
    assert np.all(raw[:, col["revenue"]] <= start_mrr + 1e-9)
    assert np.all(raw[:, col["revenue"]] >= raw[:, col["mrr"]] - 1e-9)


def test_event_log_agrees_with_the_month_books(reference_scenario: Scenario) -> None:
    log: list[tuple] = []
    raw, n_events = World(compile_rates(reference_scenario), 5, 0, 6, log).run()
    assert n_events > 0
    col = RAW_INDEX
    times = np.array([row[2] for row in log])
    months = np.minimum((times / D).astype(int), 5)
    names = np.array([row[3] for row in log])
    channels = np.array([row[4] for row in log])
    for ch in ("paid", "organic", "referral"):
        counts = np.bincount(months[(names == "lead") & (channels == ch)], minlength=6)
        np.testing.assert_array_equal(counts, raw[:, col[f"leads_{ch}"]])
        conv = np.bincount(months[(names == "convert") & (channels == ch)], minlength=6)
        np.testing.assert_array_equal(conv, raw[:, col[f"new_customers_{ch}"]])
    churn = np.bincount(months[names == "churn"], minlength=6)
    np.testing.assert_array_equal(churn, raw[:, col["churned"]])
    trig = np.bincount(months[np.char.startswith(names.astype(str), "trigger:")], minlength=6)
    np.testing.assert_array_equal(trig, raw[:, col["trigger_actions"]])
