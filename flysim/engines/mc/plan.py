"""The numpy core's compartments and their per-step constants, compiled once.

Customers are counts in two coupled arrays (see ``docs/model.md``, "The numpy
core"):

- ``value[g, k, h, t]``: referral-won flag ``g``, churn class ``k``, health
  ``h`` and tier ``t``. Churn, health changes and upsells are drawn here.
- ``delight[k, h, n, s]``: churn class, health, NPS category ``n`` and ask
  state ``s`` (not asked, accepted, declined). Exits drawn on ``value`` are
  allocated over these cells at random (multivariate hypergeometric), the
  ask is drawn here.

Dimensions a scenario does not need collapse to size 1 (no referral channel:
one ``g``; no heterogeneity: one ``k``; no ``[delight]``: no delight array).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from flysim.engines.mc.schedule import Schedule, schedule
from flysim.engines.mc.step_constants import exit_ages, value_moves
from flysim.model.customer import onboarding_hazards, value_generator
from flysim.model.hazards import (
    entrant_probability,
    gamma_classes,
    gamma_shape,
    hazard_probability,
)
from flysim.model.health import (
    HealthParams,
    expected_score,
    fire_probabilities,
    recovery_probability,
    score_variance,
)
from flysim.model.initial import tiers_used
from flysim.model.params import ParameterTable
from flysim.model.rates import ModelRates
from flysim.model.states import CHANNELS, Health
from flysim.scenario.schema import TRIGGER_NAMES

__all__ = [
    "DEFAULT_CLASSES",
    "DEFAULT_STEPS_PER_MONTH",
    "Plan",
    "Plans",
    "Schedule",
    "Structure",
    "make_plan",
    "make_plans",
    "schedule",
    "stack_plans",
    "structure",
    "union_structure",
]

#: Steps end at every month's end and every weekly check; a stretch between
#: those longer than 30.4375 / steps_per_month days is cut into equal steps.
#: With 4 (7.6 days), weekly checks alone set the grid (steps of at most 7
#: days); without checks a month is 4 steps. docs/model.md gives the bias.
DEFAULT_STEPS_PER_MONTH: int = 4
#: Churn classes of the Gamma churn multiplier (``flysim.model.hazards.gamma_classes``).
DEFAULT_CLASSES: int = 8


@dataclass(frozen=True)
class Plan:
    """Per-step constants of one scenario at one step length (all per step of ``dt`` days)."""

    rates: ModelRates
    dt: float
    groups: int
    classes: np.ndarray
    class_probs: np.ndarray
    tiers: int
    nps_on: bool
    # MRR of each tier customers can be in
    tier_mrr: np.ndarray
    # lead decisions per channel (paid, organic, referral)
    decide_old: np.ndarray
    decide_new: np.ndarray
    # lead decisions of the paid channels after the first (Structure.paid_extra)
    paid_decide_old: np.ndarray
    paid_decide_new: np.ndarray
    # onboarding, per class
    onboard_exit_old: np.ndarray
    onboard_exit_new: np.ndarray
    onboard_shares: np.ndarray
    onboard_exit_age_old: np.ndarray
    onboard_exit_age_new: np.ndarray
    onboard_stay_age_new: np.ndarray
    # value chain: P(a customer of (k, h, t) is elsewhere at the step's end), and
    # where it is, over destinations (h', t') then churned-from-tier j: (k, h, t, 3T)
    p_exit: np.ndarray
    exit_shares: np.ndarray
    # delight
    p_ask: float
    nps: np.ndarray
    # weekly checks
    fire: np.ndarray
    trigger_cost: np.ndarray
    p_recover: float
    score_mean: np.ndarray
    score_var: np.ndarray


@dataclass(frozen=True)
class _SetConstants:
    """What a plan needs of one row of parameters whatever the step length."""

    mult: np.ndarray
    probs: np.ndarray
    decide: np.ndarray
    paid_decide: np.ndarray
    out_rate: np.ndarray
    shares: np.ndarray
    tiers: int
    generators: np.ndarray
    fire: np.ndarray
    trigger_cost: np.ndarray
    p_recover: float
    score_mean: np.ndarray
    score_var: np.ndarray


@functools.lru_cache(maxsize=256)
def _health_constants(
    health: HealthParams | None, triggers: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """The weekly checks' constants of one row: firing, costs, recovery, score moments.

    They depend on the health signals and triggers alone (not on the step
    length, the churn classes or the rates), and their scipy distribution
    calls cost more than the rest of a row's compile, so they are kept per
    ``(health, triggers)``; the arrays are read-only, as plans share them.
    """
    # The block's triggers (``triggers``) are those any of its rows has at any
    # time; one not in force here fires with probability 0 and costs nothing.
    fire, cost, p_rec = np.zeros((2, len(triggers))), np.zeros(len(triggers)), 0.0
    if health is not None and health.triggers:
        where = [triggers.index(t.name) for t in health.triggers]
        fire[:, where] = np.stack([fire_probabilities(health, h) for h in Health])
        cost[where] = [t.cost for t in health.triggers]
        p_rec = recovery_probability(health)
    if health is not None:
        s_mean = np.array([expected_score(health, h) for h in Health])
        s_var = np.array([score_variance(health, h) for h in Health])
    else:
        s_mean = s_var = np.zeros(2)
    for a in (fire, cost, s_mean, s_var):
        a.setflags(write=False)
    return fire, cost, p_rec, s_mean, s_var


def _set_constants(rates: ModelRates, classes: int, st: Structure) -> _SetConstants:
    mult, probs = gamma_classes(rates.churn_cv, classes)
    churn_on, value_rate = onboarding_hazards(rates, mult)
    out_rate = value_rate + churn_on
    share = np.where(np.isinf(out_rate), 1.0, 0.0)
    fin = np.isfinite(out_rate) & (out_rate > 0)
    share[fin] = value_rate / out_rate[fin]
    tiers = st.tiers
    fire, cost, p_rec, s_mean, s_var = _health_constants(rates.health, st.triggers)
    return _SetConstants(
        mult=mult,
        probs=probs,
        decide=np.array([rates.channels[c].decide_rate for c in CHANNELS]),
        paid_decide=np.array([rates.lead_channel(k).decide_rate for k in st.paid_extra]),
        out_rate=out_rate,
        shares=np.stack([share, 1.0 - share], axis=-1),
        tiers=tiers,
        generators=np.stack([value_generator(rates, float(m), tiers) for m in mult]),
        fire=fire,
        trigger_cost=cost,
        p_recover=p_rec,
        score_mean=s_mean,
        score_var=s_var,
    )


def make_plans(
    rates: ModelRates,
    lengths: Sequence[float],
    classes: int = DEFAULT_CLASSES,
    st: Structure | None = None,
) -> dict[float, Plan]:
    """Compile the constants of a step of each length (days) for one row of parameters.

    What does not depend on the step length (the health score's moments,
    the triggers' firing probabilities, the chain's generators) is computed
    once for all lengths; what does is computed for every length at once
    (``flysim.engines.mc.step_constants``: one stacked ``expm``, the hazards
    broadcast over a length axis), and each length's ``Plan`` holds its
    slice. ``st`` is the block's structure (by default the row's own): a row
    with changes is compiled in the union of the structures it has over time
    (``union_structure``).
    """
    st = st if st is not None else structure(rates, classes)
    c = _set_constants(rates, classes, st)
    dts = np.array([float(dt) for dt in lengths], dtype=float).reshape(-1)
    col = dts[:, None]  # (L, 1): against a per-channel or per-class axis
    p_exit, moves = value_moves(c.generators, c.tiers, dts)
    ages_old, ages_new, stay_new = exit_ages(c.out_rate, dts)
    decide_old = hazard_probability(c.decide, col)
    decide_new = entrant_probability(c.decide, col)
    paid_old = hazard_probability(c.paid_decide, col).reshape(dts.size, -1)
    paid_new = entrant_probability(c.paid_decide, col).reshape(dts.size, -1)
    exit_old = hazard_probability(c.out_rate, col)
    exit_new = entrant_probability(c.out_rate, col)
    p_ask = hazard_probability(rates.ask_rate, dts) if rates.nps_on else np.zeros(dts.size)
    tier_mrr = np.asarray(rates.tier_mrr[: c.tiers], dtype=float)
    nps = np.array([rates.nps_healthy, rates.nps_at_risk])
    return {
        dt: Plan(
            rates=rates,
            dt=dt,
            groups=st.groups,
            classes=c.mult,
            class_probs=c.probs,
            tiers=c.tiers,
            nps_on=st.nps_on,
            tier_mrr=tier_mrr,
            decide_old=decide_old[i],
            decide_new=decide_new[i],
            paid_decide_old=paid_old[i],
            paid_decide_new=paid_new[i],
            onboard_exit_old=exit_old[i],
            onboard_exit_new=exit_new[i],
            onboard_shares=c.shares,
            onboard_exit_age_old=ages_old[i],
            onboard_exit_age_new=ages_new[i],
            onboard_stay_age_new=stay_new[i],
            p_exit=p_exit[i],
            exit_shares=moves[i],
            p_ask=float(p_ask[i]),
            nps=nps,
            fire=c.fire,
            trigger_cost=c.trigger_cost,
            p_recover=c.p_recover,
            score_mean=c.score_mean,
            score_var=c.score_var,
        )
        for i, dt in enumerate(lengths)
    }


def make_plan(rates: ModelRates, dt: float, classes: int = DEFAULT_CLASSES) -> Plan:
    """Compile the constants of one step of ``dt`` days of one row of parameters."""
    return make_plans(rates, [dt], classes)[dt]


@dataclass(frozen=True)
class Structure:
    """What sets the shapes of a block's arrays and the order of its draws.

    Runs of one block share it; runs whose parameter sets differ in it are
    simulated in separate blocks (their random streams are keyed by run, so
    the split changes no number).
    """

    groups: int
    classes: int
    tiers: int
    nps_on: bool
    checks: bool
    triggers: tuple[str, ...]
    instant_ask: bool
    channels: tuple[bool, ...]
    experiments: bool
    #: Stream keys of the paid channels after the first (``PaidRates.stream``),
    #: each a lead channel with its own open leads and draws.
    paid_extra: tuple[str, ...] = ()


def structure(rates: ModelRates, classes: int = DEFAULT_CLASSES) -> Structure:
    """The ``Structure`` of one row of parameters."""
    health = rates.health
    return Structure(
        groups=2 if rates.channels["referral"].enabled else 1,
        classes=classes if gamma_shape(rates.churn_cv) is not None else 1,
        tiers=tiers_used(rates.n_tiers, rates.upsell, rates.initial.per_tier),
        nps_on=rates.nps_on,
        checks=health is not None,
        triggers=tuple(t.name for t in health.triggers) if health is not None else (),
        instant_ask=rates.nps_on and math.isinf(rates.ask_rate),
        channels=tuple(rates.channels[c].enabled for c in CHANNELS),
        experiments=rates.experiments > 0,
        paid_extra=tuple(p.stream for p in rates.paid_extra),
    )


def union_structure(rows: Sequence[ModelRates], classes: int = DEFAULT_CLASSES) -> Structure:
    """The structure of a row over time: every dimension, trigger and channel it ever has.

    The parts a change cannot switch (classes, NPS, checks) are the same in
    every row (``flysim.scenario.changes`` refuses the rest); the ask pattern
    (``instant_ask``) is the first row's, and a block keeps it per month.
    """
    each = [structure(r, classes) for r in rows]
    first = each[0]
    names = {n for s in each for n in s.triggers}
    return Structure(
        groups=max(s.groups for s in each),
        classes=first.classes,
        tiers=max(s.tiers for s in each),
        nps_on=first.nps_on,
        checks=first.checks,
        triggers=tuple(n for n in TRIGGER_NAMES if n in names),
        instant_ask=first.instant_ask,
        channels=tuple(any(s.channels[i] for s in each) for i in range(len(first.channels))),
        experiments=any(s.experiments for s in each),
        paid_extra=tuple(dict.fromkeys(k for s in each for k in s.paid_extra)),
    )


#: Plan fields that describe the block as a whole, not one parameter set.
_SHARED: tuple[str, ...] = ("rates", "dt", "groups", "tiers", "nps_on")


@dataclass(frozen=True)
class Plans:
    """The step constants of every parameter set of a block, stacked.

    Each array field of ``Plan`` gains a leading axis, one entry per row of
    ``table`` (scalars become ``(sets,)`` arrays); a run reads the entry of
    its parameter set. ``groups``, ``tiers`` and ``nps_on`` are the block's
    ``structure``.
    """

    table: ParameterTable
    structure: Structure
    dt: float
    classes: np.ndarray
    class_probs: np.ndarray
    tier_mrr: np.ndarray
    decide_old: np.ndarray
    decide_new: np.ndarray
    paid_decide_old: np.ndarray
    paid_decide_new: np.ndarray
    onboard_exit_old: np.ndarray
    onboard_exit_new: np.ndarray
    onboard_shares: np.ndarray
    onboard_exit_age_old: np.ndarray
    onboard_exit_age_new: np.ndarray
    onboard_stay_age_new: np.ndarray
    p_exit: np.ndarray
    exit_shares: np.ndarray
    p_ask: np.ndarray
    nps: np.ndarray
    fire: np.ndarray
    trigger_cost: np.ndarray
    p_recover: np.ndarray
    score_mean: np.ndarray
    score_var: np.ndarray

    @property
    def groups(self) -> int:
        """Referral-won flag values: 2 with a referral channel, else 1."""
        return self.structure.groups

    @property
    def tiers(self) -> int:
        """Tiers customers can be in (1 without upsell)."""
        return self.structure.tiers

    @property
    def nps_on(self) -> bool:
        """Whether ``[delight]`` is on."""
        return self.structure.nps_on


def stack_plans(table: ParameterTable, plans: Sequence[Plan], st: Structure | None = None) -> Plans:
    """Stack the plans of every row of ``table`` (one step length, one structure ``st``)."""
    # np.array of a list, not np.stack: one C call, not one per plan (a row
    # per run of uncertain inputs stacks thousands: 3 to 25 times faster).
    stacked = {
        f.name: np.array([getattr(p, f.name) for p in plans], dtype=float)
        for f in fields(Plan)
        if f.name not in _SHARED
    }
    return Plans(
        table=table,
        structure=st if st is not None else structure(plans[0].rates, plans[0].classes.size),
        dt=plans[0].dt,
        **stacked,
    )
