"""Tables fitted to the terminal: no line wider than it, no cell wrapped, and the other formats."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from flysim.cli.layout import (
    fit_tables,
    fold_header,
    frame_json,
    parse_kpis,
    render_width,
    table_markdown,
)
from flysim.cli.study_tables import compare_layouts, decisions_table
from flysim.cli.tables import KPIS, format_cell, kpi_frame, kpi_layouts
from flysim.metrics.catalogue import metric_info
from flysim.metrics.names import METRICS
from flysim.study.compare import COMPARE_KPIS

#: Wide but real values per display: six-figure money, signed percentages, three-digit ratios.
_VALUES = {
    "money": (-12_345.6, 123_456.7, 987_654.3),
    "count": (1_234.0, 12_345.0, 123_456.0),
    "percent": (-0.274, 0.318, 0.764),
    "ratio": (35.56, 107.31, 472.83),
}


def _values(metric: str, i: int) -> tuple[float, float, float]:
    display = metric_info(metric).display
    p5, p50, p95 = _VALUES.get(display, (-12.5, 45.6, 98.7))
    step = {"money": 10.0, "count": 10.0, "percent": 0.001}.get(display, 0.1)
    return p5, p50 + step * i, p95  # a P50 per metric, so each row's cells are told apart


def _summary(months: int = 18) -> pd.DataFrame:
    """Every KPI at every month, with values as wide as real runs give."""
    rows = []
    for i, metric in enumerate(KPIS):
        p5, p50, p95 = _values(metric, i)
        for month in range(1, months + 1):
            rows.append(dict(metric=metric, month=month, mean=p50, p5=p5, p25=p5, p50=p50,
                             p75=p95, p95=p95, missing=month % 2))  # fmt: skip
    return pd.DataFrame(rows)


def _comparison(names: list[str]) -> pd.DataFrame:
    rows = []
    for j, metric in enumerate(COMPARE_KPIS):
        for month in (12, 18):
            for i, name in enumerate(names):
                p5, p50, p95 = _values(metric, 10 * j + i)
                diff = (np.nan,) * 5 if i == 0 else (-p50, -p95, p5, 1.0, -p50 / 2)
                rows.append(dict(metric=metric, month=month, scenario=name, p5=p5, p50=p50,
                                 p95=p95, diff_mean=diff[0], diff_low=diff[1], diff_high=diff[2],
                                 p_better=diff[3], diff_median=diff[4]))  # fmt: skip
    return pd.DataFrame(rows)


def _render(tables, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    for table in tables:
        console.print(table)
    return console.file.getvalue()


def _assert_fits(tables, width: int) -> str:
    text = _render(tables, width)
    widest = max(len(line.rstrip()) for line in text.splitlines())
    assert widest <= width, (widest, text)
    return text


@pytest.mark.parametrize("width", [80, 120])
def test_the_kpi_table_fits_the_terminal_without_wrapping_a_cell(width):
    summary = _summary()
    tables = fit_tables(kpi_layouts(summary, 18, runs=1000), width)
    text = _assert_fits(tables, width)
    # every month's cell of every KPI is printed whole, on one line
    for i, metric in enumerate(KPIS):
        assert text.count(format_cell(metric, *_values(metric, i))) == 4, (metric, text)
    for month in (3, 6, 12, 18):
        assert f"Month {month}" in text


def test_a_wide_terminal_gets_every_month_side_by_side_and_a_narrow_one_fewer():
    layouts = kpi_layouts(_summary(), 18)
    assert len(fit_tables(layouts, 400)) == 1  # one table, months 3 to 18 as columns
    assert len(fit_tables(layouts, 80)) == 4  # a table per month
    assert render_width(fit_tables(layouts, 120)) <= 120


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("n", [2, 4])
def test_the_compare_tables_fit_the_terminal_without_wrapping_a_cell(width, n):
    names = ["funnel", "flywheel", "scaleup", "enterprise"][:n]
    frame = _comparison(names)
    tables = fit_tables(compare_layouts(frame, [12, 18], names), width)
    text = _assert_fits(tables, width)
    for i in range(n):  # each scenario's MRR cell at months 12 and 18, whole
        cell = format_cell("mrr", *_values("mrr", 10 * COMPARE_KPIS.index("mrr") + i))
        assert text.count(cell) == 2, text
    assert "Δ median" in text and "Δ mean" in text
    decisions = pd.DataFrame(
        [dict(scenario=s, decision=f"payback <= 12 months at month {m}", probability=0.5,
              low=0.4, high=0.6) for s in names for m in (17, 18)]
    )  # fmt: skip
    _assert_fits(
        fit_tables([[decisions_table(decisions)], [decisions_table(decisions, long=True)]], width),
        width,
    )


def test_markdown_csv_and_json_carry_the_same_kpis():
    summary = _summary()
    table = kpi_layouts(summary, 18, metrics=["mrr", "cac"])[0][0]
    md = table_markdown(table).splitlines()
    assert md[0] == "| KPI | Month 3 | Month 6 | Month 12 | Month 18 |"
    assert md[1] == "|---|---:|---:|---:|---:|"
    assert md[2].startswith("| MRR (EUR) | 123,467 [-12,346 to 987,654]")
    frame = kpi_frame(summary, 18, metrics=["mrr", "cac"])
    assert list(frame["metric"]) == ["mrr"] * 4 + ["cac"] * 4
    assert {"p25", "p75", "label", "unit"} <= set(frame.columns)
    data = json.loads(frame_json({"seed": 1, "x": float("nan")}, {"kpis": frame}))
    assert data["seed"] == 1 and data["x"] is None and len(data["kpis"]) == 8


def test_kpis_are_picked_by_name_and_an_unknown_one_points_to_flysim_metrics():
    assert parse_kpis(None, METRICS, KPIS) == list(KPIS)
    assert parse_kpis("mrr, cac", METRICS, KPIS) == ["mrr", "cac"]
    assert parse_kpis("all", METRICS, KPIS) == list(METRICS)
    with pytest.raises(ValueError, match=r"'ltv_cacc'; did you mean 'ltv_cac'\? 'flysim metrics'"):
        parse_kpis("mrr,ltv_cacc", METRICS, KPIS)


@pytest.mark.parametrize("width", [23, 40, 64, 80, 93, 94, 200])
def test_a_header_folds_only_at_its_separators_within_the_width(width: int) -> None:
    parts = ["startup vs scaleup", "300 runs each", "18 months", "seed 20240101"]
    parts += ["common random numbers", "0.6 s"]
    folded = fold_header(" · ".join(parts), width)
    lines = folded.splitlines()
    assert all(len(line) <= width for line in lines)
    # Nothing lost or cut: the lines are the parts, in order, each whole.
    assert " ".join(lines).replace(" · ", "|").replace(" ·", "|").split("|") == parts
    # One line when it fits; no line that could take the next part (and its mark).
    assert (len(lines) == 1) == (width >= len(" · ".join(parts)))
    for i, (line, following) in enumerate(itertools.pairwise(lines)):
        mark = 2 if i + 2 < len(lines) or " · " in following else 0
        assert len(line) + 1 + len(following.split(" · ")[0]) + mark > width


def test_a_part_wider_than_the_terminal_keeps_a_line_of_its_own() -> None:
    assert fold_header("a · " + "x" * 30 + " · b", 10) == "a ·\n" + "x" * 30 + " ·\nb"
