"""A scenario's plan over time: its ``[[changes]]`` turned into dated, validated scenarios.

``timeline(scenario)`` gives the scenario in force from the start of each
month where something changes: month 0 is the scenario as written, then one
:class:`Segment` per month in which a step change or a ramp's step takes
effect. Each segment's scenario is validated like a file, and an error names
the change (its index and note), the key, the value and what is allowed.

What cannot change mid-run (the horizon and the rest of ``[scenario]``, the
market's size, ``[initial]``, the tiers' number and names, the churn
heterogeneity that customers draw when they join, and switching ``[delight]``
or ``[engage.health]`` on or off) is an error; ``docs/model.md`` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flysim.scenario.change_schema import OFF, Change
from flysim.scenario.errors import (
    Loc,
    Origin,
    ScenarioError,
    ScenarioProblem,
    format_key,
    format_value,
)
from flysim.scenario.fields import field_at, response_of
from flysim.scenario.overrides import apply_parsed, parse_overrides
from flysim.scenario.schema import Scenario
from flysim.scenario.tree import thaw
from flysim.scenario.validation import validate_tree

__all__ = ["Segment", "change_months", "check_changes", "timeline"]

#: Key paths a change may not touch, with why (shown in the error).
_FIXED: dict[Loc, str] = {
    ("scenario",): "the run's settings are fixed for the whole run",
    ("market",): "the market's size is fixed for the whole run",
    ("initial",): "the starting base is the state at t = 0",
    ("revenue", "tiers"): "the tiers' number and names are fixed; change revenue.tiers[i].mrr",
    ("engage", "churn_heterogeneity"): (
        "a customer's churn multiplier is drawn once, when it joins"
    ),
    ("changes",): "changes cannot change the plan itself",
}
#: Optional tables that ``"off"`` may switch off at a change.
_SWITCHABLE: tuple[Loc, ...] = (("evolve",),)


@dataclass(frozen=True)
class Segment:
    """The scenario in force from the start of a month until the next segment.

    Attributes
    ----------
    month : int
        0-based: the segment starts at ``t = month`` months (a change written
        ``month = 4`` starts a segment with ``month == 3``).
    scenario : Scenario
        The scenario in force, validated.
    notes : tuple of str
        The labels of the changes that start or step here.
    """

    month: int
    scenario: Scenario
    notes: tuple[str, ...] = ()


def timeline(scenario: Scenario) -> tuple[Segment, ...]:
    """The scenario in force over time: ``(Segment(0, scenario), ...)``, one per changed month.

    Computed once per scenario object and kept with it.

    Raises
    ------
    ScenarioError
        For a change that names a key that cannot change, two changes of one
        key in one month, overlapping ramps of one key, a ramp of something
        other than a number, or a scenario after a change that does not
        validate; the line names the change, the key and the value.
    """
    memo = scenario._timeline
    if not isinstance(memo, _Memo):
        memo = _Memo(_build(scenario))
        scenario._timeline = memo
    return memo.segments


def check_changes(scenario: Scenario) -> None:
    """Validate a scenario's changes (``timeline`` without using it); the loader calls this."""
    timeline(scenario)


def change_months(scenario: Scenario) -> list[tuple[int, str]]:
    """``(0-based month, label)`` of each change's first step, in time order, for charts."""
    return sorted((c.first_month - 1, c.label) for c in scenario.changes)


class _Memo:
    """A scenario's timeline kept on it; equal to any other, so scenarios compare by content.

    The first segment is the scenario itself: compared as data, the cycle
    would recurse.
    """

    __slots__ = ("segments",)

    def __init__(self, segments: tuple[Segment, ...]) -> None:
        self.segments = segments

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


# -- building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One key set at one month by one change: a step change or one step of a ramp."""

    month: int  # 0-based
    index: int
    change: Change
    loc: Loc
    value: Any
    ramp: tuple[int, int] | None  # (step, steps) of a ramp


def _build(scenario: Scenario) -> tuple[Segment, ...]:
    if not scenario.changes:
        return (Segment(0, scenario),)
    display = scenario.source or "<scenario>"
    base = thaw(scenario.model_dump(exclude_none=True))
    for static in ("changes", "uncertain", "correlations"):
        base.pop(static, None)  # a segment is one static scenario at the medians
    steps = _steps(scenario, display)
    _check_overlaps(steps, display)
    segments = [Segment(0, scenario)]
    tree = base
    starts: dict[tuple[int, Loc], Any] = {}  # each ramp's value in force before it
    for month in sorted({s.month for s in steps}):
        here = [s for s in steps if s.month == month]
        origins: dict[Loc, Origin] = {}
        for s in here:
            where = f"{display}: changes[{s.index}] ({s.change.label})"
            value = s.value
            if s.ramp:
                start = starts.setdefault((s.index, s.loc), _lookup(tree, s.loc))
                value = _ramp_value(start, s, where)
            if value == OFF:
                _switch_off(tree, s, where)
            else:
                try:
                    apply_parsed(tree, [(s.loc, value)], origins, where)
                except ScenarioError as err:
                    # Raised as an override's; it is the change's key.
                    raise ScenarioError(
                        [ScenarioProblem(where, p.message, p.key, p.value) for p in err.problems]
                    ) from None
                for loc in list(origins):
                    origins[loc] = (where, False)
        changed = validate_tree(_with_meta(tree, scenario), origins, display)
        changed._source = scenario.source
        _check_switches(segments[-1].scenario, changed, here, display)
        notes = tuple(
            dict.fromkeys(s.change.label for s in here if s.month == s.change.first_month - 1)
        )
        if month == 0:
            # A change from month 1 holds from t = 0: it is the scenario simulated.
            segments[0] = Segment(0, changed, notes)
        else:
            segments.append(Segment(month, changed, notes))
    return tuple(segments)


def _with_meta(tree: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    # The segment has no changes of its own: it is one static scenario.
    return {**tree, "scenario": thaw(scenario.scenario.model_dump(exclude_none=True))}


def _steps(scenario: Scenario, display: str) -> list[_Step]:
    out: list[_Step] = []
    for i, change in enumerate(scenario.changes):
        where = f"{display}: changes[{i}] ({change.label})"
        try:
            parsed = parse_overrides(dict(change.set), where)
        except ScenarioError as err:
            raise ScenarioError(
                [ScenarioProblem(where, p.message, p.key, p.value) for p in err.problems]
            ) from None
        for loc, value in parsed:
            _check_key(loc, value, where, ramp=change.is_ramp)
            if not change.is_ramp:
                out.append(_Step(change.first_month - 1, i, change, loc, value, None))
                continue
            n = change.last_month - change.first_month + 1
            for k in range(n):
                out.append(_Step(change.first_month - 1 + k, i, change, loc, value, (k + 1, n)))
    return out


def _problem(where: str, loc: Loc, value: Any, text: str) -> ScenarioError:
    key = format_key(loc)
    return ScenarioError(
        [ScenarioProblem(where, f"{key} = {format_value(value)}: {text}", key, value)]
    )


def _check_key(loc: Loc, value: Any, where: str, *, ramp: bool) -> None:
    for fixed, why in _FIXED.items():
        # The tiers' list as a whole is fixed; an item's mrr may change.
        whole = fixed == ("revenue", "tiers")
        if loc == fixed if whole else loc[: len(fixed)] == fixed:
            raise _problem(where, loc, value, f"cannot change mid-run ({why})")
    if loc[:3] == ("revenue", "tiers", loc[2] if len(loc) > 2 else None) and loc[3:] == ("name",):
        raise _problem(where, loc, value, "cannot change mid-run (tier names are fixed)")
    if value == OFF:
        trigger = len(loc) == 3 and loc[:2] == ("engage", "triggers")
        if loc in (("delight",), ("engage", "health")):
            raise _problem(
                where,
                loc,
                value,
                f"cannot be switched off mid-run: give [{format_key(loc)}] from the start "
                "and change its keys (a reward of 0, no triggers)",
            )
        if not (trigger or loc in _SWITCHABLE):
            raise _problem(
                where,
                loc,
                value,
                '"off" switches off a trigger or [evolve]; to stop a channel, set its '
                "budget or leads to 0",
            )
        if ramp:
            raise _problem(where, loc, value, 'a ramp takes a number, not "off"')
        return
    if ramp:
        found = field_at(loc)
        numeric = found is not None and (
            found[1] in (int, float) or response_of(found[1]) is not None
        )
        if not numeric or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _problem(where, loc, value, "a ramp moves a number to a number; use a step")


def _check_overlaps(steps: list[_Step], display: str) -> None:
    seen: dict[tuple[Loc, int], _Step] = {}
    for s in steps:
        for (loc, month), other in seen.items():
            if month != s.month or other.index == s.index:
                continue
            if loc[: len(s.loc)] == s.loc or s.loc[: len(loc)] == loc:
                kind = "overlapping ramps of" if s.ramp and other.ramp else "two changes of"
                where = f"{display}: changes[{s.index}] ({s.change.label})"
                text = (
                    f"{kind} one key in month {month + 1}: changes[{other.index}] "
                    f"({other.change.label}) sets {format_key(loc)} too"
                )
                raise _problem(where, s.loc, s.value, text)
        seen[(s.loc, s.month)] = s


def _lookup(tree: Any, loc: Loc) -> Any:
    node = tree
    for part in loc:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
    return node


def _ramp_value(start: Any, s: _Step, where: str) -> Any:
    """One step of a ramp from ``start``, the value in force before the ramp."""
    assert s.ramp is not None
    k, n = s.ramp
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise _problem(
            where,
            s.loc,
            s.value,
            f"a ramp needs a number in force before it, found {format_value(start)}",
        )
    value = start + (s.value - start) * k / n
    if isinstance(start, int) and isinstance(s.value, int):
        value = round(value)
    elif not math.isfinite(value):
        raise _problem(where, s.loc, s.value, "the ramp's values are not finite")
    return value


def _switch_off(tree: dict[str, Any], s: _Step, where: str) -> None:
    parent = _lookup(tree, s.loc[:-1])
    if not isinstance(parent, dict) or s.loc[-1] not in parent:
        raise _problem(where, s.loc, s.value, "is not on, so it cannot be switched off")
    del parent[s.loc[-1]]


def _check_switches(before: Scenario, after: Scenario, here: list[_Step], display: str) -> None:
    """Sections whose switching on or off mid-run the engines do not model."""
    pairs = {
        "delight": (before.delight, after.delight),
        "engage.health": (before.engage.health, after.engage.health),
    }
    for key, (old, new) in pairs.items():
        if (old is None) != (new is None):
            s = here[0]
            where = f"{display}: changes[{s.index}] ({s.change.label})"
            state = "on" if new is not None else "off"
            raise ScenarioError(
                [
                    ScenarioProblem(
                        where,
                        f"switches [{key}] {state} mid-run, which is not supported: give it "
                        "from the start (a reward of 0, no triggers) and change its keys",
                        key,
                    )
                ]
            )
