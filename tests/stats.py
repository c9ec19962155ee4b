"""Tolerances for the statistical tests, derived from Monte Carlo standard errors.

Every statistical test compares an observed Monte Carlo estimate with a closed
form and accepts a difference of at most ``critical_value(df) * SE``. ``Z = 4``
is the one confidence setting: a two-sided normal tail of 6.3e-5 per
comparison, so a correct engine fails a fixed-seed test about once in 16,000
comparisons, while a model error of a few standard errors is caught.

Where the standard error comes from an exact variance (a binomial count, whose
variance ``p (1 - p) / n`` follows from the expected ``p``), the critical value
is ``Z``. Where it is estimated from the sample's standard deviation, the
critical value is the Student-t quantile with the sample's degrees of freedom
at the same tail probability, so a small sample's noisy SE does not make the
test stricter than stated.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "MIN_NPQ",
    "Z",
    "assert_differs",
    "assert_within",
    "binomial_se",
    "critical_value",
    "sample_mean_se",
    "z_scores",
]

log = logging.getLogger("flysim.tests.stats")

#: Standard errors a correct estimate may be off by (two-sided).
Z: float = 4.0

#: A binomial count is compared on the normal scale only where its variance
#: ``n p (1 - p)`` is at least this (the textbook rule for the normal
#: approximation); in the far tail a normal bound would be meaningless.
MIN_NPQ: float = 10.0


def critical_value(df: float | None = None) -> float:
    """The multiple of the SE a difference may reach.

    Parameters
    ----------
    df : float, optional
        Degrees of freedom of a sample-estimated SE; None for an exact SE.

    Returns
    -------
    float
        ``Z`` for an exact SE; else the Student-t quantile with the same
        two-sided tail probability as ``Z`` has under the normal.
    """
    if df is None:
        return Z
    return float(stats.t.isf(stats.norm.sf(Z), df))


def binomial_se(p: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Exact SE of a proportion of ``n`` independent trials with probability ``p``."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1.0 - p) / np.asarray(n, dtype=float))


def sample_mean_se(x: ArrayLike, axis: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean, SE (sample sd / sqrt(n)) and degrees of freedom along an axis."""
    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"a sample SE needs at least 2 values, got {n}")
    return x.mean(axis=axis), x.std(axis=axis, ddof=1) / np.sqrt(n), n - 1


def z_scores(observed: ArrayLike, expected: ArrayLike, se: ArrayLike) -> np.ndarray:
    """``(observed - expected) / se``; 0 where both the difference and the SE are 0."""
    diff = np.asarray(observed, dtype=float) - np.asarray(expected, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se
    return np.where((diff == 0) & (se == 0), 0.0, z)


def assert_within(
    observed: ArrayLike,
    expected: ArrayLike,
    se: ArrayLike,
    *,
    what: str,
    df: float | None = None,
    bias_bound: ArrayLike = 0.0,
) -> np.ndarray:
    """Assert ``|observed - expected| <= critical_value(df) * se + bias_bound``, elementwise.

    Parameters
    ----------
    observed, expected, se : array_like
        Estimates, closed forms and the estimates' standard errors.
    what : str
        Names the comparison in the failure message and the log.
    df : float, optional
        Degrees of freedom when ``se`` was estimated from a sample.
    bias_bound : array_like
        A known, computed bound on the closed form's own deviation from the
        model's exact expectation (for example a finite-population correction);
        0 when the closed form is exact.

    Returns
    -------
    numpy.ndarray
        The z-scores, for reporting.
    """
    obs, exp, se_arr, bias = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=float)) for a in (observed, expected, se, bias_bound))
    )
    crit = critical_value(df)
    z = z_scores(obs, exp, se_arr)
    bad = ~(np.abs(obs - exp) <= crit * se_arr + bias)  # NaN counts as bad
    worst = int(np.argmax(np.where(np.isnan(z), np.inf, np.abs(z)).ravel()))
    log.info(
        "%s: max |z| = %.2f (critical %.2f) at %d: observed %.6g, expected %.6g, se %.3g",
        what,
        abs(z.flat[worst]),
        crit,
        worst,
        obs.flat[worst],
        exp.flat[worst],
        se_arr.flat[worst],
    )
    log.debug("%s: z = %s", what, np.array2string(z, precision=2))
    if np.any(bad):
        idx = np.flatnonzero(bad)
        rows = "; ".join(
            f"[{i}] observed {obs.flat[i]:.6g}, expected {exp.flat[i]:.6g}, "
            f"se {se_arr.flat[i]:.3g}, z {z.flat[i]:.2f}"
            for i in idx[:10]
        )
        raise AssertionError(f"{what}: beyond {crit:.2f} SE at {len(idx)} point(s): {rows}")
    return z


def assert_differs(
    observed: ArrayLike,
    alternative: ArrayLike,
    se: ArrayLike,
    *,
    what: str,
    df: float | None = None,
) -> np.ndarray:
    """Assert ``|observed - alternative| > critical_value(df) * se``, elementwise.

    The converse of ``assert_within``: shows that the data reject a wrong
    closed form, so the matching test has the power to fail.
    """
    obs, alt = np.asarray(observed, dtype=float), np.asarray(alternative, dtype=float)
    crit = critical_value(df)
    z = z_scores(obs, alt, se)
    log.info("%s: min |z| = %.2f (must exceed %.2f)", what, float(np.min(np.abs(z))), crit)
    if not np.all(np.abs(z) > crit):
        raise AssertionError(
            f"{what}: the data do not reject the alternative: |z| = {np.abs(z)} <= {crit:.2f}"
        )
    return z
