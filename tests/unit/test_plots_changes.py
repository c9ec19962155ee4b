"""A plan's dated changes on the charts: a thin line at each change's time, numbered, with a key."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from flysim.metrics.names import METRICS
from flysim.plots import compare_fan, dashboard, fan_chart
from flysim.plots.changes import (
    CHANGE_GID,
    CHANGE_LABEL_GID,
    CHANGE_NOTE_GID,
    change_footnote,
    checked_changes,
    mark_changes,
)
from flysim.plots.compare import merged_changes
from flysim.plots.data import RunsData
from flysim.result import Provenance, SimulationResult
from tests import builders

RUNS, MONTHS = 30, 18

#: Four changes, two of them in consecutive months (3 and 4), one a ramp.
FOUR = [
    (3, "month 4: move 30 % of ads into referral rewards"),
    (4, "month 5: price up"),
    (8, "months 9-12: content ramps up"),
    (5, "month 6: automated health interventions go live"),
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data(months: int = MONTHS) -> RunsData:
    rng = np.random.default_rng(1)
    t = np.arange(1, months + 1)
    values = {m: rng.gamma(2.0, 50.0, size=(RUNS, months)) * t for m in METRICS}
    values["nps"] = rng.normal(30.0, 8.0, size=(RUNS, months))
    return RunsData(values, "Plan")


def _lines(ax) -> list[float]:
    return [float(line.get_xdata()[0]) for line in ax.get_lines() if line.get_gid() == CHANGE_GID]


def _texts(container, gid) -> list[str]:
    return [t.get_text() for t in container.findobj(lambda a: a.get_gid() == gid)]


def _result_with(changes: list[dict], months: int = MONTHS) -> SimulationResult:
    # An 18-month plan; the result may have simulated fewer months (--months).
    scenario = builders.scenario(builders.minimal(), changes=changes)
    rng = np.random.default_rng(2)
    data = rng.gamma(2.0, 50.0, size=(RUNS, months, len(METRICS)))
    provenance = Provenance(
        scenario_name="Plan",
        scenario_hash="0" * 64,
        scenario_path=None,
        seed=1,
        engine="mc",
        runs=RUNS,
        months=months,
        flysim_version="0.0.0",
        created="2026-01-01T00:00:00Z",
        wall_time_s=0.0,
    )
    return SimulationResult(data, scenario, provenance)


# -- the fan chart ---------------------------------------------------------------------------


def test_a_fan_chart_draws_a_line_at_each_change_time_with_its_number_and_note():
    ax = fan_chart(_data(), "mrr", changes=FOUR)
    # month = 4 takes effect at t = 3 months: the line stands at x = 3, the month-3 point
    assert sorted(_lines(ax)) == [3.0, 4.0, 5.0, 8.0]
    # numbered in time order, whatever order they were given in
    assert sorted(_texts(ax, CHANGE_LABEL_GID)) == ["1", "2", "3", "4"]
    [note] = _texts(ax, CHANGE_NOTE_GID)
    assert note.startswith("Changes: 1 month 4: move 30 % of ads")
    assert "2 month 5: price up" in note and "3 month 6: automated" in note
    assert "4 months 9-12: content ramps up" in note
    # the lines are thin and span the axes' height, under the median
    line = next(a for a in ax.get_lines() if a.get_gid() == CHANGE_GID)
    assert line.get_linewidth() <= 1.0
    assert tuple(line.get_ydata()) == (0, 1)


def test_a_fan_chart_without_changes_draws_no_marker():
    for changes in (None, []):
        ax = fan_chart(_data(), "mrr", changes=changes)
        gids = {a.get_gid() for a in ax.findobj()}
        assert not gids & {CHANGE_GID, CHANGE_LABEL_GID, CHANGE_NOTE_GID}


def test_badges_of_changes_a_month_apart_do_not_overlap():
    fig = Figure(figsize=(8.0, 4.5), layout="constrained")
    ax = fan_chart(_data(), "mrr", ax=fig.add_subplot(), changes=FOUR)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer) for t in ax.findobj(lambda a: a.get_gid() == CHANGE_LABEL_GID)
    ]
    assert len(boxes) == 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # the key is inside the figure, under the axes
    [note] = ax.findobj(lambda a: a.get_gid() == CHANGE_NOTE_GID)
    extent = note.get_window_extent(renderer)
    assert extent.y0 >= 0 and extent.y1 < ax.get_window_extent(renderer).y0


def test_two_changes_in_one_month_share_one_line_and_badge():
    ax = fan_chart(_data(), "mrr", changes=[(3, "month 4: a"), (3, "month 4: b")])
    assert _lines(ax) == [3.0]
    assert _texts(ax, CHANGE_LABEL_GID) == ["1,2"]


def test_a_change_after_the_last_month_is_in_the_key_but_draws_no_line():
    ax = fan_chart(_data(months=6), "mrr", changes=[(3, "month 4: a"), (9, "month 10: b")])
    assert _lines(ax) == [3.0]


def test_an_overlay_on_marked_axes_does_not_mark_again():
    ax = fan_chart(_data(), "mrr", changes=FOUR[:1], label="a")
    fan_chart(_data(), "mrr", ax=ax, changes=FOUR[:1], label="b")
    assert _lines(ax) == [3.0]


# -- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_marks_every_panel_and_keys_the_numbers_once():
    fig = dashboard(_data(), changes=FOUR)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    for ax in panels:
        assert sorted(_lines(ax)) == [3.0, 4.0, 5.0, 8.0], ax.get_title()
        assert sorted(_texts(ax, CHANGE_LABEL_GID)) == ["1", "2", "3", "4"]
        assert _texts(ax, CHANGE_NOTE_GID) == []  # one key for the figure, not one a panel
    key = fig.get_supxlabel()
    assert key.startswith("Changes: 1 month 4: move 30 %")
    assert "4 months 9-12: content ramps up" in key


def test_the_dashboard_without_changes_is_unchanged():
    fig = dashboard(_data())
    assert fig.get_supxlabel() == ""
    for ax in fig.axes:
        assert _lines(ax) == []


# -- a comparison -------------------------------------------------------------------------------


def test_compare_fan_marks_each_scenarios_changes_naming_the_scenario():
    results = {"base": _data(), "plan": _data()}
    ax = compare_fan(results, "mrr", changes={"base": [], "plan": FOUR[:2]})
    assert sorted(_lines(ax)) == [3.0, 4.0]
    [note] = _texts(ax, CHANGE_NOTE_GID)
    assert "1 plan: month 4: move 30 %" in note and "2 plan: month 5: price up" in note


def test_compare_fan_without_changes_draws_no_marker():
    ax = compare_fan({"base": _data(), "plan": _data()}, "mrr")
    assert _lines(ax) == [] and _texts(ax, CHANGE_NOTE_GID) == []


def test_merged_changes_keeps_a_shared_change_once_unnamed():
    shared = (3, "month 4: a")
    merged = merged_changes({"x": [shared], "y": [shared, (5, "month 6: b")]})
    assert merged == [shared, (5, "y: month 6: b")]
    assert merged_changes(None) == [] and merged_changes({"x": []}) == []


# -- the helpers --------------------------------------------------------------------------------


def test_the_footnote_packs_entries_into_lines_and_never_splits_one():
    text = change_footnote(FOUR, width=60)
    lines = text.splitlines()
    assert len(lines) > 1 and lines[0].startswith("Changes: 1 ")
    assert all(len(line) <= 62 or line.count("·") <= 1 for line in lines)
    assert change_footnote(None) == change_footnote([]) == ""


def test_long_labels_are_shortened_in_the_key():
    text = change_footnote([(3, "month 4: " + "a very long note " * 10)])
    assert text.endswith("…") and len(text) < 100


def test_a_negative_month_is_an_error():
    with pytest.raises(ValueError, match="0-based"):
        checked_changes([(-1, "x")])


def test_mark_changes_returns_the_axes_and_draws_nothing_for_none():
    ax = plt.figure().add_subplot()
    assert mark_changes(ax, None) is ax
    assert ax.get_lines() == []


# -- the result passes its scenario's changes -----------------------------------------------------

CHANGES = [
    {"month": 4, "note": "cut ads", "set": {"attract.paid.budget_per_month": 500.0}},
    {"from_month": 7, "to_month": 9, "set": {"costs.stack_per_month": 200.0}},
    {"month": 12, "note": "after the months run", "set": {"costs.stack_per_month": 300.0}},
]


def test_the_result_knows_its_changes_within_its_months():
    result = _result_with(CHANGES, months=10)
    assert result.changes == [(3, "month 4: cut ads"), (6, "months 7-9: costs.stack_per_month")]
    assert _result_with([]).changes == []


def test_the_results_changes_are_what_the_charts_take():
    result = _result_with(CHANGES, months=10)
    ax = fan_chart(result, "mrr", changes=result.changes)
    assert sorted(_lines(ax)) == [3.0, 6.0]
    fig = dashboard(result, changes=result.changes)
    assert all(sorted(_lines(ax)) == [3.0, 6.0] for ax in fig.axes if ax.get_visible())
    assert "1 month 4: cut ads" in fig.get_supxlabel()


def test_a_saved_plan_marks_its_changes_on_its_figures(tmp_path, monkeypatch):
    seen = {}

    def save_figures(result, folder, *, changes=None):
        seen["changes"] = changes
        return []

    import flysim.plots.output

    monkeypatch.setattr(flysim.plots.output, "save_figures", save_figures)
    _result_with(CHANGES, months=10).save(tmp_path / "out")
    assert seen["changes"] == [(3, "month 4: cut ads"), (6, "months 7-9: costs.stack_per_month")]
