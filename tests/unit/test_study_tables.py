"""The tables the study commands print: exact formatting."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.console import Console

from flysim.cli.study_tables import (
    _percent,
    compare_table,
    decisions_table,
    format_diff,
    sensitivity_table,
)


def render(table) -> str:
    console = Console(width=250, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_differences_are_signed_and_percentages_are_in_points():
    assert format_diff("mrr", 1234.0, 1100.0, 1400.0) == "+1,234 [+1,100 to +1,400]"
    assert format_diff("churn_rate_annual", -0.021, -0.025, -0.017) == ("-2.1 pp [-2.5 to -1.7]")
    assert format_diff("nps", 3.25, 2.0, 4.5) == "+3.2 [+2.0 to +4.5]"
    assert format_diff("cac", np.nan, np.nan, np.nan) == "–"


def test_probabilities_keep_a_decimal_only_near_0_and_100_percent():
    assert [_percent(p) for p in (0.0, 0.0038, 0.24, 0.9962, 1.0)] == [
        "0",
        "0.4",
        "24",
        "99.6",
        "100",
    ]


def test_the_compare_table_has_a_row_per_kpi_and_paired_columns_per_scenario():
    rows = []
    for metric in ("mrr", "cac"):
        rows.append(dict(metric=metric, month=12, scenario="A", p5=1, p50=2, p95=3))
        rows.append(
            dict(metric=metric, month=12, scenario="B", p5=2, p50=3, p95=4, diff_mean=1.0,
                 diff_low=0.5, diff_high=1.5, p_better=0.75, diff_median=0.25)
        )  # fmt: skip
    table = compare_table(pd.DataFrame(rows), 12, ["A", "B"])
    headers = [str(c.header).replace("\n", " ") for c in table.columns]
    # which statistic is which: the median and the mean of the paired differences
    assert headers == ["KPI", "A", "B", "Δ median B", "Δ mean [95 % CI] B − A", "P(B better)"]
    text = render(table)
    assert "+0.25" in text and "+1.00 [+0.50 to +1.50]" in text
    assert "CAC ↓" in text  # lower is better is marked
    assert text.count("75%") == 2


def test_the_decisions_table_has_a_column_per_decision():
    frame = pd.DataFrame(
        [
            dict(scenario="A", decision="d1", probability=0.5, low=0.4, high=0.6),
            dict(scenario="A", decision="d2", probability=0.0, low=0.0, high=0.004),
        ]
    )
    text = render(decisions_table(frame))
    assert "P(d1)" in text and "P(d2)" in text
    assert "50% [40 to 60]" in text and "0% [0 to 0.4]" in text


def test_the_oat_table_shows_changes_from_the_base_with_their_half_widths():
    frame = pd.DataFrame(
        [dict(param="k", low=1.0, high=2.0, base=1.5, y_low=90.0, y_high=120.0, y_base=100.0,
              ci_low=3.0, ci_high=4.0, swing=30.0)]
    )  # fmt: skip
    text = render(sensitivity_table(frame, "oat", "customers", 18))
    assert "-10 ± 3" in text and "+20 ± 4" in text
