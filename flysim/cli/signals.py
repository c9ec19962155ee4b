"""Ctrl-C, SIGTERM and SIGHUP: one way to stop, whatever sent the signal.

SIGINT raises :class:`Interrupted` in the main thread. SIGTERM (what
``timeout``, ``docker stop`` and CI cancellation send) and SIGHUP (a closed
terminal) are turned into a SIGINT to this process, so that whoever handles
Ctrl-C at that moment (the command's cleanup, or the worker pool's deferral
while it forks) handles them too, the same way. The exit status says which
signal it was, as shells report it: 130 for SIGINT, 143 for SIGTERM, 129 for
SIGHUP.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

__all__ = ["Interrupted", "caused_by_interrupt", "exit_status", "install", "received"]

#: Seconds after which an interrupt nobody has taken is delivered again.
_REDELIVER_S = 1.0
#: The signals handled like Ctrl-C (SIGHUP does not exist on Windows).
_TERMINATING = tuple(
    s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None
)

_main_pid: int | None = None
_received: int | None = None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, SIGHUP), as the command line's own SIGINT handler raises it.

    A subclass, not ``KeyboardInterrupt`` itself: CPython (3.11) remembers a
    plain ``KeyboardInterrupt`` that passes through ``exec`` of a string (scipy
    imports lazily that way) and then kills the process with SIGINT at exit,
    even after flysim has caught it and chosen its exit status.
    """


def install() -> None:
    """Install the handlers; call once, from the main thread, before the work starts."""
    global _main_pid
    _main_pid = os.getpid()
    signal.signal(signal.SIGINT, _on_sigint)
    for signum in _TERMINATING:
        signal.signal(signum, _on_terminate)


def received() -> int | None:
    """The first stopping signal received, if any."""
    return _received


def exit_status() -> int:
    """128 + the signal that stopped the command (SIGINT if none was recorded)."""
    return 128 + int(_received if _received is not None else signal.SIGINT)


def caused_by_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was raised while handling or because of, an Interrupted."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _record(signum: int) -> None:
    global _received
    if _received is None:
        _received = signum


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _record(signum)
    # Python runs this handler between any two bytecodes, and a few places
    # swallow what it raises (an at-fork callback, a finaliser): the interrupt
    # would be lost. So until the command takes it (its cleanup ignores
    # SIGINT from then on), it is delivered again.
    timer = threading.Timer(_REDELIVER_S, _redeliver)
    timer.daemon = True
    timer.start()
    raise Interrupted


def _redeliver() -> None:
    if signal.getsignal(signal.SIGINT) is _on_sigint:
        os.kill(os.getpid(), signal.SIGINT)


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _main_pid:
        # A forked worker inherited this handler: it must die as the signal
        # says (Pool.terminate() stops workers with SIGTERM), not ignore it.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _record(signum)
    signal.raise_signal(signal.SIGINT)
