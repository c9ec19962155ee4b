"""Summaries across runs: means and quantiles that skip missing values.

Every statistic here is taken along the runs axis (axis 0), skips NaN, and
says how many runs were missing. A slice with no value at all gives NaN
without a warning: an all-missing month is an honest answer, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["FAN_QUANTILES", "SUMMARY_COLUMNS", "quantile_bands", "summarize"]

#: Columns of ``summarize``'s table, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "month",
    "mean",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "missing",
)

#: Percentiles of a fan chart's bands (P5, P25, P50, P75, P95).
FAN_QUANTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)


def _columns(values: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Values as ``(runs, columns)`` and the shape of the trailing axes."""
    if values.ndim < 1 or values.shape[0] == 0:
        raise ValueError(f"values must have runs along axis 0, got shape {values.shape}")
    return values.reshape(values.shape[0], -1), values.shape[1:]


def _nan_percentiles(flat: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """Percentiles along axis 0 of ``(runs, columns)``, skipping NaN, shape ``(len(qs), columns)``.

    Complete columns go through the fast ``np.percentile``; only columns with
    some values missing pay for ``np.nanpercentile``; all-missing ones stay NaN
    (and so raise no "All-NaN slice" warning).
    """
    out = np.full((qs.size, flat.shape[1]), np.nan)
    missing = np.isnan(flat)
    complete = ~missing.any(axis=0)
    partial = ~complete & ~missing.all(axis=0)
    if complete.any():
        out[:, complete] = np.percentile(flat[:, complete], qs, axis=0, method="linear")
    if partial.any():
        out[:, partial] = np.nanpercentile(flat[:, partial], qs, axis=0, method="linear")
    return out


def _nan_mean(flat: np.ndarray) -> np.ndarray:
    """``np.nanmean`` along axis 0, NaN (and no warning) where every run is missing."""
    out = np.full(flat.shape[1], np.nan)
    some = ~np.isnan(flat).all(axis=0)
    if some.any():
        out[some] = np.nanmean(flat[:, some], axis=0)
    return out


def quantile_bands(values: ArrayLike, qs: Sequence[float] = FAN_QUANTILES) -> np.ndarray:
    """Percentiles across runs, skipping missing values, for fan charts.

    Parameters
    ----------
    values : array_like
        Shape ``(runs, ...)``, typically ``(runs, months)`` of one metric.
    qs : sequence of float
        Percentiles in ``[0, 100]``; defaults to 5, 25, 50, 75, 95.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(qs), ...)``: ``out[i]`` is the ``qs[i]`` percentile
        (linear interpolation) of the non-missing runs; NaN where every run is
        missing.

    Raises
    ------
    ValueError
        If ``qs`` is empty or outside ``[0, 100]``, or ``values`` has no runs.
    """
    q = np.asarray(qs, dtype=np.float64).reshape(-1)
    if q.size == 0 or np.isnan(q).any() or (q < 0).any() or (q > 100).any():
        raise ValueError(f"qs must be percentiles in [0, 100], got {list(qs)!r}")
    flat, tail = _columns(np.asarray(values, dtype=np.float64))
    return _nan_percentiles(flat, q).reshape((q.size, *tail))


def summarize(data: ArrayLike, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, P5, P25, P50, P75 and P95 across runs of every metric and month.

    Parameters
    ----------
    data : array_like
        Shape ``(runs, months, len(metrics))``; NaN marks a missing value.
    metrics : sequence of str
        Names of the last axis, in order.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, month, mean, p5, p25, p50, p75, p95, missing``: one row per
        metric and month (metrics in the given order, months ``1..M``).
        Statistics skip missing values (linear interpolation for the
        percentiles); ``missing`` counts the runs whose value was missing.

    Raises
    ------
    ValueError
        If ``data``'s shape does not match ``metrics``.
    """
    data = np.asarray(data, dtype=np.float64)
    metrics = list(metrics)
    if data.ndim != 3 or data.shape[2] != len(metrics) or data.shape[0] == 0:
        raise ValueError(
            f"data must have shape (runs >= 1, months, {len(metrics)}), got {data.shape}"
        )
    _, months, n_metrics = data.shape
    # metric-major columns, so the rows come out metric by metric, month by month
    flat = data.transpose(0, 2, 1).reshape(data.shape[0], -1)
    p5, p25, p50, p75, p95 = _nan_percentiles(flat, np.array(FAN_QUANTILES))
    return pd.DataFrame(
        {
            "metric": np.repeat(np.array(metrics, dtype=object), months),
            "month": np.tile(np.arange(1, months + 1), n_metrics),
            "mean": _nan_mean(flat),
            "p5": p5,
            "p25": p25,
            "p50": p50,
            "p75": p75,
            "p95": p95,
            "missing": np.isnan(flat).sum(axis=0),
        },
        columns=list(SUMMARY_COLUMNS),
    )
