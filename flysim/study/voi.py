"""What is worth measuring next: the value of learning each uncertain input before choosing.

For plans compared run by run (:func:`flysim.compare`), the net benefit of
plan ``d`` in run ``r`` is an outcome of that run (cumulative contribution,
gross profit minus all spend, at the horizon by default). Runs share their
draws of an input every plan holds, because each draw's stream is keyed by
the seed, the run and the key's path; so the runs are a sample of
(inputs, net benefit of every plan) and the expected value of partial
perfect information of each input (EVPPI) follows by the nonparametric
regression method of Strong, Oakley and Brennan (2014), as
:func:`flysim.uncertainty.evppi_table` implements it. EVPI, the value of
learning every input and the runs' own luck, bounds them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flysim._args import check_int
from flysim.pipeline import check_metric
from flysim.result import SimulationResult
from flysim.uncertainty import evppi_table

__all__ = ["VOI_FILE", "VOI_OUTCOME", "shared_inputs", "value_of_information"]

#: The default outcome: cumulative gross profit minus spend (MODEL.md).
VOI_OUTCOME = "contribution_cumulative"
#: The file of a comparison's folder that holds the table.
VOI_FILE = "value_of_information.csv"


def shared_inputs(results: Sequence[SimulationResult]) -> pd.DataFrame | None:
    """The union of the results' drawn inputs, one column per key, None if none drew any.

    A key several results hold is taken from the first of them: with one seed
    and one law its draws are the same run by run in every result.
    """
    columns: dict[str, np.ndarray] = {}
    for result in results:
        if result.inputs is None:
            continue
        for key in result.inputs.columns:
            columns.setdefault(str(key), result.inputs[key].to_numpy(dtype=float))
    if not columns:
        return None
    frame = pd.DataFrame(columns)
    frame.index.name = "run"
    return frame


def value_of_information(
    results: Sequence[SimulationResult],
    names: Sequence[str],
    outcome: str = VOI_OUTCOME,
    month: int | None = None,
) -> pd.DataFrame:
    """EVPPI of every uncertain input for the choice between the results' plans.

    Parameters
    ----------
    results : sequence of SimulationResult
        Two or more plans simulated with one seed and the same runs.
    names : sequence of str
        The plans' names, one per result.
    outcome : str
        The metric a plan is judged on, higher is better; its value at
        ``month`` is each run's net benefit.
    month : int, optional
        1-based month; the horizon by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``evppi`` (in the outcome's unit, the currency for
        money) and ``share_of_evpi``, largest first. ``attrs``: ``evpi``,
        ``runs``, ``outcome``, ``month``, ``expected`` (each plan's mean
        outcome, by name) and ``best`` (the plan with the largest).

    Raises
    ------
    ValueError
        When no result drew uncertain inputs (none has any, or they were
        fixed), for an unknown metric or a month out of range, or when the
        outcome is missing in some run.
    """
    outcome = check_metric(outcome)
    months = results[0].n_months
    month = months if month is None else check_int("month", month, 1, months)
    inputs = shared_inputs(results)
    if inputs is None:
        raise ValueError(
            "no compared scenario has drawn uncertain inputs (none holds a distribution, "
            "or they were fixed at their medians): there is nothing to learn before choosing"
        )
    nb = np.column_stack([r.metric(outcome)[:, month - 1] for r in results])
    if not np.isfinite(nb).all():
        raise ValueError(
            f"{outcome} is missing at month {month} in some runs; value of information "
            "needs an outcome every run has (contribution_cumulative, say)"
        )
    table = evppi_table(nb, inputs)
    means = nb.mean(axis=0)
    expected = {str(n): float(v) for n, v in zip(names, means, strict=True)}
    table.attrs.update(
        outcome=outcome, month=month, expected=expected, best=str(names[int(means.argmax())])
    )
    return table
