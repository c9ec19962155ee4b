"""The metric catalogue: what every metric is, in one place.

Each metric of :data:`flysim.metrics.names.METRICS` has one :class:`Metric`
entry: its kind (a flow within the month, a stock at its end, money within
it, or a ratio), a title and a short table label, its unit, a one-line
definition, which direction is better, the display format, and the benchmark
lines the source articles give (MODEL.md, "What the source articles say").
Tables, plots, comparisons and ``docs/model.md`` read it; nothing else
restates it.

Examples
--------
>>> from flysim.metrics.catalogue import metric_info
>>> metric_info("ltv_cac").benchmarks[0].low
3.0
>>> metric_info("cac").direction
'lower'
"""

from __future__ import annotations

from flysim.metrics.entries import ENTRIES
from flysim.metrics.metric import Benchmark, Direction, Display, Kind, Metric

__all__ = [
    "CATALOGUE",
    "LOWER_IS_BETTER",
    "Benchmark",
    "Direction",
    "Display",
    "Kind",
    "Metric",
    "benchmark_text",
    "catalogue_markdown",
    "metric_info",
]

#: Every metric's entry, in :data:`~flysim.metrics.names.METRICS` order.
CATALOGUE: dict[str, Metric] = {m.name: m for m in ENTRIES}

#: Metrics where a lower value is the better outcome (costs, churn, delays).
LOWER_IS_BETTER: frozenset[str] = frozenset(m.name for m in ENTRIES if m.direction == "lower")


def metric_info(name: str) -> Metric:
    """The catalogue entry of metric ``name``.

    A name missing from the catalogue (a metric added later, or a column of
    a user's own frame) gets a plain count entry titled after the name, so
    tables and plots never fail on it.
    """
    try:
        return CATALOGUE[name]
    except KeyError:
        plain = name.replace("_", " ")
        return Metric(name, "flow", plain.capitalize(), "count", plain, "", "neither")


def _level(metric: Metric, bench: Benchmark) -> str:
    """A benchmark's value in the metric's unit: ``3``, ``20 to 30 %``."""
    scale, unit = (100.0, " %") if metric.display == "percent" else (1.0, "")
    low = f"{scale * bench.low:g}"
    if bench.high is None:
        return low + unit
    return f"{low} to {scale * bench.high:g}{unit}"


def benchmark_text(metric: Metric) -> str:
    """A metric's benchmarks in words and its unit: ``healthy 3:1 (3)``; empty if none."""
    return "; ".join(f"{b.label} ({_level(metric, b)})" for b in metric.benchmarks)


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table ``docs/model.md`` shows, one row per metric.

    Regenerate the doc's table with ``python -c "from flysim.metrics.catalogue
    import catalogue_markdown as m; print(m(), end='')"``.
    """
    rows = [
        "| metric | kind | unit | better | benchmark | what it is |",
        "|---|---|---|---|---|---|",
    ]
    for m in ENTRIES:
        bench = benchmark_text(m)
        unit = m.ylabel("currency")
        rows.append(
            f"| `{m.name}` | {m.kind} | {unit} | {m.direction} | {bench} | {m.definition} |"
        )
    return "\n".join(rows) + "\n"
