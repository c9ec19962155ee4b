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
from tests import builders

#: Every mechanism on: the reference scenario, with churn heterogeneity so the
#: Gamma draws are covered too.
REFERENCE: dict[str, Any] = builders.reference(
    **{
        "scenario": {"name": "reproducibility", "horizon_months": 12},
        "engage.churn_heterogeneity": 0.5,
    }
)

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
