"""Figures of a simulation result and of studies over several results.

Plot functions take plain data, never a result or study class: a simulation
is anything shaped like :class:`ResultLike` (a :class:`flysim.SimulationResult`,
or :class:`RunsData` built from arrays), a comparison a mapping of scenario
name to one, a sweep or sensitivity study a frame. Results and studies plot
themselves (``result.plot``-style methods import this package when called);
this package never imports them back.

A result: :func:`fan_chart`, the KPI :func:`dashboard`, the :func:`flow_diagram`
(all written by :func:`save_figures`). A comparison (:func:`flysim.compare`):
:func:`compare_fan` overlays one fan per scenario, :func:`compare_flows` puts
their flow diagrams side by side on one arrow scale (both written by
:func:`save_compare_figures`). A sweep
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

from flysim.plots.compare import compare_fan, compare_flows
from flysim.plots.dashboard import DASHBOARD_METRICS, dashboard
from flysim.plots.data import ResultLike, RunsData
from flysim.plots.drivers import drivers_chart, drivers_figure
from flysim.plots.fan import DEFAULT_BANDS, fan_chart
from flysim.plots.flow import flow_diagram, flow_scale, flow_totals
from flysim.plots.output import (
    SAVE_DPI,
    save_compare_figures,
    save_drivers_figure,
    save_figures,
    save_sensitivity_figures,
    save_sweep_figures,
)
from flysim.plots.sensitivity import index_bars, tornado
from flysim.plots.style import METRIC_STYLES, MetricStyle, metric_style, plot_style
from flysim.plots.sweep import sweep_heatmap, sweep_line

__all__ = [
    "DASHBOARD_METRICS",
    "DEFAULT_BANDS",
    "METRIC_STYLES",
    "SAVE_DPI",
    "MetricStyle",
    "ResultLike",
    "RunsData",
    "compare_fan",
    "compare_flows",
    "dashboard",
    "drivers_chart",
    "drivers_figure",
    "fan_chart",
    "flow_diagram",
    "flow_scale",
    "flow_totals",
    "index_bars",
    "metric_style",
    "plot_style",
    "save_compare_figures",
    "save_drivers_figure",
    "save_figures",
    "save_sensitivity_figures",
    "save_sweep_figures",
    "sweep_heatmap",
    "sweep_line",
    "tornado",
]
