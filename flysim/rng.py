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

__all__ = [
    "STREAMS",
    "extra_keys",
    "fresh_seed",
    "generator",
    "run_keys",
    "spawned_states",
    "stream_key",
]

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
    return spawned_states(seed, runs, (stream_key("counter"),), len(STREAMS))


def extra_keys(seed: int, runs: np.ndarray, name: str) -> np.ndarray:
    """One 64-bit key per run for a stream beyond ``STREAMS`` (e.g. ``"paid:social"``).

    From ``SeedSequence(seed, spawn_key=(run, stream_key("counter"),
    stream_key(name)))``: like ``run_keys``, a run's key depends on the seed,
    its index and the stream's name alone, not on the other streams a scenario has.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    tag, key = stream_key("counter"), stream_key(name)
    return spawned_states(seed, runs, (tag, key), 1)[:, 0]


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


# numpy's SeedSequence (numpy/random/bit_generator.pyx): its constants and steps.
_POOL = 4
_INIT_A, _MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
_INIT_B, _MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_SHIFT = np.uint32(16)
#: Run indices below this are one 32-bit word of entropy (every practical run).
_ONE_WORD = 1 << 32


def _words(n: int) -> list[int]:
    """``n`` as SeedSequence reads an int: little-endian 32-bit words, ``[0]`` for 0."""
    out = []
    while True:
        out.append(n & 0xFFFFFFFF)
        n >>= 32
        if not n:
            return out


def spawned_states(seed: int, runs: np.ndarray, tail: tuple[int, ...], n_words: int) -> np.ndarray:
    """``SeedSequence(seed, spawn_key=(run, *tail)).generate_state(n_words, uint64)`` per run.

    The same numbers as numpy's (O'Neill's ``seed_seq_fe``, as numpy
    implements it), computed for every run at once: numpy's ``SeedSequence``
    takes one Python object and 9 to 20 us per run (5 % of a numpy-core
    chunk's time) and has no vectorised form. The run keys of the numpy core
    and the uncertain inputs' uniforms
    (``flysim.uncertainty.draws.input_uniforms``) both come from here. Runs
    past ``2**32`` (two words of entropy) go through numpy's own, one by one.

    Parameters
    ----------
    seed : int
        The entropy (non-negative).
    runs : numpy.ndarray
        Run indices (non-negative integers), the spawn key's first word.
    tail : tuple of int
        The spawn key's other words (non-negative), e.g. stream keys.
    n_words : int
        64-bit words of state per run.

    Returns
    -------
    numpy.ndarray
        uint64, ``(len(runs), n_words)``.

    Raises
    ------
    ValueError
        For a negative seed, run or tail word (numpy's ``SeedSequence`` refuses them too).
    """
    runs = np.asarray(runs).reshape(-1)
    if seed < 0 or any(t < 0 for t in tail):
        raise ValueError(f"seed and spawn key words must be >= 0, got {seed} and {tail}")
    if runs.size and (not np.issubdtype(runs.dtype, np.integer) or runs.min() < 0):
        raise ValueError("runs must be non-negative integers")
    out = np.empty((runs.size, n_words), dtype=np.uint64)
    big = runs >= _ONE_WORD
    for j in np.flatnonzero(big):
        ss = np.random.SeedSequence(entropy=seed, spawn_key=(int(runs[j]), *tail))
        out[j] = ss.generate_state(n_words, np.uint64)
    small = ~big
    if not small.any():
        return out
    # The assembled entropy: the seed's words (padded to the pool, since there
    # is a spawn key), then the run's word and the tail's.
    head = _words(seed)
    head += [0] * (_POOL - len(head))
    cols: list[np.ndarray | np.uint32] = [np.uint32(w) for w in head]
    cols.append(runs[small].astype(np.uint32))
    cols += [np.uint32(w) for t in tail for w in _words(t)]
    pool = _mix(cols)
    state = np.empty((int(small.sum()), 2 * n_words), dtype=np.uint32)
    h = _INIT_B
    with np.errstate(over="ignore"):
        for i in range(2 * n_words):
            v = pool[i % _POOL] ^ h
            h = np.uint32(h * _MULT_B)
            v = v * h
            state[:, i] = v ^ (v >> _SHIFT)
    out[small] = state.astype("<u4").view("<u8").astype(np.uint64)
    return out


def _mix(entropy: list[np.ndarray | np.uint32]) -> list[np.ndarray]:
    """SeedSequence's ``mix_entropy`` of the assembled words, a column at a time."""
    h = _INIT_A

    def hashmix(value: np.ndarray | np.uint32) -> np.ndarray:
        nonlocal h
        value = value ^ h
        h = np.uint32(h * _MULT_A)
        value = value * h
        return np.asarray(value ^ (value >> _SHIFT), dtype=np.uint32)

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r = np.asarray(_MIX_L * x - _MIX_R * y, dtype=np.uint32)
        return np.asarray(r ^ (r >> _SHIFT), dtype=np.uint32)

    with np.errstate(over="ignore"):
        pool = [hashmix(entropy[i] if i < len(entropy) else np.uint32(0)) for i in range(_POOL)]
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for src in range(_POOL, len(entropy)):
            for dst in range(_POOL):
                pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    return pool
