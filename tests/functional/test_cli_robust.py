"""The real executable on bad files, values, paths and signals: one line, exit 2 (issue 14).

The many cases run in-process in ``tests/unit/test_cli_errors.py``,
``test_scenario_robust.py`` and ``test_outputs.py``; these are the few that
need a real process (a FIFO, a signal, start-up).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from cli_helpers import (
    REPO,
    TINY,
    _env,
    assert_one_error_line,
    flysim,
    start_long_run,
    write,
)

pytestmark = pytest.mark.functional


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_scenario_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")
    proc = flysim("run", "fifo.toml", cwd=tmp_path, timeout=30)
    assert_one_error_line(proc, "fifo.toml", "FIFO")


def test_bad_out_is_one_line_before_simulating(tmp_path):
    write(tmp_path, "tiny.toml", TINY)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("")
    proc = flysim("run", "tiny.toml", "-v", "--out", "mine", cwd=tmp_path)
    assert proc.returncode == 2 and "simulating" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: refusing to replace mine")
    assert (tmp_path / "mine" / "thesis.tex").exists()


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_sigterm_keeps_the_previous_result_and_leaves_no_hidden_folder(tmp_path):
    # An earlier result, as flysim's manifest describes it.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.csv").write_text("metric\n")
    (tmp_path / "out" / "manifest.json").write_text(
        json.dumps({"format": "flysim-result", "files": ["summary.csv", "manifest.json"]})
    )
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    proc = start_long_run(tmp_path, "-v", "--out", "out")
    try:
        seen = ""
        while "simulating" not in seen:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, seen + err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_during_start_up_is_one_line(tmp_path):
    # The console script's entry point, as `flysim` runs it.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import flysim_launcher; flysim_launcher.main()",
            "validate",
            str(REPO / "scenarios" / "startup.toml"),
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.25)  # well inside the imports of numpy, pandas and the engines
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted", err
