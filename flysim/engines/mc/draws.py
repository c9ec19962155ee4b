"""Draws for the numpy core that skip what needs no number.

Most compartments of a small population are empty in most runs, and most
groups have nobody to allocate. These wrappers find the cells with something
to draw, compute only their uniforms (``Stream.uniform_at``) and invert only
those, while consuming the counters of the whole array, so a run's numbers do
not depend on which cells of the other runs were empty.
"""

from __future__ import annotations

import numpy as np

from flysim.engines.mc import sampling
from flysim.engines.mc.uniforms import Stream

__all__ = ["ONE_BY_ONE", "allocate", "binomial", "competing", "split", "split_cells"]

#: Uniforms reserved per cell of a split or an allocation (at least ``m - 1``):
#: up to this many individuals are placed one by one, which is exact and
#: cheaper than ``m - 1`` sequential inversions.
ONE_BY_ONE: int = 8


def _cells(n: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    size = int(np.prod(n.shape[1:], dtype=np.int64))
    flat = n.reshape(-1)
    return size, flat, np.flatnonzero(flat)


def binomial(stream: Stream, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """Binomial(n, p) per cell of ``n`` (``(runs, ...)``); ``p`` broadcasts to ``n.shape[1:]``."""
    size, flat, nz = _cells(n)
    u = stream.uniform_at(size, nz)[:, 0]
    out = np.zeros(flat.shape)
    if nz.size:
        pc = np.broadcast_to(np.asarray(p, dtype=float), n.shape[1:]).reshape(-1)
        out[nz] = sampling.binomial(u, flat[nz], pc[nz % size])
    return out.reshape(n.shape)


def split_cells(stream: Stream, n: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial split of the non-empty cells of ``n`` over ``m`` categories.

    Returns
    -------
    cells : numpy.ndarray
        Flat indices into ``n`` of the non-empty cells.
    counts : numpy.ndarray
        ``(len(cells), m)``: how many of each cell fall in each category.
    """
    m = probs.shape[-1]
    size, flat, nz = _cells(n)
    u = stream.uniform_at(size, nz, max(m - 1, ONE_BY_ONE))
    if not nz.size:
        return nz, np.zeros((0, m))
    pc = np.broadcast_to(probs, (*n.shape[1:], m)).reshape(size, m)
    return nz, sampling.split(u, flat[nz], pc[nz % size])


def split(stream: Stream, n: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Multinomial split of each cell of ``n`` over ``m`` categories: ``n.shape + (m,)``.

    ``probs`` has shape ``(m,)`` or ``n.shape[1:] + (m,)``.
    """
    m = probs.shape[-1]
    nz, counts = split_cells(stream, n, probs)
    out = np.zeros((n.size, m))
    out[nz] = counts
    return out.reshape((*n.shape, m))


def competing(stream: Stream, n: np.ndarray, q: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Exits by competing risks: how many of each cell leave by each of ``m`` causes.

    Parameters
    ----------
    stream : Stream
        Where the uniforms come from.
    n : numpy.ndarray
        Counts, ``(runs, ...)``.
    q : numpy.ndarray
        Probability of any exit within the step, ``n.shape[1:]``.
    shares : numpy.ndarray
        Share of each cause among exits (``h_i / H``), ``n.shape[1:] + (m,)``.

    Returns
    -------
    numpy.ndarray
        ``n.shape + (m,)``. The exits are drawn first (one uniform per
        non-empty cell) and split by cause only where there was one.
    """
    exits = binomial(stream, n, q)
    return split(stream, exits, shares)


def allocate(stream: Stream, total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Draw ``total`` of each group's members at random: how many from each of its cells.

    ``total`` is ``(runs, ...)``, ``counts`` is ``total.shape + (m,)``; groups with
    nobody to draw use no numbers.
    """
    m = counts.shape[-1]
    size, flat, nz = _cells(total)
    u = stream.uniform_at(size, nz, max(m - 1, ONE_BY_ONE))
    out = np.zeros((flat.size, m))
    if nz.size:
        out[nz] = sampling.allocate(u, flat[nz], counts.reshape(-1, m)[nz])
    return out.reshape(counts.shape)
