"""Purpose-built scenarios that each stress one mechanism of the model alone.

The engine agreement suite (``test_agreement.py``) runs these on both engines
next to the shipped scenarios. Each scenario switches on as little as its
mechanism needs, with rates high enough that the mechanism moves the metrics
a lot within a short horizon (and so that a time-step bias of the numpy core,
which grows with the rates, is as large as any realistic scenario makes it).

Every builder returns a validated, frozen ``Scenario``; ``MECHANISMS`` maps a
short name to its builder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flysim.scenario import load_scenario
from flysim.scenario.schema import Scenario
from flysim.scenario.validation import validate_tree

_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

__all__ = [
    "CHURN_PER_MONTH",
    "MECHANISMS",
    "churn_only",
    "evolve",
    "heterogeneity",
    "paid_channels",
    "plan",
    "referrals",
    "saturation",
    "triggers",
    "uncertain_plan",
    "upsell",
]

ONE_TIER: dict[str, Any] = {"gross_margin": 0.8, "tiers": [{"name": "base", "mrr": 100.0}]}
THREE_TIERS: dict[str, Any] = {
    "gross_margin": 0.75,
    "tiers": [
        {"name": "starter", "mrr": 50.0},
        {"name": "pro", "mrr": 150.0},
        {"name": "business", "mrr": 400.0},
    ],
}

#: Signal distributions far apart by state, so the triggers separate them well.
HEALTH: dict[str, Any] = {
    "logins_per_week": {"healthy": 4.0, "at_risk": 1.2},
    "feature_usage": {"healthy": 0.65, "at_risk": 0.35},
    "feature_usage_concentration": 10.0,
    "tickets_per_month": {"healthy": 0.8, "at_risk": 3.0},
    "payment_delay": {"healthy": 0.02, "at_risk": 0.15},
}


def _build(name: str, months: int, **sections: Any) -> Scenario:
    return Scenario.model_validate(
        {"scenario": {"name": name, "horizon_months": months}, **sections}
    )


def saturation() -> Scenario:
    """A small market flooded by paid leads: the saturation factor falls towards 0.

    500 accounts, 150 paid leads a month at conversion 0.3 after a 10-day
    decision: by month 6 most of the market is reached. Churn returns
    accounts to the pool, so the reached count keeps moving; lost leads
    return at once.
    """
    return _build(
        "mech-saturation",
        12,
        market={"size": 500},
        revenue=ONE_TIER,
        attract={
            "paid": {
                "budget_per_month": 15000.0,
                "cost_per_lead": 100.0,
                "conversion": 0.3,
                "days_to_decide": 10.0,
            }
        },
        engage={
            "days_to_value": 7.0,
            "onboarding_churn_per_month": 0.2,
            "churn_per_month": {"healthy": 0.08, "at_risk": 0.08},
        },
        costs={"stack_per_month": 100.0, "onboarding_per_customer": 10.0},
    )


def triggers() -> Scenario:
    """A closed cohort with the health score and all four triggers, no acquisition.

    A fast healthy/at-risk chain keeps many customers at risk, so every
    trigger fires often on both states and its actions save many at-risk
    customers; churn is much higher at risk, so the saves show in
    ``customers``.
    """
    return _build(
        "mech-triggers",
        6,
        initial={"customers": 300},
        revenue=ONE_TIER,
        engage={
            "risk_per_month": 0.4,
            "recovery_per_month": 0.1,
            "churn_per_month": {"healthy": 0.01, "at_risk": 0.15},
            "health": HEALTH,
            "triggers": {
                "risk_alert": {"logins_below": 2, "cost": 5.0, "success": 0.3},
                "education": {"usage_below": 0.5, "cost": 1.0, "success": 0.15},
                "escalation": {"tickets_above": 3, "cost": 20.0, "success": 0.4},
                "retention": {"cost": 8.0, "success": 0.35},
            },
        },
        costs={"stack_per_month": 50.0},
    )


def heterogeneity() -> Scenario:
    """A closed cohort with Gamma churn heterogeneity of coefficient of variation 1.

    One churn hazard in both states and no health chain, so survival is the
    Gamma mixture ``(1 + c t / k) ** -k`` with ``k = 1``; high churn (0.2 a
    month) makes the tail of the multiplier distribution matter within a year.
    """
    return _build(
        "mech-heterogeneity",
        12,
        initial={"customers": 1000},
        revenue=ONE_TIER,
        engage={
            "churn_per_month": {"healthy": 0.2, "at_risk": 0.2},
            "churn_heterogeneity": 1.0,
        },
    )


def evolve() -> Scenario:
    """Experiments with a big uplift: conversion compounds and hits its cap of 1.

    Four experiments a month winning half the time at +25 % each take
    conversion from 0.15 to the cap after about 8.5 wins (about four months).
    Leads decide after 14 days with the conversion of the decision moment,
    so the open leads see wins. No churn, unlimited market.
    """
    return _build(
        "mech-evolve",
        6,
        revenue=ONE_TIER,
        attract={
            "paid": {
                "budget_per_month": 4000.0,
                "cost_per_lead": 50.0,
                "conversion": 0.15,
                "days_to_decide": 14.0,
            },
            "organic": {
                "leads_per_month": 40.0,
                "cost_per_month": 500.0,
                "conversion": 0.15,
                "days_to_decide": 14.0,
            },
        },
        evolve={
            "experiments_per_month": 4.0,
            "win_rate": 0.5,
            "uplift_per_win": 0.25,
            "cost_per_experiment": 100.0,
        },
    )


def referrals() -> Scenario:
    """Advocates and the referral channel alone: growth only through referrals.

    100 initial customers of whom 20 are advocates; promoters are asked after
    30 days on average and accept half the time; each advocate sends half a
    lead a month. Onboarding, a health chain (which redraws NPS categories)
    and churn let advocates come and go.
    """
    return _build(
        "mech-referrals",
        12,
        initial={"customers": 100, "advocates": 20},
        revenue=ONE_TIER,
        attract={"referral": {"conversion": 0.4, "days_to_decide": 7.0}},
        engage={
            "days_to_value": 10.0,
            "onboarding_churn_per_month": 0.1,
            "risk_per_month": 0.1,
            "recovery_per_month": 0.3,
            "churn_per_month": {"healthy": 0.01, "at_risk": 0.1},
        },
        delight={
            "nps": {
                "healthy": {"promoter": 0.6, "passive": 0.3, "detractor": 0.1},
                "at_risk": {"promoter": 0.1, "passive": 0.4, "detractor": 0.5},
            },
            "ask_after_days": 30.0,
            "ask_accept": 0.5,
            "referrals_per_advocate_per_month": 0.5,
            "reward": 50.0,
        },
        costs={"onboarding_per_customer": 20.0},
    )


def upsell() -> Scenario:
    """Three tiers and nothing but upsell: a pure-birth chain through the tiers."""
    return _build(
        "mech-upsell",
        12,
        initial={"customers": 500},
        revenue=THREE_TIERS,
        engage={"upsell_per_month": 0.15},
    )


#: The churn scenario's hazard per month.
CHURN_PER_MONTH: float = 0.15


def churn_only(churn_per_month: float = CHURN_PER_MONTH) -> Scenario:
    """Nothing but churn: a closed cohort with one constant hazard."""
    return _build(
        "mech-churn",
        12,
        initial={"customers": 1000},
        revenue=ONE_TIER,
        engage={"churn_per_month": {"healthy": churn_per_month, "at_risk": churn_per_month}},
    )


#: Each mechanism's short name and its scenario builder.
MECHANISMS: dict[str, Callable[[], Scenario]] = {
    "saturation": saturation,
    "triggers": triggers,
    "heterogeneity": heterogeneity,
    "evolve": evolve,
    "referrals": referrals,
    "upsell": upsell,
    "churn": churn_only,
}


#: Three paid channels of paid_channels(): search on a cost per lead, social on a
#: diminishing-returns response, display launched at month 4.
SEARCH: dict[str, Any] = {
    "budget_per_month": 3000.0,
    "cost_per_lead": 50.0,
    "conversion": 0.12,
    "days_to_decide": 20.0,
}
SOCIAL: dict[str, Any] = {
    "budget_per_month": 2000.0,
    "leads_per_month": {"x": [0.0, 1000.0, 4000.0], "y": [0.0, 50.0, 90.0]},
    "conversion": 0.04,
    "days_to_decide": 5.0,
}
DISPLAY: dict[str, Any] = {
    "budget_per_month": 1500.0,
    "cost_per_lead": 30.0,
    "conversion": 0.08,
    "days_to_decide": 0.0,
}


def paid_channels() -> Scenario:
    """Three paid channels sharing a market that saturates, one launched mid-run.

    Search (60 leads a month, slow to decide), social (about 63 leads a month
    read off its curve, quick, poor conversion) and display, launched at month
    4 (50 leads a month deciding at once); a 3,000-account market, so that
    every channel's arrivals fall as the others reach it; search's budget is
    cut at month 8 (leads already deciding still decide).
    """
    return _build(
        "mech-paid-channels",
        12,
        market={"size": 3000},
        revenue=ONE_TIER,
        attract={"paid": {"search": dict(SEARCH), "social": dict(SOCIAL)}},
        engage={
            "days_to_value": 10.0,
            "churn_per_month": {"healthy": 0.05, "at_risk": 0.05},
        },
        costs={"onboarding_per_customer": 20.0},
        changes=[
            {"month": 4, "set": {"attract.paid.display": dict(DISPLAY)}},
            {"month": 8, "set": {"attract.paid.search.budget_per_month": 1000.0}},
        ],
    )


def plan() -> Scenario:
    """levers.toml as a plan over time: every kind of change, on response curves.

    A step of the ad budget and of the paid decision time (leads already
    deciding redraw their wait), a ramp of the budget along its
    diminishing-returns curve, a reward raised on the acceptance curve, a
    trigger switched off and on again with other settings, and a price change.
    """
    data = load_scenario(_SCENARIOS / "levers.toml").model_dump(exclude_none=True)
    data["scenario"]["name"] = "plan"
    data["changes"] = [
        {
            "month": 4,
            "note": "ads cut",
            "set": {"attract.paid.budget_per_month": 400.0, "attract.paid.days_to_decide": 7.0},
        },
        {"from_month": 8, "to_month": 12, "set": {"attract.paid.budget_per_month": 2500.0}},
        {"month": 5, "set": {"delight.reward": 150.0}},
        {"month": 6, "set": {"engage.triggers.risk_alert": "off"}},
        {
            "month": 10,
            "set": {
                "engage.triggers.risk_alert": {"logins_below": 3, "cost": 10.0, "success": 0.5},
                "revenue.tiers[0].mrr": 59.0,
            },
        },
    ]
    return Scenario.model_validate(data)


def uncertain_plan() -> Scenario:
    """uncertain.toml (laws on conversions, churn, upsell, margin, a rank correlation) as a plan.

    A change in month 6 sets a trigger whose success is itself a law, drawn
    once per run for that change.
    """
    data = load_scenario(_SCENARIOS / "uncertain.toml").model_dump(exclude_none=True)
    data["scenario"]["name"] = "uncertain-plan"
    data["changes"] = [
        {
            "month": 6,
            "note": "a trigger whose success is unknown",
            "set": {
                "engage.triggers.escalation": {"tickets_above": 3, "cost": 20.0, "success": 0.3},
                "engage.triggers.escalation.success": {"dist": "uniform", "low": 0.1, "high": 0.5},
            },
        },
    ]
    return validate_tree(data, {}, "uncertain-plan")
