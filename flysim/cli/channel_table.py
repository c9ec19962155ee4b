"""The per-channel table ``flysim run`` prints under the KPIs with several paid channels."""

from __future__ import annotations

from rich.table import Table

from flysim.breakdown import channel_summary
from flysim.metrics.formatting import format_cell
from flysim.result import SimulationResult

__all__ = ["channel_layouts", "channel_months", "channel_table"]

#: Columns of the table: the breakdown's quantity and the metric whose format it takes.
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("leads", "leads_paid", "Leads"),
    ("new_customers", "new_customers_paid", "New customers"),
    ("cac", "cac_paid", "CAC"),
)


def channel_months(horizon: int) -> list[int]:
    """Month 12 and the horizon (the horizon alone when it is 12 or less)."""
    return sorted({min(12, horizon), horizon})


def channel_layouts(result: SimulationResult) -> list[list[Table]]:
    """The channel table with both months side by side, then one table per month.

    Empty without a per-channel breakdown; ``flysim.cli.layout.fit_tables``
    picks the first layout that fits the terminal.
    """
    if result.paid_channels is None:
        return []
    months = channel_months(result.n_months)
    both = channel_table(result, months)
    alone = [channel_table(result, [m]) for m in months]
    return [[t for t in (both,) if t is not None], [t for t in alone if t is not None]]


def channel_table(result: SimulationResult, months: list[int] | None = None) -> Table | None:
    """Each paid channel's leads, new customers and CAC at ``months`` (12 and the horizon).

    Cells are ``P50 [P5 to P95]`` across runs of the month's flows; None when
    the result has no per-channel breakdown (fewer than two paid channels).
    """
    if result.paid_channels is None:
        return None
    months = months if months is not None else channel_months(result.n_months)
    summary = channel_summary(result.paid_channels, months)
    currency = result.scenario.scenario.currency
    table = Table(
        title="Paid channels",
        caption=(
            "P50 [P5 to P95] across runs of each channel's flows in the month; CAC is the "
            "channel's budget over its new customers, missing in a month without one "
            "(such runs are skipped). Totals are the leads_paid, new_customers_paid and "
            "cac_paid KPIs; every run's figures are in channels.parquet."
        ),
    )
    table.add_column("Channel")
    for month in months:
        for _, _, label in _COLUMNS:
            unit = f" ({currency})" if label == "CAC" else ""
            table.add_column(f"{label}{unit}, month {month}", justify="right")
    for channel, rows in summary.groupby("channel", sort=False):
        cells = [str(channel)]
        by_month = {int(r["month"]): r for r in rows.to_dict("records")}
        for month in months:
            row = by_month[month]
            for field, metric, _ in _COLUMNS:
                p5, p50, p95 = (float(row[f"{field}_p{q}"]) for q in (5, 50, 95))
                cell = format_cell(metric, p5, p50, p95)
                if field == "cac" and int(row["cac_missing"]) > 0:
                    cell += " *"
                cells.append(cell)
        table.add_row(*cells)
    return table
