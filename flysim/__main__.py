"""``python -m flysim``: the command-line interface."""

from flysim.cli import main

main()
