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

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from scipy import linalg

from flysim.engines.mc.schedule import Schedule, schedule
from flysim.model.customer import onboarding_hazards, value_generator
from flysim.model.hazards import (
    entrant_probability,
    gamma_classes,
    gamma_shape,
    hazard_probability,
)
from flysim.model.health import (
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
#: Equal-probability quantile classes of the Gamma churn multiplier.
DEFAULT_CLASSES: int = 8


#: Gauss-Legendre nodes and weights on [-1, 1]: exact to machine precision for
#: the smooth integrands over one step below.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)


def _integrals(f: np.ndarray, dt: float) -> np.ndarray:
    """Integrals over ``[0, dt]`` of each row of ``f``, sampled at ``_nodes(dt)``."""
    return 0.5 * dt * np.sum(_WEIGHTS * f, axis=-1)


def _nodes(dt: float) -> np.ndarray:
    """Gauss-Legendre nodes on ``[0, dt]``."""
    return 0.5 * dt * (_NODES + 1.0)


def _exit_ages(rates: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean times in an exponential pool of each rate, within one step of ``dt`` days.

    Returns, per rate: a member present at the step's start who exits within
    it, ``E[tau | tau < dt]``; an entrant at a uniform time who exits within
    it (the exit density weighted by the time left); and the mean age at the
    step's end of an entrant still in the pool.
    """
    t = _nodes(dt)
    # A rate so high that exp(-rate dt) underflows exits at once, like an
    # infinite one: its times within the step are 0 to machine precision.
    fin = np.isfinite(rates) & (rates * dt < 700.0)
    safe = np.where(fin, rates, 0.0)
    decay = np.exp(-safe[:, None] * t)
    left = (dt - t) * decay
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


@dataclass(frozen=True)
class Plan:
    """Per-step constants of one scenario at one step length (all per step of ``dt`` days)."""

    rates: ModelRates
    dt: float
    groups: int
    classes: np.ndarray
    tiers: int
    nps_on: bool
    # MRR of each tier customers can be in
    tier_mrr: np.ndarray
    # lead decisions per channel (paid, organic, referral)
    decide_old: np.ndarray
    decide_new: np.ndarray
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


def _value_moves(generators: np.ndarray, tiers: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact step transition probabilities of one active customer's chain, per class.

    States are (health, tier) and "churned from tier j"; between checks the
    chain is time-homogeneous (``flysim.model.customer.value_generator``,
    one generator per churn class in ``generators``), so the state a step
    later is a row of ``expm(Q dt)``. Several events of one customer within a
    step (at risk, then churned) are therefore exact, with no first-order
    step bias.
    """
    n, live = 3 * tiers, np.arange(2 * tiers)
    step = np.stack([linalg.expm(q * dt) for q in generators])
    rows = np.clip(step[:, : 2 * tiers, :], 0.0, None)  # (k, 2T, 3T): from each live state
    stay = rows[:, live, live]
    rows[:, live, live] = 0.0
    total = rows.sum(axis=-1, keepdims=True)
    # Nowhere to go within the step (no hazard at all): "churned from its own
    # tier", a share no draw uses since nobody leaves.
    nowhere = np.eye(n)[2 * tiers + live % tiers]
    moves = np.where(total > 0, rows / np.where(total > 0, total, 1.0), nowhere)
    k = generators.shape[0]
    return (1.0 - stay).reshape(k, 2, tiers), moves.reshape(k, 2, tiers, n)


@dataclass(frozen=True)
class _SetConstants:
    """What a plan needs of one row of parameters whatever the step length."""

    mult: np.ndarray
    decide: np.ndarray
    out_rate: np.ndarray
    shares: np.ndarray
    tiers: int
    generators: np.ndarray
    fire: np.ndarray
    trigger_cost: np.ndarray
    p_recover: float
    score_mean: np.ndarray
    score_var: np.ndarray


def _set_constants(rates: ModelRates, classes: int, st: Structure) -> _SetConstants:
    mult = gamma_classes(rates.churn_cv, classes)
    churn_on, value_rate = onboarding_hazards(rates, mult)
    out_rate = value_rate + churn_on
    share = np.where(np.isinf(out_rate), 1.0, 0.0)
    fin = np.isfinite(out_rate) & (out_rate > 0)
    share[fin] = value_rate / out_rate[fin]
    tiers = st.tiers
    health = rates.health
    # The block's triggers (st.triggers) are those any of its rows has at any
    # time; one not in force here fires with probability 0 and costs nothing.
    fire, cost, p_rec = np.zeros((2, len(st.triggers))), np.zeros(len(st.triggers)), 0.0
    if health is not None and health.triggers:
        where = [st.triggers.index(t.name) for t in health.triggers]
        fire[:, where] = np.stack([fire_probabilities(health, h) for h in Health])
        cost[where] = [t.cost for t in health.triggers]
        p_rec = recovery_probability(health)
    if health is not None:
        s_mean = np.array([expected_score(health, h) for h in Health])
        s_var = np.array([score_variance(health, h) for h in Health])
    else:
        s_mean = s_var = np.zeros(2)
    return _SetConstants(
        mult=mult,
        decide=np.array([rates.channels[c].decide_rate for c in CHANNELS]),
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
    once for all lengths. ``st`` is the block's structure (by default the
    row's own): a row with changes is compiled in the union of the
    structures it has over time (``union_structure``).
    """
    st = st if st is not None else structure(rates, classes)
    c = _set_constants(rates, classes, st)
    return {dt: _plan(rates, c, dt, st) for dt in lengths}


def make_plan(rates: ModelRates, dt: float, classes: int = DEFAULT_CLASSES) -> Plan:
    """Compile the constants of one step of ``dt`` days of one row of parameters."""
    return make_plans(rates, [dt], classes)[dt]


def _plan(rates: ModelRates, c: _SetConstants, dt: float, st: Structure) -> Plan:
    p_exit, moves = _value_moves(c.generators, c.tiers, dt)
    ages_old, ages_new, stay_new = _exit_ages(c.out_rate, dt)
    return Plan(
        rates=rates,
        dt=dt,
        groups=st.groups,
        classes=c.mult,
        tiers=c.tiers,
        nps_on=st.nps_on,
        tier_mrr=np.asarray(rates.tier_mrr[: c.tiers], dtype=float),
        decide_old=hazard_probability(c.decide, dt),
        decide_new=entrant_probability(c.decide, dt),
        onboard_exit_old=hazard_probability(c.out_rate, dt),
        onboard_exit_new=entrant_probability(c.out_rate, dt),
        onboard_shares=c.shares,
        onboard_exit_age_old=ages_old,
        onboard_exit_age_new=ages_new,
        onboard_stay_age_new=stay_new,
        p_exit=p_exit,
        exit_shares=moves,
        p_ask=float(hazard_probability(rates.ask_rate, dt)) if rates.nps_on else 0.0,
        nps=np.array([rates.nps_healthy, rates.nps_at_risk]),
        fire=c.fire,
        trigger_cost=c.trigger_cost,
        p_recover=c.p_recover,
        score_mean=c.score_mean,
        score_var=c.score_var,
    )


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
    tier_mrr: np.ndarray
    decide_old: np.ndarray
    decide_new: np.ndarray
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
    stacked = {
        f.name: np.stack([np.asarray(getattr(p, f.name), dtype=float) for p in plans])
        for f in fields(Plan)
        if f.name not in _SHARED
    }
    return Plans(
        table=table,
        structure=st if st is not None else structure(plans[0].rates, plans[0].classes.size),
        dt=plans[0].dt,
        **stacked,
    )
