"""Random streams: one seed, keyed by run index and stream name.

There is no global random state. Every run's random numbers come from
``SeedSequence(seed, spawn_key=(run, stream))``, so a run's draws depend only on
the seed, its index and the stream's name: not on chunking, worker count, or
which other runs were simulated. Two scenarios run with the same seed share
their random numbers stream by stream (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["STREAMS", "extra_keys", "fresh_seed", "generator", "run_keys", "stream_key"]

#: The named streams every run has. A scenario's paid channels after the
#: first draw from streams of their own, ``"paid:<name>"`` (``extra_keys``).
#: The named streams a run draws from. Keeping mechanisms on separate streams
#: keeps common random numbers aligned when two scenarios differ in one part.
STREAMS: tuple[str, ...] = (
    "initial",
    "paid",
    "organic",
    "referral",
    "decisions",
    "customers",
    "health",
    "evolve",
)


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (independent of ``STREAMS``' order)."""
    return zlib.crc32(name.encode("utf-8"))


def generator(seed: int, run: int, stream: str) -> np.random.Generator:
    """The generator of one named stream of one run.

    Parameters
    ----------
    seed : int
        The simulation's seed (non-negative).
    run : int
        The run's index, from 0.
    stream : str
        The stream's name.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from ``SeedSequence(seed, spawn_key=(run, key))``.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if run < 0:
        raise ValueError(f"run must be >= 0, got {run}")
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(run, stream_key(stream)))
    return np.random.Generator(np.random.PCG64(ss))


def run_keys(seed: int, runs: np.ndarray) -> np.ndarray:
    """One 64-bit key per run and stream, for counter-based draws (the numpy core).

    Parameters
    ----------
    seed : int
        The simulation's seed (non-negative).
    runs : numpy.ndarray
        Run indices.

    Returns
    -------
    numpy.ndarray
        uint64, shape ``(len(runs), len(STREAMS))``: column ``j`` is stream
        ``STREAMS[j]``, from ``SeedSequence(seed, spawn_key=(run, stream_key(
        "counter"))).generate_state``. Like ``generator``, a run's keys depend on
        the seed and its index alone.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    tag = stream_key("counter")
    out = np.empty((len(runs), len(STREAMS)), dtype=np.uint64)
    for i, run in enumerate(runs):
        ss = np.random.SeedSequence(entropy=seed, spawn_key=(int(run), tag))
        out[i] = ss.generate_state(len(STREAMS), np.uint64)
    return out


def extra_keys(seed: int, runs: np.ndarray, name: str) -> np.ndarray:
    """One 64-bit key per run for a stream beyond ``STREAMS`` (e.g. ``"paid:social"``).

    From ``SeedSequence(seed, spawn_key=(run, stream_key("counter"),
    stream_key(name)))``: like ``run_keys``, a run's key depends on the seed,
    its index and the stream's name alone, not on the other streams a scenario has.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    tag, key = stream_key("counter"), stream_key(name)
    out = np.empty(len(runs), dtype=np.uint64)
    for i, run in enumerate(runs):
        ss = np.random.SeedSequence(entropy=seed, spawn_key=(int(run), tag, key))
        out[i] = ss.generate_state(1, np.uint64)[0]
    return out


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, for runs given no seed.

    The value is recorded in the results' provenance so that such a run can be
    repeated exactly.
    """
    entropy = np.random.SeedSequence().entropy
    # Given no entropy, SeedSequence draws a 128-bit int from the OS; the stub
    # also allows the int sequences a caller may pass in.
    assert isinstance(entropy, int)
    return int(entropy % (2**63))
