"""Metrics: the public names, their derivation from raw engine output, and summaries.

``names`` lists what engines record and what flysim reports; ``derive`` turns
the first into the second; ``summary`` takes statistics across runs.
"""

from __future__ import annotations

from flysim.metrics.derive import break_even_month, derive_metrics, ratio
from flysim.metrics.names import DERIVED, FLOWS, METRICS, MONEY, RAW_FIELDS, RAW_INDEX, STOCKS
from flysim.metrics.summary import FAN_QUANTILES, SUMMARY_COLUMNS, quantile_bands, summarize

__all__ = [
    "DERIVED",
    "FAN_QUANTILES",
    "FLOWS",
    "METRICS",
    "MONEY",
    "RAW_FIELDS",
    "RAW_INDEX",
    "STOCKS",
    "SUMMARY_COLUMNS",
    "break_even_month",
    "derive_metrics",
    "quantile_bands",
    "ratio",
    "summarize",
]
