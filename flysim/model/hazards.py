"""From hazards to step probabilities, and the churn multiplier's law.

A rate of ``math.inf`` means "at once" (a delay with mean 0): its event
happens within any step with probability 1.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = [
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


def gamma_classes(cv: float, classes: int) -> np.ndarray:
    """Mean multiplier of each equal-probability quantile class of Gamma(mean 1, cv).

    The class means average exactly 1, so the mean hazard is kept; the
    survival curve's error is in ``docs/model.md``.
    """
    k = gamma_shape(cv)
    if k is None:
        return np.ones(1)
    # Quantiles of Gamma(shape k, scale 1/k), by the regularised incomplete gamma.
    edges = special.gammaincinv(k, np.linspace(0.0, 1.0, classes + 1)) / k
    # E[X; a < X < b] for Gamma(k, 1/k) is the Gamma(k + 1, 1/k) mass between a and b.
    means = np.diff(special.gammainc(k + 1.0, edges * k)) * classes
    return means / means.mean()  # exactly 1 on average, not 1 ulp off
