"""The model's parameters, compiled once from a scenario, in per-day units.

``ModelRates`` is one row of parameters: every rate, probability, amount and
switch the mechanisms (``attract``, ``customer``, ``hazards``, ``health``)
read. A rate of ``math.inf`` means "at once" (a delay with mean 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flysim.model.health import HealthParams, compile_health
from flysim.model.initial import InitialBase, share_counts, whole
from flysim.model.responses import level
from flysim.model.states import CHANNELS
from flysim.scenario.schema import PaidChannel, Scenario
from flysim.units import DAYS_PER_MONTH

__all__ = ["ChannelRates", "ModelRates", "PaidRates", "compile_rates", "paid_stream"]


def _per_day(per_month: float) -> float:
    return per_month / DAYS_PER_MONTH


def _inverse_mean(days: float) -> float:
    """The rate of an exponential delay with the given mean; inf for a mean of 0."""
    return math.inf if days == 0 else 1.0 / days


@dataclass(frozen=True)
class ChannelRates:
    """One lead channel, per day.

    Attributes
    ----------
    enabled : bool
        Whether the scenario has the channel.
    conversion : float
        Base conversion probability (before evolve's uplift).
    decide_rate : float
        Rate of the decision delay (inf: decides at once).
    """

    enabled: bool
    conversion: float
    decide_rate: float


def paid_stream(index: int, name: str) -> str:
    """The random stream of a scenario's ``index``-th paid channel, named ``name``.

    The first (or only) paid channel draws from ``"paid"``, so a scenario with
    one ``[attract.paid]`` draws what it always drew; the others from
    ``"paid:<name>"``, so a channel keeps its numbers whatever the others do.
    """
    return "paid" if index == 0 else f"paid:{name}"


@dataclass(frozen=True)
class PaidRates:
    """One paid channel, per day.

    Attributes
    ----------
    name : str
        The channel's name (``"paid"`` for a lone ``[attract.paid]``).
    stream : str
        Its lead channel key and random stream (``paid_stream``).
    leads : float
        Leads per day before saturation.
    budget : float
        Budget a month, spent in full.
    channel : ChannelRates
        Its conversion and decision rate.
    """

    name: str
    stream: str
    leads: float
    budget: float
    channel: ChannelRates


@dataclass(frozen=True)
class ModelRates:
    """Everything the engines need, in per-day units, derived once from a scenario."""

    market_size: int | None
    initial_customers: int
    initial_advocates: int
    tier_mrr: tuple[float, ...]
    tier_names: tuple[str, ...]
    gross_margin: float
    channels: dict[str, ChannelRates]
    paid_leads: float
    organic_base: float
    organic_log_growth: float
    organic_per_promoter: float
    referral_per_advocate: float
    value_rate: float
    onboarding_churn: float
    risk: float
    recovery: float
    churn_healthy: float
    churn_at_risk: float
    churn_cv: float
    upsell: float
    nps_on: bool
    nps_healthy: tuple[float, float, float]
    nps_at_risk: tuple[float, float, float]
    ask_rate: float
    ask_accept: float
    reward: float
    health: HealthParams | None
    experiments: float
    win_rate: float
    uplift_per_win: float
    cost_per_experiment: float
    budget_paid: float
    content_cost: float
    stack_cost: float
    onboarding_cost: float
    initial: InitialBase
    #: Every paid channel in file order; the first is ``channels["paid"]`` and
    #: ``paid_leads``, the others are the extra lead channels of both engines.
    paid: tuple[PaidRates, ...] = ()

    @property
    def n_tiers(self) -> int:
        """Number of tiers."""
        return len(self.tier_mrr)

    @property
    def paid_extra(self) -> tuple[PaidRates, ...]:
        """The paid channels after the first, each a lead channel of its own."""
        return self.paid[1:]

    def lead_channel(self, key: str) -> ChannelRates:
        """A lead channel's conversion and decision rate by key: a kind, or a paid stream.

        A paid channel a change has removed is off (its open leads still decide).
        """
        if key in self.channels:
            return self.channels[key]
        for p in self.paid:
            if p.stream == key:
                return p.channel
        return ChannelRates(enabled=False, conversion=0.0, decide_rate=0.0)


def _paid_rates(scenario: Scenario) -> tuple[PaidRates, ...]:
    """Every paid channel of the scenario, compiled, in file order."""
    return tuple(
        PaidRates(
            name=name,
            stream=paid_stream(i, name),
            leads=_per_day(_paid_leads(ch)),
            budget=ch.budget_per_month,
            channel=ChannelRates(True, ch.conversion, _inverse_mean(ch.days_to_decide)),
        )
        for i, (name, ch) in enumerate(scenario.attract.paid_channels())
    )


def _paid_leads(paid: PaidChannel) -> float:
    """Paid leads a month: the response to the budget, else budget over cost per lead."""
    if paid.leads_per_month is not None:
        return level(paid.leads_per_month, paid.budget_per_month)
    assert paid.cost_per_lead is not None  # the schema asks for one or the other
    return paid.budget_per_month / paid.cost_per_lead


def _initial_base(scenario: Scenario) -> InitialBase:
    """``[initial]`` beyond customers and advocates, as whole counts."""
    i, n = scenario.initial, scenario.initial.customers
    per_tier = i.customers_per_tier
    if per_tier is None:
        per_tier = (n,) + (0,) * (len(scenario.revenue.tiers) - 1)
    nps = None
    if i.nps_shares is not None and scenario.delight is not None:
        p, pa, d = share_counts(i.nps_shares.as_tuple(), n)
        nps = (p, pa, d)
    return InitialBase(
        per_tier=tuple(per_tier),
        at_risk=int(whole(i.at_risk_share, n)),
        nps=nps,
        asked=i.asked,
        onboarding=i.onboarding,
        open_leads=i.open_leads.as_tuple(),
        survived=scenario.engage.churn_per_month.healthy * i.tenure_months,
    )


def compile_rates(scenario: Scenario) -> ModelRates:
    """Derive the per-day rates of every mechanism from a validated scenario.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.

    Returns
    -------
    ModelRates
        Rates per day, probabilities, and switches for the omitted sections.
    """
    a, e, d, ev = scenario.attract, scenario.engage, scenario.delight, scenario.evolve
    paid = _paid_rates(scenario)
    channels = {"paid": paid[0].channel if paid else ChannelRates(False, 0.0, 0.0)}
    for name in CHANNELS[1:]:
        ch = getattr(a, name)
        channels[name] = ChannelRates(
            enabled=ch is not None,
            conversion=ch.conversion if ch is not None else 0.0,
            decide_rate=_inverse_mean(ch.days_to_decide) if ch is not None else 0.0,
        )
    org = a.organic
    return ModelRates(
        market_size=scenario.market.size,
        initial_customers=scenario.initial.customers,
        initial_advocates=scenario.initial.advocates,
        tier_mrr=tuple(t.mrr for t in scenario.revenue.tiers),
        tier_names=tuple(t.name for t in scenario.revenue.tiers),
        gross_margin=scenario.revenue.gross_margin,
        channels=channels,
        paid_leads=paid[0].leads if paid else 0.0,
        organic_base=_per_day(level(org.leads_per_month, org.cost_per_month)) if org else 0.0,
        organic_log_growth=math.log1p(org.growth_per_month) / DAYS_PER_MONTH if org else 0.0,
        organic_per_promoter=_per_day(org.leads_per_promoter_per_month) if org else 0.0,
        referral_per_advocate=(
            _per_day(level(d.referrals_per_advocate_per_month, d.reward)) if d else 0.0
        ),
        value_rate=_inverse_mean(e.days_to_value),
        onboarding_churn=_per_day(e.onboarding_churn_per_month),
        risk=_per_day(e.risk_per_month),
        recovery=_per_day(e.recovery_per_month),
        churn_healthy=_per_day(e.churn_per_month.healthy),
        churn_at_risk=_per_day(e.churn_per_month.at_risk),
        churn_cv=float(e.churn_heterogeneity),
        upsell=_per_day(e.upsell_per_month),
        nps_on=d is not None,
        nps_healthy=d.nps.healthy.as_tuple() if d else (0.0, 0.0, 0.0),
        nps_at_risk=d.nps.at_risk.as_tuple() if d else (0.0, 0.0, 0.0),
        ask_rate=_inverse_mean(d.ask_after_days) if d else 0.0,
        ask_accept=level(d.ask_accept, d.reward) if d else 0.0,
        reward=d.reward if d else 0.0,
        health=compile_health(e.health, e.triggers) if e.health is not None else None,
        experiments=_per_day(ev.experiments_per_month) if ev else 0.0,
        win_rate=ev.win_rate if ev else 0.0,
        uplift_per_win=ev.uplift_per_win if ev else 0.0,
        cost_per_experiment=ev.cost_per_experiment if ev else 0.0,
        budget_paid=sum(p.budget for p in paid),
        content_cost=org.cost_per_month if org else 0.0,
        stack_cost=scenario.costs.stack_per_month,
        onboarding_cost=scenario.costs.onboarding_per_customer,
        initial=_initial_base(scenario),
        paid=paid,
    )
