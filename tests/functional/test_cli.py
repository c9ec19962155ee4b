"""The ``flysim`` command line end to end, in real subprocesses.

Every call runs ``python -m flysim`` in a fresh temporary folder, with few runs
and months so that each is quick. Bad input must give exit status 2 and one
``error:`` line naming the file, key and value, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import (
    TINY,
    _env,
    assert_one_error_line,
    flysim,
    start_long_run,
    tiny,
    write,
)

from flysim.engines import EVENT_COLUMNS
from flysim.metrics.names import METRICS

pytestmark = pytest.mark.functional

SUMMARY_COLUMNS = ["metric", "month", "mean", "p5", "p25", "p50", "p75", "p95", "missing"]


# -- flysim run on the reference scenario -----------------------------------------------


@pytest.fixture(scope="module")
def reference_run(reference_path: Path, tmp_path_factory: pytest.TempPathFactory):
    cwd = tmp_path_factory.mktemp("reference_run")
    proc = flysim(
        "run", reference_path, "--runs", 4, "--months", 3, "--out", "out/ref",
        "--engine", "des", "--events", "events.parquet", cwd=cwd,
    )  # fmt: skip
    return proc, cwd


def test_run_exits_0_and_prints_the_kpi_table(reference_run):
    proc, _ = reference_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    header = out.splitlines()[0]
    assert re.search(r"Reference · engine des · 4 runs · 3 months · seed 20261122 · ", header)
    assert re.search(r"[\d.]+ s · [\d,.]+ runs/s$", header)
    # months 3, 6, 12 and the horizon, but only those within the 3 simulated months
    assert "Month 3" in out
    assert "Month 6" not in out and "Month 12" not in out
    for label in ("Customers", "MRR", "CAC", "LTV:CAC", "NPS", "Flywheel velocity", "ROI"):
        assert label in out
    # money rows name the currency, cells are "P50 [P5 to P95]"; rates as percentages
    assert re.search(r"MRR \(EUR\)[\s│]+[\d,]+ \[[\d,]+ to [\d,]+\]", out), out
    assert re.search(r"Churn \(annualised\)[\s│]+(–|[\d.]+% \[[\d.]+% to [\d.]+%\])", out), out
    assert "Break-even (cumulative ROI > 0): " in out
    assert re.search(r"wrote .*out/ref", out)


def test_run_writes_summary_runs_manifest_and_plots(reference_run):
    proc, cwd = reference_run
    assert proc.returncode == 0, proc.stderr
    folder = cwd / "out" / "ref"

    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["metric"]) == set(METRICS)
    assert sorted(summary["month"].unique()) == [1, 2, 3]
    assert len(summary) == 3 * len(METRICS)
    assert summary["missing"].between(0, 4).all()

    runs = pd.read_parquet(folder / "runs.parquet")
    assert list(runs.columns) == ["run", "month", *METRICS]
    assert len(runs) == 4 * 3
    assert runs["run"].nunique() == 4
    assert sorted(runs["month"].unique()) == [1, 2, 3]

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"] == 4
    assert manifest["months"] == 3
    assert manifest["seed"] == 20261122
    assert manifest["engine"] == "des"
    assert manifest["flysim_version"] == version("flysim")
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario"]["sha256"])
    assert manifest["scenario"]["resolved"]["scenario"]["name"] == "Reference"

    pngs = list(folder.glob("*.png"))
    assert pngs, sorted(p.name for p in folder.iterdir())
    assert all(p.stat().st_size > 1000 for p in pngs)


def test_run_writes_the_event_log_as_parquet(reference_run):
    proc, cwd = reference_run
    assert proc.returncode == 0, proc.stderr
    events = pd.read_parquet(cwd / "events.parquet")
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert len(events) > 0
    assert events["run"].nunique() <= 4
    assert events["time"].between(0, 3 * 30.4375).all()


# -- flysim run on a small scenario: defaults, --quiet, --no-plots, --set, CSV events ----


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory):
    cwd = tmp_path_factory.mktemp("tiny_run")
    path = write(cwd, "tiny.toml", TINY)
    proc = flysim(
        "run", path.name, "--runs", 3, "--months", 2, "--seed", 11, "--quiet", "--no-plots",
        "--set", "attract.paid.budget_per_month=2000", "--set", "costs.stack_per_month=0",
        "--engine", "des", "--events", "logs/events.csv", cwd=cwd,
    )  # fmt: skip
    return proc, cwd


def test_quiet_run_prints_nothing_and_writes_results_to_the_default_folder(tiny_run):
    proc, cwd = tiny_run
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""
    folder = cwd / "results" / "tiny"  # results/<scenario file stem>/, relative to cwd
    assert {"summary.csv", "runs.parquet", "manifest.json"} <= {p.name for p in folder.iterdir()}
    assert not list(folder.glob("*.png"))  # --no-plots


def test_run_respects_runs_months_seed_and_set(tiny_run):
    proc, cwd = tiny_run
    assert proc.returncode == 0, proc.stderr
    folder = cwd / "results" / "tiny"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["runs"], manifest["months"], manifest["seed"]) == (3, 2, 11)
    resolved = manifest["scenario"]["resolved"]
    assert resolved["attract"]["paid"]["budget_per_month"] == 2000
    assert resolved["costs"]["stack_per_month"] == 0
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 3 * 2
    # The paid budget is spent in full, continuously: the override reaches the model.
    assert runs["spend_paid"].to_numpy() == pytest.approx(2000.0)
    assert runs["spend_stack"].to_numpy() == pytest.approx(0.0)


def test_run_writes_the_event_log_as_csv(tiny_run):
    proc, cwd = tiny_run
    assert proc.returncode == 0, proc.stderr
    events = pd.read_csv(cwd / "logs" / "events.csv")
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert len(events) > 0
    assert events["run"].nunique() <= 3


def test_run_without_quiet_prints_the_table_with_the_horizon_month(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("run", "tiny.toml", "--runs", 2, "--months", 5, "--no-plots", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Tiny · engine mc · 2 runs · 5 months · seed 7 · " in proc.stdout  # mc: the default
    assert re.search(r"KPI[\s┃]+Month 3[\s┃]+Month 5[\s┃]*$", proc.stdout, re.M), proc.stdout
    assert "Month 6" not in proc.stdout
    assert "wrote " in proc.stdout and (tmp_path / "results" / "tiny").is_dir()
    # Standard error is a pipe here: no progress bar, not even the blank line it left.
    assert proc.stderr == ""


# -- flysim validate and --version ----------------------------------------------------------


def test_validate_prints_each_resolved_scenario_and_its_hash(reference_path, tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("validate", reference_path, "tiny.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    hashes = re.findall(r"sha256 ([0-9a-f]{64})", proc.stdout)
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert "Reference" in proc.stdout and "Tiny" in proc.stdout
    assert "budget_per_month" in proc.stdout


def test_validate_prints_complete_toml_that_loads_back_to_the_same_hash(tmp_path):
    long_description = "A description longer than any terminal is wide. " * 6
    write(
        tmp_path,
        "long.toml",
        tiny(**{'name = "Tiny"': f'name = "Tiny"\ndescription = "{long_description}"'}),
    )
    proc = flysim("validate", "long.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [digest] = re.findall(r"sha256 ([0-9a-f]{64})", proc.stdout.split("\n", 1)[0])
    write(tmp_path, "echo.toml", proc.stdout)  # the whole output, its header a comment
    again = flysim("validate", "echo.toml", cwd=tmp_path)
    assert re.findall(r"sha256 ([0-9a-f]{64})", again.stdout) == [digest], proc.stdout


def test_validate_applies_set_and_the_hash_follows_it(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    plain = flysim("validate", "tiny.toml", cwd=tmp_path)
    changed = flysim("validate", "tiny.toml", "--set", "scenario.seed=8", cwd=tmp_path)
    assert plain.returncode == changed.returncode == 0, (plain.stderr, changed.stderr)
    h1, h2 = (re.findall(r"sha256 ([0-9a-f]{64})", p.stdout) for p in (plain, changed))
    assert len(h1) == len(h2) == 1 and h1 != h2
    assert re.search(r"\bseed\W{1,4}8\b", changed.stdout), changed.stdout


def test_validate_reports_errors_and_exits_2(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    write(tmp_path, "bad.toml", tiny(**{"conversion = 0.1": "conversion = 1.5"}))
    proc = flysim("validate", "tiny.toml", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(re.findall(r"sha256 [0-9a-f]{64}", proc.stdout)) == 1  # tiny.toml still shown
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: ") and "bad.toml" in line
    assert "attract.paid.conversion" in line and "1.5" in line


def test_version(tmp_path):
    proc = flysim("--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"flysim {version('flysim')}"


# -- bad input: one clear line, exit status 2, never a traceback -------------------------

BAD_FILES = {
    "unknown key, with the nearest key suggested": (
        tiny(**{"days_to_value = 10.0": "days_to_valeu = 10.0"}),
        ["engage.days_to_valeu", "days_to_value"],
    ),
    "wrong type": (
        tiny(**{"horizon_months = 6": 'horizon_months = "six"'}),
        ["scenario.horizon_months", '"six"'],
    ),
    "probability above 1": (
        tiny(**{"conversion = 0.1": "conversion = 1.5"}),
        ["attract.paid.conversion", "1.5", "between 0 and 1"],
    ),
    "probability below 0": (
        tiny(**{"gross_margin = 0.8": "gross_margin = -0.2"}),
        ["revenue.gross_margin", "-0.2", "between 0 and 1"],
    ),
    "negative money": (
        tiny(**{"stack_per_month = 100.0": "stack_per_month = -100.0"}),
        ["costs.stack_per_month", "-100", "between 0 and 1e9"],
    ),
    "negative rate": (
        tiny(**{"risk_per_month = 0.05": "risk_per_month = -0.05"}),
        ["engage.risk_per_month", "-0.05", "between 0 and 100"],
    ),
    "NPS shares not summing to 1": (
        tiny(**{"detractor = 0.2 }": "detractor = 0.1 }"}),
        ["delight.nps.healthy", "sum to 1", "0.9"],
    ),
    "horizon 0": (
        tiny(**{"horizon_months = 6": "horizon_months = 0"}),
        ["scenario.horizon_months", "= 0", "120"],
    ),
    "horizon 121": (
        tiny(**{"horizon_months = 6": "horizon_months = 121"}),
        ["scenario.horizon_months", "121", "120"],
    ),
    "malformed TOML": (
        TINY.replace("[engage]", "[engage"),
        ["line"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_scenario_file(case, tmp_path):
    text, needles = BAD_FILES[case]
    write(tmp_path, "bad.toml", text)
    proc = flysim("run", "bad.toml", "--runs", 2, "--months", 1, cwd=tmp_path)
    assert_one_error_line(proc, "bad.toml", *needles)
    assert not (tmp_path / "results").exists()


def test_several_problems_give_one_error_line_each(tmp_path):
    bad = tiny(
        **{
            "conversion = 0.1": "conversion = 1.5",
            "stack_per_month = 100.0": "stack_per_month = -1.0",
        }
    )
    write(tmp_path, "bad.toml", bad)
    proc = flysim("run", "bad.toml", "--runs", 2, "--months", 1, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr
    assert all(line.startswith("error: bad.toml") for line in lines)
    assert any("attract.paid.conversion = 1.5" in line for line in lines)
    assert any("costs.stack_per_month = -1" in line for line in lines)


def test_missing_file(tmp_path):
    proc = flysim("run", "scenarios/nope.toml", cwd=tmp_path)
    assert_one_error_line(proc, "nope.toml")


def test_cyclic_extends(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n' + TINY)
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[scenario]\nname = "B"\n')
    proc = flysim("run", "a.toml", "--runs", 2, "--months", 1, cwd=tmp_path)
    line = assert_one_error_line(proc, "a.toml", "b.toml")
    assert "cycl" in line.lower() or "circular" in line.lower(), line


BAD_SETS = {
    "unknown path": ("attract.paid.budget=3000", ["attract.paid.budget", "budget_per_month"]),
    "unknown section": ("atract.paid.budget_per_month=3000", ["atract", "attract"]),
    "value of the wrong type": ("attract.paid.conversion=abc", ["attract.paid.conversion", "abc"]),
    "value out of range": ("attract.paid.conversion=2", ["attract.paid.conversion", "2"]),
    "negative money": ("attract.paid.budget_per_month=-5", ["budget_per_month", "-5"]),
    "no equals sign": ("attract.paid.budget_per_month", ["attract.paid.budget_per_month"]),
}


@pytest.mark.parametrize("case", list(BAD_SETS))
def test_bad_set(case, tmp_path):
    override, needles = BAD_SETS[case]
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("run", "tiny.toml", "--runs", 2, "--months", 1, "--set", override, cwd=tmp_path)
    assert_one_error_line(proc, "tiny.toml", *needles)


BAD_OPTIONS = {
    "runs 0": (["--runs", "0"], "--runs"),
    "runs not a number": (["--runs", "abc"], "--runs"),
    "months 121": (["--months", "121"], "--months"),
    "months 0": (["--months", "0"], "--months"),
    "negative seed": (["--seed", "-1"], "--seed"),
    "workers 0": (["--workers", "0"], "--workers"),
    "unknown engine": (["--engine", "warp"], "--engine"),
    "unknown option": (["--rnus", "4"], "--rnus"),
}


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_bad_option_is_a_short_usage_error(case, tmp_path):
    args, needle = BAD_OPTIONS[case]
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("run", "tiny.toml", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 6, proc.stderr
    assert not (tmp_path / "results").exists()


def test_unknown_event_log_extension_fails_before_simulating(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("run", "tiny.toml", "--engine", "des", "--events", "events.txt", cwd=tmp_path)
    assert_one_error_line(proc, "events.txt", ".parquet", ".csv")


def test_events_with_the_numpy_core_is_one_clear_error(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    proc = flysim("run", "tiny.toml", "--runs", 2, "--events", "events.csv", cwd=tmp_path)
    assert_one_error_line(proc, "--events needs --engine des")
    assert not (tmp_path / "events.csv").exists()
    assert not (tmp_path / "results").exists()


# -- Ctrl-C --------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
# 0.05 s lands while the engine still imports scipy lazily (through exec of a
# string), which once made the interpreter kill itself with SIGINT at exit.
@pytest.mark.parametrize("delay", [0.05, 0.5])
def test_interrupt_exits_130_and_leaves_no_result(tmp_path, delay):
    proc = start_long_run(tmp_path, "-v")
    try:
        # Interrupt once the simulation has started (flysim logs it at INFO with -v).
        deadline = time.monotonic() + 60
        seen = ""
        while "simulating" not in seen and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        assert "simulating" in seen, seen
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, seen + err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert not (tmp_path / "results" / "tiny").exists()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="finds the workers through /proc",
)
def test_a_killed_worker_is_one_error_line_and_exit_1_not_a_hang(tmp_path):
    proc = start_long_run(tmp_path, "--workers", "2")
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Two children are the pool's workers (a first run's compile helper is
        # alone and gone by then); a second later each holds a chunk.
        time.sleep(1.0)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the run never started its workers"
        os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "worker process was killed by signal 9 (SIGKILL)" in last, err
    assert not (tmp_path / "results" / "tiny").exists()


def test_a_reader_that_leaves_early_still_gets_the_results_saved(tmp_path):
    """``flysim run ... | head``: the table is cut short, the results folder is not."""
    write(tmp_path, "tiny.toml", TINY)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flysim", "run", "tiny.toml", "--runs", "50", "--no-plots"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before flysim prints its first line
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert (tmp_path / "results" / "tiny" / "manifest.json").exists()
