"""The KPI table of a plan with dated changes: the month before and after each, labelled."""

from __future__ import annotations

import pandas as pd
import pytest

from flysim.cli.layout import fit_tables, render_width, table_markdown
from flysim.cli.tables import (
    KPIS,
    change_caption,
    change_header,
    kpi_frame,
    kpi_layouts,
    kpi_table,
    table_months,
)
from flysim.metrics.catalogue import metric_info

#: A plan as ``SimulationResult.changes`` gives it: month 4, month 6, a ramp from month 7.
PLAN = [
    (3, "month 4: move 30 % of ads into referral rewards"),
    (5, "month 6: automated health interventions go live"),
    (6, "months 7-12: attract.organic.cost_per_month"),
]


#: As wide as a real run of the start-up scenario gives, per display (README's table).
_VALUES = {
    "money": (-1_704.0, 21_461.0, 26_763.0),
    "count": (113.0, 132.0, 150.0),
    "percent": (-0.259, 1.107, 1.386),
    "ratio": (8.45, 19.70, 40.14),
}


def _summary(horizon: int = 18, metrics=KPIS) -> pd.DataFrame:
    """Every KPI and month with real-width cells (``summary.csv`` columns)."""
    rows = []
    for metric in metrics:
        p5, p50, p95 = _VALUES.get(metric_info(metric).display, (-20.0, 44.8, 53.8))
        for month in range(1, horizon + 1):
            rows.append((metric, month, p5, p50 + month, p95 + month, 0))
    frame = pd.DataFrame(rows, columns=["metric", "month", "p5", "p50", "p95", "missing"])
    frame.insert(2, "mean", frame["p50"])
    return frame


def _headers(table) -> list[str]:
    return [str(c.header) for c in table.columns]


@pytest.mark.parametrize(
    ("horizon", "changes", "expected"),
    [
        (18, [], [3, 6, 12, 18]),
        (18, PLAN, [3, 4, 5, 6, 7, 12, 18]),
        (18, [(8, "month 9: price")], [3, 6, 8, 9, 12, 18]),
        # a change in month 1 has no month before it
        (18, [(0, "month 1: launch")], [1, 3, 6, 12, 18]),
        # the month after a change at the horizon's end is past it
        (6, [(5, "month 6: x")], [3, 5, 6]),
    ],
)
def test_table_months_add_the_month_before_and_after_each_change(horizon, changes, expected):
    assert table_months(horizon, changes) == expected


def test_the_first_month_a_change_affects_is_labelled_with_its_number_and_note():
    table = kpi_table(_summary(), 18, changes=PLAN)
    headers = _headers(table)
    assert headers[0] == "KPI"
    assert headers[1:3] == ["Month 3", "Month 4\n▸1 move 30 % of ads…"]
    assert headers[3] == "Month 5"
    assert headers[4].startswith("Month 6\n▸2 automated")
    assert headers[5].startswith("Month 7\n▸3 attract.organic")
    assert headers[6:] == ["Month 12", "Month 18"]
    # a header's note is no wider than a cell, so it never widens the column
    widest_cell = max(len(c) for col in table.columns[1:] for c in col.cells)
    assert all(len(line) <= widest_cell for h in headers[1:] for line in h.splitlines())
    caption = str(table.caption).splitlines()
    assert "▸1 month 4: move 30 % of ads into referral rewards" in caption
    assert "▸2 month 6: automated health interventions go live" in caption
    assert "▸3 months 7-12: attract.organic.cost_per_month" in caption
    assert any("first month a change affects" in line for line in caption)


def test_changes_in_one_month_share_its_header():
    both = [(3, "month 4: a"), (3, "month 4: b")]
    assert change_header(4, both) == "Month 4\n▸1 ▸2"
    assert change_header(3, both) == "Month 3"
    assert change_caption(both)[:2] == ["▸1 month 4: a", "▸2 month 4: b"]


def test_without_changes_the_table_is_as_before():
    table = kpi_table(_summary(), 18)
    assert _headers(table) == ["KPI", "Month 3", "Month 6", "Month 12", "Month 18"]
    assert "▸" not in str(table.caption)
    assert change_caption([]) == []


def test_the_plan_table_fits_100_columns_with_each_change_beside_the_month_before():
    tables = fit_tables(kpi_layouts(_summary(), 18, runs=1000, changes=PLAN), 100)
    assert render_width(tables) <= 100
    months = [[h.splitlines()[0] for h in _headers(t)[1:]] for t in tables]
    assert months == [
        ["Month 3", "Month 4"],
        ["Month 5", "Month 6"],
        ["Month 7", "Month 12"],
        ["Month 18"],
    ]
    # the caption, with the changes' key, once under the last table
    assert [t.caption is None for t in tables] == [True, True, True, False]
    assert "▸1 month 4" in str(tables[-1].caption)


def test_split_tables_caption_counts_the_missing_runs_of_every_month():
    summary = _summary()
    early = (summary["metric"] == "cac") & (summary["month"] == 3)
    summary.loc[early, "missing"] = 66
    summary.loc[(summary["metric"] == "cac") & (summary["month"] == 18), "missing"] = 3
    tables = fit_tables(kpi_layouts(summary, 18, runs=1000), 60)
    assert len(tables) > 1 and [t.caption is None for t in tables][-1] is False
    assert "* missing in up to 66 of 1,000 runs" in str(tables[-1].caption)


def test_a_change_whose_month_before_is_a_report_month_stays_beside_it():
    tables = fit_tables(kpi_layouts(_summary(), 18, changes=[(6, "month 7: x")]), 100)
    months = [[h.splitlines()[0] for h in _headers(t)[1:]] for t in tables]
    assert ["Month 6", "Month 7"] in months


def test_the_wide_layout_shows_every_month_side_by_side():
    [table] = kpi_layouts(_summary(), 18, changes=PLAN)[0]
    assert len(table.columns) == 1 + 7


def test_markdown_puts_the_change_in_the_header_on_one_line():
    [table] = kpi_layouts(_summary(), 18, metrics=["mrr"], changes=PLAN)[0]
    text = table_markdown(table)
    assert "| KPI | Month 3 | Month 4 ▸1 move 30 % of ads… | Month 5 |" in text
    assert "▸1 month 4: move 30 % of ads into referral rewards" in text


def test_the_kpi_frame_has_the_months_around_the_changes():
    frame = kpi_frame(_summary(), 18, metrics=["mrr"], changes=PLAN)
    assert list(frame["month"]) == [3, 4, 5, 6, 7, 12, 18]
    assert list(kpi_frame(_summary(), 18, metrics=["mrr"])["month"]) == [3, 6, 12, 18]
