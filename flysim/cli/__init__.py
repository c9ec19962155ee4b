"""The ``flysim`` command-line interface (``flysim run``, ``flysim validate``).

``main`` is the console script's entry point; ``app`` is the typer application,
for testing with ``typer.testing.CliRunner`` or embedding.
"""

from __future__ import annotations

from flysim.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the command line and exit with its status."""
    app(prog_name="flysim")
