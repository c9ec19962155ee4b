"""Every study saves like a run: an atomic folder, a manifest with provenance and design."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flysim
from flysim.io import MANIFEST_FILE, RUNS_FILE, read_manifest, read_table

PARAM = "attract.paid.budget_per_month=500:1500:3"


@pytest.fixture(scope="module")
def startup() -> flysim.Scenario:
    return flysim.load_scenario("scenarios/startup.toml")


@pytest.fixture(scope="module")
def comparison(startup) -> flysim.Comparison:
    return flysim.compare([startup, startup], runs=3, seed=5, months=4)


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_a_comparison_saves_provenance_design_and_every_run(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp", figures=False)
    m = read_manifest(folder)
    assert (m["kind"], m["seed"], m["runs"], m["months"], m["engine"]) == (
        "compare", 5, 3, 4, "mc"
    )  # fmt: skip
    assert m["flysim_version"] == flysim.__version__
    assert [s["label"] for s in m["scenarios"]] == list(comparison.names)
    assert [s["sha256"] for s in m["scenarios"]] == [
        r.provenance.scenario_hash for r in comparison.results
    ]
    assert m["design"]["thresholds"] == {
        "ltv_cac": 3.0, "break_even_month": 8, "payback_months": 12.0
    }  # fmt: skip
    assert m["files"] == ["comparison.csv", "decisions.csv", RUNS_FILE, MANIFEST_FILE]
    assert m["plots"] == []
    runs, meta = read_table(folder / RUNS_FILE)
    assert len(runs) == 2 * 3 * 4
    assert list(runs.columns) == ["scenario", "run", "month", *comparison.results[0].metrics]
    first = runs[runs["scenario"] == comparison.names[0]]
    pd.testing.assert_frame_equal(
        first.drop(columns="scenario").reset_index(drop=True), comparison.results[0].to_frame()
    )
    assert meta["study"]["seed"] == 5 and "created" not in meta["study"]


def test_saving_again_replaces_the_folder_whole(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp", figures=False)
    before = set(folder.iterdir())
    (folder / "manifest.json").write_text(
        (folder / "manifest.json").read_text().replace('"kind"', '"note": "earlier", "kind"')
    )
    comparison.save(folder, figures=False)
    assert set(folder.iterdir()) == before
    assert "earlier" not in (folder / "manifest.json").read_text()  # a new folder, whole


def test_saving_again_never_deletes_a_users_file(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp", figures=False)
    (folder / "notes.png").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="which flysim did not write"):
        comparison.save(folder, figures=False)
    assert (folder / "notes.png").read_bytes() == b"mine"


def test_a_folder_that_is_not_a_result_is_never_replaced(comparison, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a flysim result"):
        comparison.save(mine, figures=False)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_run_does_not_load_a_study_folder(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp", figures=False)
    with pytest.raises(ValueError, match="compare study"):
        flysim.SimulationResult.load(folder)


def test_a_sweep_saves_its_points_runs_and_months(startup, tmp_path):
    sweep = flysim.sweep(startup, [PARAM], "mrr", runs=2, seed=1)
    folder = sweep.save(tmp_path / "sweep", figures=False)
    m = manifest(folder)
    assert m["kind"] == "sweep"
    assert m["design"] == {
        "params": [{"key": "attract.paid.budget_per_month", "low": 500.0, "high": 1500.0, "n": 3}],
        "points": 3,
        "metric": "mrr",
        "month": startup.horizon_months,
    }
    assert m["scenarios"][0]["resolved"]["scenario"]["name"] == startup.name
    runs = pd.read_parquet(folder / RUNS_FILE)
    assert len(runs) == 3 * 2 * startup.horizon_months
    row = runs[(runs["point"] == 2) & (runs["run"] == 1) & (runs["month"] == 5)]
    assert row["attract.paid.budget_per_month"].item() == 1500.0
    assert row["mrr"].item() == sweep.values[2, 1, 4]
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST_FILE, RUNS_FILE, "sweep.csv"]


def test_a_sensitivity_study_saves_its_design_matrix(startup, tmp_path):
    study = flysim.sensitivity(
        startup, ["attract.paid.budget_per_month=500:1500", "delight.ask_accept=0.2:0.6"],
        "mrr", method="morris", samples=2, runs=2, seed=1,
    )  # fmt: skip
    folder = study.save(tmp_path / "sens", figures=False)
    m = manifest(folder)
    assert (m["kind"], m["design"]["method"], m["design"]["samples"]) == (
        "sensitivity", "morris", 2
    )  # fmt: skip
    assert m["design"]["sets"] == len(study.samples) == 6
    assert m["design"]["morris_levels"] == 4
    design = pd.read_parquet(folder / "design.parquet")
    pd.testing.assert_frame_equal(design.drop(columns="set"), study.samples)
    runs = pd.read_parquet(folder / RUNS_FILE)
    assert list(runs.columns) == ["set", "run", "month", "mrr"]
    assert len(runs) == 6 * 2 * startup.horizon_months


def test_plots_is_a_deprecated_name_of_figures(comparison, tmp_path):
    with pytest.warns(DeprecationWarning, match="figures="):
        folder = comparison.save(tmp_path / "cmp", plots=False)
    assert not list(folder.glob("*.png"))


def test_a_comparison_loads_back_from_its_folder(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp", figures=False)
    again = flysim.Comparison.load(folder)
    assert again.names == comparison.names
    assert again.thresholds == comparison.thresholds
    for a, b in zip(again.results, comparison.results, strict=True):
        assert a.provenance == b.provenance
        assert a.scenario == b.scenario
        np.testing.assert_array_equal(a.data, b.data)
    pd.testing.assert_frame_equal(again.table(), comparison.table())
