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

__all__ = [
    "ONE_BY_ONE",
    "allocate",
    "at_cells",
    "binomial",
    "per_cell",
    "split",
    "split_cells",
]

#: Uniforms reserved per cell of a split or an allocation (at least ``m - 1``):
#: up to this many individuals are placed one by one, which is exact and
#: cheaper than ``m - 1`` sequential inversions.
ONE_BY_ONE: int = 8


def per_cell(m: int) -> int:
    """Uniforms reserved per cell of a split or an allocation over ``m`` categories.

    The compiled step (``flysim.engines.mc.kernels``) reserves as many, so
    both lay their counters out alike.
    """
    return max(m - 1, ONE_BY_ONE)


def _cells(n: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    size = int(np.prod(n.shape[1:], dtype=np.int64))
    flat = n.reshape(-1)
    return size, flat, np.flatnonzero(flat)


def at_cells(
    p: np.ndarray | float,
    shape: tuple[int, ...],
    nz: np.ndarray,
    sets: np.ndarray | None,
    m: int = 0,
) -> np.ndarray:
    """A parameter's value at the flat cells ``nz`` of an array of ``shape`` (runs first).

    Without ``sets``, ``p`` broadcasts to ``shape[1:]`` (every run alike).
    With ``sets``, ``p`` has a leading axis of parameter sets, its other axes
    broadcasting to ``shape[1:]`` from the right, and run ``i`` reads
    ``p[sets[i]]``. With ``m``, each cell's value is a row of ``m`` (the last
    axis of ``p``). Returns ``(len(nz),)``, or ``(len(nz), m)``.
    """
    tail = (m,) if m else ()
    size = int(np.prod(shape[1:], dtype=np.int64))
    values = np.asarray(p, dtype=float)
    if sets is not None and values.shape[0] == 1:
        values, sets = values[0], None
    if sets is None:
        pc = np.broadcast_to(values, (*shape[1:], *tail)).reshape(size, *tail)
        return pc[nz % size]
    rank, n_sets = len(shape) + len(tail), values.shape[0]
    values = values.reshape(n_sets, *(1,) * (rank - values.ndim), *values.shape[1:])
    pc = np.broadcast_to(values, (n_sets, *shape[1:], *tail)).reshape(n_sets, size, *tail)
    run, cell = np.divmod(nz, size)
    return pc[sets[run], cell]


def binomial(
    stream: Stream, n: np.ndarray, p: np.ndarray | float, sets: np.ndarray | None = None
) -> np.ndarray:
    """Binomial(n, p) per cell of ``n`` (``(runs, ...)``); ``p`` as ``at_cells`` reads it."""
    size, flat, nz = _cells(n)
    u = stream.uniform_at(size, nz)[:, 0]
    out = np.zeros(flat.shape)
    if nz.size:
        out[nz] = sampling.binomial(u, flat[nz], at_cells(p, n.shape, nz, sets))
    return out.reshape(n.shape)


def split_cells(
    stream: Stream, n: np.ndarray, probs: np.ndarray, sets: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial split of the non-empty cells of ``n`` over ``m`` categories.

    ``probs`` ends in an axis of ``m``; the rest as ``at_cells`` reads it.

    Returns
    -------
    cells : numpy.ndarray
        Flat indices into ``n`` of the non-empty cells.
    counts : numpy.ndarray
        ``(len(cells), m)``: how many of each cell fall in each category.
    """
    m = probs.shape[-1]
    size, flat, nz = _cells(n)
    u = stream.uniform_at(size, nz, per_cell(m))
    if not nz.size:
        return nz, np.zeros((0, m))
    return nz, sampling.split(u, flat[nz], at_cells(probs, n.shape, nz, sets, m))


def split(
    stream: Stream, n: np.ndarray, probs: np.ndarray, sets: np.ndarray | None = None
) -> np.ndarray:
    """Multinomial split of each cell of ``n`` over ``m`` categories: ``n.shape + (m,)``.

    ``probs`` has shape ``(m,)`` or ``n.shape[1:] + (m,)`` (with ``sets``: a
    leading axis of parameter sets before those).
    """
    m = probs.shape[-1]
    nz, counts = split_cells(stream, n, probs, sets)
    out = np.zeros((n.size, m))
    out[nz] = counts
    return out.reshape((*n.shape, m))


def allocate(stream: Stream, total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Draw ``total`` of each group's members at random: how many from each of its cells.

    ``total`` is ``(runs, ...)``, ``counts`` is ``total.shape + (m,)``; groups with
    nobody to draw use no numbers.
    """
    m = counts.shape[-1]
    size, flat, nz = _cells(total)
    u = stream.uniform_at(size, nz, per_cell(m))
    out = np.zeros((flat.size, m))
    if nz.size:
        out[nz] = sampling.allocate(u, flat[nz], counts.reshape(-1, m)[nz])
    return out.reshape(counts.shape)
