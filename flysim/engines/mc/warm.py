"""Compile (or load from numba's disk cache) every compiled function of the numpy core at once.

``MCEngine.prepare`` calls ``warm_up`` in the process that starts the worker
pool, before it forks: the workers inherit the compiled code instead of each
compiling it (the first run after an install) or loading it (every run)
again. The calls below use tiny arrays of exactly the types the engine
passes, so the engine's own calls find every signature compiled;
``tests/unit/test_mc_kernels.py`` checks that a simulation after it compiles
nothing new.
"""

from __future__ import annotations

import numpy as np

from flysim.engines.mc import kernels, sampling
from flysim.engines.mc import tally as stocks
from flysim.engines.mc.draws import ONE_BY_ONE
from flysim.engines.mc.uniforms import Stream

__all__ = ["warm_up"]


def warm_up() -> None:
    """Compile or load the samplers, the uniforms, the customer step, the checks and the tally."""
    one = np.zeros(1)
    sampling.binomial(one, one, 0.5)
    sampling.poisson(one, one)
    sampling.split(np.zeros((1, ONE_BY_ONE)), one, np.full(3, 1.0 / 3.0))
    sampling.allocate(np.zeros((1, ONE_BY_ONE)), one, np.ones((1, 3)))
    stream = Stream(np.zeros(1, dtype=np.uint64))
    stream.uniform(2)
    stream.uniform_at(2, np.zeros(1, dtype=np.int64), 2)
    keys, sets = stream.keys, np.zeros(1, dtype=np.int64)
    onboard, value = np.zeros((1, 1, 1)), np.zeros((1, 1, 1, 2, 1))
    delight, per_set = np.zeros((1, 1, 2, 3, 3)), np.zeros((1, 1))
    nps = np.full((1, 2, 3), 1.0 / 3.0)
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
        nps,
        np.zeros((1, 6)),
    )
    kernels.check_step(keys, 0, sets, value, delight, True, np.zeros((1, 2)), 1, np.zeros(1), nps)
    stocks.tally(onboard, value, delight, True, np.ones((1, 1)), True, sets, np.zeros((1, 10)))
