"""``flysim.sensitivity``: which parameters move a metric most, one at a time or globally.

Three methods, one contract (SALib's): a ``problem`` (names and bounds), a
sample of parameter sets, one model output per set, and an analysis.

- ``"oat"``: each parameter at its low and its high end with the others at
  the scenario's values. A tornado chart; error bars are the 95 % paired
  interval of each change (common random numbers make it narrow).
- ``"morris"``: SALib's Morris sampler and analyser (elementary effects; mu*
  ranks influence, sigma flags interactions or non-linearity), with SALib's
  bootstrap interval of mu*.
- ``"sobol"``: SALib's Saltelli/Sobol' sampler and analyser (first-order and
  total indices, share of the output's variance), with SALib's bootstrap
  intervals.

The output of a parameter set is the mean of the metric at the month over
runs; every set runs the same seed, so sets differ by their parameters, not by
their random numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim.engines import Engine
from flysim.io import figures_wanted
from flysim.pipeline import check_metric, resolve_seed, run_variants
from flysim.progress import ProgressArg
from flysim.provenance import Provenance
from flysim.scenario import Overrides, Scenario, apply_overrides, load_scenario
from flysim.study.paired import CONFIDENCE, paired_difference
from flysim.study.params import Param, check_distinct, param_value, parse_param, scenario_with
from flysim.study.saving import save_sensitivity

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["METHODS", "SensitivityResult", "sensitivity"]

Method = Literal["oat", "morris", "sobol"]
#: The methods :func:`sensitivity` takes.
METHODS: tuple[str, ...] = ("oat", "morris", "sobol")
#: Default sample size: Morris trajectories, Sobol' base samples (a power of two).
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
#: Levels of the Morris grid.
MORRIS_LEVELS = 4


class SensitivityResult:
    """The sample, each set's output and the sensitivity indices of one study.

    Attributes
    ----------
    method : {"oat", "morris", "sobol"}
    params : tuple of Param
    metric : str
    month : int
    samples : pandas.DataFrame
        One row per parameter set run, one column per key.
    values : numpy.ndarray
        Raw metric values, ``sets x runs x months``.
    output : numpy.ndarray
        The analysed output per set: mean over runs at ``month``.
    indices : pandas.DataFrame
        One row per parameter (see :meth:`to_frame`).
    salib : dict or None
        SALib's result (Morris, Sobol'), as it returned it.
    provenance : Provenance
        Of the base scenario (seed, runs, engine, version, wall time of the study).
    currency : str
        Of money metrics.
    scenario : Scenario or None
        The base scenario, when known (its resolved form goes in the manifest).
    sample_size : int or None
        The ``samples`` asked of Morris or Sobol' (None for OAT).
    """

    def __init__(
        self,
        method: Method,
        params: Sequence[Param],
        metric: str,
        month: int,
        samples: pd.DataFrame,
        values: np.ndarray,
        indices: pd.DataFrame,
        provenance: Provenance,
        salib: dict[str, Any] | None = None,
        currency: str = "EUR",
        scenario: Scenario | None = None,
        sample_size: int | None = None,
    ) -> None:
        self.method = method
        self.params = tuple(params)
        self.metric = metric
        self.month = month
        self.samples = samples
        self.values = values
        self.output = np.nanmean(values[:, :, month - 1], axis=1)
        self.indices = indices
        self.provenance = provenance
        self.salib = salib
        self.currency = currency
        self.scenario = scenario
        self.sample_size = sample_size

    def to_frame(self) -> pd.DataFrame:
        """The indices, one row per parameter, most influential first.

        Columns by method: ``oat``: ``param``, ``low``, ``high``, ``base``,
        ``y_low``, ``y_high``, ``y_base``, ``ci_low``, ``ci_high``, ``swing``;
        ``morris``: ``param``, ``mu``, ``mu_star``, ``mu_star_conf``,
        ``sigma``; ``sobol``: ``param``, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``. Every frame also has ``metric`` and ``month``.
        """
        frame = self.indices.copy()
        frame["metric"] = self.metric
        frame["month"] = self.month
        return frame

    def ranking(self) -> list[str]:
        """Parameter keys from most to least influential (swing, mu*, or total index)."""
        return list(self.indices["param"])

    def plot(self, ax: Axes | None = None) -> Axes:
        """A tornado chart (OAT) or bars of the indices with SALib's 95 % intervals."""
        if self.method == "oat":
            from flysim.plots.sensitivity import tornado

            return tornado(
                self.indices, metric=self.metric, month=self.month, currency=self.currency, ax=ax
            )
        from flysim.plots.sensitivity import index_bars

        return index_bars(
            self.indices,
            method=self.method,
            metric=self.metric,
            month=self.month,
            currency=self.currency,
            ax=ax,
        )

    def save(
        self, directory: str | PathLike[str], *, figures: bool = True, plots: bool | None = None
    ) -> Path:
        """Write the study's results folder atomically; return its absolute path.

        The folder gets ``sensitivity-<method>.csv`` (:meth:`to_frame`),
        ``samples-<method>.csv`` (each parameter set and its mean output),
        ``design.parquet`` (the design matrix: ``set`` and one column per
        parameter), ``runs.parquet`` (one row per set, run and month: ``set``,
        ``run``, ``month`` and the metric), ``manifest.json`` (provenance, the
        base scenario, and the design: method, parameters and ranges, samples,
        metric and month) and, with ``figures``, ``sensitivity-<method>.png``.
        An earlier result in the folder is replaced whole.

        Parameters
        ----------
        directory : path
            The folder to create or replace.
        figures : bool
            Also write the PNG chart (default).
        plots : bool or None, optional
            Deprecated name of ``figures``.
        """
        levels = MORRIS_LEVELS if self.method == "morris" else None
        wanted = figures_wanted(figures, plots)
        return save_sensitivity(self, directory, figures=wanted, levels=levels)

    def __repr__(self) -> str:
        return (
            f"SensitivityResult({self.method}: {len(self.params)} params, {self.metric} at "
            f"month {self.month}, {len(self.samples)} sets x {self.values.shape[1]} runs)"
        )


def sensitivity(
    scenario: Scenario | str | PathLike[str],
    params: Sequence[str | Param],
    metric: str,
    *,
    method: Method = "oat",
    month: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    samples: int | None = None,
    overrides: Overrides | None = None,
    engine: str | Engine = "mc",
    workers: int | None = None,
    progress: ProgressArg = None,
) -> SensitivityResult:
    """Rank parameters by their effect on a metric: one at a time, Morris or Sobol'.

    Parameters
    ----------
    scenario : Scenario or path
        The base scenario; OAT varies each key around its value here.
    params : sequence of str or Param
        ``"KEY=LOW:HIGH"`` ranges (at least one; two for Morris and Sobol').
    metric : str
        A metric name (``flysim.metrics.names.METRICS``).
    method : {"oat", "morris", "sobol"}
    month : int, optional
        The month the metric is read at; defaults to the horizon.
    runs, seed : int, optional
        Runs per parameter set and the seed all sets share; default to the
        scenario's.
    samples : int, optional
        Morris: trajectories (default 10; ``samples x (params + 1)`` sets).
        Sobol': base samples, a power of two (default 64;
        ``samples x (params + 2)`` sets). Not used by OAT (``2 x params + 1``).
    overrides, engine, workers, progress
        As for :func:`flysim.sweep`.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ValueError
        For an unknown method, parameter or metric (nearest suggested), a bad
        range, too few parameters, a sample size SALib cannot use, or a
        metric missing at some parameter set.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        base = apply_overrides(base, overrides)
    if isinstance(params, str | Param):
        params = [params]
    metric = check_metric(metric)
    parsed = [parse_param(p, base, points=False) for p in params]
    check_distinct(parsed)
    if not parsed or (method != "oat" and len(parsed) < 2):
        least = 1 if method == "oat" else 2
        raise ValueError(f"method {method!r} needs at least {least} params, got {len(parsed)}")
    horizon = base.horizon_months
    month = check_int("month", horizon if month is None else month, 1, horizon)
    runs = check_int("runs", base.scenario.runs if runs is None else runs, 1)
    seed = resolve_seed(seed, base)
    problem = {
        "num_vars": len(parsed),
        "names": [p.key for p in parsed],
        "bounds": [[p.low, p.high] for p in parsed],
    }
    keys = [p.key for p in parsed]
    if method == "oat":
        design = _oat_design(base, parsed)
    else:
        n = check_int("samples", DEFAULT_SAMPLES[method] if samples is None else samples, 2)
        design = _salib_sample(method, problem, n, seed)
    variants = [
        scenario_with(base, {p.key: p.value(x) for p, x in zip(parsed, row, strict=True)})
        for row in design
    ]
    batch = run_variants(
        variants,
        runs=runs,
        seed=seed,
        months=horizon,
        metrics=(metric,),
        engine=engine,
        workers=workers,
        progress=progress,
        label=method,
        unit="parameter sets",
    )
    values = batch.data[..., 0]
    at = values[:, :, month - 1]
    missing = ~np.isfinite(at).any(axis=1)
    if missing.any():
        row = dict(zip(keys, design[int(np.argmax(missing))], strict=True))
        raise ValueError(
            f"metric {metric!r} is missing in every run at month {month} for {row}; "
            "choose another metric or month"
        )
    output = np.nanmean(at, axis=1)
    salib: dict[str, Any] | None = None
    if method == "oat":
        indices = _oat_indices(parsed, design, at)
    else:
        salib, indices = _salib_analyze(method, problem, design, output, seed)
    return SensitivityResult(
        method,
        parsed,
        metric,
        month,
        pd.DataFrame(design, columns=keys),
        values,
        indices,
        batch.provenance(base),
        salib=salib,
        currency=base.scenario.currency,
        scenario=base,
        sample_size=None if method == "oat" else n,
    )


# -- one at a time ---------------------------------------------------------------------------


def _oat_design(base: Scenario, params: Sequence[Param]) -> np.ndarray:
    """Row 0 the base values; rows 2i+1 and 2i+2 parameter i at its low and high end."""
    centre = []
    for p in params:
        value = param_value(base, p.key)
        if value is None:
            raise ValueError(
                f"param {p.key!r} has no value in the scenario, so one-at-a-time has no base "
                "to vary it around; set one with --set"
            )
        centre.append(value)
    rows = [centre]
    for i, p in enumerate(params):
        for end in (p.low, p.high):
            row = list(centre)
            row[i] = end
            rows.append(row)
    return np.asarray(rows, dtype=float)


def _oat_indices(params: Sequence[Param], design: np.ndarray, at: np.ndarray) -> pd.DataFrame:
    """Tornado rows: each end's mean and the paired 95 % half-width of its change from the base."""
    base = at[0]
    y_base = float(np.nanmean(base))
    rows = []
    for i, p in enumerate(params):
        lo, hi = at[2 * i + 1], at[2 * i + 2]
        row: dict[str, Any] = {
            "param": p.key,
            "low": p.low,
            "high": p.high,
            "base": design[0, i],
            "y_low": float(np.nanmean(lo)),
            "y_high": float(np.nanmean(hi)),
            "y_base": y_base,
        }
        for end, x in (("low", lo), ("high", hi)):
            _, low, high, _, _ = paired_difference(base, x)
            row[f"ci_{end}"] = (high - low) / 2
        row["swing"] = abs(row["y_high"] - row["y_low"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


# -- SALib -----------------------------------------------------------------------------------


def _salib_sample(method: str, problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return np.asarray(morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed))
    if n & (n - 1):
        raise ValueError(f"samples must be a power of two for Sobol' (e.g. 32, 64, 128), got {n}")
    from SALib.sample import sobol as sobol_sample

    # seed % 2**32: SALib's scrambled Sobol' sequence takes a 32-bit seed.
    return np.asarray(sobol_sample.sample(problem, n, calc_second_order=False, seed=seed % 2**32))


def _salib_analyze(
    method: str, problem: dict[str, Any], design: np.ndarray, output: np.ndarray, seed: int
) -> tuple[dict[str, Any], pd.DataFrame]:
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(
            problem,
            design,
            output,
            conf_level=CONFIDENCE,
            num_levels=MORRIS_LEVELS,
            seed=seed % 2**32,
        )
        columns = ["mu", "mu_star", "mu_star_conf", "sigma"]
        rank = "mu_star"
    else:
        from SALib.analyze import sobol

        si = sobol.analyze(
            problem, output, calc_second_order=False, conf_level=CONFIDENCE, seed=seed % 2**32
        )
        columns = ["S1", "S1_conf", "ST", "ST_conf"]
        rank = "ST"
    frame = pd.DataFrame({"param": problem["names"], **{c: np.asarray(si[c]) for c in columns}})
    frame = frame.sort_values(rank, ascending=False, kind="stable").reset_index(drop=True)
    return dict(si), frame
