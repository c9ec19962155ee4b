"""Response curves in scenario files: ``{ x = [...], y = [...] }`` for a lever's effect.

A lever may hold a response instead of a number (``../shared/MODEL.md``,
"Levers that respond to spend"): paid leads a month against the budget,
organic base leads against content spend, referral acceptance and referrals
per advocate against the reward. The points are validated here, once, at
load; ``flysim.model.responses`` reads them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from flysim.scenario.bounds import MAX_HAZARD, MAX_LEADS, MAX_MONEY

__all__ = [
    "LeadsResponse",
    "RateResponse",
    "Response",
    "ShareResponse",
    "check_curve",
    "resolve_union_errors",
]


def check_curve(x: Sequence[float], y: Sequence[float]) -> str | None:
    """What is wrong with the points of a response curve, in words; None if nothing.

    The points must be as many in ``x`` as in ``y``, at least two, with ``x``
    strictly ascending and ``y`` monotone (only rising or only falling): a
    response to spend has no optimum hidden inside the curve.
    """
    if len(x) != len(y):
        return f"x has {len(x)} points and y {len(y)}; give one y per x"
    if len(x) < 2:
        return "a response needs at least two points"
    for i in range(1, len(x)):
        if not x[i] > x[i - 1]:
            return (
                f"x must be strictly ascending; x[{i}] = {_show(x[i])} follows x[{i - 1}] = "
                f"{_show(x[i - 1])}"
            )
    dy = [b - a for a, b in itertools.pairwise(y)]
    if any(d > 0 for d in dy) and any(d < 0 for d in dy):
        return "y must be monotone (only rising or only falling along x)"
    return None


def _show(x: float) -> str:
    """A number as the error lines write it: 1e7, not 1e+07 or 10000000."""
    return f"{x:.6g}".replace("e+0", "e").replace("e+", "e")


class Response(BaseModel):
    """A monotone piecewise-linear response: ``y`` at ``x`` of the lever, flat beyond the ends.

    ``x`` is the lever's value (money: a budget, a content spend, a reward),
    ascending, within 0 and 1e9; ``y`` the parameter's value, within the
    range the parameter itself allows.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The largest ``y`` allowed, and its words for an error.
    y_max: ClassVar[float] = math.inf
    y_unit: ClassVar[str] = ""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @model_validator(mode="after")
    def _points(self) -> Response:
        for name, values, top in (("x", self.x, MAX_MONEY), ("y", self.y, self.y_max)):
            for i, v in enumerate(values):
                if not (math.isfinite(v) and 0.0 <= v <= top):
                    within = f"must be between 0 and {_show(top)}"
                    raise ValueError(f"{name}[{i}] = {_show(v)}: {within}")
        problem = check_curve(self.x, self.y)
        if problem:
            raise ValueError(problem)
        return self


class LeadsResponse(Response):
    """Leads a month against a spend."""

    y_max = MAX_LEADS


class ShareResponse(Response):
    """A probability (a share of people) against a spend."""

    y_max = 1.0


class RateResponse(Response):
    """A rate a month per person against a spend."""

    y_max = MAX_HAZARD


#: How pydantic names a union's branch in an error's location: the number
#: branch ("constrained-float", "float") or a response branch (its class, or
#: "function-after[_points(), LeadsResponse]").
_NUMBER_TAGS = ("constrained-float", "float")
#: The tags of ``attract.paid``'s two forms (one channel, named channels),
#: ``flysim.scenario.channel_schema.ONE_PAID`` and ``NAMED_PAID``: a discriminated
#: union, so only the form the value took reports errors; the tag goes.
_FORM_TAGS = ("one-paid-channel", "named-paid-channels")


def _branch(part: object) -> str | None:
    """``"number"`` or ``"response"`` for a union branch tag in a location, else None."""
    if not isinstance(part, str):
        return None
    if part in _NUMBER_TAGS:
        return "number"
    if part.endswith("Response") or (part.startswith("function-after[") and "Response" in part):
        return "response"
    return None


def resolve_union_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Keep, of a number-or-response key's errors, those of the branch its value took.

    A key that may hold a number or a response gets pydantic's errors for both
    branches. A table given where a number may stand fails the number branch
    as "not a number", and a number fails the response branch as "not a
    table": those say nothing the user needs. What is kept loses the branch
    tag from its location, so it names the key as the file spells it (so do
    the tags of ``attract.paid``'s two forms).
    """
    tagged: dict[tuple[Any, ...], dict[str, list[int]]] = {}
    for i, e in enumerate(errors):
        loc = tuple(e["loc"])
        for j, part in enumerate(loc):
            kind = _branch(part)
            if kind is not None:
                tagged.setdefault(loc[:j], {}).setdefault(kind, []).append(i)
                break
    drop: set[int] = set()
    for branches in tagged.values():
        wrong_type = {
            kind
            for kind, idx in branches.items()
            for i in idx
            if errors[i]["type"] in ("float_type", "float_parsing", "model_type", "dict_type")
        }
        for kind in wrong_type if len(wrong_type) < len(branches) else ():
            drop.update(branches[kind])
    out = []
    for i, e in enumerate(errors):
        if i in drop:
            continue
        loc = tuple(p for p in e["loc"] if _branch(p) is None and p not in _FORM_TAGS)
        out.append({**e, "loc": loc})
    return out
