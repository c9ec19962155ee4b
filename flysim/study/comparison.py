"""A comparison of several scenarios run with one seed: paired differences and decisions.

Every scenario runs the same run indices with the same seed, so run ``r`` of
each draws from the same random streams (common random numbers). The
difference of a KPI between two scenarios is then taken run by run, and its
interval is that of a paired mean, which is much narrower than the interval
between two independent simulations when the scenarios differ in a few
levers. "P(better)" is the share of those paired runs in which the scenario
beats the first one (ties count half), read in the KPI's own direction (lower
is better for costs, churn and payback: the metric catalogue's ``direction``,
:mod:`flysim.metrics.catalogue`; no P(better) where neither is).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim.io import FigureWriter, figures_wanted
from flysim.metrics.catalogue import metric_info
from flysim.pipeline import check_metric
from flysim.result import SimulationResult
from flysim.study.decisions import Thresholds, decisions
from flysim.study.paired import paired_difference, paired_median
from flysim.study.saving import load_comparison, save_comparison
from flysim.study.voi import VOI_OUTCOME, shared_inputs, value_of_information
from flysim.uncertainty import EvppiError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["COMPARE_KPIS", "Comparison"]

#: The KPIs a comparison reports, in row order.
COMPARE_KPIS: tuple[str, ...] = (
    "customers",
    "mrr",
    "cac",
    "clv",
    "ltv_cac",
    "payback_months",
    "churn_rate_annual",
    "nps",
    "referral_rate",
    "customer_generated_revenue_share",
    "flywheel_velocity",
    "roi_cumulative",
    "contribution_cumulative",
)


class Comparison:
    """Several scenarios simulated with the same seed and runs, with their paired differences.

    Attributes
    ----------
    results : tuple of SimulationResult
        One per scenario, in the order given; the first is the baseline.
    names : tuple of str
        Unique display names, in the same order.
    thresholds : Thresholds
        For :meth:`decisions`.
    """

    def __init__(
        self,
        results: Sequence[SimulationResult],
        names: Sequence[str],
        thresholds: Thresholds = Thresholds(),
    ) -> None:
        if len(results) < 2 or len(results) != len(names):
            raise ValueError("a comparison needs at least two results, one name each")
        self.results = tuple(results)
        self.names = tuple(names)
        self.thresholds = thresholds

    @property
    def months(self) -> int:
        """Months simulated (the same for every scenario)."""
        return self.results[0].n_months

    @property
    def seed(self) -> int:
        """The seed every scenario shares."""
        return self.results[0].provenance.seed

    @property
    def runs(self) -> int:
        """Runs per scenario."""
        return self.results[0].n_runs

    def report_months(self) -> list[int]:
        """Month 12 (when simulated) and the last month."""
        return sorted({m for m in (12, self.months) if m <= self.months})

    def table(
        self, metrics: Sequence[str] = COMPARE_KPIS, months: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """Each scenario's P5/P50/P95 and its paired difference to the first, per KPI and month.

        Returns
        -------
        pandas.DataFrame
            One row per (metric, month, scenario): ``p5``, ``p50``, ``p95``,
            ``mean``, ``missing_share`` (share of runs without a value), and against
            the first scenario ``diff_mean``, ``diff_low``, ``diff_high`` (95 %
            paired interval of the mean), ``p_better``, ``n_pairs`` and
            ``diff_median`` (median of the paired differences; NaN for the first).
        """
        months = self.report_months() if months is None else list(months)
        rows = []
        for metric in (check_metric(m) for m in metrics):
            for month in months:
                check_int("month", month, 1, self.months)
                base = self.results[0].metric(metric)[:, month - 1]
                for name, result in zip(self.names, self.results, strict=True):
                    x = result.metric(metric)[:, month - 1]
                    finite = x[np.isfinite(x)]
                    p5, p50, p95 = (
                        np.percentile(finite, [5, 50, 95]) if finite.size else (np.nan,) * 3
                    )
                    row = {
                        "metric": metric,
                        "month": month,
                        "scenario": name,
                        "p5": p5,
                        "p50": p50,
                        "p95": p95,
                        "mean": finite.mean() if finite.size else np.nan,
                        "missing_share": 1 - finite.size / x.size,
                    }
                    direction = metric_info(metric).direction
                    if result is self.results[0]:
                        diff = (np.nan, np.nan, np.nan, np.nan, np.nan)
                    else:
                        diff = paired_difference(base, x, lower_is_better=direction == "lower")
                        if direction == "neither":
                            diff = (*diff[:3], np.nan, diff[4])
                    keys = ("diff_mean", "diff_low", "diff_high", "p_better", "n_pairs")
                    row.update(zip(keys, diff, strict=True))
                    first = result is self.results[0]
                    row["diff_median"] = np.nan if first else paired_median(base, x)
                    rows.append(row)
        return pd.DataFrame(rows)

    def inputs(self) -> dict[str, pd.DataFrame | None]:
        """Each scenario's drawn inputs by name (None: none, or fixed at their medians)."""
        return {name: r.inputs for name, r in self.by_name().items()}

    def has_inputs(self) -> bool:
        """Whether any scenario drew uncertain inputs (what value of information needs)."""
        return shared_inputs(self.results) is not None

    def value_of_information(
        self, outcome: str = VOI_OUTCOME, month: int | None = None
    ) -> pd.DataFrame:
        """What learning each uncertain input before choosing a plan is worth (EVPPI).

        The net benefit of each scenario in each run is ``outcome`` at ``month``
        (cumulative contribution, gross profit minus all spend, at the horizon
        by default); the EVPPI of each input of any scenario is estimated by
        nonparametric regression (Strong, Oakley and Brennan 2014; see
        :mod:`flysim.study.voi`).

        Returns
        -------
        pandas.DataFrame
            Columns ``input``, ``evppi`` (the outcome's unit), ``share_of_evpi``,
            largest first; ``attrs["evpi"]`` is the value of learning everything.

        Raises
        ------
        ValueError
            When no scenario drew uncertain inputs, or for a bad outcome or month.
        """
        return value_of_information(self.results, self.names, outcome, month)

    def decisions(self) -> pd.DataFrame:
        """Each scenario's probability of meeting each threshold, with a 95 % Wilson interval.

        Returns
        -------
        pandas.DataFrame
            One row per (scenario, decision): ``decision``, ``threshold``,
            ``probability``, ``low``, ``high``, ``runs``.
        """
        return decisions(dict(zip(self.names, self.results, strict=True)), self.thresholds)

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (:meth:`table`) as a tidy frame."""
        return self.table()

    def by_name(self) -> dict[str, SimulationResult]:
        """Each scenario's result under its name, the baseline first: what the plots take."""
        return dict(zip(self.names, self.results, strict=True))

    def iter_frames(self) -> Iterator[pd.DataFrame]:
        """Every scenario's runs, one frame at a time: ``scenario``, ``run``, ``month``, metrics."""
        for name, result in self.by_name().items():
            for frame in result.iter_frames():
                frame.insert(0, "scenario", name)
                yield frame

    def plot(self, metric: str = "mrr", ax: Axes | None = None) -> Axes:
        """Overlaid fan charts of one metric, one colour per scenario, named in the legend.

        Each scenario's dated changes are marked (:meth:`changes`).
        """
        from flysim.plots.compare import compare_fan

        return compare_fan(self.by_name(), check_metric(metric), ax=ax, changes=self.changes)

    @property
    def changes(self) -> dict[str, list[tuple[int, str]]]:
        """Each scenario's dated changes within the months simulated, by name.

        ``[(0-based month, label), ...]`` (see :attr:`SimulationResult.changes`);
        an empty list for a scenario without changes.
        """
        return {name: r.changes for name, r in self.by_name().items()}

    def months_before_changes(self) -> int:
        """How many months come before any scenario's first change (all of them if none).

        A change written ``month = 4`` leaves months 1 to 3 as they were: this
        is then 3.
        """
        firsts = [marks[0][0] for marks in self.changes.values() if marks]
        return min(firsts, default=self.months)

    def plot_flows(self, fig: Figure | None = None) -> Figure:
        """The flywheel flow diagrams of every scenario side by side, on one scale."""
        from flysim.plots.compare import compare_flows

        return compare_flows(self.by_name(), fig=fig)

    def default_folder(self) -> Path:
        """``results/compare-<names>``."""
        slug = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", n).strip("_") for n in self.names)
        return Path("results") / f"compare-{slug}"

    def save(
        self,
        directory: str | PathLike[str] | None = None,
        *,
        figures: bool = True,
        plots: bool | None = None,
        extra: FigureWriter | None = None,
        voi_outcome: str = VOI_OUTCOME,
    ) -> Path:
        """Write the comparison's results folder atomically; return its absolute path.

        The folder gets ``comparison.csv`` (:meth:`table`), ``decisions.csv``
        (:meth:`decisions`), ``runs.parquet`` (one row per scenario, run and
        month, one column per metric), ``manifest.json`` (provenance, every
        scenario's name, path, hash and resolved form, and the design: the
        thresholds and reported months) and, with ``figures``, a fan chart
        per KPI (``fan-<kpi>.png``) and the flow diagrams (``flow.png``). When
        scenarios drew uncertain inputs, also ``inputs.parquet`` (``scenario``,
        ``run`` and one column per key) and ``value_of_information.csv``
        (:meth:`value_of_information` on ``voi_outcome``, when there are
        enough runs to estimate it: 20 or more). An earlier result
        in the folder is replaced whole.

        Parameters
        ----------
        directory : path, optional
            Defaults to :meth:`default_folder`.
        figures : bool
            Also write the PNG figures (default).
        plots : bool or None, optional
            Deprecated name of ``figures``.
        extra : callable, optional
            Called with the folder being built, after the figures; returns the
            files it wrote there (a report, say), which the manifest lists.
        """
        folder = Path(directory) if directory is not None else self.default_folder()
        voi = None
        # Too few runs to value the inputs: no table rather than no folder.
        if self.has_inputs():
            with contextlib.suppress(EvppiError):
                voi = self.value_of_information(voi_outcome)
        return save_comparison(
            self,
            folder,
            figures=figures_wanted(figures, plots),
            kpis=COMPARE_KPIS,
            extra=extra,
            voi=voi,
        )

    @classmethod
    def load(cls, directory: str | PathLike[str]) -> Comparison:
        """Read a folder written by :meth:`save` back into a comparison.

        Raises
        ------
        FileNotFoundError
            If the folder lacks ``manifest.json`` or ``runs.parquet``.
        ValueError
            If the folder is not a comparison, or its files do not agree.
        """
        results, names, design = load_comparison(directory)
        return cls(results, names, Thresholds(**design["thresholds"]))

    def __repr__(self) -> str:
        return (
            f"Comparison({', '.join(self.names)}: {self.runs} runs, {self.months} months, "
            f"seed {self.seed})"
        )
