"""``flysim compare``, ``sweep`` and ``sensitivity``: thin shells over :mod:`flysim.study`.

Each command loads its scenarios, calls the library function a notebook
calls (``flysim.compare``, ``flysim.sweep``, ``flysim.sensitivity``), prints
its tables and saves the result. Bad input (unknown key or metric, a bad
range, fewer than two scenarios) is one line and exit status 2.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from flysim.metrics.names import METRICS
from flysim.pipeline import check_metric
from flysim.result import Provenance
from flysim.study import Comparison, Thresholds, compare, sensitivity, sweep
from flysim.study.compare import COMPARE_KPIS
from flysim.study.params import parse_param
from flysim.study.sensitivity import DEFAULT_SAMPLES

# run and validate register first, so they lead the command list.
from . import app as _run_commands  # noqa: F401
from . import metrics_command as _metrics_command  # noqa: F401
from . import report_command as _report_command  # noqa: F401
from .common import (
    Overrides,
    Quiet,
    Runs,
    Seed,
    Verbose,
    Workers,
    app,
    bad_input,
    check_cost,
    check_out_folder,
    configure_logging,
    fail,
    interrupted,
    load,
    report_writer,
    stderr,
    stdout,
    workers_or_all,
)
from .layout import OutputFormat, fit_tables, frame_csv, frame_json, parse_kpis, table_markdown
from .options import FixInputs, Format, Kpis, Report
from .study_tables import (
    changes_note,
    compare_layouts,
    decisions_table,
    sensitivity_table,
    sweep_table,
)
from .uncertain_tables import FIXED_NOTE, VOI_MIN_RUNS, voi_note, voi_table

__all__ = ["Method", "compare_command", "sensitivity_command", "sweep_command"]


class Method(enum.StrEnum):
    """The sensitivity methods ``--method`` accepts (typer lists them as choices)."""

    oat = "oat"
    morris = "morris"
    sobol = "sobol"


#: Most Morris trajectories or Sobol' base samples (2^16: far more than any index needs).
MAX_SAMPLES = 65_536

Out = Annotated[Path | None, typer.Option("--out", help="Output folder.", show_default=False)]
NoPlots = Annotated[bool, typer.Option("--no-plots", metavar="", help="Skip the PNG charts.")]
Metric = Annotated[
    str,
    typer.Option(
        "--metric",
        help="The metric to study, e.g. ltv_cac, clv, mrr ('flysim metrics' lists them).",
    ),
]
Month = Annotated[
    int | None, typer.Option(min=1, help="Month to read the metric at (default: the horizon).")
]


@app.command("compare")
def compare_command(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            metavar="SCENARIO...",
            help="Two or more scenario files; the first is the baseline.",
            show_default=False,
        ),
    ],
    runs: Runs = None,
    seed: Seed = None,
    months: Annotated[
        int | None, typer.Option(min=1, max=120, help="Months (default: the first's horizon).")
    ] = None,
    overrides: Overrides = None,
    ltv_cac: Annotated[
        float, typer.Option("--ltv-cac", help="Threshold of P(LTV:CAC >= X).")
    ] = Thresholds.ltv_cac,
    break_even: Annotated[
        int, typer.Option("--break-even", help="Threshold of P(break-even by month M).")
    ] = Thresholds.break_even_month,
    payback: Annotated[
        float, typer.Option("--payback", help="Threshold of P(payback <= M months).")
    ] = Thresholds.payback_months,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    kpis: Kpis = None,
    output_format: Format = OutputFormat.table,
    report: Report = False,
    fix_inputs: FixInputs = False,
    voi_outcome: Annotated[
        str,
        typer.Option(
            "--voi-outcome",
            metavar="METRIC",
            help="The outcome the value of information judges the plans on, at the horizon "
            "(scenarios with uncertain inputs); higher is better.",
        ),
    ] = "contribution_cumulative",
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Run every SCENARIO with the same seed and compare them run by run.

    Prints each KPI's P50 [P5 to P95] at month 12 and the horizon, the median
    and the mean of the run-by-run differences to the first scenario (the
    mean with its 95 % interval), P(better), and the decision probabilities;
    writes the table (CSV), overlaid fan charts and the flow diagrams to
    results/compare-<names>/. When keys hold distributions, it also prints
    what learning each uncertain input before choosing is worth (EVPPI on
    --voi-outcome) and writes value_of_information.csv.

    Examples:

      flysim compare scenarios/funnel.toml scenarios/flywheel.toml

      flysim compare scenarios/funnel.toml scenarios/flywheel.toml --runs 300 --report

      flysim compare scenarios/startup.toml scenarios/scaleup.toml --kpis mrr,cac --format csv

      flysim compare scenarios/uncertain.toml plan-b.toml --voi-outcome mrr
    """
    configure_logging(verbose, quiet)
    paths = scenarios or []
    if len(paths) < 2:
        fail(f"compare needs at least two scenarios, got {len(paths)}")
    with bad_input():
        picked = parse_kpis(kpis, METRICS, COMPARE_KPIS)
        voi_outcome = check_metric(voi_outcome)
    loaded = [load(p, overrides) for p in paths]
    check_cost(loaded[0], runs=runs, months=months, workers=workers, points=len(loaded))
    # The studies write their files into the folder, replacing nothing else in it.
    default = Path("results") / f"compare-{'-'.join(_slug(s.name) for s in loaded)}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        thresholds = Thresholds(
            ltv_cac=ltv_cac, break_even_month=break_even, payback_months=payback
        )
        comparison = compare(
            loaded,
            runs=runs,
            seed=seed,
            months=months,
            thresholds=thresholds,
            workers=workers_or_all(workers),
            progress=not quiet,
            fix_inputs=fix_inputs,
        )
    if not quiet:
        with bad_input():
            fixed = fix_inputs and any(s.uncertain for s in loaded)
            _print_comparison(comparison, picked, output_format, fixed=fixed)
            _print_voi(comparison, voi_outcome, output_format)

    def save(folder: Path) -> Path:
        extra = report_writer(comparison) if report else None
        return comparison.save(folder, figures=not no_plots, extra=extra, voi_outcome=voi_outcome)

    _save(save, out, comparison.default_folder(), quiet, output_format)


def _print_voi(comparison: Comparison, outcome: str, output_format: OutputFormat) -> None:
    """The value-of-information table, when any scenario drew uncertain inputs (tables only)."""
    if output_format not in (OutputFormat.table, OutputFormat.markdown):
        return
    if not comparison.has_inputs():
        return
    if comparison.runs < VOI_MIN_RUNS:
        note = f"Too few runs to value the uncertain inputs: {VOI_MIN_RUNS} or more."
        if output_format is OutputFormat.markdown:
            stdout.out(f"\n{note}\n")
        else:
            stdout.print(note)
        return
    frame = comparison.value_of_information(outcome)
    currency = comparison.results[0].currency
    table = voi_table(frame, outcome=outcome, month=frame.attrs["month"], currency=currency)
    expected = ", ".join(f"{name} {value:,.0f}" for name, value in frame.attrs["expected"].items())
    best = f"Best plan on expected {outcome}: {frame.attrs['best']} ({expected})."
    if output_format is OutputFormat.markdown:
        stdout.out("\n" + table_markdown(table))
        stdout.out(f"{best}\n\n{voi_note(frame)}\n")
        return
    stdout.print(table)
    stdout.print(Text(best))
    stdout.print(Text(voi_note(frame), style="dim"))


def _print_comparison(
    comparison: Comparison, kpis: list[str], output_format: OutputFormat, *, fixed: bool = False
) -> None:
    """The header line, the comparison's tables and its decisions, in ``output_format``."""
    frame = comparison.table(metrics=kpis)
    decisions = comparison.decisions()
    if output_format is OutputFormat.csv:
        stdout.out(frame_csv(frame), end="")
        return
    if output_format is OutputFormat.json:
        about = {
            "scenarios": comparison.names,
            "runs": comparison.runs,
            "months": comparison.months,
            "seed": comparison.seed,
        }
        changes = comparison.changes()
        if any(changes.values()):
            about["changes"] = {
                name: [{"month": i + 1, "label": label} for i, label in marks]
                for name, marks in changes.items()
            }
        stdout.out(frame_json(about, {"kpis": frame, "decisions": decisions}), end="")
        return
    p = comparison.results[0].provenance
    header = (
        f"{' vs '.join(comparison.names)} · {comparison.runs:,} runs each · "
        f"{comparison.months} months · seed {comparison.seed} · common random numbers · "
        f"{p.wall_time_s:.1f} s"
    )
    months = comparison.report_months()
    layouts = compare_layouts(frame, months, comparison.names)
    notes = changes_note(comparison.changes(), months)
    if output_format is OutputFormat.markdown:
        stdout.out(f"**{header}**\n")
        if fixed:
            stdout.out(f"{FIXED_NOTE}\n")
        for table in [*layouts[0], decisions_table(decisions)]:
            stdout.out(table_markdown(table))
        if notes:
            stdout.out("\n" + "\n\n".join(line.strip() for line in notes) + "\n")
        return
    stdout.print(Text(header, style="bold"))
    if fixed:
        stdout.print(Text(FIXED_NOTE))
    decision_layouts = [[decisions_table(decisions)], [decisions_table(decisions, long=True)]]
    for table in fit_tables(layouts, stdout.width) + fit_tables(decision_layouts, stdout.width):
        stdout.print(table)
    for line in notes:
        stdout.print(Text(line))


@app.command("sweep")
def sweep_command(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            metavar="KEY=LOW:HIGH:N",
            help="A parameter and its grid, e.g. attract.paid.budget_per_month=500:3000:6 "
            "(once or twice).",
        ),
    ],
    metric: Metric,
    month: Month = None,
    runs: Runs = None,
    seed: Seed = None,
    overrides: Overrides = None,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Sweep one or two parameters of SCENARIO over a grid, the same seed at every point.

    Prints the metric's P50 [P5 to P95] at each point; writes sweep.csv and a
    line chart with bands (one parameter) or heatmaps of P50 and P5 (two) to
    results/sweep-<scenario>-<metric>/. 'flysim metrics' lists the metrics.

    Examples:

      flysim sweep scenarios/startup.toml --metric cac --param attract.paid.conversion=0.02:0.06:5

      flysim sweep scenarios/startup.toml --metric mrr --param delight.ask_accept=0.2:0.6:5
    """
    configure_logging(verbose, quiet)
    base = load(scenario, overrides)
    with bad_input():
        grid = math.prod(parse_param(p, base, points=True).n or 1 for p in params)
    check_cost(base, runs=runs, months=None, workers=workers, points=grid, metrics=1)
    default = Path("results") / f"sweep-{_slug(scenario.stem)}-{metric}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        result = sweep(
            base,
            params,
            metric,
            month=month,
            runs=runs,
            seed=seed,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        keys = [p.key for p in result.params]
        stdout.print(
            Text(_header("sweep", scenario, result.provenance, len(result.grid)), style="bold"),
            soft_wrap=True,
        )
        stdout.print(sweep_table(result.to_frame(), keys, result.metric, result.month))
    _save(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


@app.command("sensitivity")
def sensitivity_command(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            metavar="KEY=LOW:HIGH",
            help="A parameter and its range, e.g. engage.risk_per_month=0.03:0.12 (repeatable).",
        ),
    ],
    metric: Metric,
    method: Annotated[
        Method,
        typer.Option(
            help="oat: each parameter to its low and high end (a tornado chart); morris: "
            "elementary effects; sobol: first-order and total indices (SALib)."
        ),
    ] = Method.oat,
    month: Month = None,
    samples: Annotated[
        int | None,
        typer.Option(
            min=2,
            max=MAX_SAMPLES,
            help="Morris trajectories (10) or Sobol' base samples, a power of two (64).",
        ),
    ] = None,
    runs: Runs = None,
    seed: Seed = None,
    overrides: Overrides = None,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Rank the parameters of SCENARIO by their effect on a metric.

    oat moves each parameter to its low and high end (a tornado chart);
    morris and sobol use SALib's samplers and analysers, with their 95 %
    intervals as error bars. Writes the indices (CSV) and the chart to
    results/sensitivity-<scenario>-<metric>/. 'flysim metrics' lists the metrics.

    Examples:

      flysim sensitivity scenarios/startup.toml --metric mrr --param engage.risk_per_month=0.03:0.12

      (repeat --param for each parameter; --method morris or sobol for a global study)
    """
    configure_logging(verbose, quiet)
    base = load(scenario, overrides)
    check_cost(
        base,
        runs=runs,
        months=None,
        workers=workers,
        points=_sensitivity_points(method, len(params), samples),
        metrics=1,
    )
    default = Path("results") / f"sensitivity-{_slug(scenario.stem)}-{metric}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        result = sensitivity(
            base,
            params,
            metric,
            method=method.value,
            month=month,
            samples=samples,
            runs=runs,
            seed=seed,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        stdout.print(
            Text(
                _header(result.method, scenario, result.provenance, len(result.samples)),
                style="bold",
            ),
            soft_wrap=True,
        )
        stdout.print(sensitivity_table(result.indices, result.method, result.metric, result.month))
    _save(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


def _sensitivity_points(method: str, n_params: int, samples: int | None) -> int:
    """Parameter sets a sensitivity study simulates (see ``flysim.sensitivity``)."""
    if method == "oat":
        return 2 * n_params + 1
    n = samples if samples is not None else DEFAULT_SAMPLES.get(method, 1)
    return n * (n_params + (1 if method == "morris" else 2))


def _header(what: str, path: Path, p: Provenance, points: int) -> str:
    return (
        f"{what} of {path.name} · {points} parameter sets x {p.runs:,} runs · "
        f"seed {p.seed} (common to every set) · {p.wall_time_s:.1f} s"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_")


def _save(
    save: Callable[[Path], Path],
    out: Path | None,
    default: Path,
    quiet: bool,
    output_format: OutputFormat = OutputFormat.table,
) -> None:
    try:
        folder = save(out if out is not None else default)
    except OSError as exc:
        fail(f"cannot write results: {exc}")
    except KeyboardInterrupt:
        interrupted()
    if not quiet:
        # Data formats keep standard output to the data, ready to redirect.
        console = stdout if output_format is OutputFormat.table else stderr
        console.print(Text(f"wrote {folder}"), soft_wrap=True)
