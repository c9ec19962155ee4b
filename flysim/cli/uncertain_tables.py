"""The tables ``flysim run`` and ``compare`` print about uncertain inputs: pure functions, no I/O.

:func:`drivers_table` is what drives the spread of the headline KPIs (one row
per input, one column per KPI); :func:`voi_table` is what learning each input
before choosing between plans is worth.
"""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from flysim.metrics.catalogue import metric_info
from flysim.metrics.formatting import format_value

__all__ = [
    "DRIVERS_MIN_RUNS",
    "FIXED_NOTE",
    "VOI_MIN_RUNS",
    "drivers_note",
    "drivers_table",
    "voi_note",
    "voi_table",
]

#: Printed under the header of a run or comparison whose inputs were fixed.
FIXED_NOTE = "Uncertain inputs fixed at their medians (--fix-inputs): the bands are chance alone."

#: Runs with a value that the drivers need (``flysim.uncertainty.drivers``).
DRIVERS_MIN_RUNS = 20

#: Runs the value of information needs (``flysim.uncertainty.evppi``).
VOI_MIN_RUNS = 20

#: Inputs shown at most; the rest are in drivers.csv.
MAX_DRIVER_ROWS = 8


def _share_cell(share: float, low: float, high: float) -> str:
    if not math.isfinite(share):
        return "–"
    if math.isfinite(low) and math.isfinite(high):
        return f"{share:.0%} [{low * 100:.0f}–{high * 100:.0f}]"
    return f"{share:.0%}"


def drivers_table(frame: pd.DataFrame, *, max_rows: int = MAX_DRIVER_ROWS) -> Table:
    """Each input's share of each KPI's variance across runs, with its 95 % interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``SimulationResult.drivers_frame()``: ``metric``, ``month``, ``input``,
        ``share``, ``ci_low``, ``ci_high``.
    max_rows : int
        Inputs shown at most, those with the largest share of any KPI first.
    """
    metrics = list(dict.fromkeys(frame["metric"]))
    month = int(frame["month"].iloc[0])
    order = frame.groupby("input")["share"].max().sort_values(ascending=False, kind="stable")
    shown = list(order.index[:max_rows])
    table = Table(
        title=f"What drives the spread at month {month}: share of each KPI's variance "
        "across runs [95 % CI]",
        title_justify="left",
    )
    table.add_column("Uncertain input", no_wrap=True)
    for m in metrics:
        table.add_column(metric_info(m).label or metric_info(m).title, justify="right")
    cells = frame.set_index(["input", "metric"])
    for name in shown:
        row = [str(name)]
        for m in metrics:
            r = cells.loc[(name, m)]
            row.append(_share_cell(r["share"], r["ci_low"], r["ci_high"]))
        table.add_row(*row)
    return table


def drivers_note(frame: pd.DataFrame, *, correlated: bool, max_rows: int = MAX_DRIVER_ROWS) -> str:
    """What a share is, and why shares can add to more than 100 %, under the drivers table."""
    n_inputs = frame["input"].nunique()
    more = f" {n_inputs - max_rows} more inputs in drivers.csv." if n_inputs > max_rows else ""
    runs = int(frame["runs"].max())
    base = (
        f"First-order share of the variance across {runs:,} runs (equal-frequency bins, "
        "given data): the part of the spread that would go if that input alone were known."
    )
    if correlated:
        tail = (
            " Correlated inputs share credit for what they explain together, so a "
            "column can add to more than 100 %."
        )
    else:
        tail = " The inputs are independent: the rest of a column is chance and interactions."
    return base + tail + more


def voi_table(frame: pd.DataFrame, *, outcome: str, month: int, currency: str) -> Table:
    """EVPPI of each uncertain input in money, and its share of EVPI.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``Comparison.value_of_information()``: ``input``, ``evppi``,
        ``share_of_evpi``; ``attrs["evpi"]``.
    outcome : str
        The metric the plans are judged on.
    month : int
        The month it is read at.
    currency : str
        The outcome's currency.
    """
    info = metric_info(outcome)
    unit = f" ({currency})" if info.display == "money" else ""
    table = Table(
        title=f"What is worth measuring before choosing: value of information on "
        f"{info.title.lower()} at month {month}{unit}",
        title_justify="left",
    )
    table.add_column("Uncertain input", no_wrap=True)
    table.add_column("EVPPI", justify="right")
    table.add_column("Share of EVPI", justify="right")
    # Whole units in one column: 754 above 73, not 73.48.
    decimals = 0 if info.display in ("money", "count") else None
    for _, r in frame.iterrows():
        table.add_row(
            str(r["input"]),
            format_value(outcome, float(r["evppi"]), decimals=decimals),
            f"{r['share_of_evpi']:.0%}",
        )
    table.add_row(
        "All inputs (EVPI)",
        format_value(outcome, float(frame.attrs.get("evpi", math.nan)), decimals=decimals),
        "100%",
        style="bold",
    )
    return table


def voi_note(frame: pd.DataFrame) -> str:
    """How to read the value-of-information table."""
    runs = frame.attrs.get("runs", 0)
    return (
        "EVPPI: how much the expected outcome of the best plan would rise if that input were "
        "known before choosing (Strong, Oakley and Brennan 2014, spline regression on "
        f"{runs:,} paired runs). 0 means learning it would not change the choice; "
        "the values of single inputs do not add up to EVPI."
    )
