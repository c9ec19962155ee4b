"""Buffered scalar draws from a numpy generator.

The agent model draws one number at a time; calling numpy per scalar costs
about a microsecond each, so uniforms are drawn in blocks and handed out one by
one. The sequence is still a pure function of the stream's seed.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Draws"]


class Draws:
    """Scalar uniform and exponential draws from one named stream.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream; also exposed as ``rng`` for vectorised or special draws.
    block : int
        Uniforms drawn per refill.
    """

    __slots__ = ("_block", "_buf", "_i", "rng")

    def __init__(self, rng: np.random.Generator, block: int = 512) -> None:
        self.rng = rng
        self._block = block
        self._buf: list[float] = []
        self._i = 0

    def uniform(self) -> float:
        """A uniform draw in [0, 1)."""
        if self._i >= len(self._buf):
            self._buf = self.rng.random(self._block).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u

    def exponential(self, rate: float) -> float:
        """An exponential delay with the given rate; 0 for an infinite rate."""
        if rate == math.inf:
            return 0.0
        return -math.log1p(-self.uniform()) / rate
