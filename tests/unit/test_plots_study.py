"""Unit tests of the sweep and sensitivity charts: what is drawn equals the frame it was given."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.image import AxesImage

from flysim.plots import output
from flysim.plots.fan import BAND_GID, MEDIAN_GID
from flysim.plots.formatting import (
    NumberFormatter,
    PercentTickFormatter,
    format_distinct,
    format_value,
)
from flysim.plots.labels import param_label
from flysim.plots.sensitivity import index_bars, tornado
from flysim.plots.style import INK
from flysim.plots.sweep import STATISTIC_LABELS, sweep_heatmap, sweep_line

BUDGET = "attract.paid.budget_per_month"
RATE = "delight.referral.reward_rate"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def sweep_frame(
    points: dict[str, list[float]], metric: str = "mrr", month: int = 12
) -> pd.DataFrame:
    """A sweep frame over the grid of ``points``; the statistics follow the grid position."""
    rows = []
    for values in itertools.product(*points.values()):
        centre = 1000.0 + sum(10.0 ** (k + 2) * v for k, v in enumerate(values))
        stats = {f"p{p}": centre + (p - 50) * 10.0 for p in (5, 25, 50, 75, 95)}
        rows.append(
            dict(zip(points, values, strict=True))
            | {"metric": metric, "month": month, "runs": 100, "mean": centre + 1.0, "se": 2.0}
            | stats
            | {"missing_share": 0.0}
        )
    # Shuffled, so that the plots must sort by parameter value themselves.
    return pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)


def bar_containers(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def xerr_spans(ax: Axes) -> list[tuple[float, float, float]]:
    """(y, x_from, x_to) of every horizontal error bar on ``ax``."""
    spans = []
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            for collection in c.lines[2]:
                for seg in collection.get_segments():
                    spans.append((seg[0, 1], seg[0, 0], seg[1, 0]))
    return sorted(spans)


def tick_texts(ax: Axes, axis: str = "y") -> list[str]:
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


# --- sweep_line -------------------------------------------------------------------------------


def test_sweep_line_draws_sorted_median_and_two_bands():
    frame = sweep_frame({BUDGET: [3000.0, 1000.0, 2000.0, 4000.0]})
    ax = sweep_line(frame, BUDGET)
    assert isinstance(ax, Axes)
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == MEDIAN_GID]
    data = frame.sort_values(BUDGET)
    np.testing.assert_array_equal(line.get_xdata(), [1000.0, 2000.0, 3000.0, 4000.0])
    np.testing.assert_array_equal(line.get_ydata(), data["p50"].to_numpy())
    gids = sorted(c.get_gid() for c in ax.collections)
    assert gids == sorted([BAND_GID.format(low=5, high=95), BAND_GID.format(low=25, high=75)])
    # The wider band is the lighter one.
    alphas = {c.get_gid(): c.get_alpha() for c in ax.collections}
    assert alphas[BAND_GID.format(low=5, high=95)] < alphas[BAND_GID.format(low=25, high=75)]
    band = next(c for c in ax.collections if c.get_gid() == BAND_GID.format(low=5, high=95))
    ys = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(ys.min(), data["p5"].min()) and np.isclose(ys.max(), data["p95"].max())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "median (P50)" and any("P5–P95" in t for t in legend)
    # axes say what the lever is and its unit, not the raw key
    assert ax.get_xlabel() == "Paid budget per month (EUR / month)"
    assert ax.get_ylabel() == "EUR per month"
    assert " ".join(ax.get_title(loc="left").split()) == (
        f"Monthly recurring revenue (MRR) at month 12 vs {BUDGET}"
    )
    assert tick_texts(ax, "x") == ["1,000", "2,000", "3,000", "4,000"]


def test_sweep_line_leaves_a_gap_where_p50_is_nan_and_notes_missing_runs():
    frame = sweep_frame({BUDGET: [1.0, 2.0, 3.0]}).sort_values(BUDGET).reset_index(drop=True)
    frame.loc[1, "p50"] = np.nan
    frame.loc[1, "missing_share"] = 0.25
    ax = sweep_line(frame, BUDGET)
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == MEDIAN_GID]
    assert np.isnan(line.get_ydata()[1]) and np.isfinite(line.get_ydata()[[0, 2]]).all()
    assert any("missing in up to 25 % of runs" in t.get_text() for t in ax.texts)


def test_sweep_line_without_missing_runs_writes_no_note_and_formats_percent():
    frame = sweep_frame({RATE: [0.02, 0.025, 0.03]}, metric="churn_rate")
    ax = sweep_line(frame, RATE)
    assert not ax.texts
    assert isinstance(ax.yaxis.get_major_formatter(), PercentTickFormatter)
    assert tick_texts(ax, "x") == ["0.020", "0.025", "0.030"]


def test_sweep_line_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert sweep_line(sweep_frame({BUDGET: [1.0, 2.0]}), BUDGET, ax=ax) is ax
    assert len(fig.axes) == 1


def test_sweep_line_rejects_a_param_not_in_the_frame():
    with pytest.raises(KeyError, match=r"param: 'evolve\.x' is not a swept parameter.*" + BUDGET):
        sweep_line(sweep_frame({BUDGET: [1.0, 2.0]}), "evolve.x")
    with pytest.raises(KeyError, match="param: 'p50' is not a swept parameter"):
        sweep_line(sweep_frame({BUDGET: [1.0, 2.0]}), "p50")


def test_sweep_line_rejects_missing_columns_and_two_parameter_frames():
    frame = sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2]})
    with pytest.raises(KeyError, match=r"frame: missing column\(s\) \['p95'\]"):
        sweep_line(frame.drop(columns="p95"), BUDGET)
    with pytest.raises(ValueError, match="param: frame has several rows per value"):
        sweep_line(frame, BUDGET)
    mixed = sweep_frame({BUDGET: [1.0, 2.0]})
    mixed.loc[0, "month"] = 24
    with pytest.raises(ValueError, match="frame: column 'month' must hold one value"):
        sweep_line(mixed, BUDGET)
    with pytest.raises(ValueError, match="frame: no rows"):
        sweep_line(mixed.iloc[:0], BUDGET)


# --- sweep_heatmap ----------------------------------------------------------------------------


def test_sweep_heatmap_grid_equals_the_pivoted_statistic():
    frame = sweep_frame({BUDGET: [3.0, 1.0, 2.0], RATE: [0.2, 0.1]}, metric="ltv_cac")
    ax = sweep_heatmap(frame, (BUDGET, RATE), statistic="p5")
    (image,) = [a for a in ax.get_images() if isinstance(a, AxesImage)]
    expected = frame.pivot(index=RATE, columns=BUDGET, values="p5").sort_index().sort_index(axis=1)
    np.testing.assert_array_equal(image.get_array(), expected.to_numpy())
    assert image.get_array().shape == (2, 3)
    assert tick_texts(ax, "x") == ["1", "2", "3"] and tick_texts(ax, "y") == ["0.1", "0.2"]
    assert len(ax.texts) == 6
    # Row 0, column 0 is the lowest budget and rate; ratios are written with "×".
    cell = next(t for t in ax.texts if t.get_position() == (0, 0))
    assert cell.get_text() == f"{expected.iloc[0, 0]:,.0f}×"
    assert ax.get_xlabel() == param_label(BUDGET) and ax.get_ylabel() == param_label(RATE)
    assert ax.get_title(loc="left") == f"LTV:CAC ratio, {STATISTIC_LABELS['p5']} at month 12"
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar


def test_the_p50_and_p5_heatmaps_of_a_sweep_share_one_colour_scale(tmp_path, monkeypatch):
    frame = sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2]}, metric="ltv_cac")
    drawn = []
    real = output.sweep_heatmap

    def spy(*args, **kwargs):
        ax = real(*args, **kwargs)
        drawn.append(ax.get_images()[0].get_clim())
        return ax

    monkeypatch.setattr(output, "sweep_heatmap", spy)
    output.save_sweep_figures(frame, [BUDGET, RATE], tmp_path)
    both = frame[["p50", "p5"]].to_numpy()
    assert drawn == [(both.min(), both.max())] * 2


def test_sweep_heatmap_text_contrasts_with_its_cell():
    frame = sweep_frame({BUDGET: [1.0, 2.0, 3.0], RATE: [0.1, 0.2]})
    ax = sweep_heatmap(frame, (BUDGET, RATE))
    colors = {t.get_position(): to_hex(t.get_color()) for t in ax.texts}
    assert colors[(0, 0)] == "#ffffff"  # lowest value: viridis' dark purple
    assert colors[(2, 1)] == to_hex(INK)  # highest value: viridis' light yellow


def test_sweep_heatmap_shows_nan_and_absent_cells_as_masked_na():
    frame = sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2]})
    frame.loc[(frame[BUDGET] == 1.0) & (frame[RATE] == 0.1), "p50"] = np.nan
    frame = frame[~((frame[BUDGET] == 2.0) & (frame[RATE] == 0.2))]  # a point never run
    ax = sweep_heatmap(frame, (BUDGET, RATE))
    grid = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(grid), [[True, False], [False, True]])
    assert sorted(t.get_position() for t in ax.texts if t.get_text() == "n/a") == [(0, 0), (1, 1)]


def test_sweep_heatmap_annotates_only_grids_up_to_12_by_12():
    frame = sweep_frame({BUDGET: list(range(13)), RATE: [0.1, 0.2]})
    ax = sweep_heatmap(frame, (BUDGET, RATE), cmap="magma")
    assert ax.get_images()[0].get_array().shape == (2, 13)
    assert not ax.texts
    assert ax.get_images()[0].get_cmap().name.startswith("magma")
    # 13 columns: every second one labelled, so the labels do not collide.
    assert tick_texts(ax, "x") == [str(i) for i in range(0, 13, 2)]


def test_sweep_heatmap_formats_the_colorbar_by_the_metric_kind():
    ax = sweep_heatmap(sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2]}), (BUDGET, RATE))
    colorbar_axes = ax.figure.axes[1]
    assert isinstance(colorbar_axes.yaxis.get_major_formatter(), NumberFormatter)
    assert colorbar_axes.get_ylabel() == "EUR per month"


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"statistic": "median"}, ValueError, r"statistic: must be one of \['p5'.*got 'median'"),
        ({"params": (BUDGET,)}, ValueError, "params: need two distinct parameter keys"),
        ({"params": (BUDGET, BUDGET)}, ValueError, "params: need two distinct parameter keys"),
        ({"params": BUDGET}, ValueError, "params: need two distinct parameter keys"),
        ({"params": (BUDGET, "x.y")}, KeyError, r"params: 'x\.y' is not a swept parameter"),
    ],
)
def test_sweep_heatmap_rejects_bad_arguments(kwargs, error, pattern):
    frame = sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2]})
    with pytest.raises(error, match=pattern):
        sweep_heatmap(frame, **({"params": (BUDGET, RATE)} | kwargs))


def test_sweep_heatmap_rejects_several_rows_per_cell():
    frame = sweep_frame({BUDGET: [1.0, 2.0], RATE: [0.1, 0.2], "evolve.x": [5.0, 6.0]})
    with pytest.raises(ValueError, match="params: frame has several rows per"):
        sweep_heatmap(frame, (BUDGET, RATE))


# --- tornado ----------------------------------------------------------------------------------


def tornado_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "param": ["a.small", "b.large", "c.middle", "d.nan"],
            "low": [1.0, 0.02, 100.0, 5.0],
            "high": [2.0, 0.08, 300.0, 6.0],
            "base": [1.5, 0.05, 200.0, 5.5],
            "y_low": [95.0, 70.0, 110.0, 99.0],
            "y_high": [103.0, 140.0, 80.0, np.nan],
            "y_base": 100.0,
            "ci_low": [1.0, 2.0, np.nan, 0.5],
            "ci_high": [1.5, 3.0, 2.5, np.nan],
        }
    )


def test_tornado_sorts_by_swing_widest_at_top():
    frame = tornado_frame()
    ax = tornado(frame, metric="customers", month=12)
    assert isinstance(ax, Axes)
    labels = tick_texts(ax)
    assert labels == [
        "Large\nb.large: 0.02 – 0.08",  # a human label, then the key and its range
        "Middle\nc.middle: 100 – 300",
        "Small\na.small: 1 – 2",
        "Nan\nd.nan: 5 – 6",  # swing unknown: last
    ]
    assert ax.yaxis_inverted()  # position 0 is the top row
    low, high = bar_containers(ax)
    assert [p.get_label() for p in (low, high)] == ["low value", "high value"]
    np.testing.assert_array_equal([b.get_x() for b in low], [100.0] * 4)
    np.testing.assert_array_equal([b.get_width() for b in low], [-30.0, 10.0, -5.0, -1.0])
    np.testing.assert_array_equal([b.get_width() for b in high][:3], [40.0, -20.0, 3.0])
    assert np.isnan(high[3].get_width())  # a NaN output draws no bar


def test_tornado_error_bars_sit_at_the_bar_ends():
    ax = tornado(tornado_frame(), metric="customers", month=12)
    # Rows in drawing order: b (pos 0), c (1), a (2), d (3); NaN half-widths draw nothing.
    assert xerr_spans(ax) == sorted(
        [
            (0.0, 68.0, 72.0),  # b low
            (2.0, 94.0, 96.0),  # a low
            (3.0, 98.5, 99.5),  # d low
            (0.0, 137.0, 143.0),  # b high
            (1.0, 77.5, 82.5),  # c high
            (2.0, 101.5, 104.5),  # a high
        ]
    )


def test_tornado_marks_the_base_and_titles_the_chart():
    ax = tornado(tornado_frame(), metric="mrr", month=6, currency="USD")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["low value", "high value", "base: $100"]
    (base,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("base")]
    assert base.get_xdata()[0] == 100.0
    assert ax.get_xlabel() == "USD per month"
    assert " ".join(ax.get_title(loc="left").split()) == (
        "Monthly recurring revenue (MRR) at month 6: one-at-a-time"
    )
    assert ax.figure.get_size_inches().tolist() == [8.0, 0.5 * 4 + 1.5]


def test_tornado_same_side_bars_keep_the_shorter_one_visible():
    frame = tornado_frame().iloc[[0]].assign(y_low=[104.0], y_high=[110.0])
    ax = tornado(frame, metric="customers", month=12)
    low, high = bar_containers(ax)
    assert low[0].get_height() < high[0].get_height()
    assert low[0].get_zorder() > high[0].get_zorder()


def test_tornado_rejects_missing_columns_and_negative_half_widths():
    with pytest.raises(KeyError, match=r"frame: missing column\(s\) \['ci_high'\]"):
        tornado(tornado_frame().drop(columns="ci_high"), metric="mrr", month=12)
    with pytest.raises(ValueError, match="frame: column 'ci_low' holds half-widths"):
        tornado(tornado_frame().assign(ci_low=-1.0), metric="mrr", month=12)


# --- index_bars -------------------------------------------------------------------------------


def morris_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "param": ["a", "b", "c"],
            "mu_star": [5.0, 20.0, 10.0],
            "mu_star_conf": [1.0, 2.0, np.nan],
            "sigma": [0.5, 8.0, 3.0],
        }
    )


def sobol_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "param": ["a", "b", "c", "d"],
            "S1": [0.30, 0.05, -0.02, 0.40],
            "S1_conf": [0.03, 0.02, 0.04, 0.05],
            "ST": [0.35, 0.10, 0.01, 0.50],
            "ST_conf": [0.02, 0.03, 0.02, 0.04],
        }
    )


def test_morris_bars_sorted_by_mu_star_with_sigma_markers():
    ax = index_bars(morris_frame(), method="morris", metric="mrr", month=12)
    assert isinstance(ax, Axes)
    assert tick_texts(ax) == ["b", "c", "a"]
    (bars,) = bar_containers(ax)
    assert [b.get_width() for b in bars] == [20.0, 10.0, 5.0]
    (sigma,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("σ")]
    assert sigma.get_xdata().tolist() == [8.0, 3.0, 0.5]
    assert xerr_spans(ax) == [(0.0, 18.0, 22.0), (2.0, 4.0, 6.0)]  # c's NaN draws none
    assert ax.get_xlabel().startswith("μ* (mean absolute elementary effect)")
    assert "EUR per month" in ax.get_xlabel()
    title = " ".join(ax.get_title(loc="left").split())
    assert "Morris" in title and "SALib" in title and "95" in title


def test_sobol_grouped_bars_sorted_by_total_index():
    ax = index_bars(sobol_frame(), method="sobol", metric="customers", month=24)
    assert tick_texts(ax) == ["d", "a", "b", "c"]
    s1, st = bar_containers(ax)
    assert [s1.get_label(), st.get_label()] == ["first order S1", "total ST"]
    np.testing.assert_allclose([b.get_width() for b in s1], [0.40, 0.30, 0.05, -0.02])
    np.testing.assert_allclose([b.get_width() for b in st], [0.50, 0.35, 0.10, 0.01])
    assert len(xerr_spans(ax)) == 8
    # A slightly negative index and its interval stay in view.
    assert ax.get_xlim()[0] <= -0.02 - 0.04
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["first order S1", "total ST"]
    title = " ".join(ax.get_title(loc="left").split())
    assert "Sobol" in title and "SALib" in title and "confidence intervals" in title


def test_sobol_axis_starts_at_zero_when_every_index_is_positive():
    frame = sobol_frame().assign(S1=[0.3, 0.1, 0.2, 0.4], S1_conf=0.01, ST_conf=0.01)
    ax = index_bars(frame, method="sobol", metric="customers", month=24)
    assert ax.get_xlim()[0] == 0.0


def test_index_bars_rejects_unknown_method_and_missing_columns():
    with pytest.raises(
        ValueError, match=r"method: must be one of \['morris', 'sobol'\], got 'fast'"
    ):
        index_bars(sobol_frame(), method="fast", metric="mrr", month=12)
    with pytest.raises(KeyError, match=r"frame: missing column\(s\) \['mu_star'"):
        index_bars(sobol_frame(), method="morris", metric="mrr", month=12)
    with pytest.raises(ValueError, match="frame: column 'ST_conf' holds half-widths"):
        index_bars(sobol_frame().assign(ST_conf=-0.1), method="sobol", metric="mrr", month=12)


def test_index_bars_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert index_bars(morris_frame(), method="morris", metric="mrr", month=1, ax=ax) is ax
    assert len(fig.axes) == 1


# --- formatting shared by the study charts ----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.02, 0.025, 0.03], ["0.020", "0.025", "0.030"]),
        ([1000.0, 2000.0], ["1,000", "2,000"]),
        ([0.5, np.nan], ["0.5", "n/a"]),
        ([1e6, 1.5e6, 2e6], ["1.0M", "1.5M", "2.0M"]),
        # Rounded to within 0.5 % of the largest value, not written out in full.
        ([0.12345, 0.2], ["0.123", "0.200"]),
        ([500.0, 1333.3333, 2166.6667, 3000.0], ["500", "1,333", "2,167", "3,000"]),
        ([0.035, 0.0583333, 0.0816667, 0.105], ["0.035", "0.058", "0.082", "0.105"]),
    ],
)
def test_format_distinct_uses_the_fewest_decimals_that_tell_values_apart(values, expected):
    assert format_distinct(values) == expected


@pytest.mark.parametrize(
    ("value", "kind", "currency", "expected"),
    [
        (12300.0, "money", "EUR", "€12,300"),
        (-1200.0, "money", "CHF", "−1,200 CHF"),
        (0.045, "percent", "EUR", "4.5%"),
        (3.2, "ratio", "EUR", "3.2×"),
        (2_500_000.0, "count", "EUR", "2.5M"),
        (np.nan, "money", "EUR", "n/a"),
    ],
)
def test_format_value_writes_the_metric_kind_unit(value, kind, currency, expected):
    assert format_value(value, kind, currency) == expected
