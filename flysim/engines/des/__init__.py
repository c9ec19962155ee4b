"""The SimPy agent model: every lead and customer an agent, in continuous time.

Layers, bottom up: ``draws`` (buffered random numbers), ``ledger`` (the month
books), ``customer`` (a customer's competing hazards), ``attract`` (lead
arrivals by thinning), ``checks`` (weekly health signals and triggers),
``world`` (state and every state change), ``engine`` (runs behind the
``Engine`` contract).
"""

from __future__ import annotations

from flysim.engines.des.engine import AgentEngine

__all__ = ["AgentEngine"]
