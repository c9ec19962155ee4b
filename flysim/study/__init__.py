"""Studies over scenarios: compare several, sweep a grid, rank parameters by sensitivity.

Each is a function returning a result object that keeps its raw data and has
``to_frame()`` and ``plot(ax=None)``; the CLI's ``flysim compare``, ``flysim
sweep`` and ``flysim sensitivity`` call exactly these. Every variant of a
study runs with the same seed (common random numbers), on the numpy core by
default.
"""

from __future__ import annotations

from flysim.study.compare import COMPARE_KPIS, Comparison, compare
from flysim.study.decisions import Thresholds
from flysim.study.params import Param, numeric_keys, parse_param
from flysim.study.sensitivity import METHODS, SensitivityResult, sensitivity
from flysim.study.sweep import SweepResult, sweep

__all__ = [
    "COMPARE_KPIS",
    "METHODS",
    "Comparison",
    "Param",
    "SensitivityResult",
    "SweepResult",
    "Thresholds",
    "compare",
    "numeric_keys",
    "parse_param",
    "sensitivity",
    "sweep",
]
