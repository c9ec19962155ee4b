"""A dated change of a scenario: ``[[changes]]`` tables, the plan over time.

A change sets dotted keys (as ``--set`` does) from the start of a month, or
ramps numeric keys linearly, one step a month, up to a target. What each
change means for the customers already there is in ``docs/model.md``
("Plans over time"); how the changes become a timeline of scenarios is in
:mod:`flysim.scenario.changes`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from flysim.scenario.section import Section

__all__ = ["OFF", "Change"]

#: The value that switches an optional section or trigger off at a change.
OFF = "off"


class Change(Section):
    """One dated change: ``month`` (a step) or ``from_month`` .. ``to_month`` (a ramp)."""

    month: int | None = Field(
        None,
        ge=1,
        le=120,
        description=(
            "Month from whose start the change holds: month 4 starts at t = 3 months. "
            "Give this or from_month and to_month."
        ),
    )
    from_month: int | None = Field(
        None,
        ge=1,
        le=120,
        description="First month of a linear ramp: one step a month (numeric keys only).",
    )
    to_month: int | None = Field(
        None, ge=1, le=120, description="Month in which a ramp reaches its target."
    )
    note: str = Field("", description="What the change is; shown on charts and tables.")
    set: dict[str, Any] = Field(
        min_length=1,
        description=(
            "Dotted keys and TOML values, as --set takes them; a table switches an "
            'optional section or trigger on, "off" switches it off.'
        ),
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Change:
        ramp = self.from_month is not None or self.to_month is not None
        if self.month is not None and ramp:
            raise ValueError("give month (a step) or from_month and to_month (a ramp), not both")
        if self.month is None and not ramp:
            raise ValueError("a change needs month (a step) or from_month and to_month (a ramp)")
        if ramp and (self.from_month is None or self.to_month is None):
            raise ValueError("a ramp needs both from_month and to_month")
        if ramp and self.to_month < self.from_month:  # type: ignore[operator]
            raise ValueError(
                f"a ramp's to_month ({self.to_month}) precedes its from_month ({self.from_month})"
            )
        return self

    @property
    def is_ramp(self) -> bool:
        """Whether the change is a ramp."""
        return self.month is None

    @property
    def first_month(self) -> int:
        """The month (1-based) from which the change starts to hold."""
        return self.month if self.month is not None else int(self.from_month or 1)

    @property
    def last_month(self) -> int:
        """The month (1-based) from which the change holds in full."""
        return self.month if self.month is not None else int(self.to_month or 1)

    @property
    def label(self) -> str:
        """``month 4`` or ``months 7-12``, with the note."""
        when = (
            f"month {self.month}"
            if not self.is_ramp
            else f"months {self.from_month}-{self.to_month}"
        )
        return f"{when}: {self.note}" if self.note else when
