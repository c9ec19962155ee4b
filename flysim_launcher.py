"""The ``flysim`` console script: Ctrl-C from the very first instant is one line, not a traceback.

It lives outside the ``flysim`` package on purpose: importing anything in the
package first runs ``flysim/__init__.py``, which imports numpy, pandas, numba
and the engines (a second or two), and a Ctrl-C there would print a long
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


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """One line and the shell's status (130, 143 or 129), straight from the handler.

    Raising instead would not always reach ``main``: a signal that lands in a
    weakref callback or finaliser during an import (the import lock's own
    callback, for one) is printed as "Exception ignored in ..." and swallowed.
    Nothing half-imported is worth cleaning up, so the handler ends the process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    except OSError:
        pass  # SIGHUP: the terminal may be gone
    os._exit(128 + signum)


def main() -> None:
    """Import the command line under start-up handlers, then run it."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    from flysim.cli import main as cli_main

    cli_main()  # installs the command line's own handlers first thing
