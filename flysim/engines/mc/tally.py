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
    per_tier = np.zeros(tiers)
    for r in range(runs):
        s = sets[r]
        # Local sums, written once: accumulating into ``out`` would store at
        # every step of the loops.
        onboarding = customers = mrr_all = mrr_ref = 0.0
        for gi in range(g):
            on = 0.0
            per_tier[:] = 0.0
            for c in range(k):
                on += onboard[r, gi, c]
                for h in range(2):
                    for t in range(tiers):
                        per_tier[t] += value[r, gi, c, h, t]
            onboarding += on
            for t in range(tiers):
                customers += per_tier[t]
            if priced:
                dot = 0.0
                for t in range(tiers):
                    dot += per_tier[t] * tier_mrr[s, t]
                mrr = on * tier_mrr[s, 0] + dot
                mrr_all += mrr
                if gi == 1:
                    mrr_ref = mrr
        for h in range(2):
            x = 0.0
            for gi in range(g):
                for c in range(k):
                    for t in range(tiers):
                        x += value[r, gi, c, h, t]
            out[r, HEALTHY_N + h] = x
        out[r, CUSTOMERS] = customers + onboarding
        out[r, ONBOARDING] = onboarding
        out[r, MRR] = mrr_all
        out[r, MRR_REFERRAL] = mrr_ref
        nps0 = nps1 = nps2 = adv = 0.0
        if nps_on:
            for c in range(k):
                for h in range(2):
                    for st in range(3):
                        nps0 += delight[r, c, h, 0, st]
                        nps1 += delight[r, c, h, 1, st]
                        nps2 += delight[r, c, h, 2, st]
                    adv += delight[r, c, h, _PROMOTER, _ACCEPTED]
        out[r, PROMOTERS] = nps0
        out[r, PASSIVES] = nps1
        out[r, DETRACTORS] = nps2
        out[r, ADVOCATES] = adv
