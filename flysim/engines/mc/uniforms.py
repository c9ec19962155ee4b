"""Per-run uniforms addressed by a counter, so a chunk of runs is drawn at once.

Each run owns one 64-bit key per named stream, derived from the seed and the
run's index by ``numpy.random.SeedSequence`` (``flysim.rng.run_keys``). The
``i``-th uniform of a stream is SplitMix64's ``i``-th output from that key
(Steele, Lea and Flood 2014): ``mix(key + (i + 1) * gamma)``. Because the output
is a pure function of (key, counter), a whole chunk's uniforms are computed
with a few vectorised integer operations, and any run gets the same numbers
whichever chunk or worker it lands in. numpy offers no vectorised keyed
generator, which is why these few lines exist.

Counters are laid out by step: step ``s`` of a stream uses counters
``s * STEP_STRIDE + j``, ``j`` counting the uniforms the step has asked for so
far. The engine asks for the same uniforms in the same order whatever the
state, so runs stay aligned across scenarios (common random numbers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["STEP_STRIDE", "Stream"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
#: Counters available to one step of one stream.
STEP_STRIDE: int = 1 << 24


class Stream:
    """The uniforms of one named stream for a chunk of runs.

    Parameters
    ----------
    keys : numpy.ndarray
        One uint64 key per run, shape ``(runs,)``.
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.ascontiguousarray(keys, dtype=np.uint64)[:, None]
        self._next = 0

    def at_step(self, step: int) -> None:
        """Position the stream at the first counter of a step."""
        self._next = step * STEP_STRIDE

    def uniform(self, *shape: int) -> np.ndarray:
        """Uniforms in [0, 1) of shape ``(runs, *shape)``, consuming their counters."""
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        start = self._next
        self._next += size
        counters = np.arange(start + 1, start + size + 1, dtype=np.uint64)
        u = _mix(self.keys + counters * _GAMMA)  # wraps modulo 2**64, as SplitMix64 does
        return u.reshape((self.keys.shape[0], *shape))

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
        start = self._next
        self._next += size * per
        run, cell = np.divmod(flat.astype(np.int64), size)
        counters = (start + 1 + cell * per).astype(np.uint64)[:, None] + np.arange(
            per, dtype=np.uint64
        )
        return _mix(self.keys[run] + counters * _GAMMA)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function, then the top 53 bits as a double in [0, 1)."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * (2.0**-53)
