"""The model's state codes, one set for both engines, the metrics and the event log.

Small integers, so the agent model can keep them in slots and the numpy core
can use them as array indices; ``IntEnum`` so they print with their names.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["CHANNELS", "Ask", "Channel", "Health", "Nps", "Phase"]


class Channel(IntEnum):
    """A lead channel, in the fixed order of every per-channel array."""

    PAID = 0
    ORGANIC = 1
    REFERRAL = 2


#: Channel names in index order, as scenario keys and metric names spell them.
CHANNELS: tuple[str, ...] = tuple(c.name.lower() for c in Channel)


class Phase(IntEnum):
    """Where a customer is in its life: onboarding until it reaches value, then active."""

    ONBOARDING = 0
    ACTIVE = 1


class Health(IntEnum):
    """An active customer's health state."""

    HEALTHY = 0
    AT_RISK = 1


class Nps(IntEnum):
    """An active customer's NPS category."""

    PROMOTER = 0
    PASSIVE = 1
    DETRACTOR = 2


class Ask(IntEnum):
    """Where a promoter stands with the referral ask."""

    NOT_ASKED = 0
    ACCEPTED = 1
    DECLINED = 2
