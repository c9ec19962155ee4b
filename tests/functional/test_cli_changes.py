"""The command line on a plan with dated changes: validate lists them, run and compare mark them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from cli_helpers import REPO, flysim, write

pytestmark = pytest.mark.functional

STARTUP = (REPO / "scenarios" / "startup.toml").as_posix()

PLAN = f"""\
extends = "{STARTUP}"

[scenario]
name = "startup-plan"

[[changes]]
month = 4
note = "move 30 % of ads into referral rewards"
set = {{ "attract.paid.budget_per_month" = 5600.0, "delight.reward" = 120.0 }}

[[changes]]
month = 6
note = "automated health interventions go live"
set = {{ "engage.triggers.risk_alert" = {{ logins_below = 2, cost = 15.0, success = 0.30 }} }}

[[changes]]
from_month = 7
to_month = 12
set = {{ "attract.organic.cost_per_month" = 2000.0 }}
"""

LISTING = [
    "# 3 changes:",
    "#   changes[0] month 4: move 30 % of ads into referral rewards "
    "(sets attract.paid.budget_per_month, delight.reward)",
    "#   changes[1] month 6: automated health interventions go live "
    "(sets engage.triggers.risk_alert)",
    "#   changes[2] months 7-12: ramps attract.organic.cost_per_month",
]


def test_validate_lists_each_change_on_one_line(tmp_path: Path):
    write(tmp_path, "plan.toml", PLAN)
    proc = flysim("validate", "plan.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.search(r"plan\.toml\s+ok\s+sha256 [0-9a-f]{64}", lines[0])
    assert lines[1:5] == LISTING
    # comments: what follows the header line is still the scenario as TOML, changes included
    body = proc.stdout.split("\n", 1)[1]
    assert len(tomllib.loads(body)["changes"]) == 3


def test_validate_quiet_lists_no_change(tmp_path: Path):
    write(tmp_path, "plan.toml", PLAN)
    proc = flysim("validate", "plan.toml", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.splitlines()
    assert "ok" in line and "changes" not in line


def test_validate_of_a_scenario_without_changes_lists_none(tmp_path: Path):
    proc = flysim("validate", STARTUP, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"^# \d+ changes?:", proc.stdout, re.MULTILINE)


def test_the_validated_output_loads_back_to_the_same_hash(tmp_path: Path):
    write(tmp_path, "plan.toml", PLAN)
    proc = flysim("validate", "plan.toml", cwd=tmp_path)
    header, body = proc.stdout.split("\n", 1)
    write(tmp_path, "echo.toml", body)
    again = flysim("validate", "echo.toml", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert re.findall(r"sha256 ([0-9a-f]{64})", again.stdout) == re.findall(
        r"sha256 ([0-9a-f]{64})", header
    )


def test_run_shows_the_months_around_each_change_in_100_columns(tmp_path: Path):
    write(tmp_path, "plan.toml", PLAN)
    proc = flysim(
        "run", "plan.toml", "--runs", 4, "--months", 8, "--out", "out", cwd=tmp_path, columns=100
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    text = proc.stdout
    headers = ["Month 3", "Month 4", "▸1 move 30 % of ads…", "Month 5", "Month 6"]
    headers += ["▸2 automated health…", "Month 7", "▸3 attract.organic.…", "Month 8"]
    for header in headers:
        assert header in text, header
    assert "▸1 month 4: move 30 % of ads into referral rewards" in text
    assert "▸3 months 7-12: attract.organic.cost_per_month" in text
    # the figures are drawn with the changes marked
    assert (tmp_path / "out" / "dashboard.png").stat().st_size > 0
    assert (tmp_path / "out" / "fan-mrr.png").stat().st_size > 0


def test_compare_says_which_months_are_before_the_first_change(tmp_path: Path):
    write(tmp_path, "plan.toml", PLAN)
    proc = flysim(
        "compare", STARTUP, "plan.toml", "--runs", 4, "--months", 12, "--no-plots",
        "--kpis", "mrr", "--out", "cmp", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (
        "Before the first change: months 1-3 (startup-plan changes from month 4; "
        "startup has none)." in proc.stdout
    )
    assert "startup-plan ▸ month 4: move 30 % of ads into referral rewards" in proc.stdout
