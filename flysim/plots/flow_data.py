"""The numbers of the flow diagram: flows totalled over the horizon, stocks at its end.

Both are averaged across runs; :func:`flysim.plots.flow.flow_diagram` draws them.
"""

from __future__ import annotations

import warnings

import numpy as np

from flysim.metrics.catalogue import metric_info
from flysim.plots.data import ResultLike

__all__ = ["DIAGRAM_METRICS", "FLOW_METRICS", "STOCK_METRICS", "flow_totals"]

#: The metrics the flow diagram shows.
DIAGRAM_METRICS: tuple[str, ...] = (
    "leads_paid",
    "leads_organic",
    "leads_referral",
    "new_customers_paid",
    "new_customers_organic",
    "new_customers_referral",
    "new_customers",
    "churned",
    "upsells",
    "customers",
    "promoters",
    "advocates",
)
#: Flows (the catalogue's kind): summed over the months of each run, then averaged across runs.
FLOW_METRICS: tuple[str, ...] = tuple(m for m in DIAGRAM_METRICS if metric_info(m).kind == "flow")
#: Stocks: read at the horizon's last month, averaged across runs.
STOCK_METRICS: tuple[str, ...] = tuple(m for m in DIAGRAM_METRICS if metric_info(m).kind == "stock")


def flow_totals(result: ResultLike) -> dict[str, float]:
    """The numbers the flow diagram shows, averaged across runs.

    Parameters
    ----------
    result : ResultLike
        The simulation to summarise (see :mod:`flysim.plots.data`).

    Returns
    -------
    dict of str to float
        Each of :data:`FLOW_METRICS` summed over the months of a run (missing
        months skipped) and averaged across runs; each of
        :data:`STOCK_METRICS` at the last month averaged across runs (runs
        with a missing value skipped); and ``customers_start``, the customers
        at the start of month 1 (end of month 1 minus its new customers plus
        its churned), averaged across runs. NaN where every run is missing.
    """
    totals: dict[str, float] = {}
    with warnings.catch_warnings():
        # A stock missing in every run is shown as "n/a", not warned about.
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in FLOW_METRICS:
            totals[name] = float(np.mean(np.nansum(result.metric(name), axis=1)))
        for name in STOCK_METRICS:
            totals[name] = float(np.nanmean(result.metric(name)[:, -1]))
        start = (
            result.metric("customers")[:, 0]
            - result.metric("new_customers")[:, 0]
            + result.metric("churned")[:, 0]
        )
        totals["customers_start"] = float(np.nanmean(start))
    return totals
