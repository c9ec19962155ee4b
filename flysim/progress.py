"""A rich progress bar over runs, for the CLI and for notebooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["ProgressArg", "engine_status", "progress_callback", "run_progress"]

#: What the public functions' ``progress`` argument takes: True for a bar, a
#: callable for one's own reporting, None or False for nothing.
ProgressArg = bool | Callable[[int], None] | None


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

    console = Console(stderr=True)
    # Redirected to a file or a pipe, a bar would only leave a blank line
    # behind; a notebook shows it (rich draws it as a widget).
    shown = console.is_terminal or console.is_jupyter
    with Progress(*columns, console=console, transient=True, disable=not shown) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def progress_callback(
    progress: ProgressArg, total: int, label: str, *, unit: str = "runs"
) -> AbstractContextManager[Callable[[int], None] | None]:
    """A context manager yielding the callback to call with each amount of work done.

    ``True`` gives a :func:`run_progress` bar, a callable is used as it is, and
    None or False give no callback.
    """
    if progress is None or progress is False:
        return nullcontext(None)
    if callable(progress):
        return nullcontext(progress)
    return run_progress(total, label, unit=unit)


def engine_status(progress: ProgressArg, note: str | None) -> AbstractContextManager[object]:
    """A spinner on standard error saying ``note`` while an engine prepares.

    Only where a progress bar is asked for (``progress`` True) and the
    engine has something slow to prepare (its ``preparing`` note).
    """
    if progress is not True or note is None:
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(note, spinner="dots")
