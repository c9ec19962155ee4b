"""A new user's first commands, end to end: tables that fit, formats, metrics, validate -q."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from cli_helpers import assert_one_error_line, flysim, tiny, write

from flysim.metrics.names import METRICS

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("ux")
    write(cwd, "tiny.toml", tiny())
    return cwd


@pytest.mark.parametrize("columns", [80])
def test_run_prints_no_line_wider_than_the_terminal(folder, columns):
    proc = flysim("run", "tiny.toml", "--runs", 20, "--no-plots", "--out", "o", cwd=folder,
                  columns=columns)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, proc.stdout
    # the cells are whole: "P50 [P5 to P95]" on one line, not wrapped in two
    assert re.search(r"MRR \(EUR\)\s+│\s+[\d,.]+ \[[\d,.]+ to [\d,.]+\]", proc.stdout)


def test_run_prints_csv_or_json_of_the_kpis_picked_and_writes_a_report(folder):
    csv = flysim("run", "tiny.toml", "--runs", 20, "--no-plots", "--out", "o",
                 "--kpis", "mrr,cac", "--format", "csv", "--report", cwd=folder)  # fmt: skip
    assert csv.returncode == 0, csv.stderr
    assert (folder / "o" / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    report = flysim("report", "o", "--out", "again.html", cwd=folder)
    assert report.returncode == 0 and (folder / "again.html").stat().st_size > 10_000
    frame = pd.read_csv(io.StringIO(csv.stdout))  # nothing but the data on standard output
    assert set(frame["metric"]) == {"mrr", "cac"}
    assert {"month", "p5", "p25", "p50", "p75", "p95", "unit"} <= set(frame.columns)
    assert "wrote" in csv.stderr
    js = flysim("run", "tiny.toml", "--runs", 20, "--no-plots", "--out", "o",
                "--kpis", "nps", "--format", "json", cwd=folder)  # fmt: skip
    data = json.loads(js.stdout)
    assert data["runs"] == 20 and {r["metric"] for r in data["kpis"]} == {"nps"}


def test_an_unknown_kpi_or_metric_points_to_flysim_metrics(folder):
    proc = flysim("run", "tiny.toml", "--kpis", "mrr,ltv_cacc", cwd=folder)
    assert_one_error_line(proc, "'ltv_cacc'", "did you mean 'ltv_cac'", "flysim metrics")


def test_flysim_metrics_lists_every_metric_of_the_catalogue(folder):
    proc = flysim("metrics", "--format", "csv", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(io.StringIO(proc.stdout), keep_default_na=False)
    assert list(frame["name"]) == list(METRICS)
    assert list(frame.columns) == ["name", "label", "unit", "kind", "better", "benchmark",
                                   "definition"]  # fmt: skip
    ltv = frame.set_index("name").loc["ltv_cac"]
    assert "3" in ltv["benchmark"] and ltv["better"] == "higher"


def test_validate_quiet_prints_one_line_per_scenario(folder):
    write(folder, "bad.toml", tiny(**{"months = 6": "months = 0"}))
    proc = flysim("validate", "tiny.toml", "bad.toml", "--quiet", cwd=folder)
    assert proc.returncode == 2
    assert re.fullmatch(r"tiny\.toml  ok  sha256 [0-9a-f]{64}\n", proc.stdout), proc.stdout
    assert proc.stderr.startswith("error: ")
