"""A plain numpy compartment model of a flysim scenario, with daily steps: the speed baseline.

What a competent analyst would write by hand for the peer benchmark's core
model (``benchmarks/peer-core.toml``), to hold flysim's mc engine against
(``benchmarks/bench_core.py``). It reads the scenario and its resolved per-day
rates from flysim (``flysim.load_scenario``, ``flysim.model.rates.compile_rates``,
and ``flysim.model.health`` for the triggers' firing probabilities); the
simulation loop is its own: N runs at once, one ``numpy.random.Generator``,
daily steps over the horizon (a day that straddles a month's end is cut in
two there), every draw a binomial, Poisson, multinomial or hypergeometric over
an ``(N, cells)`` array.

Compartments of every run (counts):

- open leads per channel (paid, organic, referral);
- onboarding customers (first tier, no NPS category);
- active customers by health state (healthy, at risk) x tier: revenue;
- active customers by health state x NPS category (promoter, passive,
  detractor) x ask status (not asked, accepted, declined): NPS, promoters
  and advocates (an advocate is an accepted promoter).

The two factorisations of the active customers hold the same totals per
health state. No hazard depends on both tier and NPS/ask, so each day the
health moves and churn are drawn per NPS/ask cell (binomials) and their tiers
by a multivariate hypergeometric split of the health state's tiers (a
uniformly random subset, which is what an equal hazard gives).

Each day, in this order: experiments (evolve), lead arrivals (Poisson at
rate x saturation ``(M - reached) / M``; organic base with its growth at the
day's midpoint plus a rate per promoter; referral a rate per advocate),
lead decisions (binomial ``1 - exp(-rate dt)``, then conversion), onboarding
(time to value against onboarding churn), the weekly health check on days 7,
14, ... (at-risk customers recover with the probability that at least one
fired trigger's action succeeds; trigger counts per state for the spend),
health moves and churn (competing hazards: one binomial of leaving, one
split), upsell of healthy customers below the top tier, and the referral ask
of promoters not yet asked. Leads that arrive, customers who convert and
customers who move within a day act from the next day.

Simplifications against flysim's contract (MODEL.md): daily Euler steps
(events within a day are taken in the order above, with probabilities
``1 - exp(-h dt)``), revenue as the step's closing MRR x dt. Not supported
(an error):
churn heterogeneity, several paid channels, dated changes, uncertain inputs
and an ``[initial]`` beyond customers and advocates; none is in the peer
core.

Agreement with flysim's mc engine on ``peer-core.toml`` (5,000 runs each,
seed 7; independent draws, so z is the difference over its standard error):
customers -0.2 % at months 12 and 18, MRR +0.1 %, revenue +0.2 to +0.3 %,
new customers, leads by channel, churned, detractors and advocates within
1.3 % (|z| < 1.6); promoters -0.4 to -0.7 % (z -2 to -3). The one clear
difference is open leads, +1.5 to +1.8 % (z 10 to 11): a lead that arrives in
a day can decide only from the next day, so it stays open ``1 / (1 - exp(-r))``
days on average instead of ``1 / r``, about half a day more of a 21 to 30-day
decision. Deciding half a day later also delays conversions slightly (the
-0.2 % on customers). For a speed baseline, this is the same model.

Usage::

    python benchmarks/numpy_baseline.py [SCENARIO] [--runs 2000] [--seed 1]

prints month-12 and month-18 means beside flysim's mc engine on the same
scenario.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from pathlib import Path

import numpy as np

import flysim
from flysim.model.health import fire_probabilities, recovery_probability
from flysim.model.initial import InitialBase
from flysim.model.rates import ModelRates, compile_rates
from flysim.units import DAYS_PER_MONTH

PEER_CORE = Path(__file__).resolve().with_name("peer-core.toml")
#: NPS/ask cells: index nps * 3 + ask, nps 0 promoter, 1 passive, 2 detractor;
#: ask 0 not asked, 1 accepted, 2 declined.
P_U, P_A, P_D = 0, 1, 2
#: The monthly outputs: flows summed in the month, stocks at its end.
FLOWS = ("leads_paid", "leads_organic", "leads_referral", "new_customers", "churned", "revenue")
FLOWS += ("trigger_actions",)
STOCKS = ("customers", "onboarding", "healthy", "at_risk", "mrr", "open_leads")
STOCKS += ("promoters", "passives", "detractors", "advocates")


def _p(rate: float, dt: float) -> float:
    """Probability of an event at ``rate`` per day within ``dt`` days (1 for an infinite rate)."""
    return 1.0 if math.isinf(rate) else -math.expm1(-rate * dt)


def _share(rate: float, other: float) -> float:
    """Share of ``rate`` among two competing rates (an infinite one takes all)."""
    if math.isinf(rate):
        return 1.0
    total = rate + other
    return 0.0 if total == 0 or math.isinf(other) else rate / total


def split(rng: np.random.Generator, counts: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Draw ``k`` of the ``counts`` (N, K) uniformly at random, by cell: a multivariate
    hypergeometric as K - 1 sequential hypergeometric draws."""
    out = np.empty_like(counts)
    rest = counts.sum(axis=1)
    k = k.copy()
    for j in range(counts.shape[1] - 1):
        rest -= counts[:, j]
        out[:, j] = rng.hypergeometric(counts[:, j], rest, k)
        k -= out[:, j]
    out[:, -1] = k
    return out


def _redraw(rng: np.random.Generator, movers: np.ndarray, nps: tuple[float, ...]) -> np.ndarray:
    """NPS/ask cells (N, 9) of customers whose health changed: a new NPS category each,
    their ask status kept."""
    by_ask = movers.reshape(-1, 3, 3).sum(axis=1)  # (N, ask)
    drawn = rng.multinomial(by_ask, nps)  # (N, ask, nps)
    return drawn.transpose(0, 2, 1).reshape(-1, 9)


def _check_supported(scenario: flysim.Scenario, r: ModelRates) -> None:
    unsupported = {
        "churn heterogeneity": r.churn_cv > 0,
        "several paid channels": len(r.paid) > 1,
        "dated changes": bool(scenario.changes),
        "uncertain inputs": bool(scenario.uncertain),
        "an [initial] beyond customers and advocates": (
            r.initial != InitialBase(per_tier=r.initial.per_tier, survived=r.initial.survived)
            or r.initial.per_tier[0] != r.initial_customers
        ),
    }
    found = [name for name, present in unsupported.items() if present]
    if found:
        raise ValueError(f"the numpy baseline does not model {', '.join(found)}")


def simulate(
    scenario: flysim.Scenario, runs: int, seed: int, months: int | None = None
) -> dict[str, np.ndarray]:
    """Simulate ``runs`` runs at once; each output is an array (runs, months)."""
    r = compile_rates(scenario)
    _check_supported(scenario, r)
    rng = np.random.default_rng(seed)
    n, n_months = runs, months or scenario.horizon_months
    horizon = n_months * DAYS_PER_MONTH
    n_tiers, mrr = r.n_tiers, np.asarray(r.tier_mrr)
    chans = [r.channels[c] for c in ("paid", "organic", "referral")]
    conv0 = np.array([c.conversion for c in chans])
    decide_rate = [c.decide_rate if c.enabled else 0.0 for c in chans]
    # Without [delight] every active customer sits in the passive, not-asked cell.
    nps_h, nps_r = (r.nps_healthy, r.nps_at_risk) if r.nps_on else ((0, 1, 0), (0, 1, 0))
    if r.health is not None and r.health.triggers:
        fire = np.stack([fire_probabilities(r.health, s) for s in (0, 1)])  # (state, trigger)
        p_check = recovery_probability(r.health)
    else:
        fire, p_check = np.zeros((2, 0)), 0.0

    # Compartments.
    leads = np.zeros((n, 3), dtype=np.int64)
    onboarding = np.zeros(n, dtype=np.int64)
    tiers = np.zeros((2, n, n_tiers), dtype=np.int64)  # health state x tier
    cells = np.zeros((2, n, 9), dtype=np.int64)  # health state x NPS/ask
    tiers[0, :, 0] = r.initial_customers
    cells[0, :, P_A] = r.initial_advocates
    others = np.full(n, r.initial_customers - r.initial_advocates)
    cells[0, :, 0::3] += rng.multinomial(others, nps_h)
    uplift = np.ones(n)

    out = {name: np.zeros((n, n_months)) for name in FLOWS + STOCKS}
    # Daily steps; a day that straddles a month's end is cut in two there.
    month_ends = DAYS_PER_MONTH * np.arange(1, n_months + 1)  # exact: 30.4375 is binary
    grid = np.union1d(np.arange(0.0, horizon), month_ends).tolist()
    for day, day_end in itertools.pairwise(grid):
        dt = day_end - day
        m = int(day // DAYS_PER_MONTH)

        # Evolve: experiments and their wins raise every channel's conversion.
        if r.experiments > 0:
            wins = rng.binomial(rng.poisson(r.experiments * dt, n), r.win_rate)
            uplift *= (1.0 + r.uplift_per_win) ** wins

        # Attract: arrivals at the saturated rates.
        active = tiers.sum(axis=2).sum(axis=0)
        reached = leads.sum(axis=1) + onboarding + active
        sat = 1.0 if r.market_size is None else np.maximum(0.0, 1.0 - reached / r.market_size)
        promoters = cells[:, :, 0:3].sum(axis=(0, 2))
        advocates = cells[:, :, P_A].sum(axis=0)
        t_mid = day + dt / 2
        rates = np.empty((n, 3))
        rates[:, 0] = r.paid_leads
        rates[:, 1] = r.organic_base * math.exp(r.organic_log_growth * t_mid)
        rates[:, 1] += r.organic_per_promoter * promoters
        rates[:, 2] = r.referral_per_advocate * advocates
        rates *= np.asarray(sat).reshape(-1, 1) * dt
        arrivals = rng.poisson(rates)

        # Decisions of the open leads: convert (conversion x uplift, at most 1) or go cold.
        decided = rng.binomial(leads, [_p(x, dt) for x in decide_rate])
        converted = rng.binomial(decided, np.minimum(1.0, conv0 * uplift[:, None]))
        leads += arrivals - decided
        new = converted.sum(axis=1)

        # Onboarding: time to value against onboarding churn.
        done = rng.binomial(onboarding, _p(r.value_rate + r.onboarding_churn, dt))
        lost_onb = rng.binomial(done, _share(r.onboarding_churn, r.value_rate))
        activated = done - lost_onb
        onboarding += new - done

        # The weekly health check: triggers fire by health state; actions may recover.
        checked = np.zeros_like(cells[1])
        if day > 0 and day % 7 == 0 and fire.shape[1] > 0:  # t = 7, 14, ... days
            for s in (0, 1):
                fired = rng.binomial(cells[s].sum(axis=1)[:, None], fire[s])
                out["trigger_actions"][:, m] += fired.sum(axis=1)
            checked = rng.binomial(cells[1], p_check)

        # Health moves and churn, per NPS/ask cell; their tiers by a hypergeometric split.
        moved, churned = [], np.zeros(n, dtype=np.int64)
        for s, (h_churn, h_move) in enumerate(
            [(r.churn_healthy, r.risk), (r.churn_at_risk, r.recovery)]
        ):
            extra = checked if s == 1 else 0  # recovered at the check: move, no churn
            leave = rng.binomial(cells[s] - extra, _p(h_churn + h_move, dt))
            gone = rng.binomial(leave, _share(h_churn, h_move))
            move = leave - gone + extra
            leave_t = split(rng, tiers[s], (gone + move).sum(axis=1))
            gone_t = split(rng, leave_t, gone.sum(axis=1))
            cells[s] -= gone + move
            tiers[s] -= leave_t
            moved.append((move, leave_t - gone_t))
            churned += gone.sum(axis=1)
        (to_risk, to_risk_t), (to_healthy, to_healthy_t) = moved
        cells[1] += _redraw(rng, to_risk, nps_r)
        cells[0] += _redraw(rng, to_healthy, nps_h)
        tiers[1] += to_risk_t
        tiers[0] += to_healthy_t
        tiers[0, :, 0] += activated
        cells[0, :, 0::3] += rng.multinomial(activated, nps_h)

        # Upsell of healthy customers below the top tier.
        if r.upsell > 0 and n_tiers > 1:
            up = rng.binomial(tiers[0, :, :-1], _p(r.upsell, dt))
            tiers[0, :, :-1] -= up
            tiers[0, :, 1:] += up

        # The referral ask of promoters not yet asked: accept, or decline for good.
        if r.nps_on and r.ask_rate > 0:
            asked = rng.binomial(cells[:, :, P_U], _p(r.ask_rate, dt))
            accepted = rng.binomial(asked, r.ask_accept)
            cells[:, :, P_U] -= asked
            cells[:, :, P_A] += accepted
            cells[:, :, P_D] += asked - accepted

        # Book the day: flows into its month, stocks at the month's end.
        mrr_now = (tiers.sum(axis=0) * mrr).sum(axis=1) + onboarding * mrr[0]
        out["leads_paid"][:, m] += arrivals[:, 0]
        out["leads_organic"][:, m] += arrivals[:, 1]
        out["leads_referral"][:, m] += arrivals[:, 2]
        out["new_customers"][:, m] += new
        out["churned"][:, m] += churned + lost_onb
        out["revenue"][:, m] += mrr_now * dt / DAYS_PER_MONTH
        if day_end == month_ends[m]:
            by_nps = cells.sum(axis=0).reshape(n, 3, 3).sum(axis=2)
            active_h = tiers.sum(axis=2)
            out["customers"][:, m] = onboarding + active_h.sum(axis=0)
            out["onboarding"][:, m] = onboarding
            out["healthy"][:, m] = active_h[0]
            out["at_risk"][:, m] = active_h[1]
            out["mrr"][:, m] = mrr_now
            out["open_leads"][:, m] = leads.sum(axis=1)
            out["promoters"][:, m] = by_nps[:, 0]
            out["passives"][:, m] = by_nps[:, 1]
            out["detractors"][:, m] = by_nps[:, 2]
            out["advocates"][:, m] = cells[:, :, P_A].sum(axis=0)
    return out


#: The outputs compared with flysim's mc engine.
COMPARED = ("customers", "mrr", "revenue", "churned", "new_customers", "leads_paid")
COMPARED += ("leads_organic", "leads_referral", "promoters", "detractors", "advocates")
COMPARED += ("at_risk", "open_leads")


def compare(path: Path, runs: int, seed: int) -> None:
    """Print month-12 and horizon means of the baseline beside flysim's mc engine."""
    scenario = flysim.load_scenario(path)
    t = time.perf_counter()
    base = simulate(scenario, runs, seed)
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    ref = flysim.simulate(scenario, runs=runs, seed=seed, engine="mc", workers=1)
    t_mc = time.perf_counter() - t
    horizon = scenario.horizon_months
    print(f"{path.name}: {runs:,} runs; baseline {t_base:.2f} s, flysim mc {t_mc:.2f} s")
    print(f"{'metric':<16}{'month':>6}{'baseline':>12}{'flysim mc':>12}{'diff %':>9}{'z':>7}")
    for name in COMPARED:
        for month in (12, horizon):
            a, b = base[name][:, month - 1], ref.metric(name)[:, month - 1]
            se = math.sqrt(a.var() / len(a) + b.var() / len(b))
            diff = 100 * (a.mean() / b.mean() - 1) if b.mean() else float("nan")
            z = (a.mean() - b.mean()) / se if se > 0 else float("nan")
            print(f"{name:<16}{month:>6}{a.mean():>12,.2f}{b.mean():>12,.2f}{diff:>9.1f}{z:>7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=PEER_CORE)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    compare(args.scenario, args.runs, args.seed)


if __name__ == "__main__":
    main()
