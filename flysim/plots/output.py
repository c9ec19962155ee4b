"""Writing figures to files: the standard figure set of each result kind, one resolution.

The savers here are what a result's ``save(..., figures=True)`` and the
command line call to add figures to a results folder; the data files are
written without them (:mod:`flysim.io`), so saving data never imports
matplotlib. Each saver takes plain data (a :class:`~flysim.plots.data.ResultLike`,
a mapping of scenario name to one, or a frame) and returns the files written.
Figures are plain :class:`matplotlib.figure.Figure` objects that pyplot never
tracks, so nothing is left open however many are written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flysim.plots.changes import Changes
from flysim.plots.compare import COMPARE_FAN_SIZE, compare_fan, compare_flows, flows_size
from flysim.plots.dashboard import DASHBOARD_METRICS, DASHBOARD_SIZE, dashboard
from flysim.plots.data import ResultLike
from flysim.plots.drivers import drivers_figure, drivers_size
from flysim.plots.fan import fan_chart
from flysim.plots.flow import FLOW_SIZE, flow_diagram
from flysim.plots.labels import run_context
from flysim.plots.sensitivity import index_bars, tornado
from flysim.plots.style import metric_style, plot_style
from flysim.plots.sweep import sweep_heatmap, sweep_line

__all__ = [
    "FAN_SIZE",
    "SAVE_DPI",
    "fan_file",
    "save_compare_figures",
    "save_drivers_figure",
    "save_figure",
    "save_figures",
    "save_sensitivity_figures",
    "save_sweep_figures",
]

logger = logging.getLogger(__name__)

#: Resolution of saved PNGs: sharp on a projected slide, small on disk.
SAVE_DPI = 150
#: Size of one fan chart of a run.
FAN_SIZE: tuple[float, float] = (8.0, 4.5)
#: The flow diagram of a run, or the diagrams of a comparison side by side.
FLOW_FILE = "flow.png"


def fan_file(metric: str) -> str:
    """The file name of a metric's fan chart, the same for every command: ``fan-<metric>.png``."""
    return f"fan-{metric}.png"


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` at :data:`SAVE_DPI` and clear it; return the path.

    Pass a plain :class:`matplotlib.figure.Figure` (not one from pyplot), so
    nothing is left open however many figures are written.
    """
    path = Path(path)
    fig.savefig(path, dpi=SAVE_DPI)
    # Break the figure's reference cycles now rather than at the next GC.
    fig.clear()
    logger.debug("wrote %s", path)
    return path


def _folder(folder: str | Path) -> Path:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_drivers_figure(
    frame: pd.DataFrame, folder: str | Path, *, currency: str = "EUR"
) -> list[Path]:
    """Write ``drivers.png``: what drives the spread of each metric of a drivers frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``SimulationResult.drivers_frame()``: ``metric``, ``month``, ``input``,
        ``share``, ``ci_low``, ``ci_high``.
    folder : str or pathlib.Path
        Existing or new folder (created with its parents).
    currency : str
        The currency in the inputs' labels.

    Returns
    -------
    list of pathlib.Path
        The file written.
    """
    folder = _folder(folder)
    rows = int(frame.groupby("metric").size().max())
    with plot_style():
        fig = Figure(figsize=drivers_size(rows, frame["metric"].nunique()), layout="constrained")
        drivers_figure(frame, currency=currency, fig=fig)
        return [save_figure(fig, folder / "drivers.png")]


def save_figures(
    result: ResultLike, folder: str | Path, *, changes: Changes | None = None
) -> list[Path]:
    """Write a run's figures: ``dashboard.png``, ``flow.png`` and ``fan-<metric>.png``.

    One fan chart for each of :data:`~flysim.plots.dashboard.DASHBOARD_METRICS`.

    Parameters
    ----------
    result : ResultLike
        The simulation to draw (a :class:`flysim.SimulationResult`).
    folder : str or pathlib.Path
        Existing or new folder (created with its parents).
    changes : sequence of (int, str) or None, optional
        The scenario's dated changes, ``[(0-based month, label), ...]``
        (``SimulationResult.changes``), marked on the dashboard and fan charts.

    Returns
    -------
    list of pathlib.Path
        The files written, dashboard first.
    """
    folder = _folder(folder)
    written: list[Path] = []
    # Figures and axes are made inside the style: axes read rcParams when created.
    with plot_style():
        fig = Figure(figsize=DASHBOARD_SIZE, layout="constrained")
        written.append(
            save_figure(dashboard(result, fig=fig, changes=changes), folder / "dashboard.png")
        )

        fig = Figure(figsize=FLOW_SIZE, layout="constrained")
        flow_diagram(result, ax=fig.add_subplot())
        written.append(save_figure(fig, folder / FLOW_FILE))

        for metric in DASHBOARD_METRICS:
            fig = Figure(figsize=FAN_SIZE, layout="constrained")
            # Alone on a slide, a chart says which scenario, how many runs, which seed.
            title = f"{metric_style(metric).title}\n{run_context(result)}"
            fan_chart(result, metric, ax=fig.add_subplot(), title=title, changes=changes)
            written.append(save_figure(fig, folder / fan_file(metric)))
    return written


def save_compare_figures(
    results: Mapping[str, ResultLike],
    folder: str | Path,
    *,
    metrics: Sequence[str],
    changes: Mapping[str, Changes] | None = None,
) -> list[Path]:
    """Write a comparison's figures: ``fan-<metric>.png`` overlays and ``flow.png`` side by side.

    Parameters
    ----------
    results : mapping of str to ResultLike
        Scenario name to its simulation, the baseline first.
    folder : str or pathlib.Path
        Existing or new folder.
    metrics : sequence of str
        One overlaid fan chart each.
    changes : mapping of str to sequence of (int, str), optional
        Each scenario's dated changes by name, marked on the fan charts.

    Returns
    -------
    list of pathlib.Path
    """
    folder = _folder(folder)
    written: list[Path] = []
    with plot_style():
        for metric in metrics:
            fig = Figure(figsize=COMPARE_FAN_SIZE, layout="constrained")
            compare_fan(results, metric, ax=fig.add_subplot(), changes=changes)
            written.append(save_figure(fig, folder / fan_file(metric)))
        fig = Figure(figsize=flows_size(len(results)), layout="constrained")
        written.append(save_figure(compare_flows(results, fig=fig), folder / FLOW_FILE))
    return written


def save_sweep_figures(
    frame: pd.DataFrame, keys: Sequence[str], folder: str | Path, *, currency: str = "EUR"
) -> list[Path]:
    """Write a sweep's figures: ``sweep.png`` (one key), or ``sweep-p50.png`` and ``sweep-p5.png``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per point, as :meth:`flysim.SweepResult.to_frame` (or ``sweep.csv``).
    keys : sequence of str
        The one or two swept keys (columns of ``frame``).
    folder : str or pathlib.Path
    currency : str, optional

    Returns
    -------
    list of pathlib.Path
    """
    folder = _folder(folder)
    written: list[Path] = []
    if len(keys) == 1:
        with plot_style():
            fig = Figure(figsize=(8.0, 4.5), layout="constrained")
            sweep_line(frame, keys[0], currency=currency, ax=fig.add_subplot())
        return [save_figure(fig, folder / "sweep.png")]
    # One colour scale for the pair, so a colour means the same value in both.
    both = frame[["p50", "p5"]].to_numpy(dtype=float)
    finite = both[np.isfinite(both)]
    limits = (float(finite.min()), float(finite.max())) if finite.size else None
    for stat in ("p50", "p5"):
        with plot_style():
            fig = Figure(figsize=(8.0, 6.0), layout="constrained")
            sweep_heatmap(
                frame,
                (keys[0], keys[1]),
                statistic=stat,
                currency=currency,
                ax=fig.add_subplot(),
                limits=limits,
            )
        written.append(save_figure(fig, folder / f"sweep-{stat}.png"))
    return written


def save_sensitivity_figures(
    indices: pd.DataFrame,
    folder: str | Path,
    *,
    method: str,
    metric: str,
    month: int,
    currency: str = "EUR",
) -> list[Path]:
    """Write a sensitivity study's chart, ``sensitivity-<method>.png``.

    Parameters
    ----------
    indices : pandas.DataFrame
        One row per parameter, as :attr:`flysim.SensitivityResult.indices`.
    folder : str or pathlib.Path
    method : {"oat", "morris", "sobol"}
        ``oat`` draws a tornado, the others bars of the indices.
    metric : str
    month : int
    currency : str, optional

    Returns
    -------
    list of pathlib.Path
    """
    folder = _folder(folder)
    with plot_style():
        fig = Figure(figsize=(8.0, 0.5 * len(indices) + 1.8), layout="constrained")
        ax = fig.add_subplot()
        if method == "oat":
            tornado(indices, metric=metric, month=month, currency=currency, ax=ax)
        else:
            index_bars(indices, method=method, metric=metric, month=month, ax=ax)
    return [save_figure(fig, folder / f"sensitivity-{method}.png")]
