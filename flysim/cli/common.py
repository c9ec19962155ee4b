"""What every ``flysim`` command shares: the typer app, consoles, exit codes, errors and options.

Tables go to standard output, progress and errors to standard error. Bad input
becomes one line, ``error: ...``, and exit status 2; never a traceback.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from flysim.engines import ENGINES
from flysim.execution import WorkerDiedError
from flysim.limits import MAX_RUNS, MAX_WORKERS, JobTooLargeError, check_job
from flysim.outputs import REPORT_FILE, OutputPathError, check_output_file, check_result_folder
from flysim.scenario import Scenario, ScenarioError, load_scenario

from .layout import OutputFormat, fold_header
from .signals import exit_status

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "REPORT_FILE",
    "EngineName",
    "Overrides",
    "Quiet",
    "Runs",
    "Seed",
    "Verbose",
    "Workers",
    "app",
    "bad_input",
    "check_cost",
    "check_events_file",
    "check_out_folder",
    "configure_logging",
    "error",
    "fail",
    "interrupted",
    "load",
    "report_interrupted",
    "report_writer",
    "stderr",
    "stdout",
    "workers_or_all",
]

log = logging.getLogger("flysim.cli")

#: Exit status for bad input (usage errors, invalid scenarios, unusable output paths).
EXIT_BAD_INPUT = 2
#: Exit status for failures no check could foresee (a full disk, a worker killed).
EXIT_FAILURE = 1
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it; SIGTERM gives 143, SIGHUP 129.
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="flysim",
    help="Simulate marketing flywheels from scenario files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: The engines ``--engine`` accepts (typer shows them as choices). Built from the
#: registry so that a new engine needs no change here; mypy cannot list the
#: members of an Enum built at run time, so members are looked up by name.
EngineName = enum.Enum("EngineName", {name: name for name in sorted(ENGINES)}, type=str)  # type: ignore[misc]


class _Output(Console):
    """Standard output that, once its reader has gone, drops the rest instead of stopping.

    ``flysim run ... | head`` closes the pipe after a few lines; rich's
    default then exits at once, before the results are saved. Here the
    command carries on, its output discarded, and exits with status 1.
    """

    broken = False

    def on_broken_pipe(self) -> None:
        self.quiet = True
        self.broken = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


stdout = _Output(highlight=False)
if not stdout.is_terminal and "COLUMNS" not in os.environ:
    # Piped or captured output has no width to fit; 80 columns would wrap
    # every "P50 [P5 to P95]" cell of the KPI table.
    stdout.width = 160
stderr = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """Print ``error: ...``, one line per line of ``message``, to standard error."""
    # soft_wrap keeps each problem on one line whatever the terminal width.
    for line in message.splitlines() or [""]:
        stderr.print(Text(f"error: {line}"), soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print the error and exit with ``code`` (bad input by default)."""
    error(message)
    raise typer.Exit(code)


_reported = False


def report_interrupted() -> int:
    """Say ``interrupted`` once, ignore further Ctrl-C, and return the exit status to use."""
    global _reported
    # A second Ctrl-C, SIGTERM or SIGHUP must not cut the cleanup short (nor,
    # once Python restores the default handlers at exit, kill the process).
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    if not _reported:
        _reported = True
        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            stderr.print("interrupted")
    return exit_status()


def interrupted() -> NoReturn:
    """Ctrl-C, SIGTERM or SIGHUP: say so and exit 130, 143 or 129."""
    raise typer.Exit(report_interrupted()) from None


def check_cost(
    scenario: Scenario,
    *,
    runs: int | None,
    months: int | None,
    engine: str = "mc",
    workers: int | None = None,
    points: int = 1,
    metrics: int | None = None,
) -> None:
    """Refuse, with one line and exit 2, a job that cannot fit in memory or finish.

    ``runs`` and ``months`` default to the scenario's, as the simulation's do.
    """
    extra = {} if metrics is None else {"metrics": metrics}
    try:
        check_job(
            scenario,
            runs=runs if runs is not None else scenario.scenario.runs,
            months=months if months is not None else scenario.horizon_months,
            engine=engine,
            workers=workers_or_all(workers),
            points=points,
            **extra,
        )
    except JobTooLargeError as exc:
        fail(str(exc))


@contextmanager
def bad_input() -> Iterator[None]:
    """Turn the library's argument errors into one line and exit 2, and Ctrl-C into exit 130.

    The library's checks (ValueError, TypeError, ScenarioError) name the
    argument, its value and what is allowed; with ``-v`` the traceback is
    logged too, in case it was a bug instead.
    """
    try:
        yield
    except ScenarioError as exc:
        fail(str(exc))
    except (ValueError, TypeError) as exc:
        log.info("the library raised", exc_info=True)
        fail(str(exc))
    except MemoryError:
        fail("ran out of memory; use fewer runs, points or samples")
    except WorkerDiedError as exc:
        fail(str(exc), EXIT_FAILURE)
    except KeyboardInterrupt:
        interrupted()


def configure_logging(verbose: bool, quiet: bool) -> None:
    """flysim's log messages to standard error: INFO with -v, errors only with -q."""
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    handler = RichHandler(console=stderr, show_time=False, show_path=False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler], force=True)
    # Only flysim's own INFO messages: third-party libraries stay at WARNING.
    logging.getLogger("flysim").setLevel(level)


def check_out_folder(folder: Path, *, replace: bool = True) -> Path:
    """The folder results will go to (a symlink followed), or one line and exit 2.

    Called before simulating, so that a bad ``--out`` costs nothing.
    """
    try:
        return check_result_folder(folder, replace=replace)
    except OutputPathError as exc:
        fail(str(exc))


def check_events_file(path: Path) -> Path:
    """The file the event log will go to (a symlink followed), or one line and exit 2."""
    try:
        return check_output_file(path)
    except OutputPathError as exc:
        fail(f"--events {exc}")


def load(path: Path, overrides: list[str] | None) -> Scenario:
    """Load a scenario, or fail with its errors (one line each) and exit 2."""
    try:
        return load_scenario(path, overrides=overrides or None)
    except ScenarioError as exc:
        fail(str(exc))


def workers_or_all(workers: int | None) -> int:
    """``--workers``, defaulting to every core."""
    return workers or os.cpu_count() or 1


Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", metavar="", help="Log what flysim does (INFO).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Print nothing but errors.")]
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a scenario key, e.g. attract.paid.budget_per_month=3000 (repeatable).",
    ),
]
Runs = Annotated[
    int | None,
    typer.Option(min=1, max=MAX_RUNS, help="Monte Carlo runs (default: the scenario's runs)."),
]
Seed = Annotated[
    int | None, typer.Option(min=0, max=2**63 - 1, help="Seed (default: the scenario's seed).")
]
Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=MAX_WORKERS,
        help="Worker processes (default: all cores); results never depend on it.",
    ),
]


def report_writer(subject: Any) -> Callable[[Path], list[Path]]:
    """What writes ``subject``'s report into the results folder being built.

    Through the folder's own writer, so the manifest lists ``report.html``
    and a later run into the folder replaces it like every file flysim wrote.
    """
    from flysim.report import write_report  # matplotlib only when asked

    def write(folder: Path) -> list[Path]:
        return [write_report(subject, folder / REPORT_FILE)]

    return write


def slug(text: str) -> str:
    """``text`` as a file-name part: runs of other characters become ``_``."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_")


def save_folder(
    save: Callable[[Path], Path],
    out: Path | None,
    default: Path,
    quiet: bool,
    output_format: OutputFormat = OutputFormat.table,
) -> None:
    """Save through ``save`` into ``out`` (or ``default``); print where, or fail in one line."""
    try:
        folder = save(out if out is not None else default)
    except OSError as exc:
        fail(f"cannot write results: {exc}")
    except KeyboardInterrupt:
        interrupted()
    print_written([folder], quiet, output_format)


def print_header(line: str) -> None:
    """A command's header line in bold, folded at its `` · `` separators to the terminal's width.

    Wrapped at word boundaries like the tables, so no line is wider than the terminal.
    """
    stdout.print(Text(fold_header(line, stdout.width), style="bold"))


def print_written(
    paths: list[Path], quiet: bool, output_format: OutputFormat = OutputFormat.table
) -> None:
    """``wrote PATH`` for each path written, unless quiet."""
    if quiet:
        return
    # Data formats keep standard output to the data, ready to redirect.
    console = stdout if output_format is OutputFormat.table else stderr
    for path in paths:
        console.print(Text(f"wrote {path}"), soft_wrap=True)
