"""Parameters as data: a table with one row of model parameters per parameter set.

A study (a sweep, a sensitivity design, a comparison) and a single simulation
are the same thing to the engines: a block of runs, each run pointing at one
row of a ``ParameterTable``. The agent model reads a run's row as it is (a
``ModelRates`` of Python floats); the numpy core reads a column of values,
one per run of its block (``ParameterTable.per_run``), and advances runs with
different parameters in one vectorised pass.

A row is the ``ModelRates`` in force at t = 0. A scenario with dated changes
(``[[changes]]``) adds the rows in force from later months: ``changes[i]``
holds ``(month, ModelRates)`` pairs, month 0-based, in time order
(``timeline(i)`` gives both). ``at_month(m)`` is the table of the rows in
force during month ``m``, which is what an engine reads while it simulates it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from flysim.model.rates import ModelRates, compile_rates
from flysim.model.states import CHANNELS
from flysim.scenario.changes import timeline
from flysim.scenario.schema import Scenario

__all__ = ["ParameterTable", "RunParameters", "compile_table"]


@dataclass(frozen=True)
class ParameterTable:
    """One row of model parameters per parameter set.

    Attributes
    ----------
    rows : tuple of ModelRates
        The parameter sets, in order.
    """

    rows: tuple[ModelRates, ...]
    changes: tuple[tuple[tuple[int, ModelRates], ...], ...] = ()
    #: With uncertain inputs every run has its own parameters: row
    #: ``s * runs_per_set + r`` is run ``r`` of parameter set ``s`` (0: a row per set).
    runs_per_set: int = 0
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError("a parameter table needs at least one row")
        if self.changes and len(self.changes) != len(self.rows):
            raise ValueError("a parameter table needs one tuple of changes per row, or none")

    @property
    def n_sets(self) -> int:
        """Parameter sets (variants): rows, or rows over runs with ``runs_per_set``."""
        return len(self.rows) // self.runs_per_set if self.runs_per_set else len(self.rows)

    def timeline(self, row: int) -> tuple[tuple[int, ModelRates], ...]:
        """Row ``row``'s parameters over time: ``((0, rates), (month, rates), ...)``."""
        later = self.changes[row] if self.changes else ()
        return ((0, self.rows[row]), *later)

    @property
    def has_changes(self) -> bool:
        """Whether any row's parameters change during a run."""
        return any(self.changes)

    def change_months(self) -> tuple[int, ...]:
        """The months (0-based) at whose start some row's parameters change."""
        return tuple(sorted({m for row in self.changes for m, _ in row}))

    def at_month(self, month: int) -> ParameterTable:
        """The table of the rows in force during month ``month`` (0-based), with no changes."""
        if not self.has_changes:
            return self
        rows = []
        for i in range(len(self.rows)):
            now = self.rows[i]
            for m, rates in self.timeline(i):
                if m <= month:
                    now = rates
            rows.append(now)
        return ParameterTable(tuple(rows))

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        """One parameter's value in every row, ``(rows,)`` (an unlimited market is ``inf``)."""
        if name not in self._columns:
            values = [getattr(r, name) for r in self.rows]
            if name == "market_size":
                values = [math.inf if v is None else v for v in values]
            self._columns[name] = np.asarray(values, dtype=float)
        return self._columns[name]

    def channel_column(self, name: str) -> np.ndarray:
        """A channel parameter (``conversion``, ``decide_rate``) in every row, ``(rows, 3)``."""
        key = f"channels.{name}"
        if key not in self._columns:
            self._columns[key] = np.asarray(
                [[getattr(r.channels[c], name) for c in CHANNELS] for r in self.rows], dtype=float
            )
        return self._columns[key]

    def paid_names(self) -> tuple[str, ...]:
        """The paid channels' names over every row and every change, in order of appearance."""
        names: dict[str, None] = {}
        for i in range(len(self.rows)):
            for _, rates in self.timeline(i):
                names.update((p.name, None) for p in rates.paid)
        return tuple(names)

    def paid_column(self, stream: str, name: str) -> np.ndarray:
        """A paid channel's ``leads``, ``budget``, ``conversion`` or ``decide_rate`` by stream,
        in every row, ``(rows,)``; 0 in a row without that channel."""
        key = f"paid.{stream}.{name}"
        if key not in self._columns:
            values = []
            for r in self.rows:
                p = next((p for p in r.paid if p.stream == stream), None)
                if p is None:
                    values.append(0.0)
                else:
                    values.append(
                        getattr(p.channel if name in ("conversion", "decide_rate") else p, name)
                    )
            self._columns[key] = np.asarray(values, dtype=float)
        return self._columns[key]

    def subset(self, rows: Sequence[int] | np.ndarray) -> ParameterTable:
        """The table of the given rows, in that order."""
        picked = [int(i) for i in rows]
        changes = tuple(self.changes[i] for i in picked) if self.changes else ()
        return ParameterTable(tuple(self.rows[i] for i in picked), changes)

    def per_run(self, sets: np.ndarray) -> RunParameters:
        """Every parameter with one value per run, for runs pointing at rows ``sets``."""
        return RunParameters(self, np.asarray(sets, dtype=np.int64))


class RunParameters:
    """Parameters with one value per run of a block: ``ModelRates``' names, numpy arrays.

    ``params.paid_leads`` is ``table.column("paid_leads")[sets]``, computed
    once; the model's functions take it where the agent model passes a
    ``ModelRates``.
    """

    def __init__(self, table: ParameterTable, sets: np.ndarray) -> None:
        self.table = table
        self.sets = sets

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("table", "sets"):
            raise AttributeError(name)
        value = self.table.column(name)[self.sets]
        setattr(self, name, value)
        return value

    def paid(self, stream: str, name: str) -> np.ndarray:
        """A paid channel's parameter per run (``ParameterTable.paid_column``)."""
        return self.table.paid_column(stream, name)[self.sets]

    @cached_property
    def conversion(self) -> np.ndarray:
        """Base conversion per run and channel, ``(runs, 3)``."""
        return self.table.channel_column("conversion")[self.sets]


def compile_table(scenarios: Sequence[Scenario], runs_per_set: int = 0) -> ParameterTable:
    """A parameter table with one row per scenario (``compile_rates`` of each).

    A scenario's dated changes become the row's later entries, one per month
    in which its timeline (``flysim.scenario.changes.timeline``) has a segment.
    With ``runs_per_set``, ``scenarios`` are the runs' own, set by set.
    """
    rows, changes = [], []
    for scenario in scenarios:
        segments = timeline(scenario)
        rows.append(compile_rates(segments[0].scenario))
        changes.append(tuple((seg.month, compile_rates(seg.scenario)) for seg in segments[1:]))
    return ParameterTable(tuple(rows), tuple(changes) if any(changes) else (), runs_per_set)
