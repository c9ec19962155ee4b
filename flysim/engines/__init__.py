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
