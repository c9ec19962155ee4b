"""The base of every table of a scenario file: frozen, strict about its keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Section"]


class Section(BaseModel):
    """A table of a scenario file: unknown keys are errors, values frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
