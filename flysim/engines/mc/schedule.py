"""The numpy core's time grid: steps that end at every month's end and weekly check."""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

from flysim.units import DAYS_PER_MONTH, DAYS_PER_WEEK

__all__ = ["Schedule", "schedule"]


@dataclass(frozen=True)
class Schedule:
    """The time grid of a simulation: step ends, which hold a check, which end a month.

    Attributes
    ----------
    starts, ends : numpy.ndarray
        Each step's start and end, in days.
    check : numpy.ndarray
        Whether a weekly check happens at the step's end.
    month_end : numpy.ndarray
        Whether the step ends a month.
    """

    starts: np.ndarray
    ends: np.ndarray
    check: np.ndarray
    month_end: np.ndarray


@functools.lru_cache(maxsize=64)
def schedule(months: int, steps_per_month: int, checks: bool) -> Schedule:
    """Steps that end at every month's end and (with checks) every weekly check day.

    A weekly check happens at its exact time, so the stocks read at a
    month's end have had the right time to move since the last check; a
    stretch longer than ``30.4375 / steps_per_month`` days is cut into equal
    steps. Cached: a block with a row per run asks for the same grid for each.
    """
    horizon = months * DAYS_PER_MONTH
    marks = [m * DAYS_PER_MONTH for m in range(1, months + 1)]
    weekly = []
    if checks:
        j = 1
        while j * DAYS_PER_WEEK < horizon:
            weekly.append(j * DAYS_PER_WEEK)
            j += 1
    edges = np.unique(np.concatenate([[0.0], marks, weekly]))
    longest = DAYS_PER_MONTH / steps_per_month
    cuts = [
        np.linspace(a, b, math.ceil((b - a) / longest - 1e-9) + 1)[1:]
        for a, b in itertools.pairwise(edges)
    ]
    ends = np.concatenate(cuts)
    starts = np.concatenate([[0.0], ends[:-1]])
    on = lambda grid: np.isin(ends, np.asarray(grid, dtype=float))  # noqa: E731
    return Schedule(starts=starts, ends=ends, check=on(weekly), month_end=on(marks))
