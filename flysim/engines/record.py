"""The record layout every engine fills: one row of raw quantities per run and month.

This is part of the engine contract (:class:`flysim.engines.Engine`): an engine
returns a ``runs x months x len(RAW_FIELDS)`` array in this column order, and
:func:`flysim.metrics.derive_metrics` turns it into the public metrics. Flows
and money are sums over the month; stocks are end-of-month values.
"""

from __future__ import annotations

__all__ = ["RAW_FIELDS", "RAW_INDEX", "SPEND_LINES", "STOCKS"]

#: The end-of-month stocks of the model. ``customers`` (onboarding + active)
#: and ``active`` (healthy + at risk) are derived, not recorded.
STOCKS: tuple[str, ...] = (
    "customers",
    "onboarding",
    "active",
    "healthy",
    "at_risk",
    "promoters",
    "passives",
    "detractors",
    "advocates",
    "open_leads",
    "mrr",
)

#: The seven cost lines, each money within the month.
SPEND_LINES: tuple[str, ...] = (
    "spend_paid",
    "spend_content",
    "spend_rewards",
    "spend_onboarding",
    "spend_triggers",
    "spend_stack",
    "spend_experiments",
)

#: What an engine records per run and month, in column order. ``customers_start``
#: and ``mrr_start`` are the customers and MRR at the month's start;
#: ``mrr_referral`` the end-of-month MRR of referral-won customers;
#: ``expansion_mrr`` the MRR upsells added in the month and ``churned_mrr`` the
#: MRR churned customers took with them; ``ttv_*`` sum and count realised days
#: to value of customers whose onboarding ended in the month; ``score_*`` sum
#: and count the health scores of the month's weekly checks.
RAW_FIELDS: tuple[str, ...] = (
    "leads_paid",
    "leads_organic",
    "leads_referral",
    "new_customers_paid",
    "new_customers_organic",
    "new_customers_referral",
    "churned",
    "upsells",
    "trigger_actions",
    "experiments_won",
    "customers_start",
    "mrr_start",
    *(s for s in STOCKS if s not in ("customers", "active")),
    "mrr_referral",
    "expansion_mrr",
    "churned_mrr",
    "revenue",
    *SPEND_LINES,
    "ttv_sum",
    "ttv_count",
    "score_sum",
    "score_count",
)

#: Column index of each raw field.
RAW_INDEX: dict[str, int] = {name: i for i, name in enumerate(RAW_FIELDS)}
