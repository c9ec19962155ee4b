"""The result of a simulation: raw runs x months x metrics, with provenance."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from flysim import io
from flysim.breakdown import totals_frame
from flysim.events import ATTRS_KEY, event_metadata
from flysim.metrics.names import METRICS
from flysim.metrics.summary import quantile_bands, summarize
from flysim.provenance import Provenance
from flysim.scenario.change_list import change_marks
from flysim.scenario.schema import Scenario

__all__ = ["Provenance", "SimulationResult"]


class SimulationResult:
    """Every metric of every run and month, and where it came from.

    Parameters
    ----------
    data : numpy.ndarray
        Shape ``(runs, months, len(metrics))``, float64; NaN marks a missing
        value (a ratio whose denominator was 0).
    scenario : Scenario
        The resolved scenario that was simulated.
    provenance : Provenance
        Seed, engine, hash, version and timing.
    metrics : tuple of str, optional
        Names of the last axis; defaults to ``flysim.metrics.names.METRICS``.
    events : pandas.DataFrame or None, optional
        The event log, when one was recorded. Its ``attrs["flysim"]`` is set
        to ``flysim.events.event_metadata(provenance)``.
    inputs : pandas.DataFrame or None, optional
        Each run's draws of the scenario's uncertain inputs: index ``run``,
        one column per key path (None: no uncertain input, or they were fixed
        at their medians).
    """

    def __init__(
        self,
        data: np.ndarray,
        scenario: Scenario,
        provenance: Provenance,
        metrics: tuple[str, ...] = METRICS,
        events: pd.DataFrame | None = None,
        inputs: pd.DataFrame | None = None,
        paid_channels: pd.DataFrame | None = None,
    ) -> None:
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 3 or data.shape[2] != len(metrics):
            raise ValueError(
                f"data must have shape (runs, months, {len(metrics)}), got {data.shape}"
            )
        self.data = data
        self.scenario = scenario
        self.provenance = provenance
        self.metrics = tuple(metrics)
        if events is not None:
            # The log says what it is of (horizon, seed, scenario, engine), so
            # the file written from it and ``flysim.lifetimes`` need nothing else.
            events.attrs[ATTRS_KEY] = event_metadata(provenance)
        self.events = events
        self.inputs = inputs
        #: The per-channel breakdown (``channels()``), with several paid channels.
        self.paid_channels = paid_channels
        self._index = {m: i for i, m in enumerate(self.metrics)}

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.provenance.scenario_name

    @property
    def currency(self) -> str:
        """The currency of money metrics (the scenario's)."""
        return self.scenario.scenario.currency

    @property
    def seed(self) -> int:
        """The seed every run's random streams were spawned from."""
        return self.provenance.seed

    @property
    def engine(self) -> str:
        """The engine that simulated it."""
        return self.provenance.engine

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return int(self.data.shape[0])

    @property
    def n_months(self) -> int:
        """Number of months."""
        return int(self.data.shape[1])

    @property
    def months(self) -> np.ndarray:
        """Month numbers ``1..n_months``."""
        return np.arange(1, self.n_months + 1)

    @property
    def changes(self) -> list[tuple[int, str]]:
        """The scenario's dated changes that fall within the months simulated.

        ``[(0-based month, label), ...]`` in time order, as
        :func:`flysim.scenario.change_list.change_marks` gives them (a change
        written ``month = 4`` is ``(3, "month 4: ...")``); what the charts and
        the KPI table mark: ``fan_chart(result, "mrr", changes=result.changes)``.
        """
        return change_marks(self.scenario, self.n_months)

    def metric(self, name: str) -> np.ndarray:
        """One metric's values, shape ``(runs, months)``: a read-only view of the result.

        Read-only so that an edit cannot change the result behind its
        provenance (its summary and saved files would then disagree with its
        seed); ``.copy()`` it to change it.

        Raises
        ------
        KeyError
            If ``name`` is not a metric; the message suggests the nearest name.
        """
        try:
            view = self.data[:, :, self._index[name]]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(name, self.metrics, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise KeyError(f"unknown metric {name!r}{hint}") from None
        view.flags.writeable = False
        return view

    def __repr__(self) -> str:
        p = self.provenance
        return (
            f"SimulationResult(scenario={p.scenario_name!r}, engine={p.engine!r}, "
            f"runs={self.n_runs}, months={self.n_months}, seed={p.seed})"
        )

    def channels(self) -> pd.DataFrame:
        """Each paid channel's monthly leads, new customers, spend and CAC, per run.

        A tidy frame (``run``, ``month``, ``channel``, ``leads``,
        ``new_customers``, ``spend``, ``cac``) for a scenario with several
        paid channels; with one, the paid totals under its name; with none,
        no rows. ``cac`` is missing in a month without a new customer.
        """
        if self.paid_channels is not None:
            return self.paid_channels
        return totals_frame(self.scenario, self.metric)

    def to_frame(self) -> pd.DataFrame:
        """Every run and month as a table.

        Returns
        -------
        pandas.DataFrame
            One row per run and month, sorted by run then month: columns
            ``run`` (0-based, the index that keys the run's random streams),
            ``month`` (1-based) and one float column per metric.
        """
        return self._frame(0, self.n_runs)

    def iter_frames(self, runs_per_frame: int = 10_000) -> Iterator[pd.DataFrame]:
        """``to_frame`` in consecutive slices of runs, for writing a large result.

        Parameters
        ----------
        runs_per_frame : int
            Runs in each frame (the last may hold fewer).
        """
        for start in range(0, self.n_runs, runs_per_frame):
            yield self._frame(start, min(start + runs_per_frame, self.n_runs))

    def _frame(self, start: int, stop: int) -> pd.DataFrame:
        _, months, k = self.data.shape
        runs = stop - start
        block = self.data[start:stop].reshape(runs * months, k)
        frame = pd.DataFrame(block, columns=list(self.metrics))
        frame.insert(0, "month", np.tile(np.arange(1, months + 1, dtype=np.int64), runs))
        frame.insert(0, "run", np.repeat(np.arange(start, stop, dtype=np.int64), months))
        return frame

    def summary(self) -> pd.DataFrame:
        """Mean, P5, P25, P50, P75, P95 and missing count across runs of every metric and month.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric, month, mean, p5, p25, p50, p75, p95, missing`` (see
            ``flysim.metrics.summary.summarize``).
        """
        return summarize(self.data, self.metrics)

    def quantiles(self, name: str, qs: Sequence[float] = (5, 50, 95)) -> pd.DataFrame:
        """Percentiles of one metric across runs, skipping missing values.

        Parameters
        ----------
        name : str
            A metric name.
        qs : sequence of float
            Percentiles in ``[0, 100]``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``month`` (1-based), one column per percentile named
            ``p5``, ``p50``, ... (``p2.5`` for 2.5).
        """
        bands = quantile_bands(self.metric(name), qs)
        return pd.DataFrame(
            bands.T,
            index=pd.Index(self.months, name="month"),
            columns=[f"p{float(q):g}" for q in qs],
        )

    def drivers(
        self, metric: str, month: int | None = None, *, n_boot: int = 200, seed: int = 0
    ) -> pd.DataFrame:
        """What drives the spread: each uncertain input's share of one metric's variance.

        The first-order share ``Var(E[metric | input]) / Var(metric)`` across
        the runs already made, at ``month`` (the horizon by default), with a
        95 % bootstrap interval from ``n_boot`` resamples seeded by ``seed``
        (:func:`flysim.drivers.drivers`; the method is
        :func:`flysim.uncertainty.variance_shares`'s). Plot it with
        :func:`flysim.plots.drivers_chart`.

        Returns
        -------
        pandas.DataFrame
            Columns ``input``, ``share``, ``ci_low``, ``ci_high``, largest share first.

        Raises
        ------
        ValueError
            When the result has no drawn inputs (no uncertain input, or they
            were fixed at their medians), for a month out of range, or for
            fewer than 20 runs with a value.
        """
        from flysim.drivers import drivers

        return drivers(self, metric, month, n_boot=n_boot, seed=seed)

    def drivers_frame(
        self, metrics: Sequence[str] | None = None, month: int | None = None
    ) -> pd.DataFrame:
        """:meth:`drivers` of several metrics (the headline KPIs by default) in one tidy frame.

        Columns ``metric``, ``month``, ``input``, ``share``, ``ci_low``,
        ``ci_high``, ``runs``: what ``drivers.csv`` holds.
        """
        from flysim.drivers import DRIVER_KPIS, drivers_frame

        return drivers_frame(self, DRIVER_KPIS if metrics is None else metrics, month)

    def save(
        self,
        directory: str | Path,
        *,
        figures: bool = True,
        plots: bool | None = None,
        extra: io.FigureWriter | None = None,
    ) -> Path:
        """Write the result atomically into ``directory``.

        The folder gets ``summary.csv``, ``runs.parquet`` (``to_frame()``, with
        the provenance as parquet metadata), ``manifest.json`` (provenance,
        resolved scenario, metric and file lists), ``events.parquet`` when an
        event log was recorded, and with ``figures`` the figures of
        :func:`flysim.plots.output.save_figures`. It is built in a temporary
        sibling and swapped in whole: a failed save leaves an existing folder
        untouched. Without figures, saving never imports matplotlib. When the
        run drew uncertain inputs, it also gets ``inputs.parquet`` and
        ``drivers.csv`` (:meth:`drivers_frame`), and with figures ``drivers.png``.

        Parameters
        ----------
        directory : str or pathlib.Path
            The folder to create or replace.
        figures : bool, optional
            Also write the PNG figures (default).
        plots : bool or None, optional
            Deprecated name of ``figures``.
        extra : callable, optional
            Called with the folder being built, after the figures; returns the
            files it wrote there (a report, say), which the manifest lists.

        Returns
        -------
        pathlib.Path
            The absolute path of the folder.

        Raises
        ------
        FileExistsError
            If ``directory`` is a file, or a non-empty folder that is not a
            flysim result (it would be replaced).
        """
        figures = io.figures_wanted(figures, plots)
        writer: io.FigureWriter | None = None
        tables: dict[str, pd.DataFrame] = {}
        from flysim.drivers import DRIVERS_FILE, saved_drivers

        drivers = saved_drivers(self)
        if drivers is not None:
            tables[DRIVERS_FILE] = drivers
        if figures:
            from flysim.plots.output import save_figures  # matplotlib only when figures are wanted

            # The figures mark the plan's dated changes, when it has any.
            changes = self.changes
            writer = (
                partial(save_figures, self, changes=changes)
                if changes
                else partial(save_figures, self)
            )
            if drivers is not None:
                from flysim.plots.output import save_drivers_figure

                shown = partial(save_drivers_figure, drivers, currency=self.currency)
                writer = io.combine_writers(writer, shown)
        return io.write_result(
            self, directory, figures=io.combine_writers(writer, extra), tables=tables
        )

    @classmethod
    def load(cls, directory: str | Path) -> SimulationResult:
        """Read a folder written by ``save`` back into a result.

        The scenario is re-validated from the manifest's resolved scenario.

        Raises
        ------
        FileNotFoundError
            If the folder lacks ``manifest.json`` or ``runs.parquet``.
        ValueError
            If the files are not a flysim result or do not agree with each other.
        """
        folder = Path(directory)
        manifest = io.read_manifest(folder)
        kind = manifest.get("kind", "run")
        if kind != "run":
            raise ValueError(f"{folder} holds a {kind} study, not a simulation result")
        provenance = Provenance(**io.provenance_from_manifest(manifest))
        scenario = Scenario.model_validate(manifest["scenario"]["resolved"])
        scenario._source = provenance.scenario_path  # the file it came from, as at simulation
        metrics = tuple(manifest["metrics"])
        frame, _ = io.read_table(folder / io.RUNS_FILE)
        runs, months = provenance.runs, provenance.months
        frame = frame.sort_values(["run", "month"], kind="stable")
        expected_run = np.repeat(np.arange(runs), months)
        expected_month = np.tile(np.arange(1, months + 1), runs)
        if (
            len(frame) != runs * months
            or not set(metrics) <= set(frame.columns)
            or not np.array_equal(frame["run"].to_numpy(), expected_run)
            or not np.array_equal(frame["month"].to_numpy(), expected_month)
        ):
            raise ValueError(
                f"{folder / io.RUNS_FILE} does not hold {runs} runs x {months} months "
                f"of the manifest's {len(metrics)} metrics"
            )
        data = frame[list(metrics)].to_numpy(np.float64).reshape(runs, months, len(metrics))
        events = None
        if io.EVENTS_FILE in manifest.get("files", ()):
            events, _ = io.read_table(folder / io.EVENTS_FILE)
        inputs = None
        if io.INPUTS_FILE in manifest.get("files", ()):
            table, _ = io.read_table(folder / io.INPUTS_FILE)
            inputs = table.set_index("run")
        paid = None
        if io.CHANNELS_FILE in manifest.get("files", ()):
            paid, _ = io.read_table(folder / io.CHANNELS_FILE)
        return cls(
            data,
            scenario,
            provenance,
            metrics=metrics,
            events=events,
            inputs=inputs,
            paid_channels=paid,
        )
