"""Levers that respond to spend: monotone piecewise-linear response curves.

A marketer states what a media-mix model, an A/B test or a budget test told
them as points ``{ x = [...], y = [...] }``: paid leads a month against the ad
budget, base organic leads against content spend, referral acceptance and
referrals per advocate against the reward. The response is read by linear
interpolation between the points and is flat beyond the first and the last
(``numpy.interp``): a budget past the last point buys no more leads, and one
below the first buys as many as the first point says, so a curve should start
at the smallest value the lever will take (usually ``x = 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

__all__ = ["CurveLike", "level", "respond"]


class CurveLike(Protocol):
    """Anything with the points of a response curve (the schema's ``Response``)."""

    @property
    def x(self) -> Sequence[float]: ...

    @property
    def y(self) -> Sequence[float]: ...


def respond(curve: CurveLike, value: float | np.ndarray) -> float | np.ndarray:
    """The curve's ``y`` at ``value`` of its lever: linear between points, flat beyond them."""
    out = np.interp(value, np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def level(value: float | CurveLike, lever: float) -> float:
    """A parameter given as a number, or as a response read at its lever's value."""
    return float(value) if isinstance(value, int | float) else float(respond(value, lever))
