"""``make_plans`` computes every step length at once: the same plans as one length at a time.

The reference here is the per-length computation ``make_plans`` did before it
was vectorised: one ``scipy.linalg.expm`` per churn class and step length,
the hazard and entrant probabilities at a scalar step length, and the exit
ages' Gauss-Legendre integrals over one step. The scenario is ``transition``
(``funnel.toml`` with the month-4 changes): heterogeneity (8 churn classes),
3 tiers, and health triggers that the first row lacks and the second has, so
both rows are compiled in the union structure.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from scipy import linalg

from flysim.engines.mc.engine import _step_lengths
from flysim.engines.mc.plan import DEFAULT_CLASSES, Plan, make_plans, schedule, union_structure
from flysim.engines.mc.step_constants import expm_stack, value_moves
from flysim.model.customer import onboarding_hazards, value_generator
from flysim.model.hazards import entrant_probability, gamma_classes, hazard_probability
from flysim.model.params import compile_table
from flysim.model.rates import ModelRates
from flysim.model.states import CHANNELS
from flysim.scenario import load_scenario
from tests.builders import SCENARIOS_DIR

TOL = 1e-12

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)


def _reference_exit_ages(rate: float, dt: float) -> tuple[float, float, float]:
    """Mean times within one step of ``dt`` of an exponential pool of one rate (one at a time)."""
    if not np.isfinite(rate) or rate * dt >= 700.0:
        return 0.0, 0.0, 0.0
    if rate * dt < 1e-12:
        t = 0.5 * dt * (_NODES + 1.0)
        decay = np.exp(-rate * t)
        stay = np.sum(_WEIGHTS * t * decay) / np.sum(_WEIGHTS * decay)
        return dt / 2.0, dt / 3.0, float(stay)
    t = 0.5 * dt * (_NODES + 1.0)
    decay = np.exp(-rate * t)
    left = (dt - t) * decay

    def mean(weight: np.ndarray) -> float:
        return float(np.sum(_WEIGHTS * t * weight) / np.sum(_WEIGHTS * weight))

    return mean(decay), mean(left), mean(decay)


def _reference_moves(q: np.ndarray, tiers: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """P(elsewhere) ``(2, T)`` and where to ``(2, T, 3T)`` of one class's chain after ``dt``."""
    n = 3 * tiers
    step = linalg.expm(q * dt)
    p_exit = np.empty(2 * tiers)
    moves = np.empty((2 * tiers, n))
    for s in range(2 * tiers):
        row = np.clip(step[s], 0.0, None)
        p_exit[s] = 1.0 - row[s]
        row[s] = 0.0
        total = row.sum()
        moves[s] = row / total if total > 0 else np.eye(n)[2 * tiers + s % tiers]
    return p_exit.reshape(2, tiers), moves.reshape(2, tiers, n)


def _check_row(rates: ModelRates, plans: dict[float, Plan], tiers: int) -> None:
    mult, probs = gamma_classes(rates.churn_cv, DEFAULT_CLASSES)
    churn_on, value_rate = onboarding_hazards(rates, mult)
    out_rate = value_rate + churn_on
    decide = np.array([rates.channels[c].decide_rate for c in CHANNELS])
    generators = [value_generator(rates, float(m), tiers) for m in mult]
    for dt, plan in plans.items():
        assert plan.dt == dt
        np.testing.assert_array_equal(plan.classes, mult)
        np.testing.assert_array_equal(plan.class_probs, probs)
        close = {"rtol": TOL, "atol": TOL}
        np.testing.assert_allclose(plan.decide_old, [hazard_probability(r, dt) for r in decide])
        np.testing.assert_allclose(plan.decide_new, [entrant_probability(r, dt) for r in decide])
        np.testing.assert_array_equal(plan.onboard_exit_old, hazard_probability(out_rate, dt))
        np.testing.assert_array_equal(plan.onboard_exit_new, entrant_probability(out_rate, dt))
        ages = np.array([_reference_exit_ages(float(r), dt) for r in out_rate])
        np.testing.assert_allclose(plan.onboard_exit_age_old, ages[:, 0], **close)
        np.testing.assert_allclose(plan.onboard_exit_age_new, ages[:, 1], **close)
        np.testing.assert_allclose(plan.onboard_stay_age_new, ages[:, 2], **close)
        for k, q in enumerate(generators):
            p_exit, moves = _reference_moves(q, tiers, dt)
            np.testing.assert_allclose(plan.p_exit[k], p_exit, **close)
            np.testing.assert_allclose(plan.exit_shares[k], moves, **close)
        assert plan.p_ask == (
            float(hazard_probability(rates.ask_rate, dt)) if rates.nps_on else 0.0
        )


def test_plans_of_all_lengths_equal_one_length_at_a_time() -> None:
    table = compile_table([load_scenario(SCENARIOS_DIR / "transition.toml")])
    rows = [r for _, r in table.timeline(0)]
    st = union_structure(rows, DEFAULT_CLASSES)
    assert (st.classes, st.tiers, len(rows)) == (8, 3, 2)
    assert st.triggers and not rows[0].health.triggers  # type: ignore[union-attr]
    # Every length of 18 months with and without weekly checks, and a few odd ones.
    lengths = sorted(
        {*_step_lengths(schedule(18, 4, True)), *_step_lengths(schedule(18, 4, False))}
        | {1e-9, 30.4375, 365.0}
    )
    assert len(lengths) > 36
    for rates in rows:
        plans = make_plans(rates, lengths, DEFAULT_CLASSES, st)
        assert list(plans) == lengths
        _check_row(rates, plans, st.tiers)
        # Each length's plan is the plan of that length compiled alone.
        for dt in (lengths[0], lengths[len(lengths) // 2], lengths[-1]):
            alone = make_plans(rates, [dt], DEFAULT_CLASSES, st)[dt]
            for f in fields(Plan):
                a, b = getattr(plans[dt], f.name), getattr(alone, f.name)
                if isinstance(a, np.ndarray):
                    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f.name)
                else:
                    assert a == b, f.name


@pytest.mark.parametrize("scale", [1e-6, 0.01, 0.3, 1.0, 5.0, 40.0])
def test_expm_stack_matches_scipy(scale: float) -> None:
    rng = np.random.default_rng(7)
    # Generators (rows sum to 0, off-diagonals >= 0), as the value chain has.
    q = rng.exponential(size=(12, 7, 7)) * (rng.random((12, 7, 7)) < 0.5)
    q[:, np.arange(7), np.arange(7)] = 0.0
    q[:, np.arange(7), np.arange(7)] = -q.sum(axis=-1)
    a = q * scale
    want = np.stack([linalg.expm(m) for m in a])
    np.testing.assert_allclose(expm_stack(a), want, rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        expm_stack(a.reshape(3, 4, 7, 7)), want.reshape(3, 4, 7, 7), atol=1e-13
    )


def test_expm_stack_edge_cases() -> None:
    np.testing.assert_array_equal(
        expm_stack(np.zeros((2, 3, 3))), np.broadcast_to(np.eye(3), (2, 3, 3))
    )
    assert expm_stack(np.zeros((0, 3, 3))).shape == (0, 3, 3)
    # A value that is not finite is scipy's to answer.
    bad = np.array([[[np.inf, 0.0], [0.0, 1.0]]])
    np.testing.assert_array_equal(expm_stack(bad), linalg.expm(bad))


def test_value_moves_are_kept_per_chain_and_read_only() -> None:
    rng = np.random.default_rng(3)
    q = rng.exponential(0.01, size=(2, 9, 9))
    q[:, 6:, :] = 0.0  # the churned states absorb
    q[:, np.arange(9), np.arange(9)] = 0.0
    q[:, np.arange(9), np.arange(9)] = -q.sum(axis=-1)
    dts = np.array([3.5, 7.0])
    p_exit, moves = value_moves(q, 3, dts)
    # Equal values (another array) give the kept arrays; no caller can change them.
    again = value_moves(q.copy(), 3, dts.copy())
    assert again[0] is p_exit and again[1] is moves
    assert not p_exit.flags.writeable and not moves.flags.writeable
    for k in range(2):
        for i, dt in enumerate(dts):
            want_exit, want_moves = _reference_moves(q[k], 3, float(dt))
            np.testing.assert_allclose(p_exit[i, k], want_exit, rtol=TOL, atol=TOL)
            np.testing.assert_allclose(moves[i, k], want_moves, rtol=TOL, atol=TOL)
    # Another chain, or other step lengths, are computed anew.
    other = q.copy()
    other[0, 0, 1] += 0.001
    other[0, 0, 0] -= 0.001
    assert not np.array_equal(value_moves(other, 3, dts)[0], p_exit)
    assert value_moves(q, 3, dts[:1])[0].shape == (1, 2, 2, 3)
