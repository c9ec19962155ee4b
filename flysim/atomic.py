"""Writing a result folder all or nothing: built beside its target, then swapped in.

A folder is written into a temporary sibling and renamed over the target
only once complete, so a crash, a full disk or Ctrl-C leaves either the old
folder or the new one, never a mix.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flysim.outputs import OutputPathError, check_result_folder, signals_deferred

__all__ = ["atomic_directory", "target_path"]


def target_path(directory: str | os.PathLike[str]) -> Path:
    """The folder a result may be written to, checked; FileExistsError in one line if not."""
    # The checks (and their one-line messages) are shared with the command
    # line, which runs them before simulating; a symlink is written through.
    try:
        return check_result_folder(directory)
    except OutputPathError as exc:
        raise FileExistsError(str(exc)) from None


def _match_umask(folder: Path) -> None:
    """Give a ``mkdtemp`` folder (mode 0700) the mode a plain ``mkdir`` would have."""
    probe = folder / ".mode-probe"
    probe.mkdir()  # honours the umask, without touching the process-wide umask
    mode = probe.stat().st_mode & 0o777
    probe.rmdir()
    folder.chmod(mode)


def _swap_in(new: Path, target: Path) -> None:
    # Deferred signals: a stop between the two renames would leave nothing
    # at ``target``; the old folder is kept aside until the new one is in place.
    with signals_deferred():
        if not target.exists():
            new.rename(target)
            return
        aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-old-"))
        target.rename(aside / target.name)
        try:
            new.rename(target)
        except BaseException:
            (aside / target.name).rename(target)
            shutil.rmtree(aside, ignore_errors=True)
            raise
        shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def atomic_directory(directory: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a folder's content in a temporary sibling, then swap it in whole.

    Parameters
    ----------
    directory : path
        The folder to create or replace. An existing one is replaced only if it
        is empty or an earlier flysim result holding only the files its
        ``manifest.json`` lists. A symbolic link is followed: the folder it
        points to is replaced, the link stays.

    Yields
    ------
    pathlib.Path
        The temporary folder to write into. When the block finishes, it becomes
        ``directory`` (the old folder is renamed aside, then deleted); if the
        block raises, it is deleted and ``directory`` is left as it was.

    Raises
    ------
    FileExistsError
        If ``directory`` is a file, or a folder that holds anything but an
        earlier result, or cannot be written (see
        :func:`flysim.outputs.check_result_folder`).
    """
    target = target_path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        yield tmp
        _match_umask(tmp)
        _swap_in(tmp, target)
    except BaseException:
        with signals_deferred():  # a second signal must not leave a hidden half-folder
            shutil.rmtree(tmp, ignore_errors=True)
        raise
