"""The tables ``flysim compare``, ``sweep`` and ``sensitivity`` print: pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from rich.table import Table

from flysim.metrics.catalogue import metric_info
from flysim.metrics.formatting import (
    MISSING,
    format_cell,
    format_diff,
    format_value,
    is_percent,
    shared_decimals,
)

__all__ = [
    "changes_note",
    "compare_layouts",
    "compare_long_table",
    "compare_table",
    "decisions_table",
    "format_diff",
    "sensitivity_table",
    "sweep_table",
]


_DIFF_NOTE = (
    "Δ median, Δ mean: median and mean over runs of the run-by-run difference to {first} "
    "(same random numbers), the mean with its 95 % CI. P(better): share of those runs "
    "in which the scenario is better. ↓ lower is better."
)


def _kpi_label(metric: str) -> str:
    info = metric_info(metric)
    return info.label + (" ↓" if info.direction == "lower" else "")


def _rows(frame: pd.DataFrame, month: int) -> dict[str, dict[str, pd.Series]]:
    """Metric -> scenario -> that row of ``frame`` at ``month``."""
    at = frame[frame["month"] == month]
    out: dict[str, dict[str, pd.Series]] = {}
    for _, row in at.iterrows():
        out.setdefault(row["metric"], {})[row["scenario"]] = row
    return out


def _level(metric: str, r: pd.Series) -> str:
    return format_cell(metric, r["p5"], r["p50"], r["p95"])


def _diff_cells(metric: str, r: pd.Series) -> list[str]:
    """Δ median, Δ mean [95 % CI] and P(better) of one scenario against the baseline."""
    median = r.get("diff_median", math.nan)
    mean = format_diff(metric, r["diff_mean"], r["diff_low"], r["diff_high"])
    p = r["p_better"]
    return [_signed_value(metric, median), mean, f"{100 * p:.0f}%" if math.isfinite(p) else MISSING]


def compare_table(
    frame: pd.DataFrame, month: int, names: Sequence[str], *, part: str = "all"
) -> Table:
    """One month of a comparison, a row per KPI.

    Parameters
    ----------
    frame : pandas.DataFrame
        :meth:`flysim.Comparison.table`.
    month : int
        The month shown.
    names : sequence of str
        The scenarios, the baseline first.
    part : {"all", "levels", "diffs"}
        Every scenario's P50 [P5 to P95] and, for each other scenario, the
        median and mean of its paired differences and P(better) (``all``);
        only the levels; or only the differences.
    """
    first = names[0]
    what = {
        "all": f"P50 [P5 to P95]; differences to {first}",
        "levels": "P50 [P5 to P95] across runs",
        "diffs": f"paired differences to {first}",
    }[part]
    table = Table(title=f"Month {month}: {what}", title_justify="left")
    table.add_column("KPI", no_wrap=True)
    for name in names:
        if part != "diffs":
            table.add_column(name, justify="right")
        if name != first and part != "levels":
            table.add_column(f"Δ median\n{name}", justify="right")
            table.add_column(f"Δ mean [95 % CI]\n{name} − {first}", justify="right")
            table.add_column(f"P({name}\nbetter)", justify="right")
    for metric, rows in _rows(frame, month).items():
        cells = [_kpi_label(metric)]
        for name in names:
            if part != "diffs":
                cells.append(_level(metric, rows[name]))
            if name != first and part != "levels":
                cells += _diff_cells(metric, rows[name])
        table.add_row(*cells)
    if part != "levels":
        table.caption = _DIFF_NOTE.format(first=first)
        table.caption_justify = "left"
    return table


def compare_long_table(
    frame: pd.DataFrame, month: int, names: Sequence[str], *, part: str
) -> Table:
    """The narrow layout: a KPI's scenarios as rows beneath it, ``levels`` or ``diffs``."""
    first = names[0]
    title = "P50 [P5 to P95] across runs" if part == "levels" else f"paired differences to {first}"
    # No outer border: the narrow layout is for narrow terminals.
    table = Table(title=f"Month {month}: {title}", title_justify="left", show_edge=False)
    table.add_column("KPI / scenario", no_wrap=True)
    if part == "levels":
        table.add_column("P50 [P5 to P95]", justify="right")
    else:
        for header in ("Δ median", "Δ mean", "95 % CI\nof Δ mean", "P\nbetter"):
            table.add_column(header, justify="right")
    shown = names if part == "levels" else names[1:]
    for metric, rows in _rows(frame, month).items():
        table.add_row(_kpi_label(metric), *([""] * (len(table.columns) - 1)))
        for name in shown:
            r = rows[name]
            if part == "levels":
                cells = [_level(metric, r)]
            else:
                median, mean, p = _diff_cells(metric, r)
                mean, _, interval = mean.partition(" [")
                cells = [median, mean, interval.rstrip("]").replace("pp ", ""), p]
            table.add_row(f"  {name}", *cells)
    if part != "levels":
        table.caption = _DIFF_NOTE.format(first=first)
        table.caption_justify = "left"
    return table


def compare_layouts(
    frame: pd.DataFrame, months: Sequence[int], names: Sequence[str]
) -> list[list[Table]]:
    """A comparison's tables in layouts from widest to narrowest (see ``fit_tables``)."""
    return [
        [compare_table(frame, m, names) for m in months],
        [compare_table(frame, m, names, part=p) for m in months for p in ("levels", "diffs")],
        [compare_long_table(frame, m, names, part=p) for m in months for p in ("levels", "diffs")],
    ]


def _span(first: int, last: int) -> str:
    return f"month {first}" if first == last else f"months {first}-{last}"


def changes_note(
    changes: Mapping[str, Sequence[tuple[int, str]]], months: Sequence[int]
) -> list[str]:
    """Lines under a comparison on its scenarios' dated changes; none when no scenario has any.

    Says which months come before the first change, each scenario's changes,
    and where the reported ``months`` and the decisions stand against them.

    >>> changes_note({"base": [], "plan": [(3, "month 4: referral")]}, [12, 18])[0]
    'Before the first change: months 1-3 (plan changes from month 4; base has none).'
    """
    firsts = {name: marks[0][0] for name, marks in changes.items() if marks}
    if not firsts:
        return []
    before = min(firsts.values())
    whose = [f"{name} changes from month {i + 1}" for name, i in firsts.items()]
    none = [name for name in changes if name not in firsts]
    if none:
        whose.append(f"{', '.join(none)} {'has' if len(none) == 1 else 'have'} none")
    head = (
        f"Before the first change: {_span(1, before)} ({'; '.join(whose)})."
        if before > 0
        else f"A change holds from month 1 ({'; '.join(whose)})."
    )
    lines = [head]
    for name, marks in changes.items():
        lines += [f"  {name} ▸ {label}" for _, label in marks]
    early = [m for m in months if m <= before]
    if early:
        shown = ", ".join(str(m) for m in early)
        lines.append(f"Month {shown} of the tables is before any change.")
    lines.append(
        "The decision probabilities read the whole horizon, the months before the first "
        "change included."
    )
    return lines


def decisions_table(frame: pd.DataFrame, *, long: bool = False) -> Table:
    """Each scenario's probability of each decision threshold, with its 95 % interval.

    A column per decision, or with ``long`` a row per decision and scenario
    (the narrow layout).
    """
    table = Table(title="Decision probabilities [95 % CI]", title_justify="left")
    if long:
        table.show_edge = False
        table.add_column("Decision / scenario", no_wrap=True)
        table.add_column("P [95 % CI]", justify="right")
        for d in dict.fromkeys(frame["decision"]):
            table.add_row(f"P({d})", "")
            for _, r in frame[frame["decision"] == d].iterrows():
                table.add_row(f"  {r['scenario']}", _probability_cell(r))
        return table
    table.add_column("Scenario", no_wrap=True)
    decisions = list(dict.fromkeys(frame["decision"]))
    for d in decisions:
        table.add_column(f"P({d})", justify="right")
    for name in dict.fromkeys(frame["scenario"]):
        rows = frame[frame["scenario"] == name].set_index("decision")
        cells = [name]
        for d in decisions:
            cells.append(_probability_cell(rows.loc[d]))
        table.add_row(*cells)
    return table


def _probability_cell(r: pd.Series) -> str:
    """``P% [low to high]``, or a dash where there is no probability (the baseline)."""
    if np.isnan(r["probability"]):
        return "–"
    p, low, high = (_percent(r[k]) for k in ("probability", "low", "high"))
    return f"{p}% [{low} to {high}]"


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


def _signed_value(metric: str, change: float) -> str:
    """One signed change: ``+1,234``; percentages in points (``-2.1 pp``)."""
    return format_diff(metric, change, change, change).split(" [")[0]


def _signed(metric: str, change: float, half: float) -> str:
    """``+1,234 ± 56``: a change and its 95 % half-width, at one precision."""
    text = _signed_value(metric, change)
    if not math.isfinite(half):
        return text
    if is_percent(metric):
        return f"{text} ± {100 * half:,.1f}"
    decimals = shared_decimals(metric, [change, half])
    return f"{text} ± {format_value(metric, half, decimals=decimals)}"
