"""Closed forms the statistical tests compare the engines with.

Pure functions of the model's parameters (MODEL.md), none of them reading an
engine: the customer chain's lifetimes and state distributions (phase-type
forms through the matrix exponential), the Bass curve and the finite market's
exact mean, and what the numpy core's fixed step does to a quantity where
arrivals feed back (second order) or where a metric is read at step ends (the
revenue trapezoid). ``first_order_step`` and ``bass_euler`` are the former
step schemes (competing risks; arrival rates held at the step's start), kept
as the alternatives the time-step tests must be able to reject.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import expm
from scipy.sparse.linalg import expm_multiply

__all__ = [
    "bass_chain_mean",
    "bass_curve",
    "bass_euler",
    "bass_stepped",
    "chain_moments",
    "first_order_step",
    "revenue_lifetime_mean",
    "stepped_revenue_lifetime",
    "truncated_lifetime_moments",
    "value_chain_generator",
]


# -- customer lifetimes ------------------------------------------------------------------


def truncated_lifetime_moments(
    generator: np.ndarray, start: np.ndarray, horizon: float
) -> tuple[float, float]:
    """``E[min(L, T)]`` and ``E[min(L, T)^2]`` of a phase-type lifetime ``L``.

    ``L`` is the time to absorption (churn) of a continuous-time chain with
    transient generator ``A`` (``generator``), started in ``start``; its
    survival is ``S(t) = start e^{At} 1``. Then ``E[min(L, T)] = int_0^T S``
    and ``E[min(L, T)^2] = 2 int_0^T t S(t) dt``, which integrate to
    ``start (-A)^-1 (I - e^{AT}) 1`` and
    ``2 start (T A^-1 e^{AT} - A^-2 (e^{AT} - I)) 1``.
    """
    a = np.asarray(generator, dtype=float)
    eye, ones = np.eye(len(a)), np.ones(len(a))
    e_at = expm(a * horizon)
    a_inv = np.linalg.inv(a)
    first = start @ (-a_inv) @ (eye - e_at) @ ones
    second = 2.0 * start @ (horizon * a_inv @ e_at - a_inv @ a_inv @ (e_at - eye)) @ ones
    return float(first), float(second)


def stepped_revenue_lifetime(
    step: np.ndarray, start: np.ndarray, horizon: float, steps_per_month: int
) -> float:
    """Expected revenue per customer at an MRR of 1, read as the numpy core reads it.

    Customers move among the transient states by the one-step matrix
    ``step``; revenue over a step is the trapezoid of MRR at its two ends
    (``flysim.engines.mc.engine``). With ``S_s = start step^s 1`` the survival
    at step ends, the expectation is ``dt sum_s (S_s + S_{s+1}) / 2``.
    """
    dt = 1.0 / steps_per_month
    survival = [float(start.sum())]
    dist = np.asarray(start, dtype=float)
    for _ in range(round(horizon * steps_per_month)):
        dist = dist @ step
        survival.append(float(dist.sum()))
    s = np.asarray(survival)
    return float(dt * np.sum(s[:-1] + s[1:]) / 2.0)


def revenue_lifetime_mean(
    generator: np.ndarray, start: np.ndarray, horizon: float, steps_per_month: int | None
) -> float:
    """The exact expectation of cumulative revenue per customer (MRR 1) up to ``horizon``.

    In continuous time (``steps_per_month`` None) it is ``E[min(L, T)]``. The
    numpy core moves customers with the chain's exact step matrix
    ``e^{A dt}``, so its survival at step ends is exact and only the revenue
    trapezoid between them remains: by Euler-Maclaurin it exceeds
    ``E[min(L, T)]`` by ``dt² (S'(T) - S'(0)) / 12 + O(dt⁴)``, second order
    (``S'(0)`` is minus the starting state's churn rate).
    """
    if steps_per_month is None:
        return truncated_lifetime_moments(generator, start, horizon)[0]
    step = expm(np.asarray(generator, dtype=float) / steps_per_month)
    return stepped_revenue_lifetime(step, start, horizon, steps_per_month)


def first_order_step(generator: np.ndarray, dt: float) -> np.ndarray:
    """The former competing-risks step: at most one event per customer per step.

    State ``i`` is left with probability ``1 - e^{-h_i dt}`` (``h_i`` its total
    exit rate) towards ``j`` with share ``q_ij / h_i``. Absorbing states (no
    exits) stay. Its distance from ``e^{Q dt}`` is ``O(dt²)`` per step, a
    first-order bias over a fixed horizon: the alternative the time-step
    tests show they would reject.
    """
    q = np.asarray(generator, dtype=float)
    out = -np.diag(q)
    leave = -np.expm1(-out * dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(out > 0, leave / out, 0.0)
    step = q * share[:, None]
    np.fill_diagonal(step, 1.0 - leave)
    return step


# -- the value chain: health x tier, with churn -------------------------------------------


def value_chain_generator(
    risk: float,
    recovery: float,
    churn_healthy: float,
    churn_at_risk: float,
    upsell: float,
    tiers: int,
) -> np.ndarray:
    """Generator (per month) of one active customer's chain, MODEL.md "Engage".

    States, in order: healthy in tier ``0..T-1``, at risk in tier ``0..T-1``,
    churned from tier ``0..T-1`` (absorbing, so a churner keeps the tier it
    reached). Healthy -> at risk at ``risk``, back at ``recovery``; churn at
    the state's hazard; healthy customers move up one tier at ``upsell``.
    """
    n = 3 * tiers
    q = np.zeros((n, n))
    for h, (churn, flip) in enumerate(((churn_healthy, risk), (churn_at_risk, recovery))):
        for t in range(tiers):
            s = h * tiers + t
            q[s, 2 * tiers + t] += churn
            q[s, (1 - h) * tiers + t] += flip
            if h == 0 and t < tiers - 1:
                q[s, s + 1] += upsell
    np.fill_diagonal(q, -q.sum(axis=1))
    return q


def chain_moments(
    step: np.ndarray, start: np.ndarray, steps: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of ``value[state]`` for one customer after each of ``steps`` steps.

    ``step`` is the one-step transition matrix (``e^{Q dt}`` for the exact
    chain), ``steps`` increasing whole numbers of steps.
    """
    dist = np.asarray(start, dtype=float)
    done, means, variances = 0, [], []
    for s in np.asarray(steps, dtype=int):
        dist = dist @ np.linalg.matrix_power(step, int(s) - done)
        done = int(s)
        mean = dist @ value
        means.append(mean)
        variances.append(dist @ value**2 - mean**2)
    return np.asarray(means), np.asarray(variances)


# -- Bass diffusion -------------------------------------------------------------------------


def bass_curve(m: int, p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969): cumulative adopters ``M (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)``."""
    e = np.exp(-(p + q) * t)
    return m * (1.0 - e) / (1.0 + (q / p) * e)


def bass_chain_mean(m: int, p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Exact mean adopters of the finite-market stochastic Bass model.

    The model with these settings is the pure birth chain ``N -> N + 1`` at
    rate ``(p + q N / M) (M - N)`` a month; its mean solves the Kolmogorov
    forward equations. It falls short of the deterministic Bass curve by
    ``O(1)`` adopters (``E[N (M - N)] = E[N] (M - E[N]) - Var N``).
    """
    n = np.arange(m + 1, dtype=float)
    birth = (p + q * n / m) * (m - n)
    generator = sp.diags([-birth, birth[:-1]], [0, 1], format="csc")
    p0 = np.zeros(m + 1)
    p0[0] = 1.0
    probs = expm_multiply(generator.T, p0, start=0.0, stop=float(t[-1]), num=len(t) + 1)
    return probs[1:] @ n


def bass_stepped(m: int, p: float, q: float, t: np.ndarray, steps_per_month: int) -> np.ndarray:
    """The Bass curve as the numpy core's step scheme follows it (deterministic part).

    With ``f(N) = (p M + q N) (1 - N / M)`` (the paid rate ``p M`` and the
    referral rate ``q`` per advocate, both times the saturation; every
    customer is an advocate at once, no lead stays open) and ``N_s`` the
    adopters at the ``s``-th step end, the scheme
    (``flysim.engines.mc.attract.Feedback``) reads the state at the step's
    midpoint, extrapolated from the step before:
    ``N_{s+1} = N_s + f(N_s + (N_s - N_{s-1}) / 2) dt``, clipped to
    ``[0, M]``. The first step reads its start, ``N_1 = N_0 + f(N_0) dt``,
    and the second adds the first's shortfall,
    ``(f((N_0 + N_1) / 2) - f(N_0)) dt``. Its distance from ``bass_curve`` is
    the scheme's time-step bias, second order in ``dt``.
    """
    dt = 1.0 / steps_per_month

    def rate(n: float) -> float:
        n = min(max(n, 0.0), float(m))
        return (p * m + q * n) * (1.0 - n / m)

    path, out = [0.0], []
    ends = set(np.rint(np.asarray(t) * steps_per_month).astype(int))
    for step in range(1, int(max(ends)) + 1):
        n = path[-1]
        r = rate(n) if step == 1 else rate(n + 0.5 * (n - path[-2]))
        if step == 2:
            r = max(r + rate(0.5 * (path[0] + path[1])) - rate(path[0]), 0.0)
        path.append(n + r * dt)
        if step in ends:
            out.append(path[-1])
    return np.asarray(out)


def bass_euler(m: int, p: float, q: float, t: np.ndarray, steps_per_month: int) -> np.ndarray:
    """The former scheme's Bass curve: every arrival rate held at the step's start.

    The forward-Euler recursion ``N += (p M + q N) (1 - N / M) dt``: adoption
    lags while the rate rises and overshoots late, a bias first order in
    ``dt``; the alternative the time-step tests show they would reject.
    """
    dt = 1.0 / steps_per_month
    n, out = 0.0, []
    ends = set(np.rint(np.asarray(t) * steps_per_month).astype(int))
    for step in range(1, int(max(ends)) + 1):
        n += (p * m + q * n) * (1.0 - n / m) * dt
        if step in ends:
            out.append(n)
    return np.asarray(out)
