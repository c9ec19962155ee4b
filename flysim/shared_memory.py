"""Result arrays that forked workers write into and this process then owns, never copied.

``flysim.execution.fold_blocks`` lets each forked worker derive its chunk's
metrics straight into the result, so a chunk's numbers never travel between
processes. The result is a shared memory file (``memfd_create``) mapped
``MAP_SHARED`` while the workers write; once they are done, ``private`` maps
the same pages ``MAP_PRIVATE``, copy-on-write: the result becomes this
process's own array (a process forked later that writes into it changes its
own copy only) without copying it. A copy into fresh memory took 20 ms to
0.26 s for the 78 MB of 10,000 start-up runs on this project's VM, whose page
faults are slow and uneven; the mapping takes microseconds.

Where workers are not forked (spawn or forkserver: macOS, Windows, Linux from
Python 3.14) or there is no ``memfd_create``, arrays are plain and the
workers' blocks come back to be folded here.
"""

from __future__ import annotations

import ctypes
import math
import mmap
import multiprocessing
import os
import weakref

import numpy as np

__all__ = ["private", "shared", "shared_zeros"]


def shared(workers: int) -> bool:
    """Whether ``workers`` worker processes write into ``shared_zeros``' arrays themselves.

    Parameters
    ----------
    workers : int
        The worker processes a job will use.

    Returns
    -------
    bool
        True when more than one worker is forked from this process and this
        system makes shared memory files. The start method is read without
        fixing it: a caller may still choose one.
    """
    method = multiprocessing.get_start_method(allow_none=True)
    forks = (method or multiprocessing.get_all_start_methods()[0]) == "fork"
    return workers > 1 and forks and _memfd_works()


def _memfd_works() -> bool:
    """Whether ``memfd_create`` exists and succeeds (an old kernel or a sandbox may refuse it).

    Asked each time (a few microseconds, twice a job): a test or a sandbox
    may change the answer.
    """
    if not hasattr(os, "memfd_create"):
        return False
    try:
        os.close(os.memfd_create("flysim-probe", os.MFD_CLOEXEC))
    except OSError:
        return False
    return True


class _SharedFile(mmap.mmap):
    """A ``MAP_SHARED`` mapping of a shared memory file, which keeps the file's descriptor.

    The descriptor is closed by ``private`` once it has mapped the pages
    privately, or when the mapping is collected.
    """

    fd: int
    close_fd: weakref.finalize


def shared_zeros(shape: tuple[int, ...], workers: int) -> np.ndarray:
    """A float64 array of zeros that ``fold_blocks``' workers write into and this process reads.

    Parameters
    ----------
    shape : tuple of int
        The array's shape.
    workers : int
        The ``workers`` that will be given to ``fold_blocks``: the same, or the
        workers' writes may not reach this process.

    Returns
    -------
    numpy.ndarray
        A shared memory file's pages when ``shared(workers)``; a plain array
        otherwise, and ``fold_blocks`` folds each block here instead. Give
        the result to ``private`` once the workers are done.
    """
    if not shared(workers):
        return np.zeros(shape)
    count = math.prod(shape)
    size = max(count, 1) * 8
    fd = os.memfd_create("flysim-result", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, size)  # a new file reads as zeros
        mapping = _SharedFile(fd, size, flags=mmap.MAP_SHARED)
    except BaseException:
        os.close(fd)
        raise
    mapping.fd = fd
    mapping.close_fd = weakref.finalize(mapping, os.close, fd)
    mapping.close_fd.atexit = False  # the process's exit closes it
    return np.frombuffer(mapping, dtype=np.float64, count=count).reshape(shape)


def private(array: np.ndarray) -> np.ndarray:
    """``array`` as this process's own memory: a ``shared_zeros`` array remapped, others as is.

    Parameters
    ----------
    array : numpy.ndarray
        An array, typically one ``shared_zeros`` made, once the workers are done.

    Returns
    -------
    numpy.ndarray
        The pages the workers wrote, mapped again copy-on-write (no copy): a
        process forked later that writes into the result changes its own
        copy only, as with any array, and later forks no longer inherit the
        shared mapping. Writing into the result copies the pages written,
        so a result changed throughout is held twice until it is dropped.
        Do not write into the shared array afterwards: pages the result has
        not written yet would show it. A second call for the same array, or
        a part of one, copies; any other array comes back as it is.
    """
    owner: object = array
    while isinstance(owner, np.ndarray):
        owner = owner.base
    if isinstance(owner, memoryview):  # numpy holds a buffer through a view of it
        owner = owner.obj
    if not isinstance(owner, _SharedFile):
        return array
    start = np.frombuffer(owner, dtype=np.uint8, count=1).ctypes.data
    whole = array.flags.c_contiguous and array.nbytes == len(owner) and array.ctypes.data == start
    if not (whole and owner.close_fd.alive):
        # A part of a shared array, or one already remapped (its descriptor,
        # closed then, may number another file by now): copied.
        return np.array(array)
    mine = _map_private(owner.fd, len(owner))
    owner.close_fd()
    if hasattr(mmap, "MADV_DONTFORK"):
        owner.madvise(mmap.MADV_DONTFORK)
    return np.frombuffer(memoryview(mine), dtype=array.dtype).reshape(array.shape)


def _map_private(fd: int, size: int) -> ctypes.Array[ctypes.c_char]:
    """The file's first ``size`` bytes mapped ``MAP_PRIVATE``, unmapped when collected.

    By ``mmap(2)`` itself: ``mmap.mmap`` keeps a duplicate of the file's
    descriptor open as long as the mapping lives (until Python 3.13's
    ``trackfd=False``), so a result per descriptor would meet the limit on
    open files (often 1,024) in a loop that keeps its results.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    )
    libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
    prot = mmap.PROT_READ | mmap.PROT_WRITE
    address = libc.mmap(None, size, prot, mmap.MAP_PRIVATE, fd, 0)
    if address is None or address == ctypes.c_void_p(-1).value:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot map the result: {os.strerror(errno)}")
    buffer = (ctypes.c_char * size).from_address(address)
    # Not at exit: an atexit handler or a daemon thread may still read the
    # result then, and the process's exit unmaps it anyway.
    weakref.finalize(buffer, libc.munmap, address, size).atexit = False
    return buffer
