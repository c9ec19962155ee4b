"""Reproducibility: a run's numbers depend on the seed and its index, nothing else.

These are exact checks (docs/model.md, "Randomness"), on every engine: every
run draws from named streams keyed by ``SeedSequence(seed, spawn_key=(run,
crc32(name)))``, so neither the number of runs, nor the chunking, nor the
workers change a run; and two scenarios run with the same seed share their
streams. The numpy core keeps no event log (``events=True`` raises), so the
event-log checks are the agent model's alone.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import flysim
from flysim.io import RUNS_FILE
from flysim.scenario.schema import Scenario

#: Every mechanism on, with the shared reference scenario's values (and churn
#: heterogeneity, so the Gamma draws are covered too).
REFERENCE: dict[str, Any] = {
    "scenario": {"name": "reproducibility", "horizon_months": 12},
    "market": {"size": 20000},
    "initial": {"customers": 40, "advocates": 4},
    "revenue": {
        "gross_margin": 0.8,
        "tiers": [
            {"name": "starter", "mrr": 49.0},
            {"name": "pro", "mrr": 149.0},
            {"name": "business", "mrr": 499.0},
        ],
    },
    "attract": {
        "paid": {
            "budget_per_month": 1500.0,
            "cost_per_lead": 30.0,
            "conversion": 0.04,
            "days_to_decide": 21.0,
        },
        "organic": {
            "leads_per_month": 80.0,
            "growth_per_month": 0.04,
            "leads_per_promoter_per_month": 0.1,
            "cost_per_month": 300.0,
            "conversion": 0.06,
            "days_to_decide": 30.0,
        },
        "referral": {"conversion": 0.25, "days_to_decide": 10.0},
    },
    "engage": {
        "days_to_value": 28.0,
        "onboarding_churn_per_month": 0.08,
        "risk_per_month": 0.06,
        "recovery_per_month": 0.2,
        "churn_per_month": {"healthy": 0.008, "at_risk": 0.06},
        "churn_heterogeneity": 0.5,
        "upsell_per_month": 0.03,
        "health": {
            "logins_per_week": {"healthy": 4.0, "at_risk": 1.2},
            "feature_usage": {"healthy": 0.65, "at_risk": 0.35},
            "feature_usage_concentration": 10.0,
            "tickets_per_month": {"healthy": 0.8, "at_risk": 2.5},
            "payment_delay": {"healthy": 0.01, "at_risk": 0.08},
        },
        "triggers": {
            "risk_alert": {"logins_below": 2, "cost": 15.0, "success": 0.3},
            "education": {"usage_below": 0.5, "cost": 2.0, "success": 0.15},
            "escalation": {"tickets_above": 3, "cost": 40.0, "success": 0.4},
            "retention": {"cost": 25.0, "success": 0.35},
        },
    },
    "delight": {
        "nps": {
            "healthy": {"promoter": 0.55, "passive": 0.35, "detractor": 0.1},
            "at_risk": {"promoter": 0.1, "passive": 0.4, "detractor": 0.5},
        },
        "ask_after_days": 90.0,
        "ask_accept": 0.4,
        "referrals_per_advocate_per_month": 0.15,
        "reward": 50.0,
    },
    "evolve": {
        "experiments_per_month": 2.0,
        "win_rate": 0.3,
        "uplift_per_win": 0.02,
        "cost_per_experiment": 100.0,
    },
    "costs": {"stack_per_month": 200.0, "onboarding_per_customer": 30.0},
}

SCENARIO = Scenario.model_validate(REFERENCE)


def _same(a: flysim.SimulationResult, b: flysim.SimulationResult) -> bool:
    return a.metrics == b.metrics and np.array_equal(a.data, b.data, equal_nan=True)


def _keeps_events(engine: str) -> bool:
    """Whether the engine has an event log to compare (the numpy core keeps counts only)."""
    return engine == "des"


def test_same_seed_same_result(engine: str) -> None:
    events = _keeps_events(engine)
    a = flysim.simulate(SCENARIO, runs=3, seed=11, engine=engine, events=events)
    b = flysim.simulate(SCENARIO, runs=3, seed=11, engine=engine, events=events)
    assert np.isnan(a.data).any()  # the NaN positions are part of what must match
    assert _same(a, b)
    if events:
        pd.testing.assert_frame_equal(a.events, b.events)


def test_another_seed_another_result(engine: str) -> None:
    a = flysim.simulate(SCENARIO, runs=3, seed=11, engine=engine)
    b = flysim.simulate(SCENARIO, runs=3, seed=12, engine=engine)
    assert not np.array_equal(a.data, b.data, equal_nan=True)
    # Each run differs, not just one: runs are not shared between seeds.
    for run in range(3):
        assert not np.array_equal(a.data[run], b.data[run], equal_nan=True)


def test_runs_are_independent_of_run_count(engine: str) -> None:
    """3 runs equal the first 3 of 7 (simulated in chunks of 2), and the other 4 are new."""
    few = flysim.simulate(SCENARIO, runs=3, seed=5, engine=engine)
    many = flysim.simulate(SCENARIO, runs=7, seed=5, engine=engine, chunk_size=2)
    assert np.array_equal(many.data[:3], few.data, equal_nan=True)
    for run in range(3, 7):
        assert not np.array_equal(many.data[run], few.data[run % 3], equal_nan=True)


PARQUET_RUNS = 6
#: (workers, chunk_size): all runs in one chunk in this process; two workers
#: with chunks of 2 (three chunks), and of 4 (a chunk of 4 and one of 2).
EXECUTIONS = [(1, PARQUET_RUNS), (2, 2), (2, 4)]


def test_runs_parquet_is_identical_whatever_chunks_and_workers(engine: str, tmp_path: Path) -> None:
    """The same seed gives a byte-identical ``runs.parquet``: 1 worker or 2, chunks of 6, 2 or 4.

    The file's provenance metadata leaves out when and how fast the run was
    (those stay in ``manifest.json``), so nothing in it depends on the
    execution; the tables are also compared value by value, for a readable
    failure.
    """
    paths = [
        flysim.simulate(
            SCENARIO, runs=PARQUET_RUNS, seed=5, engine=engine, workers=w, chunk_size=c
        ).save(tmp_path / f"run-{i}", figures=False)
        / RUNS_FILE
        for i, (w, c) in enumerate(EXECUTIONS)
    ]
    tables = [pq.read_table(p) for p in paths]
    for table in tables[1:]:
        assert table.equals(tables[0], check_metadata=True)
    files = [p.read_bytes() for p in paths]
    assert all(f == files[0] for f in files[1:]), "runs.parquet bytes differ"


def test_event_log_is_independent_of_workers_des() -> None:
    """Agent model only (the numpy core keeps no event log): the log too ignores the workers."""
    one = flysim.simulate(SCENARIO, runs=4, seed=5, engine="des", workers=1, events=True)
    two = flysim.simulate(
        SCENARIO, runs=4, seed=5, engine="des", workers=2, chunk_size=1, events=True
    )
    assert _same(one, two)
    pd.testing.assert_frame_equal(one.events, two.events)


def _with_paid_budget(budget: float) -> Scenario:
    """The reference without the two couplings that tie organic leads to paid ones.

    A finite market couples them through saturation (paid leads occupy
    accounts), and the social-proof term through promoters (paid customers
    become promoters): with either, a bigger paid budget changes the organic
    rate and so which organic candidates thinning keeps. Without both, the
    organic rate depends on time alone.
    """
    d = copy.deepcopy(REFERENCE)
    del d["market"]
    d["attract"]["organic"]["leads_per_promoter_per_month"] = 0.0
    d["attract"]["paid"]["budget_per_month"] = budget
    return Scenario.model_validate(d)


def test_common_random_numbers_keep_the_organic_stream(engine: str) -> None:
    """Same seed, only the paid budget differs: the organic channel is untouched.

    The organic channel draws its arrivals and its leads' decisions from its
    own stream, and experiments from theirs; with a rate independent of the
    state, organic leads and organic customers match in every month (the
    design guarantees more than month 1), while the paid channel differs.
    """
    low = flysim.simulate(_with_paid_budget(1500.0), runs=3, seed=3, engine=engine)
    high = flysim.simulate(_with_paid_budget(4500.0), runs=3, seed=3, engine=engine)
    for name in ("leads_organic", "new_customers_organic", "experiments_won"):
        assert np.array_equal(low.metric(name), high.metric(name)), name
    assert low.metric("leads_organic").sum() > 0
    assert high.metric("leads_paid").sum() > low.metric("leads_paid").sum()
