"""What the figures of a simulation read: plain arrays per metric and a few labels.

Plot functions take any object with this shape (:class:`ResultLike`), never a
result or study class: a :class:`flysim.SimulationResult` has it, and
:class:`RunsData` builds one from a mapping of metric name to a ``runs x
months`` array, so figures can be drawn from data loaded anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["ResultLike", "RunsData"]


@runtime_checkable
class ResultLike(Protocol):
    """A simulation as figures read it: one ``runs x months`` array per metric, and labels."""

    @property
    def name(self) -> str:
        """The scenario's name, for titles."""
        ...

    @property
    def currency(self) -> str:
        """The currency of money metrics."""
        ...

    @property
    def seed(self) -> int:
        """The seed, for titles."""
        ...

    @property
    def engine(self) -> str:
        """The engine that simulated it, for titles."""
        ...

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        ...

    @property
    def n_months(self) -> int:
        """Number of months."""
        ...

    @property
    def months(self) -> np.ndarray:
        """Month numbers ``1..n_months``."""
        ...

    def metric(self, name: str) -> np.ndarray:
        """One metric's values, shape ``(runs, months)``; KeyError if unknown."""
        ...


@dataclass(frozen=True)
class RunsData:
    """A :class:`ResultLike` from plain arrays.

    Parameters
    ----------
    values : mapping of str to array_like
        Metric name to its values, each of shape ``(runs, months)``.
    name : str
        The scenario's name.
    currency : str, optional
    seed : int, optional
    engine : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> data = RunsData({"mrr": np.ones((3, 6))}, "Mine")
    >>> data.n_runs, data.n_months
    (3, 6)
    """

    values: Mapping[str, np.ndarray]
    name: str
    currency: str = "EUR"
    seed: int = 0
    engine: str = "mc"
    _arrays: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in self.values.items()}
        shapes = {a.shape for a in arrays.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise ValueError(f"values: need arrays of one (runs, months) shape, got {shapes}")
        object.__setattr__(self, "_arrays", arrays)

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return int(next(iter(self._arrays.values())).shape[0])

    @property
    def n_months(self) -> int:
        """Number of months."""
        return int(next(iter(self._arrays.values())).shape[1])

    @property
    def months(self) -> np.ndarray:
        """Month numbers ``1..n_months``."""
        return np.arange(1, self.n_months + 1)

    def metric(self, name: str) -> np.ndarray:
        """One metric's values, shape ``(runs, months)``."""
        try:
            return self._arrays[name]
        except KeyError:
            raise KeyError(f"unknown metric {name!r}; have {sorted(self._arrays)}") from None
