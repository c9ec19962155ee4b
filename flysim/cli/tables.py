"""The KPI table and summary lines the CLI prints: pure functions, no I/O.

Everything here takes plain data (a summary DataFrame with the columns of
``summary.csv``, a ``runs x months`` array, a provenance) and returns strings or
a rich ``Table``, so it can be tested exactly without running a simulation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from rich.table import Table

from flysim.metrics.catalogue import metric_info
from flysim.metrics.derive import break_even_month
from flysim.metrics.formatting import (
    MISSING,
    format_cell,
    format_value,
    is_percent,
    shared_decimals,
)
from flysim.provenance import Provenance

__all__ = [
    "KPIS",
    "KPI_LABELS",
    "MISSING",
    "ROI_NOTE",
    "BreakEven",
    "break_even",
    "change_caption",
    "change_header",
    "format_break_even",
    "format_cell",
    "format_value",
    "header_line",
    "is_percent",
    "kpi_frame",
    "kpi_layouts",
    "kpi_table",
    "shared_decimals",
    "table_months",
]

#: The KPIs the run table shows, in row order.
KPIS: tuple[str, ...] = (
    "customers",
    "mrr",
    "revenue",
    "new_customers",
    "cac",
    "clv",
    "ltv_cac",
    "payback_months",
    "churn_rate_annual",
    "nps",
    "referral_rate",
    "customer_generated_revenue_share",
    "organic_growth_rate",
    "flywheel_velocity",
    "health_score",
    "roi_cumulative",
    "contribution_cumulative",
    "nrr",
)

#: Row labels, from the metric catalogue; the metric's own name is the column
#: name in every output file.
KPI_LABELS: dict[str, str] = {m: metric_info(m).label for m in KPIS}

#: Months the table reports, before clipping to the horizon.
REPORT_MONTHS: tuple[int, ...] = (3, 6, 12)

#: A plan's dated changes: ``(0-based month, label)``, as ``SimulationResult.changes``.
Changes = Sequence[tuple[int, str]]

#: Marks the first month a change affects, in headers and the caption.
CHANGE_MARK = "▸"
#: Characters of a change's note shown under its month's header (a cell's width).
_HEADER_NOTE = 17


def table_months(horizon: int, changes: Changes = ()) -> list[int]:
    """Months 3, 6, 12 and the horizon, and the months before and after each change.

    A change at 0-based month ``i`` (written ``month = i + 1``) adds month
    ``i``, the last before it, and month ``i + 1``, the first it affects.
    Only months within the horizon are kept.

    >>> table_months(18), table_months(12), table_months(4)
    ([3, 6, 12, 18], [3, 6, 12], [3, 4])
    >>> table_months(18, [(3, "month 4: referral"), (8, "month 9: price")])
    [3, 4, 6, 8, 9, 12, 18]
    """
    around = {m for i, _ in changes for m in (int(i), int(i) + 1)}
    return sorted({m for m in (*REPORT_MONTHS, horizon, *around) if 1 <= m <= horizon})


def _numbered_changes(changes: Changes) -> dict[int, list[tuple[int, str]]]:
    """First month affected (1-based) -> ``[(number, label), ...]``, numbered in time order."""
    out: dict[int, list[tuple[int, str]]] = {}
    ordered = sorted(((int(i), str(label)) for i, label in changes), key=lambda c: c[0])
    for number, (i, label) in enumerate(ordered, start=1):
        out.setdefault(i + 1, []).append((number, label))
    return out


def _short_note(label: str) -> str:
    """A label without its ``month 4: `` prefix, cut to a cell's width."""
    note = re.sub(r"^months? [0-9-]+: ", "", label)
    return note if len(note) <= _HEADER_NOTE else note[: _HEADER_NOTE - 1].rstrip() + "…"


def change_header(month: int, changes: Changes = ()) -> str:
    """A month's column header; the first month a change affects gets its number and note.

    >>> change_header(3, [(3, "month 4: move ads into referral rewards")])
    'Month 3'
    >>> print(change_header(4, [(3, "month 4: move ads into referral rewards")]))
    Month 4
    ▸1 move ads into re…
    """
    here = _numbered_changes(changes).get(month, [])
    if not here:
        return f"Month {month}"
    if len(here) == 1:
        number, label = here[0]
        return f"Month {month}\n{CHANGE_MARK}{number} {_short_note(label)}"
    return f"Month {month}\n" + " ".join(f"{CHANGE_MARK}{n}" for n, _ in here)


def change_caption(changes: Changes = ()) -> list[str]:
    """The caption's lines on changes: each change's number and full label, then what they show.

    >>> change_caption([(3, "month 4: referral")])[0]
    '▸1 month 4: referral'
    """
    numbered = _numbered_changes(changes)
    if not numbered:
        return []
    lines = [f"{CHANGE_MARK}{n} {label}" for rows in numbered.values() for n, label in rows]
    lines.append(
        f"{CHANGE_MARK} marks the first month a change affects; the column before it is the "
        "month before."
    )
    return lines


def kpi_table(
    summary: pd.DataFrame,
    horizon: int,
    *,
    currency: str = "EUR",
    runs: int | None = None,
    metrics: Sequence[str] = KPIS,
    title: str | None = None,
    months: Sequence[int] | None = None,
    changes: Changes = (),
) -> Table:
    """The KPI table: one row per metric, one column per reported month.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``metric, month, mean, p5, p50, p95, missing`` at least (``summary.csv``).
    horizon : int
        Months simulated; the table shows months 3, 6, 12 and ``horizon`` that
        do not exceed it.
    currency : str
        Named in the labels of money rows.
    runs : int, optional
        Number of runs, to say how many had a value missing.
    metrics : sequence of str
        Rows, in order; metrics absent from ``summary`` are left out.
    title : str, optional
        The table's title.
    months : sequence of int, optional
        The month columns (default: :func:`table_months` of ``horizon`` and
        ``changes``).
    changes : sequence of (int, str), optional
        The scenario's dated changes, ``[(0-based month, label), ...]``: the
        header of the first month each affects shows ``▸`` with its number
        and note (:func:`change_header`), the caption its full label.

    Returns
    -------
    rich.table.Table
        Cells are ``"P50 [P5 to P95]"``; a cell where some runs had no value is
        marked ``*`` and the caption says how many.
    """
    required = {"metric", "month", "p5", "p50", "p95", "missing"}
    if not required <= set(summary.columns):
        raise ValueError(f"summary lacks columns {sorted(required - set(summary.columns))}")
    months = table_months(horizon, changes) if months is None else list(months)
    rows = summary.set_index(["metric", "month"])
    present = set(summary["metric"])

    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("KPI", no_wrap=True)
    for m in months:
        table.add_column(change_header(m, changes), justify="right")

    worst_missing = 0
    for metric in metrics:
        if metric not in present:
            continue
        cells = []
        for m in months:
            if (metric, m) not in rows.index:
                cells.append(MISSING)
                continue
            # (metric, month) is unique in a summary, so this is one row; the stubs
            # cannot tell a MultiIndex row from a (row, column) scalar lookup.
            row = cast(pd.Series, rows.loc[(metric, m)])
            p5, p50, p95 = (float(row[c]) for c in ("p5", "p50", "p95"))
            cell = format_cell(metric, p5, p50, p95)
            missing = int(row["missing"])
            if missing > 0 and cell != MISSING:
                cell += " *"
                worst_missing = max(worst_missing, missing)
            cells.append(cell)
        table.add_row(metric_info(metric).table_label(currency), *cells)

    notes = ["P50 [P5 to P95] across runs"]
    if worst_missing:
        of_runs = f" of {runs:,}" if runs is not None else ""
        notes.append(f"* missing in up to {worst_missing}{of_runs} runs (a zero denominator)")
    notes += change_caption(changes)
    table.caption = "\n".join(notes)
    table.caption_justify = "left"
    return table


def kpi_layouts(
    summary: pd.DataFrame,
    horizon: int,
    *,
    currency: str = "EUR",
    runs: int | None = None,
    metrics: Sequence[str] = KPIS,
    changes: Changes = (),
) -> list[list[Table]]:
    """The KPI table in layouts from widest to narrowest, for :func:`~flysim.cli.layout.fit_tables`.

    Every reported month side by side; then two months per table; then one
    table per month. The months before and after a change stay in one table
    where the layout allows. The caption is printed once, under the last table.
    """
    months = table_months(horizon, changes)
    # The whole table's caption: split, each table would count only its own
    # months' missing runs, and the one caption shown would undercount.
    caption = kpi_table(
        summary, horizon, currency=currency, runs=runs, metrics=metrics, months=months,
        changes=changes,
    ).caption  # fmt: skip
    layouts = []
    for per_table in dict.fromkeys((len(months), 2, 1)):
        tables = [
            kpi_table(
                summary,
                horizon,
                currency=currency,
                runs=runs,
                metrics=metrics,
                months=g,
                changes=changes,
            )
            for g in _groups(months, per_table, changes)
        ]
        for table in tables[:-1]:
            table.caption = None
        tables[-1].caption = caption
        layouts.append(tables)
    return layouts


def _groups(months: list[int], size: int, changes: Changes) -> list[list[int]]:
    """``months`` in tables of at most ``size``, the month before a change kept with the next.

    >>> _groups([3, 5, 6, 12, 18], 2, [(5, "month 6: x")])
    [[3], [5, 6], [12, 18]]
    """
    firsts = set(_numbered_changes(changes))
    units: list[list[int]] = []
    for m in months:
        if units and m in firsts and units[-1][-1] == m - 1 and len(units[-1]) < size:
            units[-1].append(m)
        else:
            units.append([m])
    groups: list[list[int]] = []
    for unit in units:
        if groups and len(groups[-1]) + len(unit) <= size:
            groups[-1] += unit
        else:
            groups.append(list(unit))
    return groups


def kpi_frame(
    summary: pd.DataFrame,
    horizon: int,
    *,
    currency: str = "EUR",
    metrics: Sequence[str] = KPIS,
    changes: Changes = (),
) -> pd.DataFrame:
    """The KPI table as data: one row per KPI and reported month, the summary's statistics.

    Columns ``metric, label, unit, month`` then the summary's statistics
    (``mean, p5, p25, p50, p75, p95, missing`` where present), unrounded. The
    months are those of the table (:func:`table_months` with ``changes``).
    """
    months = table_months(horizon, changes)
    picked = summary[summary["metric"].isin(metrics) & summary["month"].isin(months)].copy()
    order = {m: i for i, m in enumerate(metrics)}
    picked = picked.sort_values(
        ["metric", "month"], key=lambda c: c.map(order) if c.name == "metric" else c
    )
    picked.insert(1, "label", [metric_info(m).label for m in picked["metric"]])
    picked.insert(2, "unit", [metric_info(m).ylabel(currency) for m in picked["metric"]])
    return picked.reset_index(drop=True)


@dataclass(frozen=True)
class BreakEven:
    """When runs first reach a positive cumulative ROI.

    Attributes
    ----------
    p50_month : float
        Median across runs of the first month with ``roi_cumulative > 0``;
        runs that never break even count as later than the horizon, so this is
        ``inf`` when fewer than half of the runs break even.
    share : float
        Share of runs that break even within the horizon.
    horizon : int
        Months simulated.
    """

    p50_month: float
    share: float
    horizon: int


def break_even(roi: np.ndarray) -> BreakEven:
    """Break-even statistics from ``roi_cumulative``, shape ``(runs, months)``.

    A missing ROI (no spend yet) does not count as breaking even.
    """
    roi = np.asarray(roi, dtype=np.float64)
    if roi.ndim != 2 or roi.shape[0] == 0 or roi.shape[1] == 0:
        raise ValueError(f"roi must have shape (runs, months) with both > 0, got {roi.shape}")
    month = break_even_month(roi)
    reached = ~np.isnan(month)
    # Runs that never break even count as later than any month of the horizon.
    first = np.where(reached, month, np.inf)
    # An actual month of some run, not an interpolation between two.
    p50 = float(np.percentile(first, 50, method="inverted_cdf"))
    return BreakEven(p50_month=p50, share=float(reached.mean()), horizon=int(roi.shape[1]))


def format_break_even(be: BreakEven) -> str:
    """One line on break-even (``ROI_NOTE`` says what ROI counts; print it beside).

    >>> format_break_even(BreakEven(p50_month=7.0, share=0.83, horizon=18))
    'Break-even (cumulative ROI > 0): P50 month 7; 83% of runs within 18 months'
    """
    within = f"{100 * be.share:.0f}% of runs within {be.horizon} months"
    if be.share == 0:
        return f"Break-even (cumulative ROI > 0): no run within {be.horizon} months"
    if math.isinf(be.p50_month):
        return f"Break-even (cumulative ROI > 0): P50 after month {be.horizon}; {within}"
    return f"Break-even (cumulative ROI > 0): P50 month {be.p50_month:.0f}; {within}"


#: What ROI and break-even count, said wherever they are shown.
ROI_NOTE = (
    "ROI counts all revenue, the existing base's included, against all spend; "
    "to judge a plan, read cumulative contribution (gross profit - spend)."
)


def header_line(provenance: Provenance) -> str:
    """Scenario, engine, runs, months, seed, wall time and throughput on one line."""
    p = provenance
    wall = max(p.wall_time_s, 0.0)
    rate = f"{p.runs / wall:,.1f} runs/s" if wall > 0 else "– runs/s"
    return (
        f"{p.scenario_name} · engine {p.engine} · {p.runs:,} runs · {p.months} months · "
        f"seed {p.seed} · {wall:.2f} s · {rate}"
    )
