"""``[engage.health]`` and ``[engage.triggers]``: the weekly signals and their four triggers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from flysim.scenario.bounds import MAX_COUNT_RATE, CountRate, Money, Probability, Rate
from flysim.scenario.section import Section

__all__ = [
    "TRIGGER_NAMES",
    "CountByHealth",
    "Education",
    "Escalation",
    "Health",
    "ProbByHealth",
    "RateByHealth",
    "Retention",
    "RiskAlert",
    "Trigger",
    "Triggers",
    "UsageByHealth",
]

#: The triggers, in the order every per-trigger array keeps them.
TRIGGER_NAMES: tuple[str, ...] = ("risk_alert", "education", "escalation", "retention")


class RateByHealth(Section):
    """A non-negative rate (a hazard a month) for each health state."""

    healthy: Rate
    at_risk: Rate


class CountByHealth(Section):
    """A non-negative mean count (logins a week, tickets a month) for each health state."""

    healthy: CountRate
    at_risk: CountRate


class ProbByHealth(Section):
    """A probability for each health state."""

    healthy: Probability
    at_risk: Probability


_OpenUnit = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]


class UsageByHealth(Section):
    """A mean feature-usage share in (0, 1) for each health state (a Beta mean)."""

    healthy: _OpenUnit
    at_risk: _OpenUnit


class Health(Section):
    """``[engage.health]``: the weekly signal distributions by health state."""

    logins_per_week: CountByHealth = Field(description="Poisson mean of weekly logins.")
    feature_usage: UsageByHealth = Field(description="Beta mean of the feature-usage share.")
    feature_usage_concentration: float = Field(
        10.0,
        ge=1e-3,
        le=1e6,
        allow_inf_nan=False,
        description="Beta concentration a + b.",
    )
    tickets_per_month: CountByHealth = Field(description="Poisson mean of support tickets a month.")
    payment_delay: ProbByHealth = Field(description="Probability that a payment is delayed.")


class Trigger(Section):
    """One trigger's action: what it costs each time it fires, and its chance to rescue."""

    cost: Money = Field(description="Cost of one action, charged every time the trigger fires.")
    success: Probability = Field(
        description="Probability that the action recovers an at-risk customer."
    )


class RiskAlert(Trigger):
    """``[engage.triggers.risk_alert]``: few logins -> proactive support."""

    logins_below: float = Field(
        2.0, ge=0.0, le=MAX_COUNT_RATE, allow_inf_nan=False, description="Fires when logins < this."
    )


class Education(Trigger):
    """``[engage.triggers.education]``: low feature usage -> education sequence."""

    usage_below: Probability = Field(0.5, description="Fires when feature usage < this.")


class Escalation(Trigger):
    """``[engage.triggers.escalation]``: many tickets -> escalation."""

    tickets_above: float = Field(
        3.0,
        ge=0.0,
        le=MAX_COUNT_RATE,
        allow_inf_nan=False,
        description="Fires when tickets > this.",
    )


class Retention(Trigger):
    """``[engage.triggers.retention]``: a delayed payment -> retention campaign."""


class Triggers(Section):
    """``[engage.triggers]``: the four health-score triggers, each optional."""

    risk_alert: RiskAlert | None = None
    education: Education | None = None
    escalation: Escalation | None = None
    retention: Retention | None = None

    def enabled(self) -> dict[str, Trigger]:
        """The triggers that are switched on, by name, in the model's fixed order."""
        return {n: t for n in TRIGGER_NAMES if (t := getattr(self, n)) is not None}
