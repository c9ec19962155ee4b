"""The numpy core's state: counts per compartment for a chunk of runs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from flysim.engines.mc.plan import Plans
from flysim.engines.mc.sampling import split
from flysim.engines.mc.uniforms import Stream
from flysim.model.states import Ask, Health, Nps

__all__ = [
    "ACCEPTED",
    "AT_RISK",
    "DECLINED",
    "HEALTHY",
    "NOT_ASKED",
    "PROMOTER",
    "State",
    "collapse",
    "initial_state",
]

# The model's codes, as the array indices they are here.
HEALTHY, AT_RISK = int(Health.HEALTHY), int(Health.AT_RISK)
PROMOTER, PASSIVE, DETRACTOR = int(Nps.PROMOTER), int(Nps.PASSIVE), int(Nps.DETRACTOR)
NOT_ASKED, ACCEPTED, DECLINED = int(Ask.NOT_ASKED), int(Ask.ACCEPTED), int(Ask.DECLINED)


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
    sets : numpy.ndarray
        Each run's parameter set (a row of the block's ``ParameterTable``).
    """

    leads: np.ndarray
    onboard: np.ndarray
    onboard_age: np.ndarray
    value: np.ndarray
    delight: np.ndarray | None
    uplift: np.ndarray
    exposure: np.ndarray
    sets: np.ndarray

    def customers(self) -> np.ndarray:
        """Customers (onboarding + active) per run."""
        return self.onboard.reshape(self.onboard.shape[0], -1).sum(axis=1) + self.value.reshape(
            self.value.shape[0], -1
        ).sum(axis=1)

    def mrr(self, tier_mrr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MRR per run, and the part from referral-won customers (group 1).

        ``tier_mrr`` is ``(sets, tiers)``: each run's MRR per tier comes from
        its parameter set.
        """
        onboard, value = collapse(self.onboard, 0), collapse(self.value, 0, 3)
        if tier_mrr.shape[0] == 1:
            by_group = onboard * tier_mrr[0, 0] + value @ tier_mrr[0]
        else:
            # Runs are grouped by set within a block: one product per set,
            # each as the one-set case computes it, so a run's numbers do not
            # depend on the other sets of its block.
            by_group = np.empty(onboard.shape)
            for s in np.unique(self.sets):
                rows = self.sets == s
                by_group[rows] = onboard[rows] * tier_mrr[s, 0] + value[rows] @ tier_mrr[s]
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


def initial_state(plan: Plans, sets: np.ndarray, stream: Stream) -> State:
    """Initial customers: active, healthy, first tier; the first advocates accepted promoters.

    Their churn classes are a multinomial split (each customer draws its
    multiplier independently); the non-advocates draw an NPS category from
    ``nps.healthy``. ``sets`` gives each run's parameter set.
    """
    runs = sets.size
    g, k, t = plan.groups, plan.classes.shape[1], plan.tiers
    even = np.full(k, 1.0 / k)
    stream.at_step(0)
    n0 = plan.table.column("initial_customers")[sets]
    a0 = plan.table.column("initial_advocates")[sets] if plan.nps_on else np.zeros(runs)
    adv = split(stream.uniform(k - 1), a0, even)
    rest = split(stream.uniform(k - 1), n0 - a0, even)
    value = np.zeros((runs, g, k, 2, t))
    value[:, 0, :, HEALTHY, 0] = adv + rest
    delight = None
    if plan.nps_on:
        delight = np.zeros((runs, k, 2, 3, 3))
        nps = plan.nps[sets][:, None, HEALTHY]  # (runs, 1, 3)
        delight[:, :, HEALTHY, :, NOT_ASKED] = split(stream.uniform(k, 2), rest, nps)
        delight[:, :, HEALTHY, PROMOTER, ACCEPTED] += adv
    return State(
        leads=np.zeros((runs, 3)),
        onboard=np.zeros((runs, g, k)),
        onboard_age=np.zeros((runs, g, k)),
        value=value,
        delight=delight,
        uplift=np.ones(runs),
        exposure=np.zeros((runs, 2)),
        sets=sets,
    )
