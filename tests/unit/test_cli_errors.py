"""Every bad command line is one line, ``error: ...``, and exit status 2 (issue 14).

In-process (``flysim.cli._run``, what ``main`` calls), so that the many cases
cost milliseconds; ``tests/functional/test_cli_robust.py`` runs the real
executable for a few of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flysim.cli import _run

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"
S = str(SCENARIO)
P = "attract.paid.budget_per_month=500:3000:3"

BAD_OPTIONS = {
    "runs not a number": (["run", S, "--runs", "abc"], "--runs"),
    "runs zero": (["run", S, "--runs", "0"], "--runs"),
    "runs negative": (["run", S, "--runs", "-5"], "--runs"),
    "runs 10**9": (["run", S, "--runs", str(10**9)], "--runs"),
    "runs 2**70": (["run", S, "--runs", str(2**70)], "--runs"),
    "runs a float": (["run", S, "--runs", "1.5"], "--runs"),
    "seed negative": (["run", S, "--seed", "-1"], "--seed"),
    "seed 2**64": (["run", S, "--seed", str(2**64)], "--seed"),
    "seed text": (["run", S, "--seed", "x"], "--seed"),
    "months zero": (["run", S, "--months", "0"], "--months"),
    "months 121": (["run", S, "--months", "121"], "--months"),
    "months text": (["run", S, "--months", "twelve"], "--months"),
    "workers zero": (["run", S, "--workers", "0"], "--workers"),
    "workers 10**6": (["run", S, "--workers", str(10**6)], "--workers"),
    "engine unknown": (["run", S, "--engine", "gpu"], "--engine"),
    "unknown option": (["run", S, "--nope"], "--nope"),
    "missing scenario": (["run"], "SCENARIO"),
    "unknown command": (["simulate", S], "simulate"),
    "option without value": (["run", S, "--runs"], "--runs"),
    "compare months text": (["compare", S, S, "--months", "x"], "--months"),
    "compare ltv-cac text": (["compare", S, S, "--ltv-cac", "high"], "--ltv-cac"),
    "compare break-even text": (["compare", S, S, "--break-even", "soon"], "--break-even"),
    "compare payback text": (["compare", S, S, "--payback", "fast"], "--payback"),
    "sweep without param": (["sweep", S, "--metric", "mrr"], "--param"),
    "sweep without metric": (["sweep", S, "--param", P], "--metric"),
    "sweep month text": (["sweep", S, "--param", P, "--metric", "mrr", "--month", "x"], "--month"),
    "sensitivity samples 2**40": (
        [
            "sensitivity",
            S,
            "--param",
            "engage.risk_per_month=0.03:0.12",
            "--metric",
            "mrr",
            "--method",
            "sobol",
            "--samples",
            str(2**40),
        ],
        "--samples",
    ),
    "sensitivity samples one": (
        [
            "sensitivity",
            S,
            "--param",
            "engage.risk_per_month=0.03:0.12",
            "--metric",
            "mrr",
            "--samples",
            "1",
        ],
        "--samples",
    ),
    "validate without file": (["validate"], "SCENARIO"),
}


def one_error_line(capsys: pytest.CaptureFixture[str], status: int, *needles: str) -> str:
    out, err = capsys.readouterr()
    assert status == 2, (status, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in err and "╭" not in err and "│" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize("args, needle", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_option_value_is_one_line_and_exit_2(capsys, args, needle):
    one_error_line(capsys, _run(args), needle)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["run", S, "--runs", "-5"],
            ("'--runs'", "greater than or equal to 1", "got -5 (allowed: 1 to 10,000,000)"),
        ),
        (["run", S, "--months=500"], ("'--months'", "less than or equal to 120", "got 500")),
        (["run", S, "--runs", "5", "--runs", "-5"], ("got -5 (allowed",)),
        (["run", S, "--seed", "x y"], ("'--seed'", "valid integer", "got 'x y'")),
    ],
)
def test_an_option_out_of_range_says_the_value_given(capsys, args, needles):
    one_error_line(capsys, _run(args), *needles)


@pytest.mark.parametrize(
    "args, needle",
    [
        (
            [
                "sweep",
                S,
                "--param",
                "attract.paid.budget_per_month=500:3000:100000000",
                "--metric",
                "mrr",
            ],
            "parameter sets",
        ),
        (
            [
                "sweep",
                S,
                "--param",
                "attract.paid.budget_per_month=500:3000:400",
                "--param",
                "engage.risk_per_month=0.01:0.1:400",
                "--metric",
                "mrr",
            ],
            "parameter sets",
        ),
        (["run", S, "--runs", "10000000"], "GB of memory"),
        (["run", S, "--runs", "200000", "--engine", "des"], "--engine mc"),
        (
            [
                "sensitivity",
                S,
                "--param",
                "engage.risk_per_month=0.03:0.12",
                "--param",
                "engage.upsell_per_month=0.01:0.05",
                "--metric",
                "mrr",
                "--method",
                "sobol",
                "--samples",
                "16384",
                "--runs",
                "10000",
            ],
            "memory",
        ),
    ],
    ids=[
        "sweep 10**8 points",
        "sweep 400x400",
        "runs 10**7",
        "des too many events",
        "sobol too large",
    ],
)
def test_job_too_large_is_refused_before_it_starts(capsys, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    one_error_line(capsys, _run(args), needle)
    assert not (tmp_path / "results").exists()
