"""Where results go: whether a folder or file can take them, checked before any work starts.

A simulation may take minutes; finding afterwards that ``--out`` is a file, a
read-only folder or someone's documents wastes them, or worse, deletes a
user's files. :func:`check_result_folder` and :func:`check_output_file` say,
in one line, why a target cannot be written, and are what the command line
calls before simulating and what :mod:`flysim.io` calls before replacing a
folder. :func:`signals_deferred` keeps a stopping signal from landing between
the two renames that swap a new result folder in.

A target that is a symbolic link is written *through*: the result goes to
the folder (or file) the link points to, and the link stays a link.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = [
    "MANIFEST_FILE",
    "REPORT_FILE",
    "OutputPathError",
    "check_output_file",
    "check_result_folder",
    "signals_deferred",
]

#: The file that marks a folder as a flysim result (``flysim.io`` writes it).
MANIFEST_FILE = "manifest.json"
#: The report flysim writes into a result folder: ``--report`` lists it in the
#: manifest; ``flysim report FOLDER`` adds it to a folder saved earlier.
REPORT_FILE = "report.html"
#: Characters the temporary sibling adds to a name: ``.`` + name + ``-`` + 8 random.
_TMP_EXTRA = 10
_TERMINATING = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)


class OutputPathError(ValueError):
    """A results folder or file that cannot be written; the message says why, in one line."""


def check_result_folder(directory: str | os.PathLike[str], *, replace: bool = True) -> Path:
    """Check that ``directory`` can receive a result folder, and return its real path.

    Parameters
    ----------
    directory : path
        The folder to create, or to replace with a new result.
    replace : bool
        True (``flysim run``): an existing folder is replaced whole, so it must
        be empty or an earlier flysim result holding only the files its
        manifest lists. False (the studies, which write their files into the
        folder): an existing folder only has to be writable.

    Returns
    -------
    pathlib.Path
        The absolute path to write, a symbolic link followed to its target.

    Raises
    ------
    OutputPathError
        If the path names no folder (``/``), is a file or a device, is a
        folder holding files flysim did not write, lies on a read-only file
        system or in a folder without write permission, or has a name too
        long for the file system.
    """
    given = os.fspath(directory)
    if "\0" in given:
        raise OutputPathError("the output path contains a NUL byte")
    target = Path(os.path.realpath(os.path.abspath(os.path.expanduser(given))))
    if not target.name:
        raise OutputPathError(
            f"{given}: cannot write results to the root folder; name a folder below it"
        )
    info = _stat(target, given)
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            what = "a file" if stat.S_ISREG(info.st_mode) else "a device or special file"
            raise OutputPathError(f"{given} is {what}, not a folder; choose another output folder")
        if replace:
            _check_replaceable(target, given)
    _check_creatable(target, given, extra=_TMP_EXTRA)
    return target


def check_output_file(path: str | os.PathLike[str]) -> Path:
    """Check that a file (the ``--events`` log) can be written at ``path``; return its real path.

    Raises
    ------
    OutputPathError
        If ``path`` is a folder, a device or special file (``/dev/null``), or
        cannot be created (read-only, no permission, name too long).
    """
    given = os.fspath(path)
    if "\0" in given:
        raise OutputPathError("the output path contains a NUL byte")
    target = Path(os.path.realpath(os.path.abspath(os.path.expanduser(given))))
    info = _stat(target, given)
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "a device or special file"
        raise OutputPathError(f"{given} is {what}, not a file; choose another file name")
    # The writer renames a hidden ".name.<pid>.tmp" sibling into place.
    _check_creatable(target, given, extra=len(f"..{os.getpid()}.tmp"))
    return target


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver the first one.

    For steps that must not be cut in two, such as the renames that swap a
    new result folder in. Only the main thread can change signal handlers
    (and only it runs them), so elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous: dict[int, Any] = {}
    try:
        for signum in _TERMINATING:
            previous[signum] = signal.signal(signum, record)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            # Through whatever handler is installed again now.
            signal.raise_signal(received[0])


def _stat(target: Path, given: str) -> os.stat_result | None:
    try:
        return target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputPathError(f"{given}: {_reason(exc)}") from None


def _check_replaceable(target: Path, given: str) -> None:
    """An existing folder may be replaced only if nothing in it would be lost."""
    try:
        entries = sorted(os.listdir(target))
    except OSError as exc:
        raise OutputPathError(f"{given}: {_reason(exc)}") from None
    if not entries:
        return
    own = _manifest_files(target)
    if own is None:
        raise OutputPathError(
            f"refusing to replace {given}: it is not empty and holds no {MANIFEST_FILE} "
            "(not a flysim result folder); choose another --out"
        )
    foreign = [e for e in entries if e not in own]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OutputPathError(
            f"refusing to replace {given}: it holds {foreign[0]!r}{more}, which flysim did not "
            "write; move it away or choose another --out"
        )


def _manifest_files(folder: Path) -> set[str] | None:
    """The names a flysim result folder's manifest lists (itself included), or None."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != "flysim-result":
        return None
    names = {MANIFEST_FILE, REPORT_FILE}
    for key in ("files", "plots"):
        listed = manifest.get(key, [])
        if isinstance(listed, list):
            names.update(str(n) for n in listed)
    return names


def _check_creatable(target: Path, given: str, *, extra: int) -> None:
    """The nearest existing ancestor must be a writable folder, and every new name fit."""
    missing: list[str] = [target.name]
    ancestor = target.parent
    while True:
        info = _stat(ancestor, given)
        if info is not None:
            break
        missing.append(ancestor.name)
        ancestor = ancestor.parent
    if not stat.S_ISDIR(info.st_mode):
        raise OutputPathError(f"{given}: {ancestor} is not a folder")
    name_max = _name_max(ancestor)
    longest = max(len(os.fsencode(n)) for n in missing)
    if len(os.fsencode(target.name)) + extra > name_max or longest > name_max:
        raise OutputPathError(f"{given}: the name is too long for the file system")
    if ancestor == target.parent:
        # Create and remove a sibling like the one the writer will make: the
        # only test that catches a read-only mount, quotas and odd ACLs alike.
        try:
            probe = tempfile.mkdtemp(dir=ancestor, prefix=f".{target.name}-")
            os.rmdir(probe)
        except OSError as exc:
            # /proc and the like answer "no such file" for a folder that cannot exist there.
            why = "no folder can be created there" if exc.errno == errno.ENOENT else _reason(exc)
            raise OutputPathError(f"cannot write in {ancestor}: {why}") from None
    elif not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write in {ancestor}: permission denied")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)
