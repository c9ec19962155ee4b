"""The scenario format as frozen pydantic models.

Every section and key of ``shared/scenario-reference.toml`` has a field here,
named exactly as in the file. A scenario is validated once, at load, and is
immutable afterwards; engines read it and never change it.

Omitted optional sections (``market``, ``attract.*``, ``engage.health``,
``engage.triggers.*``, ``delight``, ``evolve``) switch that part of the model
off. Field descriptions double as the per-key documentation in
``docs/scenarios.md``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from flysim.scenario.bounds import (
    MAX_MARKET,
    MAX_MRR,
    CountRate,
    Days,
    Money,
    Probability,
    Rate,
    check_evolve_gain,
    check_organic_growth,
)
from flysim.scenario.change_schema import Change
from flysim.scenario.channel_schema import Attract, OrganicChannel, PaidChannel, ReferralChannel
from flysim.scenario.health_schema import (
    TRIGGER_NAMES,
    CountByHealth,
    Education,
    Escalation,
    Health,
    ProbByHealth,
    RateByHealth,
    Retention,
    RiskAlert,
    Triggers,
    UsageByHealth,
)
from flysim.scenario.initial_schema import Initial, NpsShares, OpenLeads, check_initial
from flysim.scenario.responses import LeadsResponse, RateResponse, ShareResponse
from flysim.scenario.section import Section
from flysim.scenario.uncertainty_schema import RankCorrelation

__all__ = [
    "TRIGGER_NAMES",
    "Attract",
    "Change",
    "Costs",
    "CountByHealth",
    "Delight",
    "Education",
    "Engage",
    "Escalation",
    "Evolve",
    "Health",
    "Initial",
    "Market",
    "Nps",
    "NpsShares",
    "OpenLeads",
    "OrganicChannel",
    "PaidChannel",
    "ProbByHealth",
    "RankCorrelation",
    "RateByHealth",
    "ReferralChannel",
    "Retention",
    "Revenue",
    "RiskAlert",
    "Scenario",
    "ScenarioMeta",
    "Tier",
    "Triggers",
    "UsageByHealth",
]


class ScenarioMeta(Section):
    """``[scenario]``: identity, horizon and Monte Carlo defaults."""

    name: str = Field(
        min_length=1, description="Scenario name, shown in tables, plots and manifests."
    )
    description: str = Field("", description="Free text shown in reports.")
    currency: str = Field("EUR", min_length=1, description="Currency of every money amount.")
    horizon_months: int = Field(18, ge=1, le=120, description="Months simulated (1 to 120).")
    runs: int = Field(1000, ge=1, le=10_000_000, description="Default Monte Carlo runs.")
    seed: int | None = Field(
        None,
        ge=0,
        le=2**63 - 1,
        description="Default seed; omitted means fresh entropy, recorded in the results.",
    )


class Market(Section):
    """``[market]``: the addressable market that saturates."""

    size: int | None = Field(
        None, ge=1, le=MAX_MARKET, description="Addressable accounts M; omitted means unlimited."
    )


class Tier(Section):
    """One subscription tier."""

    name: str = Field(min_length=1, description="Tier name.")
    mrr: float = Field(
        ge=0.0,
        le=MAX_MRR,
        allow_inf_nan=False,
        description="Monthly recurring revenue of one customer in this tier.",
    )


class Revenue(Section):
    """``[revenue]``: margin and the ordered upsell ladder of tiers."""

    gross_margin: Probability = Field(1.0, description="Gross profit as a share of revenue.")
    tiers: tuple[Tier, ...] = Field(
        min_length=1, description="Ordered tiers; customers start in the first."
    )

    @model_validator(mode="after")
    def _unique_tier_names(self) -> Revenue:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique, got {names}")
        return self


class Engage(Section):
    """``[engage]``: onboarding, the health chain, churn and upsell."""

    days_to_value: Days = Field(0.0, description="Mean onboarding time (time to value).")
    onboarding_churn_per_month: Rate = Field(0.0, description="Churn hazard while onboarding.")
    risk_per_month: Rate = Field(0.0, description="Hazard of healthy -> at risk.")
    recovery_per_month: Rate = Field(0.0, description="Hazard of unaided at risk -> healthy.")
    churn_per_month: RateByHealth = Field(
        RateByHealth(healthy=0.0, at_risk=0.0), description="Churn hazard by health state."
    )
    churn_heterogeneity: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Coefficient of variation of the Gamma churn multiplier (0 = none).",
    )
    upsell_per_month: Rate = Field(
        0.0, description="Hazard of a healthy customer moving up a tier."
    )
    health: Health | None = None
    triggers: Triggers | None = None

    @model_validator(mode="after")
    def _triggers_need_signals(self) -> Engage:
        if self.triggers is not None and self.triggers.enabled() and self.health is None:
            raise ValueError("[engage.triggers] needs [engage.health], whose signals they fire on")
        return self


class Nps(Section):
    """NPS category distributions by health state."""

    healthy: NpsShares
    at_risk: NpsShares


class Delight(Section):
    """``[delight]``: NPS categories and the referral programme."""

    nps: Nps
    ask_after_days: Days = Field(
        90.0, description="Mean delay from becoming a promoter to the ask."
    )
    ask_accept: Probability | ShareResponse = Field(
        0.0,
        description=(
            "Probability that an asked promoter accepts; or a response to reward, "
            "{ x = rewards, y = acceptance }."
        ),
    )
    referrals_per_advocate_per_month: Rate | RateResponse = Field(
        0.0,
        description=(
            "Referral leads per advocate; or a response to reward, { x = rewards, y = rate }."
        ),
    )
    reward: Money = Field(0.0, description="Reward paid for each customer won through a referral.")


class Evolve(Section):
    """``[evolve]``: experiments that compound conversion."""

    experiments_per_month: CountRate = Field(description="Poisson rate of experiments.")
    win_rate: Probability = Field(description="Probability that an experiment wins.")
    uplift_per_win: float = Field(
        ge=0.0, le=10.0, allow_inf_nan=False, description="Relative conversion uplift of each win."
    )
    cost_per_experiment: Money = Field(0.0, description="Cost of one experiment.")


class Costs(Section):
    """``[costs]``: fixed and per-customer costs."""

    stack_per_month: Money = Field(0.0, description="Tool stack cost.")
    onboarding_per_customer: Money = Field(0.0, description="Cost booked at each conversion.")


class Scenario(Section):
    """A whole, validated, immutable scenario."""

    scenario: ScenarioMeta
    market: Market = Market()
    initial: Initial = Initial()
    revenue: Revenue
    attract: Attract = Attract()
    engage: Engage = Engage()
    delight: Delight | None = None
    evolve: Evolve | None = None
    costs: Costs = Costs()
    changes: tuple[Change, ...] = Field(
        (), description="Dated changes of the plan ([[changes]] tables), in any order."
    )
    uncertain: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Distributions of uncertain keys, by key path; filled in from the laws "
            "written in place, whose medians the keys then hold."
        ),
    )
    correlations: tuple[RankCorrelation, ...] = Field(
        (), description="Rank correlations between uncertain keys ([[correlations]] tables)."
    )

    # Where the scenario was loaded from; set by the loader, not part of the
    # scenario's content (nor of its hash).
    _source: str | None = PrivateAttr(default=None)
    # The dated scenarios of ``changes`` (flysim.scenario.changes.timeline), built once.
    _timeline: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross_section_rules(self) -> Scenario:
        d = self.delight
        rate = d.referrals_per_advocate_per_month if d is not None else 0.0
        refers = (max(rate.y) if isinstance(rate, RateResponse) else rate) > 0
        if refers and self.attract.referral is None:
            raise ValueError(
                "delight.referrals_per_advocate_per_month > 0 needs an [attract.referral] section"
            )
        if self.initial.advocates > 0 and d is None:
            raise ValueError(
                "initial.advocates > 0 needs a [delight] section (advocates are promoters)"
            )
        check_initial(self)
        o = self.attract.organic
        if o is not None:
            base = o.leads_per_month
            top = max(base.y) if isinstance(base, LeadsResponse) else base
            check_organic_growth(top, o.growth_per_month, self.horizon_months)
        for i, change in enumerate(self.changes):
            if change.last_month > self.horizon_months:
                raise ValueError(
                    f"changes[{i}] ({change.label}) is past the horizon: months 1 to "
                    f"{self.horizon_months} are allowed (horizon_months = {self.horizon_months})"
                )
        if self.evolve is not None:
            e = self.evolve
            check_evolve_gain(
                e.experiments_per_month, e.win_rate, e.uplift_per_win, self.horizon_months
            )
        return self

    @property
    def source(self) -> str | None:
        """The file this scenario was loaded from, or None if built in code."""
        return self._source

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def horizon_months(self) -> int:
        """The scenario's horizon in months."""
        return self.scenario.horizon_months
