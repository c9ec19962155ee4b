"""Summaries across runs: means and quantiles that skip missing values.

Every statistic here is taken along the runs axis (axis 0), skips NaN, and
says how many runs were missing. A slice with no value at all gives NaN
without a warning: an all-missing month is an honest answer, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
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
    """``np.nanmean`` along axis 0, NaN (and no warning) where every run is missing.

    Missing values count as 0 in the sum (as inside ``np.nanmean``). The sum
    runs along each column laid out contiguously, so numpy sums it pairwise,
    column by column: the mean of a column never depends on which other
    columns are summarised with it (block by block or all at once).
    """
    missing = np.isnan(flat)
    total = np.asfortranarray(np.where(missing, 0.0, flat)).sum(axis=0)
    count = flat.shape[0] - missing.sum(axis=0)
    out = np.full(flat.shape[1], np.nan)
    np.divide(total, count, out=out, where=count > 0)
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


#: Bytes of one block of metrics copied at a time by ``summarize``. A block is
#: the only copy it makes of the data (plus numpy's partition of it), so the
#: peak stays near the result itself however many runs there are.
_BLOCK_BYTES = 32 * 2**20


def _metric_blocks(runs: int, months: int, n_metrics: int) -> list[range]:
    """Consecutive ranges of metrics, each about ``_BLOCK_BYTES`` of data (one at least)."""
    per_block = max(1, _BLOCK_BYTES // max(1, runs * months * 8))
    n_blocks = max(1, n_metrics // per_block)
    # Spread the remainder over the blocks instead of leaving a small last one.
    edges = np.linspace(0, n_metrics, n_blocks + 1).round().astype(int)
    return [range(int(a), int(b)) for a, b in pairwise(edges)]


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

    Notes
    -----
    The statistics are taken a block of metrics at a time (about 32 MB of
    data each), so memory holds ``data`` plus one block, never a full-size
    copy; the numbers are those of a single pass over the whole array.
    """
    data = np.asarray(data, dtype=np.float64)
    metrics = list(metrics)
    if data.ndim != 3 or data.shape[2] != len(metrics) or data.shape[0] == 0:
        raise ValueError(
            f"data must have shape (runs >= 1, months, {len(metrics)}), got {data.shape}"
        )
    runs, months, n_metrics = data.shape
    size = months * n_metrics
    mean, missing = np.empty(size), np.empty(size, dtype=np.int64)
    pcts = np.empty((len(FAN_QUANTILES), size))
    for block in _metric_blocks(runs, months, n_metrics):
        # metric-major columns, so the rows come out metric by metric, month by
        # month; the reshape copies this block only.
        flat = data[:, :, block.start : block.stop].transpose(0, 2, 1).reshape(runs, -1)
        cols = slice(block.start * months, block.stop * months)
        pcts[:, cols] = _nan_percentiles(flat, np.array(FAN_QUANTILES))
        mean[cols] = _nan_mean(flat)
        missing[cols] = np.isnan(flat).sum(axis=0)
    p5, p25, p50, p75, p95 = pcts
    return pd.DataFrame(
        {
            "metric": np.repeat(np.array(metrics, dtype=object), months),
            "month": np.tile(np.arange(1, months + 1), n_metrics),
            "mean": mean,
            "p5": p5,
            "p25": p25,
            "p50": p50,
            "p75": p75,
            "p95": p95,
            "missing": missing,
        },
        columns=list(SUMMARY_COLUMNS),
    )
