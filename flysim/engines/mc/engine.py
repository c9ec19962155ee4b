"""The numpy Monte Carlo core (``engine="mc"``): a chunk of runs advanced step by step.

The state is counts per compartment (``flysim.engines.mc.state``), one row per
run, so one step of every run in a chunk is a few dozen array operations and
its cost does not grow with the number of customers. What each step does is in
``attract`` and ``customers``; the step's constants are compiled once
(``plan``); every draw inverts a uniform that belongs to its run
(``uniforms``, ``sampling``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from flysim.engines.base import RawBlock
from flysim.engines.mc.attract import attract, evolve
from flysim.engines.mc.customers import book_checks, check, engage
from flysim.engines.mc.plan import (
    DEFAULT_CLASSES,
    DEFAULT_STEPS_PER_MONTH,
    Plan,
    Schedule,
    make_plan,
    schedule,
)
from flysim.engines.mc.state import State, initial_state
from flysim.engines.mc.uniforms import Stream
from flysim.engines.record import RAW_FIELDS, RAW_INDEX, STOCKS
from flysim.model.rates import compile_rates
from flysim.rng import STREAMS, run_keys
from flysim.scenario.loader import scenario_hash
from flysim.scenario.schema import Scenario
from flysim.units import DAYS_PER_MONTH

__all__ = ["MCEngine"]

#: Raw fields a step adds to: every flow and money field but the fixed spends
#: (set for every month at once); the rest are stocks read at a month's end.
_FIXED_SPENDS: tuple[str, ...] = ("spend_paid", "spend_content", "spend_stack")
_STEP_FLOWS: tuple[str, ...] = tuple(
    f for f in RAW_FIELDS if f not in (*STOCKS, "customers_start", "mrr_referral", *_FIXED_SPENDS)
)


class MCEngine:
    """The vectorised numpy core: all runs of a chunk at once, counts per compartment.

    Parameters
    ----------
    steps_per_month : int
        Steps end at every month's end and weekly check; a stretch between
        those longer than ``30.4375 / steps_per_month`` days is cut into
        equal steps.
    classes : int
        Equal-probability quantile classes of the Gamma churn multiplier.
    """

    name = "mc"
    #: Runs per chunk the executor should aim for: large enough to amortise
    #: numpy's per-call overhead (a step costs the same few hundred calls
    #: whatever the chunk), small enough to keep memory flat (~15 kB a run).
    max_chunk = 5000
    min_chunk = 500
    #: Chunks per worker by default: few, since a chunk of the core is fast.
    chunks_per_worker = 2

    def __init__(
        self, steps_per_month: int = DEFAULT_STEPS_PER_MONTH, classes: int = DEFAULT_CLASSES
    ) -> None:
        if steps_per_month < 1:
            raise ValueError(f"steps_per_month must be >= 1, got {steps_per_month}")
        if classes < 1:
            raise ValueError(f"classes must be >= 1, got {classes}")
        self.steps_per_month = steps_per_month
        self.classes = classes

    def run_block(
        self,
        scenario: Scenario,
        seed: int,
        runs: Sequence[int],
        months: int,
        *,
        record_events: bool = False,
    ) -> RawBlock:
        """Simulate a block of runs at once; see ``Engine.run_block``."""
        if record_events:
            raise ValueError(
                "the mc engine keeps counts, not agents, so it has no event log; "
                "use engine='des' for events"
            )
        run_ids = np.asarray(list(runs), dtype=np.int64)
        # The arrays are small and many: BLAS threads only contend (with each
        # other and with the worker processes), so the core runs on one. The
        # compile step too: its 9 x 9 matrix exponentials took 7 ms each with
        # threads contending, 15 us without (0.65 s per scenario, now 5 ms).
        with threadpool_limits(limits=1, user_api="blas"):
            grid, plans = _compiled(scenario, months, self.steps_per_month, self.classes)
            raw = _simulate(plans, grid, seed, run_ids, months)
        return RawBlock(runs=run_ids, raw=raw, events=None, n_events=len(grid.ends) * len(run_ids))


#: Compiled grids and step plans by (scenario hash, months, steps, classes): a
#: worker simulating many chunks of one scenario compiles it once.
_COMPILED: dict[tuple[str, int, int, int], tuple[Schedule, dict[float, Plan]]] = {}


def _compiled(
    scenario: Scenario, months: int, steps_per_month: int, classes: int
) -> tuple[Schedule, dict[float, Plan]]:
    key = (scenario_hash(scenario), months, steps_per_month, classes)
    if key not in _COMPILED:
        rates = compile_rates(scenario)
        grid = schedule(months, steps_per_month, rates.health is not None)
        plans: dict[float, Plan] = {}
        for dt in np.round(grid.ends - grid.starts, 9):
            if float(dt) not in plans:
                plans[float(dt)] = make_plan(rates, float(dt), classes)
        if len(_COMPILED) >= 8:
            _COMPILED.clear()
        _COMPILED[key] = (grid, plans)
    return _COMPILED[key]


def _simulate(
    plans: dict[float, Plan], grid: Schedule, seed: int, run_ids: np.ndarray, months: int
) -> np.ndarray:
    any_plan = next(iter(plans.values()))
    r = any_plan.rates
    n = len(run_ids)
    keys = run_keys(seed, run_ids)
    streams = {name: Stream(keys[:, j]) for j, name in enumerate(STREAMS)}
    state = initial_state(any_plan, n, streams["initial"])
    tier_mrr = np.asarray(r.tier_mrr[: any_plan.tiers], dtype=float)

    raw = np.zeros((n, months, len(RAW_FIELDS)))
    for name, amount in zip(
        _FIXED_SPENDS, (r.budget_paid, r.content_cost, r.stack_cost), strict=True
    ):
        raw[:, :, RAW_INDEX[name]] = amount
    raw[:, 0, RAW_INDEX["customers_start"]] = state.customers()
    mrr, _ = state.mrr(tier_mrr)
    flows = {name: np.zeros(n) for name in _STEP_FLOWS}

    month = 0
    for step, (t0, t1) in enumerate(zip(grid.starts, grid.ends, strict=True)):
        plan = plans[float(np.round(t1 - t0, 9))]
        for s in streams.values():
            s.at_step(step + 1)  # step 0's counters belong to the initial state
        converted = attract(plan, state, float(t0), streams, flows)
        flows["spend_onboarding"] += converted.sum(axis=1) * r.onboarding_cost
        flows["spend_rewards"] += converted[:, 2] * r.reward
        evolve(plan, state, streams["evolve"], flows)
        engage(plan, state, converted, streams["customers"], flows)
        # A check exactly on a month's end belongs to the next month, after
        # the stocks are read (as in the agent model).
        if grid.check[step] and not grid.month_end[step]:
            check(plan, state, streams["health"])
        mrr_end, mrr_referral = state.mrr(tier_mrr)
        # The trapezoid: customers' states are exact at step ends.
        flows["revenue"] += 0.5 * (mrr + mrr_end) * plan.dt / DAYS_PER_MONTH
        mrr = mrr_end
        if grid.month_end[step]:
            if r.health is not None:
                book_checks(plan, state, streams["health"], flows)
            row = raw[:, month]
            for name, value in flows.items():
                row[:, RAW_INDEX[name]] += value
                value[:] = 0.0
            _snapshot(row, state, mrr, mrr_referral)
            month += 1
            if month < months:
                raw[:, month, RAW_INDEX["customers_start"]] = state.customers()
            if grid.check[step]:
                check(plan, state, streams["health"])
    return raw


def _snapshot(row: np.ndarray, state: State, mrr: np.ndarray, mrr_referral: np.ndarray) -> None:
    """Month-end stocks into one month's raw row, ``(runs, fields)``."""
    nps = state.nps_counts()
    stocks = {
        "onboarding": state.onboard.sum(axis=(1, 2)),
        "healthy": state.value[:, :, :, 0].sum(axis=(1, 2, 3)),
        "at_risk": state.value[:, :, :, 1].sum(axis=(1, 2, 3)),
        "promoters": nps[:, 0],
        "passives": nps[:, 1],
        "detractors": nps[:, 2],
        "advocates": state.advocates(),
        "open_leads": state.leads.sum(axis=1),
        "mrr": mrr,
        "mrr_referral": mrr_referral,
    }
    for name, value in stocks.items():
        row[:, RAW_INDEX[name]] = value
