"""Options that ``run`` and ``compare`` share: --kpis, --format, --report and --fix-inputs."""

from __future__ import annotations

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
