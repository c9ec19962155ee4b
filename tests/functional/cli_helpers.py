"""Running ``python -m flysim`` in a subprocess, and a tiny scenario to run, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A small scenario that exercises every stage yet runs in well under a second.
TINY = """\
[scenario]
name = "Tiny"
horizon_months = 6
runs = 4
seed = 7

[initial]
customers = 20
advocates = 2

[revenue]
gross_margin = 0.8
tiers = [{ name = "basic", mrr = 50.0 }, { name = "pro", mrr = 150.0 }]

[attract.paid]
budget_per_month = 1000.0
cost_per_lead = 20.0
conversion = 0.1
days_to_decide = 5.0

[attract.referral]
conversion = 0.3

[engage]
days_to_value = 10.0
risk_per_month = 0.05
recovery_per_month = 0.2
churn_per_month = { healthy = 0.02, at_risk = 0.1 }

[delight]
nps.healthy = { promoter = 0.5, passive = 0.3, detractor = 0.2 }
nps.at_risk = { promoter = 0.1, passive = 0.4, detractor = 0.5 }
ask_accept = 0.5
referrals_per_advocate_per_month = 0.2

[costs]
stack_per_month = 100.0
"""


def flysim(*args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m flysim ARGS`` in ``cwd`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "flysim", *map(str, args)],
        cwd=cwd,
        env=_env(),
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
