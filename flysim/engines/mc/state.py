"""The numpy core's state: counts per compartment for a chunk of runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flysim.engines.mc import draws
from flysim.engines.mc import tally as stocks
from flysim.engines.mc.plan import Plans
from flysim.engines.mc.sampling import split
from flysim.engines.mc.uniforms import Stream
from flysim.model.initial import class_weights, whole
from flysim.model.rates import ModelRates
from flysim.model.states import Ask, Health, Nps

__all__ = [
    "ACCEPTED",
    "AT_RISK",
    "DECLINED",
    "HEALTHY",
    "NOT_ASKED",
    "PROMOTER",
    "State",
    "initial_state",
]

# The model's codes, as the array indices they are here.
HEALTHY, AT_RISK = int(Health.HEALTHY), int(Health.AT_RISK)
PROMOTER, PASSIVE, DETRACTOR = int(Nps.PROMOTER), int(Nps.PASSIVE), int(Nps.DETRACTOR)
NOT_ASKED, ACCEPTED, DECLINED = int(Ask.NOT_ASKED), int(Ask.ACCEPTED), int(Ask.DECLINED)


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
    paid_leads : numpy.ndarray
        Open leads of the paid channels after the first (``Structure.paid_extra``),
        ``(runs, extra)``; ``(runs, 0)`` with one paid channel.
    """

    leads: np.ndarray
    onboard: np.ndarray
    onboard_age: np.ndarray
    value: np.ndarray
    delight: np.ndarray | None
    uplift: np.ndarray
    exposure: np.ndarray
    sets: np.ndarray
    paid_leads: np.ndarray
    #: The last tally and the prices it used; ``touched`` drops it.
    _tallied: tuple[np.ndarray | None, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    _prices: np.ndarray | None = field(default=None, repr=False, compare=False)

    def touched(self) -> None:
        """Say the customer arrays changed (a compiled step ran): the next tally recounts."""
        self._tallied = None

    def counted(self) -> np.ndarray | None:
        """The last tally if the customer arrays have not changed since, else None.

        For a compiled step that keeps it current as it changes the arrays
        (the weekly check); everyone else reads ``tally``.
        """
        return None if self._tallied is None else self._tallied[1]

    def open_leads(self) -> np.ndarray:
        """Open leads of every channel, per run."""
        return self.leads.sum(axis=1) + self.paid_leads.sum(axis=1)

    def tally(self, tier_mrr: np.ndarray | None = None) -> np.ndarray:
        """Each run's stocks, ``(runs, 10)``, columns as ``flysim.engines.mc.tally`` names them.

        ``tier_mrr`` is ``(sets, tiers)``: each run's MRR per tier comes from
        its parameter set; without it the MRR columns are 0. The stocks are
        read several times a step (arrival drivers, MRR, month ends) between
        changes, so the last tally is kept until ``touched`` (or kept
        current by a step, ``counted``); treat it as read-only.
        """
        last = self._tallied
        if last is not None and (tier_mrr is None or last[0] is tier_mrr):
            return last[1]
        # Unpriced, recount at the last prices asked for: the MRR read next is then free.
        tier_mrr = tier_mrr if tier_mrr is not None else self._prices
        out = np.empty((self.value.shape[0], 10))
        priced = tier_mrr is not None
        prices = np.ascontiguousarray(tier_mrr if priced else np.zeros((1, 1)), dtype=float)
        delight = self.delight if self.delight is not None else np.zeros((0, 1, 2, 3, 3))
        stocks.tally(
            self.onboard,
            self.value,
            delight,
            self.delight is not None,
            prices,
            priced,
            self.sets,
            out,
        )
        self._tallied, self._prices = (tier_mrr, out), tier_mrr
        return out

    def customers(self) -> np.ndarray:
        """Customers (onboarding + active) per run."""
        return self.tally()[:, stocks.CUSTOMERS].copy()

    def mrr(self, tier_mrr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MRR per run, and the part from referral-won customers (group 1)."""
        t = self.tally(tier_mrr)
        return t[:, stocks.MRR].copy(), t[:, stocks.MRR_REFERRAL].copy()

    def nps_counts(self) -> np.ndarray:
        """Promoters, passives, detractors per run, ``(runs, 3)``."""
        return self.tally()[:, stocks.PROMOTERS : stocks.DETRACTORS + 1].copy()

    def advocates(self) -> np.ndarray:
        """Promoters who accepted the ask, per run."""
        return self.tally()[:, stocks.ADVOCATES].copy()


def _per_set(plan: Plans, value: Callable[[ModelRates], Any]) -> np.ndarray:
    """One value of each parameter set of the block, as a float array (sets first)."""
    return np.asarray([value(r) for r in plan.table.rows], dtype=float)


def initial_state(plan: Plans, sets: np.ndarray, stream: Stream) -> State:
    """The base at t = 0 (``[initial]``), from the ``initial`` stream only.

    Churn classes are multinomial splits (each customer draws its multiplier
    independently: by the class probabilities, a tenured base by the class
    weights of ``flysim.model.initial.class_weights``). Advocates are healthy accepted
    promoters; the tiers are placed at random over the active customers
    (hypergeometric), the at-risk among the non-advocates; the non-advocates
    draw an NPS category from ``nps`` by health, or the counts of
    ``nps_shares`` are placed at random over them; the declined are placed at
    random among their promoters. ``sets`` gives each run's parameter set.

    The uniforms of step 0 are laid out in a fixed order whatever the state
    and the parameters, the defaults' first: a base without the new keys
    draws exactly what it drew before them.
    """
    runs = sets.size
    g, k, t = plan.groups, plan.classes.shape[1], plan.tiers
    stream.at_step(0)
    n0 = plan.table.column("initial_customers")[sets]
    a0 = plan.table.column("initial_advocates")[sets] if plan.nps_on else np.zeros(runs)
    risk0 = _per_set(plan, lambda r: r.initial.at_risk)[sets]
    weights = class_weights(
        plan.classes[sets],
        plan.class_probs[sets],
        _per_set(plan, lambda r: r.initial.survived)[sets],
    )
    # roles: advocates, healthy others, at-risk others; by churn class
    roles = np.zeros((runs, 3, k))
    roles[:, 0] = split(stream.uniform(k - 1), a0, weights)
    roles[:, 1] = split(stream.uniform(k - 1), n0 - a0 - risk0, weights)
    u_nps = stream.uniform(k, 2)
    roles[:, 2] = split(stream.uniform(k - 1), risk0, weights)
    # tiers, placed at random over every active customer (tier 0 keeps the rest)
    per_tier = np.asarray([_tiers(r.initial.per_tier, t) for r in plan.table.rows])[sets]
    cells = roles.reshape(runs, 3 * k)
    value = np.zeros((runs, g, k, 2, t))
    for j in range(t - 1, 0, -1):
        placed = draws.allocate(stream, per_tier[:, j], cells).reshape(runs, 3, k)
        cells = cells - placed.reshape(runs, 3 * k)
        value[:, 0, :, HEALTHY, j] = placed[:, 0] + placed[:, 1]
        value[:, 0, :, AT_RISK, j] = placed[:, 2]
    rest = cells.reshape(runs, 3, k)
    value[:, 0, :, HEALTHY, 0] = rest[:, 0] + rest[:, 1]
    value[:, 0, :, AT_RISK, 0] = rest[:, 2]
    delight = None
    if plan.nps_on:
        delight = _initial_delight(plan, sets, stream, roles, u_nps)
    onboard = np.zeros((runs, g, k))
    onboarding = _per_set(plan, lambda r: r.initial.onboarding)[sets]
    onboard[:, 0] = split(stream.uniform(k - 1), onboarding, plan.class_probs[sets])
    return State(
        leads=_per_set(plan, lambda r: list(r.initial.open_leads)).reshape(-1, 3)[sets],
        onboard=onboard,
        onboard_age=np.zeros((runs, g, k)),
        value=value,
        delight=delight,
        uplift=np.ones(runs),
        exposure=np.zeros((runs, 2)),
        sets=sets,
        paid_leads=np.zeros((runs, len(plan.structure.paid_extra))),
    )


def _tiers(per_tier: tuple[int, ...], tiers: int) -> list[int]:
    """Initial customers in each of the block's tiers (those past it hold none)."""
    return list(per_tier[:tiers]) + [0] * (tiers - len(per_tier[:tiers]))


def _initial_delight(
    plan: Plans, sets: np.ndarray, stream: Stream, roles: np.ndarray, u_nps: np.ndarray
) -> np.ndarray:
    """NPS categories and ask states of the initial active customers, ``(runs, k, h, n, s)``."""
    runs, k = sets.size, roles.shape[2]
    delight = np.zeros((runs, k, 2, 3, 3))
    others = np.stack([roles[:, 1], roles[:, 2]], axis=2)  # (runs, k, h): non-advocates
    nps = plan.nps[sets]  # (runs, h, 3)
    drawn = np.zeros((runs, k, 2, 3))
    drawn[:, :, HEALTHY] = split(u_nps, others[:, :, HEALTHY], nps[:, None, HEALTHY])
    drawn[:, :, AT_RISK] = split(stream.uniform(k, 2), others[:, :, AT_RISK], nps[:, None, AT_RISK])
    # nps_shares: its counts (advocates counted as promoters) placed at random
    shares = np.asarray(
        [r.initial.nps if r.initial.nps is not None else (0, 0, 0) for r in plan.table.rows],
        dtype=float,
    )[sets]
    placed_on = np.asarray([r.initial.nps is not None for r in plan.table.rows])[sets]
    a0 = roles[:, 0].sum(axis=1)
    cells = others.reshape(runs, 2 * k)
    wanted = np.where(placed_on[:, None], shares - np.stack([a0, 0 * a0, 0 * a0], axis=1), 0.0)
    placed = np.zeros((runs, 2 * k, 3))
    for n in (PROMOTER, PASSIVE):
        placed[:, :, n] = draws.allocate(stream, wanted[:, n], cells)
        cells = cells - placed[:, :, n]
    placed[:, :, DETRACTOR] = cells
    cats = np.where(placed_on[:, None, None, None], placed.reshape(runs, k, 2, 3), drawn)
    delight[..., NOT_ASKED] = cats
    # the declined: a share of the non-advocate promoters, placed at random
    waiting = delight[:, :, :, PROMOTER, NOT_ASKED].reshape(runs, 2 * k)
    asked = _per_set(plan, lambda r: r.initial.asked)[sets]
    declined = draws.allocate(stream, whole(asked, waiting.sum(axis=1)), waiting)
    delight[:, :, :, PROMOTER, NOT_ASKED] -= declined.reshape(runs, k, 2)
    delight[:, :, :, PROMOTER, DECLINED] += declined.reshape(runs, k, 2)
    delight[:, :, HEALTHY, PROMOTER, ACCEPTED] += roles[:, 0]
    return delight
