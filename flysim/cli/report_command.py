"""``flysim report``: one self-contained HTML page from a saved run or comparison folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from .common import EXIT_FAILURE, app, fail, stdout

__all__ = ["report_command"]


@app.command("report")
def report_command(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER",
            help="A results folder written by 'flysim run' or 'flysim compare'.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="The HTML file (default: FOLDER/report.html).", show_default=False
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a run or a comparison, to send on.

    The page holds the question, the scenarios and every key in which they
    differ, the headline KPIs with their bands, the decision probabilities,
    the dashboard and flow figures (embedded, no network needed) and the
    provenance: flysim version, seed, runs, each scenario's sha256.

    Examples:

      flysim report results/startup

      flysim report results/compare-funnel-flywheel --out board.html
    """
    from flysim.io import read_manifest
    from flysim.report import write_report
    from flysim.result import SimulationResult
    from flysim.study import Comparison

    try:
        kind = read_manifest(folder).get("kind")
    except (FileNotFoundError, NotADirectoryError):
        fail(
            f"{folder}: no manifest.json; give a folder written by 'flysim run' or 'flysim compare'"
        )
    except ValueError as exc:
        fail(f"{folder}: {exc}")
    try:
        if kind == "run":
            subject: SimulationResult | Comparison = SimulationResult.load(folder)
        elif kind == "compare":
            subject = Comparison.load(folder)
        else:
            fail(f"{folder}: a {kind} folder; reports are of 'run' and 'compare' folders")
    except (FileNotFoundError, ValueError) as exc:
        fail(f"{folder}: {exc}")
    target = out if out is not None else folder / "report.html"
    try:
        written = write_report(subject, target)
    except OSError as exc:
        fail(f"cannot write the report: {exc}", EXIT_FAILURE)
    stdout.print(Text(f"wrote {written}"), soft_wrap=True)
