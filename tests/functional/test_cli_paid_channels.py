"""``flysim run`` on a scenario with several paid channels: the table per channel, the file."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.functional.cli_helpers import flysim, tiny, write

PAID = """[attract.paid]
budget_per_month = 1000.0
cost_per_lead = 20.0
conversion = 0.1
days_to_decide = 5.0
"""

TWO = """[attract.paid.search]
budget_per_month = 600.0
cost_per_lead = 20.0
conversion = 0.1
days_to_decide = 5.0

[attract.paid.social]
budget_per_month = 400.0
leads_per_month = { x = [0.0, 1000.0], y = [0.0, 40.0] }
conversion = 0.05
"""


@pytest.fixture(scope="module")
def two_run(tmp_path_factory: pytest.TempPathFactory):
    cwd = tmp_path_factory.mktemp("two_run")
    path = write(cwd, "two.toml", tiny(**{PAID: TWO}))
    proc = flysim(
        "run", path.name, "--runs", 30, "--months", 14, "--seed", 3, "--no-plots",
        "--set", "attract.paid.social.budget_per_month=500", cwd=cwd,
    )  # fmt: skip
    return proc, cwd


def test_run_prints_a_table_per_paid_channel_under_the_kpis(two_run) -> None:
    proc, _ = two_run
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.index("Paid channels") > out.index("Customers")
    for header in ("Leads, month 12", "New customers, month 14", "CAC (EUR), month 14"):
        assert header in out
    rows = [
        line
        for line in out.splitlines()
        if line.startswith("│ search") or line.startswith("│ social")
    ]
    assert len(rows) == 2, out


def test_run_writes_the_breakdown_beside_the_runs(two_run) -> None:
    _, cwd = two_run
    folder = cwd / "results" / "two"
    frame = pd.read_parquet(folder / "channels.parquet")
    assert list(frame.columns) == [
        "run", "month", "channel", "leads", "new_customers", "spend", "cac"
    ]  # fmt: skip
    assert len(frame) == 30 * 14 * 2
    spend = frame.groupby("channel", observed=True)["spend"].unique()
    assert list(spend["search"]) == [600.0] and list(spend["social"]) == [500.0]
    runs = pd.read_parquet(folder / "runs.parquet")
    totals = frame.groupby(["run", "month"], observed=True)["leads"].sum().to_numpy()
    assert (totals == runs.sort_values(["run", "month"])["leads_paid"].to_numpy()).all()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "channels.parquet" in manifest["files"]


def test_one_paid_channel_prints_no_channel_table_and_writes_no_file(tmp_path) -> None:
    path = write(tmp_path, "one.toml", tiny())
    proc = flysim("run", path.name, "--runs", 5, "--months", 3, "--no-plots", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Paid channels" not in proc.stdout
    assert not (tmp_path / "results" / "one" / "channels.parquet").exists()


def test_json_output_carries_the_channel_summary(tmp_path) -> None:
    path = write(tmp_path, "two.toml", tiny(**{PAID: TWO}))
    proc = flysim(
        "run", path.name, "--runs", 10, "--months", 3, "--no-plots", "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {row["channel"] for row in data["paid_channels"]} == {"search", "social"}
    assert {row["month"] for row in data["paid_channels"]} == {3}
