"""Unit tests of flysim.plots: what is drawn equals the numbers it claims to show."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import PercentFormatter

from flysim.metrics.names import METRICS
from flysim.plots import (
    DASHBOARD_METRICS,
    METRIC_STYLES,
    dashboard,
    fan_chart,
    flow_diagram,
    flow_totals,
    save_figures,
)
from flysim.plots.fan import BAND_GID, BENCHMARK_GID, MEDIAN_GID
from flysim.plots.formatting import NumberFormatter, format_number
from flysim.result import Provenance, SimulationResult
from tests import builders

RUNS, MONTHS = 40, 18
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def synthetic_result(
    runs: int = RUNS, months: int = MONTHS, seed: int = 20240601
) -> SimulationResult:
    """A seeded, plausible result: a growing flywheel with noise and some NaNs."""
    rng = np.random.default_rng(seed)
    idx = {name: i for i, name in enumerate(METRICS)}
    data = rng.gamma(2.0, 50.0, size=(runs, months, len(METRICS)))  # filler for the rest
    t = np.arange(1, months + 1)[None, :]
    ramp = np.clip(t / months, 0, 1)

    def put(name: str, values: np.ndarray) -> None:
        data[:, :, idx[name]] = values

    leads_paid = rng.poisson(400, size=(runs, months))
    leads_organic = rng.poisson(150 * 1.06**t, size=(runs, months))
    leads_referral = rng.poisson(5 + 90 * ramp**1.5, size=(runs, months))
    won_paid = rng.binomial(leads_paid, 0.05)
    won_organic = rng.binomial(leads_organic, 0.08)
    won_referral = rng.binomial(leads_referral, 0.25)
    new = won_paid + won_organic + won_referral
    customers = np.empty((runs, months))
    churned = np.empty((runs, months))
    stock = np.full(runs, 100.0)
    for m in range(months):
        churned[:, m] = rng.binomial(stock.astype(int), 0.025 - 0.012 * m / months)
        stock = stock + new[:, m] - churned[:, m]
        customers[:, m] = stock
    start = np.concatenate([np.full((runs, 1), 100.0), customers[:, :-1]], axis=1)
    promoters = rng.binomial(customers.astype(int), 0.3 + 0.25 * ramp)
    advocates = rng.binomial(promoters, 0.05 + 0.4 * ramp)

    for name, values in {
        "leads_paid": leads_paid,
        "leads_organic": leads_organic,
        "leads_referral": leads_referral,
        "new_customers_paid": won_paid,
        "new_customers_organic": won_organic,
        "new_customers_referral": won_referral,
        "new_customers": new,
        "churned": churned,
        "upsells": rng.poisson(0.02 * customers),
        "customers": customers,
        "promoters": promoters,
        "advocates": advocates,
        "mrr": customers * rng.normal(49.0, 2.0, size=(runs, months)),
        "cac": rng.lognormal(np.log(800 - 550 * ramp), 0.18, size=(runs, months)),
        "ltv_cac": rng.lognormal(np.log(0.8 + 3.4 * ramp), 0.25, size=(runs, months)),
        "churn_rate": churned / start,
        "nps": rng.normal(25 + 30 * ramp, 8.0, size=(runs, months)),
        "referral_rate": advocates / customers,
        "flywheel_velocity": rng.lognormal(np.log(0.3 + 4.0 * ramp**2), 0.35, size=(runs, months)),
    }.items():
        put(name, np.asarray(values, dtype=float))

    # Missing values as the model makes them: scattered ratios, and whole
    # months where no run has a value (month 1 of CAC, the first quarter of velocity).
    for name in ("cac", "ltv_cac", "flywheel_velocity", "churn_rate"):
        data[:, :, idx[name]][rng.random((runs, months)) < 0.05] = np.nan
    data[:, 0, idx["cac"]] = np.nan
    data[:, 0, idx["ltv_cac"]] = np.nan
    data[:, :3, idx["flywheel_velocity"]] = np.nan

    scenario = builders.scenario(builders.minimal(), **{"scenario.name": "Test"})
    provenance = Provenance(
        scenario_name="Test",
        scenario_hash="0" * 64,
        scenario_path=None,
        seed=seed,
        engine="des",
        runs=runs,
        months=months,
        flysim_version="0.0.0",
        created="2024-06-01T00:00:00Z",
        wall_time_s=0.0,
    )
    return SimulationResult(data, scenario, provenance)


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return synthetic_result()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_every_metric_has_display_metadata():
    assert set(METRICS) <= set(METRIC_STYLES)


def test_fan_chart_returns_new_axes_with_title_and_unit(result):
    ax = fan_chart(result, "mrr")
    assert isinstance(ax, plt.Axes)
    assert ax.get_title("left") == METRIC_STYLES["mrr"].title
    assert "EUR" in ax.get_ylabel()
    assert ax.get_xlabel() == "Month"


@pytest.mark.parametrize("metric", ["mrr", "cac", "flywheel_velocity", "churn_rate"])
def test_median_line_is_the_nan_median_per_month(result, metric):
    ax = fan_chart(result, metric)
    (line,) = _by_gid(ax, MEDIAN_GID)
    values = result.metric(metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(values, axis=0)
    np.testing.assert_array_equal(line.get_xdata(), result.months)
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("metric", ["customers", "cac", "flywheel_velocity"])
def test_band_vertices_are_the_percentiles(result, metric):
    ax = fan_chart(result, metric, bands=((5, 95), (25, 75)))
    values = result.metric(metric)
    for low, high in ((5, 95), (25, 75)):
        (band,) = _by_gid(ax, BAND_GID.format(low=low, high=high))
        vertices = np.concatenate([path.vertices for path in band.get_paths()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(values, [low, high], axis=0)
        for month, a, b in zip(result.months, lo, hi, strict=True):
            ys = vertices[np.isclose(vertices[:, 0], month), 1]
            if np.isnan(a):
                assert ys.size == 0, f"month {month} has no data but is filled"
                continue
            assert np.isclose(ys, a).any() and np.isclose(ys, b).any()
            assert np.all(np.isclose(ys, a) | np.isclose(ys, b))


def test_wider_band_is_lighter(result):
    ax = fan_chart(result, "mrr")
    (outer,) = _by_gid(ax, BAND_GID.format(low=5, high=95))
    (inner,) = _by_gid(ax, BAND_GID.format(low=25, high=75))
    assert outer.get_alpha() < inner.get_alpha()


def test_fan_chart_draws_on_a_given_axes_and_overlays(result):
    fig, ax = plt.subplots()
    assert fan_chart(result, "ltv_cac", ax=ax, label="A") is ax
    assert fan_chart(result, "ltv_cac", ax=ax, label="B") is ax
    assert len(fig.axes) == 1
    medians = _by_gid(ax, MEDIAN_GID)
    assert len(medians) == 2
    assert medians[0].get_color() != medians[1].get_color()
    assert [m.get_label() for m in medians] == ["A", "B"]
    # The healthy 3:1 line is drawn once, however many results are overlaid.
    lines = [a for a in _by_gid(ax, BENCHMARK_GID) if isinstance(a, plt.Line2D)]
    assert len(lines) == 1
    assert lines[0].get_ydata()[0] == 3.0
    texts = [a.get_text() for a in _by_gid(ax, BENCHMARK_GID) if isinstance(a, plt.Text)]
    assert texts == ["healthy 3:1"]


def test_explicit_color_and_percent_axis(result):
    ax = fan_chart(result, "churn_rate", color="#123456")
    (line,) = _by_gid(ax, MEDIAN_GID)
    assert line.get_color() == "#123456"
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert ax.get_ylim()[0] == 0.0


def test_bad_band_and_unknown_metric_are_errors(result):
    with pytest.raises(ValueError, match="bands"):
        fan_chart(result, "mrr", bands=((95, 5),))
    with pytest.raises(KeyError, match="did you mean 'mrr'"):
        fan_chart(result, "mrrr")


def test_number_formatter_uses_thousands_separators():
    assert NumberFormatter().format_ticks([0, 5000, 10000]) == ["0", "5,000", "10,000"]
    assert NumberFormatter("€").format_ticks([0, 0.5, 1]) == ["€0", "€0.5", "€1.0"]
    assert NumberFormatter().format_ticks([0, 1.5e6, 3e6]) == ["0", "1.5M", "3.0M"]
    assert NumberFormatter(suffix="×").format_ticks([-2, 0, 2]) == ["−2×", "0×", "2×"]
    assert format_number(12345.6) == "12,346"
    assert format_number(3.44) == "3.4"
    assert format_number(float("nan")) == "n/a"


def test_dashboard_has_a_panel_per_metric_and_provenance_title(result):
    fig = dashboard(result)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title("left") for ax in visible] == [
        METRIC_STYLES[m].title for m in DASHBOARD_METRICS
    ]
    title = fig.get_suptitle()
    for part in ("Test", "des", f"{RUNS:,} runs", f"seed {result.provenance.seed}"):
        assert part in title
    assert len(fig.legends) == 1


def test_dashboard_draws_into_a_given_figure(result):
    fig = Figure(figsize=(8, 6))
    assert dashboard(result, fig=fig, metrics=("customers", "nps", "mrr"), ncols=2) is fig
    assert sum(ax.get_visible() for ax in fig.axes) == 3


def test_flow_totals_are_sums_over_months_and_end_stocks(result):
    totals = flow_totals(result)
    for name in ("leads_paid", "new_customers_referral", "churned"):
        assert totals[name] == pytest.approx(result.metric(name).sum(axis=1).mean())
    for name in ("customers", "promoters", "advocates"):
        assert totals[name] == pytest.approx(result.metric(name)[:, -1].mean())
    assert totals["customers_start"] == pytest.approx(100.0)


def test_flow_diagram_shows_the_totals(result):
    _, ax = plt.subplots()
    assert flow_diagram(result, ax=ax) is ax
    texts = {t.get_text() for t in ax.texts}
    totals = flow_totals(result)
    for name in (
        "leads_paid",
        "leads_organic",
        "leads_referral",
        "new_customers",
        "customers",
        "churned",
        "promoters",
        "advocates",
    ):
        # whole people, whatever the mean across runs: "31", never "30.5"
        assert f"{totals[name]:,.0f}" in texts, name
    assert any("Dashed boxes: totals" in t for t in texts)  # totals told from end stocks
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    widths = [a.get_arrowstyle().tail_width for a in arrows]
    assert len(arrows) == 8
    assert min(widths) >= 1.5
    # Widths are proportional to flow: the referral loop carries the referral leads.
    loop = arrows[-1].get_arrowstyle().tail_width
    new = arrows[3].get_arrowstyle().tail_width
    ratio = totals["leads_referral"] / totals["new_customers"]
    assert loop / new == pytest.approx(ratio)


def test_plotting_leaves_rcparams_unchanged(result, tmp_path):
    before = dict(matplotlib.rcParams)
    fan_chart(result, "nps")
    dashboard(result)
    flow_diagram(result)
    save_figures(result, tmp_path)
    assert dict(matplotlib.rcParams) == before


def test_save_figures_writes_pngs_and_leaks_no_figures(result, tmp_path):
    open_before = plt.get_fignums()
    paths = save_figures(result, tmp_path / "plots")
    expected = ["dashboard.png", "flow.png"] + [f"fan-{m}.png" for m in DASHBOARD_METRICS]
    assert [p.name for p in paths] == expected
    for path in paths:
        assert path.parent == tmp_path / "plots"
        content = path.read_bytes()
        assert content.startswith(PNG_MAGIC) and len(content) > 10_000
    assert plt.get_fignums() == open_before


def test_all_nan_months_and_metrics_neither_raise_nor_warn(tmp_path):
    res = synthetic_result(runs=5, months=6, seed=3)

    def values(name: str) -> np.ndarray:  # writable, unlike metric()'s view
        return res.data[:, :, list(res.metrics).index(name)]

    for name in DASHBOARD_METRICS:
        values(name)[:, 2] = np.nan
    values("nps")[:] = np.nan
    values("promoters")[:, -1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = fan_chart(res, "mrr")
        fan_chart(res, "nps")
        dashboard(res)
        flow_diagram(res)
        save_figures(res, tmp_path)
    (line,) = _by_gid(ax, MEDIAN_GID)
    assert np.isnan(line.get_ydata()[2])
    assert np.isfinite(np.delete(line.get_ydata(), 2)).all()
