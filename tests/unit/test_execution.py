"""Unit tests of where runs execute: chunks, workers, and blocks folded where they ran."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from flysim.engines import RawBlock, resolve_engine
from flysim.execution import WorkerDiedError, fold_blocks, iter_blocks, plan_tasks
from flysim.model.params import compile_table
from flysim.scenario import load_scenario
from flysim.shared_memory import private, shared, shared_zeros
from tests.builders import SCENARIOS_DIR

FORKS = multiprocessing.get_start_method() == "fork"
SHARES = shared(2)


def test_tasks_cover_every_row_once_in_order() -> None:
    tasks = plan_tasks(3, 5, 4)
    rows = [r for t in tasks for r in range(t.start, t.stop)]
    assert rows == list(range(15))
    sets, runs = tasks[1].sets_and_runs(5)
    assert sets.tolist() == [0, 1, 1, 1] and runs.tolist() == [4, 0, 1, 2]


@pytest.mark.skipif(not SHARES, reason="workers share memory when forked, with memfd_create")
def test_a_forked_worker_writes_into_shared_zeros() -> None:
    mem, plain = shared_zeros((3, 2), workers=2), shared_zeros((3, 2), workers=1)
    assert not mem.any() and not plain.any()

    def write() -> None:
        mem[1] = 7.0
        plain[1] = 7.0

    child = multiprocessing.get_context("fork").Process(target=write)
    child.start()
    child.join()
    assert child.exitcode == 0
    assert mem[1].tolist() == [7.0, 7.0]  # written there, seen here
    assert not plain.any()  # a private copy was written


def _where(block: RawBlock) -> tuple[int, int, float]:
    return os.getpid(), len(block.runs), float(block.raw.sum())


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_are_folded_where_they_ran_with_the_same_numbers(workers: int) -> None:
    table = compile_table([load_scenario(SCENARIOS_DIR / "startup.toml")])
    engine = resolve_engine("mc")
    engine.prepare()
    args = (engine, table, 3, 8, 2)
    folded = list(fold_blocks(*args, _where, workers=workers, chunk_size=2))
    blocks = list(iter_blocks(*args, workers=1, chunk_size=2))
    assert sum(runs for _, runs, _ in folded) == 8
    # The same chunks, whatever process folded them (they come in any order).
    assert sorted(total for *_, total in folded) == sorted(float(b.raw.sum()) for b in blocks)
    in_workers = workers > 1 and SHARES
    assert all((pid != os.getpid()) == in_workers for pid, *_ in folded)
    assert np.isfinite([total for *_, total in folded]).all()


@pytest.mark.skipif(not SHARES, reason="workers share memory when forked, with memfd_create")
def test_results_are_the_parents_own_memory_once_the_workers_are_done() -> None:
    """A process forked later that writes into a result changes its own copy only."""
    import flysim

    result = flysim.simulate(
        SCENARIOS_DIR / "startup.toml", runs=40, months=3, seed=1, workers=2, chunk_size=10
    )
    data = result.metric("customers")
    before = data.copy()
    mem = shared_zeros((2,), workers=2)
    assert private(mem) is not mem and private(before) is before

    def write() -> None:
        result.data[...] = -1.0

    child = multiprocessing.get_context("fork").Process(target=write)
    child.start()
    child.join()
    assert child.exitcode == 0
    np.testing.assert_array_equal(result.metric("customers"), before)


def _anonymous_kb() -> int:
    """This process's resident anonymous memory (its own pages, not a file's), in kB."""
    status = Path(f"/proc/{os.getpid()}/status").read_text()
    return int(status.split("RssAnon:")[1].split()[0])


@pytest.mark.skipif(not SHARES, reason="workers share memory when forked, with memfd_create")
def test_private_maps_the_workers_pages_as_its_own_without_copying_them() -> None:
    shape = (64, 1024, 4)  # 2 MB
    result = shared_zeros(shape, workers=2)

    def write() -> None:
        result[...] = 7.0

    child = multiprocessing.get_context("fork").Process(target=write)
    child.start()
    child.join()
    before = _anonymous_kb()
    mine = private(result)
    assert float(mine.sum()) == 7.0 * mine.size  # every page read
    assert _anonymous_kb() - before < 1024  # not copied into this process's memory
    mine[0, 0, 0] = 1.0  # its own: the shared pages do not change
    assert result[0, 0, 0] == 7.0 and mine[0, 0, 1] == 7.0
    # Not shared_zeros' arrays, or a part of one: as they are, or copied.
    plain = np.zeros(3)
    assert private(plain) is plain
    part = private(shared_zeros((4,), workers=2)[1:])
    assert part.flags.owndata and part.shape == (3,)


def _dies_in_a_worker(parent: int, block: RawBlock) -> int:
    if os.getpid() != parent and 4 in block.runs:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
    return len(block.runs)


@pytest.mark.skipif(not SHARES, reason="folds run in the workers only when they share memory")
def test_a_worker_that_dies_fails_the_job_instead_of_hanging_it() -> None:
    table = compile_table([load_scenario(SCENARIOS_DIR / "startup.toml")])
    engine = resolve_engine("mc")
    engine.prepare()
    fold = partial(_dies_in_a_worker, os.getpid())
    raised: list[BaseException] = []

    yielded: list[int] = []

    def consume() -> None:
        try:
            # 40 chunks of one run: the other worker's results keep coming.
            for runs in fold_blocks(engine, table, 3, 40, 2, fold, workers=2, chunk_size=1):
                yielded.append(runs)
        except BaseException as exc:  # handed to the test's thread
            raised.append(exc)

    # In a thread: were the pool's wait never to end, the test fails, not hangs.
    waiter = threading.Thread(target=consume, daemon=True)
    waiter.start()
    waiter.join(timeout=60)
    assert not waiter.is_alive(), "fold_blocks kept waiting for a dead worker's chunk"
    assert len(raised) == 1 and isinstance(raised[0], WorkerDiedError)
    assert raised[0].exitcode == -signal.SIGKILL
    assert "killed by signal 9 (SIGKILL)" in str(raised[0])
    assert "out of memory" in str(raised[0])
    # Noticed while the other worker's chunks still came, not once they were all done.
    assert len(yielded) < 20, len(yielded)


def _ends_at_once() -> None:
    pass


@pytest.mark.skipif(not SHARES, reason="folds run in the workers only when they share memory")
def test_a_process_another_thread_starts_meanwhile_is_not_taken_for_a_worker(monkeypatch) -> None:
    table = compile_table([load_scenario(SCENARIOS_DIR / "startup.toml")])
    engine = resolve_engine("mc")
    engine.prepare()
    make_pool = multiprocessing.Pool
    others = []

    def pool_and_another_process(*args, **kwargs):  # type: ignore[no-untyped-def]
        pool = make_pool(*args, **kwargs)
        # As if another thread started a process while the pool started its
        # workers: it ends, with status 0, long before the job does.
        other = multiprocessing.get_context("fork").Process(target=_ends_at_once)
        other.start()
        others.append(other)
        return pool

    monkeypatch.setattr(multiprocessing, "Pool", pool_and_another_process)
    runs = sum(fold_blocks(engine, table, 3, 40, 6, _count, workers=2, chunk_size=4))
    assert runs == 40
    others[0].join()
    assert others[0].exitcode == 0


def _count(block: RawBlock) -> int:
    return len(block.runs)


@pytest.mark.skipif(not SHARES, reason="workers share memory when forked, with memfd_create")
def test_a_result_stays_readable_at_exit_and_a_second_remap_copies(tmp_path) -> None:
    script = tmp_path / "late_reader.py"
    script.write_text(
        "import atexit, multiprocessing\n"
        "held = {}\n"
        "# Registered before flysim's finalizers: at exit it runs after them.\n"
        "atexit.register(lambda: print(float(held['result'].sum())))\n"
        "from flysim.shared_memory import private, shared_zeros\n"
        "shared = shared_zeros((1000,), workers=2)\n"
        "child = multiprocessing.get_context('fork').Process(target=shared.fill, args=(3.0,))\n"
        "child.start(); child.join()\n"
        "held['result'] = private(shared)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3000.0"
    # Remapped once; a second call copies instead of mapping a descriptor
    # number that another file may have taken since.
    shared = shared_zeros((512,), workers=2)
    shared[:] = 5.0
    first = private(shared)
    with open(tmp_path / "other", "wb") as other:
        other.write(b"\x40" * 8192)
        other.flush()
        second = private(shared)
    assert second.flags.owndata and (second == 5.0).all() and (first == 5.0).all()


@pytest.mark.skipif(not SHARES, reason="workers share memory when forked, with memfd_create")
def test_without_shared_memory_files_blocks_fold_here_with_the_same_numbers(monkeypatch) -> None:
    import flysim

    scenario = SCENARIOS_DIR / "startup.toml"
    shared_run = flysim.simulate(scenario, runs=40, months=3, seed=1, workers=2, chunk_size=10)

    def refused(*args: object) -> int:
        raise OSError(38, "Function not implemented")  # ENOSYS: an old kernel, a sandbox

    monkeypatch.setattr(os, "memfd_create", refused)
    assert not shared(2)
    assert shared_zeros((2,), workers=2).flags.owndata  # a plain array
    here = flysim.simulate(scenario, runs=40, months=3, seed=1, workers=2, chunk_size=10)
    np.testing.assert_array_equal(here.metric("mrr"), shared_run.metric("mrr"))
