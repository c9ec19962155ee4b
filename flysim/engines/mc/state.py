"""The numpy core's state: counts per compartment for a chunk of runs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from flysim.engines.mc.plan import Plan
from flysim.engines.mc.sampling import split
from flysim.engines.mc.uniforms import Stream
from flysim.model.health import HEALTHY

__all__ = [
    "ACCEPTED",
    "DECLINED",
    "NOT_ASKED",
    "PROMOTER",
    "State",
    "collapse",
    "initial_state",
]

PROMOTER, PASSIVE, DETRACTOR = 0, 1, 2
NOT_ASKED, ACCEPTED, DECLINED = 0, 1, 2


@lru_cache(maxsize=256)
def _summing_matrix(shape: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    cells = np.indices(shape).reshape(len(shape), -1)
    kept = [shape[a] for a in keep]
    target = np.ravel_multi_index(tuple(cells[a] for a in keep), kept) if keep else 0
    m = np.zeros((cells.shape[1], int(np.prod(kept, dtype=np.int64))))
    m[np.arange(cells.shape[1]), target] = 1.0
    return m


def collapse(x: np.ndarray, *keep: int) -> np.ndarray:
    """Sum a ``(runs, ...)`` array over every axis but the runs and ``keep``.

    ``keep`` counts axes after the runs' (0 is the first compartment axis). A
    product with a 0/1 matrix: BLAS makes this many times faster than
    ``sum(axis=...)`` over small trailing axes, and exact for whole numbers.
    """
    shape = x.shape[1:]
    out = x.reshape(x.shape[0], -1) @ _summing_matrix(shape, keep)
    return out.reshape((x.shape[0], *(shape[a] for a in keep)))


@dataclass
class State:
    """Counts (float64 holding whole numbers) of one chunk of runs.

    Attributes
    ----------
    leads : numpy.ndarray
        Open leads per channel, ``(runs, 3)``.
    onboard : numpy.ndarray
        Onboarding customers, ``(runs, g, k)``.
    onboard_age : numpy.ndarray
        Sum of their days since conversion, ``(runs, g, k)``.
    value : numpy.ndarray
        Active customers, ``(runs, g, k, h, t)``.
    delight : numpy.ndarray or None
        Active customers by NPS and ask state, ``(runs, k, h, n, s)``; None
        without ``[delight]``.
    uplift : numpy.ndarray
        Evolve's conversion multiplier, ``(runs,)``.
    exposure : numpy.ndarray
        Customers checked this month so far, by health, ``(runs, 2)``.
    """

    leads: np.ndarray
    onboard: np.ndarray
    onboard_age: np.ndarray
    value: np.ndarray
    delight: np.ndarray | None
    uplift: np.ndarray
    exposure: np.ndarray

    def customers(self) -> np.ndarray:
        """Customers (onboarding + active) per run."""
        return self.onboard.reshape(self.onboard.shape[0], -1).sum(axis=1) + self.value.reshape(
            self.value.shape[0], -1
        ).sum(axis=1)

    def mrr(self, tier_mrr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MRR per run, and the part from referral-won customers (group 1)."""
        by_group = collapse(self.onboard, 0) * tier_mrr[0] + collapse(self.value, 0, 3) @ tier_mrr
        referral = by_group[:, 1] if by_group.shape[1] > 1 else np.zeros(by_group.shape[0])
        return by_group.sum(axis=1), referral

    def nps_counts(self) -> np.ndarray:
        """Promoters, passives, detractors per run, ``(runs, 3)``."""
        if self.delight is None:
            return np.zeros((self.leads.shape[0], 3))
        return collapse(self.delight, 2)

    def advocates(self) -> np.ndarray:
        """Promoters who accepted the ask, per run."""
        if self.delight is None:
            return np.zeros(self.leads.shape[0])
        return collapse(self.delight, 2, 3)[:, PROMOTER, ACCEPTED]


def initial_state(plan: Plan, runs: int, stream: Stream) -> State:
    """Initial customers: active, healthy, first tier; the first advocates accepted promoters.

    Their churn classes are a multinomial split (each customer draws its
    multiplier independently); the non-advocates draw an NPS category from
    ``nps.healthy``.
    """
    r = plan.rates
    g, k, t = plan.groups, plan.classes.size, plan.tiers
    even = np.full(k, 1.0 / k)
    stream.at_step(0)
    n0 = float(r.initial_customers)
    a0 = float(r.initial_advocates) if plan.nps_on else 0.0
    adv = split(stream.uniform(k - 1), np.full(runs, a0), even)
    rest = split(stream.uniform(k - 1), np.full(runs, n0 - a0), even)
    value = np.zeros((runs, g, k, 2, t))
    value[:, 0, :, HEALTHY, 0] = adv + rest
    delight = None
    if plan.nps_on:
        delight = np.zeros((runs, k, 2, 3, 3))
        delight[:, :, HEALTHY, :, NOT_ASKED] = split(stream.uniform(k, 2), rest, plan.nps[HEALTHY])
        delight[:, :, HEALTHY, PROMOTER, ACCEPTED] += adv
    return State(
        leads=np.zeros((runs, 3)),
        onboard=np.zeros((runs, g, k)),
        onboard_age=np.zeros((runs, g, k)),
        value=value,
        delight=delight,
        uplift=np.ones(runs),
        exposure=np.zeros((runs, 2)),
    )
