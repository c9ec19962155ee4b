"""The HTML report: self-contained (nothing fetched), every table and figure in it, the diff."""

from __future__ import annotations

import re

import pytest

import flysim
from flysim.report import build_report, report_content
from flysim.report.content import scenario_diff
from flysim.report.figures import COMPARE_FIGURE_KPIS
from tests import builders


@pytest.fixture(scope="module")
def comparison():
    base = builders.scenario(builders.tiny())
    cheap = builders.scenario(
        builders.tiny(**{"scenario.name": "Cheap", "attract.paid.budget_per_month": 500.0})
    )
    return flysim.compare([base, cheap], runs=20, seed=3, workers=1)


@pytest.fixture(scope="module")
def comparison_html(comparison):
    return build_report(comparison)


def _assert_self_contained(html: str) -> None:
    # no resource is fetched: every src and href is inline data or an in-page anchor
    for attr, value in re.findall(r'\b(src|href)\s*=\s*"([^"]*)"', html):
        assert value.startswith(("data:", "#")), (attr, value[:80])
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html.split("<body>")[0])
    assert "<script" not in html and "@import" not in html and "url(" not in html


def test_a_comparison_report_is_self_contained_with_every_table_and_figure(
    comparison, comparison_html
):
    html = comparison_html
    _assert_self_contained(html)
    for table_id in ("scenarios", "differences", "kpis-0", "decisions", "provenance"):
        assert f'<table id="{table_id}">' in html, table_id
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]{1000,})"', html)
    # a fan chart per headline KPI, each scenario's dashboard, the flows
    assert len(images) == len(COMPARE_FIGURE_KPIS) + 2 + 1
    for result in comparison.results:  # provenance: every scenario's hash, the seed, the runs
        assert result.provenance.scenario_hash in html
    assert "seed 3" in html and "20 runs per scenario" in html
    assert "Δ median" in html and "Δ mean" in html


def test_what_differs_lists_exactly_the_changed_keys(comparison):
    content = report_content(comparison)
    keys = [row[0] for row in content.differences.rows]
    assert keys == ["attract.paid.budget_per_month"]
    assert content.differences.rows[0][1:] == ["1,000", "500"]
    assert scenario_diff([{"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}]) == [("a.c", [2, 3])]


def test_a_run_report_has_its_kpis_decisions_dashboard_and_flows():
    result = flysim.simulate(builders.scenario(builders.tiny()), runs=10, seed=1, workers=1)
    html = build_report(result)
    _assert_self_contained(html)
    for table_id in ("scenarios", "kpis-0", "decisions", "provenance"):
        assert f'<table id="{table_id}">' in html, table_id
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 2
    assert "Month 6" in html and result.provenance.scenario_hash in html
