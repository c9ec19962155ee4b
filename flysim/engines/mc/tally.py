"""The numpy core's stocks per run, counted in one compiled pass over the customer arrays.

Arrival drivers (customers, promoters, advocates), MRR and the month-end
snapshot all read these; ``flysim.engines.mc.state.State.tally`` keeps the
last count until a compiled step changes the customers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from flysim.model.states import Ask, Nps

__all__ = [
    "ADVOCATES",
    "AT_RISK_N",
    "CUSTOMERS",
    "DETRACTORS",
    "HEALTHY_N",
    "MRR",
    "MRR_REFERRAL",
    "ONBOARDING",
    "PASSIVES",
    "PROMOTERS",
    "count_nps",
    "tally",
]

_PROMOTER, _ACCEPTED = int(Nps.PROMOTER), int(Ask.ACCEPTED)

#: Columns of ``tally``'s output.
CUSTOMERS, ONBOARDING, HEALTHY_N, AT_RISK_N, PROMOTERS, PASSIVES, DETRACTORS = range(7)
ADVOCATES, MRR, MRR_REFERRAL = range(7, 10)


@njit(cache=True, error_model="numpy")
def tally(onboard, value, delight, nps_on, tier_mrr, priced, sets, out):  # type: ignore[no-untyped-def]
    """Each run's stocks into ``out``, ``(runs, 10)``: customers, health, NPS, advocates, MRR.

    MRR (with ``priced``) sums each group's customers per tier first (whole
    numbers, exact), then prices them: onboarding customers at the first
    tier's MRR.
    """
    runs, g, k, _, tiers = value.shape
    # One pass over each array in memory order into small sums (by group,
    # health and tier; by category and ask state), then the stocks from those.
    cell = np.zeros((g, 2, tiers))
    on = np.zeros(g)
    nps = np.zeros((3, 3))
    for r in range(runs):
        s = sets[r]
        cell[:] = 0.0
        on[:] = 0.0
        for gi in range(g):
            for c in range(k):
                on[gi] += onboard[r, gi, c]
                for h in range(2):
                    for t in range(tiers):
                        cell[gi, h, t] += value[r, gi, c, h, t]
        onboarding = healthy = at_risk = mrr_all = mrr_ref = 0.0
        for gi in range(g):
            onboarding += on[gi]
            dot = 0.0
            for t in range(tiers):
                healthy += cell[gi, 0, t]
                at_risk += cell[gi, 1, t]
                if priced:
                    dot += (cell[gi, 0, t] + cell[gi, 1, t]) * tier_mrr[s, t]
            mrr = on[gi] * tier_mrr[s, 0] + dot if priced else 0.0
            mrr_all += mrr
            if gi == 1:
                mrr_ref = mrr
        out[r, HEALTHY_N] = healthy
        out[r, AT_RISK_N] = at_risk
        out[r, CUSTOMERS] = healthy + at_risk + onboarding
        out[r, ONBOARDING] = onboarding
        out[r, MRR] = mrr_all
        out[r, MRR_REFERRAL] = mrr_ref
        if nps_on:
            count_nps(delight[r], nps, out[r])
        else:
            out[r, PROMOTERS : ADVOCATES + 1] = 0.0


@njit(cache=True, error_model="numpy")
def count_nps(d, nps, row):  # type: ignore[no-untyped-def]
    """One run's NPS columns of ``tally`` (promoters to advocates) from its delight cells ``d``.

    Parameters
    ----------
    d : numpy.ndarray
        ``(classes, 2, 3, 3)``: the run's delight cells (health, category, ask state).
    nps : numpy.ndarray
        ``(3, 3)`` scratch: the cells summed by category and ask state.
    row : numpy.ndarray
        The run's row of ``tally``'s output; its NPS columns are set.
    """
    k = d.shape[0]
    nps[:] = 0.0
    for c in range(k):
        for h in range(2):
            for n in range(3):
                for st in range(3):
                    nps[n, st] += d[c, h, n, st]
    row[PROMOTERS] = nps[0, 0] + nps[0, 1] + nps[0, 2]
    row[PASSIVES] = nps[1, 0] + nps[1, 1] + nps[1, 2]
    row[DETRACTORS] = nps[2, 0] + nps[2, 1] + nps[2, 2]
    row[ADVOCATES] = nps[_PROMOTER, _ACCEPTED]
