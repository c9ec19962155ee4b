"""The names of everything an engine records and every metric flysim reports.

Engines fill a ``runs x months x RAW_FIELDS`` array of base quantities; the
metrics layer derives the public ``METRICS`` from it. The public names are the
column names of every output (MODEL.md, "Metrics").
"""

from __future__ import annotations

__all__ = [
    "DERIVED",
    "FLOWS",
    "LOWER_IS_BETTER",
    "METRICS",
    "MONEY",
    "RAW_FIELDS",
    "RAW_INDEX",
    "SPEND_LINES",
    "STOCKS",
]

#: Counts within the month.
FLOWS: tuple[str, ...] = (
    "leads_paid",
    "leads_organic",
    "leads_referral",
    "new_customers_paid",
    "new_customers_organic",
    "new_customers_referral",
    "new_customers",
    "churned",
    "upsells",
    "trigger_actions",
    "experiments_won",
)

#: Read at the month's end.
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

#: Money within the month, in the scenario's currency.
MONEY: tuple[str, ...] = ("revenue", "gross_profit", *SPEND_LINES, "spend_total")

#: Ratios and indicators; NaN where a denominator is 0.
DERIVED: tuple[str, ...] = (
    "cac",
    "cac_paid",
    "churn_rate",
    "churn_rate_annual",
    "arpa",
    "clv",
    "ltv_cac",
    "payback_months",
    "nps",
    "referral_rate",
    "customer_generated_revenue_share",
    "organic_growth_rate",
    "flywheel_velocity",
    "health_score",
    "time_to_value",
    "roi_cumulative",
)

#: Every public metric, in output column order.
METRICS: tuple[str, ...] = FLOWS + STOCKS + MONEY + DERIVED

#: What an engine records per run and month. Flows and money are sums over the
#: month; stocks are end-of-month values. ``customers_start`` is the stock of
#: customers at the month's start; ``mrr_referral`` the end-of-month MRR of
#: referral-won customers; ``ttv_*`` sum and count realised days to value of
#: customers whose onboarding ended in the month; ``score_*`` sum and count the
#: health scores of the month's weekly checks.
RAW_FIELDS: tuple[str, ...] = (
    *(f for f in FLOWS if f != "new_customers"),
    "customers_start",
    *(s for s in STOCKS if s not in ("customers", "active")),
    "mrr_referral",
    "revenue",
    *SPEND_LINES,
    "ttv_sum",
    "ttv_count",
    "score_sum",
    "score_count",
)

#: Column index of each raw field.
RAW_INDEX: dict[str, int] = {name: i for i, name in enumerate(RAW_FIELDS)}

#: Metrics where a lower value is the better outcome (costs, churn, delays);
#: for every other metric higher is better. Comparisons read "better" from it.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "cac",
        "cac_paid",
        "churned",
        "churn_rate",
        "churn_rate_annual",
        "payback_months",
        "time_to_value",
        "at_risk",
        "detractors",
        *SPEND_LINES,
        "spend_total",
    }
)
