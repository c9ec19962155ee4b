"""``flysim compare``, ``sweep`` and ``sensitivity`` end to end, in real subprocesses."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from cli_helpers import assert_one_error_line, flysim, tiny, write

pytestmark = pytest.mark.functional

CHEAP = tiny(**{"budget_per_month = 1000.0": "budget_per_month = 500.0"}).replace(
    'name = "Tiny"', 'name = "Cheap"'
)


@pytest.fixture
def two(tmp_path):
    write(tmp_path, "tiny.toml", tiny())
    write(tmp_path, "cheap.toml", CHEAP)
    return tmp_path


# -- compare -------------------------------------------------------------------------------


def test_compare_prints_both_months_paired_differences_and_decisions(two):
    proc = flysim(
        "compare", "tiny.toml", "cheap.toml", "--runs", 30, "--seed", 3, "--months", 12,
        "--ltv-cac", 2.5, "--break-even", 6, "--payback", 10, cwd=two,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Tiny vs Cheap · 30 runs each · 12 months · seed 3" in out
    # Month 12 is the horizon here: one table; the paired columns name both scenarios.
    assert out.count("Month 12: P50 [P5 to P95]") == 1
    # which statistic is which: the median and the mean of the paired differences
    assert "Δ median" in out and "Δ mean [95 % CI]" in out and "Cheap − Tiny" in out
    assert "P(Cheap" in out
    assert "P(LTV:CAC >= 2.5 at month 12)" in out
    assert "P(break-even by month 6)" in out and "P(payback <= 10 months at month 12)" in out
    folder = two / "results" / "compare-Tiny-Cheap"
    assert f"wrote {folder}" in out
    table = pd.read_csv(folder / "comparison.csv")
    assert set(table["scenario"]) == {"Tiny", "Cheap"}
    assert table.loc[table["scenario"] == "Tiny", "diff_mean"].isna().all()
    assert table.loc[table["scenario"] == "Cheap", "n_pairs"].max() == 30
    decisions = pd.read_csv(folder / "decisions.csv")
    assert len(decisions) == 8  # 3 thresholds each, and P(contribution above the first)
    assert (folder / "flow.png").stat().st_size > 0
    assert (folder / "fan-mrr.png").stat().st_size > 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "compare"
    assert (manifest["seed"], manifest["runs"], manifest["months"]) == (3, 30, 12)
    assert [s["name"] for s in manifest["scenarios"]] == ["Tiny", "Cheap"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s["sha256"]) for s in manifest["scenarios"])
    assert manifest["design"]["thresholds"] == {
        "ltv_cac": 2.5, "break_even_month": 6, "payback_months": 10.0
    }  # fmt: skip
    assert set(manifest["plots"]) >= {"flow.png", "fan-mrr.png"}
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 2 * 30 * 12
    assert list(runs.columns[:3]) == ["scenario", "run", "month"]


def test_compare_writes_to_out_without_plots_and_applies_set_to_every_scenario(two):
    proc = flysim(
        "compare", "tiny.toml", "cheap.toml", "--runs", 5, "--out", "cmp", "--no-plots", "-q",
        "--set", "costs.stack_per_month=0", cwd=two,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    files = sorted(p.name for p in (two / "cmp").iterdir())
    assert files == ["comparison.csv", "decisions.csv", "manifest.json", "runs.parquet"]


def test_compare_needs_two_scenarios(two):
    proc = flysim("compare", "tiny.toml", cwd=two)
    assert_one_error_line(proc, "compare needs at least two scenarios", "got 1")
    # none at all: the argument is required, as its help says, and typer's usage error exits 2
    proc = flysim("compare", cwd=two)
    assert proc.returncode == 2 and "Missing argument 'SCENARIO...'" in proc.stderr


def test_compare_reports_a_bad_scenario_in_one_line(two):
    write(two, "bad.toml", tiny(**{"conversion = 0.1": "conversion = 1.5"}))
    proc = flysim("compare", "tiny.toml", "bad.toml", cwd=two)
    assert_one_error_line(proc, "bad.toml", "attract.paid.conversion", "1.5")


# -- sweep ---------------------------------------------------------------------------------


def test_sweep_one_param_prints_each_point_and_writes_csv_and_chart(two):
    proc = flysim(
        "sweep", "tiny.toml", "--param", "attract.paid.budget_per_month=500:1500:3",
        "--metric", "customers", "--month", 4, "--runs", 6, cwd=two,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "3 parameter sets x 6 runs" in proc.stdout
    assert "customers at month 4" in proc.stdout
    folder = two / "results" / "sweep-tiny-customers"
    frame = pd.read_csv(folder / "sweep.csv")
    assert list(frame["attract.paid.budget_per_month"]) == [500.0, 1000.0, 1500.0]
    assert (frame["month"] == 4).all() and (frame["runs"] == 6).all()
    assert (folder / "sweep.png").stat().st_size > 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "sweep"
    assert manifest["design"]["params"] == [
        {"key": "attract.paid.budget_per_month", "low": 500.0, "high": 1500.0, "n": 3}
    ]
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 3 * 6 * manifest["months"]
    assert list(runs.columns) == [
        "point", "attract.paid.budget_per_month", "run", "month", "customers"
    ]  # fmt: skip


def test_sweep_two_params_writes_median_and_p5_heatmaps(two):
    proc = flysim(
        "sweep", "tiny.toml", "--param", "attract.paid.budget_per_month=500:1500:2",
        "--param", "engage.risk_per_month=0.02:0.1:3", "--metric", "mrr", "--runs", 4,
        "--out", "grid", "-q", cwd=two,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(two / "grid" / "sweep.csv")) == 6
    assert (two / "grid" / "sweep-p50.png").exists() and (two / "grid" / "sweep-p5.png").exists()


# -- sensitivity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "extra", "needle"),
    [("oat", (), "Swing"), ("morris", ("--samples", 2), "μ*"), ("sobol", ("--samples", 2), "ST")],
)
def test_sensitivity_each_method_prints_its_indices_and_writes_csv_and_chart(
    two, method, extra, needle
):
    proc = flysim(
        "sensitivity", "tiny.toml", "--param", "attract.paid.budget_per_month=500:1500",
        "--param", "delight.ask_accept=0.2:0.8", "--metric", "customers", "--method", method,
        "--runs", 4, *extra, cwd=two,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert needle in proc.stdout
    folder = two / "results" / "sensitivity-tiny-customers"
    frame = pd.read_csv(folder / f"sensitivity-{method}.csv")
    assert set(frame["param"]) == {"attract.paid.budget_per_month", "delight.ask_accept"}
    assert (folder / f"sensitivity-{method}.png").stat().st_size > 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["kind"], manifest["design"]["method"]) == ("sensitivity", method)
    design = pd.read_parquet(folder / "design.parquet")
    assert len(design) == manifest["design"]["sets"]
    assert list(design.columns) == ["set", "attract.paid.budget_per_month", "delight.ask_accept"]


# -- bad input: one line, exit 2 -----------------------------------------------------------


BAD_INPUT = [
    # An unknown key path, with the nearest key suggested.
    ("sweep", "attract.paid.budgt=1:2:3", "mrr",
     ("attract.paid.budgt", "did you mean 'attract.paid.budget_per_month'")),
    ("sensitivity", "engage.risk_per_mnth=0.1:0.2", "mrr",
     ("did you mean 'engage.risk_per_month'",)),
    # LOW > HIGH.
    ("sweep", "engage.risk_per_month=0.2:0.1:3", "mrr",
     ("LOW (0.2) is greater than HIGH (0.1)",)),
    ("sensitivity", "engage.risk_per_month=0.2:0.1", "mrr",
     ("LOW (0.2) is greater than HIGH (0.1)",)),
    # N < 2.
    ("sweep", "engage.risk_per_month=0.1:0.2:1", "mrr", ("N must be at least 2, got 1",)),
    # A key that is not a number: text, and a table.
    ("sweep", "revenue.tiers[0].name=1:2:3", "mrr", ("revenue.tiers[0].name", "not numeric")),
    ("sensitivity", "engage.churn_per_month=0:1", "mrr",
     ("is a table, not a number", "healthy, at_risk")),
    # A value that is not a number.
    ("sweep", "engage.risk_per_month=low:0.2:3", "mrr", ("LOW must be a number, got 'low'",)),
    # A metric that does not exist, with the nearest suggested.
    ("sweep", "engage.risk_per_month=0.1:0.2:3", "ltv_cak",
     ("unknown metric 'ltv_cak'", "did you mean 'ltv_cac'")),
    ("sensitivity", "engage.risk_per_month=0.1:0.2", "churn_annual",
     ("unknown metric", "did you mean 'churn_rate_annual'")),
    # A value outside the schema's range, named with the range.
    ("sweep", "attract.paid.conversion=0.5:1.5:3", "mrr",
     ("attract.paid.conversion = 1.5", "between 0 and 1")),
]  # fmt: skip


@pytest.mark.parametrize(("command", "param", "metric", "needles"), BAD_INPUT)
def test_bad_study_input_is_one_line_and_exit_2(two, command, param, metric, needles):
    proc = flysim(command, "tiny.toml", "--param", param, "--metric", metric, "--runs", 2, cwd=two)
    assert_one_error_line(proc, *needles)
    assert not (two / "results").exists()


def test_unknown_method_and_a_sobol_sample_size_that_is_not_a_power_of_two(two):
    params = ("--param", "engage.risk_per_month=0.1:0.2", "--param", "delight.ask_accept=0.2:0.8")
    proc = flysim(
        "sensitivity", "tiny.toml", *params, "--metric", "mrr", "--method", "fast", cwd=two
    )
    # --method is a choice: typer refuses it before anything runs, naming the choices
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "'fast' is not one of 'oat', 'morris', 'sobol'" in proc.stderr
    proc = flysim(
        "sensitivity", "tiny.toml", *params, "--metric", "mrr", "--method", "sobol",
        "--samples", 6, cwd=two,
    )  # fmt: skip
    assert_one_error_line(proc, "samples must be a power of two", "got 6")
