"""Every metric's entry in the catalogue, in ``METRICS`` order (the data itself).

:mod:`flysim.metrics.catalogue` reads these; see it for what an entry holds.
"""

from __future__ import annotations

from flysim.metrics.metric import Benchmark, Direction, Metric

__all__ = ["ENTRIES"]

_PER_MONTH = "{currency} per month"


def _flow(
    name: str,
    title: str,
    unit: str,
    definition: str,
    direction: Direction = "higher",
    label: str = "",
) -> Metric:
    return Metric(name, "flow", title, "count", unit, definition, direction, label=label)


def _stock(
    name: str, title: str, definition: str, direction: Direction = "higher", label: str = ""
) -> Metric:
    return Metric(name, "stock", title, "count", "customers", definition, direction, label=label)


def _spend(name: str, title: str, definition: str) -> Metric:
    return Metric(name, "money", title, "money", _PER_MONTH, definition, "lower")


ENTRIES: tuple[Metric, ...] = (
    # Flows: counted within the month.
    _flow("leads_paid", "Paid leads", "leads per month", "leads arriving from paid acquisition"),
    _flow(
        "leads_organic", "Organic leads", "leads per month", "leads from content, SEO, promoters"
    ),
    _flow("leads_referral", "Referral leads", "leads per month", "leads sent by advocates"),
    _flow(
        "new_customers_paid",
        "New customers from paid",
        "customers per month",
        "paid leads that converted",
    ),
    _flow(
        "new_customers_organic",
        "New customers from organic",
        "customers per month",
        "organic leads that converted",
    ),
    _flow(
        "new_customers_referral",
        "New customers from referrals",
        "customers per month",
        "referral leads that converted",
    ),
    _flow(
        "new_customers",
        "New customers",
        "customers per month",
        "conversions of every channel",
        label="New customers (month)",
    ),
    _flow(
        "churned",
        "Churned customers",
        "customers per month",
        "customers lost, onboarding churn included",
        direction="lower",
    ),
    _flow("upsells", "Upsells", "upsells per month", "moves to the next tier"),
    _flow(
        "trigger_actions",
        "Health-trigger actions",
        "actions per month",
        "health-trigger firings (each costs its action)",
        direction="neither",
    ),
    _flow("experiments_won", "Experiments won", "wins per month", "experiments that won"),
    # Stocks: read at the month's end.
    _stock("customers", "Customers", "onboarding + active"),
    _stock(
        "onboarding",
        "Customers onboarding",
        "customers before time to value",
        direction="neither",
    ),
    _stock("active", "Active customers", "healthy + at risk"),
    _stock("healthy", "Healthy customers", "active customers in the healthy state"),
    _stock(
        "at_risk", "At-risk customers", "active customers in the at-risk state", direction="lower"
    ),
    _stock("promoters", "Promoters", "active customers whose NPS category is promoter"),
    _stock(
        "passives",
        "Passives",
        "active customers whose NPS category is passive",
        direction="neither",
    ),
    _stock(
        "detractors",
        "Detractors",
        "active customers whose NPS category is detractor",
        direction="lower",
    ),
    _stock("advocates", "Advocates", "promoters who accepted the referral ask"),
    Metric(
        "open_leads",
        "stock",
        "Open leads",
        "count",
        "leads",
        "leads still deciding",
        "neither",
    ),
    Metric(
        "mrr",
        "stock",
        "Monthly recurring revenue (MRR)",
        "money",
        _PER_MONTH,
        "sum of every customer's tier MRR",
        label="MRR",
    ),
    # Money: within the month.
    Metric(
        "revenue",
        "money",
        "Revenue",
        "money",
        _PER_MONTH,
        "MRR accrued over the month",
        label="Monthly revenue",
    ),
    Metric("gross_profit", "money", "Gross profit", "money", _PER_MONTH, "revenue · gross_margin"),
    _spend("spend_paid", "Paid acquisition spend", "budget_per_month, spent in full"),
    _spend("spend_content", "Content spend", "content cost_per_month"),
    _spend("spend_rewards", "Referral rewards", "reward per referral conversion"),
    _spend("spend_onboarding", "Onboarding cost", "onboarding cost per conversion"),
    _spend("spend_triggers", "Health-trigger action cost", "each action's cost per firing"),
    _spend("spend_stack", "Tool stack cost", "stack_per_month"),
    _spend("spend_experiments", "Experiment cost", "cost_per_experiment per experiment"),
    _spend("spend_total", "Total spend", "the seven spend lines"),
    Metric(
        "contribution",
        "money",
        "Contribution",
        "money",
        _PER_MONTH,
        "gross_profit - spend_total: what the month's plan leaves",
        nonnegative=False,
    ),
    Metric(
        "contribution_cumulative",
        "money",
        "Cumulative contribution",
        "money",
        "{currency}",
        "contribution summed since month 1: the outcome a budget decision moves",
        nonnegative=False,
    ),
    Metric(
        "expansion_mrr",
        "money",
        "Expansion MRR",
        "money",
        _PER_MONTH,
        "MRR added by upsells in the month",
    ),
    Metric(
        "churned_mrr",
        "money",
        "Churned MRR",
        "money",
        _PER_MONTH,
        "MRR lost with the customers who churned in the month",
        "lower",
    ),
    # Ratios and indicators: missing where a denominator is 0.
    Metric(
        "cac",
        "ratio",
        "Customer acquisition cost (CAC)",
        "money",
        "{currency} per new customer",
        "acquisition spend (paid + content + rewards) / new_customers",
        "lower",
        label="CAC",
    ),
    Metric(
        "cac_paid",
        "ratio",
        "Paid CAC",
        "money",
        "{currency} per new paid customer",
        "spend_paid / new_customers_paid",
        "lower",
    ),
    Metric(
        "churn_rate",
        "ratio",
        "Monthly churn rate",
        "percent",
        "% of customers per month",
        "churned / customers at the month's start",
        "lower",
    ),
    Metric(
        "churn_rate_annual",
        "ratio",
        "Annual churn rate",
        "percent",
        "% of customers per year",
        "1 - (1 - churn_rate)^12",
        "lower",
        label="Churn (annualised)",
    ),
    Metric(
        "arpa",
        "ratio",
        "Average revenue per account (ARPA)",
        "money",
        "{currency} per customer per month",
        "mrr / customers",
    ),
    Metric(
        "clv",
        "ratio",
        "Customer lifetime value (CLV)",
        "money",
        "{currency} per customer",
        "arpa · gross_margin / mean churn_rate of the trailing 3 months",
        label="CLV",
    ),
    Metric(
        "ltv_cac",
        "ratio",
        "LTV:CAC ratio",
        "ratio",
        "CLV ÷ CAC",
        "clv / cac",
        benchmarks=(Benchmark(3.0, "healthy 3:1"),),
        label="LTV:CAC",
    ),
    Metric(
        "payback_months",
        "ratio",
        "CAC payback",
        "months",
        "months",
        "cac / (arpa · gross_margin)",
        "lower",
        label="Payback (months)",
    ),
    Metric(
        "nps",
        "ratio",
        "Net Promoter Score (NPS)",
        "score",
        "NPS (−100 to 100)",
        "100 · (promoters - detractors) / active customers with a category",
        benchmarks=(Benchmark(50.0, "benchmark 50+"),),
        label="NPS",
        nonnegative=False,
    ),
    Metric(
        "referral_rate",
        "ratio",
        "Referral rate (advocates ÷ active)",
        "percent",
        "% of active customers",
        "advocates / active",
        label="Referral rate",
    ),
    Metric(
        "customer_generated_revenue_share",
        "ratio",
        "Customer-generated revenue share",
        "percent",
        "% of MRR from referral-won customers",
        "MRR of referral-won customers / mrr",
        benchmarks=(Benchmark(0.20, "benchmark 20–30 %", high=0.30),),
        label="Customer-generated revenue",
    ),
    Metric(
        "organic_growth_rate",
        "ratio",
        "Organic growth rate (trailing quarter)",
        "percent",
        "% of customers per quarter",
        "organic + referral new customers over 3 months / customers at their start",
        benchmarks=(Benchmark(0.15, "benchmark 15 %+ per quarter"),),
        label="Organic growth (quarter)",
    ),
    Metric(
        "flywheel_velocity",
        "ratio",
        "Flywheel velocity",
        "ratio",
        "velocity index",
        "organic_growth_rate · clv · referral_rate / cac",
        benchmarks=(Benchmark(3.0, "working flywheel"),),
    ),
    Metric(
        "health_score",
        "ratio",
        "Mean health score",
        "score",
        "score (0 to 100)",
        "mean score of the month's weekly health checks",
        label="Health score",
    ),
    Metric(
        "time_to_value",
        "ratio",
        "Time to value",
        "days",
        "days",
        "mean onboarding days of customers who reached value in the month",
        "lower",
    ),
    Metric(
        "roi_cumulative",
        "ratio",
        "Cumulative ROI",
        "percent",
        "% of cumulative spend",
        "(cumulative gross profit - cumulative spend) / cumulative spend",
        benchmarks=(Benchmark(0.0, "break-even"),),
        label="ROI (cumulative)",
        nonnegative=False,
    ),
    Metric(
        "nrr",
        "ratio",
        "Net revenue retention (annual)",
        "percent",
        "% of MRR a year earlier",
        "product over the trailing 12 months (the months so far before month 12) of "
        "(MRR at the month's start + expansion_mrr - churned_mrr) / MRR at the month's start",
        benchmarks=(Benchmark(1.0, "100 %: expansion offsets churn"),),
        label="NRR",
    ),
    Metric(
        "grr",
        "ratio",
        "Gross revenue retention (annual)",
        "percent",
        "% of MRR a year earlier",
        "as nrr without expansion_mrr",
        label="GRR",
        nonnegative=False,
    ),
)
