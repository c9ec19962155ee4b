"""The decisions a comparison reports: the share of runs meeting each threshold.

P(LTV:CAC at or above a threshold at the horizon), P(break-even by a month),
P(payback within some months at the horizon) for every scenario, and for each
scenario after the first P(its cumulative contribution at the horizon is
above the first's), run by run: the runs share their random numbers. Each with
a 95 % Wilson interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flysim.metrics.derive import break_even_month
from flysim.result import SimulationResult
from flysim.study.paired import CONFIDENCE

__all__ = ["Thresholds", "decisions"]


@dataclass(frozen=True)
class Thresholds:
    """The decision thresholds: P(LTV:CAC >= ltv_cac), P(break-even by month), P(payback <= months).

    LTV:CAC and payback are read at the comparison's last month; break-even is
    the first month cumulative ROI is above 0. A missing value (no customer
    yet, no spend yet) never meets a threshold.
    """

    ltv_cac: float = 3.0
    break_even_month: int = 8
    payback_months: float = 12.0

    def __post_init__(self) -> None:
        for name in ("ltv_cac", "break_even_month", "payback_months"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"thresholds.{name} must be a number > 0, got {value!r}")


def decisions(
    results: Mapping[str, SimulationResult], thresholds: Thresholds = Thresholds()
) -> pd.DataFrame:
    """Each result's probability of meeting each decision threshold, with a 95 % Wilson interval.

    Every scenario after the first also gets P(its cumulative contribution at
    the last month is above the first's), over paired runs.

    Parameters
    ----------
    results : mapping of str to SimulationResult
        Scenario name to its result (one is enough: a single run is judged too).
    thresholds : Thresholds
        LTV:CAC at the horizon, break-even month, payback at the horizon.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, decision): ``decision``, ``threshold``,
        ``probability``, ``low``, ``high``, ``runs``.
    """
    t = thresholds
    from scipy.stats import binomtest  # most of a second to import: only when compared

    rows = []
    base_name, base = next(iter(results.items()))
    for name, result in results.items():
        months = result.n_months
        last = months - 1
        be = break_even_month(result.metric("roi_cumulative"))
        checks: dict[str, np.ndarray] = {}
        if name != base_name:
            # Paired: run r of both scenarios shares its random numbers.
            ahead = result.metric("contribution_cumulative")[:, last]
            checks[_ahead(base_name, months)] = (
                ahead > base.metric("contribution_cumulative")[:, last]
            )
        checks |= {
            f"LTV:CAC >= {t.ltv_cac:g} at month {months}": (
                result.metric("ltv_cac")[:, last] >= t.ltv_cac
            ),
            f"break-even by month {t.break_even_month}": be <= t.break_even_month,
            f"payback <= {t.payback_months:g} months at month {months}": (
                result.metric("payback_months")[:, last] <= t.payback_months
            ),
        }
        if name == base_name and len(results) > 1:
            # The baseline against itself: no probability, a row all the same.
            rows.append(
                {"scenario": name, "decision": _ahead(base_name, months), "probability": np.nan,
                 "low": np.nan, "high": np.nan, "runs": 0}
            )  # fmt: skip
        for decision, met in checks.items():
            k, n = int(np.sum(met)), len(met)  # NaN compares False: never met
            ci = binomtest(k, n).proportion_ci(CONFIDENCE, method="wilson")
            rows.append(
                {
                    "scenario": name,
                    "decision": decision,
                    "probability": k / n,
                    "low": ci.low,
                    "high": ci.high,
                    "runs": n,
                }
            )
    return pd.DataFrame(rows)


def _ahead(base: str, months: int) -> str:
    return f"cumulative contribution above {base}'s at month {months}"
