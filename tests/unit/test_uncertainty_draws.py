"""Correlations are checked and built exactly; draws depend on seed, run and key alone."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from flysim.uncertainty.copula import CorrelationError, correlation_from_spec
from flysim.uncertainty.draws import draw_inputs, fixed_inputs, input_uniforms
from flysim.uncertainty.laws import DRAW_QUANTILES, LawError, parse_law

KEYS = ["attract.paid.conversion", "attract.paid.cost_per_lead", "engage.churn.healthy"]
A, B, C = KEYS

LAWS = {
    A: parse_law({"dist": "beta", "mean": 0.04, "sd": 0.01}),
    B: parse_law({"dist": "triangular", "low": 25, "mode": 30, "high": 45}),
    C: parse_law({"dist": "lognormal", "median": 0.008, "p95": 0.02}),
}


# -- correlations -----------------------------------------------------------------


def test_rank_becomes_the_copula_normal_correlation() -> None:
    corr = correlation_from_spec([{"keys": [B, A], "rank": -0.5}], KEYS)
    (group,) = corr.groups
    assert group.keys == (A, B)
    r = 2 * math.sin(math.pi * -0.5 / 6)
    np.testing.assert_allclose(group.normal, [[1, r], [r, 1]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(group.cholesky @ group.cholesky.T, group.normal, atol=1e-15)
    assert corr.as_list() == [{"keys": [A, B], "rank": -0.5}]


def test_unrelated_pairs_are_separate_groups() -> None:
    keys = ["a", "b", "c", "d", "e"]
    corr = correlation_from_spec(
        [{"keys": ["d", "b"], "rank": 0.3}, {"keys": ["a", "c"], "rank": 0.2}], keys
    )
    assert [g.keys for g in corr.groups] == [("a", "c"), ("b", "d")]
    assert correlation_from_spec(None, keys).groups == ()


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        (
            [{"keys": [A, "attract.paid.budget"], "rank": 0.5}],
            ["attract.paid.budget", "not an unc"],
        ),
        ([{"keys": [A, A], "rank": 0.5}], ["with itself"]),
        ([{"keys": [A, B], "rank": 1.0}], ["strictly between -1 and 1", "got 1"]),
        ([{"keys": [A, B], "rank": -1.5}], ["strictly between -1 and 1"]),
        ([{"keys": [A, B], "rank": math.nan}], ["strictly between -1 and 1"]),
        ([{"keys": [A, B], "rank": True}], ["rank must be a number"]),
        ([{"keys": [A, B], "rank": 0.2}, {"keys": [B, A], "rank": 0.3}], ["repeats the pair"]),
        ([{"keys": [A], "rank": 0.2}], ["list of two key paths"]),
        ([{"keys": A, "rank": 0.2}], ["list of two key paths"]),
        ([{"keys": [A, B]}], ["keys and rank", "missing rank"]),
        ([{"keys": [A, B], "rank": 0.2, "kind": "x"}], ["unknown kind"]),
        (
            [
                {"keys": [A, B], "rank": 0.9},
                {"keys": [B, C], "rank": 0.9},
                {"keys": [A, C], "rank": -0.9},
            ],
            ["not positive definite", f"among {A}, {B}, {C}"],
        ),
    ],
)
def test_bad_correlations_fail_in_one_sentence(entries: list, words: list[str]) -> None:
    with pytest.raises(CorrelationError) as err:
        correlation_from_spec(entries, KEYS)
    assert isinstance(err.value, LawError)
    assert "\n" not in str(err.value)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


# -- the streams ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 20240101, 2**40 + 5, 2**63 - 1, 2**130 + 7])
def test_uniforms_are_numpys_seed_sequence_bit_for_bit(seed: int) -> None:
    runs = np.array([0, 1, 5, 999, 123456, 2**32 - 1, 2**32 + 3])
    tag = zlib.crc32(b"input:" + A.encode())
    words = np.array(
        [
            np.random.SeedSequence(entropy=seed, spawn_key=(int(r), tag)).generate_state(
                1, np.uint64
            )[0]
            for r in runs
        ]
    )
    expected = ((words >> np.uint64(12)).astype(float) + 0.5) * 2.0**-52
    np.testing.assert_array_equal(input_uniforms(seed, runs, A), expected)


def test_uniforms_stay_inside_the_unit_interval() -> None:
    u = input_uniforms(7, np.arange(10_000), A)
    assert u.min() > 0 and u.max() < 1
    # The extreme cells map to the extreme quantiles, both float64 numbers inside (0, 1).
    top, bottom = (np.uint64(2**52 - 1), np.uint64(0))
    assert (top.astype(float) + 0.5) * 2.0**-52 == DRAW_QUANTILES[1] < 1.0
    assert (bottom.astype(float) + 0.5) * 2.0**-52 == DRAW_QUANTILES[0] > 0.0


def test_a_run_draws_the_same_value_in_any_block() -> None:
    whole = draw_inputs(LAWS, None, 11, np.arange(100))
    block = draw_inputs(LAWS, None, 11, np.array([73, 5, 40]))
    for key in LAWS:
        np.testing.assert_array_equal(block[key], whole[key][[73, 5, 40]])


def test_an_extra_input_or_another_law_leaves_other_keys_alone() -> None:
    runs = np.arange(500)
    base = draw_inputs({A: LAWS[A], C: LAWS[C]}, None, 3, runs)
    more = draw_inputs(LAWS, None, 3, runs)
    changed = draw_inputs(
        {**LAWS, C: parse_law({"dist": "gamma", "mean": 1, "sd": 1})}, None, 3, runs
    )
    np.testing.assert_array_equal(more[A], base[A])
    np.testing.assert_array_equal(more[C], base[C])
    np.testing.assert_array_equal(changed[A], more[A])
    np.testing.assert_array_equal(changed[B], more[B])
    assert not np.array_equal(changed[C], more[C])


def test_draws_are_the_law_at_the_streams_uniform() -> None:
    runs = np.arange(50)
    drawn = draw_inputs(LAWS, None, 5, runs)
    for key, law in LAWS.items():
        np.testing.assert_array_equal(drawn[key], law.ppf(input_uniforms(5, runs, key)))


def test_seeds_differ() -> None:
    a = draw_inputs(LAWS, None, 1, np.arange(20))[A]
    b = draw_inputs(LAWS, None, 2, np.arange(20))[A]
    assert not np.array_equal(a, b)


def test_correlation_touches_only_its_group() -> None:
    runs = np.arange(300)
    corr = correlation_from_spec([{"keys": [A, B], "rank": -0.5}], KEYS)
    free = draw_inputs(LAWS, None, 9, runs)
    tied = draw_inputs(LAWS, corr, 9, runs)
    np.testing.assert_array_equal(tied[C], free[C])
    # The group's first key (by name) keeps its own uniform: L[0, 0] = 1.
    np.testing.assert_allclose(tied[A], free[A], rtol=1e-12)
    assert not np.allclose(tied[B], free[B])
    # And the tied pair does not depend on which block the run is in.
    part = draw_inputs(LAWS, corr, 9, np.array([250, 3]))
    np.testing.assert_array_equal(part[B], tied[B][[250, 3]])


def test_changing_a_correlated_keys_law_keeps_the_partners_draws() -> None:
    # A law is applied after the copula, so a partner's value does not move.
    runs = np.arange(200)
    corr = correlation_from_spec([{"keys": [A, B], "rank": 0.6}], KEYS)
    one = draw_inputs(LAWS, corr, 4, runs)
    other = draw_inputs(
        {**LAWS, A: parse_law({"dist": "uniform", "low": 0, "high": 1})}, corr, 4, runs
    )
    np.testing.assert_array_equal(one[B], other[B])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="seed"):
        input_uniforms(-1, np.arange(3), A)
    with pytest.raises(ValueError, match="non-negative integers"):
        input_uniforms(1, np.array([-1, 2]), A)
    corr = correlation_from_spec([{"keys": [A, B], "rank": 0.6}], KEYS)
    with pytest.raises(ValueError, match="without a law"):
        draw_inputs({A: LAWS[A]}, corr, 1, np.arange(3))


def test_fixed_inputs_are_medians() -> None:
    fixed = fixed_inputs(LAWS)
    assert fixed[C] == pytest.approx(0.008, rel=1e-12)
    # The mode lies left of the middle, so the median is b - sqrt((b - a)(b - c) / 2).
    assert fixed[B] == pytest.approx(45 - math.sqrt(20 * 15 / 2), rel=1e-12)
    assert fixed[A] == pytest.approx(LAWS[A].frozen.ppf(0.5), rel=1e-12)
    assert list(fixed) == list(LAWS)
