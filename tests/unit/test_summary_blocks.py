"""The block-wise summary gives exactly what the former whole-array one gave.

``summarize`` used to transpose the whole runs x months x metrics array and
take its statistics in one pass, copying the array about four times (3.1 GB
peak for 100,000 runs of the start-up scenario). It now works a block of
metrics at a time. ``_whole_array_summary`` below is the former code, kept
verbatim as the reference; the two must agree bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flysim
from flysim.metrics import summary as summary_module
from flysim.metrics.summary import SUMMARY_COLUMNS, summarize

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"

pytestmark = pytest.mark.filterwarnings("error")


def _old_nan_percentiles(flat: np.ndarray, qs: np.ndarray) -> np.ndarray:
    out = np.full((qs.size, flat.shape[1]), np.nan)
    missing = np.isnan(flat)
    complete = ~missing.any(axis=0)
    partial = ~complete & ~missing.all(axis=0)
    if complete.any():
        out[:, complete] = np.percentile(flat[:, complete], qs, axis=0, method="linear")
    if partial.any():
        out[:, partial] = np.nanpercentile(flat[:, partial], qs, axis=0, method="linear")
    return out


def _old_nan_mean(flat: np.ndarray) -> np.ndarray:
    out = np.full(flat.shape[1], np.nan)
    some = ~np.isnan(flat).all(axis=0)
    if some.any():
        out[some] = np.nanmean(flat[:, some], axis=0)
    return out


def _whole_array_summary(data: np.ndarray, metrics: list[str]) -> pd.DataFrame:
    _, months, n_metrics = data.shape
    flat = data.transpose(0, 2, 1).reshape(data.shape[0], -1)
    p5, p25, p50, p75, p95 = _old_nan_percentiles(flat, np.array([5.0, 25.0, 50.0, 75.0, 95.0]))
    return pd.DataFrame(
        {
            "metric": np.repeat(np.array(metrics, dtype=object), months),
            "month": np.tile(np.arange(1, months + 1), n_metrics),
            "mean": _old_nan_mean(flat),
            "p5": p5,
            "p25": p25,
            "p50": p50,
            "p75": p75,
            "p95": p95,
            "missing": np.isnan(flat).sum(axis=0),
        },
        columns=list(SUMMARY_COLUMNS),
    )


@pytest.fixture(scope="module")
def result() -> flysim.SimulationResult:
    return flysim.simulate(STARTUP, runs=300, seed=4, months=12)


@pytest.mark.parametrize("block_bytes", [1, 300 * 12 * 8 * 5, 32 * 2**20])
def test_block_summary_equals_the_whole_array_one_exactly(result, monkeypatch, block_bytes):
    # 1 byte: one metric a block; then five; then all in one block
    monkeypatch.setattr(summary_module, "_BLOCK_BYTES", block_bytes)
    expected = _whole_array_summary(result.data, list(result.metrics))
    pd.testing.assert_frame_equal(result.summary(), expected, check_exact=True)
    assert result.data.flags.c_contiguous  # the summary did not touch the result


@pytest.mark.parametrize(("runs", "months", "k"), [(1, 1, 1), (7, 1, 3), (50, 3, 5), (9, 4, 2)])
def test_block_summary_on_missing_patterns(monkeypatch, runs, months, k):
    monkeypatch.setattr(summary_module, "_BLOCK_BYTES", 1)
    rng = np.random.default_rng(runs * 100 + months)
    data = rng.lognormal(3.0, 2.0, size=(runs, months, k))
    data[rng.random(data.shape) < 0.3] = np.nan
    data[:, 0, 0] = np.nan  # an all-missing column
    metrics = [f"m{i}" for i in range(k)]
    pd.testing.assert_frame_equal(
        summarize(data, metrics), _whole_array_summary(data, metrics), check_exact=True
    )


def test_blocks_cover_every_metric_once():
    for runs, months, k in [(100_000, 18, 48), (10, 1, 49), (1, 1, 1), (3, 2, 2), (10**6, 120, 48)]:
        blocks = summary_module._metric_blocks(runs, months, k)
        assert [i for b in blocks for i in b] == list(range(k))
        assert all(len(b) >= 1 for b in blocks)
    # 100,000 runs x 18 months: two metrics (29 MB) a block, not the whole 0.7 GB
    assert max(len(b) for b in summary_module._metric_blocks(100_000, 18, 48)) == 2
