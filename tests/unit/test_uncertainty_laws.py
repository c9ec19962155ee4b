"""Distribution specs map onto the right scipy laws; bad specs fail in one sentence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from flysim.uncertainty.laws import (
    DISTS,
    DRAW_QUANTILES,
    Law,
    LawError,
    check_support,
    is_law,
    parse_law,
)

Z95 = stats.norm.ppf(0.95)


@pytest.mark.parametrize(
    ("spec", "mean", "sd"),
    [
        ({"dist": "beta", "mean": 0.04, "sd": 0.01}, 0.04, 0.01),
        ({"dist": "gamma", "mean": 2.5, "sd": 0.7}, 2.5, 0.7),
        ({"dist": "normal", "mean": -3.0, "sd": 2.0}, -3.0, 2.0),
        ({"dist": "lognormal", "mean": 0.01, "sd": 0.004}, 0.01, 0.004),
        ({"dist": "uniform", "low": 2, "high": 5}, 3.5, 3 / math.sqrt(12)),
        # A triangle's mean is (a + c + b) / 3; its variance (a²+b²+c²-ab-ac-bc)/18.
        (
            {"dist": "triangular", "low": 25, "mode": 30, "high": 45},
            100 / 3,
            math.sqrt((25**2 + 30**2 + 45**2 - 25 * 30 - 25 * 45 - 30 * 45) / 18),
        ),
    ],
)
def test_moments_match_the_spec(spec: dict, mean: float, sd: float) -> None:
    law = parse_law(spec)
    assert law.mean() == pytest.approx(mean, rel=1e-12, abs=1e-14)
    assert law.std() == pytest.approx(sd, rel=1e-10)


def test_lognormal_by_median_and_p95() -> None:
    law = parse_law({"dist": "lognormal", "median": 0.008, "p95": 0.02})
    assert law.median() == pytest.approx(0.008, rel=1e-12)
    assert float(law.ppf(0.95)) == pytest.approx(0.02, rel=1e-12)
    assert isinstance(law.frozen.dist, type(stats.lognorm))


def test_each_law_is_the_scipy_family_its_name_says() -> None:
    families = {
        "uniform": stats.uniform,
        "triangular": stats.triang,
        "normal": stats.norm,
        "lognormal": stats.lognorm,
        "beta": stats.beta,
        "gamma": stats.gamma,
    }
    specs = {
        "uniform": {"low": 0, "high": 1},
        "triangular": {"low": 0, "mode": 0.2, "high": 1},
        "normal": {"mean": 0, "sd": 1},
        "lognormal": {"median": 1, "p95": 2},
        "beta": {"mean": 0.5, "sd": 0.1},
        "gamma": {"mean": 1, "sd": 0.5},
    }
    assert set(families) == set(DISTS)
    for name, family in families.items():
        law = parse_law({"dist": name, **specs[name]})
        assert isinstance(law.frozen.dist, type(family)), name


def test_triangular_mode_is_the_peak_and_ends_are_the_support() -> None:
    law = parse_law({"dist": "triangular", "low": 25, "mode": 30, "high": 45})
    assert law.support() == (25.0, 45.0)
    grid = np.linspace(25, 45, 2001)
    assert grid[np.argmax(law.frozen.pdf(grid))] == pytest.approx(30.0)


def test_law_keeps_the_spec_for_the_manifest() -> None:
    spec = {"dist": "beta", "mean": 0.04, "sd": 0.01}
    law = parse_law(spec)
    assert law.as_dict() == spec
    assert law == parse_law(dict(spec))
    assert str(law) == "beta(mean=0.04, sd=0.01)"
    with pytest.raises(AttributeError):
        law.name = "gamma"  # type: ignore[misc]


def test_is_law() -> None:
    assert is_law({"dist": "beta"})
    assert not is_law({"healthy": 0.01})
    assert not is_law(0.04)
    assert not is_law("beta")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"dist": "betta", "mean": 0.1, "sd": 0.01}, ["unknown dist 'betta'", "'beta'", "gamma"]),
        ({"dist": "gaussian", "mean": 0, "sd": 1}, ["did you mean 'normal'"]),
        ({"dist": "weibull", "mean": 1, "sd": 1}, ["unknown dist 'weibull'", "allowed are"]),
        ({"dist": 3}, ["dist must be a name"]),
        ({"dist": "beta", "mean": 0.1}, ["beta takes mean and sd", "got mean"]),
        ({"dist": "beta", "mean": 0.1, "sd": 0.01, "low": 0}, ["beta takes mean and sd"]),
        ({"dist": "lognormal", "median": 1}, ["median and p95 or mean and sd"]),
        ({"dist": "uniform", "low": 5, "high": 2}, ["low must be below high", "low=5", "high=2"]),
        ({"dist": "uniform", "low": 2, "high": 2}, ["low must be below high"]),
        ({"dist": "triangular", "low": 0, "mode": 3, "high": 2}, ["mode must lie between", "0 to"]),
        ({"dist": "normal", "mean": 0, "sd": 0}, ["normal sd must be above 0"]),
        ({"dist": "gamma", "mean": 1, "sd": -1}, ["gamma sd must be above 0"]),
        ({"dist": "gamma", "mean": 0, "sd": 1}, ["gamma mean must be above 0"]),
        ({"dist": "beta", "mean": 0.5, "sd": 0.5}, ["impossible for mean 0.5", "below", "0.5"]),
        ({"dist": "beta", "mean": 0.04, "sd": 0.2}, ["impossible", "0.196"]),
        ({"dist": "beta", "mean": 1.2, "sd": 0.1}, ["strictly between 0 and 1"]),
        ({"dist": "lognormal", "median": 0.02, "p95": 0.01}, ["p95 must be above its median"]),
        ({"dist": "lognormal", "median": 0, "p95": 0.01}, ["median must be above 0"]),
        ({"dist": "normal", "mean": True, "sd": 1}, ["mean must be a number", "True"]),
        ({"dist": "normal", "mean": "3", "sd": 1}, ["mean must be a number"]),
        ({"dist": "normal", "mean": math.nan, "sd": 1}, ["finite"]),
    ],
)
def test_bad_specs_fail_in_one_sentence(spec: dict, words: list[str]) -> None:
    with pytest.raises(LawError) as err:
        parse_law(spec)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_beta_limit_is_the_maximum_sd() -> None:
    # sd^2 < mean (1 - mean): just inside is a law, the limit itself is not.
    limit = math.sqrt(0.3 * 0.7)
    parse_law({"dist": "beta", "mean": 0.3, "sd": limit * (1 - 1e-9)})
    with pytest.raises(LawError, match="impossible"):
        parse_law({"dist": "beta", "mean": 0.3, "sd": limit})


def test_law_error_is_a_value_error() -> None:
    assert issubclass(LawError, ValueError)


def _law(**spec: object) -> Law:
    return parse_law(spec)


def test_support_inside_the_range_is_fine() -> None:
    assert check_support(_law(dist="beta", mean=0.1, sd=0.05), 0, 1) is None
    assert check_support(_law(dist="beta", mean=0.1, sd=0.05), 0, 1, low_open=True) is None
    assert check_support(_law(dist="gamma", mean=2, sd=1), 0, None) is None
    assert check_support(_law(dist="lognormal", median=1, p95=3), 0, math.inf) is None
    assert check_support(_law(dist="uniform", low=0.1, high=0.5), 0, 1) is None
    assert check_support(_law(dist="normal", mean=0, sd=1), None, None) is None


def test_normal_on_a_probability() -> None:
    problem = check_support(_law(dist="normal", mean=0.04, sd=0.01), 0, 1)
    assert problem == (
        "normal has unbounded support; the key allows 0 to 1: "
        "use beta, or uniform or triangular within 0 to 1"
    )


def test_normal_on_a_non_negative_key() -> None:
    problem = check_support(_law(dist="normal", mean=30, sd=5), 0, None)
    assert problem is not None
    assert problem.startswith("normal has unbounded support; the key allows 0 or more")
    assert "lognormal, gamma or triangular" in problem


def test_bounded_laws_that_leave_the_range() -> None:
    problem = check_support(_law(dist="uniform", low=-0.1, high=0.5), 0, 1)
    assert problem is not None
    assert "reaches down to -0.1" in problem and "keep low and high" in problem
    problem = check_support(_law(dist="triangular", low=0.2, mode=0.5, high=1.5), 0, 1)
    assert problem is not None and "reaches up to 1.5" in problem
    problem = check_support(_law(dist="gamma", mean=2, sd=1), 0, 10, high_open=True)
    assert problem is not None and "unbounded above" in problem


def test_open_bound_shapes_the_message() -> None:
    problem = check_support(_law(dist="normal", mean=1, sd=1), 0, None, low_open=True)
    assert problem is not None and "the key allows values above 0" in problem


def test_a_sanity_cap_admits_an_unbounded_tail_that_stays_below_it() -> None:
    churn = _law(dist="lognormal", median=0.008, p95=0.02)
    assert check_support(churn, 0, None, cap=100.0) is None
    assert check_support(_law(dist="gamma", mean=30, sd=5), 0, None, cap=1e9) is None
    wild = _law(dist="lognormal", median=1, p95=100)
    problem = check_support(wild, 0, None, cap=100.0)
    assert problem is not None
    assert problem.startswith("lognormal(median=1, p95=100) can draw up to")
    assert "above this key's limit of 100" in problem
    # The law's largest draw is its quantile at the draws' top uniform.
    top = float(wild.ppf(DRAW_QUANTILES[1]))
    assert math.isfinite(top) and top > 100
