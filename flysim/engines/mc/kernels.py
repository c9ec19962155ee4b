"""The numpy core's customer step, compiled: onboarding, the value chain, NPS, the ask, checks.

One call advances every run of a block by one step, a run at a time, with
scalar draws (``flysim.engines.mc.quantiles``) of uniforms computed from
their counters (``flysim.engines.mc.uniforms.u01``). A run's counters are
laid out as the array draws lay them out (``flysim.engines.mc.draws``): each
draw of a step owns ``cells x per`` counters whether its cells are empty or
not, cell ``c`` the counters ``start + 1 + c * per + j``. So a run's numbers
depend only on its key and its step, never on the state (common random
numbers), and empty cells cost nothing.

What the step does (the chain's exact transition probabilities, the
competing onboarding exits, the allocation of exits over the delight cells)
is documented in ``flysim.engines.mc.customers``, which prepares the
arguments; the probabilities themselves come compiled from
``flysim.engines.mc.plan``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from flysim.engines.mc.cell_draws import (
    M_2,
    M_3,
    M_9,
    PER_2,
    PER_3,
    PER_9,
    TO_HEALTHY,
    TO_OTHER,
    ask_promoters,
    cell_binomial,
    cell_uniforms,
    redraw_nps,
)
from flysim.engines.mc.draws import ONE_BY_ONE
from flysim.engines.mc.sampling import FEW_OK, allocate_row, split_row
from flysim.engines.mc.tally import AT_RISK_N, HEALTHY_N, count_nps
from flysim.model.states import Ask, Health

__all__ = ["TTV_SUM", "check_step", "engage_step"]

#: Columns of the flows the kernels add to, ``(runs, 6)``.
TTV_SUM, TTV_COUNT, CHURNED, CHURNED_MRR, UPSELLS, EXPANSION_MRR = range(6)

_HEALTHY, _AT_RISK = int(Health.HEALTHY), int(Health.AT_RISK)
_NOT_ASKED = int(Ask.NOT_ASKED)


@njit(cache=True, error_model="numpy")
def engage_step(  # type: ignore[no-untyped-def]
    keys,
    start,
    sets,
    converted,
    onboard,
    onboard_age,
    value,
    delight,
    nps_on,
    instant_ask,
    dt,
    class_probs,
    exit_old,
    exit_new,
    onboard_shares,
    age_old,
    age_new,
    stay_new,
    tier_mrr,
    p_exit,
    exit_shares,
    p_ask,
    accept,
    nps,
    flows,
):
    """One step of onboarding, the value chain, NPS and the ask for every run, in place.

    Parameters
    ----------
    keys, start, sets
        Each run's key of the "customers" stream, the stream's position, and
        each run's parameter set.
    converted : numpy.ndarray
        New customers by channel (paid, organic, referral), ``(runs, 3)``.
    onboard, onboard_age, value, delight
        The state's arrays (``flysim.engines.mc.state.State``), changed in place.
    nps_on, instant_ask : bool
        Whether ``[delight]`` is on, and whether the ask is certain within a step.
    dt : float
        The step's length in days.
    class_probs, exit_old, exit_new, onboard_shares, age_old, age_new, stay_new,
    tier_mrr, p_exit, exit_shares, p_ask, accept, nps
        The plan's arrays (``flysim.engines.mc.plan.Plans``), a leading axis of sets.
    flows : numpy.ndarray
        ``(runs, 6)``: receives the step's flows, columns ``TTV_SUM`` to ``EXPANSION_MRR``.

    Returns
    -------
    int
        The counters consumed (the same for every run).
    """
    runs, g, k = onboard.shape
    tiers = value.shape[4]
    m_move = 3 * tiers
    # draws.per_cell, compiled: the array draws' counter layout.
    per_move = max(m_move - 1, ONE_BY_ONE)
    per_class = max(k - 1, ONE_BY_ONE)
    buf = np.empty(max(per_move, per_class) + 3)
    # Scratch, allocated once: an allocation per run would cost more than its draws.
    flipped_by = np.zeros((k, 2, 3))
    new = np.zeros((g, k))
    by_group = np.empty(2)
    exits = np.zeros((2, g, k))
    act = np.zeros((2, g, k))
    two = np.zeros(2)
    activated = np.zeros((g, k))
    left = np.zeros((2, tiers))
    churned = np.zeros((k, 2))
    flipped = np.zeros((k, 2))
    to = np.zeros(m_move)
    cells = np.zeros(9)
    got = np.zeros(9)
    cat3 = np.zeros(3)
    ask_scratch = np.zeros(2 * k)
    pos = start
    for r in range(runs):
        key, s = keys[r], sets[r]
        pos = start
        # New customers by group (referral-won or not) and churn class.
        new[:] = 0.0
        by_group[0] = converted[r, 0] + converted[r, 1]
        by_group[1] = converted[r, 2]
        for gi in range(g):
            if by_group[gi] > 0.0:
                u = cell_uniforms(key, pos + gi * per_class, per_class, by_group[gi], k, buf)
                split_row(u, by_group[gi], class_probs[s], FEW_OK, new[gi])
        pos += g * per_class
        # Onboarding: competing exits (value, churn) of the pool and the entrants,
        # then which of them reached value. Each draw reads its own counters,
        # so a cell's split follows its exits at once.
        pos_act = pos + 2 * g * k
        act[:] = 0.0
        for i in range(2):
            for gi in range(g):
                for c in range(k):
                    n = onboard[r, gi, c] if i == 0 else new[gi, c]
                    q = exit_old[s, c] if i == 0 else exit_new[s, c]
                    cell = (i * g + gi) * k + c
                    x = cell_binomial(key, pos, cell, n, q)
                    exits[i, gi, c] = x
                    if x <= 0.0:
                        continue
                    u = cell_uniforms(key, pos_act + cell * PER_2, PER_2, x, M_2, buf)
                    two[:] = 0.0
                    split_row(u, x, onboard_shares[s, c], FEW_OK, two)
                    act[i, gi, c] = two[0]
        pos = pos_act + 2 * g * k * PER_2
        for gi in range(g):
            for c in range(k):
                old, nw = onboard[r, gi, c], new[gi, c]
                activated[gi, c] = 0.0
                if old <= 0.0 and nw <= 0.0:
                    continue  # nobody: no flow, and the cell's age sum stays 0
                mean_age = onboard_age[r, gi, c] / old if old > 0.0 else 0.0
                a_old, a_new = act[0, gi, c], act[1, gi, c]
                out_old, out_new = exits[0, gi, c], exits[1, gi, c]
                flows[r, TTV_SUM] += a_old * (mean_age + age_old[s, c]) + a_new * age_new[s, c]
                flows[r, TTV_COUNT] += a_old + a_new
                lost = out_old - a_old + out_new - a_new
                flows[r, CHURNED] += lost
                # Onboarding customers pay the first tier's MRR from conversion on.
                flows[r, CHURNED_MRR] += lost * tier_mrr[s, 0]
                onboard_age[r, gi, c] = (old - out_old) * (mean_age + dt) + (
                    nw - out_new
                ) * stay_new[s, c]
                onboard[r, gi, c] = old - out_old + nw - out_new
                activated[gi, c] = a_old + a_new
        # Active customers: who leaves each (g, k, h, t) cell, then where to. A
        # cell's exits stay in its (g, k) block, so each block draws its exits
        # first and then moves them; empty blocks move nothing.
        v = value[r]
        pos_move = pos + g * k * 2 * tiers
        churned[:] = 0.0
        flipped[:] = 0.0
        exited = False
        for gi in range(g):
            for c in range(k):
                block = (gi * k + c) * 2 * tiers
                moving = False
                for h in range(2):
                    for t in range(tiers):
                        x = cell_binomial(
                            key, pos, block + h * tiers + t, v[gi, c, h, t], p_exit[s, c, h, t]
                        )
                        left[h, t] = x
                        moving = moving or x > 0.0
                if not moving:
                    continue
                exited = True
                for h in range(2):
                    for t in range(tiers):
                        n = left[h, t]
                        if n <= 0.0:
                            continue
                        cell = block + h * tiers + t
                        u = cell_uniforms(key, pos_move + cell * per_move, per_move, n, m_move, buf)
                        to[:] = 0.0
                        split_row(u, n, exit_shares[s, c, h, t], FEW_OK, to)
                        v[gi, c, h, t] -= n
                        for dest in range(2 * tiers):
                            v[gi, c, dest // tiers, dest % tiers] += to[dest]
                        for dest in range(m_move):
                            tier = dest % tiers
                            if tier > t:
                                flows[r, UPSELLS] += to[dest] * (tier - t)
                            flows[r, EXPANSION_MRR] += to[dest] * (
                                tier_mrr[s, tier] - tier_mrr[s, t]
                            )
                        for j in range(tiers):
                            gone = to[2 * tiers + j]
                            churned[c, h] += gone
                            flows[r, CHURNED] += gone
                            flows[r, CHURNED_MRR] += gone * tier_mrr[s, j]
                        other = 1 - h
                        for j in range(tiers):
                            flipped[c, h] += to[other * tiers + j]
        pos = pos_move + g * k * 2 * tiers * per_move
        for gi in range(g):
            for c in range(k):
                v[gi, c, _HEALTHY, 0] += activated[gi, c]
        if not nps_on:
            continue
        d = delight[r]
        # Exits leave the delight cells of their class and health at random.
        for which in range(2 if exited else 0):
            counts = churned if which == 0 else flipped
            for c in range(k):
                for h in range(2):
                    n = counts[c, h]
                    if n <= 0.0:
                        continue
                    cell = (which * k + c) * 2 + h
                    u = cell_uniforms(key, pos + cell * PER_9, PER_9, n, M_9, buf)
                    for cat in range(3):
                        for st in range(3):
                            cells[cat * 3 + st] = d[c, h, cat, st]
                    got[:] = 0.0
                    allocate_row(u, n, cells, FEW_OK, got)
                    for cat in range(3):
                        for st in range(3):
                            d[c, h, cat, st] -= got[cat * 3 + st]
                    if which == 1:
                        for st in range(3):
                            flipped_by[c, h, st] = got[st] + got[3 + st] + got[6 + st]
        pos += 2 * k * 2 * PER_9
        # Customers who left health h arrive in 1 - h and draw their category there.
        if exited:
            redraw_nps(key, pos, d, flipped_by, nps[s], TO_OTHER, buf)
            flipped_by[:] = 0.0
        pos += k * 2 * 3 * PER_3
        if not instant_ask:
            pos = ask_promoters(key, pos, d, p_ask[s], accept[s], ask_scratch)
        # Newly active customers draw a category as healthy, not yet asked.
        for c in range(k):
            n = 0.0
            for gi in range(g):
                n += activated[gi, c]
            if n > 0.0:
                u = cell_uniforms(key, pos + c * PER_3, PER_3, n, M_3, buf)
                cat3[:] = 0.0
                split_row(u, n, nps[s, _HEALTHY], FEW_OK, cat3)
                for cat in range(3):
                    d[c, _HEALTHY, cat, _NOT_ASKED] += cat3[cat]
        pos += k * PER_3
        if instant_ask:
            pos = ask_promoters(key, pos, d, p_ask[s], accept[s], ask_scratch)
    return pos - start


@njit(cache=True, error_model="numpy")
def check_step(  # type: ignore[no-untyped-def]
    keys, start, sets, value, delight, nps_on, exposure, n_triggers, p_recover, nps, tally, keep
):
    """A weekly check for every run, in place: exposure, rescues, their NPS redraw.

    An at-risk customer is rescued with the exact probability that at least
    one fired action succeeds (``p_recover``); the rescued leave the
    at-risk delight cells at random and draw a category as healthy.

    Parameters
    ----------
    keys, start, sets
        Each run's key of the "health" stream, its position, each run's set.
    value, delight, nps_on
        The state's customer arrays (changed in place), and whether
        ``[delight]`` is on.
    exposure : numpy.ndarray
        ``(runs, 2)``: customers checked this month, by health; added to.
    n_triggers : int
        Triggers in force (none: no rescue is drawn).
    p_recover, nps
        The plan's rescue probability and NPS laws, a leading axis of sets.
    tally, keep
        The stocks counted before the check (``flysim.engines.mc.tally``,
        ``(runs, 10)``), and whether to keep them current: the rescued move
        from at risk to healthy, and a run whose NPS was redrawn recounts its
        NPS columns. MRR and customers do not change.

    Returns
    -------
    int
        The counters consumed (the same for every run).
    """
    runs, g, k, _, tiers = value.shape
    buf = np.empty(max(PER_3, PER_9) + 3)
    saved = np.zeros(k)
    moved = np.zeros((k, 1, 3))
    got = np.zeros(9)
    cells = np.zeros(9)
    scratch = np.zeros((3, 3))
    rescues = g * k * tiers
    used = 0 if n_triggers == 0 else rescues + (k * PER_9 + k * 3 * PER_3 if nps_on else 0)
    for r in range(runs):
        key, s = keys[r], sets[r]
        v = value[r]
        # The exposure is the state before the rescues: a cell is counted,
        # then rescued (each cell changes only itself).
        healthy = at_risk = 0.0
        rescued = False
        saved[:] = 0.0
        for gi in range(g):
            for c in range(k):
                for t in range(tiers):
                    healthy += v[gi, c, _HEALTHY, t]
                    n = v[gi, c, _AT_RISK, t]
                    at_risk += n
                    if n_triggers == 0 or n <= 0.0:
                        continue
                    x = cell_binomial(key, start, (gi * k + c) * tiers + t, n, p_recover[s])
                    if x > 0.0:
                        v[gi, c, _AT_RISK, t] -= x
                        v[gi, c, _HEALTHY, t] += x
                        saved[c] += x
                        rescued = True
        exposure[r, _HEALTHY] += healthy
        exposure[r, _AT_RISK] += at_risk
        if keep and rescued:
            for c in range(k):
                tally[r, HEALTHY_N] += saved[c]
                tally[r, AT_RISK_N] -= saved[c]
        if not (nps_on and rescued):
            continue
        pos = start + rescues
        d = delight[r]
        moved[:] = 0.0
        for c in range(k):
            if saved[c] <= 0.0:
                continue
            u = cell_uniforms(key, pos + c * PER_9, PER_9, saved[c], M_9, buf)
            got[:] = 0.0
            for cat in range(3):
                for st in range(3):
                    cells[cat * 3 + st] = d[c, _AT_RISK, cat, st]
            allocate_row(u, saved[c], cells, FEW_OK, got)
            for cat in range(3):
                for st in range(3):
                    d[c, _AT_RISK, cat, st] -= got[cat * 3 + st]
            for st in range(3):
                moved[c, 0, st] = got[st] + got[3 + st] + got[6 + st]
        pos += k * PER_9
        redraw_nps(key, pos, d, moved, nps[s], TO_HEALTHY, buf)
        if keep:
            count_nps(d, scratch, tally[r])
    return used
