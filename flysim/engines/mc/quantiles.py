"""Exact quantiles of the binomial, Poisson and hypergeometric laws, one uniform each.

Scalar functions compiled with numba (cached on disk beside this file),
called by the array samplers (``flysim.engines.mc.sampling``) and the
compiled step kernels (``flysim.engines.mc.kernels``). Each returns
``min{k : F(k) >= u}`` of its law; ``sampling``'s docstring says how the
search is kept short. Parameters are validated where the scenario loads: a
NaN is not handled here.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["EXACT_MEAN", "binomial1", "hypergeometric1", "poisson1"]

#: Means up to this are searched from the bottom of the support; larger ones
#: from the mode. Both are exact; this only decides where the search starts,
#: at about where the bottom's ``mean + 2 sd`` terms cost what the mode's
#: saddle point and ``10 sd`` terms do (measured: 60).
EXACT_MEAN: float = 60.0

#: A search stops where the pmf has fallen below this fraction of the CDF:
#: the CDF can round to just below a uniform near 1 and never reach it.
_NEGLIGIBLE = 1e-17


_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@njit(cache=True, error_model="numpy")
def _stirlerr(n: float) -> float:
    """``log(n!) - log(sqrt(2 pi n) (n / e)^n)``, Stirling's error, to double precision."""
    if n <= 15.0:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LOG_SQRT_2PI
    nn = n * n
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    if n > 500.0:
        return (s0 - s1 / nn) / n
    if n > 80.0:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35.0:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


@njit(cache=True, error_model="numpy")
def _bd0(x: float, m: float) -> float:
    """``x log(x / m) + m - x``, without its cancellation near ``x = m``."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        s = (x - m) * v
        ej = 2.0 * x * v
        v *= v
        j = 1.0
        while True:
            ej *= v
            s1 = s + ej / (2.0 * j + 1.0)
            if s1 == s:
                return s1
            s = s1
            j += 1.0
    return x * math.log(x / m) + m - x


@njit(cache=True, error_model="numpy")
def _binomial_pmf(x: float, n: float, p: float) -> float:
    """P(X = x) of Binomial(n, p) by Loader's saddle point: relative error ~1e-15 at any n.

    ``lgamma`` differences lose ``n`` ulps' worth of digits (1e-8 at n = 1e7),
    enough to move a quantile; this is what R and scipy use.
    """
    q = 1.0 - p
    if x <= 0.0:
        return math.exp(n * math.log1p(-p))
    if x >= n:
        return math.exp(n * math.log(p))
    lc = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * p) - _bd0(n - x, n * q)
    lf = 2.0 * _LOG_SQRT_2PI + math.log(x) + math.log1p(-x / n)
    return math.exp(lc - 0.5 * lf)


# numpy integers, not Python ones: numba compiles a callee once per literal
# argument, and one _search for the three laws compiles in a third of the time.
_BINOMIAL, _POISSON, _HYPERGEOMETRIC = np.int64(0), np.int64(1), np.int64(2)


@njit(cache=True, error_model="numpy")
def _up(law: np.int64, k: float, a: float, b: float, c: float) -> float:
    """``P(k + 1) / P(k)``: binomial ``(n, odds)``, Poisson ``(lam)``, hypergeometric ``(g, b, s)``.

    ``b`` of the hypergeometric is its bad ones; ``c`` the sample.
    """
    if law == _BINOMIAL:
        return (a - k) / (k + 1.0) * b
    if law == _POISSON:
        return a / (k + 1.0)
    return (a - k) * (c - k) / ((k + 1.0) * (b - c + k + 1.0))


@njit(cache=True, error_model="numpy")
def _down(law: np.int64, k: float, a: float, b: float, c: float) -> float:
    """``P(k - 1) / P(k)``, the parameters as ``_up`` takes them."""
    if law == _BINOMIAL:
        return k / ((a - k + 1.0) * b)
    if law == _POISSON:
        return k / a
    return k * (b - c + k) / ((a - k + 1.0) * (c - k + 1.0))


@njit(cache=True, error_model="numpy")
def _search(
    u: float,
    law: np.int64,
    start: float,
    pm: float,
    lo: float,
    hi: float,
    a: float,
    b: float,
    c: float,
) -> float:
    """The quantile at ``u`` of a unimodal law on ``[lo, hi]`` with ``P(start) = pm``.

    ``start`` is the bottom of the support or the mode. From the mode,
    ``F(mode)`` is the pmf summed downwards until the terms fall below
    ``_NEGLIGIBLE`` of the sum; then the search steps down while
    ``F(k - 1) = F(k) - P(k)`` still reaches ``u``, or up until ``F(k)``
    does.
    """
    cdf, k = pm, start
    if start > lo:
        term = pm
        while k > lo:
            term *= _down(law, k, a, b, c)
            k -= 1.0
            cdf += term
            if term < _NEGLIGIBLE * cdf:
                break
        k, pmf = start, pm
        if u < cdf:
            while k > lo and cdf - pmf >= u:
                cdf -= pmf
                pmf *= _down(law, k, a, b, c)
                k -= 1.0
            return k
    pmf = pm
    while u >= cdf and k < hi:
        pmf *= _up(law, k, a, b, c)
        k += 1.0
        cdf += pmf
        if pmf < _NEGLIGIBLE * cdf:
            break
    return k


@njit(cache=True, error_model="numpy")
def binomial1(u: float, n: float, p: float) -> float:
    """One Binomial(n, p) draw, its quantile at ``u``.

    Above 1/2 it draws the rarer outcome, ``n - Binomial(n, 1 - p)`` at
    ``1 - u``, which is the same quantile, searched from the shorter side.
    """
    if n <= 0.0 or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return n
    q = 1.0 - p if p > 0.5 else p
    v = 1.0 - u if p > 0.5 else u  # the uniform in the rarer outcome's frame
    if v <= 1.0 - n * q:
        return n if p > 0.5 else 0.0  # no rarer outcome: v <= 1 - mean <= P(0)
    if n * q <= EXACT_MEAN:
        start, pm = 0.0, math.exp(n * math.log1p(-q))
    else:
        start = min(float(math.floor((n + 1.0) * q)), n)
        pm = _binomial_pmf(start, n, q)
    if p <= 0.5:
        return _search(u, _BINOMIAL, start, pm, 0.0, n, n, q / (1.0 - q), 0.0)
    # The failures are drawn, at 1 - u (exact for 53-bit uniforms): the draw
    # still rises with u, so scenarios either side of 1/2 share their numbers.
    return n - _search(1.0 - u, _BINOMIAL, start, pm, 0.0, n, n, q / (1.0 - q), 0.0)


@njit(cache=True, error_model="numpy")
def poisson1(u: float, lam: float) -> float:
    """One Poisson(lam) draw."""
    if lam <= 0.0 or u <= 1.0 - lam:
        return 0.0  # u <= 1 - mean <= P(0)
    if lam <= EXACT_MEAN:
        start, pm = 0.0, math.exp(-lam)
    else:
        start = float(math.floor(lam))  # one float signature of the pmf helpers
        pm = math.exp(-_stirlerr(start) - _bd0(start, lam)) / (2.0 * math.pi * start) ** 0.5
    return _search(u, _POISSON, start, pm, 0.0, math.inf, lam, 0.0, 0.0)


@njit(cache=True, error_model="numpy")
def _hyper_minor(u: float, g: float, b: float, s: float) -> float:
    """Good ones among ``s`` drawn from ``g`` good and ``b`` bad, ``g <= b``, ``s <= total/2``."""
    if b <= 0.0:
        return s
    if s <= 0.0 or g <= 0.0:
        return 0.0
    lo, hi = max(0.0, s - b), min(g, s)
    total = g + b
    if lo == 0.0 and u <= 1.0 - s * g / total:
        return 0.0  # u <= 1 - mean <= P(0)
    if s * g / total <= EXACT_MEAN:
        start = lo
    else:
        start = min(max(float(math.floor((s + 1.0) * (g + 1.0) / (total + 2.0))), lo), hi)
    f = s / total  # the pmf as a ratio of binomial pmfs, each to double precision
    pm = _binomial_pmf(start, g, f) * _binomial_pmf(s - start, b, f) / _binomial_pmf(s, total, f)
    return _search(u, _HYPERGEOMETRIC, start, pm, lo, hi, g, b, s)


@njit(cache=True, error_model="numpy")
def hypergeometric1(u: float, good: float, bad: float, sample: float) -> float:
    """One draw; the rarer side: the smaller kind, within the smaller of drawn and left behind."""
    total = good + bad
    swap = good > bad
    minor, major = (bad, good) if swap else (good, bad)
    rest = sample > total / 2.0
    # Each side swapped reverses the draw's order in u; at 1 - u it rises with u.
    v = 1.0 - u if swap != rest else u
    y = _hyper_minor(v, minor, major, total - sample if rest else sample)
    if rest:
        y = minor - y  # the minor kind drawn, from what was left behind
    return sample - y if swap else y
