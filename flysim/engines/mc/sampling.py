"""Discrete draws by inversion of per-run uniforms, vectorised over any shape.

The numpy core cannot use ``numpy.random.Generator.binomial`` on an array of
runs: one generator shared by a chunk of runs would make each run's numbers
depend on its neighbours, so results would change with the chunk size. Every
draw here is instead a function of one uniform that belongs to one run
(``flysim.engines.mc.uniforms``), turned into a count by inverting the CDF.

Three tiers keep the cost flat in the size of the counts:

1. ``P(X = 0)`` (one ``exp``) settles most draws of a small population at once.
2. A draw with a mean up to ``EXACT_MEAN`` (10) is found by the exact
   sequential search of the CDF, a block of terms per numpy pass.
3. A larger mean uses the Cornish-Fisher quantile (normal plus a skewness
   term), rounded and clipped to the support: Kolmogorov distance to the
   exact law at most 0.0014 at a mean of 10, less above, mean error nil
   (``tests/unit/test_mc_sampling.py`` bounds it). Exact inversion there
   would cost a CDF pass over dozens of terms for every draw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

__all__ = ["EXACT_MEAN", "allocate", "binomial", "hypergeometric", "normal", "poisson", "split"]

#: Means up to this are drawn by the exact CDF search; larger ones by Cornish-Fisher,
#: whose Kolmogorov distance to the exact law is at most 0.0014 at a mean of 10
#: (Poisson; binomials alike) and falls as the mean grows.
EXACT_MEAN: float = 10.0


def normal(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of uniforms in (0, 1)."""
    return special.ndtri(np.clip(u, 1e-300, 1.0 - 2.0**-53))


def _cornish_fisher(
    u: np.ndarray, mean: np.ndarray, var: np.ndarray, skew: np.ndarray
) -> np.ndarray:
    z = normal(u)
    x = mean + np.sqrt(var) * (z + skew * (z * z - 1.0) / 6.0)
    return np.floor(x + 0.5)


#: Terms of the CDF a search adds per pass (one numpy pass instead of one per term).
_BLOCK: int = 8


def _span(mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """How many CDF terms a draw needs in one pass 99.9 % of the time: 3 SD above its mean."""
    return mean + 3.0 * np.sqrt(var) + 1.0


#: Block widths a search groups its draws into, by the terms they likely need.
_WIDTHS: tuple[int, ...] = (4, 8, 12, 16, 24, 32, 48, 64)


def _search(
    u: np.ndarray,
    x: np.ndarray,
    pmf: np.ndarray,
    idx: np.ndarray,
    ratio: Callable[[np.ndarray, np.ndarray], np.ndarray],
    upper: np.ndarray,
    reach: np.ndarray | None = None,
) -> None:
    """Sequential CDF search from ``x[idx]`` (whose pmf is ``pmf``), in place on ``x``.

    ``ratio(sel, k)`` gives ``P(k + 1) / P(k)`` for the elements ``idx[sel]``
    (``sel`` a column, ``k`` a block of values). The CDF is extended a block
    of terms at a time, the block as wide as the draw's ``reach`` (draws are
    grouped by it), so most draws cost one numpy pass.
    """
    uu = u[idx]
    k = x[idx].copy()
    cdf = pmf.copy()
    top = upper[idx]
    todo = (uu >= cdf) & (k < top)
    if reach is None:
        groups = [(np.flatnonzero(todo), _WIDTHS[0])]
    else:
        width = np.searchsorted(np.asarray(_WIDTHS), np.minimum(reach, _WIDTHS[-1]))
        groups = [(np.flatnonzero(todo & (width == w)), b) for w, b in enumerate(_WIDTHS)]
    for sel, block in groups:
        steps = np.arange(block, dtype=float)
        while sel.size:
            ks = k[sel, None] + steps
            ratios = np.maximum(ratio(sel[:, None], ks), 0.0)
            terms = pmf[sel, None] * np.cumprod(ratios, axis=1)
            cum = cdf[sel, None] + np.cumsum(terms, axis=1)
            hit = uu[sel, None] < cum
            found = hit.any(axis=1)
            first = np.argmax(hit, axis=1)
            got = sel[found]
            x[idx[got]] = np.minimum(k[got] + first[found] + 1.0, top[got])
            rest = sel[~found]
            k[rest] += block
            pmf[rest] = terms[~found, -1]
            cdf[rest] = cum[~found, -1]
            # Stop at the support's top, or where the pmf has underflowed: the
            # CDF can round to just below a uniform near 1 and never reach it.
            beyond = (k[rest] >= top[rest]) | (pmf[rest] < 1e-17 * cdf[rest])
            x[idx[rest[beyond]]] = np.minimum(k[rest[beyond]], top[rest[beyond]])
            sel = rest[~beyond]


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
    u, n, p = np.broadcast_arrays(u, n, np.asarray(p, dtype=float))
    shape = u.shape
    u, n, p = u.ravel(), n.ravel(), p.ravel()
    # Draw the rarer outcome: X = n - Binomial(n, 1 - p) when p > 1/2.
    flip = p > 0.5
    q = np.where(flip, 1.0 - p, p)
    x = np.zeros(u.shape)
    mean = n * q
    small = mean <= EXACT_MEAN
    with np.errstate(divide="ignore"):
        p0 = np.exp(n * np.log1p(-q))
    idx = np.flatnonzero(small & (u >= p0) & (n > 0))
    if idx.size:
        odds = q[idx] / (1.0 - q[idx])
        nn, m_i = n[idx], mean[idx]
        ratio = lambda s, k: (nn[s] - k) / (k + 1.0) * odds[s]  # noqa: E731
        _search(u, x, p0[idx], idx, ratio, n, _span(m_i, m_i * (1.0 - q[idx])))
    big = np.flatnonzero(~small)
    if big.size:
        nb, qb = n[big], q[big]
        var = nb * qb * (1.0 - qb)
        skew = (1.0 - 2.0 * qb) / np.sqrt(var)
        x[big] = np.clip(_cornish_fisher(u[big], nb * qb, var, skew), 0.0, nb)
    x = np.where(flip, n - x, x)
    return x.reshape(shape)


def poisson(u: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """Poisson(lam) draws, one per uniform (``lam`` broadcastable to ``u``)."""
    u, lam = np.broadcast_arrays(u, np.asarray(lam, dtype=float))
    shape = u.shape
    u, lam = u.ravel(), lam.ravel()
    x = np.zeros(u.shape)
    small = lam <= EXACT_MEAN
    p0 = np.exp(-lam)
    idx = np.flatnonzero(small & (u >= p0))
    if idx.size:
        lm = lam[idx]
        ratio = lambda s, k: lm[s] / (k + 1.0)  # noqa: E731
        _search(u, x, p0[idx], idx, ratio, np.full(u.shape, np.inf), _span(lm, lm))
    big = np.flatnonzero(~small)
    if big.size:
        lb = lam[big]
        x[big] = np.maximum(_cornish_fisher(u[big], lb, lb, 1.0 / np.sqrt(lb)), 0.0)
    return x.reshape(shape)


def hypergeometric(
    u: np.ndarray, good: np.ndarray, bad: np.ndarray, sample: np.ndarray
) -> np.ndarray:
    """How many of ``sample`` drawn without replacement from ``good + bad`` are good.

    Like ``binomial``, it draws the rarer side: the smaller kind (``good``
    and ``bad`` swapped when ``good > bad``) within the smaller of the drawn
    and the left-behind. So the mean that picks the method is at most a
    quarter of the population, and a rare kind beside a huge one is drawn
    exactly, not by a Cornish-Fisher quantile at an extreme skew.
    """
    arrays = np.broadcast_arrays(u, good, bad, np.asarray(sample, dtype=float))
    shape = arrays[0].shape
    u, good, bad, sample = (np.ravel(a) for a in arrays)
    total = good + bad
    swap = good > bad
    minor, major = np.where(swap, bad, good), np.where(swap, good, bad)
    rest = sample > total / 2.0
    y = _hypergeometric(u, minor, major, np.where(rest, total - sample, sample))
    y = np.where(rest, minor - y, y)  # the minor kind drawn, from what was left behind
    return np.where(swap, sample - y, y).reshape(shape)


def _hypergeometric(
    u: np.ndarray, good: np.ndarray, bad: np.ndarray, sample: np.ndarray
) -> np.ndarray:
    """``hypergeometric`` for flat arrays with ``good <= bad``, ``sample <= total / 2``."""
    shape = u.shape
    total = good + bad
    x = np.where(bad <= 0, sample, 0.0)
    live = (sample > 0) & (good > 0) & (bad > 0)
    frac = np.divide(good, total, out=np.zeros(u.shape), where=total > 0)
    mean = sample * frac
    small = live & (mean <= EXACT_MEAN)
    idx = np.flatnonzero(small)
    if idx.size:
        g, b, s = good[idx], bad[idx], sample[idx]
        lo = np.maximum(0.0, s - b)
        n = g + b

        def logc(a: np.ndarray, k: np.ndarray) -> np.ndarray:
            return special.gammaln(a + 1) - special.gammaln(k + 1) - special.gammaln(a - k + 1)

        pmf = np.exp(logc(g, lo) + logc(b, s - lo) - logc(n, s))
        x[idx] = lo
        upper = np.full(u.shape, np.inf)
        upper[idx] = np.minimum(g, s)
        _search(
            u,
            x,
            pmf,
            idx,
            lambda sel, k: (g[sel] - k) * (s[sel] - k) / ((k + 1.0) * (b[sel] - s[sel] + k + 1.0)),
            upper,
        )
    big = np.flatnonzero(live & ~small)
    if big.size:
        g, b, s = good[big], bad[big], sample[big]
        n = g + b
        f = g / n
        var = s * f * (1.0 - f) * (n - s) / np.maximum(n - 1.0, 1.0)
        sd = np.sqrt(np.maximum(var, 1e-300))
        skew = (
            (b - g) * np.sqrt(n - 1.0) * (n - 2.0 * s) / (np.sqrt(s * g * b * (n - s)) * (n - 2.0))
        )
        x[big] = np.clip(
            _cornish_fisher(u[big], s * f, sd * sd, np.nan_to_num(skew)),
            np.maximum(0.0, s - b),
            np.minimum(g, s),
        )
    return x.reshape(shape)


def split(u: np.ndarray, n: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Multinomial split of counts ``n`` over categories, by sequential binomials.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms, shape ``n.shape + (m - 1,)``.
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
    probs = np.broadcast_to(np.asarray(probs, dtype=float), (*n.shape, np.shape(probs)[-1]))
    m = probs.shape[-1]
    if n.ndim == 1 and m > 1:
        few = n <= u.shape[-1]
        if few.any():
            # As many uniforms as individuals: place them one by one (categorical
            # draws), exact and cheaper than m - 1 binomial inversions.
            out = np.zeros((n.size, m))
            out[few] = _one_by_one(u[few], n[few], np.cumsum(probs[few], axis=-1), False)
            many = np.flatnonzero(~few)
            if many.size:
                out[many] = split(u[many, : m - 1], n[many], probs[many])
            return out
    out = np.zeros((*n.shape, m))
    left = n.astype(float)
    mass = np.ones(n.shape)
    # Categories no element can fall in (a move the chain cannot make) need no
    # draw; uniform j stays with category j either way.
    used = np.flatnonzero(probs.reshape(-1, m).any(axis=0))
    for j in used[:-1]:
        pj = np.divide(probs[..., j], mass, out=np.zeros(n.shape), where=mass > 0)
        out[..., j] = binomial(u[..., j], left, np.clip(pj, 0.0, 1.0))
        left = left - out[..., j]
        mass = mass - probs[..., j]
    out[..., used[-1] if used.size else m - 1] = left
    return out


def allocate(u: np.ndarray, total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which cells ``total`` individuals drawn at random without replacement come from.

    A multivariate hypergeometric draw by sequential univariate ones.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms, shape ``total.shape + (m - 1,)``.
    total : numpy.ndarray
        How many to draw from each group (at most the group's size).
    counts : numpy.ndarray
        Cell counts, shape ``total.shape + (m,)``.

    Returns
    -------
    numpy.ndarray
        Shape of ``counts``: how many were drawn from each cell.
    """
    m = counts.shape[-1]
    if total.ndim == 1 and m > 1:
        few = total <= u.shape[-1]
        if few.any():
            # Few to draw: one at a time without replacement, each cell with
            # probability proportional to what it still holds.
            out = np.zeros(counts.shape)
            out[few] = _one_by_one(u[few], total[few], counts[few].astype(float), True)
            many = np.flatnonzero(~few)
            if many.size:
                out[many] = allocate(u[many, : m - 1], total[many], counts[many])
            return out
    out = np.zeros(counts.shape)
    left = total.astype(float)
    rest = counts.sum(axis=-1)
    # Cells empty in every group give nothing; uniform j stays with cell j.
    used = np.flatnonzero(counts.reshape(-1, m).any(axis=0))
    for j in used[:-1]:
        rest = rest - counts[..., j]
        out[..., j] = hypergeometric(u[..., j], counts[..., j], rest, left)
        left = left - out[..., j]
    out[..., used[-1] if used.size else m - 1] = left
    return out


def _one_by_one(u: np.ndarray, n: np.ndarray, weights: np.ndarray, deplete: bool) -> np.ndarray:
    """Place ``n[i]`` individuals one at a time, the ``r``-th by uniform ``u[i, r]``.

    ``weights`` are cumulative category probabilities (``deplete`` False: with
    replacement, a multinomial) or cell counts (``deplete`` True: without
    replacement, a multivariate hypergeometric).
    """
    m = weights.shape[-1]
    out = np.zeros((n.size, m))
    cells = np.diff(weights, axis=-1, prepend=0.0) if not deplete else weights.copy()
    for r in range(int(n.max(initial=0))):
        live = np.flatnonzero(n > r)
        if deplete:
            cum = np.cumsum(cells[live], axis=-1)
            x = np.floor(u[live, r] * cum[:, -1])
        else:
            cum = weights[live]
            x = u[live, r] * cum[:, -1]
        pick = np.minimum((cum <= x[:, None]).sum(axis=-1), m - 1)
        out[live, pick] += 1.0
        if deplete:
            cells[live, pick] -= 1.0
    return out


def _one_hot(x: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Row ``i`` is 1 at the first cell whose cumulative weight exceeds ``x[i]``."""
    pick = np.minimum((cum <= x[:, None]).sum(axis=-1), cum.shape[-1] - 1)
    out = np.zeros(cum.shape)
    out[np.arange(cum.shape[0]), pick] = 1.0
    return out
