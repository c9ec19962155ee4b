"""Simulation engines, looked up by name."""

from __future__ import annotations

from flysim.engines.base import EVENT_COLUMNS, Engine, RawBlock
from flysim.engines.record import RAW_FIELDS, RAW_INDEX, SPEND_LINES, STOCKS

__all__ = [
    "ENGINES",
    "EVENT_COLUMNS",
    "RAW_FIELDS",
    "RAW_INDEX",
    "SPEND_LINES",
    "STOCKS",
    "Engine",
    "RawBlock",
    "get_engine",
    "resolve_engine",
]

#: Engine names and what they are.
ENGINES: dict[str, str] = {
    "mc": "vectorised numpy Monte Carlo core: counts per compartment, all runs at once",
    "des": "SimPy agent model: every lead and customer an agent, continuous time",
}


def get_engine(name: str) -> Engine:
    """Return the engine called ``name``.

    Raises
    ------
    ValueError
        If no engine has that name; the message lists the known ones.
    """
    if name == "mc":
        from flysim.engines.mc import MCEngine

        return MCEngine()
    if name == "des":
        from flysim.engines.des import AgentEngine

        return AgentEngine()
    known = ", ".join(sorted(ENGINES))
    raise ValueError(f"engine must be one of {known}; got {name!r}")


def resolve_engine(engine: str | Engine) -> Engine:
    """An engine instance from a name (``get_engine``) or an instance, checked.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For an object that does not implement ``Engine``.
    """
    if isinstance(engine, str):
        return get_engine(engine)
    missing = [
        a
        for a in ("name", "run_block", "min_chunk", "max_chunk", "chunks_per_worker")
        if not hasattr(engine, a)
    ]
    if missing:
        raise TypeError(
            f"engine must be a name ({', '.join(sorted(ENGINES))}) or an Engine; "
            f"{type(engine).__name__} lacks {', '.join(missing)}"
        )
    return engine
