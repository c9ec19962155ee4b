"""Unit tests of the numpy core's random numbers: keyed uniforms and draws by inversion.

Inversion makes a draw a deterministic function of its uniform, so most of
these tests are exact: on a fine grid of uniforms ``u_i = (i + 1/2) / N`` the
exact tier must return scipy's quantile function at every grid point, and the
tier searching from the mode too. Tests marked
``statistical`` compare means from the keyed uniforms with closed forms, within
``Z`` standard errors (``tests/stats.py``).
"""

from __future__ import annotations

import signal

import numpy as np
import pytest
from scipy import stats

from flysim.engines.mc import sampling
from flysim.engines.mc.draws import ONE_BY_ONE
from flysim.engines.mc.sampling import EXACT_MEAN
from flysim.engines.mc.uniforms import STEP_STRIDE, Stream
from flysim.rng import STREAMS, extra_keys, run_keys, spawned_states, stream_key
from tests.stats import assert_within, binomial_se

#: The largest uniform the streams can produce (53-bit doubles below 1).
U_MAX = 1.0 - 2.0**-53
_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15


def _grid(n: int) -> np.ndarray:
    """Midpoints of ``n`` equal cells of [0, 1): inversion on them is deterministic."""
    return (np.arange(n) + 0.5) / n


def _splitmix64(state: int) -> tuple[int, int]:
    """Reference SplitMix64 (Steele, Lea and Flood 2014) in plain Python integers."""
    state = (state + _GAMMA) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return state, z ^ (z >> 31)


def _keys(runs: int, seed: int = 11) -> np.ndarray:
    """Arbitrary 64-bit keys (``run_keys`` is tested on its own below)."""
    return np.random.default_rng(seed).integers(
        0, 2**64, size=runs, dtype=np.uint64, endpoint=False
    )


# --------------------------------------------------------------------------- uniforms


def test_splitmix64_reference_vector() -> None:
    """The reference implementation gives SplitMix64's published outputs from seed 0."""
    state, outs = 0, []
    for _ in range(3):
        state, z = _splitmix64(state)
        outs.append(z)
    assert outs == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_stream_is_splitmix64_of_the_key() -> None:
    """The i-th uniform of a key is SplitMix64's i-th output from it, top 53 bits / 2**53."""
    keys = np.array([0, 1, 0xDEADBEEF, _MASK - 5, _MASK], dtype=np.uint64)
    got = Stream(keys).uniform(6)
    for r, key in enumerate(keys.tolist()):
        state, expected = key, []
        for _ in range(6):
            state, z = _splitmix64(state)
            expected.append((z >> 11) * 2.0**-53)
        np.testing.assert_array_equal(got[r], expected)


def test_uniforms_lie_in_the_unit_interval() -> None:
    u = Stream(_keys(50)).uniform(2000)
    assert u.shape == (50, 2000)
    assert u.dtype == np.float64
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert U_MAX < 1.0  # the largest 53-bit value is itself below 1


def test_uniform_shapes_and_counter_consumption() -> None:
    keys = _keys(3)
    a, b = Stream(keys), Stream(keys)
    assert a.uniform().shape == (3,)
    assert a.uniform(2, 4).shape == (3, 2, 4)
    # 1 + 8 counters consumed: the next number is the tenth of a fresh stream.
    np.testing.assert_array_equal(a.uniform(), b.uniform(10)[:, 9])


def test_uniform_at_gives_exactly_the_cells_uniform_would() -> None:
    keys = _keys(4)
    dense, sparse = Stream(keys), Stream(keys)
    dense.uniform(7)
    sparse.uniform(7)
    full = dense.uniform(5, 3)  # (runs, cells, per)
    # Run 0 cells 0 and 4, run 1 cell 1, run 2 cell 1, run 3 cell 4.
    flat = np.array([0, 4, 6, 11, 19])
    part = sparse.uniform_at(5, flat, per=3)
    assert part.shape == (flat.size, 3)
    np.testing.assert_array_equal(part, full.reshape(-1, 3)[flat])
    # The whole draw's counters were consumed, used or not.
    np.testing.assert_array_equal(sparse.uniform(2), dense.uniform(2))


def test_uniform_at_with_no_cells_still_consumes_the_counters() -> None:
    keys = _keys(2)
    dense, sparse = Stream(keys), Stream(keys)
    dense.uniform(6, 2)
    assert sparse.uniform_at(6, np.array([], dtype=np.int64), per=2).shape == (0, 2)
    np.testing.assert_array_equal(sparse.uniform(3), dense.uniform(3))


def test_at_step_positions_at_the_steps_first_counter() -> None:
    keys = _keys(3)
    s = Stream(keys)
    s.uniform(5)
    s.at_step(2)
    stepped = s.uniform(4)
    # The same counters reached from step 0 without computing the ones before.
    ref = Stream(keys)
    size = 2 * STEP_STRIDE + 4
    cells = np.arange(2 * STEP_STRIDE, size)
    flat = (np.arange(3)[:, None] * size + cells).ravel()
    np.testing.assert_array_equal(stepped, ref.uniform_at(size, flat)[:, 0].reshape(3, 4))
    # Positioning is absolute: returning to a step repeats its numbers.
    s.at_step(2)
    np.testing.assert_array_equal(s.uniform(4), stepped)
    s.at_step(0)
    np.testing.assert_array_equal(s.uniform(4), Stream(keys).uniform(4))
    s.at_step(3)
    assert not np.any(s.uniform(4) == stepped)


def test_different_keys_give_different_streams() -> None:
    u = Stream(_keys(20)).uniform(100)
    # Any shared value between two 100-long streams would be a 2**-53 coincidence.
    assert np.unique(u).size == u.size


def test_a_runs_numbers_do_not_depend_on_the_other_runs() -> None:
    keys = _keys(10)
    whole = Stream(keys)
    whole.at_step(3)
    full = whole.uniform(4, 2)
    subset = np.array([7, 2, 5])
    part = Stream(keys[subset])
    part.at_step(3)
    np.testing.assert_array_equal(part.uniform(4, 2), full[subset])
    single = Stream(keys[[9]])
    single.at_step(3)
    np.testing.assert_array_equal(single.uniform(4, 2)[0], full[9])


@pytest.mark.statistical
def test_uniforms_fill_equal_bins_equally() -> None:
    u = Stream(_keys(40)).uniform(5000).ravel()
    counts = np.bincount((u * 10).astype(int), minlength=10)
    assert_within(counts / u.size, 0.1, binomial_se(0.1, u.size), what="uniform deciles")


# --------------------------------------------------------------------------- run_keys


def test_run_keys_shape_and_dtype() -> None:
    keys = run_keys(5, np.arange(7))
    assert keys.shape == (7, len(STREAMS))
    assert keys.dtype == np.uint64
    assert np.unique(keys).size == keys.size
    assert run_keys(5, np.arange(0)).shape == (0, len(STREAMS))


def test_run_keys_depend_only_on_seed_and_run() -> None:
    full = run_keys(42, np.arange(10))
    np.testing.assert_array_equal(run_keys(42, np.array([7, 3])), full[[7, 3]])
    np.testing.assert_array_equal(run_keys(42, [9]), full[[9]])
    assert not np.any(run_keys(43, np.arange(10)) == full)
    # The documented derivation, so stored results stay reproducible across versions.
    ss = np.random.SeedSequence(entropy=42, spawn_key=(4, stream_key("counter")))
    np.testing.assert_array_equal(full[4], ss.generate_state(len(STREAMS), np.uint64))


@pytest.mark.parametrize("seed", [0, 5, 2**32 - 1, 2**32, 2**63 - 1, 2**128 + 3])
@pytest.mark.parametrize(
    "tail", [(stream_key("counter"),), (stream_key("counter"), stream_key("paid:x")), (2**33, 0)]
)
def test_spawned_states_are_numpys_seed_sequence(seed: int, tail: tuple[int, ...]) -> None:
    # Seeds of one to five words; runs of one word (vectorised) and two (numpy's own).
    runs = np.array([0, 1, 7, 1000, 2**31, 2**32 - 1, 2**32, 2**40])
    for n in (1, 8):
        expected = [
            np.random.SeedSequence(entropy=seed, spawn_key=(int(r), *tail)).generate_state(
                n, np.uint64
            )
            for r in runs
        ]
        np.testing.assert_array_equal(spawned_states(seed, runs, tail, n), np.array(expected))
    assert extra_keys(seed, runs[:3], "paid:x").tolist() == [
        np.random.SeedSequence(
            entropy=seed, spawn_key=(int(r), stream_key("counter"), stream_key("paid:x"))
        ).generate_state(1, np.uint64)[0]
        for r in runs[:3]
    ]


def test_spawned_states_refuse_negative_words_and_take_no_runs() -> None:
    assert spawned_states(3, np.array([], dtype=np.int64), (1,), 2).shape == (0, 2)
    for seed, runs, tail in ((-1, [0], (1,)), (0, [-1], (1,)), (0, [0], (-1,)), (0, [0.5], (1,))):
        with pytest.raises(ValueError, match=r"non-negative|>= 0"):
            spawned_states(seed, np.array(runs), tail, 1)


def test_run_keys_reject_a_negative_seed() -> None:
    with pytest.raises(ValueError, match="seed"):
        run_keys(-1, np.arange(2))


# --------------------------------------------------------------------------- normal


def test_normal_is_the_normal_quantile_and_finite_at_the_ends() -> None:
    u = _grid(1000)
    np.testing.assert_allclose(sampling.normal(u), stats.norm.ppf(u), rtol=1e-12, atol=1e-12)
    ends = sampling.normal(np.array([0.0, U_MAX]))
    assert np.all(np.isfinite(ends))
    assert ends[0] < -37.0 and ends[1] > 8.0


# --------------------------------------------------------------------------- degenerate cases

_EDGE_U = np.array([0.0, 1e-300, 0.3, 0.5, 0.9, 1.0 - 1e-12, U_MAX])


@pytest.mark.parametrize("n", [0.0, 1.0, 7.0, 29.0, 31.0, 1e3, 1e6])
def test_binomial_degenerate_probabilities(n: float) -> None:
    u = _EDGE_U
    np.testing.assert_array_equal(sampling.binomial(u, n, 0.0), 0.0)
    np.testing.assert_array_equal(sampling.binomial(u, n, 1.0), n)


@pytest.mark.parametrize("p", [0.0, 1e-9, 0.2, 0.5, 0.8, 1.0])
def test_binomial_of_zero_trials_is_zero(p: float) -> None:
    np.testing.assert_array_equal(sampling.binomial(_EDGE_U, 0.0, p), 0.0)


def test_poisson_of_zero_mean_is_zero() -> None:
    np.testing.assert_array_equal(sampling.poisson(_EDGE_U, 0.0), 0.0)


def test_hypergeometric_degenerate_urns() -> None:
    u = _EDGE_U
    z = np.zeros_like(u)
    # Nothing drawn, no good ones, or only good ones: the answer is certain.
    np.testing.assert_array_equal(sampling.hypergeometric(u, z + 9, z + 4, z), 0.0)
    np.testing.assert_array_equal(sampling.hypergeometric(u, z, z + 4, z + 3), 0.0)
    np.testing.assert_array_equal(sampling.hypergeometric(u, z + 9, z, z + 5), 5.0)
    # Drawing the whole urn takes every good one, in both tiers.
    np.testing.assert_array_equal(sampling.hypergeometric(u, z + 9, z + 4, z + 13), 9.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.testing.assert_array_equal(sampling.hypergeometric(u, z + 900, z + 40, z + 940), 900.0)


def test_draws_keep_the_shape_of_the_uniforms() -> None:
    u = _grid(24).reshape(2, 3, 4)
    n = np.array([0.0, 5.0, 50.0, 5e4])
    assert sampling.binomial(u, n, 0.3).shape == (2, 3, 4)
    assert sampling.poisson(u, n).shape == (2, 3, 4)
    assert sampling.hypergeometric(u, n, n + 1, n).shape == (2, 3, 4)


# --------------------------------------------------------------------------- support


def test_draws_respect_their_support() -> None:
    rng = np.random.default_rng(5)
    size = 20_000
    u = rng.random(size)
    u[:50] = U_MAX
    u[50:100] = 0.0
    # Magnitudes from 0 to 1e6, so every tier is visited.
    n = np.floor(10.0 ** rng.uniform(0, 6, size)) - 1.0
    p = rng.choice([0.0, 1e-6, 1e-3, 0.05, 0.3, 0.5, 0.7, 0.999, 1.0], size)
    x = sampling.binomial(u, n, p)
    assert np.all(x == np.floor(x))
    assert np.all((x >= 0) & (x <= n))

    lam = n * rng.random(size)
    y = sampling.poisson(np.minimum(u, 1.0 - 1e-12), lam)  # U_MAX: see the hang test below
    assert np.all(y == np.floor(y))
    assert np.all(y >= 0)

    good = np.floor(10.0 ** rng.uniform(0, 6, size)) - 1.0
    bad = np.floor(10.0 ** rng.uniform(0, 6, size)) - 1.0
    sample = np.floor(rng.random(size) * (good + bad + 1.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        h = sampling.hypergeometric(u, good, bad, sample)
    assert np.all(h == np.floor(h))
    assert np.all(h >= np.maximum(0.0, sample - bad))
    assert np.all(h <= np.minimum(good, sample))


# --------------------------------------------------------------------------- independence


def _near_cdf_values(cdf: np.ndarray, ulps: int = 64) -> np.ndarray:
    """Uniforms within ``ulps`` of CDF values: where summation order could flip a draw."""
    f = cdf[(cdf > 0) & (cdf < 1 - 1e-13)]
    u = f[:, None] + np.arange(-ulps, ulps + 1) * np.spacing(f)[:, None]
    return np.clip(u, 0.0, U_MAX).ravel()


def test_a_draw_does_not_depend_on_the_other_draws_in_the_call() -> None:
    """Chunk independence at the sampling level: batched draws equal lone ones.

    The parameters mix every tier, and the uniforms include values within a few
    ulps of the CDF, where a block width or start chosen from the batch (not
    the draw) would change the answer.
    """
    rng = np.random.default_rng(17)
    lam = np.array([0.5, 4.0, 9.3, 17.0, 29.0, 300.0])
    u_list, lam_list = [], []
    for m in lam[:-1]:
        u = _near_cdf_values(stats.poisson.cdf(np.arange(int(m + 12 * np.sqrt(m) + 12)), m), 8)
        u_list.append(u)
        lam_list.append(np.full(u.size, m))
    u = np.concatenate([*u_list, rng.random(200)])
    lams = np.concatenate([*lam_list, rng.choice(lam, 200)])
    batched = sampling.poisson(u, lams)
    for m in lam:
        sel = lams == m
        np.testing.assert_array_equal(batched[sel], sampling.poisson(u[sel], m))
    rows = rng.choice(u.size, 60, replace=False)
    alone = [sampling.poisson(u[i : i + 1], lams[i])[0] for i in rows]
    np.testing.assert_array_equal(batched[rows], alone)

    n = rng.choice([3.0, 40.0, 200.0, 1e4, 1e6], u.size)
    p = rng.choice([1e-4, 0.01, 0.1, 0.5, 0.9], u.size)
    batched = sampling.binomial(u, n, p)
    alone = [sampling.binomial(u[i : i + 1], n[i], p[i])[0] for i in rows]
    np.testing.assert_array_equal(batched[rows], alone)
    good, bad = rng.choice([5.0, 60.0, 1e3, 1e5], (2, u.size))
    sample = np.floor(rng.random(u.size) * (good + bad))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        batched = sampling.hypergeometric(u, good, bad, sample)
        alone = [sampling.hypergeometric(u[i], good[i], bad[i], sample[i]) for i in rows]
    np.testing.assert_array_equal(batched[rows], alone)


# --------------------------------------------------------------------------- the exact tiers

_N_GRID = 20_000

_BINOMIAL_EXACT = [
    (1.0, 0.3),
    (10.0, 0.3),  # P(0) path and a short search
    (1000.0, 0.001),  # mostly P(0)
    (1e6, EXACT_MEAN / 1e6),  # the largest mean searched exactly
    (2.0 * EXACT_MEAN, 0.5),  # the same at p = 1/2: no flip
    (200.0, EXACT_MEAN / 300.0),
]


@pytest.mark.parametrize(("n", "p"), _BINOMIAL_EXACT)
def test_binomial_exact_tier_is_scipys_quantile(n: float, p: float) -> None:
    assert n * p <= EXACT_MEAN
    u = _grid(_N_GRID)
    np.testing.assert_array_equal(sampling.binomial(u, n, p), stats.binom.ppf(u, n, p))


@pytest.mark.parametrize(
    ("n", "p"), [(10.0, 0.7), (4.0 * EXACT_MEAN, 0.75), (5.0, 0.999), (1e6, 1 - EXACT_MEAN / 2e6)]
)
def test_binomial_above_one_half_is_still_the_quantile_at_u(n: float, p: float) -> None:
    """Above 1/2 it draws the failures, ``n - Binomial(n, 1 - p)`` at ``1 - u``: the same quantile.

    So a draw rises with its uniform whatever ``p``: scenarios either side of
    1/2 share their numbers (at ``u`` itself the two would be anti-correlated).
    """
    assert n * (1.0 - p) <= EXACT_MEAN
    u = _grid(_N_GRID)
    x = sampling.binomial(u, n, p)
    np.testing.assert_array_equal(x, stats.binom.ppf(u, n, p))
    np.testing.assert_array_equal(x, n - sampling.binomial(1.0 - u, n, 1.0 - p))


def test_binomial_zero_fast_path_boundary() -> None:
    """``X = 0`` exactly when ``u < P(X = 0)``."""
    n, p = 50.0, 0.01
    p0 = (1.0 - p) ** n
    u = np.array([0.0, p0 * (1 - 1e-12), p0 * (1 + 1e-12), U_MAX])
    x = sampling.binomial(u, n, p)
    assert x[0] == 0.0 and x[1] == 0.0
    assert x[2] == 1.0


@pytest.mark.parametrize("lam", [1e-3, 0.5, 3.0, EXACT_MEAN / 2 + 0.25, EXACT_MEAN])
def test_poisson_exact_tier_is_scipys_quantile(lam: float) -> None:
    u = _grid(_N_GRID)
    np.testing.assert_array_equal(sampling.poisson(u, lam), stats.poisson.ppf(u, lam))


def _hypergeometric_quantile(u: np.ndarray, good: int, bad: int, sample: int) -> np.ndarray:
    """The quantile by its definition, min{k: F(k) >= u}, from scipy's CDF of the good ones.

    ``hypergeom.ppf`` gives the same, 50 times slower. (The sampler searches
    the smaller kind within the smaller of drawn and left behind, at ``1 - u``
    where that reverses the order: the same quantile.)
    """
    ks = np.arange(max(0, sample - bad), min(good, sample) + 1)
    cdf = stats.hypergeom.cdf(ks, good + bad, good, sample)
    return ks[np.minimum(np.searchsorted(cdf, u, side="left"), ks.size - 1)]


_HYPER_EXACT = [
    (5, 20, 10),
    (100, 1000, int(EXACT_MEAN * 1100 / 100)),  # the largest mean searched exactly
    (10, 5, 12),  # at least 7 good ones must come: the search starts above 0
    (1000, 50, int(EXACT_MEAN * 1050 / 1000)),
]


@pytest.mark.parametrize(("good", "bad", "sample"), _HYPER_EXACT)
def test_hypergeometric_exact_tier_is_scipys_quantile(good: int, bad: int, sample: int) -> None:
    assert sample * good / (good + bad) <= EXACT_MEAN
    u = _grid(_N_GRID)
    z = np.zeros_like(u)
    x = sampling.hypergeometric(u, z + good, z + bad, z + sample)
    np.testing.assert_array_equal(x, _hypergeometric_quantile(u, good, bad, sample))


def test_exact_tier_vectorises_mixed_parameters() -> None:
    """Elements with different parameters in one call get the same answers as alone."""
    u = _grid(3000)
    n = np.tile([0.0, 1.0, 10.0, 60.0, 1e6, 500.0], 500)
    p = np.tile([0.5, 0.3, 0.7, 0.5, 3e-5, 0.2], 500)
    x = sampling.binomial(u, n, p)
    for j in range(6):
        np.testing.assert_array_equal(x[j::6], sampling.binomial(u[j::6], n[j], p[j]))


# --------------------------------------------------------------------------- from the mode

#: Laws whose mean is above ``EXACT_MEAN``: the search starts at the mode. Up to
#: a mean of a million (a hundred times the largest counts of the shipped
#: scenarios), both sides of 1/2, and hypergeometric urns of every shape.
_BINOMIAL_MODE = [
    (1000.0, 1.1 * EXACT_MEAN / 1000.0),  # just above the tier
    (1000.0, 0.3),
    (1e4, 0.5),
    (1e7, 0.1),
    (1000.0, 0.9),  # above 1/2: the failures are drawn
    (3e6, 0.99),
]


@pytest.mark.parametrize(("n", "p"), _BINOMIAL_MODE)
def test_binomial_from_the_mode_is_scipys_quantile(n: float, p: float) -> None:
    assert n * min(p, 1 - p) > EXACT_MEAN
    u = _grid(_N_GRID)
    np.testing.assert_array_equal(sampling.binomial(u, n, p), stats.binom.ppf(u, n, p))


@pytest.mark.parametrize(
    "lam", [EXACT_MEAN * (1 + 1e-9), EXACT_MEAN + 0.5, 3.7 * EXACT_MEAN, 1e3, 2.5e4, 1e6]
)
def test_poisson_from_the_mode_is_scipys_quantile(lam: float) -> None:
    u = _grid(_N_GRID)
    np.testing.assert_array_equal(sampling.poisson(u, lam), stats.poisson.ppf(u, lam))


@pytest.mark.parametrize(
    ("good", "bad", "sample"),
    [
        (1000, 1000, 100),
        (1000, 200, 120),
        (1000, 200, 1080),
        (10000, 2000, 120),
        (5000, 5000, 5000),
        (400_000, 600_000, 300_000),
        (1_000_000, 3, 100),  # a rare kind beside a huge one: searched from the bottom
    ],
)
def test_hypergeometric_from_the_mode_is_scipys_quantile(good: int, bad: int, sample: int) -> None:
    u = _grid(_N_GRID)
    z = np.zeros_like(u)
    x = sampling.hypergeometric(u, z + good, z + bad, z + sample)
    np.testing.assert_array_equal(x, _hypergeometric_quantile(u, good, bad, sample))


def test_draws_are_monotone_in_their_uniform() -> None:
    """Inversion: a larger uniform never gives a smaller count (common random numbers)."""
    u = _grid(5000)
    for x in (
        sampling.poisson(u, 812.3),
        sampling.binomial(u, 5e5, 0.002),
        sampling.binomial(u, 40.0, 0.93),  # the failures drawn
        sampling.binomial(u, 2e4, 0.7),
        sampling.hypergeometric(u, u * 0 + 3000, u * 0 + 9000, u * 0 + 2500),
        sampling.hypergeometric(u, u * 0 + 9000, u * 0 + 3000, u * 0 + 2500),  # swapped
        sampling.hypergeometric(u, u * 0 + 3000, u * 0 + 9000, u * 0 + 9500),  # left behind
    ):
        assert np.all(np.diff(x) >= 0)


class _TimeoutError(Exception):
    """The guarded call ran past its time."""


def _within_seconds(seconds: float, fn, *args):
    """``fn(*args)``, or ``_TimeoutError`` past ``seconds`` (the failure is an endless loop)."""

    def ring(signum, frame):
        raise _TimeoutError

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_exact_search_ends_at_the_largest_uniforms() -> None:
    """Near u = 1 the float CDF can saturate just below u; the search must still stop.

    An earlier search hung (Poisson) or returned n (binomial) for ~40 % of
    the means at u = 1 - 2**-53 and up to 8 ulps below. Where it stops is not
    checked beyond the far tail: those uniforms carry a mass of ~1e-15.
    """
    lam = np.linspace(0.01, EXACT_MEAN, 1500)
    n = np.repeat([5.0, 20.0, 50.0, 300.0, 1000.0], 300)
    p = np.tile(np.linspace(0.001, 0.5, 300), 5)
    keep = n * p <= EXACT_MEAN
    n, p = n[keep], p[keep]
    for ulps in (1, 3, 8, 16):
        u = 1.0 - ulps * 2.0**-53
        x = _within_seconds(2.0, sampling.poisson, np.full(lam.size, u), lam)
        assert np.all(x >= stats.poisson.ppf(1 - 1e-12, lam))
        y = _within_seconds(2.0, sampling.binomial, np.full(n.size, u), n, p)
        assert np.all((y >= stats.binom.ppf(1 - 1e-12, n, p)) & (y <= n))


# --------------------------------------------------------------------------- split and allocate


def _stream_u(runs: int, *shape: int, seed: int = 3) -> np.ndarray:
    return Stream(_keys(runs, seed)).uniform(*shape)


def test_split_rows_sum_to_n() -> None:
    rng = np.random.default_rng(8)
    rows, m = 4000, 5
    n = np.floor(10.0 ** rng.uniform(0, 6, rows)) - 1.0
    n[:200] = rng.integers(1, m, 200)  # placed one by one, mixed with the sequential path
    probs = rng.dirichlet(np.ones(m), rows)
    probs[::7, 2] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    out = sampling.split(_stream_u(rows, m - 1), n, probs)
    assert out.shape == (rows, m)
    np.testing.assert_array_equal(out.sum(axis=1), n)
    assert np.all(out >= 0) and np.all(out == np.floor(out))
    assert np.all(out[::7, 2] == 0.0)  # no one goes where the probability is 0


def test_split_broadcasts_one_probability_vector_over_any_shape() -> None:
    n = np.arange(24.0).reshape(2, 3, 4)
    u = _grid(24 * 2).reshape(2, 3, 4, 2)
    out = sampling.split(u, n, np.array([0.2, 0.5, 0.3]))
    assert out.shape == (2, 3, 4, 3)
    np.testing.assert_array_equal(out.sum(axis=-1), n)


def test_split_into_one_category_keeps_everyone() -> None:
    n = np.array([0.0, 1.0, 5.0])
    np.testing.assert_array_equal(sampling.split(np.zeros((3, 0)), n, np.ones(1)), n[:, None])


def test_split_of_one_is_a_categorical_draw_from_the_first_uniform() -> None:
    probs = np.array([0.25, 0.0, 0.5, 0.25])
    u = np.zeros((5, 3))
    u[:, 0] = [0.0, 0.2499, 0.25, 0.7499, 0.75]
    u[:, 1:] = 0.99  # unused by this path
    out = sampling.split(u, np.ones(5), probs)
    np.testing.assert_array_equal(out.argmax(axis=1), [0, 0, 2, 2, 3])
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)


def test_allocate_rows_sum_to_total_and_never_exceed_a_cell() -> None:
    rng = np.random.default_rng(9)
    rows, m = 4000, 6
    counts = np.floor(10.0 ** rng.uniform(0, 5, (rows, m))) - 1.0
    counts[rng.random((rows, m)) < 0.2] = 0.0
    total = np.floor(rng.random(rows) * (counts.sum(axis=1) + 1.0))
    total[:300] = np.minimum(rng.integers(1, m, 300), counts[:300].sum(axis=1))  # one by one
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = sampling.allocate(_stream_u(rows, m - 1), total, counts)
    assert out.shape == counts.shape
    np.testing.assert_array_equal(out.sum(axis=1), total)
    assert np.all(out >= 0) and np.all(out <= counts)
    assert np.all(out == np.floor(out))


def test_allocate_of_everyone_takes_every_cell_whole() -> None:
    counts = np.array([[3.0, 0.0, 5.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    out = sampling.allocate(_grid(6).reshape(3, 2), counts.sum(axis=1), counts)
    np.testing.assert_array_equal(out, counts)


def test_allocate_of_one_picks_a_cell_in_proportion_to_its_count() -> None:
    counts = np.tile([2.0, 0.0, 3.0, 5.0], (6, 1))
    u = np.zeros((6, 3))
    u[:, 0] = [0.0, 0.199, 0.2, 0.499, 0.5, U_MAX]
    out = sampling.allocate(u, np.ones(6), counts)
    np.testing.assert_array_equal(out.argmax(axis=1), [0, 0, 2, 2, 3, 3])


_RUNS = 40_000
#: Uniforms per row in the statistical tests, as the sparse wrappers reserve them.
_PER = max(4, ONE_BY_ONE)


@pytest.mark.statistical
@pytest.mark.parametrize("n", [1.0, 3.0, float(_PER), _PER + 1.0, 5000.0])
def test_split_means(n: float) -> None:
    """One by one (n up to the uniforms per row), else sequential binomials (mode: 5000)."""
    probs = np.array([0.1, 0.45, 0.0, 0.3, 0.15])
    out = sampling.split(_stream_u(_RUNS, _PER, seed=int(n)), np.full(_RUNS, n), probs)
    np.testing.assert_array_equal(out.sum(axis=1), n)
    se = np.sqrt(n * probs * (1 - probs) / _RUNS)
    assert_within(out.mean(axis=0), n * probs, se, what=f"split of {n:g}: means")


@pytest.mark.statistical
@pytest.mark.parametrize("total", [1.0, 5.0, float(_PER), 20.0, 400.0])
def test_allocate_means(total: float) -> None:
    """One by one (up to the uniforms per row), else sequential (from the mode: 400 of 1020)."""
    counts = np.array([300.0, 0.0, 500.0, 20.0, 200.0])
    size = counts.sum()
    out = sampling.allocate(
        _stream_u(_RUNS, _PER, seed=100 + int(total)),
        np.full(_RUNS, total),
        np.tile(counts, (_RUNS, 1)),
    )
    np.testing.assert_array_equal(out.sum(axis=1), total)
    f = counts / size
    var = total * f * (1 - f) * (size - total) / (size - 1)
    assert_within(
        out.mean(axis=0), total * f, np.sqrt(var / _RUNS), what=f"allocate {total:g}: means"
    )


@pytest.mark.statistical
def test_allocate_one_by_one_depletes_a_small_cell() -> None:
    """Without replacement: from cells (1, 1), two draws always take one of each."""
    out = sampling.allocate(
        _stream_u(1000, 4, seed=7), np.full(1000, 2.0), np.tile([1.0, 1.0], (1000, 1))
    )
    np.testing.assert_array_equal(out, 1.0)
