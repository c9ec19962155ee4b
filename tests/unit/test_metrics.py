"""Exact tests of the derived metrics and the across-run summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flysim.metrics import (
    DERIVED,
    METRICS,
    RAW_FIELDS,
    RAW_INDEX,
    break_even_month,
    derive_metrics,
    quantile_bands,
    ratio,
    summarize,
)
from flysim.metrics.derive import copied_columns, derive_run_metrics
from flysim.scenario.schema import Scenario
from tests import builders

pytestmark = pytest.mark.filterwarnings("error")  # no RuntimeWarning from NaN handling

MARGIN = 0.5


def scenario(margin: float = MARGIN) -> Scenario:
    return builders.scenario(builders.minimal(), **{"revenue.gross_margin": margin})


def make_raw(runs: int, months: int, **fields: object) -> np.ndarray:
    """Zeros, with each named raw field broadcast to ``(runs, months)``."""
    raw = np.zeros((runs, months, len(RAW_FIELDS)))
    for name, value in fields.items():
        raw[:, :, RAW_INDEX[name]] = np.broadcast_to(np.asarray(value, dtype=float), (runs, months))
    return raw


def derived(raw: np.ndarray, margin: float = MARGIN) -> dict[str, np.ndarray]:
    out = derive_metrics(raw, scenario(margin))
    return {name: out[:, :, i] for i, name in enumerate(METRICS)}


# ---------------------------------------------------------------- ratio helper


def test_ratio_zero_denominator_is_nan_and_nan_propagates():
    got = ratio([1.0, 0.0, 3.0, np.nan, 4.0, -2.0], [2.0, 0.0, 0.0, 1.0, np.nan, 4.0])
    np.testing.assert_array_equal(got, [0.5, np.nan, np.nan, np.nan, np.nan, -0.5])
    assert not np.isinf(got).any()


def test_ratio_too_large_for_a_float_is_nan_without_warning():
    # a tier MRR of 5e-324 made payback = cac / (arpa * margin) overflow to inf
    got = ratio([1e3, -1e3, 1.0, np.inf], [5e-324, 5e-324, 1e-300, 1.0])
    np.testing.assert_array_equal(got, [np.nan, np.nan, 1.0 / 1e-300, np.nan])


# ---------------------------------------------------------------- derive_metrics


def test_shape_dtype_and_bad_shape():
    out = derive_metrics(make_raw(3, 5), scenario())
    assert out.shape == (3, 5, len(METRICS))
    assert out.dtype == np.float64
    with pytest.raises(ValueError, match="raw must have shape"):
        derive_metrics(np.zeros((3, 5, len(RAW_FIELDS) - 1)), scenario())
    with pytest.raises(ValueError, match="raw must have shape"):
        derive_metrics(np.zeros((5, len(RAW_FIELDS))), scenario())


def test_copied_fields_sums_and_stocks():
    # every raw field a distinct value, so a wrong column would show
    raw = np.arange(1, len(RAW_FIELDS) + 1, dtype=float).reshape(1, 1, -1)
    d = derived(raw)
    v = {name: float(i + 1) for i, name in enumerate(RAW_FIELDS)}
    for name in RAW_FIELDS:
        if name in METRICS:
            assert d[name][0, 0] == v[name], name
    new = v["new_customers_paid"] + v["new_customers_organic"] + v["new_customers_referral"]
    assert d["new_customers"][0, 0] == new
    assert d["active"][0, 0] == v["healthy"] + v["at_risk"]
    assert d["customers"][0, 0] == v["onboarding"] + v["healthy"] + v["at_risk"]
    assert d["gross_profit"][0, 0] == v["revenue"] * MARGIN
    spends = [
        "spend_paid",
        "spend_content",
        "spend_rewards",
        "spend_onboarding",
        "spend_triggers",
        "spend_stack",
        "spend_experiments",
    ]
    assert d["spend_total"][0, 0] == sum(v[s] for s in spends)


def test_ratios_of_one_hand_computed_month():
    raw = make_raw(
        1,
        1,
        spend_paid=300,
        spend_content=100,
        spend_rewards=50,
        spend_onboarding=20,
        spend_triggers=10,
        spend_stack=20,
        new_customers_paid=2,
        new_customers_organic=1,
        customers_start=10,
        churned=2,
        onboarding=2,
        healthy=5,
        at_risk=1,
        mrr=800,
        mrr_referral=200,
        promoters=3,
        passives=2,
        detractors=1,
        advocates=3,
        score_sum=150,
        score_count=2,
        ttv_sum=30,
        ttv_count=3,
        revenue=1000,
    )
    d = {k: v[0, 0] for k, v in derived(raw).items()}
    assert d["cac"] == pytest.approx(450 / 3, rel=1e-15)
    assert d["cac_paid"] == 150.0
    # 2 churned out of 10 at the start + 3 won in the month
    assert d["churn_rate"] == pytest.approx(2 / 13, rel=1e-15)
    assert d["churn_rate_annual"] == pytest.approx(1 - (11 / 13) ** 12, rel=1e-15)
    assert d["customers"] == 8.0
    assert d["arpa"] == 100.0
    assert d["clv"] == pytest.approx(100 * 0.5 / (2 / 13), rel=1e-15)
    assert d["ltv_cac"] == pytest.approx(100 * 0.5 / (2 / 13) / 150, rel=1e-15)
    assert d["payback_months"] == pytest.approx(150 / 50, rel=1e-15)
    assert d["nps"] == pytest.approx(100 * (3 - 1) / 6, rel=1e-15)
    assert d["referral_rate"] == 0.5
    assert d["customer_generated_revenue_share"] == 0.25
    assert d["health_score"] == 75.0
    assert d["time_to_value"] == 10.0
    assert d["spend_total"] == 500.0
    assert d["roi_cumulative"] == 0.0  # gross profit 500 = spend 500
    assert np.isnan(d["organic_growth_rate"])  # month 1: no trailing quarter
    assert np.isnan(d["flywheel_velocity"])


def test_every_ratio_is_nan_on_zero_denominators():
    d = derived(make_raw(2, 4))
    for name in DERIVED:
        assert np.isnan(d[name]).all(), name
    # counts and money stay 0, not missing
    for name in ("customers", "new_customers", "spend_total", "gross_profit"):
        np.testing.assert_array_equal(d[name], 0.0)


def test_nps_missing_without_categories_and_cac_paid_zero_paid():
    raw = make_raw(1, 1, healthy=4, spend_paid=100, new_customers_organic=2)
    d = derived(raw)
    assert np.isnan(d["nps"][0, 0])  # active customers but no NPS categories: [delight] off
    assert np.isnan(d["cac_paid"][0, 0])  # paid spend, no paid customers
    assert d["cac"][0, 0] == 50.0


def test_nan_propagates():
    raw = make_raw(
        1, 3, spend_paid=[10, np.nan, 10], new_customers_paid=1, revenue=100,
        customers_start=[np.nan, 10, 10], churned=1,
    )  # fmt: skip
    d = derived(raw)
    np.testing.assert_array_equal(d["cac"][0], [10, np.nan, 10])
    np.testing.assert_array_equal(d["cac_paid"][0], [10, np.nan, 10])
    np.testing.assert_array_equal(d["new_customers"][0], [1, 1, 1])
    np.testing.assert_array_equal(d["spend_total"][0], [10, np.nan, 10])
    # cumulative: missing from the first missing month on
    np.testing.assert_array_equal(d["roi_cumulative"][0], [(50 - 10) / 10, np.nan, np.nan])
    np.testing.assert_array_equal(d["churn_rate"][0], [np.nan, 1 / 11, 1 / 11])
    assert np.isnan(d["churn_rate_annual"][0, 0])


def test_clv_trailing_window():
    # arpa * margin = 100 * 0.5 = 50 every month
    raw = make_raw(1, 4, mrr=100, healthy=1, customers_start=10, churned=[1, 2, 3, 6])
    clv = derived(raw)["clv"][0]
    expected = [50 / 0.1, 50 / ((0.1 + 0.2) / 2), 50 / ((0.1 + 0.2 + 0.3) / 3),
                50 / ((0.2 + 0.3 + 0.6) / 3)]  # fmt: skip
    np.testing.assert_allclose(clv, expected, rtol=1e-14)


def test_clv_skips_missing_churn_months_and_is_nan_when_none_or_zero():
    raw = make_raw(
        3, 4, mrr=100, healthy=1,
        customers_start=[[10, 0, 10, 10], [0, 0, 0, 10], [10, 10, 10, 10]],
        churned=[[1, 0, 3, 6], [0, 0, 0, 1], [0, 0, 0, 0]],
    )  # fmt: skip
    clv = derived(raw)["clv"]
    # run 0: churn rates .1, NaN, .3, .6
    np.testing.assert_allclose(clv[0], [50 / 0.1, 50 / 0.1, 50 / 0.2, 50 / 0.45], rtol=1e-14)
    # run 1: no churn rate known until month 4
    np.testing.assert_allclose(clv[1], [np.nan, np.nan, np.nan, 50 / 0.1], rtol=1e-14)
    # run 2: churn rate 0, CLV undefined rather than infinite
    assert np.isnan(clv[2]).all()


def test_organic_growth_rate_and_velocity():
    raw = make_raw(
        1, 4,
        new_customers_organic=[1, 2, 3, 4], new_customers_referral=[0, 1, 0, 1],
        customers_start=[10, 20, 40, 80], churned=[1, 2, 4, 8],
        healthy=10, advocates=2, mrr=1000, spend_content=100,
    )  # fmt: skip
    d = derived(raw)
    ogr = d["organic_growth_rate"][0]
    np.testing.assert_allclose(ogr, [np.nan, np.nan, 7 / 10, 11 / 20], rtol=1e-15)
    # churn over (start + new): 1/11, 2/23, 4/43, 8/85; arpa 100; referral rate 0.2
    churn = np.array([1 / 11, 2 / 23, 4 / 43, 8 / 85])
    np.testing.assert_allclose(d["churn_rate"][0], churn, rtol=1e-15)
    clv = 50 / np.array([churn[:1].mean(), churn[:2].mean(), churn[:3].mean(), churn[1:].mean()])
    np.testing.assert_allclose(d["clv"][0], clv, rtol=1e-14)
    cac = 100 / np.array([1, 3, 3, 5])
    np.testing.assert_allclose(d["cac"][0], cac, rtol=1e-15)
    np.testing.assert_allclose(d["flywheel_velocity"][0], ogr * clv * 0.2 / cac, rtol=1e-14)
    assert np.isnan(d["flywheel_velocity"][0, :2]).all()


def test_churn_rate_counts_the_months_new_customers_and_stays_in_unit_interval():
    # the case: customers won in a month churn in it (onboarding churn
    # 3 a month), more churned than were there at the start
    raw = make_raw(
        1, 3, customers_start=[2, 0, 0], new_customers_paid=[5, 4, 0], churned=[6, 4, 0],
    )  # fmt: skip
    d = derived(raw)
    np.testing.assert_allclose(d["churn_rate"][0, :2], [6 / 7, 1.0], rtol=1e-15)
    assert np.isnan(d["churn_rate"][0, 2])  # nobody there and nobody won: missing
    annual = d["churn_rate_annual"][0, :2]
    assert ((annual >= 0) & (annual <= 1)).all()
    assert annual[1] == 1.0


@pytest.mark.parametrize("months", [1, 2])
def test_organic_growth_rate_missing_before_a_full_quarter(months):
    raw = make_raw(2, months, new_customers_organic=5, customers_start=10)
    assert np.isnan(derived(raw)["organic_growth_rate"]).all()


def test_roi_cumulative_and_break_even():
    raw = make_raw(
        2, 4, spend_stack=100,
        revenue=[[0, 100, 400, 800], [0, 0, 0, 0]],
    )  # fmt: skip
    roi = derived(raw)["roi_cumulative"]
    # run 0: cumulative gross profit 0, 50, 250, 650 against spend 100..400
    np.testing.assert_allclose(roi[0], [-1, -0.75, -50 / 300, 250 / 400], rtol=1e-15)
    np.testing.assert_array_equal(roi[1], [-1, -1, -1, -1])
    np.testing.assert_array_equal(break_even_month(roi), [4, np.nan])


def test_break_even_month_edge_cases():
    roi = np.array([[np.nan, 0.5, -1], [0.0, 0.0, 0.0], [0.1, -1, 2], [np.nan, np.nan, np.nan]])
    np.testing.assert_array_equal(break_even_month(roi), [2, np.nan, 1, np.nan])
    assert break_even_month(np.array([-1.0, 0.0, 3.0])) == 3  # one run, 1-D


def test_runs_are_independent():
    rng = np.random.default_rng(7)
    # More runs than are derived at a time (512): rows either side of a block's edge.
    raw = rng.integers(0, 5, size=(1030, 6, len(RAW_FIELDS))).astype(float)
    whole = derive_metrics(raw, scenario())
    for r in (0, 1, 511, 512, 513, 1023, 1024, 1029):
        np.testing.assert_array_equal(whole[r], derive_metrics(raw[r : r + 1], scenario())[0])


def test_runs_with_their_own_margin_read_it_across_blocks():
    rng = np.random.default_rng(9)
    raw = rng.integers(1, 5, size=(1030, 6, len(RAW_FIELDS))).astype(float)
    scenarios = [scenario(0.2 + 0.1 * i) for i in range(7)]
    own = derive_run_metrics(raw, [scenarios[r % 7] for r in range(1030)])
    for r in (0, 511, 512, 1029):
        alone = derive_metrics(raw[r : r + 1], scenarios[r % 7])[0]
        np.testing.assert_array_equal(own[r], alone)


def test_copied_columns_are_the_raw_fields_derive_copies_as_they_are():
    rng = np.random.default_rng(5)
    raw = rng.integers(0, 9, size=(5, 4, len(RAW_FIELDS))).astype(float)
    whole = derive_metrics(raw, scenario())
    names = [m for m in METRICS if copied_columns([m]) is not None]
    assert {"mrr", "churned", "revenue", "healthy", "spend_paid"} <= set(names)
    columns = copied_columns(names)
    assert columns is not None
    np.testing.assert_array_equal(raw[..., columns], whole[..., [METRICS.index(n) for n in names]])
    assert copied_columns(["mrr", "cac"]) is None  # cac is derived
    assert copied_columns(["customers"]) is None  # onboarding + active


def test_out_receives_the_metrics_in_place():
    rng = np.random.default_rng(8)
    raw = rng.integers(0, 5, size=(4, 6, len(RAW_FIELDS))).astype(float)
    whole = np.full((2, 6, 6, len(METRICS)), -1.0)  # a slice of a larger result
    got = derive_metrics(raw, scenario(), out=whole[1, 1:5])
    assert np.shares_memory(got, whole)
    np.testing.assert_array_equal(whole[1, 1:5], derive_metrics(raw, scenario()))
    assert (whole[0] == -1.0).all() and (whole[1, [0, 5]] == -1.0).all()


# ---------------------------------------------------------------- summaries


def known_data() -> np.ndarray:
    a = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [10.0, 40.0], [4.0, 50.0]])
    b = np.array([[np.nan, np.nan], [1.0, np.nan], [np.nan, np.nan], [5.0, np.nan], [2.0, np.nan]])
    return np.stack([a, b], axis=-1)  # 5 runs, 2 months, metrics a, b


def test_summarize_layout():
    table = summarize(known_data(), ["a", "b"])
    assert list(table.columns) == [
        "metric", "month", "mean", "p5", "p25", "p50", "p75", "p95", "missing"
    ]  # fmt: skip
    assert table.shape == (4, 9)
    assert table["metric"].tolist() == ["a", "a", "b", "b"]
    assert table["month"].tolist() == [1, 2, 1, 2]
    assert table["missing"].tolist() == [0, 0, 2, 5]
    assert pd.api.types.is_integer_dtype(table["missing"])


def test_summarize_statistics_match_numpy():
    data = known_data()
    table = summarize(data, ["a", "b"]).set_index(["metric", "month"])
    for k, name in enumerate("ab"):
        for m in (1, 2):
            col = data[:, m - 1, k]
            row = table.loc[(name, m)]
            if np.isnan(col).all():
                assert row[["mean", "p5", "p50", "p95"]].isna().all()
                continue
            assert row["mean"] == pytest.approx(np.nanmean(col), rel=1e-15)
            for q in (5, 50, 95):
                assert row[f"p{q}"] == pytest.approx(np.nanpercentile(col, q), rel=1e-15)
    # spot check against hand values: a, month 1 is 1, 2, 3, 4, 10
    assert table.loc[("a", 1), "p50"] == 3.0
    assert table.loc[("a", 1), "p95"] == pytest.approx(4 + 0.8 * 6)
    assert table.loc[("b", 1), "mean"] == pytest.approx(8 / 3)


def test_summarize_rejects_mismatched_names():
    with pytest.raises(ValueError, match="data must have shape"):
        summarize(known_data(), ["a"])


def test_quantile_bands_match_numpy_and_skip_nan():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(50, 6))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 5] = np.nan
    bands = quantile_bands(values)
    assert bands.shape == (5, 6)
    expected = np.nanpercentile(values[:, :5], [5, 25, 50, 75, 95], axis=0)
    np.testing.assert_allclose(bands[:, :5], expected, rtol=1e-14)
    assert np.isnan(bands[:, 5]).all()
    np.testing.assert_allclose(
        quantile_bands(values[:, :2], qs=(10,)), np.nanpercentile(values[:, :2], [10], axis=0)
    )


@pytest.mark.parametrize("qs", [(), (-1,), (101,), (50, np.nan)])
def test_quantile_bands_rejects_bad_percentiles(qs):
    with pytest.raises(ValueError, match="qs must be percentiles"):
        quantile_bands(np.zeros((3, 2)), qs)
