"""Where runs execute: in this process, or in chunks spread over worker processes.

What to simulate (the scenario), how many runs (``simulate``) and where they run
(here) are separate concerns. Because every run draws from streams keyed by its
own index, the split into chunks and workers never changes the numbers.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from functools import partial
from types import FrameType

from flysim.engines import RawBlock, get_engine
from flysim.scenario.schema import Scenario

__all__ = ["default_chunk_size", "iter_blocks", "iter_point_blocks", "plan_chunks"]


def plan_chunks(n_runs: int, chunk_size: int) -> list[range]:
    """Split run indices ``0..n_runs-1`` into consecutive ranges of ``chunk_size``."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return [range(a, min(a + chunk_size, n_runs)) for a in range(0, n_runs, chunk_size)]


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_one_block(
    engine: str, scenario: Scenario, seed: int, runs: range, *, months: int, record_events: bool
) -> RawBlock:
    return get_engine(engine).run_block(scenario, seed, runs, months, record_events=record_events)


def default_chunk_size(engine: str, n_runs: int, workers: int) -> int:
    """Runs per chunk when the caller gives none.

    The engine's ``chunks_per_worker`` (default eight, for a smooth progress
    bar and even load), within its preferred range: the agent model's memory grows with
    its event log, the numpy core wants chunks large enough to amortise
    numpy's per-call cost (``min_chunk``) and small enough to keep memory
    flat (``max_chunk``).
    """
    e = get_engine(engine)
    low, high = getattr(e, "min_chunk", 1), getattr(e, "max_chunk", 250)
    per_worker = getattr(e, "chunks_per_worker", 8)
    return max(1, min(high, max(low, -(-n_runs // (per_worker * workers)))))


def iter_blocks(
    engine: str,
    scenario: Scenario,
    seed: int,
    n_runs: int,
    months: int,
    *,
    record_events: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
) -> Generator[RawBlock, None, None]:
    """Simulate runs ``0..n_runs-1`` in chunks, yielding each block as it finishes.

    Blocks come in completion order, not run order (each knows its runs), so
    a caller can fold them into its output and let them go: memory then holds
    one block per worker, not every block. Close the generator (or let it
    finish) to release the worker pool.

    Parameters
    ----------
    engine : str
        Engine name, as ``flysim.engines.get_engine`` takes it.
    scenario : Scenario
        The scenario to simulate.
    seed : int
        Seed of every run's streams.
    n_runs, months : int
        How many runs, and how many months each.
    record_events : bool
        Keep the event log.
    workers : int
        Processes to use; 1 runs in this process.
    chunk_size : int, optional
        Runs per chunk; by default ``default_chunk_size``.
    """
    points = iter_point_blocks(
        engine,
        [scenario],
        seed,
        n_runs,
        months,
        record_events=record_events,
        workers=workers,
        chunk_size=chunk_size,
    )
    with closing(points):
        for _, block in points:
            yield block


def iter_point_blocks(
    engine: str,
    scenarios: Sequence[Scenario],
    seed: int,
    n_runs: int,
    months: int,
    *,
    record_events: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
) -> Generator[tuple[int, RawBlock], None, None]:
    """Simulate runs ``0..n_runs-1`` of several scenarios with one seed, over one worker pool.

    The studies' executor: every scenario (a sweep point, a compared
    scenario) gets the same seed and run indices, hence the same random
    streams, and all their chunks share one pool, so a study of hundreds of
    small points does not pay for a pool per point. Yields ``(index of the
    scenario, block)`` in completion order; close the generator to release
    the pool.

    Parameters are those of :func:`iter_blocks`, with ``scenarios`` in place
    of one scenario; ``chunk_size`` defaults to what the engine prefers for
    ``n_runs`` runs on ``workers`` workers, capped at ``n_runs``.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if chunk_size is None:
        # Many points keep every worker busy, so each point is one chunk unless
        # the engine wants smaller ones (memory) or a lone point wants spreading.
        spread = workers if len(scenarios) < workers else 1
        chunk_size = default_chunk_size(engine, n_runs, spread)
    tasks = [(i, runs) for i in range(len(scenarios)) for runs in plan_chunks(n_runs, chunk_size)]
    if workers == 1 or len(tasks) == 1:
        for i, runs in tasks:
            yield (
                i,
                _run_one_block(
                    engine, scenarios[i], seed, runs, months=months, record_events=record_events
                ),
            )
        return
    # Each task carries its own scenario: a partial holding them all would be
    # pickled with every task.
    task = partial(_run_point_block, engine, seed, months=months, record_events=record_events)
    # multiprocessing.Pool, not concurrent.futures: on Ctrl-C or a failed
    # chunk, leaving the block terminates the workers at once instead of
    # waiting for every chunk already handed to them.
    # Ctrl-C is deferred while the pool forks its workers and acted on once the
    # pool is inside its with block, whose exit terminates the workers. Acted
    # on during the forks, it would raise inside Pool() (which then leaves the
    # workers forked so far running: it cleans up after Exception only) or
    # inside an at-fork callback, which swallows the exception.
    with _sigint_deferred() as deferred:
        pool = multiprocessing.Pool(min(workers, len(tasks)), initializer=_ignore_sigint)
    with pool:
        deferred.deliver()
        yield from pool.imap_unordered(task, [(i, scenarios[i], runs) for i, runs in tasks])


class _Deferred:
    """SIGINTs received while deferred, delivered again by :meth:`deliver`."""

    def __init__(self) -> None:
        self.received = False

    def record(self, signum: int, frame: FrameType | None) -> None:
        self.received = True

    def deliver(self) -> None:
        if self.received:
            self.received = False
            # To this process, through whatever handler is installed now.
            signal.raise_signal(signal.SIGINT)


@contextmanager
def _sigint_deferred() -> Iterator[_Deferred]:
    """Record SIGINT instead of acting on it; restore the handler on leaving.

    Only the main thread can change signal handlers; elsewhere Python never
    runs them, so there is nothing to defer.
    """
    deferred = _Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield deferred
        return
    previous = signal.signal(signal.SIGINT, deferred.record)
    try:
        yield deferred
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_point_block(
    engine: str,
    seed: int,
    task: tuple[int, Scenario, range],
    *,
    months: int,
    record_events: bool,
) -> tuple[int, RawBlock]:
    i, scenario, runs = task
    return i, _run_one_block(
        engine, scenario, seed, runs, months=months, record_events=record_events
    )
