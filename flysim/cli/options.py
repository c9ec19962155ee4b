"""Options that ``run`` and ``compare`` share: --kpis, --format, --report and --fix-inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .layout import OutputFormat

__all__ = ["FixInputs", "Format", "Kpis", "Report"]

Kpis = Annotated[
    str | None,
    typer.Option(
        "--kpis",
        metavar="NAME,NAME,...",
        help="The KPIs to print, comma-separated metric names ('all' for every metric); "
        "'flysim metrics' lists them.",
        show_default=False,
    ),
]
Format = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="How to print the KPIs: a table fitted to the terminal's width, or csv, "
        "markdown or json (data only on standard output, to redirect).",
        case_sensitive=False,
    ),
]
Report = Annotated[
    bool,
    typer.Option(
        "--report",
        metavar="",  # a flag: no "<bool>" placeholder in the help
        help="Also write report.html into the results folder: one self-contained page "
        "(figures embedded) to send on.",
    ),
]
FixInputs = Annotated[
    bool,
    typer.Option(
        "--fix-inputs",
        metavar="",
        help="Run every uncertain input (a key holding a distribution) at its median, so the "
        "bands show chance alone.",
    ),
]

Out = Annotated[Path | None, typer.Option("--out", help="Output folder.", show_default=False)]
NoPlots = Annotated[bool, typer.Option("--no-plots", metavar="", help="Skip the PNG charts.")]
Metric = Annotated[
    str,
    typer.Option(
        "--metric",
        help="The metric to study, e.g. ltv_cac, clv, mrr ('flysim metrics' lists them).",
    ),
]
Month = Annotated[
    int | None, typer.Option(min=1, help="Month to read the metric at (default: the horizon).")
]
