"""The drivers chart and the drivers table read plain frames (issue 10)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from flysim.cli.uncertain_tables import drivers_note, drivers_table
from flysim.plots import drivers_chart, drivers_figure

TABLE = pd.DataFrame(
    {
        "input": ["attract.paid.conversion", "engage.upsell_per_month", "revenue.gross_margin"],
        "share": [0.2, 0.7, 0.0],
        "ci_low": [0.1, 0.6, np.nan],
        "ci_high": [0.3, 0.8, np.nan],
    }
)


def test_bars_are_sorted_largest_first_with_whiskers_where_there_is_an_interval():
    ax = drivers_chart(TABLE, "Customers", month=18, ax=Figure().add_subplot())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["engage.upsell_per_month", "attract.paid.conversion", "revenue.gross_margin"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([0.7, 0.2, 0.0])
    assert "Customers at month 18" in ax.get_title(loc="left")
    assert "more than 100 %" in ax.get_xlabel()
    # One error bar collection for the two rows with an interval.
    assert len(ax.collections) == 1 and len(ax.collections[0].get_segments()) == 2


def test_a_table_without_a_column_is_refused():
    with pytest.raises(KeyError, match="ci_low"):
        drivers_chart(TABLE.drop(columns="ci_low"), "Customers")


def test_the_figure_has_one_panel_per_metric_and_the_table_one_row_per_input():
    frame = pd.concat(
        [TABLE.assign(metric=m, month=12, runs=500) for m in ("customers", "mrr")],
        ignore_index=True,
    )
    fig = drivers_figure(frame, fig=Figure())
    assert len(fig.axes) == 2
    table = drivers_table(frame)
    assert table.row_count == 3 and len(table.columns) == 3
    assert "more than 100 %" in drivers_note(frame, correlated=True)
    assert "independent" in drivers_note(frame, correlated=False)
