"""``flysim compare``: a thin shell over :func:`flysim.compare`.

It loads the scenarios, runs them with one seed and the same run indices,
prints the paired comparison, the decision probabilities and (with uncertain
inputs) the value of information, and saves the folder. Bad input is one
line and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from flysim.metrics.catalogue import metric_info
from flysim.metrics.names import METRICS
from flysim.pipeline import check_metric
from flysim.study import Comparison, Thresholds, compare
from flysim.study.compare import COMPARE_KPIS

# run, validate, metrics and report register first, so they lead the command list.
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
    load,
    print_header,
    report_writer,
    save_folder,
    slug,
    stdout,
    workers_or_all,
)
from .layout import (
    OutputFormat,
    fit_tables,
    frame_csv,
    frame_json,
    parse_kpis,
    table_markdown,
)
from .options import FixInputs, Format, Kpis, NoPlots, Out, Report
from .study_tables import changes_note, compare_layouts, decisions_table
from .uncertain_tables import FIXED_NOTE, VOI_MIN_RUNS, voi_note, voi_table

__all__ = ["compare_command"]


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

      flysim compare scenarios/uncertain.toml scenarios/startup.toml --voi-outcome mrr
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
    default = Path("results") / f"compare-{'-'.join(slug(s.name) for s in loaded)}"
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

    save_folder(save, out, comparison.default_folder(), quiet, output_format)


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
    label = metric_info(outcome).label.lower()
    best = f"Best plan on expected {label}: {frame.attrs['best']} ({expected})."
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
        changes = comparison.changes
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
    notes = changes_note(comparison.changes, months)
    if output_format is OutputFormat.markdown:
        stdout.out(f"**{header}**\n")
        if fixed:
            stdout.out(f"{FIXED_NOTE}\n")
        for table in [*layouts[0], decisions_table(decisions)]:
            stdout.out(table_markdown(table))
        if notes:
            stdout.out("\n" + "\n\n".join(line.strip() for line in notes) + "\n")
        return
    print_header(header)
    if fixed:
        stdout.print(Text(FIXED_NOTE))
    decision_layouts = [[decisions_table(decisions)], [decisions_table(decisions, long=True)]]
    for table in fit_tables(layouts, stdout.width) + fit_tables(decision_layouts, stdout.width):
        stdout.print(table)
    for line in notes:
        stdout.print(Text(line))
