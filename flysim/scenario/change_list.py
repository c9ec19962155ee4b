"""A scenario's dated changes as rows to show: when, the note, the keys set.

What ``flysim validate`` lists, the report's table of changes, and the labels
charts and tables mark changes with. The changes themselves (their schema and
their timeline of scenarios) are :mod:`flysim.scenario.change_schema` and
:mod:`flysim.scenario.changes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flysim.scenario.change_schema import OFF
from flysim.scenario.schema import Scenario

__all__ = ["ChangeRow", "change_listing", "change_marks", "change_rows"]


@dataclass(frozen=True)
class ChangeRow:
    """One ``[[changes]]`` entry, for display.

    Attributes
    ----------
    index : int
        Its position in the scenario's ``changes`` (``changes[index]``).
    first : int
        The 1-based month from whose start it holds (a ramp's first step).
    last : int
        The 1-based month from which it holds in full (``first`` for a step).
    note : str
        Its note, possibly empty.
    keys : tuple of str
        The dotted keys it sets, as written; a key switched off ends in " off".
    """

    index: int
    first: int
    last: int
    note: str
    keys: tuple[str, ...]

    @property
    def month_index(self) -> int:
        """0-based month of its first step: a change at ``month = 4`` is 3 (t = 3 months)."""
        return self.first - 1

    @property
    def when(self) -> str:
        """``"month 4"`` for a step, ``"months 7-12"`` for a ramp."""
        return (
            f"month {self.first}" if self.first == self.last else f"months {self.first}-{self.last}"
        )

    @property
    def label(self) -> str:
        """``"month 4: <note>"``; without a note, the keys it sets name it."""
        return f"{self.when}: {self.note or ', '.join(self.keys)}"

    def line(self) -> str:
        """One line: ``"month 4: <note> (sets a.b, c.d)"``, or ``ramps`` for a ramp."""
        verb = "sets" if self.first == self.last else "ramps"
        what = f"{self.note} ({verb} " if self.note else f"{verb} "
        return f"{self.when}: {what}{', '.join(self.keys)}" + (")" if self.note else "")


def change_rows(scenario: Scenario) -> list[ChangeRow]:
    """The scenario's changes in time order (ties in file order); empty without any."""
    rows = []
    for i, change in enumerate(scenario.changes):
        keys = tuple(
            f"{key} off" if isinstance(value, str) and value == OFF else key
            for key, value in change.set.items()
        )
        rows.append(ChangeRow(i, change.first_month, change.last_month, change.note, keys))
    return sorted(rows, key=lambda r: (r.first, r.index))


def change_marks(scenario: Scenario, months: int | None = None) -> list[tuple[int, str]]:
    """``[(0-based month, label), ...]`` of the changes that charts and tables mark.

    As :func:`flysim.scenario.changes.change_months`, but a change without a
    note is labelled with the keys it sets; with ``months``, only changes whose
    first step falls within that many months.
    """
    return [
        (r.month_index, r.label)
        for r in change_rows(scenario)
        if months is None or r.month_index < months
    ]


def change_listing(scenario: Scenario) -> list[str]:
    """What ``flysim validate`` says of a scenario's changes: a count, then one line each.

    Empty for a scenario without changes; otherwise ``"3 changes:"`` and lines
    such as ``"  changes[0] month 4: <note> (sets a.b, c.d)"``.
    """
    rows = change_rows(scenario)
    if not rows:
        return []
    count = f"{len(rows)} change" + ("s" if len(rows) > 1 else "")
    return [f"{count}:"] + [f"  changes[{r.index}] {r.line()}" for r in rows]
