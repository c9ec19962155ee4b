"""Human labels for figures: a parameter key as words with its unit, a simulation's context line."""

from __future__ import annotations

from flysim.plots.data import ResultLike
from flysim.scenario.docgen import UNITS

__all__ = ["param_label", "run_context"]


def param_label(key: str, currency: str = "EUR") -> str:
    """A scenario key as an axis label: words and its unit.

    The top section is dropped (the rest names the lever); the unit is the
    one ``docs/scenarios.md`` gives the key, with the scenario's currency.

    >>> param_label("attract.paid.budget_per_month")
    'Paid budget per month (EUR / month)'
    >>> param_label("engage.churn_per_month.healthy")
    'Churn per month healthy, 1 / month (hazard)'
    """
    parts = key.split(".")
    unit = next((UNITS[p] for p in reversed(parts) if p in UNITS), "")
    words = " ".join(p.replace("_", " ") for p in (parts[1:] or parts))
    words = words[:1].upper() + words[1:]
    unit = unit.replace("currency", currency)
    if not unit:
        return words
    # "Risk per month, 1 / month (hazard)": no parentheses inside parentheses.
    return f"{words}, {unit}" if "(" in unit else f"{words} ({unit})"


def run_context(result: ResultLike) -> str:
    """``"startup · 1,000 runs · seed 20240101"``: what a figure shown alone must say."""
    return f"{result.name} · {result.n_runs:,} runs · seed {result.seed}"
