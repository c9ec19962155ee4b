"""``[initial]``: the business a run starts from, and the NPS shares table it shares with delight.

The defaults describe the base every earlier version started from: active,
healthy, first-tier customers, never asked, with NPS categories drawn from
``delight.nps``. Rules that need another section (the tier list, the
channels, ``[delight]``) are checked by ``check_initial``, which the
scenario's own validator calls.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from flysim.scenario.bounds import MAX_INITIAL, Probability
from flysim.scenario.section import Section

if TYPE_CHECKING:
    from flysim.scenario.schema import Scenario

__all__ = ["MAX_TENURE_MONTHS", "Initial", "InitialNps", "NpsShares", "OpenLeads", "check_initial"]

#: Longest tenure of an initial base, in months (fifty years).
MAX_TENURE_MONTHS = 600.0

Count = Annotated[int, Field(ge=0, le=MAX_INITIAL)]


def _whole(share: float, n: int) -> int:
    # flysim.model.initial.whole, the rule the engines use (halves up); the
    # model package imports the schema, so the schema cannot import it back.
    return math.floor(share * n + 0.5)


class NpsShares(Section):
    """Shares of promoters, passives and detractors; they sum to 1."""

    promoter: Probability
    passive: Probability
    detractor: Probability

    @model_validator(mode="after")
    def _sum_to_one(self) -> NpsShares:
        total = self.promoter + self.passive + self.detractor
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"promoter + passive + detractor must sum to 1, got {total:g}")
        return self

    def as_tuple(self) -> tuple[float, float, float]:
        """Shares in the fixed order promoter, passive, detractor."""
        return (self.promoter, self.passive, self.detractor)


class InitialNps(NpsShares):
    """``[initial.nps_shares]``: NPS categories of the active customers at t = 0, advocates counted as promoters, rounded to whole customers (largest remainders); omitted, each draws from delight.nps by its health."""  # noqa: E501


class OpenLeads(Section):
    """``[initial.open_leads]``: leads deciding at t = 0, per channel (whose section must exist)."""

    paid: Count = Field(0, description="Paid leads deciding at t = 0.")
    organic: Count = Field(0, description="Organic leads deciding at t = 0.")
    referral: Count = Field(0, description="Referral leads deciding at t = 0.")

    def as_tuple(self) -> tuple[int, int, int]:
        """Counts in the channels' order: paid, organic, referral."""
        return (self.paid, self.organic, self.referral)


class Initial(Section):
    """``[initial]``: the customer base at t = 0."""

    customers: int = Field(
        0,
        ge=0,
        le=MAX_INITIAL,
        description=(
            "Active customers at t = 0 (healthy and in the first tier unless the keys "
            "below say otherwise)."
        ),
    )
    advocates: int = Field(
        0,
        ge=0,
        le=MAX_INITIAL,
        description="Of the initial customers, healthy promoters who already accepted the ask.",
    )
    customers_per_tier: tuple[int, ...] | None = Field(
        None,
        description=(
            "Active customers in each tier of revenue.tiers, in order, summing to customers; "
            "omitted: all in the first tier."
        ),
    )
    at_risk_share: Probability = Field(
        0.0,
        description=(
            "Share of the active customers at risk at t = 0 (rounded to whole customers; "
            "advocates are healthy)."
        ),
    )
    nps_shares: InitialNps | None = None
    asked: Probability = Field(
        0.0,
        description=(
            "Share of the promoters who are not advocates already asked, who declined "
            "(rounded to whole customers); they are never asked again."
        ),
    )
    onboarding: int = Field(
        0,
        ge=0,
        le=MAX_INITIAL,
        description="Customers still onboarding at t = 0, in the first tier, extra to customers.",
    )
    open_leads: OpenLeads = OpenLeads()
    tenure_months: float = Field(
        0.0,
        ge=0.0,
        le=MAX_TENURE_MONTHS,
        allow_inf_nan=False,
        description=(
            "How long the active customers have been customers; with churn_heterogeneity > 0 "
            "their churn multipliers are those of survivors of that many months."
        ),
    )

    @model_validator(mode="after")
    def _counts_agree(self) -> Initial:
        n, a = self.customers, self.advocates
        if a > n:
            raise ValueError(f"advocates ({a}) cannot exceed customers ({n})")
        for i, count in enumerate(self.customers_per_tier or ()):
            if not 0 <= count <= MAX_INITIAL:
                raise ValueError(
                    f"customers_per_tier[{i}] = {count} must be an integer from 0 to 1e7"
                )
        if self.customers_per_tier is not None and sum(self.customers_per_tier) != n:
            raise ValueError(
                f"customers_per_tier {list(self.customers_per_tier)} sums to "
                f"{sum(self.customers_per_tier)}, but customers = {n}"
            )
        at_risk = _whole(self.at_risk_share, n)
        if a > n - at_risk:
            raise ValueError(
                f"advocates ({a}) cannot exceed the healthy customers ({n - at_risk} = customers "
                f"{n} less at_risk_share {self.at_risk_share:g} of them): advocates are healthy"
            )
        if self.nps_shares is not None:
            promoters = _share_counts(self.nps_shares.as_tuple(), n)[0]
            if a > promoters:
                raise ValueError(
                    f"advocates ({a}) cannot exceed the promoters nps_shares.promoter "
                    f"{self.nps_shares.promoter:g} gives ({promoters} of {n} customers)"
                )
        if n + self.onboarding > MAX_INITIAL:
            raise ValueError(
                f"customers + onboarding is {n + self.onboarding}; at most {MAX_INITIAL} "
                "are allowed"
            )
        return self


def _share_counts(shares: tuple[float, ...], n: int) -> tuple[int, ...]:
    # Imported here, not at the top: flysim.model imports this module's package.
    from flysim.model.initial import share_counts

    return share_counts(shares, n)


def check_initial(scenario: Scenario) -> None:
    """The rules of ``[initial]`` that read other sections.

    Raises
    ------
    ValueError
        Naming the ``initial`` key, its value and what the other section allows.
    """
    init = scenario.initial
    tiers = scenario.revenue.tiers
    if init.customers_per_tier is not None and len(init.customers_per_tier) != len(tiers):
        raise ValueError(
            f"initial.customers_per_tier has {len(init.customers_per_tier)} entries "
            f"{list(init.customers_per_tier)}; revenue.tiers has {len(tiers)} "
            f"({', '.join(t.name for t in tiers)}), one entry each"
        )
    leads = init.open_leads.as_tuple()
    for channel, count in zip(("paid", "organic", "referral"), leads, strict=True):
        if count > 0 and getattr(scenario.attract, channel) is None:
            raise ValueError(
                f"initial.open_leads.{channel} = {count} needs an [attract.{channel}] section"
            )
    if scenario.delight is None:
        if init.nps_shares is not None:
            raise ValueError("initial.nps_shares needs a [delight] section (NPS categories)")
        if init.asked > 0:
            raise ValueError(
                f"initial.asked = {init.asked:g} needs a [delight] section (the referral ask)"
            )
