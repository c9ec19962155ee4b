"""Run many variants of a scenario with one seed: what compare, sweep and sensitivity run on.

Every variant (a compared scenario, a sweep point, a sample of a sensitivity
study) runs the same run indices with the same seed, so run ``r`` of every
variant draws from the same random streams: common random numbers. Their
differences are then paired, and much less noisy than differences between
independent simulations.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from flysim._args import check_int
from flysim._version import __version__
from flysim.engines import ENGINES, get_engine
from flysim.execution import iter_point_blocks
from flysim.metrics.derive import derive_metrics
from flysim.metrics.names import METRICS
from flysim.progress import ProgressArg, progress_callback
from flysim.result import Provenance
from flysim.rng import fresh_seed
from flysim.scenario import Scenario, scenario_hash

__all__ = ["Batch", "check_metric", "resolve_seed", "run_variants"]

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
    wall_time_s : float
        Wall time of the whole batch.
    created : str
        ISO time the batch finished.
    """

    data: np.ndarray
    metrics: tuple[str, ...]
    seed: int
    runs: int
    months: int
    engine: str
    wall_time_s: float
    created: str

    def provenance(self, scenario: Scenario) -> Provenance:
        """Provenance of one variant (its own scenario hash; the batch's seed and wall time)."""
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
            n_events=0,
        )


def check_metric(name: str) -> str:
    """``name`` if it is a metric, else ValueError suggesting the nearest metric name."""
    import difflib

    if name in METRICS:
        return name
    close = difflib.get_close_matches(str(name), METRICS, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else "; see flysim.metrics.names.METRICS"
    raise ValueError(f"unknown metric {name!r}{hint}")


def resolve_seed(seed: int | None, scenario: Scenario) -> int:
    """The seed given, else the scenario's, else fresh entropy; checked to be an int >= 0."""
    if seed is None:
        seed = scenario.scenario.seed if scenario.scenario.seed is not None else fresh_seed()
    return check_int("seed", seed, 0)


def run_variants(
    variants: Sequence[Scenario],
    *,
    runs: int,
    seed: int,
    months: int,
    metrics: Sequence[str] = METRICS,
    engine: str = "mc",
    workers: int = 1,
    chunk_size: int | None = None,
    progress: ProgressArg = None,
    label: str = "study",
    unit: str = "points",
) -> Batch:
    """Simulate every variant with the same runs and seed, keeping the metrics asked for.

    Parameters
    ----------
    variants : sequence of Scenario
        The scenarios to run (at least one).
    runs, seed, months : int
        Shared by every variant: run ``r`` of each draws from the same streams.
    metrics : sequence of str
        Metrics to keep (all by default); fewer keep memory small for studies
        of many points.
    engine : {"mc", "des"}
        Studies default to the numpy core.
    workers, chunk_size : int
        Where the runs execute; the numbers do not depend on them.
    progress : bool or callable, optional
        True shows a progress bar over variants; a callable is called with 1
        each time a variant completes.
    label, unit : str
        The progress bar's label, and what it counts.

    Returns
    -------
    Batch
    """
    if not variants:
        raise ValueError("variants must hold at least one scenario")
    runs = check_int("runs", runs, 1)
    months = check_int("months", months, 1, 120)
    workers = check_int("workers", workers, 1)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    metrics = tuple(check_metric(m) for m in metrics)
    columns = [METRICS.index(m) for m in metrics]
    get_engine(engine)  # imported before the work starts, as simulate does
    log.info(
        "study %r: %d variants x %d runs, engine=%s months=%d seed=%d",
        label,
        len(variants),
        runs,
        engine,
        months,
        seed,
    )
    started = time.perf_counter()
    data = np.empty((len(variants), runs, months, len(columns)))
    # Each variant may come in several chunks; it is done when all its runs are.
    remaining = np.full(len(variants), runs)
    blocks = iter_point_blocks(
        engine, variants, seed, runs, months, workers=workers, chunk_size=chunk_size
    )
    bar = progress_callback(progress, len(variants), label, unit=unit)
    with closing(blocks), bar as advance:
        for i, block in blocks:
            data[i, block.runs] = derive_metrics(block.raw, variants[i])[..., columns]
            remaining[i] -= len(block.runs)
            if remaining[i] == 0 and advance is not None:
                advance(1)
    wall = time.perf_counter() - started
    return Batch(
        data=data,
        metrics=metrics,
        seed=seed,
        runs=runs,
        months=months,
        engine=engine,
        wall_time_s=wall,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
