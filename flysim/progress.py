"""A rich progress bar over runs, for the CLI and for notebooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["run_progress"]


@contextmanager
def run_progress(total: int, label: str, *, unit: str = "runs") -> Iterator[Callable[[int], None]]:
    """Show a progress bar of ``total`` items; yield a callback that advances it.

    The bar writes to standard error and disappears when done, so piped
    standard output stays clean.
    """
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    from rich.console import Console

    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
