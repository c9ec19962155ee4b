"""``flysim.simulate``: run a scenario many times and collect every metric."""

from __future__ import annotations

import logging
import time
from contextlib import closing
from datetime import UTC, datetime
from os import PathLike

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim._version import __version__
from flysim.engines import ENGINES, EVENT_COLUMNS, get_engine
from flysim.execution import iter_blocks
from flysim.metrics.derive import derive_metrics
from flysim.metrics.names import METRICS
from flysim.progress import ProgressArg, progress_callback
from flysim.result import Provenance, SimulationResult
from flysim.rng import fresh_seed
from flysim.scenario import Scenario, load_scenario, scenario_hash

__all__ = ["simulate"]

log = logging.getLogger(__name__)


def simulate(
    scenario: Scenario | str | PathLike[str],
    runs: int | None = None,
    seed: int | None = None,
    engine: str = "mc",
    months: int | None = None,
    *,
    events: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
    progress: ProgressArg = None,
) -> SimulationResult:
    """Simulate a scenario ``runs`` times and return every metric of every run and month.

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario, or a path to a scenario file.
    runs : int, optional
        Number of Monte Carlo runs; defaults to the scenario's ``runs``.
    seed : int, optional
        Seed of every run's random streams; defaults to the scenario's
        ``seed``, else fresh entropy (recorded in the provenance).
    engine : {"mc", "des"}
        ``"mc"`` (default): the vectorised numpy core, counts per compartment;
        ``"des"``: the SimPy agent model, every customer an agent, with an
        event log. Both give the same distribution of every metric.
    months : int, optional
        Months to simulate (1 to 120); defaults to the scenario's horizon.
    events : bool
        Record the event log (``result.events``); agent model only. Memory
        grows with it.
    workers : int
        Processes to spread runs over; results do not depend on it.
    chunk_size : int, optional
        Runs per chunk; results do not depend on it.
    progress : bool or callable, optional
        True shows a progress bar; a callable is called with the number of
        runs each finished chunk completed.

    Returns
    -------
    SimulationResult
        Raw ``runs x months x metrics`` data with provenance.

    Raises
    ------
    ValueError, TypeError
        Naming the argument, its value and what is allowed.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = check_int("runs", scenario.scenario.runs if runs is None else runs, 1)
    months = check_int("months", scenario.horizon_months if months is None else months, 1, 120)
    workers = check_int("workers", workers, 1)
    if chunk_size is not None:
        chunk_size = check_int("chunk_size", chunk_size, 1)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    if events and engine != "des":
        raise ValueError(
            f"events=True needs engine='des' (the agent model); engine={engine!r} "
            "keeps counts per compartment, not agents"
        )
    if seed is None:
        seed = scenario.scenario.seed if scenario.scenario.seed is not None else fresh_seed()
    seed = check_int("seed", seed, 0)

    # Import the engine now, not in the middle of the work: an interrupt that
    # lands in an import can surface as another exception (CPython wraps one
    # raised in a class body's __set_name__ in a RuntimeError).
    get_engine(engine)
    log.info(
        "simulating %r: engine=%s runs=%d months=%d seed=%d",
        scenario.name,
        engine,
        runs,
        months,
        seed,
    )
    started = time.perf_counter()
    # Each block's metrics go straight into one preallocated array, so memory
    # holds the result plus a block per worker, never every raw block as well.
    data = np.empty((runs, months, len(METRICS)))
    event_rows: list[tuple] = []
    n_events = 0
    blocks = iter_blocks(
        engine,
        scenario,
        seed,
        runs,
        months,
        record_events=events,
        workers=workers,
        chunk_size=chunk_size,
    )
    # closing: on Ctrl-C or an error the worker pool is terminated here, at
    # once, not whenever the suspended generator happens to be collected.
    with closing(blocks), progress_callback(progress, runs, scenario.name) as on_block:
        for block in blocks:
            data[block.runs] = derive_metrics(block.raw, scenario)
            n_events += block.n_events
            if block.events:
                event_rows.extend(block.events)
            if on_block is not None:
                on_block(len(block.runs))
    wall = time.perf_counter() - started

    event_frame = None
    if events:
        event_rows.sort(key=lambda row: row[0])  # blocks finish in any order; runs in order
        event_frame = pd.DataFrame.from_records(event_rows, columns=list(EVENT_COLUMNS))
    provenance = Provenance(
        scenario_name=scenario.name,
        scenario_hash=scenario_hash(scenario),
        scenario_path=scenario.source,
        seed=seed,
        engine=engine,
        runs=runs,
        months=months,
        flysim_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        wall_time_s=wall,
        n_events=n_events,
    )
    return SimulationResult(data, scenario, provenance, events=event_frame)
