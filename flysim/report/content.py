"""What a report says, as rows: the question, the scenarios and how they differ, KPIs, decisions.

Everything here reads result objects and returns strings and lists of rows;
:mod:`flysim.report.html` lays them out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flysim.metrics.catalogue import metric_info
from flysim.metrics.formatting import MISSING, format_cell, format_diff
from flysim.result import SimulationResult
from flysim.scenario import resolved_dict
from flysim.scenario.change_list import change_rows
from flysim.study.compare import COMPARE_KPIS, Comparison
from flysim.study.decisions import Thresholds, decisions

__all__ = ["RUN_KPIS", "ReportContent", "Table", "flat_keys", "report_content", "scenario_diff"]

#: The headline KPIs of a one-scenario report, in row order.
RUN_KPIS: tuple[str, ...] = (
    "customers",
    "mrr",
    "new_customers",
    "cac",
    "clv",
    "ltv_cac",
    "payback_months",
    "churn_rate_annual",
    "nps",
    "referral_rate",
    "customer_generated_revenue_share",
    "roi_cumulative",
    "contribution_cumulative",
    "nrr",
)


@dataclass
class Table:
    """A table to show: a title, headers, rows of cells (strings) and a note under it."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    numeric_from: int = 1  # columns from this one on are right-aligned


@dataclass
class ReportContent:
    """Everything a report shows, but its figures."""

    title: str
    question: str
    subtitle: str
    scenarios: Table
    differences: Table
    kpis: list[Table]
    decisions: Table
    provenance: Table
    descriptions: dict[str, str] = field(default_factory=dict)
    changes: Table | None = None


def flat_keys(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping as dotted keys, as ``--set`` names them (``attract.paid.cost_per_lead``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_keys(value, name + "."))
        else:
            out[name] = value
    return out


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


#: Keys that name or describe a scenario rather than change what it simulates.
_LABEL_KEYS = frozenset({"scenario.name", "scenario.description"})


def scenario_diff(resolved: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Every resolved key whose value differs between scenarios, with each scenario's value."""
    flats = [flat_keys(r) for r in resolved]
    keys = sorted(set().union(*flats))
    rows = []
    for key in keys:
        values = [f.get(key) for f in flats]
        if key not in _LABEL_KEYS and any(v != values[0] for v in values[1:]):
            rows.append((key, values))
    return rows


def _percent(p: float) -> str:
    """A probability in percent: whole, but one decimal near 0 and 100 % (0.4, 99.6)."""
    x = 100 * p
    return f"{x:.0f}" if 1 <= x <= 99 or x in (0.0, 100.0) else f"{x:.1f}"


def _decisions_table(frame: Any) -> Table:
    names = list(dict.fromkeys(frame["scenario"]))
    wanted = list(dict.fromkeys(frame["decision"]))
    rows = []
    for decision in wanted:
        cells = [f"P({decision})"]
        for name in names:
            r = frame[(frame["scenario"] == name) & (frame["decision"] == decision)].iloc[0]
            if r["probability"] != r["probability"]:  # NaN: the baseline against itself
                cells.append("–")
                continue
            p, low, high = (_percent(r[k]) for k in ("probability", "low", "high"))
            cells.append(f"{p}% [{low} to {high}]")
        rows.append(cells)
    return Table(
        "Decision probabilities",
        ["Decision", *names],
        rows,
        "Share of runs meeting each threshold, with its Wilson 95 % interval; "
        "the contribution row compares each run with the same run of the first scenario. "
        "Break-even reads cumulative ROI, which counts the whole base's revenue: "
        "judge a plan by its cumulative contribution.",
    )


def _provenance(results: Mapping[str, SimulationResult]) -> Table:
    first = next(iter(results.values())).provenance
    rows = [
        ["flysim version", first.flysim_version],
        ["engine", first.engine],
        ["seed", str(first.seed) + (" (common random numbers)" if len(results) > 1 else "")],
        ["runs", f"{first.runs:,}" + (" per scenario" if len(results) > 1 else "")],
        ["months", str(first.months)],
        ["created", first.created],
    ]
    for name, r in results.items():
        p = r.provenance
        rows.append([f"{name}: file", p.scenario_path or "(built in code)"])
        rows.append([f"{name}: scenario sha256", p.scenario_hash])
    return Table("Provenance", ["", "value"], rows, numeric_from=99)


def _scenarios(results: Mapping[str, SimulationResult]) -> Table:
    rows = []
    for name, r in results.items():
        s = r.scenario.scenario
        rows.append([name, s.description or "", r.provenance.scenario_hash[:12]])
    return Table("Scenarios", ["Scenario", "Description", "sha256"], rows, numeric_from=99)


def _changes(results: Mapping[str, SimulationResult]) -> Table | None:
    """Each scenario's dated changes (month, note, keys set); ``None`` when none has any."""
    rows = []
    for name, r in results.items():
        for row in change_rows(r.scenario):
            rows.append([name, row.when, row.note or "–", ", ".join(row.keys)])
    if not rows:
        return None
    horizon = next(iter(results.values())).n_months
    return Table(
        "Dated changes",
        ["Scenario", "From", "Note", "Keys set"],
        rows,
        "A change written month 4 holds from the start of month 4 (t = 3 months): months 1 "
        "to 3 are as before it. A ramp (months 7-12) moves its keys one step a month to "
        f"their target. Changes after month {horizon} fall outside this run.",
        numeric_from=99,
    )


def _differences(results: Mapping[str, SimulationResult]) -> Table:
    names = list(results)
    if len(names) == 1:
        return Table("What differs", ["Key", names[0]], [], "One scenario: nothing to compare.")
    diff = scenario_diff([resolved_dict(r.scenario) for r in results.values()])
    rows = [[key, *(_show(v) for v in values)] for key, values in diff]
    note = (
        f"Every resolved key (extends and --set applied) whose value differs from {names[0]}; "
        "all other keys are equal."
    )
    return Table(f"What differs ({len(rows)} keys)", ["Key", *names], rows, note, numeric_from=99)


def _run_kpis(result: SimulationResult) -> Table:
    horizon = result.n_months
    months = sorted({m for m in (3, 6, 12, horizon) if m <= horizon})
    currency = result.currency
    rows = []
    for metric in RUN_KPIS:
        values = result.metric(metric)
        cells = [metric_info(metric).table_label(currency)]
        for m in months:
            x = values[:, m - 1]
            x = x[~np.isnan(x)]
            if x.size == 0:
                cells.append(MISSING)
                continue
            p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
            cells.append(format_cell(metric, p5, p50, p95))
        rows.append(cells)
    return Table(
        "Headline KPIs",
        ["KPI", *(f"Month {m}" for m in months)],
        rows,
        "Median across runs [5th to 95th percentile]. Missing values (a ratio with a zero "
        "denominator) are skipped.",
    )


_STATS = ("p5", "p50", "p95", "diff_mean", "diff_low", "diff_high", "diff_median", "p_better")


def _compare_kpis(comparison: Comparison) -> list[Table]:
    frame = comparison.table(metrics=COMPARE_KPIS)
    names = list(comparison.names)
    first = names[0]
    currency = comparison.results[0].currency
    tables = []
    for month in comparison.report_months():
        at = frame[frame["month"] == month]
        headers = ["KPI", *names]
        for name in names[1:]:
            headers += [f"Δ median {name}", f"Δ mean {name} − {first} [95 % CI]", "P(better)"]
        rows = []
        for metric in COMPARE_KPIS:
            info = metric_info(metric)
            sub: dict[str, dict[str, float]] = {
                str(r["scenario"]): {k: float(v) for k, v in r.items() if k in _STATS}
                for r in at[at["metric"] == metric].to_dict(orient="records")
            }
            cells = [info.table_label(currency) + (" ↓" if info.direction == "lower" else "")]
            for name in names:
                r = sub[name]
                cells.append(format_cell(metric, r["p5"], r["p50"], r["p95"]))
            for name in names[1:]:
                r = sub[name]
                median = format_diff(metric, r["diff_median"], r["diff_median"], r["diff_median"])
                cells.append(median.split(" [")[0])
                cells.append(format_diff(metric, r["diff_mean"], r["diff_low"], r["diff_high"]))
                p = r["p_better"]
                cells.append(f"{100 * p:.0f}%" if math.isfinite(p) else MISSING)
            rows.append(cells)
        tables.append(
            Table(
                f"Headline KPIs at month {month}",
                headers,
                rows,
                "Median across runs [5th to 95th percentile]; Δ median and Δ mean: median and "
                f"mean of the run-by-run differences to {first} (same random numbers), the mean "
                "with its 95 % CI; P(better): share of those runs in which the scenario is "
                "better. ↓ lower is better.",
            )
        )
    return tables


def report_content(subject: SimulationResult | Comparison) -> ReportContent:
    """The content of the report on one simulation or a comparison."""
    if isinstance(subject, Comparison):
        results = subject.by_name()
        names = list(results)
        title = " vs ".join(names)
        question = (
            f"What changes, over {subject.months} months, if {names[0]} becomes "
            + ", or ".join(names[1:])
            + "? The same customers' luck in every scenario (common random numbers), so "
            "differences are the changes, not noise."
        )
        kpis = _compare_kpis(subject)
        decision_frame = subject.decisions()
    else:
        results = {subject.name: subject}
        title = subject.name
        question = (
            f"What happens to {subject.name} over the next {subject.n_months} months: "
            "customers, revenue, acquisition cost, churn and the flywheel's loop, "
            "with the range of outcomes across runs."
        )
        kpis = [_run_kpis(subject)]
        decision_frame = decisions(results, Thresholds())
    first = next(iter(results.values()))
    p = first.provenance
    runs = f"{p.runs:,} runs" + (" per scenario" if len(results) > 1 else "")
    subtitle = f"{runs} · {p.months} months · seed {p.seed} · engine {p.engine}"
    return ReportContent(
        title=title,
        question=question,
        subtitle=subtitle,
        scenarios=_scenarios(results),
        differences=_differences(results),
        kpis=kpis,
        decisions=_decisions_table(decision_frame),
        provenance=_provenance(results),
        descriptions={n: r.scenario.scenario.description for n, r in results.items()},
        changes=_changes(results),
    )
