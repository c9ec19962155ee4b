"""Engage and delight for the numpy core: onboarding, the value chain, NPS and the ask, checks.

Active customers move with the exact transition probabilities of their chain
over the step (rows of ``expm(Q dt)``, ``flysim.engines.mc.plan``), so
several events of one customer within a step are exact. Exits drawn on the
value array are allocated at random over the delight cells with the same
class and health (multivariate hypergeometric), so both arrays always hold
the same customers. The step itself is compiled (``flysim.engines.mc.kernels``):
this module hands it the state and the plan's arrays.
"""

from __future__ import annotations

import numpy as np

from flysim.engines.mc import draws, kernels
from flysim.engines.mc.plan import Plans
from flysim.engines.mc.sampling import normal
from flysim.engines.mc.state import State
from flysim.engines.mc.uniforms import Stream

__all__ = ["book_checks", "check", "engage"]


#: Flows the compiled customer step adds to, by its output column.
_KERNEL_FLOWS: dict[str, int] = {
    "ttv_sum": kernels.TTV_SUM,
    "ttv_count": kernels.TTV_COUNT,
    "churned": kernels.CHURNED,
    "churned_mrr": kernels.CHURNED_MRR,
    "upsells": kernels.UPSELLS,
    "expansion_mrr": kernels.EXPANSION_MRR,
}


#: ``check_step``'s tally when there is none to keep current.
_NO_TALLY = np.zeros((0, 10))


def _delight(state: State) -> np.ndarray:
    """The delight array, or an empty stand-in of the same rank without ``[delight]``."""
    if state.delight is not None:
        return state.delight
    return np.zeros((state.value.shape[0], 1, 2, 3, 3))


def engage(
    plan: Plans,
    state: State,
    converted: np.ndarray,
    stream: Stream,
    flows: dict[str, np.ndarray],
) -> None:
    """One step of onboarding, churn, health changes, upsells, NPS and the ask.

    Conversions split into groups (referral-won or not) and churn classes
    (multinomial); the onboarding pool and the step's entrants exit by
    competing risks (value or churn); active customers move with their
    chain's exact step probabilities; exits leave the delight cells of their
    class and health at random and the flipped redraw their NPS category;
    promoters are asked (after the newly active arrive when the ask is
    instant). All in place, one compiled pass over the runs.
    """
    out = np.zeros((state.value.shape[0], len(_KERNEL_FLOWS)))
    used = kernels.engage_step(
        stream.keys,
        stream.position,
        state.sets,
        np.ascontiguousarray(converted, dtype=float),
        state.onboard,
        state.onboard_age,
        state.value,
        _delight(state),
        state.delight is not None,
        plan.structure.instant_ask,
        plan.dt,
        plan.class_probs,
        plan.onboard_exit_old,
        plan.onboard_exit_new,
        plan.onboard_shares,
        plan.onboard_exit_age_old,
        plan.onboard_exit_age_new,
        plan.onboard_stay_age_new,
        plan.tier_mrr,
        # One compiled signature: a stacked plan can be a strided view.
        np.ascontiguousarray(plan.p_exit),
        np.ascontiguousarray(plan.exit_shares),
        plan.p_ask,
        np.ascontiguousarray(plan.table.column("ask_accept"), dtype=float),
        plan.nps,
        out,
    )
    stream.advance(int(used))
    state.touched()
    for name, col in _KERNEL_FLOWS.items():
        flows[name] += out[:, col]


def check(plan: Plans, state: State, stream: Stream) -> None:
    """A weekly check: rescues by the triggers' actions, and the checks' exposure.

    An at-risk customer is rescued with the exact probability that at least
    one fired action succeeds. The firings and scores themselves are drawn
    once a month from the month's exposure (``book_checks``). A tally of
    the stocks taken since the last step stays current: the check moves it.
    """
    counted = state.counted()
    used = kernels.check_step(
        stream.keys,
        stream.position,
        state.sets,
        state.value,
        _delight(state),
        state.delight is not None,
        state.exposure,
        plan.fire.shape[2],
        plan.p_recover,
        plan.nps,
        counted if counted is not None else _NO_TALLY,
        counted is not None,
    )
    stream.advance(int(used))
    if counted is None:
        state.touched()


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
