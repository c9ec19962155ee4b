"""The CLI's KPI table and summary lines, on hand-built data (exact strings)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flysim.cli.tables import (
    KPI_LABELS,
    KPIS,
    MISSING,
    BreakEven,
    break_even,
    format_break_even,
    format_cell,
    header_line,
    kpi_table,
    table_months,
)
from flysim.metrics.names import METRICS
from flysim.result import Provenance

NAN = math.nan


def _summary(rows: list[tuple[str, int, float, float, float, int]]) -> pd.DataFrame:
    """Rows of (metric, month, p5, p50, p95, missing); mean is irrelevant to the table."""
    frame = pd.DataFrame(rows, columns=["metric", "month", "p5", "p50", "p95", "missing"])
    frame.insert(2, "mean", frame["p50"])
    return frame


def _cells(table) -> dict[str, list[str]]:
    """Row label -> the row's cells, read back from the rich Table."""
    columns = [list(c.cells) for c in table.columns]
    return {label: [col[i] for col in columns[1:]] for i, label in enumerate(columns[0])}


def _headers(table) -> list[str]:
    return [str(c.header) for c in table.columns]


@pytest.mark.parametrize(
    ("horizon", "expected"),
    [
        (1, [1]),
        (2, [2]),
        (3, [3]),
        (5, [3, 5]),
        (6, [3, 6]),
        (12, [3, 6, 12]),
        (18, [3, 6, 12, 18]),
        (120, [3, 6, 12, 120]),
    ],
)
def test_table_months_are_3_6_12_and_horizon_within_horizon(horizon, expected):
    assert table_months(horizon) == expected


def test_every_kpi_is_a_metric_and_has_a_label():
    assert set(KPIS) <= set(METRICS)
    assert set(KPIS) == set(KPI_LABELS)
    assert len(set(KPIS)) == len(KPIS) == 18


@pytest.mark.parametrize(
    ("metric", "p5", "p50", "p95", "expected"),
    [
        # money: thousands separators, no currency (the row label has it), no cents from 100
        ("mrr", 1234.4, 2345.6, 10000.0, "2,346 [1,234 to 10,000]"),
        ("revenue", 0.0, 1500.0, 1_234_567.0, "1,500 [0 to 1,234,567]"),
        # small amounts keep their cents, one choice for the whole cell
        ("cac", 45.5, 60.25, 80.0, "60.25 [45.50 to 80.00]"),
        ("clv", 45.6, 60.25, 150.0, "60 [46 to 150]"),
        # rates and shares as percentages with one decimal
        ("churn_rate_annual", 0.05, 0.1234, 0.2, "12.3% [5.0% to 20.0%]"),
        ("referral_rate", 0.0, 0.35, 1.0, "35.0% [0.0% to 100.0%]"),
        ("customer_generated_revenue_share", 0.201, 0.25, 0.299, "25.0% [20.1% to 29.9%]"),
        ("organic_growth_rate", 0.1, 0.15, 0.2, "15.0% [10.0% to 20.0%]"),
        ("roi_cumulative", -0.5, -0.125, 0.25, "-12.5% [-50.0% to 25.0%]"),
        # ratios with two decimals
        ("ltv_cac", 1.004, 3.456, 12.5, "3.46 [1.00 to 12.50]"),
        ("flywheel_velocity", 0.0, 0.25, 3.75, "0.25 [0.00 to 3.75]"),
        # scores and months with one decimal
        ("nps", -20.0, 42.26, 61.0, "42.3 [-20.0 to 61.0]"),
        ("health_score", 55.0, 71.24, 88.76, "71.2 [55.0 to 88.8]"),
        ("payback_months", 2.0, 4.26, 9.5, "4.3 [2.0 to 9.5]"),
        # counts: separators; whole numbers even where a percentile falls between runs
        ("customers", 980.0, 1234.0, 1500.0, "1,234 [980 to 1,500]"),
        ("new_customers", 10.0, 12.5, 20.0, "12 [10 to 20]"),
        ("new_customers", 3.0, 5.5, 8.0, "6 [3 to 8]"),
        ("new_customers", 1.95, 5.0, 9.0, "5 [2 to 9]"),
        ("new_customers", 3.0, 5.0, 7.0, "5 [3 to 7]"),
        # a value missing in every run
        ("cac", NAN, NAN, NAN, MISSING),
        ("ltv_cac", NAN, NAN, NAN, MISSING),
    ],
)
def test_format_cell(metric, p5, p50, p95, expected):
    assert format_cell(metric, p5, p50, p95) == expected


def test_money_rows_name_the_scenarios_currency():
    rows = [("mrr", 3, 1.0, 2.0, 3.0, 0), ("customers", 3, 1.0, 2.0, 3.0, 0)]
    cells = _cells(kpi_table(_summary(rows), horizon=3, currency="USD", runs=4))
    assert list(cells) == ["Customers", "MRR (USD)"]


def test_kpi_table_cells_months_and_missing_marks():
    rows = []
    for month in range(1, 15):
        rows += [
            ("customers", month, 10.0 * month, 20.0 * month, 30.0 * month, 0),
            ("mrr", month, 1000.0 * month, 2000.0 * month, 3000.0 * month, 0),
            ("churn_rate_annual", month, 0.05, 0.1, 0.15, 0),
            # cac: no new customer in any run in month 3, in some runs in month 6
            ("cac", month, *((NAN, NAN, NAN, 4) if month == 3 else (100.0, 200.0, 300.0, 0))),
            ("ltv_cac", month, 1.5, 3.0, 4.5, 1 if month == 6 else 0),
            ("spend_paid", month, 1.0, 2.0, 3.0, 0),  # not a KPI: not shown
        ]
    table = kpi_table(_summary(rows), horizon=14, currency="EUR", runs=4)

    assert _headers(table) == ["KPI", "Month 3", "Month 6", "Month 12", "Month 14"]
    cells = _cells(table)
    # rows in KPIS order, only metrics the summary has
    assert list(cells) == ["Customers", "MRR (EUR)", "CAC (EUR)", "LTV:CAC", "Churn (annualised)"]
    assert cells["Customers"] == [
        "60 [30 to 90]",
        "120 [60 to 180]",
        "240 [120 to 360]",
        "280 [140 to 420]",
    ]
    assert cells["MRR (EUR)"][2] == "24,000 [12,000 to 36,000]"
    assert cells["CAC (EUR)"][:2] == [MISSING, "200 [100 to 300]"]
    assert cells["LTV:CAC"][:2] == ["3.00 [1.50 to 4.50]", "3.00 [1.50 to 4.50] *"]
    assert cells["Churn (annualised)"][0] == "10.0% [5.0% to 15.0%]"
    caption = str(table.caption)
    assert "missing in up to 1 of 4 runs" in caption
    assert "P50 [P5 to P95]" in caption


def test_kpi_table_without_missing_values_has_no_missing_note():
    rows = [("mrr", m, 1.0, 2.0, 3.0, 0) for m in range(1, 4)]
    table = kpi_table(_summary(rows), horizon=3, currency="EUR", runs=4)
    assert _headers(table) == ["KPI", "Month 3"]
    assert "missing" not in str(table.caption)


@pytest.mark.parametrize("horizon", [2, 5, 12])
def test_kpi_table_never_shows_a_month_beyond_the_horizon(horizon):
    rows = [("customers", m, 1.0, 2.0, 3.0, 0) for m in range(1, 25)]
    table = kpi_table(_summary(rows), horizon=horizon)
    months = [int(h.removeprefix("Month ")) for h in _headers(table)[1:]]
    assert months == table_months(horizon)
    assert max(months) == horizon


def test_kpi_table_shows_missing_for_a_month_absent_from_the_summary():
    rows = [("customers", 3, 1.0, 2.0, 3.0, 0)]
    table = kpi_table(_summary(rows), horizon=6)
    assert _cells(table)["Customers"] == ["2 [1 to 3]", MISSING]


def test_kpi_table_rejects_a_summary_without_its_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        kpi_table(pd.DataFrame({"metric": ["mrr"], "month": [1]}), horizon=1)


def test_break_even_first_month_with_positive_roi():
    roi = np.array(
        [
            [-1.0, -0.5, 0.1, 0.2],  # month 3
            [-1.0, -0.2, -0.1, 0.3],  # month 4
            [NAN, -1.0, -1.0, -1.0],  # never
        ]
    )
    be = break_even(roi)
    assert (be.p50_month, be.share, be.horizon) == (4.0, pytest.approx(2 / 3), 4)
    assert format_break_even(be) == (
        "Break-even (cumulative ROI > 0): P50 month 4; 67% of runs within 4 months"
    )


def test_break_even_roi_exactly_zero_or_missing_is_not_break_even():
    be = break_even(np.array([[0.0, NAN, 0.5], [NAN, 0.0, -0.1], [-1.0, -1.0, -1.0]]))
    assert be.share == pytest.approx(1 / 3)
    assert math.isinf(be.p50_month)
    assert format_break_even(be) == (
        "Break-even (cumulative ROI > 0): P50 after month 3; 33% of runs within 3 months"
    )


def test_break_even_when_no_run_breaks_even():
    be = break_even(np.full((5, 6), -0.5))
    assert be.share == 0.0
    assert format_break_even(be) == "Break-even (cumulative ROI > 0): no run within 6 months"


def test_break_even_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        break_even(np.zeros(3))


def test_header_line_names_scenario_engine_runs_seed_time_and_throughput():
    p = Provenance(
        scenario_name="Startup",
        scenario_hash="0" * 64,
        scenario_path="scenarios/startup.toml",
        seed=42,
        engine="des",
        runs=1000,
        months=18,
        flysim_version="0.1.0",
        created="2026-01-01T00:00:00+00:00",
        wall_time_s=2.5,
    )
    assert header_line(p) == (
        "Startup · engine des · 1,000 runs · 18 months · seed 42 · 2.50 s · 400.0 runs/s"
    )


def test_format_break_even_rounds_the_share_to_whole_percent():
    line = format_break_even(BreakEven(p50_month=7.0, share=0.834, horizon=18))
    assert line == "Break-even (cumulative ROI > 0): P50 month 7; 83% of runs within 18 months"
