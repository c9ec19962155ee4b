"""Uncertain inputs in a scenario: the laws found in place, and rank correlations between them.

A numeric key may hold a distribution (``{ dist = "beta", mean = 0.04, sd = 0.01 }``)
instead of a number; the loader (:mod:`flysim.scenario.uncertain`) moves each
law into ``Scenario.uncertain`` under the key's path and leaves the law's
median in its place, so the scenario validates, and runs with
``fix_inputs``, as the plan at the medians.
"""

from __future__ import annotations

from pydantic import Field

from flysim.scenario.section import Section

__all__ = ["RankCorrelation"]


class RankCorrelation(Section):
    """A Spearman rank correlation between two uncertain inputs (a Gaussian copula)."""

    keys: tuple[str, str] = Field(description="The two uncertain keys, as dotted paths.")
    rank: float = Field(
        gt=-1.0, lt=1.0, description="Spearman rank correlation, strictly between -1 and 1."
    )
