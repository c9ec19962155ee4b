"""``flysim run`` on the shipped scenario with uncertain inputs: drivers printed and saved."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.functional.cli_helpers import REPO, flysim

pytestmark = pytest.mark.functional

SCENARIO = REPO / "scenarios" / "uncertain.toml"


def test_run_prints_and_saves_the_drivers_and_fix_inputs_does_not(tmp_path):
    drawn = flysim(
        "run",
        SCENARIO,
        "--runs",
        "200",
        "--no-plots",
        "--out",
        tmp_path / "drawn",
        cwd=tmp_path,
        columns=100,
    )
    assert drawn.returncode == 0, drawn.stderr
    assert "What drives the spread at month 18" in drawn.stdout
    assert "attract.organic.conversion" in drawn.stdout
    assert "can add to more than 100 %" in drawn.stdout
    # Readable in 100 columns: the drivers table is not wider.
    start = drawn.stdout.index("What drives the spread")
    assert max(len(line) for line in drawn.stdout[start:].splitlines()) <= 100
    table = pd.read_csv(tmp_path / "drawn" / "drivers.csv")
    assert set(table.columns) >= {"metric", "month", "input", "share", "ci_low", "ci_high"}

    fixed = flysim(
        "run", SCENARIO, "--runs", "200", "--fix-inputs", "--no-plots",
        "--out", tmp_path / "fixed", cwd=tmp_path,
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert "fixed at their medians" in fixed.stdout
    assert "What drives the spread" not in fixed.stdout
    assert not (tmp_path / "fixed" / "drivers.csv").exists()
