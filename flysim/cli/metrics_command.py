"""``flysim metrics``: every metric of the catalogue, with its unit, kind, meaning and benchmark."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from flysim.metrics.catalogue import CATALOGUE, benchmark_text

from .common import app, stdout
from .layout import OutputFormat, frame_csv, frame_json, table_markdown

__all__ = ["metrics_command", "metrics_frame", "metrics_table"]


def metrics_frame(currency: str = "EUR") -> pd.DataFrame:
    """One row per metric: name, label, unit, kind, direction, benchmark, definition."""
    return pd.DataFrame(
        [
            {
                "name": m.name,
                "label": m.title,
                "unit": m.ylabel(currency),
                "kind": m.kind,
                "better": m.direction,
                "benchmark": benchmark_text(m),
                "definition": m.definition,
            }
            for m in CATALOGUE.values()
        ]
    )


def metrics_table(frame: pd.DataFrame) -> Table:
    """The catalogue as a two-column table (the name, then all the rest), to wrap on any width."""
    table = Table(title="Metrics (the names --kpis and --metric take)", title_justify="left")
    table.add_column("Name", no_wrap=True, style="bold")
    table.add_column("What it is: unit; kind; which way is better; benchmark. Definition")
    better = {"higher": "higher is better", "lower": "lower is better", "neither": "neutral"}
    for _, r in frame.iterrows():
        facts = [r["unit"], r["kind"], better[r["better"]]]
        if r["benchmark"]:
            facts.append(f"benchmark: {r['benchmark']}")
        table.add_row(r["name"], f"{r['label']}: {'; '.join(facts)}. {r['definition']}")
    table.caption = (
        "Kinds: flow = counted within the month, stock = at its end, money = within the month, "
        "ratio = missing where its denominator is 0. EUR stands for the scenario's currency."
    )
    table.caption_justify = "left"
    return table


@app.command("metrics")
def metrics_command(
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="A table, or csv, markdown or json.", case_sensitive=False),
    ] = OutputFormat.table,
) -> None:
    """List every metric: name, unit, kind, which way is better, benchmark and definition.

    The names are what --kpis, --metric and the columns of every output file use.

    Examples:

      flysim metrics

      flysim metrics --format csv > metrics.csv
    """
    frame = metrics_frame()
    if output_format is OutputFormat.csv:
        stdout.out(frame_csv(frame), end="")
    elif output_format is OutputFormat.json:
        stdout.out(frame_json({}, {"metrics": frame}), end="")
    elif output_format is OutputFormat.markdown:
        stdout.out(table_markdown(metrics_table(frame)), end="")
    else:
        stdout.print(metrics_table(frame))
