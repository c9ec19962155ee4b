"""Derive the public metrics from what the engines record.

Engines record base quantities (``flysim.engines.record.RAW_FIELDS``); every
ratio and indicator of MODEL.md's "Metrics" table is computed here, once, for
both engines, vectorised over runs and months. A ratio whose denominator is 0
is NaN, never infinite, and never raises or warns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from flysim.engines.record import RAW_FIELDS, RAW_INDEX, SPEND_LINES
from flysim.metrics.names import METRICS
from flysim.scenario.changes import timeline

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from flysim.scenario.schema import Scenario

__all__ = ["break_even_month", "copied_columns", "derive_metrics", "derive_run_metrics", "ratio"]

_NEW_CUSTOMERS = ("new_customers_paid", "new_customers_organic", "new_customers_referral")
_ACQUISITION_SPENDS = ("spend_paid", "spend_content", "spend_rewards")
#: Raw fields that are public metrics unchanged.
_COPIED = tuple(name for name in RAW_FIELDS if name in METRICS)
#: Runs ``derive_metrics`` derives at a time.
_BLOCK_RUNS = 512


def copied_columns(names: Sequence[str]) -> list[int] | None:
    """Where metrics ``names`` sit among ``RAW_FIELDS``, if each is a raw field copied as it is.

    ``derive_metrics`` copies such metrics (``mrr``, ``churned``, ``revenue``,
    the stocks...) unchanged, whatever the scenario, so a caller that keeps
    only them can read them off the raw array without deriving the rest.

    Parameters
    ----------
    names : sequence of str
        Metric names.

    Returns
    -------
    list of int or None
        Each name's index in ``RAW_FIELDS``; None if any of ``names`` is derived.
    """
    if not all(name in _COPIED for name in names):
        return None
    return [RAW_INDEX[name] for name in names]


def ratio(numerator: ArrayLike, denominator: ArrayLike) -> np.ndarray:
    """Element-wise ``numerator / denominator`` with NaN where the denominator is 0.

    Parameters
    ----------
    numerator, denominator : array_like
        Broadcastable arrays. NaN in either gives NaN.

    Returns
    -------
    numpy.ndarray
        float64 quotient; NaN (never ``inf``, and no warning) where the
        denominator is 0, and where the quotient is too large for a float
        (a denominator near 0, such as a tier MRR of 5e-324).
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    # NaN != 0, so a NaN denominator is divided and gives NaN quietly; an
    # overflow is no more a value than a division by 0 (MODEL.md: a ratio is
    # missing, never infinite).
    with np.errstate(over="ignore"):
        np.divide(num, den, out=out, where=den != 0)
    out[np.isinf(out)] = np.nan
    return out


def _trailing_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sum over months ``m - window + 1 .. m`` (fewer at the start), axis 1."""
    padded = np.pad(x, ((0, 0), (window - 1, 0)))
    return sliding_window_view(padded, window, axis=1).sum(axis=-1)


def _trailing_product(x: np.ndarray, window: int) -> np.ndarray:
    """Product over months ``m - window + 1 .. m`` (fewer at the start), axis 1; NaN propagates."""
    padded = np.pad(x, ((0, 0), (window - 1, 0)), constant_values=1.0)
    return sliding_window_view(padded, window, axis=1).prod(axis=-1)


def _margins(scenario: Scenario, months: int) -> np.ndarray:
    """The gross margin in force in each month, ``(months,)`` (a dated change may set it)."""
    segments = timeline(scenario)
    margin = np.full(months, float(segments[0].scenario.revenue.gross_margin))
    for seg in segments[1:]:
        margin[seg.month :] = seg.scenario.revenue.gross_margin
    return margin


def derive_run_metrics(raw: ArrayLike, scenarios: Sequence[Scenario]) -> np.ndarray:
    """``derive_metrics`` of runs that each simulated their own scenario (drawn inputs).

    Only the gross margin in force in each month of a run's scenario enters
    the derived metrics; each run reads its own.

    Parameters
    ----------
    raw : array_like
        Shape ``(runs, months, len(RAW_FIELDS))``, as for ``derive_metrics``.
    scenarios : sequence of Scenario
        One per run, in the order of ``raw``'s runs.

    Returns
    -------
    numpy.ndarray
        Shape ``(runs, months, len(METRICS))``, as ``derive_metrics`` returns.

    Raises
    ------
    ValueError
        If ``raw`` has not that shape, or ``scenarios`` not one per run.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 3 or raw.shape[2] != len(RAW_FIELDS):
        raise ValueError(f"raw must have shape (runs, months, {len(RAW_FIELDS)}), got {raw.shape}")
    if len(scenarios) != raw.shape[0]:
        raise ValueError(f"one scenario per run: {raw.shape[0]} runs, {len(scenarios)} scenarios")
    margins = np.stack([_margins(s, raw.shape[1]) for s in scenarios])
    return _in_blocks(raw, margins, None)


def derive_metrics(
    raw: ArrayLike, scenario: Scenario, *, out: np.ndarray | None = None
) -> np.ndarray:
    """Compute every public metric from the engines' raw monthly quantities.

    Parameters
    ----------
    raw : array_like
        Shape ``(runs, months, len(RAW_FIELDS))`` in ``RAW_FIELDS`` order (see
        ``flysim.engines.record``).
    scenario : Scenario
        The simulated scenario; its ``revenue.gross_margin`` in force each month is used.
    out : numpy.ndarray, optional
        Where to write the metrics (float64, the shape below), e.g. a slice of
        a larger result: no second copy of a block's metrics.

    Returns
    -------
    numpy.ndarray
        Shape ``(runs, months, len(METRICS))``, float64, in ``METRICS`` order
        (``out`` when given).
        NaN marks a missing value (a ratio whose denominator is 0, or a
        trailing-quarter metric before month 3).

    Raises
    ------
    ValueError
        If ``raw`` does not have the shape above.

    Notes
    -----
    ``churn_rate`` is churned / (customers at the month's start + the month's
    new customers), so it is within [0, 1]. ``clv`` divides by the churn rate
    averaged over months ``max(1, m-2)..m``, skipping months whose churn rate
    is missing. ``organic_growth_rate`` is missing for months 1 and 2, which
    have no full trailing quarter. ``nrr`` and ``grr`` multiply the monthly
    retention ratios of months ``max(1, m-11)..m``: before month 12 they cover
    the months so far.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 3 or raw.shape[2] != len(RAW_FIELDS):
        raise ValueError(f"raw must have shape (runs, months, {len(RAW_FIELDS)}), got {raw.shape}")
    return _in_blocks(raw, _margins(scenario, raw.shape[1]), out)


def _in_blocks(raw: np.ndarray, margin: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``_derive`` a few hundred runs at a time; ``margin`` is ``(months,)`` or ``(runs, months)``.

    Each metric is a pass over its inputs: a block's inputs and intermediates
    stay in the CPU's cache (2,500 runs of 18 months into fresh memory took
    28 to 30 ms at once, 24 to 26 ms 512 runs at a time).
    """
    if out is None:
        out = np.empty((*raw.shape[:2], len(METRICS)))
    for i in range(0, raw.shape[0], _BLOCK_RUNS):
        rows = slice(i, i + _BLOCK_RUNS)
        _derive(raw[rows], margin if margin.ndim == 1 else margin[rows], out[rows])
    return out


def _derive(raw: np.ndarray, margin: np.ndarray, out: np.ndarray) -> None:

    def f(name: str) -> np.ndarray:
        return raw[:, :, RAW_INDEX[name]]

    def total(names: tuple[str, ...]) -> np.ndarray:
        return np.sum([f(n) for n in names], axis=0)

    metric: dict[str, np.ndarray] = {name: f(name) for name in _COPIED}
    metric["new_customers"] = new = total(_NEW_CUSTOMERS)
    metric["active"] = active = f("healthy") + f("at_risk")
    metric["customers"] = customers = f("onboarding") + active
    metric["gross_profit"] = gross_profit = f("revenue") * margin
    metric["spend_total"] = spend_total = total(SPEND_LINES)

    metric["cac"] = cac = ratio(total(_ACQUISITION_SPENDS), new)
    metric["cac_paid"] = ratio(f("spend_paid"), f("new_customers_paid"))
    # MODEL.md: customers won and lost within one month are in both the
    # numerator and the denominator, so the rate stays within [0, 1] and the
    # annual rate below never goes negative.
    metric["churn_rate"] = churn = ratio(f("churned"), f("customers_start") + new)
    metric["churn_rate_annual"] = 1.0 - (1.0 - churn) ** 12
    metric["arpa"] = arpa = ratio(f("mrr"), customers)

    known = ~np.isnan(churn)
    churn_3m = ratio(_trailing_sum(np.where(known, churn, 0.0), 3), _trailing_sum(known, 3))
    metric["clv"] = clv = ratio(arpa * margin, churn_3m)
    metric["ltv_cac"] = ratio(clv, cac)
    metric["payback_months"] = ratio(cac, arpa * margin)

    promoters, detractors = f("promoters"), f("detractors")
    metric["nps"] = ratio(100.0 * (promoters - detractors), promoters + f("passives") + detractors)
    metric["referral_rate"] = referral_rate = ratio(f("advocates"), active)
    metric["customer_generated_revenue_share"] = ratio(f("mrr_referral"), f("mrr"))

    organic = np.full_like(churn, np.nan)
    if raw.shape[1] >= 3:
        won = f("new_customers_organic") + f("new_customers_referral")
        quarter = sliding_window_view(won, 3, axis=1).sum(axis=-1)
        organic[:, 2:] = ratio(quarter, f("customers_start")[:, :-2])
    metric["organic_growth_rate"] = organic
    metric["flywheel_velocity"] = ratio(organic * clv * referral_rate, cac)

    metric["health_score"] = ratio(f("score_sum"), f("score_count"))
    metric["time_to_value"] = ratio(f("ttv_sum"), f("ttv_count"))
    spent = np.cumsum(spend_total, axis=1)
    metric["roi_cumulative"] = ratio(np.cumsum(gross_profit, axis=1) - spent, spent)
    metric["contribution"] = contribution = gross_profit - spend_total
    metric["contribution_cumulative"] = np.cumsum(contribution, axis=1)

    start, lost = f("mrr_start"), f("churned_mrr")
    metric["nrr"] = _trailing_product(ratio(start + f("expansion_mrr") - lost, start), 12)
    metric["grr"] = _trailing_product(ratio(start - lost, start), 12)

    np.stack([metric[name] for name in METRICS], axis=-1, out=out)


def break_even_month(roi: ArrayLike) -> np.ndarray:
    """The first month whose cumulative ROI is above 0, per run.

    Parameters
    ----------
    roi : array_like
        ``roi_cumulative`` values, shape ``(..., months)`` (months last).

    Returns
    -------
    numpy.ndarray
        Shape ``roi.shape[:-1]``, float64: the 1-based month, NaN for runs that
        never break even.
    """
    roi = np.asarray(roi, dtype=np.float64)
    above = roi > 0  # NaN compares False: a missing ROI is not a break-even
    first = np.argmax(above, axis=-1).astype(np.float64) + 1.0
    return np.where(above.any(axis=-1), first, np.nan)
