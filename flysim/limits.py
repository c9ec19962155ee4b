"""What a job would cost before it runs: memory, customers and events, and a refusal if too much.

A simulation keeps every run x month x metric (8 bytes each), and the summary
step makes about four more copies of that array; each worker holds a block of
runs besides. The agent model's work grows with the customers it simulates,
and a scenario whose flywheel compounds without a market to saturate it grows
its customer base exponentially. :func:`check_job` estimates all of this from
the scenario alone, in microseconds, and raises :class:`JobTooLargeError` with one
line saying what the job would take and what to change, instead of starting a
job that cannot finish or fit in memory.

The estimates are deliberately simple and on the high side (the customer
projection ignores all churn but the lowest hazard); they only have to tell
a possible job from an impossible one.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from flysim.metrics.names import METRICS, RAW_FIELDS
from flysim.model.responses import level
from flysim.scenario.bounds import check_evolve_gain, check_organic_growth
from flysim.scenario.schema import Scenario

__all__ = [
    "MAX_CUSTOMERS",
    "MAX_DES_EVENTS",
    "MAX_POINTS",
    "MAX_RUNS",
    "MAX_WORKERS",
    "JobCost",
    "JobTooLargeError",
    "check_job",
    "estimate_job",
    "machine_memory",
]

#: Most runs of one simulation (also the schema's bound on ``scenario.runs``).
MAX_RUNS = 10_000_000
#: Most parameter sets (sweep points, sensitivity samples, compared scenarios) of a study.
MAX_POINTS = 100_000
#: Most worker processes.
MAX_WORKERS = 1024
#: Largest customer base a run may reach: counts stay exact in float64 far
#: beyond it, and it is the schema's largest market.
MAX_CUSTOMERS = 1e10
#: Most events the agent model may process in one job: at the ~1e5 events a
#: second one core processes, about three hours.
MAX_DES_EVENTS = 1e9

#: Copies of the runs x months x metrics array alive at the peak: the result
#: itself and what the summary step makes (quantiles sort copies of it). Three
#: is the goal of issue 14 (100,000 runs of startup.toml within 2 GB); the
#: summary made about four more before it, and a job that still runs out of
#: memory is caught by the command line as one line.
_SUMMARY_COPIES = 3
#: Runs in a worker's block at most, and the copies of it in flight (raw
#: fields, derived metrics, and the pickled transfer where workers are not forked).
_BLOCK_RUNS = 1000
_BLOCK_COPIES = 3
#: Weekly health checks a month, per customer, when [engage.health] is on.
_CHECKS_PER_MONTH = 52.0 / 12.0


class JobTooLargeError(ValueError):
    """A job that would not fit in memory or could not finish; the message says what to change.

    A ``ValueError``, so that code which turns bad arguments into one line of
    error (the command line) treats it as bad input.
    """


@dataclass(frozen=True)
class JobCost:
    """What a job would take.

    Attributes
    ----------
    memory_bytes : int
        Peak memory of the results, their summary and the workers' blocks.
    customers : float
        The largest customer base a run may reach (an estimate on the high side).
    events : float
        Events the agent model would process over every run and point (0 for ``mc``).
    """

    memory_bytes: int
    customers: float
    events: float


def estimate_job(
    scenario: Scenario,
    *,
    runs: int,
    months: int,
    engine: str = "mc",
    workers: int = 1,
    points: int = 1,
    metrics: int = len(METRICS),
) -> JobCost:
    """Estimate the memory, customer base and events of a job, without running it.

    Parameters
    ----------
    scenario : Scenario
        The scenario (for a study, the base scenario: its variants are alike).
    runs, months : int
        Monte Carlo runs and months simulated.
    engine : {"mc", "des"}
        The numpy core or the agent model.
    workers : int
        Worker processes, each holding a block of runs.
    points : int
        Parameter sets simulated with ``runs`` runs each (1 for ``flysim run``).
    metrics : int
        Metrics kept per run and month (a study keeps only the ones it needs).

    Returns
    -------
    JobCost
    """
    cells = float(points) * runs * months
    block = min(runs, _BLOCK_RUNS) * months * (len(RAW_FIELDS) + len(METRICS)) * 8
    memory = cells * metrics * 8 * _SUMMARY_COPIES + max(1, workers) * block * _BLOCK_COPIES
    per_month = _projected_customers(scenario, months)
    customers = max(per_month)
    events = 0.0
    if engine == "des":
        checks = _CHECKS_PER_MONTH if scenario.engage.health is not None else 0.0
        # A customer-month: its health checks, its transitions; a lead: arrival and decision.
        per_customer = 1.0 + checks + _hazards(scenario)
        leads = sum(_lead_rate(scenario, m) for m in range(1, months + 1))
        events = float(points) * runs * (sum(per_month) * per_customer + 2.0 * leads)
    return JobCost(memory_bytes=int(min(memory, 2.0**62)), customers=customers, events=events)


def check_job(
    scenario: Scenario,
    *,
    runs: int,
    months: int,
    engine: str = "mc",
    workers: int = 1,
    points: int = 1,
    metrics: int = len(METRICS),
    memory: int | None = None,
) -> JobCost:
    """Refuse, before it starts, a job that cannot fit in memory or cannot finish.

    Parameters
    ----------
    scenario, runs, months, engine, workers, points, metrics
        As for :func:`estimate_job`.
    memory : int, optional
        Bytes the job may use; by default the memory this machine has.

    Returns
    -------
    JobCost
        The estimate, when the job is possible.

    Raises
    ------
    JobTooLargeError
        With one line saying what the job would take and what to change, e.g.
        ``--runs 10000000 would need 58 GB of memory for its results (this
        machine has 24 GB); use fewer runs``.
    """
    if runs > MAX_RUNS:
        raise JobTooLargeError(f"runs must be at most {MAX_RUNS:,}, got {runs:,}")
    if points > MAX_POINTS:
        raise JobTooLargeError(
            f"the study has {points:,} parameter sets; at most {MAX_POINTS:,} are allowed "
            "(use fewer points or samples)"
        )
    # The schema checks compounding over the scenario's horizon; a run may be longer.
    try:
        o, e = scenario.attract.organic, scenario.evolve
        if o is not None:
            check_organic_growth(
                level(o.leads_per_month, o.cost_per_month), o.growth_per_month, months
            )
        if e is not None:
            check_evolve_gain(e.experiments_per_month, e.win_rate, e.uplift_per_win, months)
    except ValueError as exc:
        raise JobTooLargeError(f"over {months} months, {exc}") from None
    cost = estimate_job(
        scenario,
        runs=runs,
        months=months,
        engine=engine,
        workers=workers,
        points=points,
        metrics=metrics,
    )
    if cost.customers > MAX_CUSTOMERS:
        raise JobTooLargeError(
            f"the customer base could grow to ~{_sci(cost.customers)} in {months} months "
            f"(at most {_sci(MAX_CUSTOMERS)} can be simulated): growth compounds with nothing "
            "to saturate it; set [market] size, or lower "
            "delight.referrals_per_advocate_per_month, "
            "attract.organic.leads_per_promoter_per_month or growth_per_month"
        )
    limit = machine_memory() if memory is None else memory
    if cost.memory_bytes > limit:
        what = f"--runs {runs:,}" if points == 1 else f"{points:,} parameter sets x {runs:,} runs"
        raise JobTooLargeError(
            f"{what} over {months} months would need {_gb(cost.memory_bytes)} of memory for "
            f"its results (this machine has {_gb(limit)}); use fewer runs"
            + (" or points" if points > 1 else "")
        )
    if cost.events > MAX_DES_EVENTS:
        raise JobTooLargeError(
            f"the agent model would process ~{_sci(cost.events)} events "
            f"(at most {_sci(MAX_DES_EVENTS)}); use --engine mc, or fewer runs or months"
        )
    return cost


def machine_memory() -> int:
    """Bytes of physical memory this machine has.

    The total, not what is free at this instant: a job larger than the
    machine can never run, while what is free changes from second to second
    (and a refusal should not depend on it).
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 2**62  # unknown: let the job try
    # A container's own limit (cgroup v2), when it is lower than the machine's.
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            text = f.read().strip()
        if text.isdigit():
            total = min(total, int(text))
    except OSError:
        pass
    return total


def _sci(x: float) -> str:
    """``3e9`` rather than Python's ``3e+09``."""
    mantissa, _, exponent = f"{x:.0e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def _gb(n: float) -> str:
    return f"{n / 1e9:,.0f} GB" if n >= 10e9 else f"{n / 1e9:.1f} GB"


# -- the projection ---------------------------------------------------------------------------


def _lead_rate(s: Scenario, month: int) -> float:
    """Paid and base organic leads in ``month`` (the loops' leads are in the growth factor)."""
    a = s.attract
    rate = 0.0
    for _, p in a.paid_channels():
        if p.leads_per_month is not None:
            rate += level(p.leads_per_month, p.budget_per_month)
        elif p.cost_per_lead is not None:
            rate += p.budget_per_month / p.cost_per_lead
    base = level(a.organic.leads_per_month, a.organic.cost_per_month) if a.organic else 0.0
    if a.organic is not None and base > 0:
        g = math.log1p(a.organic.growth_per_month) * month
        rate += base * math.exp(min(g, 700.0))
    return rate


def _conversion(s: Scenario) -> float:
    """The highest conversion of the fixed lead channels."""
    a = s.attract
    convs = [c.conversion for _, c in a.paid_channels()]
    convs += [a.organic.conversion] if a.organic is not None else []
    return max(convs, default=0.0)


def _loop_growth(s: Scenario) -> float:
    """New customers a month per customer through the promoter and referral loops, at most."""
    d = s.delight
    if d is None:
        return 0.0
    promoters = max(d.nps.healthy.promoter, d.nps.at_risk.promoter)
    growth = 0.0
    organic, referral = s.attract.organic, s.attract.referral
    if organic is not None:
        growth += promoters * organic.leads_per_promoter_per_month * organic.conversion
    if referral is not None:
        advocates = promoters * level(d.ask_accept, d.reward)
        rate = level(d.referrals_per_advocate_per_month, d.reward)
        growth += advocates * rate * referral.conversion
    return growth


def _hazards(s: Scenario) -> float:
    """Transitions a customer makes a month at most: risk, recovery, upsell, churn."""
    e = s.engage
    churn = max(e.churn_per_month.healthy, e.churn_per_month.at_risk, e.onboarding_churn_per_month)
    return e.risk_per_month + e.recovery_per_month + e.upsell_per_month + churn


def _projected_customers(s: Scenario, months: int) -> list[float]:
    """Customers at the end of each month, on the high side: loops compound, churn is the lowest."""
    e = s.engage
    churn = min(e.churn_per_month.healthy, e.churn_per_month.at_risk)
    keep = math.exp(-churn) * (1.0 + _loop_growth(s))
    cap = float(s.market.size) if s.market.size is not None else math.inf
    conv = _conversion(s)
    n = float(s.initial.customers + s.initial.onboarding)
    out = []
    for m in range(1, months + 1):
        n = min(cap, n * keep + _lead_rate(s, m) * conv, 1e300)
        out.append(n)
    return out
