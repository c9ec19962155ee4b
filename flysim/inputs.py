"""Uncertain inputs of a run: each run's draws, and the scenario each run simulates.

Each run draws every uncertain input once, from a stream keyed by the seed,
the run's index and the key's path (``flysim.uncertainty.draws``): two
scenarios compared with one seed draw the same value of every input they
share, run by run, and changing one input's law leaves the others' draws
alone. With ``fix_inputs`` a run keeps the scenario as loaded, whose keys hold
their laws' medians.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flysim.scenario import Scenario
from flysim.scenario.uncertain import inputs_of, with_inputs
from flysim.uncertainty import draw_inputs

__all__ = ["draw_frame", "is_uncertain", "run_scenarios"]


def is_uncertain(scenario: Scenario) -> bool:
    """Whether any key of the scenario holds a distribution."""
    return bool(scenario.uncertain)


def draw_frame(scenario: Scenario, seed: int, runs: int) -> pd.DataFrame | None:
    """Every run's draw of every uncertain input: one row per run, one column per key.

    Returns None for a scenario with no uncertain input. The frame's index is
    ``run`` (0-based, the index that keys the run's streams).
    """
    inputs = inputs_of(scenario)
    if not inputs:
        return None
    values = draw_inputs(inputs.laws, inputs.correlation, seed, np.arange(runs, dtype=np.int64))
    frame = pd.DataFrame({k: values[k] for k in sorted(values)})
    frame.index.name = "run"
    return frame


def run_scenarios(
    variants: Sequence[Scenario], frames: Sequence[pd.DataFrame | None], runs: int
) -> list[Scenario]:
    """The scenario of every run of every variant, variant by variant, run by run."""
    out: list[Scenario] = []
    for scenario, frame in zip(variants, frames, strict=True):
        if frame is None:
            out.extend([scenario] * runs)
            continue
        keys = list(frame.columns)
        values = frame.to_numpy()
        out.extend(with_inputs(scenario, dict(zip(keys, row, strict=True))) for row in values)
    return out
