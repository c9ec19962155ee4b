"""Unit tests of the comparison figures and of the flow diagram's shared scale and title."""

from __future__ import annotations

import struct
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

import flysim
from flysim.plots import SAVE_DPI, compare_fan, compare_flows, flow_diagram, flow_scale
from flysim.plots.compare import COMPARE_FAN_SIZE, flows_size
from flysim.plots.fan import BAND_GID, MEDIAN_GID
from flysim.plots.flow import FLOW_SIZE, flow_totals
from flysim.plots.output import save_compare_figures
from flysim.plots.style import PALETTE, metric_style
from flysim.study.compare import COMPARE_KPIS, Comparison
from tests.builders import tiny, toml_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: (name, paid budget per month): the second buys three times the leads.
PLANS = (("Tiny", 1000.0), ("Tiny more ads", 3000.0), ("Tiny no ads", 0.0))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    out = []
    for i, (name, budget) in enumerate(PLANS):
        path = folder / f"plan{i}.toml"
        scenario = tiny(**{"scenario.name": name, "attract.paid.budget_per_month": budget})
        path.write_text(toml_text(scenario), encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def comparison(paths) -> Comparison:
    return flysim.compare(paths[:2], runs=5, seed=1)


@pytest.fixture(scope="module")
def comparison3(paths) -> Comparison:
    return flysim.compare(paths, runs=5, seed=1)


def median_lines(ax: Axes) -> list:
    return [line for line in ax.get_lines() if line.get_gid() == MEDIAN_GID]


def tail_widths(ax: Axes) -> np.ndarray:
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    return np.array([a.get_arrowstyle().tail_width for a in arrows])


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC
    return struct.unpack(">II", head[16:24])


# --- compare_fan ------------------------------------------------------------------------------


def test_comparison_is_named_by_the_scenarios(comparison):
    assert comparison.names == ("Tiny", "Tiny more ads")
    assert comparison.runs == 5


def test_compare_fan_draws_one_median_per_scenario_named_and_coloured(comparison):
    ax = compare_fan(comparison.by_name(), "customers")
    assert isinstance(ax, Axes)
    lines = median_lines(ax)
    assert [line.get_label() for line in lines] == list(comparison.names)
    colors = [to_hex(line.get_color()) for line in lines]
    assert colors == [to_hex(c) for c in PALETTE[:2]]
    assert len(set(colors)) == 2
    for line, result in zip(lines, comparison.results, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), result.months.astype(float))
        expected = np.nanpercentile(result.metric("customers"), 50, axis=0)
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)


def test_compare_fan_has_one_band_per_scenario_and_one_legend_entry_per_name(comparison):
    ax = compare_fan(comparison.by_name(), "mrr")
    bands = [c for c in ax.collections if (c.get_gid() or "").startswith("flysim-band-")]
    assert [b.get_gid() for b in bands] == [BAND_GID.format(low=5, high=95)] * 2
    band_colors = [to_hex(b.get_facecolor()[0]) for b in bands]
    assert band_colors == [to_hex(c) for c in PALETTE[:2]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in comparison.names:
        assert legend.count(name) == 1, legend
    title = ax.get_title("left").splitlines()
    assert title[0] == f"{metric_style('mrr').title}: Tiny vs Tiny more ads"
    # a figure shown alone in a deck still says how it was made
    assert title[1] == "5 runs each · seed 1 · common random numbers"
    # each scenario's swatch has its own colour, the colour of its line and band
    handles = ax.get_legend().legend_handles
    swatch_colors = [to_hex(h.get_facecolor()) for h in handles[:2]]
    assert swatch_colors == [to_hex(c) for c in PALETTE[:2]]


def test_ltv_cac_is_on_a_log_axis_with_the_3_to_1_benchmark_in_view(comparison):
    ax = compare_fan(comparison.by_name(), "ltv_cac")
    assert ax.get_yscale() == "log"
    bottom, top = ax.get_ylim()
    assert bottom < 3.0 < top


def test_more_than_two_scenarios_get_p5_and_p95_lines_not_shaded_bands(comparison):
    four = {f"{name} {i}": r for i in (1, 2) for name, r in comparison.by_name().items()}
    ax = compare_fan(four, "mrr")
    assert not [c for c in ax.collections if (c.get_gid() or "").startswith("flysim-band-")]
    assert len([line for line in ax.get_lines() if line.get_gid() == "flysim-band-edge"]) == 8
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1  # beside the plot


def test_compare_fan_makes_a_figure_or_draws_on_the_given_axes(comparison):
    ax = compare_fan(comparison.by_name(), "nps")
    assert tuple(ax.figure.get_size_inches()) == pytest.approx(COMPARE_FAN_SIZE)
    fig = Figure()
    given = fig.add_subplot()
    assert compare_fan(comparison.by_name(), "nps", ax=given) is given
    assert len(median_lines(given)) == 2


def test_comparison_plot_is_compare_fan(comparison):
    ax = comparison.plot("customers")
    assert [line.get_label() for line in median_lines(ax)] == list(comparison.names)


# --- compare_flows ----------------------------------------------------------------------------


def test_compare_flows_has_one_axes_per_scenario_titled_by_it(comparison):
    fig = compare_flows(comparison.by_name())
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax, name in zip(axes, comparison.names, strict=True):
        assert ax.get_title("left") == f"{name}: flywheel flows over 6 months"
    assert tuple(fig.get_size_inches()) == pytest.approx(flows_size(2))
    assert "5 runs each" in fig.get_suptitle()


def test_compare_flows_draws_every_diagram_on_one_arrow_scale(comparison):
    fig = compare_flows(comparison.by_name())
    scales = [flow_scale(r) for r in comparison.results]
    assert scales[1] > scales[0] > 0  # more ads, more flow
    shared = [tail_widths(ax) for ax in fig.get_axes()]
    # Each diagram alone is drawn on its own largest flow.
    alone = [tail_widths(flow_diagram(r)) for r in comparison.results]
    # The scenario with the largest flow sets the scale: it is drawn as alone.
    np.testing.assert_allclose(shared[1], alone[1], rtol=1e-12)
    # The other's arrows are thinner by the ratio of the scales (above the minimum width).
    assert shared[0].max() == pytest.approx(alone[0].max() * scales[0] / scales[1])
    assert shared[0].max() < shared[1].max()
    # Equal flows get equal widths across the two diagrams: new customers is arrow 3.
    t0, t1 = (flow_totals(r) for r in comparison.results)
    assert shared[0][3] / shared[1][3] == pytest.approx(t0["new_customers"] / t1["new_customers"])


def test_compare_flows_titles_use_the_comparisons_unique_names(paths):
    twins = flysim.compare([paths[0], paths[0]], runs=2, seed=1)
    assert len(set(twins.names)) == 2
    titles = [ax.get_title("left") for ax in compare_flows(twins.by_name()).get_axes()]
    assert titles == [f"{name}: flywheel flows over 6 months" for name in twins.names]


def test_compare_flows_draws_one_diagram_a_row(comparison3):
    fig = compare_flows(comparison3.by_name())
    axes = fig.get_axes()
    assert len(axes) == 3
    titles = [ax.get_title("left").split(":")[0] for ax in axes]
    assert titles == list(comparison3.names)
    assert tuple(fig.get_size_inches()) == pytest.approx(flows_size(3))
    # One scale over three: the no-ads plan's arrows are no wider than alone.
    scale = max(flow_scale(r) for r in comparison3.results)
    for ax, result in zip(axes[:3], comparison3.results, strict=True):
        expected = tail_widths(flow_diagram(result, scale=scale))
        np.testing.assert_allclose(tail_widths(ax), expected, rtol=1e-12)


def test_compare_flows_draws_on_a_given_figure_and_leaves_its_size(comparison):
    fig = Figure(figsize=(5.0, 3.0))
    assert compare_flows(comparison.by_name(), fig=fig) is fig
    assert len(fig.get_axes()) == 2
    assert tuple(fig.get_size_inches()) == pytest.approx((5.0, 3.0))


@pytest.mark.parametrize(
    ("n", "cols", "rows"),
    [(1, 1, 1), (2, 1, 2), (3, 1, 3)],
)
def test_flows_size_is_one_16_by_9_diagram_to_a_row(n, cols, rows):
    assert FLOW_SIZE[0] / FLOW_SIZE[1] == pytest.approx(16 / 9)
    width, height = flows_size(n)
    assert width == pytest.approx(FLOW_SIZE[0] * cols)
    assert height == pytest.approx(FLOW_SIZE[1] * rows + 0.6)


# --- save_compare_figures ---------------------------------------------------------------------


def test_save_compare_figures_writes_a_fan_per_kpi_and_the_flow_diagrams(comparison, tmp_path):
    folder = tmp_path / "new" / "compare"
    before = dict(matplotlib.rcParams)
    written = save_compare_figures(comparison.by_name(), folder, metrics=COMPARE_KPIS)
    expected = [folder / f"fan-{kpi}.png" for kpi in COMPARE_KPIS] + [folder / "flow.png"]
    assert written == expected
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in expected)
    for path, size in [(expected[0], COMPARE_FAN_SIZE), (expected[-1], flows_size(2))]:
        assert png_size(path) == tuple(round(SAVE_DPI * s) for s in size), path.name
    # Plain Figures: nothing left open in pyplot, and the style did not leak.
    assert plt.get_fignums() == []
    assert dict(matplotlib.rcParams) == before


# --- flow_diagram: scale and title ------------------------------------------------------------


def test_flow_scale_is_the_largest_flow_an_arrow_carries(comparison):
    result = comparison.results[0]
    t = flow_totals(result)
    carried = [
        "new_customers_paid",
        "new_customers_organic",
        "new_customers_referral",
        "new_customers",
        "churned",
        "promoters",
        "advocates",
        "leads_referral",
    ]
    assert flow_scale(result) == pytest.approx(max(t[k] for k in carried))
    # Leads are boxes, not arrows: they do not set the scale.
    assert t["leads_paid"] > flow_scale(result)


def test_flow_diagram_scale_sets_the_arrow_widths(comparison):
    result = comparison.results[0]
    default = tail_widths(flow_diagram(result))
    np.testing.assert_allclose(tail_widths(flow_diagram(result, scale=flow_scale(result))), default)
    halved = tail_widths(flow_diagram(result, scale=2 * flow_scale(result)))
    assert len(halved) == len(default) == 8
    # Twice the scale halves every arrow that stays above the minimum width.
    floor = default.min()
    wide = default / 2 > floor
    assert wide.any()
    np.testing.assert_allclose(halved[wide], default[wide] / 2, rtol=1e-12)
    assert (halved <= default).all()
    assert halved.max() == pytest.approx(default.max() / 2)


def test_flow_diagram_title_names_the_diagram(comparison):
    result = comparison.results[1]
    ax = flow_diagram(result, title="Plan B")
    assert ax.get_title("left") == "Plan B: flywheel flows over 6 months"
    assert flow_diagram(result).get_title("left") == "Tiny more ads: flywheel flows over 6 months"


def test_compare_plots_take_a_mapping_not_a_comparison(comparison):
    with pytest.raises(TypeError, match="mapping of scenario name"):
        compare_fan(comparison, "mrr")  # type: ignore[arg-type]
