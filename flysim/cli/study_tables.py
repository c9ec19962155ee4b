"""The tables ``flysim compare``, ``sweep`` and ``sensitivity`` print: pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rich.table import Table

from flysim.metrics.catalogue import metric_info

from .tables import MISSING, format_cell, format_value, is_percent

__all__ = [
    "compare_table",
    "decisions_table",
    "format_diff",
    "sensitivity_table",
    "sweep_table",
]


def format_diff(metric: str, mean: float, low: float, high: float) -> str:
    """A paired difference and its interval: ``+12 [+10 to +14]``; percentages in points.

    >>> format_diff("churn_rate_annual", -0.021, -0.025, -0.017)
    '-2.1 pp [-2.5 to -1.7]'
    >>> format_diff("mrr", 1234.0, 1100.0, 1400.0)
    '+1,234 [+1,100 to +1,400]'
    """
    if not math.isfinite(mean):
        return MISSING

    def one(x: float) -> str:
        if not math.isfinite(x):
            return MISSING
        if is_percent(metric):
            return f"{100 * x:+,.1f}"
        text = format_value(metric, abs(x))
        return ("-" if x < 0 else "+") + text

    unit = " pp" if is_percent(metric) else ""
    return f"{one(mean)}{unit} [{one(low)} to {one(high)}]"


def compare_table(frame: pd.DataFrame, month: int, names: Sequence[str]) -> Table:
    """One month of a comparison: a row per KPI, each scenario's P50 [P5 to P95], then diffs.

    ``frame`` is :meth:`flysim.Comparison.table`.
    """
    at = frame[frame["month"] == month]
    first = names[0]
    table = Table(
        title=f"Month {month}: P50 [P5 to P95]; paired difference to {first} [95 % CI]",
        title_justify="left",
    )
    table.add_column("KPI", no_wrap=True)
    table.add_column(first, justify="right")
    for name in names[1:]:
        table.add_column(name, justify="right")
        table.add_column(f"{name} − {first} (mean)", justify="right")
        table.add_column(f"P({name} better)", justify="right")
    for metric in dict.fromkeys(at["metric"]):
        rows = at[at["metric"] == metric].set_index("scenario")
        info = metric_info(metric)
        arrow = " ↓" if info.direction == "lower" else ""
        cells = [info.label + arrow]
        for name in names:
            r = rows.loc[name]
            cells.append(format_cell(metric, r["p5"], r["p50"], r["p95"]))
            if name != first:
                cells.append(format_diff(metric, r["diff_mean"], r["diff_low"], r["diff_high"]))
                p = r["p_better"]
                cells.append(f"{100 * p:.0f}%" if math.isfinite(p) else MISSING)
        table.add_row(*cells)
    table.caption = "↓ lower is better. P(better): share of paired runs (same random numbers)."
    return table


def decisions_table(frame: pd.DataFrame) -> Table:
    """Each scenario's probability of each decision threshold, with its 95 % interval."""
    table = Table(title="Decision probabilities [95 % CI]", title_justify="left")
    table.add_column("Scenario", no_wrap=True)
    decisions = list(dict.fromkeys(frame["decision"]))
    for d in decisions:
        table.add_column(f"P({d})", justify="right")
    for name in dict.fromkeys(frame["scenario"]):
        rows = frame[frame["scenario"] == name].set_index("decision")
        cells = [name]
        for d in decisions:
            r = rows.loc[d]
            p, low, high = (_percent(r[k]) for k in ("probability", "low", "high"))
            cells.append(f"{p}% [{low} to {high}]")
        table.add_row(*cells)
    return table


def sweep_table(frame: pd.DataFrame, keys: Sequence[str], metric: str, month: int) -> Table:
    """A row per sweep point: the parameter values, P50 [P5 to P95] and mean ± SE."""
    table = Table(title=f"{metric} at month {month}", title_justify="left")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("P50 [P5 to P95]", justify="right")
    table.add_column("mean ± SE", justify="right")
    for _, r in frame.iterrows():
        cells = [_number(r[k]) for k in keys]
        cells.append(format_cell(metric, r["p5"], r["p50"], r["p95"]))
        cells.append(f"{format_value(metric, r['mean'])} ± {format_value(metric, r['se'])}")
        table.add_row(*cells)
    return table


def sensitivity_table(frame: pd.DataFrame, method: str, metric: str, month: int) -> Table:
    """The indices of a sensitivity study, most influential parameter first."""
    table = Table(title=f"{metric} at month {month}: {method}", title_justify="left")
    table.add_column("Parameter", no_wrap=True)
    if method == "oat":
        for col in ("Range", "At low", "At high", "Swing"):
            table.add_column(col, justify="right")
        for _, r in frame.iterrows():
            table.add_row(
                r["param"],
                f"{_number(r['low'])} to {_number(r['high'])}",
                _signed(metric, r["y_low"] - r["y_base"], r["ci_low"]),
                _signed(metric, r["y_high"] - r["y_base"], r["ci_high"]),
                format_value(metric, r["swing"]),
            )
        table.caption = (
            f"Change of the mean from the base ({format_value(metric, frame['y_base'].iloc[0])})"
            " ± its paired 95 % half-width."
        )
        return table
    columns = (
        ("mu_star", "mu_star_conf", "sigma") if method == "morris" else ("S1", "S1_conf", "ST")
    )
    if method == "morris":
        table.add_column("μ* ± 95 %", justify="right")
        table.add_column("σ", justify="right")
        for _, r in frame.iterrows():
            table.add_row(
                r["param"],
                f"{format_value(metric, r[columns[0]])} ± {format_value(metric, r[columns[1]])}",
                format_value(metric, r[columns[2]]),
            )
        return table
    table.add_column("S1 ± 95 %", justify="right")
    table.add_column("ST ± 95 %", justify="right")
    for _, r in frame.iterrows():
        table.add_row(
            r["param"],
            f"{r['S1']:.2f} ± {r['S1_conf']:.2f}",
            f"{r['ST']:.2f} ± {r['ST_conf']:.2f}",
        )
    return table


def _percent(p: float) -> str:
    """A probability in percent: whole numbers, but one decimal near 0 and 100 % (0.4, 99.7)."""
    x = 100 * p
    return f"{x:.0f}" if 1 <= x <= 99 or x in (0.0, 100.0) else f"{x:.1f}"


def _number(x: float) -> str:
    if not np.isfinite(x):
        return MISSING
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:.4g}"


def _signed(metric: str, change: float, half: float) -> str:
    """``+1,234 ± 56``: a change and its 95 % half-width (percentages in points)."""
    text = format_diff(metric, change, change, change).split(" [")[0]
    if not math.isfinite(half):
        return text
    width = f"{100 * half:,.1f}" if is_percent(metric) else format_value(metric, half)
    return f"{text} ± {width}"
