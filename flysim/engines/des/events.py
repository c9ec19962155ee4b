"""Names of the agent model's event-log events (the ``event`` column)."""

from __future__ import annotations

__all__ = [
    "ACTIVATE",
    "ASK_ACCEPT",
    "ASK_DECLINE",
    "AT_RISK",
    "CHURN",
    "CONVERT",
    "EXPERIMENT",
    "EXPERIMENT_WON",
    "LEAD",
    "LOST",
    "NPS",
    "RECOVER",
    "REWARD",
    "START",
    "TRIGGER",
    "UPSELL",
]

START = "start"  # an initial customer's record at t = 0 (amount: its MRR)
LEAD = "lead"  # a lead arrives (channel)
LOST = "lost"  # a lead decides against
CONVERT = "convert"  # a lead becomes a customer (amount: its MRR)
REWARD = "reward"  # a referral reward is paid (amount)
ACTIVATE = "activate"  # onboarding ends (amount: realised days to value)
AT_RISK = "at_risk"
RECOVER = "recover"
NPS = ("promoter", "passive", "detractor")  # NPS category (re)drawn
ASK_ACCEPT = "ask_accept"
ASK_DECLINE = "ask_decline"
UPSELL = "upsell"  # amount: the new tier's MRR
CHURN = "churn"  # amount: the MRR lost
TRIGGER = "trigger:"  # prefix + trigger name; amount: the action's cost
EXPERIMENT = "experiment"  # amount: its cost
EXPERIMENT_WON = "experiment_won"
