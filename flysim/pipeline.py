"""The run pipeline: every simulation and every study goes through ``run_variants``.

``flysim.simulate`` is its single-variant case; ``compare``, ``sweep`` and
``sensitivity`` pass their scenarios, grid points or parameter sets as the
variants. One place resolves the seed, checks the engine, compiles the
variants into one parameter table, runs it (``flysim.execution``), derives
the metrics and builds the provenance. Every variant runs the same run indices
with the same seed, so run ``r`` of each draws from the same random streams:
common random numbers.
"""

from __future__ import annotations

import difflib
import logging
import os
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim._version import __version__
from flysim.breakdown import scatter_channels
from flysim.engines import EVENT_COLUMNS, Engine, RawBlock, resolve_engine
from flysim.execution import fold_blocks
from flysim.inputs import draw_frame, is_uncertain, run_scenarios
from flysim.limits import check_job
from flysim.metrics.derive import copied_columns, derive_metrics, derive_run_metrics
from flysim.metrics.names import METRICS
from flysim.model.params import compile_table
from flysim.progress import ProgressArg, engine_status, progress_callback
from flysim.provenance import Provenance
from flysim.rng import fresh_seed
from flysim.scenario import Scenario, scenario_hash
from flysim.shared_memory import private, shared_zeros

__all__ = ["Batch", "check_metric", "default_workers", "resolve_seed", "run_variants"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """The output of :func:`run_variants`.

    Attributes
    ----------
    data : numpy.ndarray
        ``variants x runs x months x metrics``, for the metrics asked for.
    metrics : tuple of str
        Names along the last axis.
    seed, runs, months : int
        Shared by every variant.
    engine : str
        The engine's name.
    wall_time_s : float
        Wall time of the whole batch.
    created : str
        ISO time the batch finished.
    n_events : int
        Simulation events (agent model) or steps x runs (numpy core) processed
        by the whole batch.
    events : pandas.DataFrame or None
        The event log, when asked for (one variant, agent model).
    inputs : tuple of (pandas.DataFrame or None)
        Per variant, each run's draws of its uncertain inputs (None: none, or
        ``fix_inputs``).
    channels : numpy.ndarray or None
        One variant with several paid channels: each channel's monthly leads,
        new customers and budget, ``runs x months x channels x 3``
        (``flysim.engines.base.PAID_FIELDS``); else None.
    channel_names : tuple of str
        The paid channels along ``channels``' third axis.
    """

    data: np.ndarray
    metrics: tuple[str, ...]
    seed: int
    runs: int
    months: int
    engine: str
    wall_time_s: float
    created: str
    n_events: int = 0
    events: pd.DataFrame | None = None
    inputs: tuple[pd.DataFrame | None, ...] = ()
    fixed_inputs: bool = False
    channels: np.ndarray | None = None
    channel_names: tuple[str, ...] = ()

    def provenance(self, scenario: Scenario) -> Provenance:
        """Provenance of one variant: its scenario's hash; the batch's seed, wall time, events."""
        return Provenance(
            scenario_name=scenario.name,
            scenario_hash=scenario_hash(scenario),
            scenario_path=scenario.source,
            seed=self.seed,
            engine=self.engine,
            runs=self.runs,
            months=self.months,
            flysim_version=__version__,
            created=self.created,
            wall_time_s=self.wall_time_s,
            n_events=self.n_events,
            inputs=("fixed" if self.fixed_inputs else "drawn") if scenario.uncertain else "none",
        )


def check_metric(name: str) -> str:
    """``name`` if it is a metric, else ValueError suggesting the nearest metric name."""
    if name in METRICS:
        return name
    close = difflib.get_close_matches(str(name), METRICS, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    hint += " ('flysim metrics' lists every metric)"
    raise ValueError(f"unknown metric {name!r}{hint}")


def resolve_seed(seed: int | None, scenario: Scenario) -> int:
    """The seed given, else the scenario's, else fresh entropy; checked to be an int >= 0."""
    if seed is None:
        seed = scenario.scenario.seed if scenario.scenario.seed is not None else fresh_seed()
    return check_int("seed", seed, 0)


def default_workers(workers: int | None) -> int:
    """``workers`` checked, or every core when None."""
    return check_int("workers", os.cpu_count() or 1 if workers is None else workers, 1)


def run_variants(
    variants: Sequence[Scenario],
    *,
    runs: int,
    seed: int,
    months: int,
    metrics: Sequence[str] = METRICS,
    engine: str | Engine = "mc",
    workers: int | None = None,
    chunk_size: int | None = None,
    events: bool = False,
    progress: ProgressArg = None,
    label: str = "study",
    unit: str = "points",
    fix_inputs: bool = False,
) -> Batch:
    """Simulate every variant with the same runs and seed, keeping the metrics asked for.

    Parameters
    ----------
    variants : sequence of Scenario
        The scenarios to run (at least one), compiled into one parameter
        table whose rows the engine advances together.
    runs, seed, months : int
        Shared by every variant: run ``r`` of each draws from the same streams.
    metrics : sequence of str
        Metrics to keep (all by default); fewer keep memory small for studies
        of many points.
    engine : {"mc", "des"} or Engine
        An engine name or instance.
    workers : int, optional
        Processes to use; every core by default. The numbers do not depend on it.
    chunk_size : int, optional
        Runs per chunk (a chunk may hold runs of several variants); the
        numbers do not depend on it.
    events : bool
        Keep the event log (one variant, an engine that has one).
    progress : bool or callable, optional
        True shows a progress bar; a callable is called with the amount of
        work each finished chunk completed: runs for one variant, else
        variants completed.
    label, unit : str
        The progress bar's label, and what it counts for several variants.
    fix_inputs : bool
        Run every uncertain input at its law's median (the scenario as
        loaded) instead of a draw per run.

    Returns
    -------
    Batch

    Raises
    ------
    ValueError, TypeError
        Naming the argument, its value and what is allowed.
    flysim.limits.JobTooLargeError
        (a ``ValueError``) For a job that cannot fit in memory or finish,
        saying what it would take and what to change.
    """
    if not variants:
        raise ValueError("variants must hold at least one scenario")
    runs = check_int("runs", runs, 1)
    months = check_int("months", months, 1, 120)
    seed = check_int("seed", seed, 0)
    workers = default_workers(workers)
    if chunk_size is not None:
        chunk_size = check_int("chunk_size", chunk_size, 1)
    eng = resolve_engine(engine)
    if events and len(variants) > 1:
        raise ValueError("events=True records one variant's event log; give one scenario")
    metrics = tuple(check_metric(m) for m in metrics)
    columns = [METRICS.index(m) for m in metrics]
    # Refuse, before anything runs, a job that cannot fit in memory or finish.
    for scenario in variants:
        check_job(
            scenario,
            runs=runs,
            months=months,
            engine=eng.name,
            workers=workers,
            points=len(variants),
            metrics=len(metrics),
        )
    frames: list[pd.DataFrame | None] = [None] * len(variants)
    runs_of: list[Scenario] | None = None
    if not fix_inputs and any(is_uncertain(v) for v in variants):
        # Every run has its own parameters: one table row per run.
        frames = [draw_frame(v, seed, runs) for v in variants]
        runs_of = run_scenarios(variants, frames, runs)
        table = compile_table(runs_of, runs_per_set=runs)
    else:
        table = compile_table(variants)
    log.info(
        "simulating %d variant(s) x %d runs: engine=%s months=%d seed=%d",
        len(variants),
        runs,
        eng.name,
        months,
        seed,
    )
    with engine_status(progress, eng.preparing):
        # Compiled code is compiled or loaded here, once, before workers fork.
        eng.prepare()
    started = time.perf_counter()
    one = len(variants) == 1
    # The paid channels' breakdown: one variant with several paid channels.
    names = table.paid_names() if one else ()
    # Each block's metrics go straight into one preallocated array (shared with
    # the workers, which fold their own blocks), so memory holds the result plus
    # a block per worker, never every raw block as well.
    fold = _Fold(
        data=shared_zeros((len(variants), runs, months, len(columns)), workers),
        by_channel=(
            shared_zeros((runs, months, len(names), 3), workers) if len(names) > 1 else None
        ),
        names=names,
        variants=tuple(variants),
        columns=columns,
        runs=runs,
        runs_of=runs_of,
        frames=frames,
    )
    event_rows: list[tuple] = []
    n_events = 0
    # A variant is done when all its runs are (they may come in several chunks).
    remaining = np.full(len(variants), runs)
    folded = fold_blocks(
        eng,
        table,
        seed,
        runs,
        months,
        fold,
        record_events=events,
        workers=workers,
        chunk_size=chunk_size,
    )
    total, what = (runs, "runs") if one else (len(variants), unit)
    bar = progress_callback(progress, total, variants[0].name if one else label, unit=what)
    # closing: on Ctrl-C or an error the worker pool is terminated here, at
    # once, not whenever the suspended generator happens to be collected.
    with closing(folded), bar as advance:
        for done in folded:
            for s, count in done.rows:
                remaining[s] -= count
                if advance is not None and not one and remaining[s] == 0:
                    advance(1)
            if advance is not None and one:
                advance(done.runs)
            n_events += done.n_events
            event_rows.extend(done.events)
    wall = time.perf_counter() - started
    event_frame = None
    if events:
        event_rows.sort(key=lambda row: row[0])  # blocks finish in any order; runs in order
        event_frame = pd.DataFrame.from_records(event_rows, columns=list(EVENT_COLUMNS))
    return Batch(
        data=private(fold.data),
        metrics=metrics,
        seed=seed,
        runs=runs,
        months=months,
        engine=eng.name,
        wall_time_s=wall,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        n_events=n_events,
        events=event_frame,
        inputs=tuple(frames),
        channels=None if fold.by_channel is None else private(fold.by_channel),
        channel_names=names if fold.by_channel is not None else (),
        fixed_inputs=fix_inputs,
    )


@dataclass(frozen=True)
class _Folded:
    """What folding a block leaves to report: ``(variant, runs)`` pairs, runs, events."""

    rows: list[tuple[int, int]]
    runs: int
    n_events: int
    events: list[tuple]


@dataclass(frozen=True)
class _Fold:
    """Derive a block's metrics into the batch's arrays (in the worker that simulated it)."""

    data: np.ndarray
    by_channel: np.ndarray | None
    names: tuple[str, ...]
    variants: tuple[Scenario, ...]
    columns: list[int]
    runs: int
    runs_of: list[Scenario] | None
    frames: list[pd.DataFrame | None]

    def __call__(self, block: RawBlock) -> _Folded:
        data, columns, runs = self.data, self.columns, self.runs
        # Every metric in order: a block's metrics are written in place.
        every = columns == list(range(len(METRICS)))
        # A study of mrr (say) keeps raw fields only: nothing to derive.
        copied = copied_columns([METRICS[c] for c in columns])
        done = []
        for s in np.unique(block.sets):
            rows = block.sets == s
            if copied is not None:
                data[s, block.runs[rows]] = block.raw[rows][..., copied]
            elif self.runs_of is not None and self.frames[s] is not None:
                # Each run's own scenario: a drawn gross margin is the run's.
                own = [self.runs_of[s * runs + r] for r in block.runs[rows]]
                derived = derive_run_metrics(block.raw[rows], own)
                data[s, block.runs[rows]] = derived[..., columns]
            else:
                ids = block.runs[rows]
                if every and bool(np.all(np.diff(ids) == 1)):
                    # Straight into the result: no block-sized copy.
                    into = data[s, int(ids[0]) : int(ids[-1]) + 1]
                    derive_metrics(block.raw[rows], self.variants[s], out=into)
                else:
                    derived = derive_metrics(block.raw[rows], self.variants[s])
                    data[s, ids] = derived[..., columns]
            done.append((int(s), int(rows.sum())))
        if self.by_channel is not None and block.channels is not None:
            scatter_channels(
                self.by_channel, block.runs, block.channels, block.channel_names, self.names
            )
        return _Folded(done, len(block.runs), block.n_events, list(block.events or []))
