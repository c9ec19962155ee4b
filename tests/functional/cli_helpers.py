"""Running ``python -m flysim`` in a subprocess, and a tiny scenario to run, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.builders import TINY_TOML

REPO = Path(__file__).resolve().parents[2]

TINY = TINY_TOML


def flysim(
    *args: object, cwd: Path, timeout: float = 120, columns: int = 250
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m flysim ARGS`` in ``cwd``, as in a terminal ``columns`` wide; capture it."""
    return subprocess.run(
        [sys.executable, "-m", "flysim", *map(str, args)],
        cwd=cwd,
        env={**_env(), "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Wide enough that table cells never wrap; plain text; importable without install.
    env.update(COLUMNS="250", NO_COLOR="1", MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def tiny(**replace: str) -> str:
    """TINY with each ``old: new`` of ``replace`` substituted (``old`` must occur in it)."""
    text = TINY
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def start_long_run(cwd: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``flysim run`` of 100,000 runs of a 120-month TINY in ``cwd``, output piped.

    Long enough to interrupt or to kill a worker of while it runs.
    """
    write(cwd, "tiny.toml", tiny(**{"horizon_months = 6": "horizon_months = 120"}))
    return subprocess.Popen(
        [sys.executable, "-m", "flysim", "run", "tiny.toml", "--runs", "100000", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit status 2, no traceback, and exactly one ``error:`` line containing ``needles``."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    assert proc.stdout == ""
    return line
