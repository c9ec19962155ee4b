"""One self-contained HTML report of a simulation or a comparison, to send to a board.

The report states the question, the scenarios and every resolved key in
which they differ, the headline KPIs with their bands, the decision
probabilities, the dashboard and flow figures, and the provenance (flysim
version, engine, seed, runs, each scenario's sha256). Figures are embedded
as PNG data URIs and the style is inline, so the single file opens offline.

This package sits above results, studies and plots; none of them imports it.

Examples
--------
>>> import flysim
>>> from flysim.report import write_report
>>> result = flysim.simulate("scenarios/startup.toml", runs=200)  # doctest: +SKIP
>>> write_report(result, "startup-report.html")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from flysim._version import __version__
from flysim.report.content import ReportContent, report_content
from flysim.result import SimulationResult
from flysim.study.compare import Comparison

__all__ = ["ReportContent", "build_report", "report_content", "write_report"]


def build_report(subject: SimulationResult | Comparison) -> str:
    """The report on ``subject`` (a simulation or a comparison) as one HTML string.

    Parameters
    ----------
    subject : SimulationResult or Comparison
        What to report on.

    Returns
    -------
    str
        A complete HTML page with every figure embedded.
    """
    from flysim.report.figures import comparison_figures, run_figures  # matplotlib here only
    from flysim.report.html import render_html

    content = report_content(subject)
    if isinstance(subject, Comparison):
        figures = comparison_figures(subject.by_name(), subject.changes)
    else:
        figures = run_figures(subject, subject.changes)
    return render_html(content, figures, __version__)


def write_report(subject: SimulationResult | Comparison, path: str | os.PathLike[str]) -> Path:
    """Write :func:`build_report` of ``subject`` to ``path`` (UTF-8); return the path."""
    path = Path(path)
    path.write_text(build_report(subject), encoding="utf-8")
    return path.resolve()
