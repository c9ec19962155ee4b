"""Engage and delight for the numpy core: onboarding, the value chain, NPS and the ask, checks.

Active customers move with the exact transition probabilities of their chain
over the step (rows of ``expm(Q dt)``, ``flysim.engines.mc.plan``), so
several events of one customer within a step are exact. Exits drawn on the
value array are allocated at random over the delight cells with the same
class and health (multivariate hypergeometric), so both arrays always hold
the same customers.
"""

from __future__ import annotations

import numpy as np

from flysim.engines.mc import draws
from flysim.engines.mc.plan import Plans
from flysim.engines.mc.sampling import normal
from flysim.engines.mc.state import (
    ACCEPTED,
    AT_RISK,
    DECLINED,
    HEALTHY,
    NOT_ASKED,
    PROMOTER,
    State,
    collapse,
)
from flysim.engines.mc.uniforms import Stream

__all__ = ["book_checks", "check", "engage"]


def _new_by_class(
    plan: Plans, converted: np.ndarray, stream: Stream, sets: np.ndarray
) -> np.ndarray:
    """Split conversions into groups (referral-won or not) and churn classes, ``(runs, g, k)``.

    Each customer falls in a class with the class's probability (multinomial).
    """
    by_group = np.stack([converted[:, 0] + converted[:, 1], converted[:, 2]][: plan.groups], axis=1)
    return draws.split(stream, by_group, plan.class_probs[:, None, :], sets)


def _onboard(
    plan: Plans, state: State, new: np.ndarray, stream: Stream, flows: dict[str, np.ndarray]
) -> np.ndarray:
    """Onboarding exits of one step; return activations, ``(runs, g, k)``.

    Exits are age-independent (exponential), so the ones who reach value are
    a random subset of the pool and their mean age is the pool's; the realised
    days to value add the mean exit time within the step.
    """
    old, sets = state.onboard, state.sets
    # The pool at the step's start and the step's entrants, drawn together.
    q = np.stack([plan.onboard_exit_old, plan.onboard_exit_new], axis=1)[:, :, None, :]
    shares = plan.onboard_shares  # (sets, k, 2)
    both = draws.competing(stream, np.stack([old, new], axis=1), q, shares, sets)
    by_old, by_new = both[:, 0], both[:, 1]
    act_old, act_new = by_old[..., 0], by_new[..., 0]
    out_old, out_new = collapse(by_old, 0, 1), collapse(by_new, 0, 1)
    runs = old.shape[0]
    mean_age = np.divide(state.onboard_age, old, out=np.zeros_like(old), where=old > 0)
    age_old, age_new = plan.onboard_exit_age_old[sets], plan.onboard_exit_age_new[sets]
    days = act_old * (mean_age + age_old[:, None]) + act_new * age_new[:, None]
    flows["ttv_sum"] += days.reshape(runs, -1).sum(axis=1)
    flows["ttv_count"] += (act_old + act_new).reshape(runs, -1).sum(axis=1)
    lost = (out_old - act_old + out_new - act_new).reshape(runs, -1).sum(axis=1)
    flows["churned"] += lost
    # Onboarding customers pay the first tier's MRR from conversion on.
    flows["churned_mrr"] += lost * plan.tier_mrr[sets, 0]
    state.onboard_age = (old - out_old) * (mean_age + plan.dt) + (
        new - out_new
    ) * plan.onboard_stay_age_new[sets][:, None]
    state.onboard = old - out_old + new - out_new
    return act_old + act_new


def _redraw_nps(
    moved: np.ndarray, probs: np.ndarray, stream: Stream, sets: np.ndarray
) -> np.ndarray:
    """Customers who changed health, by ask state (last axis), redraw their NPS category.

    ``probs`` has a leading axis of parameter sets. Returns the counts with
    the category before the ask state: ``(..., n, s)``.
    """
    return np.swapaxes(draws.split(stream, moved, probs, sets), -1, -2)


def _delight_exits(
    plan: Plans, state: State, churned: np.ndarray, flipped: np.ndarray, stream: Stream
) -> None:
    """Remove churned and flipped customers from the delight cells; move the flipped."""
    d = state.delight
    assert d is not None
    runs, k = d.shape[:2]
    cells = d.reshape(runs, k, 2, 9)
    cells = cells - draws.allocate(stream, churned, cells)
    gone = draws.allocate(stream, flipped, cells)
    cells = cells - gone
    d = cells.reshape(runs, k, 2, 3, 3)
    by_nps = gone.reshape(runs, k, 2, 3, 3)
    by_ask = by_nps[:, :, :, 0] + by_nps[:, :, :, 1] + by_nps[:, :, :, 2]  # (runs, k, h, s)
    # Customers who left health h arrive in 1 - h and draw their category there.
    # (sets, 1, h, 1, n): row h holds nps[1 - h]
    target = plan.nps[:, ::-1][:, None, :, None, :]
    d[:, :, ::-1] += _redraw_nps(by_ask, target, stream, state.sets)
    state.delight = d


def _ask(plan: Plans, state: State, stream: Stream) -> None:
    d = state.delight
    assert d is not None
    waiting = d[:, :, :, PROMOTER, NOT_ASKED]
    asked = draws.binomial(stream, waiting, plan.p_ask, state.sets)
    accepted = draws.binomial(stream, asked, plan.table.column("ask_accept"), state.sets)
    d[:, :, :, PROMOTER, NOT_ASKED] -= asked
    d[:, :, :, PROMOTER, ACCEPTED] += accepted
    d[:, :, :, PROMOTER, DECLINED] += asked - accepted


def _move_active(
    plan: Plans,
    state: State,
    activated: np.ndarray,
    stream: Stream,
    flows: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Move active customers along their chain for one step; add the newly active.

    Only the cells someone leaves are touched: their customers' destinations
    (the other ``(h, t)`` cells, or churned from tier ``j``) are drawn and
    scattered with ``bincount``. Returns churned and flipped counts by
    ``(k, h)`` of origin, ``(runs, k, 2)`` each, for the delight cells.
    """
    v = state.value
    runs, _, classes, _, tiers = v.shape
    size = v[0].size
    left = draws.binomial(stream, v, plan.p_exit, state.sets)
    cells, to = draws.split_cells(stream, left, plan.exit_shares, state.sets)
    run, cell = np.divmod(cells, size)
    g, k, h, t = np.unravel_index(cell, v.shape[1:])
    new = (v - left).reshape(-1)
    stay_in = to[:, : 2 * tiers]
    dest = np.arange(2 * tiers)
    target = np.ravel_multi_index(
        (run[:, None], g[:, None], k[:, None], dest // tiers, dest % tiers), v.shape
    )
    new += np.bincount(target.ravel(), weights=stay_in.ravel(), minlength=new.size)
    new = new.reshape(v.shape)
    new[:, :, :, HEALTHY, 0] += activated
    state.value = new
    # Tiers climbed: a move's destination tier minus its origin's (a churner
    # counts the upsells it had before it left, and leaves from its last tier).
    dest_tier = np.concatenate([np.arange(tiers)] * 3)
    climbed = (to * np.maximum(dest_tier[None, :] - t[:, None], 0)).sum(axis=1)
    flows["upsells"] += np.bincount(run, weights=climbed, minlength=runs)
    gone = to[:, 2 * tiers :].sum(axis=1)
    flows["churned"] += np.bincount(run, weights=gone, minlength=runs)
    mrr = plan.tier_mrr[state.sets[run]]  # (cells, tiers): each cell's run's tier MRR
    gained = (to * (mrr[:, dest_tier] - mrr[np.arange(len(t)), t][:, None])).sum(axis=1)
    flows["expansion_mrr"] += np.bincount(run, weights=gained, minlength=runs)
    lost = (to[:, 2 * tiers :] * mrr).sum(axis=1)
    flows["churned_mrr"] += np.bincount(run, weights=lost, minlength=runs)
    other = np.where(h == HEALTHY, to[:, tiers : 2 * tiers].sum(axis=1), to[:, :tiers].sum(axis=1))
    origin = np.ravel_multi_index((run, k, h), (runs, classes, 2))
    churned = np.bincount(origin, weights=gone, minlength=runs * classes * 2)
    flipped = np.bincount(origin, weights=other, minlength=runs * classes * 2)
    shape = (runs, classes, 2)
    return churned.reshape(shape), flipped.reshape(shape)


def engage(
    plan: Plans,
    state: State,
    converted: np.ndarray,
    stream: Stream,
    flows: dict[str, np.ndarray],
) -> None:
    """One step of onboarding, churn, health changes, upsells, NPS and the ask."""
    activated = _onboard(
        plan, state, _new_by_class(plan, converted, stream, state.sets), stream, flows
    )
    churned, flipped = _move_active(plan, state, activated, stream, flows)
    if state.delight is None:
        return
    _delight_exits(plan, state, churned, flipped, stream)
    instant = plan.structure.instant_ask
    if not instant:
        _ask(plan, state, stream)
    new_nps = draws.split(stream, collapse(activated, 1), plan.nps[:, HEALTHY], state.sets)
    state.delight[:, :, HEALTHY, :, NOT_ASKED] += new_nps
    if instant:
        _ask(plan, state, stream)


def check(plan: Plans, state: State, stream: Stream) -> None:
    """A weekly check: rescues by the triggers' actions, and the checks' exposure.

    An at-risk customer is rescued with the exact probability that at least
    one fired action succeeds. The firings and scores themselves are drawn
    once a month from the month's exposure (``book_checks``).
    """
    v = state.value
    state.exposure += collapse(v, 2)  # (runs, h): customers checked, by health
    if plan.fire.shape[2] == 0:
        return
    at_risk = v[:, :, :, AT_RISK, :]
    saved = draws.binomial(stream, at_risk, plan.p_recover, state.sets)
    v[:, :, :, AT_RISK, :] -= saved
    v[:, :, :, HEALTHY, :] += saved
    if state.delight is None:
        return
    d = state.delight
    runs, k = d.shape[:2]
    cells = d[:, :, AT_RISK].reshape(runs, k, 9)
    gone = draws.allocate(stream, collapse(saved, 1), cells)
    d[:, :, AT_RISK] = (cells - gone).reshape(runs, k, 3, 3)
    by_nps = gone.reshape(runs, k, 3, 3)
    by_ask = by_nps[:, :, 0] + by_nps[:, :, 1] + by_nps[:, :, 2]
    d[:, :, HEALTHY] += _redraw_nps(by_ask, plan.nps[:, HEALTHY], stream, state.sets)


def book_checks(plan: Plans, state: State, stream: Stream, flows: dict[str, np.ndarray]) -> None:
    """The month's trigger firings and health-score sum, from its checks' exposure.

    Checks are independent given the health state, so a trigger's firings
    over the month's ``n_1, n_2, ...`` checked customers in a state are
    ``Binomial(n_1 + n_2 + ..., p_fire)`` exactly: one draw a month instead
    of one a week. The score sum is normal with the exact mean and variance of
    that many independent scores. Firings and rescues are drawn independently
    (each margin exact; their correlation within a check is not kept).
    """
    exposed, sets = state.exposure, state.sets
    z = normal(stream.uniform(2))
    score = exposed * plan.score_mean[sets] + np.sqrt(exposed * plan.score_var[sets]) * z
    flows["score_sum"] += np.clip(score, 0.0, 100.0 * exposed).sum(axis=1)
    flows["score_count"] += exposed.sum(axis=1)
    n_trig = plan.fire.shape[2]
    if n_trig:
        exposures = np.repeat(exposed[:, :, None], n_trig, axis=2)
        fired = draws.binomial(stream, exposures, plan.fire, sets)
        flows["trigger_actions"] += fired.sum(axis=(1, 2))
        flows["spend_triggers"] += (fired * plan.trigger_cost[sets][:, None, :]).sum(axis=(1, 2))
    exposed[:] = 0.0
