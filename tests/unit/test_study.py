"""The study functions' parts, exactly: parameters, paired differences, decisions, designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import flysim
from flysim.metrics.derive import break_even_month
from flysim.pipeline import check_metric
from flysim.study.paired import paired_difference
from flysim.study.params import (
    Param,
    check_distinct,
    numeric_keys,
    param_value,
    parse_param,
    scenario_with,
)
from tests.builders import SCENARIOS_DIR

# -- parameters ----------------------------------------------------------------------------


def test_a_sweep_param_parses_into_key_range_and_points(startup):
    p = parse_param(" attract.paid.budget_per_month = 500 : 3000 : 6 ", startup, points=True)
    assert p == Param("attract.paid.budget_per_month", 500.0, 3000.0, 6, integer=False)
    np.testing.assert_allclose(p.grid(), [500, 1000, 1500, 2000, 2500, 3000])


def test_an_integer_key_is_rounded_to_python_ints(startup):
    p = parse_param("market.size=10000:20001:3", startup, points=True)
    assert p.integer
    assert list(p.grid()) == [10000, 15000, 20001]
    assert p.value(15000.4) == 15000 and isinstance(p.value(15000.4), int)


def test_array_items_and_nested_tables_are_addressable(startup):
    assert parse_param("revenue.tiers[1].mrr=50:150", startup, points=False).key == (
        "revenue.tiers[1].mrr"
    )
    assert param_value(startup, "revenue.tiers[1].mrr") == 99.0
    assert param_value(startup, "engage.churn_per_month.at_risk") == 0.08


@pytest.mark.parametrize(
    ("spec", "points", "words"),
    [
        ("attract.paid.budget_per_month=1:2", True, "expected KEY=LOW:HIGH:N"),
        ("attract.paid.budget_per_month=1:2:3", False, "expected KEY=LOW:HIGH"),
        ("attract.paid.budget_per_month", False, "expected KEY=LOW:HIGH"),
        ("attract.paid.budget_per_month=1:2:2.5", True, "N must be a whole number"),
        ("attract.paid.budget_per_month=2:2", False, "LOW and HIGH must differ"),
        ("scenario.runs=10:20", False, "[scenario] holds run settings"),
        ("attract.paid.budget_per_month=-10:20", False, "budget_per_month = -10.0"),
    ],
)
def test_malformed_or_invalid_params_name_the_problem(startup, spec, points, words):
    with pytest.raises(ValueError, match="param") as info:
        parse_param(spec, startup, points=points)
    assert words in str(info.value)


def test_numeric_keys_lists_every_number_but_the_run_settings(startup):
    keys = numeric_keys(startup)
    assert "attract.paid.budget_per_month" in keys
    assert "revenue.tiers[2].mrr" in keys
    assert "delight.nps.healthy.promoter" in keys
    assert not [k for k in keys if k.startswith("scenario.")]
    for key in keys:
        assert param_value(startup, key) is not None


def test_a_key_given_twice_is_refused():
    p = Param("engage.risk_per_month", 0.1, 0.2)
    with pytest.raises(ValueError, match="given twice"):
        check_distinct([p, p])


def test_scenario_with_changes_only_the_keys_given(startup):
    changed = scenario_with(startup, {"engage.risk_per_month": 0.1})
    assert changed.engage.risk_per_month == 0.1
    assert changed.model_dump(exclude={"engage"}) == startup.model_dump(exclude={"engage"})


def test_an_unknown_metric_suggests_the_nearest():
    assert check_metric("mrr") == "mrr"
    with pytest.raises(ValueError, match="did you mean 'payback_months'"):
        check_metric("payback_month")


# -- paired differences ----------------------------------------------------------------------


def test_paired_difference_is_scipys_paired_t_interval():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 2, 50)
    b = a + rng.normal(0.5, 0.3, 50)
    mean, low, high, p_better, n = paired_difference(a, b)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(b - a))
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert n == 50
    assert p_better == np.mean(b > a)


def test_ties_count_half_nans_drop_the_pair_and_direction_is_respected():
    a = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    b = np.array([2.0, 2.0, 1.0, 4.0, np.nan])
    mean, _, _, p_better, n = paired_difference(a, b)
    assert n == 3
    assert mean == pytest.approx((1 + 0 - 2) / 3)
    assert p_better == pytest.approx((1 + 0.5) / 3)
    assert paired_difference(a, b, lower_is_better=True)[3] == pytest.approx((1 + 0.5) / 3)
    assert paired_difference(a, a + 1, lower_is_better=True)[3] == 0.0


def test_identical_runs_give_a_zero_width_interval():
    a = np.array([1.0, 2.0, 3.0])
    assert paired_difference(a, a + 2)[:3] == (2.0, 2.0, 2.0)


# -- comparisons -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(startup):
    more = scenario_with(startup, {"attract.paid.budget_per_month": 2000.0})
    thresholds = flysim.Thresholds(ltv_cac=10, break_even_month=6, payback_months=3)
    return flysim.compare([startup, more], runs=12, seed=3, thresholds=thresholds)


def test_compare_defaults_and_names(comparison):
    assert comparison.runs == 12 and comparison.seed == 3 and comparison.months == 18
    assert comparison.names == ("startup #1", "startup #2")
    assert comparison.report_months() == [12, 18]


def test_decisions_are_the_shares_of_runs_meeting_each_threshold(comparison):
    d = comparison.decisions()
    base = comparison.results[0].metric("contribution_cumulative")[:, -1]
    for i, (name, result) in enumerate(zip(comparison.names, comparison.results, strict=True)):
        rows = d[d["scenario"] == name].set_index("decision")["probability"]
        ahead = result.metric("contribution_cumulative")[:, -1] > base  # paired, run by run
        expected = [
            np.nan if i == 0 else np.mean(ahead),  # the baseline against itself: none
            np.mean(result.metric("ltv_cac")[:, -1] >= 10),
            np.mean(break_even_month(result.metric("roi_cumulative")) <= 6),
            np.mean(result.metric("payback_months")[:, -1] <= 3),
        ]
        np.testing.assert_allclose(rows.to_numpy(), expected)
    known = d.dropna(subset=["probability"])
    assert (known["low"] <= known["probability"]).all()
    assert (known["probability"] <= known["high"]).all()


def test_the_table_holds_percentiles_and_the_paired_difference(comparison):
    t = comparison.table(metrics=["customers"], months=[12])
    first, second = (r.metric("customers")[:, 11] for r in comparison.results)
    assert t.loc[0, "p50"] == np.percentile(first, 50)
    assert t.loc[1, "diff_mean"] == pytest.approx(np.mean(second - first))
    assert pd.isna(t.loc[0, "diff_mean"])


def test_bad_compare_arguments():
    with pytest.raises(ValueError, match="at least two scenarios, got 1"):
        flysim.compare([SCENARIOS_DIR / "startup.toml"])
    with pytest.raises(ValueError, match=r"thresholds\.ltv_cac must be a number > 0"):
        flysim.Thresholds(ltv_cac=0)


# -- sweeps and sensitivity ----------------------------------------------------------------


def test_a_two_param_sweep_runs_the_full_grid(startup):
    r = flysim.sweep(
        startup,
        ["attract.paid.budget_per_month=500:1500:3", "engage.risk_per_month=0.05:0.1:2"],
        "customers",
        month=6,
        runs=3,
        seed=1,
    )
    assert r.values.shape == (6, 3, 18)
    frame = r.to_frame()
    assert list(frame.columns[:2]) == ["attract.paid.budget_per_month", "engage.risk_per_month"]
    assert (frame["month"] == 6).all()
    np.testing.assert_array_equal(frame["p50"], np.median(r.values[:, :, 5], axis=1))
    assert len(r.runs_frame()) == 18


@pytest.mark.parametrize("metric", ["mrr", "cac"])  # a raw field kept as it is; a derived one
@pytest.mark.parametrize("workers", [1, 2])
def test_each_sweep_point_holds_what_simulate_gives_its_scenario(startup, metric, workers):
    r = flysim.sweep(
        startup,
        ["attract.paid.budget_per_month=500:1500:2"],
        metric,
        runs=300,  # two chunks (500 and 100 rows) on two workers
        seed=3,
        workers=workers,
    )
    for i, budget in enumerate([500.0, 1500.0]):
        point = scenario_with(startup, {"attract.paid.budget_per_month": budget})
        alone = flysim.simulate(point, runs=300, seed=3, workers=1)
        np.testing.assert_array_equal(r.values[i], alone.metric(metric))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"params": []}, "one or two params, got 0"),
        ({"month": 19}, "month must be in 1..18, got 19"),
        ({"metric": "mrrr"}, "did you mean 'mrr'"),
    ],
)
def test_bad_sweep_arguments(startup, kwargs, words):
    args = {"params": ["engage.risk_per_month=0.05:0.1:2"], "metric": "mrr", **kwargs}
    with pytest.raises(ValueError) as info:
        flysim.sweep(startup, args.pop("params"), args.pop("metric"), runs=2, **args)
    assert words in str(info.value)


def test_oat_moves_each_param_to_its_ends_with_the_others_at_base(startup):
    r = flysim.sensitivity(
        startup,
        ["engage.risk_per_month=0.03:0.12", "delight.ask_accept=0.2:0.6"],
        "customers",
        runs=3,
        seed=1,
    )
    expected = [[0.07, 0.40], [0.03, 0.40], [0.12, 0.40], [0.07, 0.2], [0.07, 0.6]]
    np.testing.assert_allclose(r.samples.to_numpy(), expected)
    frame = r.to_frame()
    assert (frame["swing"].diff().dropna() <= 0).all()  # most influential first
    assert frame.loc[0, "y_base"] == pytest.approx(r.output[0])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"method": "fast"}, "method must be one of oat, morris, sobol"),
        ({"method": "morris", "params": ["engage.risk_per_month=0.03:0.1"]}, "at least 2 params"),
        ({"method": "sobol", "samples": 12}, "power of two"),
    ],
)
def test_bad_sensitivity_arguments(startup, kwargs, words):
    params = kwargs.pop("params", ["engage.risk_per_month=0.03:0.1", "delight.ask_accept=0.2:0.6"])
    with pytest.raises(ValueError, match=words):
        flysim.sensitivity(startup, params, "mrr", runs=2, **kwargs)


def test_the_median_of_paired_differences_is_taken_run_by_run_over_pairs_present():
    from flysim.study.paired import paired_median

    a = np.array([1.0, 2.0, np.nan, 10.0])
    b = np.array([2.0, 2.0, 5.0, 40.0])
    # pairs (1, 2), (2, 2), (10, 40): differences 1, 0, 30; the median is 1, the mean 10.33
    assert paired_median(a, b) == 1.0
    assert np.isnan(paired_median(np.array([np.nan]), np.array([1.0])))
