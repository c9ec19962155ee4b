"""Bad uncertain inputs in a scenario file are one line, ``error: ...``, and exit 2 (issue 10).

In-process through ``flysim.cli._run``, as ``test_cli_errors.py``: each file
extends the shipped start-up scenario with one bad distribution or correlation,
and the line names the file, the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flysim.cli import _run
from tests.unit.test_cli_errors import one_error_line

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"

BAD = {
    "support leaves the key's range": (
        '[attract.paid]\nconversion = { dist = "normal", mean = 0.04, sd = 0.02 }\n',
        ("attract.paid.conversion",),
    ),
    "impossible beta sd": (
        '[attract.paid]\nconversion = { dist = "beta", mean = 0.04, sd = 0.3 }\n',
        ("attract.paid.conversion", "sd"),
    ),
    "low above high": (
        '[attract.paid]\ncost_per_lead = { dist = "uniform", low = 50, high = 30 }\n',
        ("attract.paid.cost_per_lead", "low"),
    ),
    "unknown dist": (
        '[attract.paid]\nconversion = { dist = "betta", mean = 0.04, sd = 0.01 }\n',
        ("attract.paid.conversion", "beta"),
    ),
    "correlation not positive definite": (
        "[attract.paid]\n"
        'conversion = { dist = "beta", mean = 0.04, sd = 0.01 }\n'
        'cost_per_lead = { dist = "triangular", low = 25, mode = 30, high = 45 }\n'
        "[attract.organic]\n"
        'conversion = { dist = "beta", mean = 0.05, sd = 0.01 }\n'
        "[[correlations]]\n"
        'keys = ["attract.paid.conversion", "attract.paid.cost_per_lead"]\nrank = 0.9\n'
        "[[correlations]]\n"
        'keys = ["attract.paid.conversion", "attract.organic.conversion"]\nrank = 0.9\n'
        "[[correlations]]\n"
        'keys = ["attract.paid.cost_per_lead", "attract.organic.conversion"]\nrank = -0.9\n',
        ("positive definite",),
    ),
    "correlation of a key that holds no distribution": (
        '[attract.paid]\nconversion = { dist = "beta", mean = 0.04, sd = 0.01 }\n'
        "[[correlations]]\n"
        'keys = ["attract.paid.conversion", "attract.paid.cost_per_lead"]\nrank = 0.5\n',
        ("attract.paid.cost_per_lead",),
    ),
}


@pytest.mark.parametrize(("body", "needles"), BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_uncertain_input_is_one_line_and_exit_2(capsys, tmp_path, command, body, needles):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{STARTUP.as_posix()}"\n{body}', encoding="utf-8")
    args = [command, str(path)] + (
        ["--runs", "1", "--out", str(tmp_path / "out")] * (command == "run")
    )
    line = one_error_line(capsys, _run(args), *needles)
    assert "bad.toml" in line
    assert not (tmp_path / "out").exists()


def test_bad_voi_outcome_is_one_line_and_exit_2(capsys, tmp_path):
    args = ["compare", str(STARTUP), str(STARTUP), "--voi-outcome", "contribution_cumulativ"]
    one_error_line(capsys, _run([*args, "--out", str(tmp_path / "c")]), "contribution_cumulative")
