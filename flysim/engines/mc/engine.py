"""The numpy Monte Carlo core (``engine="mc"``): a chunk of runs advanced step by step.

The state is counts per compartment (``flysim.engines.mc.state``), one row per
run, so one step of every run in a chunk is a few dozen array operations and
its cost does not grow with the number of customers. What each step does is in
``attract`` and ``customers``; the step's constants are compiled once
(``plan``); every draw inverts a uniform that belongs to its run
(``uniforms``, ``sampling``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import threadpool_limits

from flysim.engines.base import PAID_FIELDS, RawBlock, paid_budgets
from flysim.engines.mc import tally as stocks
from flysim.engines.mc.attract import Feedback, attract, drivers, evolve
from flysim.engines.mc.customers import book_checks, check, engage
from flysim.engines.mc.plan import (
    DEFAULT_CLASSES,
    DEFAULT_STEPS_PER_MONTH,
    Plan,
    Plans,
    Structure,
    make_plans,
    stack_plans,
    structure,
    union_structure,
)
from flysim.engines.mc.schedule import Schedule, schedule
from flysim.engines.mc.state import State, initial_state
from flysim.engines.mc.uniforms import Stream
from flysim.engines.mc.warm import PREPARING, compiled_state, warm_up
from flysim.engines.record import RAW_FIELDS, RAW_INDEX, STOCKS
from flysim.model.hazards import hazard_probability
from flysim.model.params import ParameterTable
from flysim.model.rates import ModelRates
from flysim.rng import STREAMS, extra_keys, run_keys
from flysim.units import DAYS_PER_MONTH

__all__ = ["MCEngine"]

#: Raw fields a step adds to: every flow and money field but the fixed spends
#: (set for every month at once); the rest are stocks read at a month's end.
_FIXED_SPENDS: dict[str, str] = {
    "spend_paid": "budget_paid",
    "spend_content": "content_cost",
    "spend_stack": "stack_cost",
}
_STEP_FLOWS: tuple[str, ...] = tuple(
    f
    for f in RAW_FIELDS
    if f not in (*STOCKS, "customers_start", "mrr_start", "mrr_referral", *_FIXED_SPENDS)
)


#: Parameter sets advanced together in one pass at most.
_MAX_SETS = 256


class MCEngine:
    """The vectorised numpy core: all runs of a chunk at once, counts per compartment.

    Parameters
    ----------
    steps_per_month : int
        Steps end at every month's end and weekly check; a stretch between
        those longer than ``30.4375 / steps_per_month`` days is cut into
        equal steps.
    classes : int
        Churn classes of the Gamma churn multiplier (``gamma_classes``).
    """

    name = "mc"
    #: Runs per chunk the executor should aim for: large enough to amortise
    #: numpy's per-call overhead (a step costs the same few hundred calls
    #: whatever the chunk), small enough to keep memory flat (~15 kB a run).
    max_chunk = 5000
    min_chunk = 500
    #: Chunks per worker by default: few, since a chunk of the core is fast.
    chunks_per_worker = 2

    @property
    def preparing(self) -> str | None:
        """What ``prepare`` will do: compile (the first run after an install), load, or nothing."""
        return PREPARING[compiled_state()]

    def __init__(
        self, steps_per_month: int = DEFAULT_STEPS_PER_MONTH, classes: int = DEFAULT_CLASSES
    ) -> None:
        if steps_per_month < 1:
            raise ValueError(f"steps_per_month must be >= 1, got {steps_per_month}")
        if classes < 1:
            raise ValueError(f"classes must be >= 1, got {classes}")
        self.steps_per_month = steps_per_month
        self.classes = classes

    def prepare(self) -> None:
        """Compile the core's numba functions, or load them from numba's disk cache.

        The first run after an install or an upgrade compiles them (about
        10 s on a 2-core machine, where a helper process takes the customer
        step; 13 to 16 s on one core); later runs load them (about 0.4 s).
        The pipeline calls this before the worker pool forks, so the workers
        inherit the compiled code.
        """
        warm_up()

    def run_block(
        self,
        table: ParameterTable,
        seed: int,
        sets: np.ndarray,
        runs: np.ndarray,
        months: int,
        *,
        record_events: bool = False,
    ) -> RawBlock:
        """Simulate a block of runs at once; see ``Engine.run_block``.

        Runs whose parameter sets share a structure (the shapes of the
        compartments and the order of the draws) advance together, in one
        vectorised pass whatever their parameters.
        """
        if record_events:
            raise ValueError(
                "the mc engine keeps counts, not agents, so it has no event log; "
                "use engine='des' for events"
            )
        sets = np.asarray(sets, dtype=np.int64)
        run_ids = np.asarray(runs, dtype=np.int64)
        names = table.paid_names()
        shape = (len(run_ids), months, len(names), len(PAID_FIELDS))
        by_channel = np.empty(shape) if len(names) > 1 else None
        n_steps, parts = 0, []
        # BLAS threads only contend on arrays this small (with each other and
        # the workers): one thread. The compile step's 9 x 9 matrix exponentials
        # took 7 ms each with threads contending, 15 us without.
        with threadpool_limits(limits=1, user_api="blas"):
            for rows, members in self._groups(table, sets, months):
                sub = table.subset(members)
                local = np.searchsorted(members, sets[rows])
                grid, epochs = self._compiled(sub, months)
                simulated, paid = _simulate(
                    epochs,
                    grid,
                    seed,
                    run_ids[rows],
                    local,
                    months,
                    names if by_channel is not None else (),
                )
                parts.append((rows, simulated))
                if by_channel is not None:
                    by_channel[rows] = paid
                n_steps += len(grid.ends) * len(rows)
        # One structure (the usual case) holds every row in order: no copy.
        raw = parts[0][1] if len(parts) == 1 else np.empty((len(run_ids), months, len(RAW_FIELDS)))
        for rows, simulated in parts if len(parts) > 1 else ():
            raw[rows] = simulated
        return RawBlock(
            runs=run_ids,
            raw=raw,
            sets=sets,
            events=None,
            n_events=n_steps,
            channels=by_channel,
            channel_names=names if by_channel is not None else (),
        )

    def _groups(
        self, table: ParameterTable, sets: np.ndarray, months: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Rows of the block by structure: ``(rows, parameter sets among them)`` each."""
        keys: dict[int, tuple[object, ...]] = {}
        for s in np.unique(sets):
            rows = [r for _, r in table.timeline(int(s))]
            st = union_structure(rows, self.classes)
            grid = schedule(months, self.steps_per_month, st.checks)
            keys[int(s)] = (st, _ask_months(table.timeline(int(s)), grid, months))
        by_key: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for s, key in keys.items():
            by_key[key].append(s)
        out = []
        for members in by_key.values():
            # A pass stacks each set's step plans; runs with their own parameters
            # (uncertain inputs) would stack thousands, so a pass takes at most
            # _MAX_SETS of them (a few tens of MB).
            ordered = sorted(members)
            for i in range(0, len(ordered), _MAX_SETS):
                m = np.asarray(ordered[i : i + _MAX_SETS], dtype=np.int64)
                out.append((np.flatnonzero(np.isin(sets, m)), m))
        return out

    def _compiled(self, table: ParameterTable, months: int) -> tuple[Schedule, list[_Epoch]]:
        """The grid, and the stacked plans of one structure's sets in each epoch.

        An epoch runs from a month in which some set's parameters change (or
        month 0) to the next such month; in it every set has one row in force.
        """
        st = union_structure(
            [r for i in range(len(table)) for _, r in table.timeline(i)], self.classes
        )
        grid = schedule(months, self.steps_per_month, st.checks)
        epochs = []
        for start in (0, *(m for m in table.change_months() if 0 < m < months)):
            now = table.at_month(start)
            here = replace(st, instant_ask=structure(now.rows[0], self.classes).instant_ask)
            per_set = [_plans(r, grid, self.classes, here) for r in now.rows]
            plans = {dt: stack_plans(now, [p[dt] for p in per_set], here) for dt in per_set[0]}
            epochs.append(_Epoch(start, plans, now))
        return grid, epochs


@dataclass(frozen=True)
class _Epoch:
    """The months from ``start`` to the next epoch: the step plans and the rows in force."""

    start: int
    plans: dict[float, Plans]
    table: ParameterTable


def _step_lengths(grid: Schedule) -> list[float]:
    return sorted({float(dt) for dt in np.round(grid.ends - grid.starts, 9)})


#: Compiled step plans by (parameter row, classes, step lengths, structure): a
#: worker simulating many chunks of one scenario compiles it once. A plan over
#: time has a row per changed month, so the cache holds a few hundred.
_COMPILED: dict[tuple[str, int, tuple[float, ...], Structure], dict[float, Plan]] = {}


def _plans(rates: ModelRates, grid: Schedule, classes: int, st: Structure) -> dict[float, Plan]:
    """The plan of every step length of ``grid`` for one row of parameters, cached."""
    lengths = _step_lengths(grid)
    key = (repr(rates), classes, tuple(lengths), st)
    if key not in _COMPILED:
        if len(_COMPILED) >= 512:
            _COMPILED.clear()
        _COMPILED[key] = make_plans(rates, lengths, classes, st)
    return _COMPILED[key]


def _ask_months(
    timeline: tuple[tuple[int, ModelRates], ...], grid: Schedule, months: int
) -> tuple[tuple[bool, ...], ...]:
    """Per month, at which step lengths the ask is certain within a step (asked on arrival).

    It is the plan's ``p_ask`` reaching 1, read off the hazard directly so
    that grouping rows compiles nothing.
    """
    lengths = np.array(_step_lengths(grid))
    patterns = [
        tuple(bool(x) for x in hazard_probability(rates.ask_rate, lengths) >= 1.0)
        if rates.nps_on
        else (False,) * len(lengths)
        for _, rates in timeline
    ]
    starts = [m for m, _ in timeline]
    return tuple(patterns[int(np.searchsorted(starts, m, side="right")) - 1] for m in range(months))


def _simulate(
    epochs: list[_Epoch],
    grid: Schedule,
    seed: int,
    run_ids: np.ndarray,
    sets: np.ndarray,
    months: int,
    names: tuple[str, ...] = (),
) -> tuple[np.ndarray, np.ndarray | None]:
    """The raw months of a block of one structure, and its paid channels' breakdown.

    The breakdown, ``(runs, months, len(names), len(PAID_FIELDS))``, is kept
    only when ``names`` (the paid channels of the whole table) are given.
    """
    n = len(run_ids)
    keys = run_keys(seed, run_ids)
    streams = {name: Stream(keys[:, j]) for j, name in enumerate(STREAMS)}
    epoch = 0
    plans, params = epochs[0].plans, epochs[0].table.per_run(sets)
    any_plan = next(iter(plans.values()))
    extra = any_plan.structure.paid_extra
    for k in extra:
        streams[k] = Stream(extra_keys(seed, run_ids, k))
    by: np.ndarray | None = None
    paid_flows: np.ndarray | None = None
    if names:
        by = np.zeros((n, months, len(names), len(PAID_FIELDS)))
        paid_flows = np.zeros((n, 1 + len(extra), 2))
        extra_cols = [names.index(k.split(":", 1)[1]) for k in extra]
        first_col = _first_columns(epochs[0].table, sets, names)
    state = initial_state(any_plan, sets, streams["initial"])
    tier_mrr = any_plan.tier_mrr

    raw = np.zeros((n, months, len(RAW_FIELDS)))
    starts = [e.start for e in epochs]
    for m in range(months):
        in_force = epochs[int(np.searchsorted(starts, m, side="right")) - 1].table.per_run(sets)
        for name, column in _FIXED_SPENDS.items():
            raw[:, m, RAW_INDEX[name]] = getattr(in_force, column)
        if by is not None:
            at = epochs[int(np.searchsorted(starts, m, side="right")) - 1].table
            by[:, m, :, PAID_FIELDS.index("spend")] = paid_budgets(at.rows, names)[sets]
    raw[:, 0, RAW_INDEX["customers_start"]] = state.customers()
    mrr, _ = state.mrr(tier_mrr)
    raw[:, 0, RAW_INDEX["mrr_start"]] = mrr
    flows = {name: np.zeros(n) for name in _STEP_FLOWS}

    month = 0
    # Arrivals read the state through the drivers at each step's midpoint
    # (``Feedback``); ``x0`` holds them at the step's start.
    arrivals = any(any_plan.structure.channels) or bool(extra)
    feedback = Feedback()
    x0 = drivers(state) if arrivals else None
    # A check's rescues redraw NPS categories (promoters, advocates) at once.
    rescues_move_drivers = bool(any_plan.structure.triggers) and any_plan.structure.nps_on
    for step, (t0, t1) in enumerate(zip(grid.starts, grid.ends, strict=True)):
        plan = plans[float(np.round(t1 - t0, 9))]
        for s in streams.values():
            s.at_step(step + 1)  # step 0's counters belong to the initial state
        means = feedback.means(plan, params, float(t0), x0) if x0 is not None else None
        converted = attract(plan, params, state, float(t0), streams, flows, paid_flows, means)
        flows["spend_onboarding"] += converted.sum(axis=1) * params.onboarding_cost
        flows["spend_rewards"] += converted[:, 2] * params.reward
        evolve(plan, params, state, streams["evolve"], flows)
        engage(plan, state, converted, streams["customers"], flows)
        if x0 is not None:
            x1 = drivers(state)
            feedback.advance(plan, params, float(t0), x0, x1)
            x0 = x1
        # A check exactly on a month's end belongs to the next month, after
        # the stocks are read (as in the agent model).
        if grid.check[step] and not grid.month_end[step]:
            check(plan, state, streams["health"])
        mrr_end, mrr_referral = state.mrr(tier_mrr)
        # The trapezoid: customers' states are exact at step ends.
        flows["revenue"] += 0.5 * (mrr + mrr_end) * plan.dt / DAYS_PER_MONTH
        mrr = mrr_end
        if grid.month_end[step]:
            if any_plan.structure.checks:
                book_checks(plan, state, streams["health"], flows)
            row = raw[:, month]
            for name, value in flows.items():
                row[:, RAW_INDEX[name]] += value
                value[:] = 0.0
            _snapshot(row, state, mrr, mrr_referral)
            if by is not None and paid_flows is not None:
                by[np.arange(n), month, first_col, :2] += paid_flows[:, 0]
                for j, col in enumerate(extra_cols):
                    by[:, month, col, :2] += paid_flows[:, 1 + j]
                paid_flows[:] = 0.0
            month += 1
            if epoch + 1 < len(epochs) and epochs[epoch + 1].start == month:
                # A change takes effect at the month's start, before its
                # opening stocks are read: a new price reprices the base.
                epoch += 1
                plans, params = epochs[epoch].plans, epochs[epoch].table.per_run(sets)
                tier_mrr = next(iter(plans.values())).tier_mrr
                mrr, _ = state.mrr(tier_mrr)
                if by is not None:
                    first_col = _first_columns(epochs[epoch].table, sets, names)
            if month < months:
                raw[:, month, RAW_INDEX["customers_start"]] = state.customers()
                raw[:, month, RAW_INDEX["mrr_start"]] = mrr
            if grid.check[step]:
                check(plans[float(np.round(t1 - t0, 9))], state, streams["health"])
        if grid.check[step] and x0 is not None and rescues_move_drivers:
            x0 = drivers(state)  # the rescues moved promoters and advocates
    return raw, by


def _first_columns(table: ParameterTable, sets: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Each run's breakdown column of its first paid channel (stream "paid")."""
    cols = [names.index(r.paid[0].name) if r.paid else 0 for r in table.rows]
    return np.asarray(cols, dtype=np.int64)[sets]


def _snapshot(row: np.ndarray, state: State, mrr: np.ndarray, mrr_referral: np.ndarray) -> None:
    """Month-end stocks into one month's raw row, ``(runs, fields)``."""
    t = state.tally()  # the step's last tally: no recount
    read = {
        "onboarding": t[:, stocks.ONBOARDING],
        "healthy": t[:, stocks.HEALTHY_N],
        "at_risk": t[:, stocks.AT_RISK_N],
        "promoters": t[:, stocks.PROMOTERS],
        "passives": t[:, stocks.PASSIVES],
        "detractors": t[:, stocks.DETRACTORS],
        "advocates": t[:, stocks.ADVOCATES],
        "open_leads": state.open_leads(),
        "mrr": mrr,
        "mrr_referral": mrr_referral,
    }
    for name, value in read.items():
        row[:, RAW_INDEX[name]] = value
