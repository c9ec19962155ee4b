"""Help pages (in process, typer's runner) and the ``metrics`` table: examples, choices, flags."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from flysim.cli import app
from flysim.cli.metrics_command import metrics_frame, metrics_table
from flysim.metrics.names import METRICS

COMMANDS = ["run", "validate", "metrics", "compare", "sweep", "sensitivity"]


def _invoke(*args: str, columns: int = 100):
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    return result


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_page_has_an_example_and_no_bool_placeholder_on_flags(command):
    result = _invoke(command, "--help")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Examples" in out and f"flysim {command} " in out
    flags = [line for line in out.splitlines() if re.search(r"--(no-plots|quiet|report)\b", line)]
    assert all("<bool>" not in line for line in flags), flags


def test_h_is_help_too():
    assert _invoke("-h").output == _invoke("--help").output
    short = _invoke("run", "-h")
    assert short.exit_code == 0 and short.output == _invoke("run", "--help").output


def test_help_lists_the_choices_and_marks_required_arguments():
    assert "oat|morris|sobol" in _invoke("sensitivity", "--help").output
    run = _invoke("run", "--help").output
    assert "table|csv|markdown|json" in run and "des|mc" in run
    compare = _invoke("compare", "--help").output
    assert "[required]" in compare
    missing = _invoke("compare")
    assert missing.exit_code == 2


def test_the_metrics_table_fits_80_columns_and_names_every_metric():
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(metrics_table(metrics_frame()))
    text = console.file.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for name in METRICS:
        assert name in text
