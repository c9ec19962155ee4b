"""The ``flysim`` command-line interface: run, validate, compare, sweep, sensitivity.

``main`` is the console script's entry point; ``app`` is the typer application,
for testing with ``typer.testing.CliRunner`` or embedding.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

# Importing the command modules registers their commands on the app.
from flysim.cli import study as _study  # noqa: F401
from flysim.cli.app import app
from flysim.cli.common import EXIT_INTERRUPTED, stderr

__all__ = ["Interrupted", "app", "main"]

#: Seconds after which an interrupt nobody has taken is delivered again.
_REDELIVER_S = 1.0


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, as the command line's own SIGINT handler raises it.

    A subclass, not ``KeyboardInterrupt`` itself: CPython (3.11) remembers a
    plain ``KeyboardInterrupt`` that passes through ``exec`` of a string (scipy
    imports lazily that way) and then kills the process with SIGINT at exit,
    even after flysim has caught it and chosen exit status 130.
    """


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    # Python runs this handler between any two bytecodes, and a few places
    # swallow what it raises (an at-fork callback, a finaliser): the interrupt
    # would be lost. So until the command takes it (its cleanup ignores
    # SIGINT from then on), it is delivered again.
    timer = threading.Timer(_REDELIVER_S, _redeliver)
    timer.daemon = True
    timer.start()
    raise Interrupted


def _redeliver() -> None:
    if signal.getsignal(signal.SIGINT) is _raise_interrupted:
        os.kill(os.getpid(), signal.SIGINT)


def _caused_by_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was raised while handling or because of, an Interrupted."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def main() -> None:
    """Run the command line and exit with its status."""
    signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        app(prog_name="flysim")
    except Exception as exc:
        # An interrupt that landed in an import or a class body can reach here
        # wrapped in another exception: it is still Ctrl-C, not a crash.
        if not _caused_by_interrupt(exc):
            raise
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stderr.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
