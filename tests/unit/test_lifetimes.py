"""The complete event log and what ``flysim.lifetimes`` / ``flysim.cohorts`` build from it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flysim
from flysim.engines import EVENT_COLUMNS
from flysim.events import read_events, sidecar_path, write_events
from flysim.lifetimes import COHORT_COLUMNS, LIFETIME_COLUMNS
from flysim.units import DAYS_PER_MONTH

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"
MONTHS, RUNS, SEED = 12, 2, 7
INITIAL = 40  # startup.toml's [initial] customers
META_KEYS = {"horizon_months", "seed", "scenario_name", "scenario_hash", "flysim_version", "engine"}


@pytest.fixture(scope="module")
def result() -> flysim.SimulationResult:
    return flysim.simulate(STARTUP, runs=RUNS, seed=SEED, engine="des", months=MONTHS, events=True)


@pytest.fixture(scope="module")
def table(result: flysim.SimulationResult) -> pd.DataFrame:
    return flysim.lifetimes(result)


def test_every_initial_customer_has_a_start_record_with_its_state(result):
    ev = result.events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    start = ev[ev["event"] == "start"]
    for run in range(RUNS):
        rows = start[start["run"] == run]
        assert sorted(rows["customer"]) == list(range(INITIAL))
    assert (start["time"] == 0).all()
    assert (start["channel"] == "initial").all()
    assert (start["tier"] == "starter").all()
    assert (start["health"] == "healthy").all()
    assert (start["amount"] == 39.0).all()
    # [delight] is on: every initial customer has its category, the first 4 are promoters
    assert start["nps"].isin(["promoter", "passive", "detractor"]).all()
    assert (start.groupby("run").head(4)["nps"] == "promoter").all()
    # the start record comes before any other row of the customer
    first = ev[ev["customer"].between(0, INITIAL - 1)].groupby(["run", "customer"]).head(1)
    assert (first["event"] == "start").all()


def test_initial_customers_start_without_delight():
    scenario = flysim.load_scenario(STARTUP, overrides=["initial.advocates=0"])
    data = scenario.model_dump(exclude={"delight"}, exclude_none=True)
    data["attract"].pop("referral", None)
    bare = flysim.Scenario.model_validate(data)
    ev = flysim.simulate(bare, runs=1, seed=1, engine="des", months=3, events=True).events
    start = ev[ev["event"] == "start"]
    assert sorted(start["customer"]) == list(range(INITIAL))
    assert (start["nps"] == "").all()


def test_event_metadata_in_memory_and_in_files(result, tmp_path):
    meta = result.events.attrs["flysim"]
    assert set(meta) >= META_KEYS
    assert meta["horizon_months"] == MONTHS
    assert meta["seed"] == SEED
    assert meta["engine"] == "des"
    assert meta["scenario_name"] == "startup"
    assert meta["scenario_hash"] == result.provenance.scenario_hash

    parquet = write_events(result.events, tmp_path / "ev.parquet")
    import pyarrow.parquet as pq

    kv = pq.read_schema(parquet).metadata
    assert json.loads(kv[b"flysim.horizon_months"]) == MONTHS
    assert json.loads(kv[b"flysim.scenario_hash"]) == meta["scenario_hash"]

    csv = write_events(result.events, tmp_path / "ev.csv")
    assert json.loads(sidecar_path(csv).read_text()) == meta
    assert pd.read_csv(csv).columns.tolist() == list(EVENT_COLUMNS)  # plain CSV, no header lines

    for path in (parquet, csv):
        back = read_events(path)
        assert back.attrs["flysim"] == meta
        pd.testing.assert_frame_equal(back, result.events, check_dtype=False)


def test_one_row_per_customer_censored_at_the_horizon(result, table):
    assert list(table.columns) == list(LIFETIME_COLUMNS)
    ev = result.events
    starts = ev[ev["event"].isin(["start", "convert"])]
    assert len(table) == len(starts.drop_duplicates(["run", "customer"]))
    assert not table.duplicated(["run", "customer"]).any()
    initial = table[table["initial"]]
    assert len(initial) == RUNS * INITIAL
    assert (initial["start"] == 0).all() and (initial["cohort"] == 0).all()

    horizon = MONTHS * DAYS_PER_MONTH
    censored = table[~table["churned"]]
    assert (censored["end"] == horizon).all()
    assert (table.loc[table["churned"], "end"] < horizon).all()
    assert (table["duration_days"] >= 0).all()
    np.testing.assert_allclose(table["duration_months"] * DAYS_PER_MONTH, table["duration_days"])
    assert (table["referral"] == (table["channel"] == "referral")).all()

    # the same counts as the metrics
    by_run = table.groupby("run")
    np.testing.assert_array_equal(by_run["churned"].sum(), result.metric("churned").sum(axis=1))
    np.testing.assert_array_equal(
        by_run.size() - by_run["churned"].sum(), result.metric("customers")[:, -1]
    )
    np.testing.assert_allclose(
        censored.groupby("run")["mrr"].sum(), result.metric("mrr")[:, -1], rtol=1e-12
    )
    np.testing.assert_array_equal(by_run["upsells"].sum(), result.metric("upsells").sum(axis=1))


def test_cohorts_add_up_to_the_monthly_stocks(result):
    mean = flysim.cohorts(result)
    assert list(mean.columns) == list(COHORT_COLUMNS)
    per_run = flysim.cohorts(result, by_run=True)
    for frame, customers, mrr in (
        (mean, result.metric("customers").mean(axis=0), result.metric("mrr").mean(axis=0)),
    ):
        stock = frame.groupby("month")[["customers", "mrr"]].sum()
        assert stock.loc[0, "customers"] == INITIAL
        np.testing.assert_allclose(stock["customers"].to_numpy()[1:], customers, rtol=1e-12)
        np.testing.assert_allclose(stock["mrr"].to_numpy()[1:], mrr, rtol=1e-12)
    by = per_run.groupby(["run", "month"])["customers"].sum().unstack()
    np.testing.assert_array_equal(by.to_numpy()[:, 1:], result.metric("customers"))
    won = per_run[per_run["age"] == 0].groupby(["run", "cohort"])["acquired"].sum().unstack()
    np.testing.assert_array_equal(won.to_numpy()[:, 1:], result.metric("new_customers"))
    assert (mean["age"] == mean["month"] - mean["cohort"]).all()
    assert (mean["customers"] <= mean["acquired"] + 1e-12).all()


def test_the_cli_writes_the_metadata_too(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from flysim.cli import app

    monkeypatch.chdir(tmp_path)
    args = ["run", str(STARTUP), "--engine", "des", "--runs", "2", "--months", "2", "--seed", "3"]
    args += ["--workers", "1", "--no-plots", "--quiet", "--out", "res", "--events", "ev.csv"]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    meta = json.loads(sidecar_path(tmp_path / "ev.csv").read_text())
    assert meta["horizon_months"] == 2 and meta["seed"] == 3 and meta["runs"] == 2
    assert set(meta) >= META_KEYS
    from flysim import io

    _, saved = io.read_table(tmp_path / "res" / io.EVENTS_FILE)
    assert saved == meta  # the result folder's events.parquet carries the same


def test_from_disk_gives_the_same_tables(result, table, tmp_path):
    folder = result.save(tmp_path / "res", figures=False)
    pd.testing.assert_frame_equal(flysim.lifetimes(flysim.SimulationResult.load(folder)), table)
    pd.testing.assert_frame_equal(flysim.lifetimes(folder), table)
    csv = write_events(result.events, tmp_path / "ev.csv")
    pd.testing.assert_frame_equal(flysim.lifetimes(csv), table, check_dtype=False)
    pd.testing.assert_frame_equal(flysim.cohorts(folder), flysim.cohorts(result))


def test_without_log_or_horizon_it_says_what_is_missing(result):
    no_log = flysim.simulate(STARTUP, runs=2, seed=1, engine="mc", months=3)
    with pytest.raises(ValueError, match="events=True"):
        flysim.lifetimes(no_log)
    bare = result.events.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="horizon_months"):
        flysim.lifetimes(bare)
    pd.testing.assert_frame_equal(
        flysim.lifetimes(bare, horizon_months=MONTHS), flysim.lifetimes(result)
    )
