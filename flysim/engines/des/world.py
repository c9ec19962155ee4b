"""One run of the agent model: the population, its counters and the month books.

``World`` holds the state every mechanism reads (reached accounts, promoters,
advocates, MRR) and applies every state change, keeping the counters and the
books consistent; the processes in ``customer``, ``attract`` and ``checks``
decide *when* things happen and call it.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import simpy

from flysim.engines.des import events as ev
from flysim.engines.des.attract import LeadSource, new_sources
from flysim.engines.des.changes import apply_change
from flysim.engines.des.checks import weekly_checks
from flysim.engines.des.customer import (
    ACCEPTED,
    ACTIVE,
    AT_RISK,
    DECLINED,
    HEALTHY,
    NOT_ASKED,
    PROMOTER,
    Customer,
    life,
)
from flysim.engines.des.draws import Draws
from flysim.engines.des.initial import populate
from flysim.engines.des.ledger import Ledger
from flysim.model.attract import conversion_probability, nps_category, uplift_after
from flysim.model.hazards import draw_multiplier
from flysim.model.rates import ModelRates
from flysim.model.states import CHANNELS
from flysim.rng import generator
from flysim.units import DAYS_PER_MONTH

__all__ = ["World"]

_NEW_CUSTOMERS = {c: f"new_customers_{c}" for c in CHANNELS}
_HEALTH_NAMES = {HEALTHY: "healthy", AT_RISK: "at_risk"}
_NPS_NAMES = dict(enumerate(ev.NPS))
_LEADS = {c: f"leads_{c}" for c in CHANNELS}


class World:
    """The state and books of one run.

    Parameters
    ----------
    rates : ModelRates
        The compiled scenario.
    seed, run : int
        Seed and run index; every stream is keyed by both.
    months : int
        Horizon in months.
    log : list or None
        Event-log rows are appended here when given.
    changes : tuple of (int, ModelRates)
        The rates in force from the start of later months (0-based), in time
        order: a dated change applies at its exact time (``flysim.engines.des.changes``).
    """

    def __init__(
        self,
        rates: ModelRates,
        seed: int,
        run: int,
        months: int,
        log: list[tuple] | None = None,
        *,
        changes: tuple[tuple[int, ModelRates], ...] = (),
        paid_names: tuple[str, ...] = (),
    ) -> None:
        self.rates = rates
        # The paid channels' breakdown (RawBlock.channels) by column, with several.
        self.paid_names = paid_names
        self._paid_col = {p.stream: paid_names.index(p.name) for p in rates.paid if paid_names}
        self.changes = dict(changes)
        self.seed = seed
        self.run_index = run
        self.env = simpy.Environment()
        self.horizon_days = months * DAYS_PER_MONTH
        self.books = Ledger(months, len(paid_names))
        self.log = log
        self.customer_draws = Draws(generator(seed, run, "customers"))
        self.health_rng = generator(seed, run, "health")
        self._evolve_draws = Draws(generator(seed, run, "evolve"))
        self._initial_rng = generator(seed, run, "initial")
        # State the rates read.
        self.reached = 0
        self.promoters = 0
        self.advocates = 0
        self.mrr = 0.0
        self.mrr_referral = 0.0
        self.uplift = 1.0
        # Stocks.
        self.open_leads = 0
        self.onboarding = 0
        self.healthy = 0
        self.at_risk = 0
        self.nps_counts = [0, 0, 0]
        self.active: dict[int, Customer] = {}
        # Every customer (onboarding or active) and every lead still deciding,
        # for a change to reprice or redraw: (channel, uniform, timeout).
        self.alive: dict[int, Customer] = {}
        self.pending: dict[int, tuple[str, float, simpy.Event]] = {}
        self.experiment_process: simpy.Process | None = None
        self._next_id = 0
        self.sources: list[LeadSource] = []
        populate(self, self._initial_rng)
        # Stable: the paid channels after the first come right after it.
        self.sources = sorted(new_sources(self, rates, set()), key=lambda s: s.channel)
        if rates.health is not None:
            self.env.process(weekly_checks(self))
        if rates.experiments > 0:
            self.experiment_process = self.env.process(self.experiments())

    # -- setup ---------------------------------------------------------------

    def new_id(self) -> int:
        """A new customer or lead id."""
        self._next_id += 1
        return self._next_id - 1

    def multiplier(self, rng: np.random.Generator) -> float:
        """A new customer's churn multiplier, drawn from ``rng``."""
        return draw_multiplier(rng, self.rates.churn_cv)

    # -- attract -------------------------------------------------------------

    def new_lead(self, source: LeadSource) -> None:
        """A lead arrives on a channel; it decides after its channel's delay."""
        ch = self.rates.lead_channel(source.key)
        lid = self.new_id()
        self.open_leads += 1
        self.reached += 1
        self.books.add(_LEADS[source.name], self.env.now)
        if source.key in self._paid_col:
            self.books.add_paid(self._paid_col[source.key], 0, self.env.now)
        self.event(lid, ev.LEAD, source.name)
        delay = source.draws.exponential(ch.decide_rate)
        u = source.draws.uniform()
        if delay == 0.0:
            self.decide(lid, source.key, u)
        else:
            self.wait_decision(lid, source.key, u, delay)

    def wait_decision(self, lid: int, channel: str, u: float, delay: float) -> None:
        """Lead ``lid`` decides after ``delay`` days, converting if ``u`` < its conversion."""
        event = self.env.timeout(delay)
        self.pending[lid] = (channel, u, event)
        event.callbacks.append(lambda e: self._decide_if_due(lid, e))

    def _decide_if_due(self, lid: int, event: simpy.Event) -> None:
        # A change may have redrawn the wait: only the latest timeout decides.
        found = self.pending.get(lid)
        if found is not None and found[2] is event:
            del self.pending[lid]
            self.decide(lid, found[0], found[1])

    def decide(self, lid: int, key: str, u: float) -> None:
        """Lead ``lid`` of channel ``key`` (a kind, or a paid stream) decides now.

        It converts if ``u`` < the conversion in force.
        """
        r, now = self.rates, self.env.now
        channel = key.split(":", 1)[0]
        self.open_leads -= 1
        if u >= conversion_probability(r.lead_channel(key).conversion, self.uplift):
            self.reached -= 1
            self.event(lid, ev.LOST, channel)
            self._rates_may_rise()
            return
        c = Customer(lid, channel, now, self.multiplier(self.customer_draws.rng))
        self.books.add(_NEW_CUSTOMERS[channel], now)
        if key in self._paid_col:
            self.books.add_paid(self._paid_col[key], 1, now)
        self.books.add("spend_onboarding", now, r.onboarding_cost)
        self.event(lid, ev.CONVERT, channel, c, r.tier_mrr[0])
        if channel == "referral" and r.reward > 0:
            self.books.add("spend_rewards", now, r.reward)
            self.event(lid, ev.REWARD, channel, c, r.reward)
        self.gain_mrr(c, r.tier_mrr[0])
        self.onboarding += 1
        self.alive[c.id] = c
        if r.value_rate == math.inf:
            self.activate(c)
        c.process = self.env.process(life(self, c))

    def _rates_may_rise(self) -> None:
        for s in self.sources:
            s.maybe_restart()

    # -- engage --------------------------------------------------------------

    def activate(self, c: Customer) -> None:
        """Onboarding ends: the customer reaches value and is active and healthy."""
        now = self.env.now
        self.onboarding -= 1
        self.healthy += 1
        c.phase = ACTIVE
        c.health = HEALTHY
        self.active[c.id] = c
        self.books.add("ttv_sum", now, now - c.joined)
        self.books.add("ttv_count", now)
        self.event(c.id, ev.ACTIVATE, c.channel, c, now - c.joined)
        if self.rates.nps_on:
            self.set_nps(c, nps_category(self.customer_draws.uniform(), self.rates.nps_healthy))

    def set_health(self, c: Customer, health: int) -> None:
        """Move an active customer between healthy and at risk; redraw its NPS category."""
        if health == c.health:
            return
        if health == AT_RISK:
            self.healthy, self.at_risk = self.healthy - 1, self.at_risk + 1
        else:
            self.healthy, self.at_risk = self.healthy + 1, self.at_risk - 1
        c.health = health
        self.event(c.id, ev.AT_RISK if health == AT_RISK else ev.RECOVER, c.channel, c)
        if self.rates.nps_on:
            probs = self.rates.nps_at_risk if health == AT_RISK else self.rates.nps_healthy
            self.set_nps(c, nps_category(self.customer_draws.uniform(), probs))

    def set_nps(self, c: Customer, category: int | None) -> None:
        """Give a customer an NPS category; the same category changes nothing."""
        if category == c.nps:
            return
        was_promoter, was_advocate = c.nps == PROMOTER, c.is_advocate
        if c.nps is not None:
            self.nps_counts[c.nps] -= 1
        c.nps = category
        if category is not None:
            self.nps_counts[category] += 1
            self.event(c.id, ev.NPS[category], c.channel, c)
        self.promoters += (c.nps == PROMOTER) - was_promoter
        self.advocates += c.is_advocate - was_advocate
        if c.nps == PROMOTER and not was_promoter:
            self._rates_may_rise()
            if c.ask == NOT_ASKED and self.rates.ask_rate == math.inf:
                self.ask(c)

    def ask(self, c: Customer) -> None:
        """Ask a promoter for referrals, once; an acceptance is kept."""
        accepted = self.customer_draws.uniform() < self.rates.ask_accept
        c.ask = ACCEPTED if accepted else DECLINED
        self.event(c.id, ev.ASK_ACCEPT if accepted else ev.ASK_DECLINE, c.channel, c)
        if accepted and c.nps == PROMOTER:
            self.advocates += 1
            self._rates_may_rise()

    def upsell(self, c: Customer) -> None:
        """Move a customer one tier up; the higher MRR starts at once."""
        r = self.rates
        gain = r.tier_mrr[c.tier + 1] - r.tier_mrr[c.tier]
        self.gain_mrr(c, gain)
        c.tier += 1
        self.books.add("upsells", self.env.now)
        self.books.add("expansion_mrr", self.env.now, gain)
        self.event(c.id, ev.UPSELL, c.channel, c, r.tier_mrr[c.tier])

    def churn(self, c: Customer) -> None:
        """The customer leaves; its account returns to the market."""
        now = self.env.now
        self.books.add("churned", now)
        self.books.add("churned_mrr", now, self.rates.tier_mrr[c.tier])
        self.event(c.id, ev.CHURN, c.channel, c, self.rates.tier_mrr[c.tier])
        self.gain_mrr(c, -self.rates.tier_mrr[c.tier])
        if c.phase == ACTIVE:
            self.set_nps(c, None)
            if c.health == HEALTHY:
                self.healthy -= 1
            else:
                self.at_risk -= 1
            del self.active[c.id]
        else:
            self.onboarding -= 1
        del self.alive[c.id]
        self.reached -= 1
        self._rates_may_rise()

    def recover_by_action(self, c: Customer) -> None:
        """A trigger's action succeeded: an at-risk customer is healthy again."""
        self.set_health(c, HEALTHY)
        if c.process is not None and c.process.is_alive:
            c.process.interrupt()

    def gain_mrr(self, c: Customer, delta: float) -> None:
        self.books.accrue(self.env.now, self.mrr)
        self.mrr += delta
        if c.channel == "referral":
            self.mrr_referral += delta

    # -- evolve --------------------------------------------------------------

    def experiments(self) -> Generator[simpy.Event, object, None]:
        draws = self._evolve_draws
        while True:
            r = self.rates
            wait = draws.exponential(r.experiments) if r.experiments > 0 else math.inf
            try:
                yield self.env.timeout(wait)
            except simpy.Interrupt:
                continue  # a change of the experiment rate: redraw (exact: Poisson)
            now = self.env.now
            self.books.add("spend_experiments", now, r.cost_per_experiment)
            won = draws.uniform() < r.win_rate
            self.event(
                -1, ev.EXPERIMENT_WON if won else ev.EXPERIMENT, "", None, r.cost_per_experiment
            )
            if won:
                self.uplift = float(uplift_after(self.uplift, 1, r.uplift_per_win))
                self.books.add("experiments_won", now)

    # -- running -------------------------------------------------------------

    def run(self) -> tuple[np.ndarray, int]:
        """Simulate to the horizon; return the raw monthly array and the events processed."""
        env, books, r = self.env, self.books, self.rates
        books.set_start(0, self.onboarding + self.healthy + self.at_risk, self.mrr)
        self.book_fixed(r, 0)
        n_events = 0
        for month in range(books.months):
            # Stocks are read just before the first event at or after the
            # month's end, so an event on the boundary belongs to the next month.
            end = (month + 1) * DAYS_PER_MONTH
            while env.peek() < end:
                env.step()
                n_events += 1
            books.accrue(end, self.mrr)
            books.snapshot(month, self._stocks())
            if month + 1 in self.changes:
                if env.now < end:
                    env.run(until=end)
                apply_change(self, self.changes[month + 1], month + 1)
            books.set_start(month + 1, self.onboarding + self.healthy + self.at_risk, self.mrr)
        return books.raw, n_events

    def book_fixed(self, r: ModelRates, month: int) -> None:
        """Book the fixed monthly spends of ``r`` from 0-based ``month`` on."""
        self.books.set_every_month("spend_paid", r.budget_paid, month)
        if self.paid_names:
            self._paid_col = {p.stream: self.paid_names.index(p.name) for p in r.paid}
            self.books.set_paid_spend({self._paid_col[p.stream]: p.budget for p in r.paid}, month)
        self.books.set_every_month("spend_content", r.content_cost, month)
        self.books.set_every_month("spend_stack", r.stack_cost, month)

    def _stocks(self) -> dict[str, float]:
        p, pa, d = self.nps_counts
        return {
            "onboarding": self.onboarding,
            "healthy": self.healthy,
            "at_risk": self.at_risk,
            "promoters": p,
            "passives": pa,
            "detractors": d,
            "advocates": self.advocates,
            "open_leads": self.open_leads,
            "mrr": self.mrr,
            "mrr_referral": self.mrr_referral,
        }

    def event(
        self,
        cid: int,
        event: str,
        channel: str,
        c: Customer | None = None,
        amount: float = 0.0,
        *,
        nps: int | None = None,
    ) -> None:
        """Append a row in ``EVENT_COLUMNS`` order; ``nps`` overrides the customer's own."""
        if self.log is None:
            return
        tier = health = category = ""
        if c is not None:
            tier = self.rates.tier_names[c.tier]
            health = _HEALTH_NAMES[c.health] if c.phase == ACTIVE else "onboarding"
            shown = c.nps if nps is None else nps
            category = "" if shown is None else _NPS_NAMES[shown]
        self.log.append(
            (self.run_index, cid, self.env.now, event, channel, tier, amount, health, category)
        )
