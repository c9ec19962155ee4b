"""Each input's share of a metric's variance, against closed forms and SALib's estimator.

For ``y = sum_i b_i x_i`` with independent standard normal inputs the first-order
share of ``x_i`` is ``b_i^2 / sum_j b_j^2``. The binned estimator sees
``Var(E[x_i | bin])`` rather than ``Var(x_i)``: for ``M`` equal-probability bins of a
standard normal that is ``c_M = sum_j (phi(q_j) - phi(q_j+1))^2 / p`` with ``p = 1/M``,
computed exactly below; the expected estimate is the share times ``c_M``, and the
tolerance is ``Z`` standard errors from the method's own interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from flysim.uncertainty.draws import draw_inputs
from flysim.uncertainty.drivers import (
    DriversError,
    bin_count,
    first_order_share,
    variance_shares,
)
from flysim.uncertainty.laws import parse_law
from tests.stats import assert_within

N = 20_000
STD_NORMAL = parse_law({"dist": "normal", "mean": 0, "sd": 1})


def _captured(m: int) -> float:
    q = stats.norm.ppf(np.linspace(0, 1, m + 1))
    means = (stats.norm.pdf(q[:-1]) - stats.norm.pdf(q[1:])) * m
    return float((means**2).sum() / m)


def _se(row: pd.Series, conf_level: float = 0.95) -> float:
    # The interval is share +- z SE, clipped at 0: its upper half is unclipped.
    return float((row.ci_high - row.share) / stats.norm.ppf(0.5 + conf_level / 2))


@pytest.fixture(scope="module")
def inputs() -> dict[str, np.ndarray]:
    laws = {"x1": STD_NORMAL, "x2": STD_NORMAL, "x3": STD_NORMAL}
    return draw_inputs(laws, None, 20240101, np.arange(N))


@pytest.fixture(scope="module")
def linear(inputs: dict[str, np.ndarray]) -> pd.DataFrame:
    return variance_shares(inputs, 3 * inputs["x1"] + inputs["x2"]).set_index("input")


def test_linear_shares_are_nine_tenths_and_one_tenth(linear: pd.DataFrame) -> None:
    c = _captured(linear.attrs["bins"])
    for name, share in (("x1", 0.9), ("x2", 0.1)):
        row = linear.loc[name]
        assert_within(row.share, share * c, _se(row), what=f"{name} share")
        assert row.ci_low <= row.share <= row.ci_high


def test_an_input_without_effect_has_no_share(linear: pd.DataFrame) -> None:
    row = linear.loc["x3"]
    assert row.share <= stats.norm.ppf(0.975) * max(_se(row), 1 / N)
    assert row.ci_low == 0.0


def test_table_is_sorted_and_described(linear: pd.DataFrame) -> None:
    assert list(linear.index) == ["x1", "x2", "x3"]
    assert list(linear.columns) == ["share", "ci_low", "ci_high"]
    assert linear.attrs["runs"] == N and linear.attrs["dropped_runs"] == 0
    assert linear.attrs["bins"] == bin_count(N) == 100
    assert linear.attrs["constant"] is False


def test_correlated_inputs_share_through_their_partner() -> None:
    # x2 = rho x1 + sqrt(1 - rho^2) e: E[x1 | x2] = rho x2, so x2's share of x1 is rho^2.
    rho = 0.6
    rng = np.random.default_rng(5)
    x1, e = rng.standard_normal((2, N))
    x2 = rho * x1 + math.sqrt(1 - rho**2) * e
    table = variance_shares({"x1": x1, "x2": x2}, x1, n_boot=100).set_index("input")
    c = _captured(table.attrs["bins"])
    assert table.loc["x1", "share"] == pytest.approx(c, abs=1e-3)
    assert_within(table.loc["x2", "share"], rho**2 * c, _se(table.loc["x2"]), what="x2 share")


def test_point_estimate_is_salibs_sobol_first() -> None:
    from SALib.analyze.delta import sobol_first

    rng = np.random.default_rng(2)
    x = rng.uniform(size=3000)
    y = np.sin(6 * x) + rng.standard_normal(3000)
    m = 30
    ours = first_order_share(x, y, bins=m, correct_bias=False)
    assert ours == pytest.approx(sobol_first(y, x, np.linspace(0, len(y), m + 1)), rel=1e-12)


def test_bias_correction_removes_the_noise_floor() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((2, 1000))
    m = bin_count(1000)
    raw = first_order_share(x, y, correct_bias=False)
    # Without an effect, the raw ratio's expectation is (M - 1) / (n - 1).
    assert raw > 0.5 * (m - 1) / 999
    assert first_order_share(x, y) < raw


def test_nan_runs_are_dropped_and_counted(inputs: dict[str, np.ndarray]) -> None:
    y = 3 * inputs["x1"] + inputs["x2"]
    y[:137] = np.nan
    table = variance_shares(inputs, y, n_boot=0)
    assert table.attrs["dropped_runs"] == 137 and table.attrs["runs"] == N - 137
    assert table.ci_low.isna().all()
    assert table.input.iloc[0] == "x1"


def test_constant_metric_has_no_drivers(inputs: dict[str, np.ndarray]) -> None:
    table = variance_shares(inputs, np.full(N, 4.2))
    assert table.attrs["constant"] is True
    assert (table[["share", "ci_low", "ci_high"]].to_numpy() == 0).all()


def test_same_seed_same_table(inputs: dict[str, np.ndarray]) -> None:
    y = inputs["x1"] ** 2 + inputs["x2"]
    small = {k: v[:2000] for k, v in inputs.items()}
    one = variance_shares(small, y[:2000], seed=4)
    two = variance_shares(pd.DataFrame(small), y[:2000], seed=4)
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "words"),
    [
        ({}, np.zeros(50), {}, "no uncertain inputs"),
        ({"a": np.zeros(50)}, np.zeros(40), {}, "50 runs but the metric has 40"),
        ({"a": np.full(50, np.nan)}, np.zeros(50), {}, "non-finite"),
        ({"a": np.arange(50.0)}, np.r_[np.zeros(10), np.full(40, np.nan)], {}, "only 10 runs"),
        ({"a": np.arange(50.0)}, np.r_[np.zeros(49), np.inf], {}, "infinite"),
        ({"a": np.arange(50.0)}, np.zeros(50), {"conf_level": 1.0}, "conf_level"),
        ({"a": np.arange(50.0)}, np.zeros(50), {"bins": 1}, "bins must lie between 2 and"),
    ],
)
def test_unusable_data_fail_in_one_sentence(
    x: dict, y: np.ndarray, kwargs: dict, words: str
) -> None:
    with pytest.raises(DriversError, match=words):
        variance_shares(x, y, **kwargs)
