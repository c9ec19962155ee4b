"""``flysim.compare``: simulate scenarios with one seed and the same runs, and pair them.

The :class:`~flysim.study.comparison.Comparison` it returns holds the paired
results, their tables, decisions, value of information, plots and saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from flysim._args import check_int
from flysim.engines import Engine
from flysim.pipeline import resolve_seed, run_variants
from flysim.progress import ProgressArg
from flysim.result import SimulationResult
from flysim.scenario import Overrides, Scenario, apply_overrides, load_scenario
from flysim.study.comparison import COMPARE_KPIS, Comparison
from flysim.study.decisions import Thresholds

__all__ = ["COMPARE_KPIS", "Comparison", "compare"]


def compare(
    scenarios: Sequence[Scenario | str | PathLike[str]],
    *,
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    overrides: Overrides | None = None,
    thresholds: Thresholds | None = None,
    engine: str | Engine = "mc",
    workers: int | None = None,
    progress: ProgressArg = None,
    fix_inputs: bool = False,
) -> Comparison:
    """Simulate every scenario with the same seed and runs, and pair their runs.

    Parameters
    ----------
    scenarios : sequence of Scenario or path
        Two or more; the first is the baseline every difference is taken to.
    runs : int, optional
        Runs per scenario; defaults to the first scenario's ``runs``.
    seed : int, optional
        Shared by every scenario; defaults to the first scenario's seed.
    months : int, optional
        Defaults to the first scenario's horizon.
    overrides : mapping or iterable of str, optional
        ``--set`` style changes applied to every scenario.
    thresholds : Thresholds, optional
        For the decision probabilities; defaults to LTV:CAC >= 3, break-even
        by month 8, payback within 12 months.
    engine, workers, progress
        As for :func:`flysim.simulate`; ``progress`` counts scenarios.
    fix_inputs : bool
        Run every uncertain input at its median instead of a draw per run;
        otherwise run ``r`` of every scenario draws the same value of every
        input they share (the streams are keyed by run and key path).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        For fewer than two scenarios, or an argument out of range.
    ScenarioError
        For a scenario that does not load.
    """
    if isinstance(scenarios, str | PathLike) or len(scenarios) < 2:
        n = 1 if isinstance(scenarios, str | PathLike) else len(scenarios)
        raise ValueError(f"compare needs at least two scenarios, got {n}")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if overrides:
        loaded = [apply_overrides(s, overrides) for s in loaded]
    first = loaded[0]
    runs = check_int("runs", first.scenario.runs if runs is None else runs, 1)
    months = check_int("months", first.horizon_months if months is None else months, 1, 120)
    batch = run_variants(
        loaded,
        runs=runs,
        seed=resolve_seed(seed, first),
        months=months,
        engine=engine,
        workers=workers,
        progress=progress,
        label="compare",
        unit="scenarios",
        fix_inputs=fix_inputs,
    )
    inputs = batch.inputs or (None,) * len(loaded)
    results = [
        SimulationResult(batch.data[i], s, batch.provenance(s), inputs=inputs[i])
        for i, s in enumerate(loaded)
    ]
    return Comparison(results, _unique_names(loaded), thresholds or Thresholds())


def _unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Scenario names, made unique with the file name or a number where two share one."""
    names = [s.name for s in scenarios]
    out = []
    for i, s in enumerate(scenarios):
        name = names[i]
        if names.count(name) > 1:
            stem = Path(s.source).stem if s.source else ""
            name = f"{name} ({stem})" if stem and stem != name else f"{name} #{i + 1}"
        out.append(name)
    if len(set(out)) < len(out):
        out = [f"{n} #{i + 1}" for i, n in enumerate(out)]
    return out
