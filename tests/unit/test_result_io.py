"""SimulationResult tables, and saving/loading result folders atomically."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from flysim import io
from flysim.metrics import METRICS, quantile_bands, summarize
from flysim.result import Provenance, SimulationResult
from flysim.scenario import Scenario, scenario_hash
from tests.builders import minimal, scenario

RUNS, MONTHS = 3, 4


def make_scenario() -> Scenario:
    return scenario(
        minimal(),
        **{
            "scenario.name": "io-test",
            "scenario.horizon_months": MONTHS,
            "scenario.seed": 11,
            "revenue.gross_margin": 0.7,
        },
    )


def make_result(seed: int = 0, events: pd.DataFrame | None = None) -> SimulationResult:
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(RUNS, MONTHS, len(METRICS)))
    data[rng.random(data.shape) < 0.1] = np.nan  # missing values must survive the round trip
    provenance = Provenance(
        scenario_name="io-test",
        scenario_hash="ab" * 32,
        scenario_path="scenarios/io-test.toml",
        seed=2**62 + 5,  # larger than float64 represents exactly
        engine="des",
        runs=RUNS,
        months=MONTHS,
        flysim_version="0.1.0",
        created="2024-01-02T03:04:05+00:00",
        wall_time_s=1.25,
        n_events=1234,
    )
    return SimulationResult(data, make_scenario(), provenance, events=events)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------- tables


def test_to_frame_shape_and_order():
    result = make_result()
    frame = result.to_frame()
    assert frame.shape == (RUNS * MONTHS, 2 + len(METRICS))
    assert list(frame.columns) == ["run", "month", *METRICS]
    assert frame["run"].tolist() == [r for r in range(RUNS) for _ in range(MONTHS)]
    assert frame["month"].tolist() == list(range(1, MONTHS + 1)) * RUNS
    for r in range(RUNS):
        for m in range(1, MONTHS + 1):
            row = frame[(frame["run"] == r) & (frame["month"] == m)]
            np.testing.assert_array_equal(row[list(METRICS)].to_numpy()[0], result.data[r, m - 1])


def test_summary_and_quantiles():
    result = make_result()
    pd.testing.assert_frame_equal(result.summary(), summarize(result.data, METRICS))
    q = result.quantiles("mrr", qs=(2.5, 50, 97.5))
    assert list(q.columns) == ["p2.5", "p50", "p97.5"]
    assert q.index.name == "month"
    assert q.index.tolist() == list(range(1, MONTHS + 1))
    expected = quantile_bands(result.metric("mrr"), (2.5, 50, 97.5))
    np.testing.assert_array_equal(q.to_numpy().T, expected)
    with pytest.raises(KeyError, match="did you mean 'mrr'"):
        result.quantiles("mmr")


# ---------------------------------------------------------------- save / load


def test_save_load_round_trip(tmp_path):
    result = make_result()
    target = tmp_path / "out"
    written = result.save(target, figures=False)
    assert written == target.resolve()
    files = sorted(p.name for p in target.iterdir())
    assert files == ["manifest.json", "runs.parquet", "summary.csv"]
    assert leftovers(tmp_path) == []

    manifest = json.loads((target / "manifest.json").read_text())
    p = result.provenance
    assert manifest["format"] == io.FORMAT
    assert manifest["scenario"]["sha256"] == p.scenario_hash
    assert manifest["scenario"]["path"] == p.scenario_path
    assert manifest["scenario"]["resolved"]["revenue"]["gross_margin"] == 0.7
    assert (manifest["seed"], manifest["engine"], manifest["runs"], manifest["months"]) == (
        p.seed, "des", RUNS, MONTHS,
    )  # fmt: skip
    assert manifest["wall_time_s"] == p.wall_time_s
    assert manifest["created"] == p.created
    assert manifest["n_events"] == p.n_events
    assert manifest["flysim_version"] == p.flysim_version
    assert manifest["metrics"] == list(METRICS)
    assert manifest["plots"] == []

    meta = pq.read_schema(target / "runs.parquet").metadata
    # runs.parquet leaves out when and how fast, so the same seed gives the same bytes.
    stable = {k: v for k, v in p.to_dict().items() if k not in ("created", "wall_time_s")}
    assert json.loads(meta[b"flysim.provenance"]) == stable

    summary = pd.read_csv(target / "summary.csv")
    pd.testing.assert_frame_equal(summary, result.summary(), check_exact=False, rtol=1e-15)

    loaded = SimulationResult.load(target)
    np.testing.assert_array_equal(loaded.data, result.data)  # NaN where NaN, bit for bit
    assert loaded.provenance == p
    assert loaded.metrics == result.metrics
    assert loaded.scenario.model_dump() == result.scenario.model_dump()
    assert scenario_hash(loaded.scenario) == scenario_hash(result.scenario)
    assert loaded.scenario.source == p.scenario_path
    assert loaded.events is None


def test_events_round_trip(tmp_path):
    events = pd.DataFrame(
        {
            "run": [0, 0, 2],
            "customer": [1, 2, 1],
            "time": [0.5, 3.25, 10.0],
            "event": ["convert", "churn", "convert"],
            "channel": ["paid", None, "organic"],
            "tier": ["basic", "basic", "basic"],
            "amount": [0.0, 0.0, 49.0],
        }
    )
    result = make_result(events=events)
    result.save(tmp_path / "out", figures=False)
    loaded = SimulationResult.load(tmp_path / "out")
    pd.testing.assert_frame_equal(loaded.events, events)


def test_save_with_figures_lists_the_figures(tmp_path, monkeypatch):
    def save_figures(result, folder):
        assert result.n_runs == RUNS
        paths = [Path(folder) / "fan-mrr.png", Path(folder) / "roi.png"]
        for path in paths:
            path.write_bytes(b"\x89PNG fake")
        return paths

    fake = types.SimpleNamespace(save_figures=save_figures)
    monkeypatch.setitem(sys.modules, "flysim.plots.output", fake)
    target = make_result().save(tmp_path / "out")
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["plots"] == ["fan-mrr.png", "roi.png"]
    assert (target / "roi.png").read_bytes() == b"\x89PNG fake"


def test_save_replaces_an_earlier_result(tmp_path):
    target = tmp_path / "out"
    make_result(seed=1).save(target, figures=False)
    new = make_result(seed=2)
    new.save(target, figures=False)
    np.testing.assert_array_equal(SimulationResult.load(target).data, new.data)
    assert leftovers(tmp_path) == []


def test_save_never_deletes_a_users_file_in_an_earlier_result(tmp_path):
    target = tmp_path / "out"
    make_result(seed=1).save(target, figures=False)
    (target / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"'notes\.txt', which flysim did not write"):
        make_result(seed=2).save(target, figures=False)
    assert (target / "notes.txt").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_failed_save_keeps_the_old_folder(tmp_path, monkeypatch):
    target = tmp_path / "out"
    old = make_result(seed=1)
    old.save(target, figures=False)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(io, "write_manifest", broken)
    with pytest.raises(OSError, match="disk full"):
        make_result(seed=2).save(target, figures=False)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert leftovers(tmp_path) == []
    np.testing.assert_array_equal(SimulationResult.load(target).data, old.data)


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("parquet writer failed")

    monkeypatch.setattr(io, "write_table", broken)
    with pytest.raises(RuntimeError, match="parquet writer failed"):
        make_result().save(tmp_path / "out", figures=False)
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_to_replace_a_folder_that_is_not_a_result(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a flysim result"):
        make_result().save(mine, figures=False)
    assert (mine / "notes.txt").read_text() == "keep me"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(FileExistsError, match="not a folder"):
        make_result().save(tmp_path / "afile", figures=False)
    assert leftovers(tmp_path) == []


def test_save_into_an_empty_existing_folder(tmp_path):
    (tmp_path / "out").mkdir()
    result = make_result()
    result.save(tmp_path / "out", figures=False)
    np.testing.assert_array_equal(SimulationResult.load(tmp_path / "out").data, result.data)


def test_load_rejects_what_is_not_a_result(tmp_path):
    with pytest.raises(FileNotFoundError):
        SimulationResult.load(tmp_path)
    target = make_result().save(tmp_path / "out", figures=False)
    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ValueError, match="format_version 99"):
        SimulationResult.load(target)
    (target / "manifest.json").write_text(json.dumps({**manifest, "runs": RUNS + 1}))
    with pytest.raises(ValueError, match="does not hold"):
        SimulationResult.load(target)


def test_loaded_provenance_is_the_saved_one(tmp_path):
    # a provenance without a scenario path survives as None, not "None"
    result = make_result()
    result.provenance = replace(result.provenance, scenario_path=None)
    loaded = SimulationResult.load(result.save(tmp_path / "out", figures=False))
    assert loaded.provenance.scenario_path is None
    assert loaded.scenario.source is None
