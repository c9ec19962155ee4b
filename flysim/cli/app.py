"""The ``flysim`` command line: a thin shell over ``load_scenario``, ``simulate`` and ``save``.

Tables go to standard output, progress and errors to standard error. Bad input
(a ScenarioError, or a ValueError/TypeError from ``simulate``'s argument
checks) becomes one line, ``error: ...``, and exit status 2; never a traceback.
"""

from __future__ import annotations

import enum
import logging
import os
import signal
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

import flysim.scenario as scenario_api
from flysim._version import __version__
from flysim.engines import ENGINES
from flysim.events import event_format, write_events
from flysim.result import SimulationResult
from flysim.scenario import ScenarioError, load_scenario
from flysim.simulate import simulate

from .tables import break_even, format_break_even, header_line, kpi_table

__all__ = ["app"]

log = logging.getLogger("flysim.cli")

#: Exit status for bad input (usage errors and invalid scenarios), as click uses.
EXIT_BAD_INPUT = 2
#: Exit status for failures while writing results.
EXIT_FAILURE = 1
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="flysim",
    help="Simulate marketing flywheels from scenario files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The engines ``--engine`` accepts (typer shows them as choices). Built from the
#: registry so that a new engine needs no change here; mypy cannot list the
#: members of an Enum built at run time, so members are looked up by name.
EngineName = enum.Enum("EngineName", {name: name for name in sorted(ENGINES)}, type=str)  # type: ignore[misc]

stdout = Console(highlight=False)
if not stdout.is_terminal and "COLUMNS" not in os.environ:
    # Piped or captured output has no width to fit; 80 columns would wrap
    # every "P50 [P5 to P95]" cell of the KPI table.
    stdout.width = 160
stderr = Console(stderr=True, highlight=False)


def _error(message: str) -> None:
    # One line per problem (a ScenarioError may hold several); soft_wrap keeps
    # each on one line whatever the terminal width.
    for line in message.splitlines() or [""]:
        stderr.print(Text(f"error: {line}"), soft_wrap=True)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    handler = RichHandler(console=stderr, show_time=False, show_path=False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler], force=True)
    # Only flysim's own INFO messages: third-party libraries stay at WARNING.
    logging.getLogger("flysim").setLevel(level)


def _load(path: Path, overrides: list[str] | None) -> scenario_api.Scenario:
    try:
        return load_scenario(path, overrides=overrides or None)
    except ScenarioError as exc:
        _fail(str(exc))


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"flysim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Simulate marketing flywheels from scenario files."""


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log what flysim does (INFO).")]
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a scenario key, e.g. attract.paid.budget_per_month=3000 (repeatable).",
    ),
]


@app.command()
def run(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    runs: Annotated[
        int | None, typer.Option(min=1, help="Monte Carlo runs (default: the scenario's runs).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed (default: the scenario's seed).")
    ] = None,
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
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes (default: all cores); results never depend on it."
        ),
    ] = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the PNG plots.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Verbose = False,
) -> None:
    """Simulate SCENARIO, print the main KPIs and write the results."""
    _configure_logging(verbose, quiet)
    if events is not None:
        if engine.value != "des":
            _fail(
                f"--events needs --engine des (the agent model); --engine {engine.value} "
                "keeps counts per compartment, not agents"
            )
        try:
            event_format(events)  # fail before a long simulation, not after it
        except ValueError as exc:
            _fail(str(exc))
    loaded = _load(scenario, overrides)
    out_dir = out if out is not None else Path("results") / scenario.stem
    try:
        try:
            result = simulate(
                loaded,
                runs=runs,
                seed=seed,
                engine=engine.value,
                months=months,
                events=events is not None,
                workers=workers or os.cpu_count() or 1,
                progress=not quiet,
            )
        except (ValueError, TypeError) as exc:
            # simulate's argument checks name the argument, its value and what is
            # allowed; with -v the traceback shows too, in case it was a bug instead.
            log.info("simulate raised", exc_info=True)
            _fail(str(exc))
        if not quiet:
            _print_report(result)
        try:
            saved = result.save(out_dir, plots=not no_plots)
            written = [saved]
            if events is not None:
                # simulate(events=True) above always returns the event log.
                assert result.events is not None
                written.append(write_events(result.events, events))
        except OSError as exc:
            _fail(f"cannot write results: {exc}", EXIT_FAILURE)
    except KeyboardInterrupt:
        _interrupted()
    if not quiet:
        for path in written:
            stdout.print(Text(f"wrote {path}"), soft_wrap=True)


def _interrupted() -> NoReturn:
    """Ctrl-C: say so and exit 130; a second Ctrl-C must not cut the cleanup short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stderr.print("interrupted")
    raise typer.Exit(EXIT_INTERRUPTED) from None


def _print_report(result: SimulationResult) -> None:
    """The header line, the KPI table and the break-even line."""
    p = result.provenance
    stdout.print(Text(header_line(p), style="bold"), soft_wrap=True)
    table = kpi_table(
        result.summary(),
        result.n_months,
        currency=result.scenario.scenario.currency,
        runs=result.n_runs,
    )
    stdout.print(table)
    stdout.print(format_break_even(break_even(result.metric("roi_cumulative"))), soft_wrap=True)


@app.command()
def validate(
    scenarios: Annotated[
        list[Path],
        typer.Argument(metavar="SCENARIO", help="Scenario files (TOML).", show_default=False),
    ],
    overrides: Overrides = None,
    verbose: Verbose = False,
) -> None:
    """Check each SCENARIO and print it resolved (extends and --set applied), or its errors."""
    _configure_logging(verbose, quiet=False)
    failed = 0
    try:
        for path in scenarios:
            try:
                loaded = load_scenario(path, overrides=overrides or None)
            except ScenarioError as exc:
                _error(str(exc))
                failed += 1
                continue
            digest = scenario_api.scenario_hash(loaded)
            stdout.rule(Text(f"{path}  ok  sha256 {digest}"), align="left")
            # Plain and never cropped or wrapped, so the output is valid TOML
            # to copy or redirect, whatever the terminal's width.
            stdout.print(
                scenario_api.to_toml(loaded), markup=False, highlight=False, soft_wrap=True
            )
    except KeyboardInterrupt:
        _interrupted()
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)
