"""Figures of a simulation result and of studies over several results.

A result: :func:`fan_chart`, the KPI :func:`dashboard`, the :func:`flow_diagram`
(all written by :func:`save_figures`). A comparison (:func:`flysim.compare`):
:func:`compare_fan` overlays one fan per scenario, :func:`compare_flows` puts
their flow diagrams side by side on one arrow scale. A sweep
(:func:`flysim.sweep`): :func:`sweep_line` for one parameter,
:func:`sweep_heatmap` for two. A sensitivity study (:func:`flysim.sensitivity`):
:func:`tornado` for one-at-a-time swings, :func:`index_bars` for Morris or
Sobol indices. The sweep and sensitivity charts read plain frames, so a CSV
written by the CLI plots the same way as a study run in a notebook.

Every plot function takes ``ax=None`` (or ``fig=None``) and returns what it drew
on; none calls ``plt.show()``. The house style is applied only while a figure
is drawn (:func:`flysim.plots.style.plot_style`), so importing flysim never
changes the global ``rcParams``.

Examples
--------
>>> import flysim
>>> from flysim.plots import dashboard, fan_chart
>>> result = flysim.simulate(flysim.load_scenario("scenarios/startup.toml"), runs=100, seed=1)
>>> ax = fan_chart(result, "mrr")  # doctest: +SKIP
>>> fig = dashboard(result)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

from matplotlib.figure import Figure

from flysim.plots.compare import compare_fan, compare_flows
from flysim.plots.dashboard import DASHBOARD_METRICS, DASHBOARD_SIZE, dashboard
from flysim.plots.fan import DEFAULT_BANDS, fan_chart
from flysim.plots.flow import FLOW_SIZE, flow_diagram, flow_scale, flow_totals
from flysim.plots.output import SAVE_DPI, save_figure
from flysim.plots.sensitivity import index_bars, tornado
from flysim.plots.style import METRIC_STYLES, MetricStyle, metric_style, plot_style
from flysim.plots.sweep import sweep_heatmap, sweep_line
from flysim.result import SimulationResult

__all__ = [
    "DASHBOARD_METRICS",
    "DEFAULT_BANDS",
    "METRIC_STYLES",
    "SAVE_DPI",
    "MetricStyle",
    "compare_fan",
    "compare_flows",
    "dashboard",
    "fan_chart",
    "flow_diagram",
    "flow_scale",
    "flow_totals",
    "index_bars",
    "metric_style",
    "plot_style",
    "save_figures",
    "sweep_heatmap",
    "sweep_line",
    "tornado",
]

logger = logging.getLogger(__name__)

_FAN_SIZE = (8.0, 4.5)


def save_figures(result: SimulationResult, folder: str | Path) -> list[Path]:
    """Write the standard figures of ``result`` as PNGs into ``folder``.

    Writes ``dashboard.png``, ``flow.png`` and ``fan_<metric>.png`` for each of
    :data:`DASHBOARD_METRICS`, at :data:`SAVE_DPI`. Figures are plain
    :class:`matplotlib.figure.Figure` objects that pyplot never tracks, so
    nothing is left open however many results are saved.

    Parameters
    ----------
    result : SimulationResult
        The simulation to draw.
    folder : str or pathlib.Path
        Existing or new folder (created with its parents).

    Returns
    -------
    list of pathlib.Path
        The files written, dashboard first.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        written.append(save_figure(fig, folder / name))

    # Figures and axes are made inside the style: axes read rcParams when created.
    with plot_style():
        fig = Figure(figsize=DASHBOARD_SIZE, layout="constrained")
        save(dashboard(result, fig=fig), "dashboard.png")

        fig = Figure(figsize=FLOW_SIZE, layout="constrained")
        flow_diagram(result, ax=fig.add_subplot())
        save(fig, "flow.png")

        for metric in DASHBOARD_METRICS:
            fig = Figure(figsize=_FAN_SIZE, layout="constrained")
            fan_chart(result, metric, ax=fig.add_subplot())
            save(fig, f"fan_{metric}.png")
    return written
