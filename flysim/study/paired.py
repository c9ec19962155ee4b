"""Paired differences between variants that share their random numbers, run by run."""

from __future__ import annotations

import numpy as np

__all__ = ["CONFIDENCE", "paired_difference", "paired_median"]

#: Confidence level of every interval the studies report.
CONFIDENCE = 0.95


def paired_difference(
    a: np.ndarray, b: np.ndarray, *, lower_is_better: bool = False
) -> tuple[float, float, float, float, int]:
    """Mean of ``b - a`` over runs where both are present, its 95 % interval, P(b better), pairs.

    The interval is that of a paired t test (:func:`scipy.stats.ttest_rel`);
    P(b better) counts ties as half. NaNs drop the pair.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both = np.isfinite(a) & np.isfinite(b)
    n = int(both.sum())
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan, 0)
    from scipy.stats import ttest_rel  # most of a second to import: only when compared

    d = b[both] - a[both]
    mean = float(d.mean())
    if n < 2 or np.ptp(d) == 0:
        low = high = mean if n >= 2 else np.nan
    else:
        ci = ttest_rel(b[both], a[both]).confidence_interval(CONFIDENCE)
        low, high = float(ci.low), float(ci.high)
    better = (d < 0) if lower_is_better else (d > 0)
    p_better = float((better.sum() + 0.5 * (d == 0).sum()) / n)
    return mean, low, high, p_better, n


def paired_median(a: np.ndarray, b: np.ndarray) -> float:
    """Median of ``b - a`` over runs where both are present; NaN when no pair is."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.median(b[both] - a[both])) if both.any() else float("nan")
