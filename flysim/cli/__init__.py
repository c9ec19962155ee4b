"""The ``flysim`` command-line interface: run, validate, compare, sweep, sensitivity.

``main`` is the console script's entry point; ``app`` is the typer application,
for testing with ``typer.testing.CliRunner`` or embedding.

Every failure is one line on standard error: bad input (a bad option value
included) is ``error: ...`` and exit status 2; a stopping signal is
``interrupted`` and exit status 128 + the signal (130 for Ctrl-C, 143 for
SIGTERM, 129 for SIGHUP).
"""

from __future__ import annotations

import sys

import typer

# Importing the command modules registers their commands on the app.
from flysim.cli import study as _study  # noqa: F401
from flysim.cli.app import app
from flysim.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, error, report_interrupted, stdout
from flysim.cli.signals import Interrupted, caused_by_interrupt, install, received

__all__ = ["Interrupted", "app", "main"]

# click's exception classes, found through a public typer name: typer vendors
# click (as a private module) in recent versions and depends on it in older ones.
_UsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
_ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def main() -> None:
    """Run the command line and exit with its status."""
    install()
    status = _run(sys.argv[1:])
    if received() is not None:
        # A signal that landed where no command caught it (typer turns a
        # KeyboardInterrupt into a silent exit 130): still one line.
        status = report_interrupted()
    sys.exit(status)


def _run(args: list[str]) -> int:
    try:
        # standalone_mode=False: click's usage errors come back as exceptions,
        # so they print as one line like every other error, not as a panel.
        status = app(args=args, prog_name="flysim", standalone_mode=False)
    except _UsageError as exc:
        if not str(exc.format_message()).strip():  # type: ignore[attr-defined]
            # Bare `flysim`: click printed the help, which is all there is to say.
            return EXIT_BAD_INPUT
        error(_usage_message(exc, args))
        return EXIT_BAD_INPUT
    except _ClickException as exc:
        error(" ".join(str(exc.format_message()).split()))  # type: ignore[attr-defined]
        return EXIT_BAD_INPUT
    except typer.Abort:
        # End of input at a prompt (flysim has none) or an interrupt click took.
        return report_interrupted()
    except Exception as exc:
        # An interrupt that landed in an import or a class body can reach here
        # wrapped in another exception: it is still Ctrl-C, not a crash.
        if not caused_by_interrupt(exc):
            raise
        return report_interrupted()
    status = status if isinstance(status, int) else 0
    # The reader of standard output left early (| head): the work was done.
    return EXIT_FAILURE if stdout.broken and status == 0 else status


def _usage_message(exc: Exception, args: list[str]) -> str:
    """click's message, on one line, with the value given, the command and where to get help."""
    message = " ".join(str(exc.format_message()).split())  # type: ignore[attr-defined]
    # typer's coercion prefixes a validator's own message with pydantic's label.
    message = message.replace("Value error, ", "")
    param = getattr(exc, "param", None)
    value = _given(args, param)
    if value is not None and repr(value) not in message:
        # pydantic's range and type messages do not repeat the value, nor the
        # range's other end.
        shown = value if value and not any(c.isspace() for c in value) else repr(value)
        message = f"{message}, got {shown}{_allowed(param)}"
    message = message.rstrip(".")
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "flysim"
    return f"{message} (see '{command} --help')"


def _given(args: list[str], param: object) -> str | None:
    """The value last given on the command line to the option ``param`` (the one click read)."""
    names = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
    names = [n for n in names if n.startswith("-")]
    given = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                given = args[i + 1]
            elif arg.startswith(name + "="):
                given = arg[len(name) + 1 :]
    return given


def _allowed(param: object) -> str:
    """``" (allowed: 1 to 10,000,000)"`` for an option with a numeric range, else ``""``."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        return ""
    if high is None:
        return f" (allowed: {low:,} or more)"
    if low is None:
        return f" (allowed: {high:,} or less)"
    return f" (allowed: {low:,} to {high:,})"
