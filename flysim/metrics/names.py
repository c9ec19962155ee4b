"""The names of every metric flysim reports, in output column order.

Engines fill a ``runs x months x RAW_FIELDS`` array of base quantities (the
record layout of the engine contract, :mod:`flysim.engines.record`, re-exported
here); the metrics layer derives the public ``METRICS`` from it. The public
names are the column names of every output (MODEL.md, "Metrics"); what each
one means, its unit and direction are in :mod:`flysim.metrics.catalogue`.
"""

from __future__ import annotations

from flysim.engines.record import RAW_FIELDS, RAW_INDEX, SPEND_LINES, STOCKS

__all__ = [
    "DERIVED",
    "FLOWS",
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

#: Money within the month, in the scenario's currency.
MONEY: tuple[str, ...] = (
    "revenue",
    "gross_profit",
    *SPEND_LINES,
    "spend_total",
    "contribution",
    "contribution_cumulative",
    "expansion_mrr",
    "churned_mrr",
)

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
    "nrr",
    "grr",
)

#: Every public metric, in output column order.
METRICS: tuple[str, ...] = FLOWS + STOCKS + MONEY + DERIVED
