"""What every ``flysim`` command shares: the typer app, consoles, exit codes, errors and options.

Tables go to standard output, progress and errors to standard error. Bad input
becomes one line, ``error: ...``, and exit status 2; never a traceback.
"""

from __future__ import annotations

import enum
import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from flysim.engines import ENGINES
from flysim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EngineName",
    "Overrides",
    "Quiet",
    "Runs",
    "Seed",
    "Verbose",
    "Workers",
    "app",
    "bad_input",
    "configure_logging",
    "error",
    "fail",
    "interrupted",
    "load",
    "stderr",
    "stdout",
    "workers_or_all",
]

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


def error(message: str) -> None:
    """Print ``error: ...``, one line per line of ``message``, to standard error."""
    # soft_wrap keeps each problem on one line whatever the terminal width.
    for line in message.splitlines() or [""]:
        stderr.print(Text(f"error: {line}"), soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print the error and exit with ``code`` (bad input by default)."""
    error(message)
    raise typer.Exit(code)


def interrupted() -> NoReturn:
    """Ctrl-C: say so and exit 130; a second Ctrl-C must not cut the cleanup short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stderr.print("interrupted")
    raise typer.Exit(EXIT_INTERRUPTED) from None


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
    except KeyboardInterrupt:
        interrupted()


def configure_logging(verbose: bool, quiet: bool) -> None:
    """flysim's log messages to standard error: INFO with -v, errors only with -q."""
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    handler = RichHandler(console=stderr, show_time=False, show_path=False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler], force=True)
    # Only flysim's own INFO messages: third-party libraries stay at WARNING.
    logging.getLogger("flysim").setLevel(level)


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
    int | None, typer.Option(min=1, help="Monte Carlo runs (default: the scenario's runs).")
]
Seed = Annotated[int | None, typer.Option(min=0, help="Seed (default: the scenario's seed).")]
Workers = Annotated[
    int | None,
    typer.Option(min=1, help="Worker processes (default: all cores); results never depend on it."),
]
