"""The metric catalogue: one entry per metric, read by tables, plots, compare and the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import flysim
from flysim.cli.tables import KPI_LABELS, KPIS, format_value, is_percent
from flysim.engines import RAW_FIELDS, RAW_INDEX, STOCKS
from flysim.metrics import names
from flysim.metrics.catalogue import (
    CATALOGUE,
    LOWER_IS_BETTER,
    Metric,
    catalogue_markdown,
    metric_info,
)
from flysim.plots.style import METRIC_STYLES, metric_style

MODEL_DOC = Path(flysim.__file__).parents[1] / "docs" / "model.md"


def test_the_catalogue_lists_every_metric_in_output_order():
    assert tuple(CATALOGUE) == names.METRICS
    assert all(m.name == key for key, m in CATALOGUE.items())


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        (names.FLOWS, "flow"),
        (names.STOCKS, "stock"),
        (names.MONEY, "money"),
        (names.DERIVED, "ratio"),
    ],
)
def test_each_metric_has_the_kind_of_its_group(group, kind):
    assert {CATALOGUE[m].kind for m in group} == {kind}


def test_every_entry_is_complete():
    for m in CATALOGUE.values():
        assert m.title and m.label and m.unit and m.definition, m.name
        assert m.direction in ("higher", "lower", "neither"), m.name
        for bench in m.benchmarks:
            assert bench.label and (bench.high is None or bench.high > bench.low), m.name


def test_lower_is_better_is_the_catalogues_direction():
    assert {"cac", "churn_rate_annual", "payback_months", "spend_total"} <= LOWER_IS_BETTER
    assert {m.name for m in CATALOGUE.values() if m.direction == "lower"} == LOWER_IS_BETTER
    assert "mrr" not in LOWER_IS_BETTER


def test_the_article_benchmarks_are_in_the_catalogue():
    assert CATALOGUE["ltv_cac"].benchmarks[0].low == 3.0
    assert CATALOGUE["nps"].benchmarks[0].low == 50.0
    share = CATALOGUE["customer_generated_revenue_share"].benchmarks[0]
    assert (share.low, share.high) == (0.20, 0.30)
    assert CATALOGUE["organic_growth_rate"].benchmarks[0].low == 0.15


def test_an_unknown_name_gets_a_plain_entry():
    entry = metric_info("my_column")
    assert isinstance(entry, Metric)
    assert (entry.title, entry.display, entry.direction) == ("My column", "count", "neither")


def test_plots_and_tables_read_the_catalogue():
    assert METRIC_STYLES is CATALOGUE
    assert metric_style("mrr") is CATALOGUE["mrr"]
    assert {m: CATALOGUE[m].label for m in KPIS} == KPI_LABELS
    assert is_percent("referral_rate") and not is_percent("mrr")
    assert format_value("spend_total", 1234.5) == "1,234"  # money, as the catalogue says
    assert CATALOGUE["mrr"].table_label("EUR") == "MRR (EUR)"


def test_the_record_layout_is_the_engine_contract():
    assert names.RAW_FIELDS is RAW_FIELDS and names.RAW_INDEX is RAW_INDEX
    assert names.STOCKS is STOCKS
    assert [RAW_FIELDS[i] for i in RAW_INDEX.values()] == list(RAW_FIELDS)


def test_every_metric_is_documented_in_model_md():
    text = MODEL_DOC.read_text(encoding="utf-8")
    section = text[text.index("## Metrics") :]
    missing = [m for m in CATALOGUE if not re.search(rf"`{m}`", section)]
    assert not missing


def test_model_md_shows_the_catalogue_as_it_is():
    assert catalogue_markdown() in MODEL_DOC.read_text(encoding="utf-8")
