"""Where runs execute: in this process, or in chunks spread over worker processes.

What to simulate (a parameter table: one row per variant), how many runs
(the pipeline, ``flysim.pipeline``) and where they run (here) are separate
concerns. The work is ``sets x runs`` rows, set by set; a chunk is a range of
consecutive rows, so one chunk of a study may hold runs of several parameter
sets, which the engine advances together. Every run draws from streams keyed
by its own index, so the split into chunks and workers never changes a number.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import FrameType
from typing import Any, TypeVar

import numpy as np

from flysim.engines import Engine, RawBlock
from flysim.model.params import ParameterTable
from flysim.shared_memory import shared

__all__ = [
    "Task",
    "WorkerDiedError",
    "default_chunk_size",
    "fold_blocks",
    "iter_blocks",
    "plan_tasks",
]

T = TypeVar("T")

#: A worker's fold (``fold_blocks``), installed when the pool forks it.
_FOLD: Callable[[RawBlock], Any] | None = None
#: How often, in seconds, ``fold_blocks`` checks on its workers while it waits.
_WATCH_S = 0.5


class WorkerDiedError(RuntimeError):
    """A worker process ended while it had work: its chunk is lost, so the job is.

    ``exitcode`` is the process's, negative for the signal that ended it
    (``-9``, SIGKILL, is what the system's out-of-memory killer sends).
    """

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        if exitcode is None or exitcode >= 0:
            what = f"exited with status {exitcode}"
        elif exitcode == -signal.SIGKILL:
            what = "was killed by signal 9 (SIGKILL), as the system does when it runs out of memory"
        else:
            number = -exitcode
            names = {int(n): n.name for n in signal.Signals}  # real-time ones have none
            what = f"was killed by signal {number}"
            what += f" ({names[number]})" if number in names else ""
        hint = ". Try fewer workers or fewer runs" if exitcode == -signal.SIGKILL else ""
        super().__init__(f"a worker process {what}; no result was kept{hint}")


@dataclass(frozen=True)
class Task:
    """Rows ``start..stop-1`` of a ``sets x runs`` job.

    Row ``s * runs + r`` is run ``r`` of parameter set ``s``.
    """

    start: int
    stop: int

    def sets_and_runs(self, n_runs: int) -> tuple[np.ndarray, np.ndarray]:
        """The parameter set and the run index of each row."""
        rows = np.arange(self.start, self.stop, dtype=np.int64)
        return rows // n_runs, rows % n_runs


def plan_tasks(n_sets: int, n_runs: int, chunk_size: int) -> list[Task]:
    """Split the ``n_sets x n_runs`` rows into consecutive chunks of ``chunk_size`` rows."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    total = n_sets * n_runs
    return [Task(a, min(a + chunk_size, total)) for a in range(0, total, chunk_size)]


def _init_worker(fold: Callable[[RawBlock], Any] | None) -> None:
    # Workers leave Ctrl-C to the parent, which terminates the pool. They die
    # on SIGTERM at the C level, whatever handler or disposition they
    # inherited: Pool.terminate() stops them with it, and a Python-level
    # handler runs only once the worker is back in the interpreter.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    global _FOLD
    _FOLD = fold


def _fold_task(run: Callable[[Any], RawBlock], job: Any) -> Any:
    """In a worker: simulate one chunk and fold it with the fold installed at its fork."""
    if _FOLD is None:  # pragma: no cover - installed by the pool's initializer
        raise RuntimeError("no fold installed in this worker")
    return _FOLD(run(job))


def default_chunk_size(engine: Engine, n_rows: int, workers: int) -> int:
    """Rows per chunk when the caller gives none.

    The engine's ``chunks_per_worker`` chunks per worker (a smooth progress
    bar and an even load), kept within its ``min_chunk`` and ``max_chunk``:
    the agent model's memory grows with its event log; the numpy core wants
    chunks large enough to amortise numpy's per-call cost and small enough to
    keep memory flat.
    """
    per_worker = engine.chunks_per_worker * workers
    return max(1, min(engine.max_chunk, max(engine.min_chunk, -(-n_rows // per_worker))))


def _run_task(
    engine: Engine,
    seed: int,
    n_runs: int,
    months: int,
    record_events: bool,
    job: tuple[Task, int, ParameterTable, bool],
) -> RawBlock:
    """Simulate one chunk: its rows of the table from ``first`` on; ``sets`` come back global."""
    task, first, table, by_run = job
    sets, runs = task.sets_and_runs(n_runs)
    # With a row per run (uncertain inputs), ``first`` is the chunk's first row.
    rows = (sets * n_runs + runs if by_run else sets) - first
    block = engine.run_block(table, seed, rows, runs, months, record_events=record_events)
    block.sets = sets
    return block


def _jobs(
    table: ParameterTable, tasks: list[Task], n_runs: int
) -> Iterator[tuple[Task, int, ParameterTable, bool]]:
    # Each chunk carries only its own rows of the table: the whole table, pickled
    # with every chunk of a study of hundreds of parameter sets, would not be free.
    for task in tasks:
        if table.runs_per_set:
            # Rows are runs: the chunk's rows are its own rows of the table.
            yield task, task.start, table.subset(range(task.start, task.stop)), True
            continue
        first, last = task.start // n_runs, (task.stop - 1) // n_runs
        yield task, first, table.subset(range(first, last + 1)), False


def iter_blocks(
    engine: Engine,
    table: ParameterTable,
    seed: int,
    n_runs: int,
    months: int,
    *,
    record_events: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
) -> Generator[RawBlock, None, None]:
    """Simulate runs ``0..n_runs-1`` of every row of ``table``, yielding blocks as they finish.

    Every row (a scenario of a comparison, a sweep point, a sensitivity
    sample) runs the same run indices with the same seed, hence the same
    random streams. Blocks come in completion order (each knows its sets and
    runs), so a caller can fold them into its output and let them go: memory
    then holds one block per worker. Close the generator (or let it finish)
    to release the worker pool.

    Parameters
    ----------
    engine : Engine
        The engine instance.
    table : ParameterTable
        One row of parameters per variant.
    seed : int
        Seed of every run's streams.
    n_runs, months : int
        Runs per variant, and months each.
    record_events : bool
        Keep the event log (engines that have one).
    workers : int
        Processes to use; 1 runs in this process.
    chunk_size : int, optional
        Rows per chunk; by default ``default_chunk_size``.
    """
    yield from fold_blocks(
        engine,
        table,
        seed,
        n_runs,
        months,
        _same,
        record_events=record_events,
        workers=workers,
        chunk_size=chunk_size,
    )


def fold_blocks(
    engine: Engine,
    table: ParameterTable,
    seed: int,
    n_runs: int,
    months: int,
    fold: Callable[[RawBlock], T],
    *,
    record_events: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
) -> Generator[T, None, None]:
    """``iter_blocks`` with each block folded by ``fold`` where it ran; yields what it returns.

    Forked workers fold their own blocks, writing into arrays made with
    ``flysim.shared_memory.shared_zeros`` (given the same ``workers``) before
    the call: a block's numbers then never travel between processes, and
    this process only gathers what ``fold`` returns (keep it small). Where
    workers do not share memory (``shared_memory.shared``), blocks come back
    and are folded here, in completion order either way.

    Parameters
    ----------
    engine, table, seed, n_runs, months
        As for ``iter_blocks``.
    fold : callable
        Takes a ``RawBlock``; what it returns is yielded (pickled back from a
        worker).
    record_events, workers, chunk_size
        As for ``iter_blocks``.

    Yields
    ------
    object
        ``fold``'s value for each block, in completion order.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    n_rows = table.n_sets * n_runs
    if chunk_size is None:
        chunk_size = default_chunk_size(engine, n_rows, workers)
    tasks = plan_tasks(table.n_sets, n_runs, chunk_size)
    run = partial(_run_task, engine, seed, n_runs, months, record_events)
    if workers == 1 or len(tasks) == 1:
        for job in _jobs(table, tasks, n_runs):
            yield fold(run(job))
        return
    in_workers = shared(workers)
    # multiprocessing.Pool, not concurrent.futures: on Ctrl-C or a failed
    # chunk, leaving the block terminates the workers at once instead of
    # waiting for every chunk already handed to them.
    # Ctrl-C is deferred while the pool forks its workers and acted on once the
    # pool is inside its with block, whose exit terminates the workers. Acted
    # on during the forks, it would raise inside Pool() (which then leaves the
    # workers forked so far running: it cleans up after Exception only) or
    # inside an at-fork callback, which swallows the exception.
    with _sigint_deferred() as deferred:
        # A forked worker gets the fold as this process holds it (initargs are
        # not pickled under fork), with the shared arrays it writes into.
        pool = multiprocessing.Pool(
            min(workers, len(tasks)),
            initializer=_init_worker,
            initargs=(fold if in_workers else None,),
        )
        # Read before any chunk is handed out: a worker that dies with one is watched.
        first = list(pool._pool)  # type: ignore[attr-defined]
    with pool:
        deferred.deliver()
        task = partial(_fold_task, run) if in_workers else run
        results = pool.imap_unordered(task, _jobs(table, tasks, n_runs))
        for out in _watched(results, pool, len(tasks), first):
            yield out if in_workers else fold(out)


def _watched(
    results: Any, pool: Any, expected: int, first: list[multiprocessing.process.BaseProcess]
) -> Iterator[Any]:
    """The ``expected`` results of a pool's ``imap_unordered``, or ``WorkerDiedError``.

    A pool replaces a worker that dies (killed, out of memory) but not its
    chunk, whose result would never come. Its workers end only with the
    pool, so one that has ended died: looked for before each result is
    awaited and every ``_WATCH_S`` while it is, so a death is noticed even
    while the other workers' chunks keep coming. The workers are the pool's
    own (``_pool``, a standard attribute if not a documented one: children
    another thread starts are not its): ``first``, read before any chunk was
    handed out, and read again at each look so that a replacement is watched
    too.
    """
    seen = {id(w): w for w in first}
    for _ in range(expected):
        while True:
            seen.update((id(w), w) for w in list(pool._pool))
            dead = [w.exitcode for w in seen.values() if w.exitcode is not None]
            if dead:
                raise WorkerDiedError(dead[0])
            try:
                out = results.next(timeout=_WATCH_S)
            except multiprocessing.TimeoutError:
                continue
            break
        yield out


def _same(block: RawBlock) -> RawBlock:
    return block


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
