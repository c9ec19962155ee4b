"""``flysim.simulate``: run a scenario many times and collect every metric."""

from __future__ import annotations

from os import PathLike

from flysim._args import check_int
from flysim.breakdown import channel_frame
from flysim.engines import Engine
from flysim.pipeline import resolve_seed, run_variants
from flysim.progress import ProgressArg
from flysim.result import SimulationResult
from flysim.scenario import Scenario, load_scenario

__all__ = ["simulate"]


def simulate(
    scenario: Scenario | str | PathLike[str],
    runs: int | None = None,
    seed: int | None = None,
    engine: str | Engine = "mc",
    months: int | None = None,
    *,
    events: bool = False,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: ProgressArg = None,
    fix_inputs: bool = False,
) -> SimulationResult:
    """Simulate a scenario ``runs`` times and return every metric of every run and month.

    The single-variant case of the run pipeline every study uses
    (``flysim.pipeline.run_variants``).

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario, or a path to a scenario file.
    runs : int, optional
        Number of Monte Carlo runs; defaults to the scenario's ``runs``.
    seed : int, optional
        Seed of every run's random streams; defaults to the scenario's
        ``seed``, else fresh entropy (recorded in the provenance).
    engine : {"mc", "des"} or Engine
        ``"mc"`` (default): the vectorised numpy core, counts per compartment;
        ``"des"``: the SimPy agent model, every customer an agent, with an
        event log. Both give the same distribution of every metric. An engine
        instance (``MCEngine(steps_per_month=8)``) is used as it is.
    months : int, optional
        Months to simulate (1 to 120); defaults to the scenario's horizon.
    events : bool
        Record the event log (``result.events``); agent model only. Memory
        grows with it.
    workers : int, optional
        Processes to spread runs over; every core by default. Results do not
        depend on it.
    chunk_size : int, optional
        Runs per chunk; results do not depend on it.
    progress : bool or callable, optional
        True shows a progress bar; a callable is called with the number of
        runs each finished chunk completed.
    fix_inputs : bool
        Run every uncertain input (a key holding a distribution) at its
        median instead of one draw per run, to see how much of a band is the
        unknown inputs and how much is chance.

    Returns
    -------
    SimulationResult
        Raw ``runs x months x metrics`` data with provenance.

    Raises
    ------
    ValueError, TypeError
        Naming the argument, its value and what is allowed.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = check_int("runs", scenario.scenario.runs if runs is None else runs, 1)
    months = check_int("months", scenario.horizon_months if months is None else months, 1, 120)
    name = engine if isinstance(engine, str) else getattr(engine, "name", "")
    if events and name != "des":
        raise ValueError(
            f"events=True needs engine='des' (the agent model); engine={name!r} "
            "keeps counts per compartment, not agents"
        )
    batch = run_variants(
        [scenario],
        runs=runs,
        seed=resolve_seed(seed, scenario),
        months=months,
        engine=engine,
        workers=workers,
        chunk_size=chunk_size,
        events=events,
        progress=progress,
        fix_inputs=fix_inputs,
    )
    return SimulationResult(
        batch.data[0],
        scenario,
        batch.provenance(scenario),
        events=batch.events,
        inputs=batch.inputs[0],
        paid_channels=(
            channel_frame(batch.channels, batch.channel_names)
            if batch.channels is not None
            else None
        ),
    )
