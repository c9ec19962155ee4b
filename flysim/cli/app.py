"""``flysim run`` and ``flysim validate``: thin shells over ``simulate`` and ``save``.

Bad input (a ScenarioError, or a ValueError/TypeError from ``simulate``'s
argument checks) becomes one line, ``error: ...``, and exit status 2; never a
traceback. The studies' commands are in :mod:`flysim.cli.study`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

import flysim.scenario as scenario_api
from flysim._version import __version__
from flysim.breakdown import channel_summary
from flysim.cli.channel_table import channel_layouts, channel_months, channel_table
from flysim.drivers import saved_drivers
from flysim.events import event_format, write_events
from flysim.execution import WorkerDiedError
from flysim.metrics.names import METRICS
from flysim.result import SimulationResult
from flysim.scenario import ScenarioError, load_scenario
from flysim.scenario.change_list import change_listing
from flysim.simulate import simulate

from .common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    REPORT_FILE,
    EngineName,
    Overrides,
    Quiet,
    Runs,
    Seed,
    Verbose,
    Workers,
    app,
    bad_input,
    check_cost,
    check_events_file,
    check_out_folder,
    configure_logging,
    error,
    fail,
    interrupted,
    load,
    print_header,
    print_written,
    report_writer,
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
from .options import FixInputs, Format, Kpis, Report
from .tables import (
    KPIS,
    ROI_NOTE,
    break_even,
    format_break_even,
    header_line,
    kpi_frame,
    kpi_layouts,
)
from .uncertain_tables import DRIVERS_MIN_RUNS, FIXED_NOTE, drivers_note, drivers_table

__all__ = ["app"]

log = logging.getLogger("flysim.cli")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"flysim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            metavar="",
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Simulate marketing flywheels from scenario files."""


@app.command()
def run(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    runs: Runs = None,
    seed: Seed = None,
    months: Annotated[
        int | None, typer.Option(min=1, max=120, help="Months (default: the scenario's horizon).")
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option(
            help="Simulation engine: mc, the numpy core; des, the agent model (--events)."
        ),
    ] = EngineName["mc"],
    overrides: Overrides = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: results/<scenario file stem>/).",
            show_default=False,
        ),
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="Write the event log (.parquet or .csv).")
    ] = None,
    workers: Workers = None,
    no_plots: Annotated[
        bool, typer.Option("--no-plots", metavar="", help="Skip the PNG plots.")
    ] = False,
    kpis: Kpis = None,
    output_format: Format = OutputFormat.table,
    report: Report = False,
    fix_inputs: FixInputs = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Simulate SCENARIO, print the main KPIs and write the results folder.

    The KPI table shows each KPI's P50 [P5 to P95] across runs at months 3,
    6, 12 and the horizon, in as many tables as the terminal's width needs.
    When keys of the scenario hold distributions, each run draws them and a
    second table says which of them drive the spread of the headline KPIs
    (also drivers.csv and drivers.png); --fix-inputs runs them at their medians.

    Examples:

      flysim run scenarios/startup.toml

      flysim run scenarios/startup.toml --runs 200 --set attract.paid.budget_per_month=3000

      flysim run scenarios/startup.toml --kpis mrr,cac,ltv_cac --format markdown --report

      flysim run scenarios/uncertain.toml --fix-inputs
    """
    configure_logging(verbose, quiet)
    with bad_input():
        picked = parse_kpis(kpis, METRICS, KPIS)
    if events is not None:
        if engine.value != "des":
            fail(
                f"--events needs --engine des (the agent model); --engine {engine.value} "
                "keeps counts per compartment, not agents"
            )
        try:
            event_format(events)  # fail before a long simulation, not after it
        except ValueError as exc:
            fail(str(exc))
    loaded = load(scenario, overrides)
    # Everything that can be known to fail is checked before the simulation starts.
    check_cost(loaded, runs=runs, months=months, engine=engine.value, workers=workers)
    out_dir = check_out_folder(out if out is not None else Path("results") / scenario.stem)
    events_file = check_events_file(events) if events is not None else None
    try:
        try:
            result = simulate(
                loaded,
                runs=runs,
                seed=seed,
                engine=engine.value,
                months=months,
                events=events is not None,
                workers=workers_or_all(workers),
                progress=not quiet,
                fix_inputs=fix_inputs,
            )
        except (ValueError, TypeError) as exc:
            # simulate's argument checks name the argument, its value and what is
            # allowed; with -v the traceback shows too, in case it was a bug instead.
            log.info("simulate raised", exc_info=True)
            fail(str(exc))
        except MemoryError:
            # The estimate checked above was too low for this machine at this moment.
            fail(f"ran out of memory simulating {loaded.name!r}; use fewer runs or months")
        except WorkerDiedError as exc:
            fail(str(exc), EXIT_FAILURE)
        if not quiet:
            _print_kpis(result, picked, output_format, fixed=fix_inputs)
        try:
            extra = report_writer(result) if report else None
            saved = result.save(out_dir, figures=not no_plots, extra=extra)
            written = [saved] + ([saved / REPORT_FILE] if report else [])
            if events_file is not None:
                # simulate(events=True) above always returns the event log.
                assert result.events is not None
                written.append(write_events(result.events, events_file))
        except OSError as exc:
            # Checked above; what is left is a full disk or a race with another process.
            fail(f"cannot write results: {exc}")
    except KeyboardInterrupt:
        interrupted()
    print_written(written, quiet, output_format)


def _print_kpis(
    result: SimulationResult, kpis: list[str], output_format: OutputFormat, *, fixed: bool = False
) -> None:
    """The header line, the KPI table, the break-even line and the drivers, in ``output_format``."""
    p = result.provenance
    fixed = fixed and bool(result.scenario.uncertain)
    drivers = saved_drivers(result)
    currency = result.scenario.scenario.currency
    summary = result.summary()
    be = format_break_even(break_even(result.metric("roi_cumulative")))
    changes = result.changes
    if output_format in (OutputFormat.csv, OutputFormat.json):
        frame = kpi_frame(
            summary, result.n_months, currency=currency, metrics=kpis, changes=changes
        )
        if output_format is OutputFormat.csv:
            stdout.out(frame_csv(frame), end="")
            return
        header = {**p.to_dict(), "break_even": be, "roi_note": ROI_NOTE}
        if changes:
            header["changes"] = [{"month": i + 1, "label": label} for i, label in changes]
        if result.scenario.uncertain:
            header["inputs"] = "fixed at their medians" if fixed else "drawn once per run"
        tables = {"kpis": frame} if drivers is None else {"kpis": frame, "drivers": drivers}
        if result.paid_channels is not None:
            months = channel_months(result.n_months)
            tables["paid_channels"] = channel_summary(result.paid_channels, months)
        stdout.out(frame_json(header, tables), end="")
        return
    layouts = kpi_layouts(
        summary, result.n_months, currency=currency, runs=p.runs, metrics=kpis, changes=changes
    )
    correlated = bool(result.scenario.correlations)
    if output_format is OutputFormat.markdown:
        stdout.out(f"**{header_line(p)}**\n")
        if fixed:
            stdout.out(f"{FIXED_NOTE}\n")
        if dropped := _changes_after(result):
            stdout.out(f"{dropped}\n")
        for table in layouts[0]:
            stdout.out(table_markdown(table))
        stdout.out(f"{be}\n\n{ROI_NOTE}\n")
        if (channels := channel_table(result)) is not None:
            stdout.out("\n" + table_markdown(channels))
        if drivers is not None:
            stdout.out("\n" + table_markdown(drivers_table(drivers)))
            stdout.out(f"{drivers_note(drivers, correlated=correlated)}\n")
        return
    print_header(header_line(p))
    if fixed:
        stdout.print(Text(FIXED_NOTE))
    if dropped := _changes_after(result):
        stdout.print(Text(dropped))
    for table in fit_tables(layouts, stdout.width):
        stdout.print(table)
    stdout.print(Text(be))
    stdout.print(Text(ROI_NOTE, style="dim"))
    if layouts := channel_layouts(result):
        for table in fit_tables(layouts, stdout.width):
            stdout.print(table)
    if drivers is not None:
        stdout.print(drivers_table(drivers))
        stdout.print(Text(drivers_note(drivers, correlated=correlated), style="dim"))
    elif result.scenario.uncertain and not fixed:
        stdout.print(
            Text(f"Too few runs to say what drives the spread: {DRIVERS_MIN_RUNS} or more.")
        )


@app.command()
def validate(
    scenarios: Annotated[
        list[Path],
        typer.Argument(metavar="SCENARIO", help="Scenario files (TOML).", show_default=False),
    ],
    overrides: Overrides = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            metavar="",
            help="One line per scenario (ok and its hash), not the resolved scenario; "
            "errors as always.",
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Check each SCENARIO and print it resolved (extends and --set applied), or its errors.

    A scenario's dated changes are listed first, one line each (month, note,
    keys set), as TOML comments.

    Exits 2 if any scenario has an error.

    Examples:

      flysim validate scenarios/*.toml --quiet

      flysim validate scenarios/startup.toml --set attract.paid.budget_per_month=3000 > r.toml
    """
    configure_logging(verbose, quiet=False)
    failed = 0
    try:
        for path in scenarios:
            try:
                loaded = load_scenario(path, overrides=overrides or None)
            except ScenarioError as exc:
                error(str(exc))
                failed += 1
                continue
            digest = scenario_api.scenario_hash(loaded)
            if quiet:
                stdout.print(Text(f"{path}  ok  sha256 {digest}"), soft_wrap=True)
                continue
            # TOML comments, the header too, so the whole output stays valid
            # TOML to copy or redirect.
            stdout.print(Text(f"# {path}  ok  sha256 {digest}", style="bold"), soft_wrap=True)
            for line in change_listing(loaded):
                stdout.print(Text(f"# {line}"), soft_wrap=True)
            # Plain and never cropped or wrapped, so the output is valid TOML
            # to copy or redirect, whatever the terminal's width.
            stdout.print(
                scenario_api.to_toml(loaded), markup=False, highlight=False, soft_wrap=True
            )
    except KeyboardInterrupt:
        interrupted()
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _changes_after(result: SimulationResult) -> str | None:
    """A note naming the scenario's changes that fall after the months simulated (``--months``)."""
    later = [c.label for c in result.scenario.changes if c.first_month > result.n_months]
    if not later:
        return None
    return f"Not simulated (after month {result.n_months}): " + "; ".join(later) + "."
