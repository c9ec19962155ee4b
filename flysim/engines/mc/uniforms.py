"""Per-run uniforms addressed by a counter, so a chunk of runs is drawn at once.

Each run owns one 64-bit key per named stream, derived from the seed and the
run's index by ``numpy.random.SeedSequence`` (``flysim.rng.run_keys``). The
``i``-th uniform of a stream is SplitMix64's ``i``-th output from that key
(Steele, Lea and Flood 2014): ``mix(key + (i + 1) * gamma)``. Because the output
is a pure function of (key, counter), a whole chunk's uniforms are computed
with a few vectorised integer operations, and any run gets the same numbers
whichever chunk or worker it lands in. numpy offers no vectorised keyed
generator, which is why these few lines exist. ``u01`` is the one
implementation, compiled with numba: ``Stream`` fills arrays with it, and the
compiled step kernels (``flysim.engines.mc.kernels``) call it per draw.

Counters are laid out by step: step ``s`` of a stream uses counters
``s * STEP_STRIDE + j``, ``j`` counting the uniforms the step has asked for so
far. The engine asks for the same uniforms in the same order whatever the
state, so runs stay aligned across scenarios (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["STEP_STRIDE", "Stream", "u01"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
#: Counters available to one step of one stream.
STEP_STRIDE: int = 1 << 24


@njit(cache=True, error_model="numpy")
def u01(key: np.uint64, counter: int) -> float:
    """The uniform in [0, 1) at ``counter`` of the stream keyed ``key``.

    SplitMix64's output function of ``key + counter * gamma`` (wrapping
    modulo 2**64, as SplitMix64 does), then its top 53 bits as a double.
    """
    z = key + np.uint64(counter) * _GAMMA
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return float(z >> np.uint64(11)) * (2.0**-53)


@njit(cache=True, error_model="numpy")
def _fill(keys, start, out):  # type: ignore[no-untyped-def]
    for r in range(out.shape[0]):
        for i in range(out.shape[1]):
            out[r, i] = u01(keys[r], start + 1 + i)


@njit(cache=True, error_model="numpy")
def _fill_at(keys, start, size, per, flat, out):  # type: ignore[no-untyped-def]
    for i in range(flat.size):
        run, cell = flat[i] // size, flat[i] % size
        for j in range(per):
            out[i, j] = u01(keys[run], start + 1 + cell * per + j)


class Stream:
    """The uniforms of one named stream for a chunk of runs.

    Parameters
    ----------
    keys : numpy.ndarray
        One uint64 key per run, shape ``(runs,)``.
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.ascontiguousarray(np.reshape(keys, -1), dtype=np.uint64)
        self._next = 0

    @property
    def position(self) -> int:
        """Counters consumed so far (the next uniform's counter is one more)."""
        return self._next

    def advance(self, count: int) -> None:
        """Consume ``count`` counters drawn elsewhere (by a compiled kernel)."""
        self._next += count

    def at_step(self, step: int) -> None:
        """Position the stream at the first counter of a step."""
        self._next = step * STEP_STRIDE

    def uniform(self, *shape: int) -> np.ndarray:
        """Uniforms in [0, 1) of shape ``(runs, *shape)``, consuming their counters."""
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        out = np.empty((self.keys.size, size))
        _fill(self.keys, self._next, out)
        self._next += size
        return out.reshape((self.keys.size, *shape))

    def uniform_at(self, size: int, flat: np.ndarray, per: int = 1) -> np.ndarray:
        """Some of the uniforms of a ``(runs, size, per)`` draw, consuming all its counters.

        Parameters
        ----------
        size : int
            Cells per run.
        flat : numpy.ndarray
            Flat indices into ``(runs, size)`` of the cells that need numbers.
        per : int
            Uniforms per cell.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(flat), per)``: exactly the values ``uniform(size, per)``
            would give at those cells, without computing the others.
        """
        out = np.empty((flat.size, per))
        _fill_at(self.keys, self._next, size, per, np.asarray(flat, dtype=np.int64), out)
        self._next += size * per
        return out
