"""One value of every uncertain input per run, from streams keyed by seed, run and key.

Run ``r``'s uniform for key path ``k`` is the first 64-bit word of

    ``SeedSequence(entropy=seed, spawn_key=(r, stream_key("input:" + k)))``
    ``.generate_state(1, uint64)``

(its top 52 bits, at the midpoint of their cell: a uniform in [2**-53, 1 - 2**-53],
never 0 or 1, so that an unbounded law's ``ppf`` stays finite),
which follows :mod:`flysim.rng`'s convention of one ``SeedSequence`` per run
and named stream. A value therefore depends on the seed, the run's index and
the key's path alone: not on how runs are split into blocks, on which other
inputs the scenario has, nor on their laws. Two scenarios compared with one
seed draw the same value of every input they share, run by run.

Uncorrelated keys take ``law.ppf(u)``. Keys in a correlation group take
``z = Phi^-1(u)`` per key, ``z_corr = L @ z`` with the group's Cholesky factor
(keys in name order) and ``law.ppf(Phi(z_corr))``.

Creating one ``SeedSequence`` per run and key costs about 9 microseconds, a
second for 10,000 runs of 10 keys; :func:`input_uniforms` instead evaluates
``SeedSequence``'s hash on arrays of runs (:func:`flysim.rng.spawned_states`,
which the numpy core's run keys use too), bit for bit the same words (unit
tests hold both to numpy's own ``SeedSequence``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import special

from flysim.rng import spawned_states, stream_key
from flysim.uncertainty.copula import Correlation
from flysim.uncertainty.laws import DRAW_QUANTILES, Law

__all__ = ["draw_inputs", "fixed_inputs", "input_stream", "input_uniforms"]


def input_stream(key: str) -> int:
    """The spawn-key word of an input's stream: ``stream_key("input:" + key)``."""
    return stream_key("input:" + key)


def input_uniforms(seed: int, runs: np.ndarray, key: str) -> np.ndarray:
    """Each run's uniform for one input key, in (0, 1).

    Parameters
    ----------
    seed : int
        The simulation's seed (non-negative).
    runs : numpy.ndarray
        Run indices (non-negative integers).
    key : str
        The input's key path, e.g. ``"attract.paid.conversion"``.

    Returns
    -------
    numpy.ndarray
        float64, one per run: ``((w >> 12) + 0.5) / 2**52`` with ``w`` the first
        64-bit word of the run's ``SeedSequence`` for this key. 52 bits, not 53:
        ``2**53 - 0.5`` is not a float64, and would round the top cell to 1.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    runs = np.asarray(runs)
    if runs.size and (not np.issubdtype(runs.dtype, np.integer) or runs.min() < 0):
        raise ValueError("runs must be non-negative integers")
    words = spawned_states(seed, runs, (input_stream(key),), 1).reshape(runs.shape)
    return ((words >> np.uint64(12)).astype(np.float64) + 0.5) * 2.0**-52


# Phi(z) rounds to exactly 1 from z ~ 8.3; a correlated key's uniform is kept
# in the same range as a free key's.
_U_LOW, _U_HIGH = DRAW_QUANTILES


def draw_inputs(
    laws: Mapping[str, Law],
    correlation: Correlation | None,
    seed: int,
    runs: np.ndarray,
) -> dict[str, np.ndarray]:
    """Draw every uncertain input for the given runs.

    Parameters
    ----------
    laws : Mapping[str, Law]
        Each uncertain input's law, by key path.
    correlation : Correlation or None
        The rank correlations between inputs (``None`` for none).
    seed : int
        The simulation's seed.
    runs : numpy.ndarray
        Run indices; any subset or order gives the same value for a run.

    Returns
    -------
    dict[str, numpy.ndarray]
        One float64 array per key path (in ``laws``' order), one value per run.
    """
    runs = np.asarray(runs)
    u = {key: input_uniforms(seed, runs, key) for key in laws}
    for group in correlation.groups if correlation is not None else ():
        missing = [k for k in group.keys if k not in laws]
        if missing:
            raise ValueError(f"correlated keys without a law: {', '.join(missing)}")
        z = np.stack([special.ndtri(u[k]) for k in group.keys])
        z_corr = group.cholesky @ z
        for k, row in zip(group.keys, z_corr, strict=True):
            u[k] = np.clip(special.ndtr(row), _U_LOW, _U_HIGH)
    return {key: law.ppf(u[key]) for key, law in laws.items()}


def fixed_inputs(laws: Mapping[str, Law]) -> dict[str, float]:
    """Each input at its law's median, for ``--fix-inputs``.

    Parameters
    ----------
    laws : Mapping[str, Law]
        Each uncertain input's law, by key path.

    Returns
    -------
    dict[str, float]
        The median of each law, by key path.
    """
    return {key: law.median() for key, law in laws.items()}
