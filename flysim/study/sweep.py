"""``flysim.sweep``: a grid over one or two scenario parameters, one metric read at one month.

Every grid point runs the same run indices with the same seed (common random
numbers), so the change from point to point is the parameter's effect, not
fresh noise: the curves are smooth at a few hundred runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim.engines import Engine
from flysim.io import figures_wanted
from flysim.pipeline import check_metric, resolve_seed, run_variants
from flysim.progress import ProgressArg
from flysim.provenance import Provenance
from flysim.scenario import Overrides, Scenario, apply_overrides, load_scenario
from flysim.study.params import Param, check_distinct, parse_param, scenario_with
from flysim.study.saving import save_sweep

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SweepResult", "point_summary", "sweep"]

#: Percentiles every point reports.
_QUANTILES = (5, 25, 50, 75, 95)


def point_summary(values: np.ndarray) -> dict[str, np.ndarray]:
    """Per-point statistics of ``values`` (points x runs): mean, se, percentiles, missing share.

    Missing values (NaN) are left out; a point missing in every run gets NaN.
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    n = finite.sum(axis=1)
    out: dict[str, np.ndarray] = {"runs": np.full(len(values), values.shape[1])}
    with np.errstate(invalid="ignore", divide="ignore"):
        masked = np.where(finite, values, np.nan)
        has = n > 0
        mean = np.full(len(values), np.nan)
        se = np.full(len(values), np.nan)
        qs = np.full((len(values), len(_QUANTILES)), np.nan)
        if has.any():
            mean[has] = np.nanmean(masked[has], axis=1)
            two = n >= 2
            se[two] = np.nanstd(masked[two], axis=1, ddof=1) / np.sqrt(n[two])
            qs[has] = np.nanpercentile(masked[has], _QUANTILES, axis=1).T
    out["mean"] = mean
    out["se"] = se
    for j, q in enumerate(_QUANTILES):
        out[f"p{q}"] = qs[:, j]
    out["missing_share"] = 1 - n / values.shape[1]
    return out


class SweepResult:
    """A grid of scenario variants and one metric's values at each, for every run and month.

    Attributes
    ----------
    params : tuple of Param
        The one or two parameters swept.
    grid : pandas.DataFrame
        One row per point, one column per parameter key.
    metric : str
    month : int
        The month :meth:`to_frame` and :meth:`plot` read.
    values : numpy.ndarray
        The raw data, ``points x runs x months``.
    provenance : Provenance
        Of the base scenario (seed, runs, engine, version, wall time of the sweep).
    currency : str
        Of money metrics.
    scenario : Scenario or None
        The base scenario, when known (its resolved form goes in the manifest).
    """

    def __init__(
        self,
        params: Sequence[Param],
        grid: pd.DataFrame,
        metric: str,
        month: int,
        values: np.ndarray,
        provenance: Provenance,
        currency: str = "EUR",
        scenario: Scenario | None = None,
    ) -> None:
        self.params = tuple(params)
        self.grid = grid
        self.metric = metric
        self.month = month
        self.values = values
        self.provenance = provenance
        self.currency = currency
        self.scenario = scenario

    def at_month(self, month: int | None = None) -> np.ndarray:
        """The metric at ``month`` (default: the sweep's), shape ``points x runs``."""
        month = self.month if month is None else check_int("month", month, 1, self.values.shape[2])
        return self.values[:, :, month - 1]

    def to_frame(self, month: int | None = None) -> pd.DataFrame:
        """Tidy summary: one row per point with its parameter values and statistics over runs.

        Columns: the parameter keys, ``metric``, ``month``, ``runs``, ``mean``,
        ``se``, ``p5``, ``p25``, ``p50``, ``p75``, ``p95``, ``missing_share``.
        """
        month = self.month if month is None else month
        frame = self.grid.copy()
        frame["metric"] = self.metric
        frame["month"] = month
        for name, column in point_summary(self.at_month(month)).items():
            frame[name] = column
        return frame

    def runs_frame(self, month: int | None = None) -> pd.DataFrame:
        """Long form of the raw values at ``month``: one row per (point, run)."""
        month = self.month if month is None else month
        v = self.at_month(month)
        frame = self.grid.loc[np.repeat(self.grid.index, v.shape[1])].reset_index(drop=True)
        frame["run"] = np.tile(np.arange(v.shape[1]), v.shape[0])
        frame["month"] = month
        frame[self.metric] = v.ravel()
        return frame

    def plot(self, ax: Axes | None = None, *, statistic: str = "p50") -> Axes:
        """One parameter: a line with P5-P95 and P25-P75 bands; two: a heatmap of ``statistic``."""
        frame = self.to_frame()
        if len(self.params) == 1:
            from flysim.plots.sweep import sweep_line

            return sweep_line(frame, self.params[0].key, currency=self.currency, ax=ax)
        from flysim.plots.sweep import sweep_heatmap

        keys = (self.params[0].key, self.params[1].key)
        return sweep_heatmap(frame, keys, statistic=statistic, currency=self.currency, ax=ax)

    def save(
        self, directory: str | PathLike[str], *, figures: bool = True, plots: bool | None = None
    ) -> Path:
        """Write the sweep's results folder atomically; return its absolute path.

        The folder gets ``sweep.csv`` (:meth:`to_frame`, one row per point),
        ``runs.parquet`` (one row per point, run and month: ``point``, the
        parameter values, ``run``, ``month`` and the metric), ``manifest.json``
        (provenance, the base scenario, and the design: parameters, ranges,
        points, metric and month) and, with ``figures``, ``sweep.png`` (one
        parameter) or ``sweep-p50.png`` and ``sweep-p5.png`` (two).

        Parameters
        ----------
        directory : path
            The folder to create or replace.
        figures : bool
            Also write the PNG charts (default).
        plots : bool or None, optional
            Deprecated name of ``figures``.
        """
        return save_sweep(self, directory, figures=figures_wanted(figures, plots))

    def __repr__(self) -> str:
        keys = " x ".join(f"{p.key}[{p.n}]" for p in self.params)
        return (
            f"SweepResult({keys}: {self.metric} at month {self.month}, "
            f"{self.values.shape[1]} runs, seed {self.provenance.seed})"
        )


def sweep(
    scenario: Scenario | str | PathLike[str],
    params: Sequence[str | Param],
    metric: str,
    *,
    month: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Overrides | None = None,
    engine: str | Engine = "mc",
    workers: int | None = None,
    progress: ProgressArg = None,
) -> SweepResult:
    """Simulate a grid over one or two parameters, with the same seed at every point.

    Parameters
    ----------
    scenario : Scenario or path
        The base scenario; keys not swept keep its values.
    params : sequence of str or Param
        One or two ``"KEY=LOW:HIGH:N"`` (``N >= 2`` evenly spaced values).
    metric : str
        A metric name (``flysim.metrics.names.METRICS``).
    month : int, optional
        The month the summary reads; defaults to the horizon. Every month is kept.
    runs, seed : int, optional
        Runs per point and the seed all points share; default to the scenario's.
    overrides : mapping or iterable of str, optional
        ``--set`` style changes applied to the base scenario first.
    engine : {"mc", "des"} or Engine, optional
        The engine, by name or instance (default the numpy core).
    workers : int, optional
        Processes to use, every core by default; the numbers do not depend on it.
    progress : bool or callable, optional
        True shows a progress bar over points.

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError
        For a malformed or unknown parameter (nearest key suggested), LOW > HIGH,
        N < 2, a non-numeric key, an unknown metric (nearest suggested), or a
        month outside the horizon.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        base = apply_overrides(base, overrides)
    if isinstance(params, str | Param):
        params = [params]
    if not 1 <= len(params) <= 2:
        raise ValueError(f"a sweep takes one or two params, got {len(params)}")
    metric = check_metric(metric)
    parsed = [parse_param(p, base, points=True) for p in params]
    check_distinct(parsed)
    horizon = base.horizon_months
    month = check_int("month", horizon if month is None else month, 1, horizon)
    runs = check_int("runs", base.scenario.runs if runs is None else runs, 1)
    points = list(itertools.product(*(p.grid() for p in parsed)))
    grid = pd.DataFrame(points, columns=[p.key for p in parsed])
    variants = [
        scenario_with(base, {p.key: p.value(x) for p, x in zip(parsed, point, strict=True)})
        for point in points
    ]
    batch = run_variants(
        variants,
        runs=runs,
        seed=resolve_seed(seed, base),
        months=horizon,
        metrics=(metric,),
        engine=engine,
        workers=workers,
        progress=progress,
        label="sweep",
    )
    return SweepResult(
        parsed,
        grid,
        metric,
        month,
        batch.data[..., 0],
        batch.provenance(base),
        currency=base.scenario.currency,
        scenario=base,
    )
