"""What drives the spread: each uncertain input's share of a metric's variance.

Method
------
The first-order share ``Var(E[y | x_i]) / Var(y)`` of each input, estimated from
the runs already made (given data, no new runs) by an equal-frequency partition
of the input (Plischke, Borgonovo and Smith 2013, "Global sensitivity measures
from given data", EJOR 226:536): sort the runs by ``x_i``, cut them into ``M``
bins of equal count, and take the between-bin variance of ``y``'s bin means.
It needs no model of ``y``, works on any sample, including the copula's
correlated draws, and costs one sort and a few ``bincount`` per input.

This is the estimator behind ``S1`` in SALib's given-data analyser
(``SALib.analyze.delta``), and a unit test holds our point estimate to SALib's
``sobol_first`` with its bin count. We do not call SALib's ``analyze`` itself
because it seeds numpy's global random state (``np.random.seed``) and resets
the global warnings filter, which flysim's rule of no global random state
forbids; it computes ``S1`` on a bootstrap resample rather than on the runs;
and its bin count (6 bins at flysim's default 1,000 runs) loses about 8 % of a
linear effect of a normal input to within-bin variation. Here instead:

- ``M = round(sqrt(n))`` bins, between 2 and 100 (32 at 1,000 runs, losing
  under 1 % of a linear effect);
- the between-bin variance is corrected for the noise it picks up from finite
  bins, ``(M - 1) / (n - M)`` times the within-bin variance (the one-way ANOVA
  estimator of a variance component), so an input with no effect scores about
  0 rather than ``(M - 1) / n``; a share is then clipped to [0, 1];
- the interval is the estimate plus or minus ``z`` bootstrap standard errors
  (runs resampled with multinomial weights, bins held fixed, from a generator
  seeded by the caller), clipped to [0, 1].

With correlated inputs each share counts the variance an input explains
through its correlates too, so shares may add up to more than 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["DriversError", "bin_count", "first_order_share", "variance_shares"]

_MIN_RUNS = 20


class DriversError(ValueError):
    """Inputs and metric values from which no variance shares can be computed."""


def bin_count(n: int) -> int:
    """The number of equal-frequency bins for ``n`` runs: ``round(sqrt(n))`` in [2, 100]."""
    return int(min(100, max(2, round(np.sqrt(n)))))


def _bins(x: np.ndarray, m: int) -> np.ndarray:
    # Equal-frequency bins by ordinal rank, as SALib's sobol_first cuts them:
    # rank r (1-based) falls in bin j when edge_j < r <= edge_{j+1}.
    rank = np.empty(len(x), dtype=np.int64)
    rank[np.argsort(x, kind="stable")] = np.arange(1, len(x) + 1)
    edges = np.linspace(0, len(x), m + 1)
    return np.searchsorted(edges, rank, side="left") - 1


def _share(y: np.ndarray, bins: np.ndarray, m: int, w: np.ndarray, correct: bool) -> float:
    # Weighted between-bin and within-bin sums of squares; the weights are the
    # bootstrap's multiplicities (all 1 for the estimate itself).
    n = w.sum()
    cnt = np.bincount(bins, weights=w, minlength=m)
    s1 = np.bincount(bins, weights=w * y, minlength=m)
    mean = (w * y).sum() / n
    total = (w * (y - mean) ** 2).sum()
    if total <= 0:
        return 0.0
    full = cnt > 0
    between = float((s1[full] ** 2 / cnt[full]).sum() - n * mean**2)
    if correct:
        m_used = int(full.sum())
        within = total - between
        between -= (m_used - 1) / max(n - m_used, 1.0) * within
    # Unclipped, so that the bootstrap's spread is not squeezed at 0.
    return float(between / total)


def first_order_share(
    x: ArrayLike, y: ArrayLike, *, bins: int | None = None, correct_bias: bool = True
) -> float:
    """One input's first-order share of ``Var(y)`` by equal-frequency bins.

    Parameters
    ----------
    x, y : array_like
        The input's values and the metric's, one per run (finite).
    bins : int, optional
        The number of bins; :func:`bin_count` by default.
    correct_bias : bool
        Subtract the finite-bin noise term (see the module's docstring). With
        ``False`` and SALib's bin count this is SALib's ``sobol_first``.

    Returns
    -------
    float
        The estimated ``Var(E[y | x]) / Var(y)``, 0 for a constant ``y``.
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    m = bin_count(len(ya)) if bins is None else int(bins)
    return float(np.clip(_share(ya, _bins(xa, m), m, np.ones(len(ya)), correct_bias), 0.0, 1.0))


def variance_shares(
    inputs: Mapping[str, ArrayLike] | pd.DataFrame,
    y: ArrayLike,
    *,
    n_boot: int = 200,
    conf_level: float = 0.95,
    seed: int = 0,
    bins: int | None = None,
) -> pd.DataFrame:
    """Each uncertain input's share of a metric's variance across runs.

    Parameters
    ----------
    inputs : Mapping[str, array_like] or pandas.DataFrame
        The drawn inputs, one array (or column) of one value per run per key.
    y : array_like
        The metric's value in each run (for one month); NaN runs are left out.
    n_boot : int
        Bootstrap resamples for the interval (0 for none: the interval is NaN).
    conf_level : float
        The interval's coverage, in (0, 1).
    seed : int
        Seeds the bootstrap's own generator, so a table can be reproduced.
    bins : int, optional
        Bins per input; :func:`bin_count` of the runs used by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``share``, ``ci_low``, ``ci_high``, sorted by share
        (largest first). ``attrs`` holds ``runs`` (used), ``dropped_runs``
        (runs whose metric was NaN), ``bins``, ``constant`` (whether the metric
        did not vary: every share is then 0) and ``method``.

    Raises
    ------
    DriversError
        For no inputs, inputs of another length than ``y``, non-finite inputs,
        or fewer than 20 runs with a value.
    """
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in dict(inputs).items()})
    ya = np.asarray(y, dtype=float).ravel()
    if frame.shape[1] == 0:
        raise DriversError("there are no uncertain inputs to attribute the variance to")
    if len(frame) != len(ya):
        raise DriversError(
            f"the inputs have {len(frame)} runs but the metric has {len(ya)}: give one per run"
        )
    x = frame.to_numpy()
    if not np.isfinite(x).all():
        bad = [str(c) for c in frame.columns[~np.isfinite(x).all(axis=0)]]
        raise DriversError(f"inputs {', '.join(bad)} have non-finite values; draws are finite")
    if not 0 < conf_level < 1:
        raise DriversError(f"conf_level must lie strictly between 0 and 1, got {conf_level}")
    keep = ~np.isnan(ya)
    dropped = int((~keep).sum())
    if np.isinf(ya[keep]).any():
        raise DriversError("the metric has infinite values; shares of variance need finite ones")
    x, ya = x[keep], ya[keep]
    n = len(ya)
    if n < _MIN_RUNS:
        raise DriversError(
            f"only {n} runs have a value of the metric ({dropped} are NaN); "
            f"shares of variance need at least {_MIN_RUNS}"
        )
    m = bin_count(n) if bins is None else int(bins)
    if not 2 <= m <= n // 2:
        raise DriversError(f"bins must lie between 2 and half the runs ({n // 2}), got {m}")
    constant = bool(np.ptp(ya) == 0)
    names = [str(c) for c in frame.columns]
    share = np.zeros(len(names))
    low = np.full(len(names), np.nan)
    high = np.full(len(names), np.nan)
    if constant:
        low[:], high[:] = 0.0, 0.0
    else:
        bin_index = [_bins(x[:, i], m) for i in range(len(names))]
        ones = np.ones(n)
        share = np.array([_share(ya, b, m, ones, True) for b in bin_index])
        if n_boot > 0:
            rng = np.random.default_rng(seed)
            p = np.full(n, 1.0 / n)
            # One resample at a time: all at once would hold n_boot x n weights
            # (160 MB for 200 resamples of 100,000 runs).
            boot = np.empty((n_boot, len(names)))
            for r in range(n_boot):
                w = rng.multinomial(n, p).astype(float)
                boot[r] = [_share(ya, b, m, w, True) for b in bin_index]
            # A normal interval on the bootstrap's spread, as SALib's S1_conf: the
            # resamples' duplicated runs shift the estimate (they look like
            # signal to the bins), so their percentiles would not bracket it.
            half = special.ndtri(0.5 + conf_level / 2.0) * boot.std(axis=0, ddof=1)
            low, high = np.clip(share - half, 0.0, 1.0), np.clip(share + half, 0.0, 1.0)
        share = np.clip(share, 0.0, 1.0)
    table = pd.DataFrame({"input": names, "share": share, "ci_low": low, "ci_high": high})
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs.update(
        runs=n,
        dropped_runs=dropped,
        bins=m,
        constant=constant,
        method="first-order share by equal-frequency bins, bias-corrected; bootstrap CI",
    )
    return table
