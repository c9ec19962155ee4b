"""The step-length dependent constants of a row's plans, for every step length at once.

A scenario's schedule has a few dozen distinct step lengths (weekly checks and
month ends interleave), and every Monte Carlo run may carry its own
parameters, so ``flysim.engines.mc.plan.make_plans`` computes what depends on
the length ``dt`` for all lengths in one go: each function here takes the
lengths as an array ``dts`` of shape ``(L,)`` and returns arrays with a
leading ``L`` axis, entry ``i`` being exactly what a step of ``dts[i]`` days
alone gives (the same operations elementwise).

The chain's matrix exponentials are the one exception to "the same
operations": ``scipy.linalg.expm`` accepts a stack of matrices but loops over
it in Python (about 8 us a matrix, 288 matrices a row of ``startup.toml``:
36 lengths times 8 churn classes), so ``expm_stack`` computes the whole stack
in a few batched matrix products (a Taylor polynomial with scaling and
squaring). It agrees with ``scipy.linalg.expm`` to a few units in the last
place (about 1e-15 on these probabilities), not bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg

__all__ = ["exit_ages", "expm_stack", "value_moves"]

#: Degree of the Taylor polynomial of ``expm_stack`` and the largest 1-norm it
#: is used at (after scaling): the remainder, at most
#: ``0.5**18 / 18! * exp(0.5)`` relative, is far below double precision (the
#: backward-error bound of Al-Mohy and Higham 2011 allows 1.09 at degree 18).
_TAYLOR_DEGREE = 17
_TAYLOR_NORM = 0.5
#: Paterson-Stockmeyer blocks: the polynomial is sum_j X^(6j) B_j(X), each
#: B_j a combination of X^0..X^5 with the Taylor coefficients 1/k!.
_BLOCK = 6
#: Largest temporary of ``expm_stack`` (the powers X^0..X^5 of a chunk):
#: below glibc's default threshold for serving memory by ``mmap``.
_CHUNK_BYTES = 120 * 1024
_COEFFS = np.array([1.0 / math.factorial(k) for k in range(_TAYLOR_DEGREE + 1)]).reshape(-1, _BLOCK)

#: Gauss-Legendre nodes and weights on [-1, 1]: exact to machine precision for
#: the smooth integrands over one step below.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)


def _integrals(f: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """Integrals over ``[0, dt]`` of each row of ``f``, sampled at ``_nodes(dt)``.

    ``dt`` broadcasts against ``f`` without its last (node) axis.
    """
    return 0.5 * dt * np.sum(_WEIGHTS * f, axis=-1)


def _nodes(dt: np.ndarray) -> np.ndarray:
    """Gauss-Legendre nodes on ``[0, dt]``, along a new last axis."""
    return 0.5 * dt[..., None] * (_NODES + 1.0)


def expm_stack(a: np.ndarray) -> np.ndarray:
    """``expm`` of each matrix of a stack ``(..., n, n)``, all at once.

    Scaling and squaring (Higham 2005) around a Taylor polynomial evaluated
    by Paterson and Stockmeyer's scheme: each matrix is halved ``s`` times
    until its 1-norm is at most ``_TAYLOR_NORM``, the polynomial is seven
    batched matrix products, and the result is squared ``s`` times. The
    stack is taken ``_CHUNK_BYTES`` at a time: larger temporaries are fresh
    pages from the operating system on every call, which would cost more
    than the arithmetic. A stack with a value that is not finite goes to
    ``scipy.linalg.expm``.
    """
    a = np.asarray(a, dtype=float)
    n = a.shape[-1]
    x = a.reshape(-1, n, n)
    if x.shape[0] == 0 or not np.isfinite(x).all():
        return np.asarray(linalg.expm(a), dtype=float)
    out = np.empty_like(x)
    step = max(1, _CHUNK_BYTES // (_BLOCK * n * n * x.itemsize))
    for i in range(0, x.shape[0], step):
        _expm_chunk(x[i : i + step], out[i : i + step])
    return out.reshape(a.shape)


def _expm_chunk(x: np.ndarray, out: np.ndarray) -> None:
    """``expm_stack`` of a stack ``(m, n, n)``, written to ``out``."""
    n = x.shape[-1]
    norm = np.abs(x).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(np.ceil(np.log2(norm / _TAYLOR_NORM)), 0.0).astype(int)
    if s.any():
        x = x * np.ldexp(1.0, -s)[:, None, None]
    # X^0..X^5 written into one array, so that the blocks are one product
    # of the coefficients with it; then X^6.
    powers = np.empty((_BLOCK, *x.shape))
    powers[0] = np.eye(n)
    powers[1] = x
    for k in range(2, _BLOCK):
        np.matmul(powers[k // 2], powers[k - k // 2], out=powers[k])
    big = powers[_BLOCK // 2] @ powers[_BLOCK - _BLOCK // 2]
    blocks = (_COEFFS @ powers.reshape(_BLOCK, -1)).reshape(-1, *x.shape)
    e = blocks[-1]
    for b in blocks[-2::-1]:
        e = b + big @ e
    for i in range(int(s.max())):
        sq = s > i
        e[sq] = e[sq] @ e[sq]
    out[...] = e


def exit_ages(rates: np.ndarray, dts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean times in an exponential pool of each rate, within one step of each length.

    ``rates`` has shape ``(K,)`` and ``dts`` ``(L,)`` (days); each result has
    shape ``(L, K)``. Per step length and rate: a member present at the
    step's start who exits within it, ``E[tau | tau < dt]``; an entrant at a
    uniform time who exits within it (the exit density weighted by the time
    left); and the mean age at the step's end of an entrant still in the pool.
    """
    dt = np.asarray(dts, dtype=float)[:, None]  # (L, 1): against the rates
    t = _nodes(dt)  # (L, 1, nodes)
    # A rate so high that exp(-rate dt) underflows exits at once, like an
    # infinite one: its times within the step are 0 to machine precision.
    fin = np.isfinite(rates) & (rates * dt < 700.0)
    safe = np.where(fin, rates, 0.0)
    decay = np.exp(-safe[..., None] * t)
    left = (dt[..., None] - t) * decay
    with np.errstate(invalid="ignore", divide="ignore"):
        member = _integrals(t * (1.0 * decay), dt) / _integrals(1.0 * decay, dt)
        entrant = _integrals(t * left, dt) / _integrals(left, dt)
        stay = _integrals(t * decay, dt) / _integrals(decay, dt)
    # No hazard to speak of: exits, if any, are uniform over what was there.
    tiny = fin & (safe * dt < 1e-12)
    member = np.where(tiny, dt / 2.0, member)
    entrant = np.where(tiny, dt / 3.0, entrant)
    return (
        np.where(fin, member, 0.0),
        np.where(fin, entrant, 0.0),
        np.where(fin, stay, 0.0),
    )


#: ``value_moves`` by its arguments: parameter rows that differ only outside
#: the chain (a budget, a conversion rate) share it, so a study computes it
#: once per distinct chain (a Sobol' design of 8 parameters, 2 of them the
#: chain's, has 4 distinct chains in 10 rows). Results are read-only.
_MOVES: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
_MOVES_KEPT = 64


def value_moves(
    generators: np.ndarray, tiers: int, dts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact step transition probabilities of one active customer's chain, per class and length.

    States are (health, tier) and "churned from tier j"; between checks the
    chain is time-homogeneous (``flysim.model.customer.value_generator``,
    one generator per churn class in ``generators``, shape ``(K, 3T, 3T)``),
    so the state a step of ``dt`` later is a row of ``expm(Q dt)``, computed
    for every class and length in one stacked call. Several events of one
    customer within a step (at risk, then churned) are therefore exact, with
    no first-order step bias.

    Returns ``P(elsewhere at the step's end)`` of shape ``(L, K, 2, T)`` and
    where it is, over destinations (h', t') then churned-from-tier j, of
    shape ``(L, K, 2, T, 3T)``.
    """
    gen = np.ascontiguousarray(generators, dtype=float)
    dt = np.ascontiguousarray(dts, dtype=float)
    key = repr((gen.shape, dt.shape, tiers)).encode() + gen.tobytes() + dt.tobytes()
    kept = _MOVES.get(key)
    if kept is None:
        if len(_MOVES) >= _MOVES_KEPT:
            _MOVES.clear()
        kept = _MOVES[key] = _value_moves(gen, tiers, dt)
    return kept


def _value_moves(
    generators: np.ndarray, tiers: int, dt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n, live = 3 * tiers, np.arange(2 * tiers)
    step = expm_stack(generators[None] * dt[:, None, None, None])  # (L, K, 3T, 3T)
    rows = np.clip(step[..., : 2 * tiers, :], 0.0, None)  # (L, K, 2T, 3T): from each live state
    stay = rows[..., live, live]
    rows[..., live, live] = 0.0
    total = rows.sum(axis=-1, keepdims=True)
    # Nowhere to go within the step (no hazard at all): "churned from its own
    # tier", a share no draw uses since nobody leaves.
    nowhere = np.eye(n)[2 * tiers + live % tiers]
    moves = np.where(total > 0, rows / np.where(total > 0, total, 1.0), nowhere)
    lk = (dt.size, generators.shape[0])
    p_exit, shares = (1.0 - stay).reshape(*lk, 2, tiers), moves.reshape(*lk, 2, tiers, n)
    p_exit.setflags(write=False)
    shares.setflags(write=False)
    return p_exit, shares
