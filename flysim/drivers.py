"""What drives a result's spread: each uncertain input's share of a metric's variance.

A result whose scenario has uncertain inputs keeps every run's draws
(``SimulationResult.inputs``). :func:`drivers` attributes the variance of one
metric at one month across runs to those inputs, by the given-data method of
:func:`flysim.uncertainty.variance_shares` (first-order shares by
equal-frequency bins: no new runs); :func:`drivers_frame` does it for several
metrics at once, as ``flysim run`` prints it and writes ``drivers.csv``.

A share is ``Var(E[metric | input]) / Var(metric)``: how much of the spread
would go if that input alone were known. Shares of independent inputs add to
at most 1 (the rest is chance, the runs' own randomness, and interactions);
with correlated inputs each share also counts what the input explains through
its correlates, so shares can add to more than 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from flysim._args import check_int
from flysim.uncertainty import DriversError, variance_shares

if TYPE_CHECKING:
    from flysim.result import SimulationResult

__all__ = [
    "DRIVERS_FILE",
    "DRIVER_KPIS",
    "NoInputsError",
    "drivers",
    "drivers_frame",
    "saved_drivers",
]

#: The headline KPIs whose drivers ``flysim run`` prints and ``drivers.csv`` holds.
DRIVER_KPIS: tuple[str, ...] = ("customers", "mrr", "ltv_cac", "contribution_cumulative")
#: The file of a run's results folder that holds :func:`drivers_frame`.
DRIVERS_FILE = "drivers.csv"


class NoInputsError(ValueError):
    """A result without drawn inputs: there is nothing to attribute its spread to."""


def _no_inputs(result: SimulationResult) -> NoInputsError:
    if result.scenario.uncertain:
        why = (
            "its uncertain inputs were fixed at their medians (fix_inputs / --fix-inputs), "
            "so its spread is chance alone"
        )
    else:
        why = "its scenario has no uncertain inputs (no key holds a distribution)"
    return NoInputsError(f"{result.name!r} has no drawn inputs to attribute the spread to: {why}")


def drivers(
    result: SimulationResult,
    metric: str,
    month: int | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Each uncertain input's share of one metric's variance across runs, at one month.

    Parameters
    ----------
    result : SimulationResult
        A result simulated with its inputs drawn (``result.inputs`` is a frame).
    metric : str
        A metric name (``flysim metrics`` lists them).
    month : int, optional
        1-based month; the horizon by default.
    n_boot : int
        Bootstrap resamples of the runs for the 95 % interval (0 for none).
    seed : int
        Seeds the bootstrap, so a table can be reproduced.

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``share``, ``ci_low``, ``ci_high``, largest share
        first (see :func:`flysim.uncertainty.variance_shares`, whose ``attrs``
        it keeps); ``attrs`` also holds ``metric`` and ``month``.

    Raises
    ------
    NoInputsError
        (a ``ValueError``) When the result has no drawn inputs.
    KeyError
        For an unknown metric.
    ValueError
        For a month outside ``1..n_months``, or fewer than 20 runs with a value.
    """
    if result.inputs is None or result.inputs.shape[1] == 0:
        raise _no_inputs(result)
    values = result.metric(metric)
    month = result.n_months if month is None else check_int("month", month, 1, result.n_months)
    table = variance_shares(result.inputs, values[:, month - 1], n_boot=n_boot, seed=seed)
    table.attrs.update(metric=metric, month=month)
    return table


def drivers_frame(
    result: SimulationResult,
    metrics: Sequence[str] = DRIVER_KPIS,
    month: int | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`drivers` of several metrics at one month, as one tidy frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric``, ``month``, ``input``, ``share``, ``ci_low``,
        ``ci_high``, ``runs`` (runs with a value of the metric); within a
        metric the largest share first.
    """
    parts = []
    for metric in metrics:
        table = drivers(result, metric, month, n_boot=n_boot, seed=seed)
        table.insert(0, "month", table.attrs["month"])
        table.insert(0, "metric", metric)
        table["runs"] = table.attrs["runs"]
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def saved_drivers(result: SimulationResult) -> pd.DataFrame | None:
    """:func:`drivers_frame` of the headline KPIs for the results folder, or None.

    None for a result without drawn inputs, or with too few runs to attribute
    its spread (fewer than 20 with a value): the folder then has no
    ``drivers.csv`` rather than no folder at all.
    """
    if result.inputs is None or result.inputs.shape[1] == 0:
        return None
    try:
        return drivers_frame(result)
    except DriversError:
        return None
