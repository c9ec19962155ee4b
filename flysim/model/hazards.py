"""From hazards to step probabilities, and the churn multiplier's law and classes.

A rate of ``math.inf`` means "at once" (a delay with mean 0): its event
happens within any step with probability 1.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import linalg

__all__ = [
    "CLASS_HORIZON",
    "draw_multiplier",
    "entrant_probability",
    "gamma_classes",
    "gamma_shape",
    "hazard_probability",
]


def hazard_probability(rate_per_day: float | np.ndarray, dt_days: float | np.ndarray) -> np.ndarray:
    """Probability that an event of the given hazard happens within ``dt`` days.

    ``1 - exp(-rate * dt)``, elementwise (rates and step lengths broadcast); an
    infinite rate gives 1.
    """
    rate = np.asarray(rate_per_day, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(rate), 1.0, -np.expm1(-rate * dt_days))


def entrant_probability(
    rate_per_day: float | np.ndarray, dt_days: float | np.ndarray
) -> np.ndarray:
    """The same for someone who enters at a uniform time within the ``dt`` days.

    The mean of ``1 - exp(-rate * (dt - s))`` over ``s`` uniform on
    ``[0, dt]``: ``1 + (exp(-rate dt) - 1) / (rate dt)``; 1 for an infinite
    rate, 0 for a rate of 0. Elementwise: rates and step lengths broadcast.
    """
    rate, dt = np.broadcast_arrays(
        np.asarray(rate_per_day, dtype=float), np.asarray(dt_days, dtype=float)
    )
    out = np.ones(rate.shape, dtype=float)
    fin = np.isfinite(rate) & (rate > 0)
    x = rate[fin] * dt[fin]
    out[fin] = 1.0 + np.expm1(-x) / x
    out[rate == 0] = 0.0
    return out


def gamma_shape(cv: float) -> float | None:
    """Shape of the Gamma(mean 1) churn multiplier with coefficient of variation ``cv``.

    None for ``cv = 0`` (every customer has multiplier 1).
    """
    # A cv so small that its square underflows is no heterogeneity at all.
    return 1.0 / cv**2 if cv**2 > 0 else None


def draw_multiplier(rng: np.random.Generator, cv: float) -> float:
    """One customer's churn multiplier: Gamma with mean 1 and the given cv (1 if cv is 0)."""
    k = gamma_shape(cv)
    return 1.0 if k is None else float(rng.gamma(k, 1.0 / k))


#: The churn classes' survival is exact at hazard x time up to this (and at 0):
#: a hazard of 0.1 a month over 120 months. See ``gamma_classes``.
CLASS_HORIZON: float = 12.0

#: Points of the Gauss-Laguerre rule that stands in for the Gamma law while
#: the classes' recurrence is computed (``_class_recurrence``).
_FINE_POINTS: int = 160


def gamma_classes(cv: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Churn classes of Gamma(mean 1, cv): multipliers (ascending) and their probabilities.

    A Gauss-Radau quadrature of the Gamma law in the variable
    ``y = exp(-tau M)``, ``tau = CLASS_HORIZON / (2 classes - 2)``: the
    classes' survival ``sum_k p_k exp(-m_k u)`` equals the Gamma mixture's
    ``(1 + c^2 u)^(-1/c^2)`` exactly at ``u = 0, tau, ..., CLASS_HORIZON``
    (polynomials in ``y`` up to degree ``2 classes - 2``), the probabilities
    sum to 1 and the mean multiplier is exactly 1 (the Radau rule's fixed
    node, the largest multiplier, is placed so). Between those points the
    survival error is at most 0.03 points at 8 classes for cv up to 1.5
    (``docs/model.md``); the variance is not kept (below ``c^2`` by 0.09 at
    cv 1.5, 0.006 at cv 1). One class of multiplier 1 without heterogeneity
    or with ``classes = 1``. Past ``_RADAU_MAX`` classes, the generalized
    Gauss-Laguerre rule of the Gamma law instead (exact mean and variance).
    The arrays are read-only (they are cached).
    """
    if gamma_shape(cv) is None or classes == 1:
        one = np.ones(1)
        one.setflags(write=False)
        return one, one
    return _gamma_classes(float(cv), int(classes))


#: Up to this many classes the Radau rule above; past it (where the
#: exponential fit turns ill-conditioned) the generalized Gauss-Laguerre rule
#: of the Gamma law itself, exact for the mean and the variance, whose survival
#: error falls below 0.004 points at 64 classes (cv up to 1.5).
_RADAU_MAX: int = 16


@functools.lru_cache(maxsize=1024)
def _gamma_classes(cv: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    shape = 1.0 / cv**2
    rule = _radau_classes(shape, classes) if classes <= _RADAU_MAX else None
    if rule is None:
        x, prob = _laguerre(shape, classes)
        mult = x / shape
    else:
        mult, prob = rule
    order = np.argsort(mult)
    mult, prob = mult[order], prob[order] / prob.sum()
    mult = mult / (prob @ mult)  # exactly 1 on average, not an ulp off
    for a in (mult, prob):
        a.setflags(write=False)
    return mult, prob


def _radau_classes(shape: float, classes: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The Radau rule of ``gamma_classes``; None where it cannot be computed in floats."""
    tau = CLASS_HORIZON / (2 * classes - 2)
    with np.errstate(all="ignore"):
        alpha, beta = _class_recurrence(shape, classes, tau)
        gauss = linalg.eigh_tridiagonal(alpha, beta, eigvals_only=True)
        if not (np.all(np.isfinite(gauss)) and gauss.min() > 0.0 and gauss.max() <= 1.0):
            return None

        def excess(log_y0: float) -> float:
            y, w = _radau(alpha, beta, math.exp(log_y0))
            return float(w @ -np.log(y)) / tau - 1.0

        # The Gauss rule (the Radau rule at its own smallest node) has a mean
        # below 1 (it misses the Gamma law's right tail); moving the fixed node
        # towards y = 0 (a larger multiplier) raises the mean.
        hi = math.log(gauss.min())
        lo = max(hi - 1.0, -700.0)
        while excess(lo) < 0.0 and lo > -700.0:
            lo = max(2.0 * lo, -700.0)
        e_hi, e_lo = excess(hi), excess(lo)
        if e_hi < 0.0 < e_lo and math.isfinite(e_lo):
            # Imported here: scipy.optimize adds a quarter second to every command line.
            from scipy.optimize import brentq

            y, w = _radau(alpha, beta, math.exp(brentq(excess, lo, hi, xtol=1e-15)))
        elif abs(e_hi) < 1e-12:
            # A law so narrow that the Gauss rule's mean is 1 to rounding.
            y, w = _radau(alpha, beta, math.exp(hi))
        else:
            return None
        mult = -np.log(y) / tau
    if not (np.all(np.isfinite(mult)) and mult.min() > 0.0 and w.min() >= 0.0):
        return None
    return mult, w


def _laguerre(shape: float, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Generalized Gauss-Laguerre rule of Gamma(shape, rate 1): nodes, weights summing to 1.

    By Golub-Welsch on the Laguerre recurrence, so no Gamma function
    overflows at large shapes.
    """
    j = np.arange(points, dtype=float)
    x, vec = linalg.eigh_tridiagonal(2.0 * j + shape, np.sqrt(j[1:] * (j[1:] + shape - 1.0)))
    w = vec[0] ** 2
    return x, w / w.sum()


def _class_recurrence(shape: float, classes: int, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Recurrence coefficients of the orthogonal polynomials of ``y = exp(-tau M)``.

    ``M`` is Gamma(shape, rate shape), discretised by the generalized
    Gauss-Laguerre rule of ``_FINE_POINTS`` points (nodes and weights by
    Golub-Welsch, so no Gamma function overflows at large shapes); the
    coefficients come from the Lanczos process on that discrete law
    (Householder reduction of the bordered matrix, stable). Returns the
    Jacobi matrix's diagonal (``classes``) and off-diagonal (``classes - 1``).
    """
    x, w = _laguerre(shape, _FINE_POINTS)
    n = _FINE_POINTS
    a = np.zeros((n + 1, n + 1))
    a[0, 0] = 1.0
    a[0, 1:] = a[1:, 0] = np.sqrt(w)
    a[np.arange(1, n + 1), np.arange(1, n + 1)] = np.exp(-tau * x / shape)
    h = linalg.hessenberg(a)
    return np.diag(h)[1 : classes + 1].copy(), np.abs(np.diag(h, 1)[1:classes])


def _radau(alpha: np.ndarray, beta: np.ndarray, y0: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the Gauss-Radau rule of the Jacobi matrix with ``y0`` a node."""
    k = alpha.size
    j = np.diag(alpha[:-1] - y0) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1)
    last = np.zeros(k - 1)
    last[-1] = 1.0
    diag = alpha.copy()
    diag[-1] = y0 + beta[-1] ** 2 * np.linalg.solve(j, last)[-1]
    nodes, vec = linalg.eigh_tridiagonal(diag, beta)
    return nodes, vec[0] ** 2
