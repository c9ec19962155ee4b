"""The lead channels of ``[attract]``: paid (one, or several by name), organic, referral.

``[attract.paid]`` holds one paid channel's keys, or named tables of them
(``[attract.paid.search]``, ``[attract.paid.social]``...): a discriminated
union (``PaidChannels``), so only the form the table took reports errors.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator

from flysim.scenario.bounds import (
    MAX_MONEY,
    Days,
    LeadRate,
    Money,
    Probability,
    Rate,
    check_paid_leads,
)
from flysim.scenario.responses import LeadsResponse
from flysim.scenario.section import Section

__all__ = [
    "NAMED_PAID",
    "ONE_PAID",
    "PAID_NAME",
    "Attract",
    "OrganicChannel",
    "PaidChannel",
    "PaidChannels",
    "ReferralChannel",
]


class _Channel(Section):
    conversion: Probability = Field(description="Probability that a lead of this channel converts.")
    days_to_decide: Days = Field(
        0.0, description="Mean exponential delay before a lead decides; 0 decides at once."
    )


class PaidChannel(_Channel):
    """``[attract.paid]``: leads bought with a continuously spent budget; several paid channels are `[attract.paid.<name>]` tables of these keys each (see "Several paid channels")."""  # noqa: E501

    budget_per_month: Money = Field(description="Paid budget spent in full, continuously.")
    cost_per_lead: float | None = Field(
        None,
        ge=0.01,
        le=MAX_MONEY,
        allow_inf_nan=False,
        description="Cost of one lead: leads a month are budget_per_month / cost_per_lead.",
    )
    leads_per_month: LeadsResponse | None = Field(
        None,
        description=(
            "Leads a month as a response to budget_per_month, { x = budgets, y = leads } "
            "(diminishing returns); when given, cost_per_lead is not used."
        ),
    )

    @model_validator(mode="after")
    def _leads_within_bound(self) -> PaidChannel:
        # A response, when given, replaces cost_per_lead (which may stay, so that
        # --set can give a file's channel a response without deleting a key).
        if self.cost_per_lead is None and self.leads_per_month is None:
            raise ValueError("give cost_per_lead or a leads_per_month response")
        if self.leads_per_month is None and self.cost_per_lead is not None:
            check_paid_leads(self.budget_per_month, self.cost_per_lead)
        return self


class OrganicChannel(_Channel):
    """``[attract.organic]``: content, SEO and social proof."""

    leads_per_month: LeadRate | LeadsResponse = Field(
        0.0,
        description=(
            "Base organic lead rate at t = 0; or a response to cost_per_month, "
            "{ x = content spends, y = base leads }."
        ),
    )
    growth_per_month: float = Field(
        0.0,
        gt=-1.0,
        le=10.0,
        allow_inf_nan=False,
        description="Compound monthly growth of the base rate (continuous in time).",
    )
    leads_per_promoter_per_month: Rate = Field(
        0.0, description="Extra organic leads per promoter customer (social proof)."
    )
    cost_per_month: Money = Field(0.0, description="Content spend.")


class ReferralChannel(_Channel):
    """``[attract.referral]``: leads sent by advocates."""


#: Union tags of ``attract.paid``'s two forms; a channel name cannot contain
#: "-", so a tag never reads as a key (``resolve_union_errors`` drops them).
ONE_PAID, NAMED_PAID = "one-paid-channel", "named-paid-channels"
#: What a paid channel's name may be: a TOML bare key in lower case.
PAID_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _named_form(value: Any) -> bool:
    """Whether an ``[attract.paid]`` table holds named channels (every value a table,
    no key of one channel), rather than one channel's keys."""
    if isinstance(value, dict):
        return bool(value) and all(
            isinstance(v, dict | PaidChannel) and k not in PaidChannel.model_fields
            for k, v in value.items()
        )
    return False


def _paid_form(value: Any) -> str:
    return NAMED_PAID if _named_form(value) else ONE_PAID


def _check_misspelt_channel(paid: dict[str, Any]) -> None:
    """A channel table lacking a required key, named like another channel, is a typo.

    ``--set attract.paid.serch.budget_per_month=...`` would otherwise read as a
    new channel "serch" missing its conversion.
    """
    required = [k for k, f in PaidChannel.model_fields.items() if f.is_required()]
    for name, table in paid.items():
        if not isinstance(table, dict) or all(k in table for k in required):
            continue
        others = [n for n in paid if n != name]
        close = difflib.get_close_matches(name, others, n=1, cutoff=0.6)
        if close:
            missing = ", ".join(k for k in required if k not in table)
            raise ValueError(
                f"attract.paid.{name} is a new paid channel without {missing}; "
                f"did you mean the channel '{close[0]}' (channels: {', '.join(others)})?"
            )


#: ``[attract.paid]``: one channel, or ``[attract.paid.<name>]`` tables, one per channel.
PaidChannels = Annotated[
    Annotated[PaidChannel, Tag(ONE_PAID)] | Annotated[dict[str, PaidChannel], Tag(NAMED_PAID)],
    Discriminator(_paid_form),
]


class Attract(Section):
    """``[attract]``: the three lead channels, each optional (paid may be several named channels)."""  # noqa: E501

    paid: PaidChannels | None = Field(
        None,
        description=(
            "One paid channel, or several as [attract.paid.<name>] tables (search, "
            "social...), each with its own keys; leads_paid and new_customers_paid are "
            "their totals."
        ),
    )
    organic: OrganicChannel | None = None
    referral: ReferralChannel | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, data: Any) -> Any:
        paid = data.get("paid") if isinstance(data, dict) else None
        if not isinstance(paid, dict):
            return data
        if _named_form(paid):
            _check_misspelt_channel(paid)
            return data
        fields = PaidChannel.model_fields
        named = [k for k, v in paid.items() if isinstance(v, dict) and k not in fields]
        keys = [k for k in paid if k not in named]
        if named and keys:
            close = difflib.get_close_matches(keys[0], list(fields), n=1, cutoff=0.6)
            raise ValueError(
                f"attract.paid mixes one channel's keys ({', '.join(keys)}) with named "
                f"channels ({', '.join(named)}); with named channels every key goes in its "
                f"channel's table, e.g. attract.paid.{named[0]}.{close[0] if close else keys[0]}"
            )
        return data

    @model_validator(mode="after")
    def _channel_names(self) -> Attract:
        if isinstance(self.paid, dict):
            for name in self.paid:
                if not PAID_NAME.fullmatch(name):
                    raise ValueError(
                        f"paid channel name {name!r}: must be lower-case letters, digits "
                        "and _, starting with a letter (at most 40 characters)"
                    )
        return self

    def paid_channels(self) -> tuple[tuple[str, PaidChannel], ...]:
        """The paid channels by name, in file order; ``[attract.paid]`` alone is named "paid"."""
        if self.paid is None:
            return ()
        if isinstance(self.paid, PaidChannel):
            return (("paid", self.paid),)
        return tuple(self.paid.items())
