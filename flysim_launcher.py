"""The ``flysim`` console script: Ctrl-C from the very first instant is one line, not a traceback.

It lives outside the ``flysim`` package on purpose: importing anything in the
package first runs ``flysim/__init__.py``, which imports numpy, pandas and
the engines (a second or two), and a Ctrl-C there would print a long
``KeyboardInterrupt`` traceback. This module imports nothing but the standard
library before it installs its handlers. ``python -m flysim`` goes through
the package and has no such guard for its first import.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

__all__ = ["main"]

_received: list[int] = []


class _StartupInterrupted(KeyboardInterrupt):
    """A signal during start-up (a subclass: see ``flysim.cli.signals.Interrupted``)."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise _StartupInterrupted


def _stop() -> None:
    """One line and the shell's status for the first signal received (130, 143 or 129)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    except OSError:
        pass  # SIGHUP: the terminal may be gone
    os._exit(128 + _received[0])  # nothing half-imported is worth cleaning up


def main() -> None:
    """Import the command line under start-up handlers, then run it."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    try:
        from flysim.cli import main as cli_main
    except BaseException:
        # The interrupt may surface wrapped in another exception (an import
        # error, a RuntimeError from a class body): what counts is that it came.
        if _received:
            _stop()
        raise
    if _received:  # swallowed on the way (a finaliser, an at-fork hook): still a stop
        _stop()
    cli_main()  # installs the command line's own handlers first thing
