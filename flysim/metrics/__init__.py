"""Metrics: the public names, what each means, their derivation from raw engine output, summaries.

``names`` lists what flysim reports (the engines' record layout is
:mod:`flysim.engines.record`); ``catalogue`` says what each metric is (kind,
title, unit, direction, benchmarks); ``derive`` computes the metrics from the
record; ``summary`` takes statistics across runs.
"""

from __future__ import annotations

from flysim.engines.record import RAW_FIELDS, RAW_INDEX, STOCKS
from flysim.metrics.catalogue import CATALOGUE, LOWER_IS_BETTER, Metric, metric_info
from flysim.metrics.derive import break_even_month, derive_metrics, ratio
from flysim.metrics.names import DERIVED, FLOWS, METRICS, MONEY
from flysim.metrics.summary import FAN_QUANTILES, SUMMARY_COLUMNS, quantile_bands, summarize

__all__ = [
    "CATALOGUE",
    "DERIVED",
    "FAN_QUANTILES",
    "FLOWS",
    "LOWER_IS_BETTER",
    "METRICS",
    "MONEY",
    "RAW_FIELDS",
    "RAW_INDEX",
    "STOCKS",
    "SUMMARY_COLUMNS",
    "Metric",
    "break_even_month",
    "derive_metrics",
    "metric_info",
    "quantile_bands",
    "ratio",
    "summarize",
]
