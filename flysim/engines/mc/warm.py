"""Compile (or load from numba's disk cache) every compiled function of the numpy core at once.

``MCEngine.prepare`` calls ``warm_up`` in the process that starts the worker
pool, before it forks: the workers inherit the compiled code instead of each
compiling it (the first run after an install) or loading it (every run)
again. The calls below use tiny arrays of exactly the types the engine
passes, so the engine's own calls find every signature compiled;
``tests/unit/test_mc_kernels.py`` checks that a simulation after it compiles
nothing new.

The first run after an install compiles for 10 to 15 s on one core. With
two cores or more, a helper process compiles the customer step (about half
of it) into the disk cache meanwhile, and this process then loads it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from flysim.engines.mc import attract, kernels, sampling
from flysim.engines.mc import tally as stocks
from flysim.engines.mc.draws import ONE_BY_ONE
from flysim.engines.mc.uniforms import Stream

__all__ = ["PREPARING", "compile_customer_step", "compiled_state", "warm_up"]

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Compile or load the samplers, the uniforms, the customer step, the checks and the tally."""
    helper = _start_helper() if _cold(kernels.engage_step) and _cores() >= 2 else None
    try:
        _samplers()
        _checks_and_tally()
        if helper is not None:
            helper.wait()
    finally:
        if helper is not None and helper.poll() is None:
            helper.kill()  # interrupted: the cache only ever sees whole files
            helper.wait()
    compile_customer_step()  # loads what the helper wrote, or compiles it here


#: What a progress display says while ``warm_up`` runs, by ``compiled_state``.
PREPARING: dict[str, str | None] = {
    "cold": "Compiling the numpy core with numba (once per install: about ten seconds)",
    "cached": "Loading the numpy core's compiled code",
    "loaded": None,
}


def compiled_state() -> str:
    """Where the customer step is: ``"loaded"`` here, ``"cached"`` on disk, or ``"cold"``.

    ``"cold"``: ``warm_up`` will compile (the first run after an install or
    an upgrade). With a numba whose cache layout is unknown, ``"cached"``.
    """
    signatures = getattr(kernels.engage_step, "signatures", None)
    if signatures is None or signatures:  # None: plain Python (NUMBA_DISABLE_JIT)
        return "loaded"
    return "cold" if _cold(kernels.engage_step) else "cached"


def compile_customer_step() -> None:
    """Compile or load ``kernels.engage_step``, the largest compiled function: the helper's part."""
    keys, sets = np.zeros(1, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    onboard, value = np.zeros((1, 1, 1)), np.zeros((1, 1, 1, 2, 1))
    delight, per_set = np.zeros((1, 1, 2, 3, 3)), np.zeros((1, 1))
    kernels.engage_step(
        keys,
        0,
        sets,
        np.zeros((1, 3)),
        onboard,
        onboard.copy(),
        value,
        delight,
        True,
        False,
        7.0,
        np.ones((1, 1)),
        per_set,
        per_set,
        np.full((1, 1, 2), 0.5),
        per_set,
        per_set,
        per_set,
        np.ones((1, 1)),
        np.zeros((1, 1, 2, 1)),
        np.full((1, 1, 2, 1, 3), 1.0 / 3.0),
        np.zeros(1),
        np.zeros(1),
        np.full((1, 2, 3), 1.0 / 3.0),
        np.zeros((1, 6)),
    )


def _samplers() -> None:
    one = np.zeros(1)
    sampling.binomial(one, one, 0.5)
    sampling.poisson(one, one)
    sampling.split(np.zeros((1, ONE_BY_ONE)), one, np.full(3, 1.0 / 3.0))
    sampling.allocate(np.zeros((1, ONE_BY_ONE)), one, np.ones((1, 3)))
    stream = Stream(np.zeros(1, dtype=np.uint64))
    stream.uniform(2)
    stream.uniform_at(2, np.zeros(1, dtype=np.int64), 2)
    keys, two = np.zeros((1, 1), dtype=np.uint64), np.zeros((1, 1))
    sets = np.zeros(1, dtype=np.int64)
    attract.draw_leads(keys, 0, two, two, two, two, two, sets, two.copy(), two.copy())


def _checks_and_tally() -> None:
    keys, sets = np.zeros(1, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    onboard, value = np.zeros((1, 1, 1)), np.zeros((1, 1, 1, 2, 1))
    delight, nps = np.zeros((1, 1, 2, 3, 3)), np.full((1, 2, 3), 1.0 / 3.0)
    exposure, counted = np.zeros((1, 2)), np.zeros((1, 10))
    kernels.check_step(
        keys, 0, sets, value, delight, True, exposure, 1, np.zeros(1), nps, counted, True
    )
    stocks.tally(onboard, value, delight, True, np.ones((1, 1)), True, sets, np.zeros((1, 10)))


def _cold(dispatcher: Any) -> bool:
    """Whether ``dispatcher`` is neither in this process nor in numba's disk cache.

    It reads numba's cache index path, not a public name: with another
    layout it answers False, and everything compiles here as before.
    """
    try:
        if dispatcher.signatures:
            return False
        index = dispatcher._cache._cache_file._index_path
    except AttributeError:
        return False
    return not os.path.exists(index)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_helper() -> subprocess.Popen[bytes] | None:
    """A process that compiles the customer step into numba's disk cache; None if it cannot start.

    A fresh interpreter, not a fork: a fork of a process with threads (the
    command line's spinner) can deadlock. It imports this very package, and
    whatever it fails at, this process compiles itself.
    """
    root = str(Path(__file__).resolve().parents[3])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    code = "from flysim.engines.mc.warm import compile_customer_step; compile_customer_step()"
    try:
        helper = subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None
    log.info("compiling the numpy core on two processes (the first run after an install)")
    return helper
