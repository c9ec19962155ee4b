"""Exact discrete draws by inversion of per-run uniforms, compiled with numba.

The numpy core cannot use ``numpy.random.Generator.binomial`` on an array of
runs: one generator shared by a chunk of runs would make each run's numbers
depend on its neighbours, so results would change with the chunk size. Every
draw here is instead a function of one uniform that belongs to one run
(``flysim.engines.mc.uniforms``): the exact quantile ``min{k : F(k) >= u}`` of
its law. Inversion is monotone in ``u`` (where a search runs from the other
side, above ``p = 1/2`` or on a hypergeometric's other kind, it does so at
``1 - u``), so two scenarios run with one seed get draws as close as their
laws allow (common random numbers), and a sampler never uses a variable
number of uniforms.

Two searches keep the cost flat in the size of the counts:

1. A uniform at or below ``1 - mean`` is 0 with no arithmetic (``P(X = 0)
   >= 1 - E[X]`` for any count): most cells of a step. Otherwise a mean up
   to ``EXACT_MEAN`` (60): ``P(X = 0)`` (one ``exp``) settles most draws of
   a small population at once; the rest search the CDF upwards from the
   bottom of the support, a term at a time: about ``mean + 2 sd`` terms,
   fewer than the mode's ``10 sd`` and its saddle point below a mean of
   about 60 (a mean of 15 costs 89 ns instead of 146; 30, 108 instead
   of 157).
2. A larger mean starts at the mode: its pmf by Loader's saddle-point
   formula (Stirling's error and ``bd0``, as R and scipy compute it, to
   double precision at any size), ``F(mode)`` by
   summing the pmf downwards until the terms fall below ``1e-17`` of the sum
   (the tail left out, about ``1e-17 sd / 9``, moves a quantile only for
   uniforms within that of 1: a total variation of ~1e-15), then the
   search goes up or down from the mode. It costs about ``10 sd`` terms, not
   ``mean``, so a hundred times the population costs ten times the terms of
   this tier only.

numba compiles the scalar samplers and the loops over arrays once, cached on
disk beside this file (``cache=True``); scipy has no vectorised keyed
inversion sampler, which is why these exist. ``tests/unit/test_mc_sampling.py``
holds every tier to scipy's quantile function on fine grids of uniforms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import special

from flysim.engines.mc.quantiles import EXACT_MEAN, binomial1, hypergeometric1, poisson1

__all__ = [
    "EXACT_MEAN",
    "FEW_OK",
    "allocate",
    "allocate_row",
    "binomial",
    "hypergeometric",
    "normal",
    "poisson",
    "split",
    "split_row",
]

#: ``few_ok`` of the row splits as compiled callers pass it. Flags are numpy
#: booleans, not Python ones: numba compiles a callee once per literal
#: argument, so ``True`` and a run-time flag would compile it twice.
FEW_OK = np.bool_(True)
_REPLACE, _DEPLETE = np.bool_(False), np.bool_(True)


def normal(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of uniforms in (0, 1)."""
    return special.ndtri(np.clip(u, 1e-300, 1.0 - 2.0**-53))


# ----------------------------------------------------------------------------- loops


@njit(cache=True, error_model="numpy")
def _binomial_loop(u, n, p, out):  # type: ignore[no-untyped-def]
    for i in range(u.size):
        out[i] = binomial1(u[i], n[i], p[i])


@njit(cache=True, error_model="numpy")
def _poisson_loop(u, lam, out):  # type: ignore[no-untyped-def]
    for i in range(u.size):
        out[i] = poisson1(u[i], lam[i])


@njit(cache=True, error_model="numpy")
def _hyper_loop(u, good, bad, sample, out):  # type: ignore[no-untyped-def]
    for i in range(u.size):
        out[i] = hypergeometric1(u[i], good[i], bad[i], sample[i])


@njit(cache=True, error_model="numpy")
def _one_by_one(u, n, weights, deplete, out):  # type: ignore[no-untyped-def]
    """Place ``n`` individuals one at a time, the ``r``-th by uniform ``u[r]``, into ``out``.

    ``weights`` are category probabilities (a categorical draw each: a
    multinomial), or with ``deplete`` cell counts, drawn without
    replacement: what a cell still holds is its count less those already
    drawn from it (``out`` starts at zero), so the counts are not copied.
    """
    m = weights.size
    # The total is summed once: drawing without replacement takes exactly one
    # from it per individual (whole numbers: exact), and with replacement it
    # does not change. The running sum never falls (no weight is negative),
    # so the scan stops at the first category past ``x``.
    whole = 0.0
    for j in range(m):
        whole += weights[j] - out[j] if deplete else weights[j]
    for r in range(int(n)):
        x = math.floor(u[r] * whole) if deplete else u[r] * whole
        cum, pick = 0.0, m
        for j in range(m):
            cum += weights[j] - out[j] if deplete else weights[j]
            if cum > x:
                pick = j
                break
        out[min(pick, m - 1)] += 1.0
        if deplete:
            whole -= 1.0


@njit(cache=True, error_model="numpy")
def _last_positive(weights):  # type: ignore[no-untyped-def]
    """The last category with a positive weight (0 if none): it takes what is left."""
    last = weights.size - 1
    while last > 0 and weights[last] <= 0.0:
        last -= 1
    return last


@njit(cache=True, error_model="numpy")
def split_row(u, n, probs, few_ok, out):  # type: ignore[no-untyped-def]
    """Split ``n`` over ``len(probs)`` categories into ``out`` (zeroed), from uniforms ``u``.

    Up to ``len(u)`` individuals (with ``few_ok``) are placed one by one,
    uniform ``r`` for the ``r``-th (categorical draws: exact, and cheaper
    than ``m - 1`` inversions); more are split by sequential binomials,
    uniform ``j`` for category ``j``.

    Parameters
    ----------
    u : numpy.ndarray
        The row's uniforms: at least ``m - 1``.
    n : float
        How many to split.
    probs : numpy.ndarray
        The ``m`` categories' probabilities, summing to 1.
    few_ok : bool
        Whether up to ``len(u)`` individuals may go one by one.
    out : numpy.ndarray
        ``(m,)``, zeroed: receives the counts.
    """
    m = probs.size
    left = n
    if left <= 0.0:
        return
    if few_ok and left <= u.size and m > 1:
        _one_by_one(u, left, probs, _REPLACE, out)
        return
    last = _last_positive(probs)
    mass = 1.0
    for j in range(last):
        pj = probs[j] / mass if mass > 0.0 else 0.0
        x = binomial1(u[j], left, min(max(pj, 0.0), 1.0))
        out[j] = x
        left -= x
        mass -= probs[j]
    out[last] = left


@njit(cache=True, error_model="numpy")
def allocate_row(u, total, counts, few_ok, out):  # type: ignore[no-untyped-def]
    """Draw ``total`` of the individuals in ``counts``' cells without replacement, into ``out``.

    Up to ``len(u)`` (with ``few_ok``) one at a time, each cell with
    probability proportional to what it still holds; more by sequential
    hypergeometric draws, uniform ``j`` for cell ``j``.

    Parameters
    ----------
    u : numpy.ndarray
        The row's uniforms: at least ``m - 1``.
    total : float
        How many to draw, at most ``counts.sum()``.
    counts : numpy.ndarray
        The ``m`` cells' counts.
    few_ok : bool
        Whether up to ``len(u)`` individuals may go one at a time.
    out : numpy.ndarray
        ``(m,)``, zeroed: receives how many come from each cell.
    """
    m = counts.size
    left = total
    if left <= 0.0:
        return
    if few_ok and left <= u.size and m > 1:
        _one_by_one(u, left, counts, _DEPLETE, out)
        return
    last = _last_positive(counts)
    rest = 0.0
    for j in range(last + 1):
        rest += counts[j]
    for j in range(last):
        rest -= counts[j]
        x = hypergeometric1(u[j], counts[j], rest, left)
        out[j] = x
        left -= x
    out[last] = left


@njit(cache=True, error_model="numpy")
def _split_loop(u, n, probs, few_ok, out):  # type: ignore[no-untyped-def]
    for i in range(n.size):
        split_row(u[i], n[i], probs[i], few_ok, out[i])


@njit(cache=True, error_model="numpy")
def _allocate_loop(u, total, counts, few_ok, out):  # type: ignore[no-untyped-def]
    for i in range(total.size):
        allocate_row(u[i], total[i], counts[i], few_ok, out[i])


# ----------------------------------------------------------------------------- public


def _flat(*arrays: np.ndarray | float) -> tuple[tuple[int, ...], list[np.ndarray]]:
    parts = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in arrays))
    # Copies: a broadcast view is flagged read-only-to-be, which numba would
    # type apart (another compile) and warn about.
    return parts[0].shape, [np.array(a).reshape(-1) for a in parts]


def binomial(u: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """Binomial(n, p) draws, one per uniform.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms in [0, 1), one per draw.
    n : numpy.ndarray
        Trials (float arrays holding whole numbers), broadcastable to ``u``.
    p : numpy.ndarray or float
        Success probabilities in [0, 1], broadcastable to ``u``.

    Returns
    -------
    numpy.ndarray
        float64 counts with the shape of ``u``.
    """
    shape, (uf, nf, pf) = _flat(u, n, p)
    out = np.empty(uf.size)
    _binomial_loop(uf, nf, pf, out)
    return out.reshape(shape)


def poisson(u: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """Poisson(lam) draws, one per uniform.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms in [0, 1), one per draw.
    lam : numpy.ndarray or float
        Means, broadcastable to ``u``.

    Returns
    -------
    numpy.ndarray
        float64 counts with the shape of ``u``.
    """
    shape, (uf, lf) = _flat(u, lam)
    out = np.empty(uf.size)
    _poisson_loop(uf, lf, out)
    return out.reshape(shape)


def hypergeometric(
    u: np.ndarray, good: np.ndarray, bad: np.ndarray, sample: np.ndarray
) -> np.ndarray:
    """How many of ``sample`` drawn without replacement from ``good + bad`` are good.

    It draws the rarer side: the smaller kind (``good`` and ``bad`` swapped
    when ``good > bad``) within the smaller of the drawn and the left-behind,
    so a rare kind beside a huge one starts its search at the bottom.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms in [0, 1), one per draw.
    good, bad : numpy.ndarray
        The urn's two kinds (whole numbers), broadcastable to ``u``.
    sample : numpy.ndarray
        How many are drawn, at most ``good + bad``.

    Returns
    -------
    numpy.ndarray
        float64 counts of good ones, with the shape of ``u``.
    """
    shape, (uf, gf, bf, sf) = _flat(u, good, bad, sample)
    out = np.empty(uf.size)
    _hyper_loop(uf, gf, bf, sf, out)
    return out.reshape(shape)


def split(u: np.ndarray, n: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Multinomial split of counts ``n`` over categories, by sequential binomials.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms, shape ``n.shape + (w,)`` with ``w >= m - 1``: uniform ``j``
        goes with category ``j``. For a one-dimensional ``n``, a count up to
        ``w`` is placed one individual at a time instead (uniform ``r`` for
        the ``r``-th), which is exact and cheaper.
    n : numpy.ndarray
        Counts to split.
    probs : numpy.ndarray
        Category probabilities, shape ``(m,)`` or broadcastable to
        ``n.shape + (m,)``, summing to 1 along the last axis.

    Returns
    -------
    numpy.ndarray
        Shape ``n.shape + (m,)``, summing to ``n`` along the last axis.
    """
    n = np.asarray(n, dtype=np.float64)
    m = np.shape(probs)[-1]
    # A copy: a broadcast view is read-only, which numba compiles apart.
    pr = np.array(np.broadcast_to(np.asarray(probs, dtype=np.float64), (*n.shape, m)))
    pr = pr.reshape(-1, m)
    uu = np.ascontiguousarray(np.asarray(u, dtype=np.float64)).reshape(n.size, -1)
    out = np.zeros((n.size, m))
    _split_loop(uu, np.ascontiguousarray(n).reshape(-1), pr, n.ndim == 1, out)
    return out.reshape((*n.shape, m))


def allocate(u: np.ndarray, total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which cells ``total`` individuals drawn at random without replacement come from.

    A multivariate hypergeometric draw by sequential univariate ones (up to
    ``u.shape[-1]`` individuals of a one-dimensional ``total`` are drawn one
    at a time instead).

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms, shape ``total.shape + (w,)``, ``w >= m - 1``.
    total : numpy.ndarray
        How many to draw from each group (at most the group's size).
    counts : numpy.ndarray
        Cell counts, shape ``total.shape + (m,)``.

    Returns
    -------
    numpy.ndarray
        Shape of ``counts``: how many were drawn from each cell.
    """
    total = np.asarray(total, dtype=np.float64)
    m = counts.shape[-1]
    out = np.zeros((total.size, m))
    _allocate_loop(
        np.ascontiguousarray(np.asarray(u, dtype=np.float64)).reshape(total.size, -1),
        np.ascontiguousarray(total).reshape(-1),
        np.ascontiguousarray(counts, dtype=np.float64).reshape(-1, m),
        total.ndim == 1,
        out,
    )
    return out.reshape(counts.shape)
