"""The ``flysim`` command-line interface: run, validate, compare, sweep, sensitivity.

``main`` is the console script's entry point; ``app`` is the typer application,
for testing with ``typer.testing.CliRunner`` or embedding.
"""

from __future__ import annotations

import signal
from types import FrameType

# Importing the command modules registers their commands on the app.
from flysim.cli import study as _study  # noqa: F401
from flysim.cli.app import app

__all__ = ["Interrupted", "app", "main"]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, as the command line's own SIGINT handler raises it.

    A subclass, not ``KeyboardInterrupt`` itself: CPython (3.11) remembers a
    plain ``KeyboardInterrupt`` that passes through ``exec`` of a string (scipy
    imports lazily that way) and then kills the process with SIGINT at exit,
    even after flysim has caught it and chosen exit status 130.
    """


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def main() -> None:
    """Run the command line and exit with its status."""
    signal.signal(signal.SIGINT, _raise_interrupted)
    app(prog_name="flysim")
