"""A comparison of plans with uncertain inputs keeps, saves and loads their draws, and values them.

Small and fast (30 runs, 2 months): the statistics are in
``tests/statistical/test_uncertain_results.py``; here the plumbing, from
``flysim.compare`` and ``flysim compare`` to the folder and back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flysim
from flysim.cli import _run
from flysim.study.voi import VOI_FILE

STARTUP = (Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml").as_posix()

A = (
    f'extends = "{STARTUP}"\n[scenario]\nname = "a"\n'
    '[attract.paid]\nconversion = { dist = "beta", mean = 0.04, sd = 0.01 }\n'
)
B = A.replace('name = "a"', 'name = "b"') + (
    '[costs]\nstack_per_month = { dist = "uniform", low = 0, high = 300 }\n'
)


@pytest.fixture
def plans(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / "a.toml", tmp_path / "b.toml"]
    for path, text in zip(paths, (A, B), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


def test_comparison_keeps_saves_and_loads_each_plans_inputs(plans, tmp_path):
    comparison = flysim.compare(plans, runs=30, months=2, seed=4, workers=1)
    inputs = comparison.inputs()
    assert list(inputs["a"].columns) == ["attract.paid.conversion"]
    assert list(inputs["b"].columns) == ["attract.paid.conversion", "costs.stack_per_month"]
    voi = comparison.value_of_information(month=2)
    assert set(voi["input"]) == {"attract.paid.conversion", "costs.stack_per_month"}
    assert voi.attrs["outcome"] == "contribution_cumulative" and voi.attrs["month"] == 2
    folder = comparison.save(tmp_path / "out", figures=False)
    table = pd.read_csv(folder / VOI_FILE)
    assert list(table.columns) == ["input", "evppi", "share_of_evpi"]
    loaded = flysim.Comparison.load(folder)
    for name, frame in loaded.inputs().items():
        assert frame is not None
        pd.testing.assert_frame_equal(frame, inputs[name], check_dtype=False)


def test_fixed_inputs_leave_nothing_to_value(plans):
    comparison = flysim.compare(plans, runs=30, months=2, seed=4, workers=1, fix_inputs=True)
    assert all(frame is None for frame in comparison.inputs().values())
    assert not comparison.has_inputs()
    with pytest.raises(ValueError, match="nothing to learn"):
        comparison.value_of_information()
    # At the medians b is a: its stack cost's median is a's 150, its conversion the same.
    cc = [r.metric("contribution_cumulative")[:, -1] for r in comparison.results]
    np.testing.assert_array_equal(cc[0], cc[1])


def test_cli_compare_prints_the_value_of_information_unless_inputs_are_fixed(
    plans, tmp_path, capsys
):
    args = ["compare", *map(str, plans), "--runs", "30", "--months", "2", "--no-plots"]
    assert _run([*args, "--out", str(tmp_path / "drawn"), "--voi-outcome", "mrr"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # a title may wrap
    assert "value of information on monthly recurring revenue" in out.lower()
    assert "costs.stack_per_month" in out and "All inputs (EVPI)" in out
    assert (tmp_path / "drawn" / VOI_FILE).is_file()
    assert _run([*args, "--out", str(tmp_path / "fixed"), "--fix-inputs"]) == 0
    out = capsys.readouterr().out
    assert "fixed at their medians" in out and "EVPI" not in out
    assert not (tmp_path / "fixed" / VOI_FILE).exists()


def test_too_few_runs_to_value_the_inputs_still_compare_and_save(plans, tmp_path, capsys):
    args = ["compare", *map(str, plans), "--runs", "10", "--months", "2", "--no-plots"]
    assert _run([*args, "--out", str(tmp_path / "few")]) == 0
    assert "Too few runs to value the uncertain inputs" in capsys.readouterr().out
    assert (tmp_path / "few" / "inputs.parquet").is_file()
    assert not (tmp_path / "few" / VOI_FILE).exists()
