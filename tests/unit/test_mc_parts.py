"""Unit tests of the numpy core's parts: sparse draws, state sums, churn classes, the plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import linalg

from flysim.engines.mc import draws, sampling
from flysim.engines.mc import tally as stocks
from flysim.engines.mc.attract import Feedback, expected_arrivals
from flysim.engines.mc.draws import ONE_BY_ONE
from flysim.engines.mc.plan import (
    DEFAULT_CLASSES,
    DEFAULT_STEPS_PER_MONTH,
    make_plan,
    schedule,
    stack_plans,
)
from flysim.engines.mc.state import State, initial_state
from flysim.engines.mc.uniforms import Stream
from flysim.model.hazards import CLASS_HORIZON, gamma_classes
from flysim.model.params import ParameterTable
from flysim.model.rates import compile_rates
from flysim.scenario import load_scenario
from flysim.units import DAYS_PER_MONTH, DAYS_PER_WEEK
from tests.builders import REFERENCE_PATH, SCENARIOS_DIR

STARTUP = SCENARIOS_DIR / "startup.toml"


def _keys(runs: int, seed: int = 21) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, size=runs, dtype=np.uint64)


def _counts(shape: tuple[int, ...], seed: int, empty: float = 0.5, high: int = 40) -> np.ndarray:
    """Whole-number counts (floats, as the state holds them), about ``empty`` of them zero."""
    rng = np.random.default_rng(seed)
    n = rng.integers(0, high, size=shape).astype(float)
    n[rng.random(shape) < empty] = 0.0
    return n


# --------------------------------------------------------------------------- sparse draws


def test_sparse_binomial_equals_the_dense_draw_and_consumes_the_same_counters() -> None:
    keys = _keys(6)
    n = _counts((6, 3, 4), seed=1)
    n[0] = 0.0  # a run with nothing to draw
    p = np.linspace(0.05, 0.95, 12).reshape(3, 4)
    sparse, dense = Stream(keys), Stream(keys)
    got = draws.binomial(sparse, n, p)
    u = dense.uniform(3, 4)
    np.testing.assert_array_equal(got, sampling.binomial(u, n, np.broadcast_to(p, n.shape)))
    assert np.all(got[n == 0] == 0.0)
    np.testing.assert_array_equal(sparse.uniform(5), dense.uniform(5))


def test_sparse_binomial_of_an_all_empty_array() -> None:
    keys = _keys(3)
    sparse, dense = Stream(keys), Stream(keys)
    got = draws.binomial(sparse, np.zeros((3, 2, 2)), 0.5)
    np.testing.assert_array_equal(got, np.zeros((3, 2, 2)))
    dense.uniform(2, 2)
    np.testing.assert_array_equal(sparse.uniform(4), dense.uniform(4))


def test_sparse_binomial_of_one_count_per_run() -> None:
    keys = _keys(4)
    n = np.array([0.0, 3.0, 0.0, 50.0])
    sparse, dense = Stream(keys), Stream(keys)
    got = draws.binomial(sparse, n, 0.4)
    np.testing.assert_array_equal(got, sampling.binomial(dense.uniform(), n, 0.4))
    np.testing.assert_array_equal(sparse.uniform(2), dense.uniform(2))


@pytest.mark.parametrize("per_cell_probs", [False, True])
def test_sparse_split_equals_the_dense_draw(per_cell_probs: bool) -> None:
    keys = _keys(5)
    n = _counts((5, 2, 3), seed=2)
    n[1, 0, 0] = 1.0  # few enough to place one by one
    n[1, 0, 1] = ONE_BY_ONE
    n[2] = 0.0
    m = 4
    per = max(m - 1, ONE_BY_ONE)
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(m), (2, 3)) if per_cell_probs else np.array([0.1, 0.2, 0.3, 0.4])
    sparse, dense = Stream(keys), Stream(keys)
    got = draws.split(sparse, n, probs)
    assert got.shape == (5, 2, 3, m)
    u = dense.uniform(2, 3, per)
    pc = np.broadcast_to(probs, (5, 2, 3, m)).reshape(-1, m)
    expected = sampling.split(u.reshape(-1, per), n.reshape(-1), pc).reshape(got.shape)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got.sum(axis=-1), n)
    assert np.all(got[n == 0] == 0.0)
    np.testing.assert_array_equal(sparse.uniform(3), dense.uniform(3))


def test_sparse_allocate_equals_the_dense_draw() -> None:
    keys = _keys(6)
    m = 5
    counts = _counts((6, 2, m), seed=5, empty=0.3)
    rng = np.random.default_rng(6)
    total = np.floor(rng.random((6, 2)) * (counts.sum(axis=-1) + 1.0))
    total[0] = 0.0
    total[1, 0] = min(3.0, counts[1, 0].sum())  # few enough to draw one by one
    sparse, dense = Stream(keys), Stream(keys)
    per = max(m - 1, ONE_BY_ONE)
    got = draws.allocate(sparse, total, counts)
    u = dense.uniform(2, per)
    expected = sampling.allocate(u.reshape(-1, per), total.reshape(-1), counts.reshape(-1, m))
    assert got.shape == counts.shape
    np.testing.assert_array_equal(got, expected.reshape(counts.shape))
    np.testing.assert_array_equal(got.sum(axis=-1), total)
    assert np.all(got <= counts) and np.all(got[total == 0] == 0.0)
    np.testing.assert_array_equal(sparse.uniform(3), dense.uniform(3))


def test_a_runs_sparse_draws_do_not_depend_on_the_other_runs_cells() -> None:
    """Emptying another run's cells changes nothing in this run, now or later."""
    keys = _keys(3)
    full = _counts((3, 4), seed=7, empty=0.0) + 1.0
    thinned = full.copy()
    thinned[1] = [0.0, 5.0, 0.0, 0.0]
    a, b = Stream(keys), Stream(keys)
    xa = draws.split(a, draws.binomial(a, full, 0.5), np.full((4, 3), 1.0 / 3.0))
    xb = draws.split(b, draws.binomial(b, thinned, 0.5), np.full((4, 3), 1.0 / 3.0))
    np.testing.assert_array_equal(xa[[0, 2]], xb[[0, 2]])
    total = np.array([[3.0], [2.0], [1.0]])
    ya = draws.allocate(a, total, full[:, None, :])
    yb = draws.allocate(b, total * [[1.0], [0.0], [1.0]], thinned[:, None, :])
    np.testing.assert_array_equal(ya[[0, 2]], yb[[0, 2]])
    np.testing.assert_array_equal(a.uniform(4)[[0, 2]], b.uniform(4)[[0, 2]])


# --------------------------------------------------------------------------- tally


@pytest.mark.parametrize("nps_on", [True, False])
def test_tally_equals_numpy_sums(nps_on: bool) -> None:
    """The compiled stocks are the state's sums, MRR priced per run's set and group."""
    rng = np.random.default_rng(5)
    runs, g, k, t = 7, 2, 3, 4
    count = lambda *shape: rng.integers(0, 10**6, size=shape).astype(float)  # noqa: E731
    state = State(
        leads=count(runs, 3),
        onboard=count(runs, g, k),
        onboard_age=np.zeros((runs, g, k)),
        value=count(runs, g, k, 2, t),
        delight=count(runs, k, 2, 3, 3) if nps_on else None,
        uplift=np.ones(runs),
        exposure=np.zeros((runs, 2)),
        sets=np.array([0, 1, 1, 0, 2, 2, 1]),
        paid_leads=np.zeros((runs, 0)),
    )
    prices = np.array([[10.0, 20.0, 35.5, 80.0], [12.0, 25.0, 40.0, 99.0], [1.0, 2.0, 3.0, 4.0]])
    got = state.tally(prices)
    customers = state.onboard.sum(axis=(1, 2)) + state.value.sum(axis=(1, 2, 3, 4))
    np.testing.assert_array_equal(got[:, stocks.CUSTOMERS], customers)
    np.testing.assert_array_equal(
        got[:, stocks.AT_RISK_N], state.value[..., 1, :].sum(axis=(1, 2, 3))
    )
    p = prices[state.sets]
    by_group = state.onboard.sum(axis=2) * p[:, :1] + np.einsum("rgkht,rt->rg", state.value, p)
    np.testing.assert_allclose(got[:, stocks.MRR], by_group.sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(got[:, stocks.MRR_REFERRAL], by_group[:, 1], rtol=1e-14)
    if nps_on:
        d = state.delight
        assert d is not None
        np.testing.assert_array_equal(state.nps_counts(), d.sum(axis=(1, 2, 4)))
        np.testing.assert_array_equal(state.advocates(), d[:, :, :, 0, 1].sum(axis=(1, 2)))
    else:
        assert not state.nps_counts().any() and not state.advocates().any()


# --------------------------------------------------------------------------- churn classes


def test_gamma_classes_without_heterogeneity_is_one_class() -> None:
    for m, p in (gamma_classes(0.0, 8), gamma_classes(0.7, 1)):
        np.testing.assert_array_equal(m, [1.0])
        np.testing.assert_array_equal(p, [1.0])


@pytest.mark.parametrize("cv", [0.01, 0.1, 0.5, 0.8, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("classes", [2, 3, 8, 12, 16, 32, 64])
def test_gamma_classes_are_a_law_of_mean_one(cv: float, classes: int) -> None:
    m, p = gamma_classes(cv, classes)
    assert m.shape == p.shape == (classes,)
    assert np.all(m > 0) and np.all(np.diff(m) >= 0) and np.all(p >= 0)
    # Exact up to the rounding of the sums.
    assert abs(p.sum() - 1.0) <= 4 * np.finfo(float).eps
    assert abs(p @ m - 1.0) <= 4 * np.finfo(float).eps
    # The variance: at most cv**2 (the Radau rule drops part of the right
    # tail), exact beyond 16 classes (Gauss-Laguerre).
    var = p @ (m - 1.0) ** 2
    assert 0.0 < var <= cv**2 * (1 + 1e-9)
    if classes > 16:
        assert var == pytest.approx(cv**2, rel=1e-9)


@pytest.mark.parametrize("cv", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("classes", [8, 12])
def test_gamma_classes_are_exact_at_their_nodes(cv: float, classes: int) -> None:
    """Survival is exact at u = j CLASS_HORIZON / (2 classes - 2), j = 0 .. 2 classes - 2."""
    m, p = gamma_classes(cv, classes)
    u = np.arange(2 * classes - 1) * CLASS_HORIZON / (2 * classes - 2)
    exact = (1.0 + cv**2 * u) ** (-1.0 / cv**2)
    np.testing.assert_allclose(np.exp(-np.outer(u, m)) @ p, exact, rtol=0, atol=1e-9)


#: Max |sum_k p_k exp(-m_k h t) - (1 + c^2 h t)^(-1/c^2)| over t in [0, 120]
#: months and h in [0.001, 0.1] a month with 8 classes, measured: 0.0000(0)
#: at cv 0.5, 0.0000(31) at cv 1.0, 0.000306 at cv 1.5 (the old quantile
#: classes: 0.0030, 0.0081, 0.0059). The issue's target is 0.001.
_SURVIVAL_BOUND = {0.5: 1e-6, 1.0: 4e-5, 1.5: 3.5e-4}


@pytest.mark.parametrize("cv", sorted(_SURVIVAL_BOUND))
def test_gamma_class_mixture_survival_error(cv: float) -> None:
    t = np.linspace(0.0, 120.0, 1201)
    a = 1.0 / cv**2
    worst = 0.0
    for h in np.geomspace(0.001, 0.1, 25):
        exact = (1.0 + h * t / a) ** -a
        m, p = gamma_classes(cv, 8)
        worst = max(worst, float(np.max(np.abs(np.exp(-np.outer(h * t, m)) @ p - exact))))
    assert worst <= min(_SURVIVAL_BOUND[cv], 1e-3)
    # Power: one class (no heterogeneity) is far off.
    assert np.max(np.abs(np.exp(-0.1 * t) - (1.0 + 0.1 * t / a) ** -a)) > 10 * 1e-3


@pytest.mark.parametrize("cv", [1.0, 1.5])
def test_gamma_classes_in_the_health_chain(cv: float) -> None:
    """A healthy/at-risk chain whose churn hazards share the multiplier: within 0.1 points.

    The chain mixes the two hazards, so its survival given the multiplier is
    a sum of two exponentials in time with rates nonlinear in the multiplier;
    the reference integrates it over the Gamma law by a 400-point
    Gauss-Laguerre rule (startup.toml's chain; measured error 0.026 points).
    """
    t = np.linspace(0.0, 120.0, 121)

    def survival(mult: np.ndarray) -> np.ndarray:
        out = np.empty((t.size, mult.size))
        for i, m in enumerate(mult):
            q = np.array([[-(0.07 + m * 0.02), 0.07], [0.2, -(0.2 + m * 0.08)]])
            w, v = np.linalg.eig(q)
            c = np.linalg.solve(v, np.ones(2))
            out[:, i] = np.real((v[0] * c)[None, :] * np.exp(np.outer(t, w))).sum(axis=1)
        return out

    a = 1.0 / cv**2
    j = np.arange(400, dtype=float)
    x, vec = linalg.eigh_tridiagonal(2.0 * j + a, np.sqrt(j[1:] * (j[1:] + a - 1.0)))
    exact = survival(x / a) @ (vec[0] ** 2 / (vec[0] ** 2).sum())
    m, p = gamma_classes(cv, 8)
    assert np.max(np.abs(survival(m) @ p - exact)) <= 1e-3


# --------------------------------------------------------------------------- the plan

_SCENARIOS = [pytest.param(STARTUP, id="startup"), pytest.param(REFERENCE_PATH, id="reference")]


def _rates(path: Path):
    return compile_rates(load_scenario(path))


@pytest.mark.parametrize("path", _SCENARIOS)
@pytest.mark.parametrize("steps_per_month", [1, DEFAULT_STEPS_PER_MONTH, 20])
def test_plan_probabilities_are_distributions(path: Path, steps_per_month: int) -> None:
    rates = _rates(path)
    plan = make_plan(rates, DAYS_PER_MONTH / steps_per_month, DEFAULT_CLASSES)
    assert plan.dt == DAYS_PER_MONTH / steps_per_month
    k = plan.classes.size
    assert k == (1 if rates.churn_cv == 0 else DEFAULT_CLASSES)
    assert plan.p_exit.shape == (k, 2, plan.tiers)
    assert np.all((plan.p_exit >= 0.0) & (plan.p_exit < 1.0))
    # Where a leaver goes: (health, tier) destinations, then churned from each tier.
    t = plan.tiers
    assert plan.exit_shares.shape == (k, 2, t, 3 * t)
    assert np.all(plan.exit_shares >= 0.0)
    np.testing.assert_allclose(plan.exit_shares.sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    own = plan.exit_shares.reshape(k, 2 * t, 3 * t)[:, np.arange(2 * t), np.arange(2 * t)]
    np.testing.assert_array_equal(own, 0.0)  # a leaver is elsewhere
    np.testing.assert_allclose(plan.onboard_shares.sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    for name in ("decide_old", "decide_new", "onboard_exit_old", "onboard_exit_new", "fire"):
        value = getattr(plan, name)
        assert np.all((value >= 0.0) & (value <= 1.0)), name
    # An entrant at a uniform time within the step leaves less often than a member from its start.
    assert np.all(plan.decide_new <= plan.decide_old)
    assert np.all(plan.onboard_exit_new <= plan.onboard_exit_old)
    assert 0.0 <= plan.p_ask < 1.0 and 0.0 <= plan.p_recover <= 1.0
    np.testing.assert_allclose(plan.nps.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("checks", [False, True])
@pytest.mark.parametrize("steps_per_month", [1, 2, DEFAULT_STEPS_PER_MONTH, 20])
@pytest.mark.parametrize("months", [1, 7, 12, 60, 120])
def test_schedule_ends_steps_at_month_ends_and_checks(
    checks: bool, steps_per_month: int, months: int
) -> None:
    """Steps tile [0, horizon); every month's end and weekly check day ends a step, once."""
    grid = schedule(months, steps_per_month, checks)
    horizon = months * DAYS_PER_MONTH
    assert grid.starts[0] == 0.0 and grid.ends[-1] == pytest.approx(horizon, abs=1e-9)
    np.testing.assert_array_equal(grid.starts[1:], grid.ends[:-1])
    lengths = grid.ends - grid.starts
    assert np.all(lengths > 0) and np.all(lengths <= DAYS_PER_MONTH / steps_per_month + 1e-9)
    month_ends = DAYS_PER_MONTH * np.arange(1, months + 1)
    np.testing.assert_array_equal(grid.ends[grid.month_end], month_ends)
    days = DAYS_PER_WEEK * np.arange(1, int(horizon // DAYS_PER_WEEK) + 2)
    days = days[days < horizon] if checks else days[:0]
    np.testing.assert_array_equal(grid.ends[grid.check], days)
    if not checks:  # a month is steps_per_month equal steps
        assert len(grid.ends) == months * steps_per_month


# --------------------------------------------------------------------------- initial state


@pytest.mark.parametrize("path", _SCENARIOS)
def test_initial_state_places_every_initial_customer(path: Path) -> None:
    rates = _rates(path)
    plan = make_plan(rates, DAYS_PER_MONTH / DEFAULT_STEPS_PER_MONTH, DEFAULT_CLASSES)
    plans = stack_plans(ParameterTable((rates,)), [plan])
    state = initial_state(plans, np.zeros(50, dtype=np.int64), Stream(_keys(50)))
    np.testing.assert_array_equal(state.customers(), float(rates.initial_customers))
    if plan.nps_on:
        assert state.delight is not None
        np.testing.assert_array_equal(
            state.delight.reshape(50, -1).sum(axis=1), float(rates.initial_customers)
        )
        np.testing.assert_array_equal(state.advocates(), float(rates.initial_advocates))


# --------------------------------------------------------------------------- arrivals


def test_feedback_reads_the_drivers_at_the_step_midpoint() -> None:
    """``Feedback``: the drivers extrapolated to the midpoint from the steps before.

    The first step reads its start; the second reads ``x1 + (dt / 2) x'`` with
    the slope of the first and adds the first's shortfall (the rates at its
    ends' mean less at its start); after a short step the slope spans the
    last steps reaching half the step; a driver never goes below 0.
    """
    rates = _rates(STARTUP)
    dt = DAYS_PER_MONTH / DEFAULT_STEPS_PER_MONTH
    table = ParameterTable((rates,))
    plans = {d: stack_plans(table, [make_plan(rates, d, DEFAULT_CLASSES)]) for d in (dt, 1.0)}
    params = table.per_run(np.zeros(2, dtype=np.int64))

    def x(reached: float, promoters: float, advocates: float) -> np.ndarray:
        return np.array([[reached, 500.0], [promoters, 5.0], [advocates, 1.0]])

    def means(drivers: np.ndarray, plan_dt: float = dt, t0: float = 0.0) -> np.ndarray:
        return np.concatenate(expected_arrivals(plans[plan_dt], params, t0, drivers), axis=1)

    fb = Feedback()
    x0, x1, x2 = x(100, 20, 4), x(140, 30, 10), x(190, 42, 18)
    np.testing.assert_array_equal(
        np.concatenate(fb.means(plans[dt], params, 0.0, x0), 1), means(x0)
    )
    fb.advance(plans[dt], params, 0.0, x0, x1)
    carry = means((x0 + x1) / 2) - means(x0)
    assert np.all(carry[0] != 0.0)  # the state-driven channels' shortfall
    got = np.concatenate(fb.means(plans[dt], params, dt, x1), axis=1)
    np.testing.assert_allclose(got, means(x1 + 0.5 * (x1 - x0), t0=dt) + carry, rtol=1e-12)
    # The shortfall is added once; a short step's slope is not extrapolated alone.
    fb.advance(plans[dt], params, dt, x1, x2)
    jump = x(190, 50, 25)  # a check's rescues moved promoters and advocates
    fb.advance(plans[1.0], params, 2 * dt, jump, jump + 1.0)
    start = jump + 1.0
    got = np.concatenate(fb.means(plans[dt], params, 2 * dt + 1, start), axis=1)
    slope = (x2 - x1 + 1.0) / (dt + 1.0)
    np.testing.assert_allclose(got, means(start + 0.5 * dt * slope, t0=2 * dt + 1), rtol=1e-12)
    # Falling drivers stop at 0 (run 0; run 1's drivers do not move).
    fb = Feedback()
    x0, x1 = x(100, 20, 4), x(10, 2, 1)
    fb.advance(plans[dt], params, 0.0, x0, x1)
    mid = x1 + 0.5 * (x1 - x0)
    assert np.all(mid[:, 0] < 0.0)
    got = np.concatenate(fb.means(plans[dt], params, dt, x1), axis=1)
    carry = means((x0 + x1) / 2) - means(x0)
    want = np.maximum(means(np.maximum(mid, 0.0), t0=dt) + carry, 0.0)
    np.testing.assert_allclose(got, want, rtol=1e-12)
