"""The report's figures, drawn with :mod:`flysim.plots` and embedded as base64 PNG data URIs."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure

from flysim.plots import compare_fan, compare_flows, dashboard, flow_diagram
from flysim.plots.changes import Changes
from flysim.plots.data import ResultLike
from flysim.plots.flow import FLOW_SIZE
from flysim.plots.style import plot_style

__all__ = ["COMPARE_FIGURE_KPIS", "EmbeddedFigure", "comparison_figures", "data_uri", "run_figures"]

#: Resolution of the embedded PNGs: sharp on a laptop screen, a few hundred kB each.
REPORT_DPI = 110
#: The KPIs a comparison report shows as overlaid fan charts.
COMPARE_FIGURE_KPIS: tuple[str, ...] = ("mrr", "cac", "ltv_cac", "churn_rate_annual")


@dataclass(frozen=True)
class EmbeddedFigure:
    """One figure of the report: its caption and its PNG as a ``data:`` URI."""

    title: str
    uri: str
    caption: str = ""


def data_uri(fig: Figure) -> str:
    """``fig`` as a base64 PNG ``data:`` URI; the figure is cleared afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=REPORT_DPI)
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def run_figures(result: ResultLike, changes: Changes | None = None) -> list[EmbeddedFigure]:
    """The dashboard and the flow diagram of one simulation, its dated ``changes`` marked."""
    with plot_style():
        dash = data_uri(dashboard(result, changes=changes))
        flow_ax = flow_diagram(
            result, ax=Figure(figsize=FLOW_SIZE, layout="constrained").add_subplot()
        )
        flow = data_uri(flow_ax.figure)  # type: ignore[arg-type]
    return [
        EmbeddedFigure(
            "Dashboard",
            dash,
            "Medians with the 50 % and 90 % bands across runs; dashed lines are the "
            "source articles' benchmarks.",
        ),
        EmbeddedFigure("Flows", flow, "The flywheel's flows over the horizon, mean across runs."),
    ]


def comparison_figures(
    results: Mapping[str, ResultLike], changes: Mapping[str, Changes] | None = None
) -> list[EmbeddedFigure]:
    """Overlaid fan charts of the headline KPIs, each scenario's dashboard, and the flows.

    ``changes`` are each scenario's dated changes by name, marked on the charts.
    """
    changes = changes or {}
    out = []
    with plot_style():
        for metric in COMPARE_FIGURE_KPIS:
            fig = Figure(figsize=(8.0, 4.5), layout="constrained")
            compare_fan(results, metric, ax=fig.add_subplot(), changes=changes)
            out.append(EmbeddedFigure(f"fan-{metric}", data_uri(fig)))
        for name, result in results.items():
            out.append(
                EmbeddedFigure(
                    f"Dashboard: {name}", data_uri(dashboard(result, changes=changes.get(name)))
                )
            )
        out.append(
            EmbeddedFigure(
                "Flows",
                data_uri(compare_flows(results)),
                "Each scenario's flows over the horizon, mean across runs, on one arrow scale.",
            )
        )
    return out
