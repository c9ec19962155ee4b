"""The base a run starts from (``[initial]``): its counts, and the rules both engines draw it by.

A scenario's ``[initial]`` compiles to an ``InitialBase`` of whole counts
(shares are turned into counts here, once). The engines then place those
counts at random, with the same law: the agent model customer by customer,
the numpy core by multivariate hypergeometric splits of its compartments.

Tenure: a base that survived ``T`` months at the healthy churn hazard ``h``
(per month) with a Gamma(mean 1, cv ``c``) churn multiplier holds multipliers
from the posterior ``Gamma(shape 1/c^2, rate 1/c^2 + h T)``. The agent model
draws from it (``posterior_gamma``); the numpy core reweights its churn
classes ``m_k`` (probabilities ``p_k``) by the likelihood ``exp(-m_k h T)``
(``class_weights``).
Every function here is vectorised: a value, or one value per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "InitialBase",
    "class_weights",
    "posterior_gamma",
    "share_counts",
    "tiers_used",
    "whole",
]


def whole(share: float | np.ndarray, n: float | np.ndarray) -> np.ndarray:
    """A share of ``n`` customers as a whole count: ``floor(share * n + 1/2)`` (halves up)."""
    return np.floor(np.asarray(share, dtype=float) * np.asarray(n, dtype=float) + 0.5)


def share_counts(shares: Sequence[float], n: int) -> tuple[int, ...]:
    """Split ``n`` into whole counts by ``shares`` (summing to 1): largest remainders.

    Each category gets ``floor(share * n)``; what is left goes one each to
    the categories with the largest fractional parts, the first in order on a
    tie. The counts sum to ``n`` and each is within 1 of ``share * n``.
    """
    exact = np.asarray(shares, dtype=float) * n
    base = np.floor(exact + 1e-9)
    left = int(n - base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: max(left, 0)]] += 1.0
    return tuple(int(x) for x in base)


def posterior_gamma(
    cv: float | np.ndarray, survived: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shape and scale of the churn multiplier of a customer who survived ``h T``.

    ``survived`` is the healthy churn hazard a month times the months of
    tenure. The prior is Gamma with mean 1 and coefficient of variation
    ``cv`` (shape ``k = 1/cv^2``, rate ``k``); surviving multiplies its
    density by ``exp(-x h T)``, so the posterior is Gamma with shape ``k`` and
    rate ``k + h T``. With ``survived = 0`` the scale is exactly ``1/k``, the
    prior's (the draws of a base without tenure are those of any customer).
    Undefined (NaN) for ``cv = 0``, where every multiplier is 1.
    """
    cv = np.asarray(cv, dtype=float)
    with np.errstate(divide="ignore"):
        k = np.where(cv**2 > 0, 1.0 / np.where(cv**2 > 0, cv**2, 1.0), np.nan)
    return k, 1.0 / (k + np.asarray(survived, dtype=float))


def class_weights(mult: np.ndarray, probs: np.ndarray, survived: float | np.ndarray) -> np.ndarray:
    """Share of a tenured base in each churn class, ``(..., k)``.

    ``mult`` and ``probs`` are the class multipliers and probabilities
    (``flysim.model.hazards.gamma_classes``), ``(k,)`` or one row per run;
    ``survived`` is ``h T`` (one value or one per run). The weights are
    ``p_k exp(-m_k h T)``, normalised, the classes' posterior shares; with
    ``h T = 0`` they are exactly the probabilities ``p_k``.
    """
    mult = np.asarray(mult, dtype=float)
    probs = np.broadcast_to(np.asarray(probs, dtype=float), mult.shape)
    s = np.asarray(survived, dtype=float)[..., None]
    # Subtract the smallest class multiplier first: the same ratios, no underflow.
    w = probs * np.exp(-(mult - mult.min(axis=-1, keepdims=True)) * s)
    return np.where(s == 0, probs, w / w.sum(axis=-1, keepdims=True))


def tiers_used(n_tiers: int, upsell: float, per_tier: Sequence[int]) -> int:
    """Tiers a run's customers can be in: all with upsell, else up to the highest one held."""
    if upsell > 0:
        return n_tiers
    held = [i for i, n in enumerate(per_tier) if n > 0]
    return max(held, default=0) + 1


@dataclass(frozen=True)
class InitialBase:
    """``[initial]`` beyond ``customers`` and ``advocates``, as whole counts.

    Attributes
    ----------
    per_tier : tuple of int
        Active initial customers in each tier (one entry a tier).
    at_risk : int
        Of them, at risk at t = 0 (never an advocate).
    nps : tuple of int or None
        Promoters, passives, detractors among them (advocates counted as
        promoters); None: each non-advocate draws its category from
        ``delight.nps`` by its health state.
    asked : float
        Share of the non-advocate promoters already asked (and who declined),
        turned into a count with ``whole`` once their number is known.
    onboarding : int
        Customers still onboarding at t = 0, extra to the active ones.
    open_leads : tuple of int
        Leads deciding at t = 0, per channel (paid, organic, referral).
    survived : float
        The active base's tenure in months times the healthy churn hazard a
        month (``h T``): what its churn multipliers are conditioned on.
    """

    per_tier: tuple[int, ...] = (0,)
    at_risk: int = 0
    nps: tuple[int, int, int] | None = None
    asked: float = 0.0
    onboarding: int = 0
    open_leads: tuple[int, int, int] = (0, 0, 0)
    survived: float = 0.0

    @property
    def customers(self) -> int:
        """Active initial customers (``initial.customers``)."""
        return sum(self.per_tier)
