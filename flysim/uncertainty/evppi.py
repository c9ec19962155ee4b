"""What is worth measuring next: the expected value of (partial) perfect information.

For decision options ``d`` with net benefit ``NB[:, d]`` in each run (runs
drawn over the uncertain inputs), EVPI is what learning every input before
choosing is worth, and EVPPI what learning one input ``theta`` is worth:

    EVPI  = mean_runs(max_d NB_d) - max_d mean_runs(NB_d)
    EVPPI = mean_runs(max_d g_d(theta)) - max_d mean_runs(g_d(theta)),
            g_d(theta) = E[NB_d | theta]

``g_d`` is estimated from the runs already made by nonparametric regression of
``NB_d`` on ``theta``, the method of Strong, Oakley and Brennan (2014, "Estimating
multiparameter partial expected value of perfect information from a
probabilistic sensitivity analysis sample: a nonparametric regression
approach", Med Decis Making 34:311). The paper fits a GAM; here the smoother is
``scipy.interpolate.make_smoothing_spline``, a cubic smoothing spline whose
penalty is chosen by generalised cross-validation, as mgcv's is.

Two practical choices, both for the spline's sake:

- only the increments ``NB_d - NB_0`` are regressed (``D - 1`` fits for ``D``
  options, as the paper suggests): ``max_d g_d = g_0 + max(0, max_d (g_d - g_0))``
  and ``g_0``'s terms cancel;
- the spline is fitted on ``theta``'s mid-ranks ``(rank - 1/2) / runs`` rather
  than on ``theta``: conditioning on a monotone transform of ``theta`` is
  conditioning on ``theta``, and equally spaced abscissae keep the fit well
  posed whatever the input's law (on ``theta`` itself, an input with a
  lognormal's long tail gave 0.14 for a true EVPPI of 0.46, or no fit at all);
- the runs are first pooled into at most ``groups`` (default 400) groups of
  neighbouring ranks (equal count, ties always together) and the spline is
  fitted to the groups' means weighted by their counts. A spline with a knot
  per run costs seconds for a thousand runs and is numerically ill-posed by
  twenty thousand; the pooled fit is the same penalised least squares up to the
  within-group spread, and the spline is still evaluated at each run's own
  rank. With fewer than 5 distinct values of ``theta`` the group means are
  ``E[NB | theta]`` themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["EvppiError", "conditional_mean", "evpi", "evppi", "evppi_table"]

_MIN_RUNS = 20
_MIN_SPLINE_POINTS = 5  # make_smoothing_spline's minimum


class EvppiError(ValueError):
    """Net benefits or inputs from which no value of information can be computed."""


def _net_benefit(nb: ArrayLike) -> np.ndarray:
    a = np.asarray(nb, dtype=float)
    if a.ndim != 2 or a.shape[1] < 2:
        raise EvppiError(
            f"net benefit must be runs x options with at least 2 options, got shape {a.shape}"
        )
    if not np.isfinite(a).all():
        raise EvppiError("net benefit has NaN or infinite values: give a finite value per run")
    if a.shape[0] < _MIN_RUNS:
        raise EvppiError(f"value of information needs at least {_MIN_RUNS} runs, got {a.shape[0]}")
    return a


def evpi(nb: ArrayLike) -> float:
    """Expected value of perfect information on every input.

    Parameters
    ----------
    nb : array_like
        Net benefit, shape ``(runs, options)``.

    Returns
    -------
    float
        ``mean(max_d NB_d) - max_d mean(NB_d)`` (0 or more).
    """
    a = _net_benefit(nb)
    return float(max(a.max(axis=1).mean() - a.mean(axis=0).max(), 0.0))


def _groups(theta: np.ndarray, groups: int) -> tuple[np.ndarray, int]:
    # Equal-count groups along sorted theta; a tie takes its first run's group
    # so that the group means of theta are strictly increasing.
    n = len(theta)
    order = np.argsort(theta, kind="stable")
    s = theta[order]
    raw = (np.arange(n) * groups) // n
    first = np.searchsorted(s, s, side="left")
    _, label_sorted = np.unique(raw[first], return_inverse=True)
    label = np.empty(n, dtype=np.int64)
    label[order] = label_sorted
    return label, int(label_sorted[-1]) + 1


def conditional_mean(y: ArrayLike, theta: ArrayLike, *, groups: int = 400) -> np.ndarray:
    """Estimate ``E[y | theta]`` at each run's ``theta`` with a GCV smoothing spline.

    Parameters
    ----------
    y, theta : array_like
        One value per run each (finite).
    groups : int
        At most this many groups of neighbouring ``theta`` are fitted (see the
        module's docstring).

    Returns
    -------
    numpy.ndarray
        The fitted conditional mean at every run.
    """
    ya, ta = np.asarray(y, dtype=float), np.asarray(theta, dtype=float)
    label, k = _groups(ta, max(int(groups), _MIN_SPLINE_POINTS))
    count = np.bincount(label, minlength=k).astype(float)
    y_mean = np.bincount(label, weights=ya, minlength=k) / count
    if k < _MIN_SPLINE_POINTS or np.ptp(ya) == 0:
        # Few distinct values: each group is one value of theta, and its mean
        # is the conditional mean itself (a constant y is its own mean).
        if k < _MIN_SPLINE_POINTS:
            return y_mean[label]
        return ya.copy()
    # Fit on mid-ranks, not theta: E[y | theta] = E[y | F(theta)] for the
    # empirical CDF F, a monotone map, and equally spaced abscissae keep the
    # spline well posed. On theta itself a lognormal's long tail squashes most
    # runs into a sliver where the spline cannot bend (an EVPPI of 0.14 for a
    # true 0.46) or makes the fit fail outright.
    # Imported here: scipy.stats and scipy.interpolate take about a second to
    # import, which every command line would pay.
    from scipy.interpolate import make_smoothing_spline
    from scipy.stats import rankdata

    u = (rankdata(ta, method="average") - 0.5) / len(ta)
    u_mean = np.bincount(label, weights=u, minlength=k) / count
    try:
        # Relative weights: GCV is scale-free in them, and unit mean keeps lambda tame.
        spline = make_smoothing_spline(u_mean, y_mean, w=count / count.mean())
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise EvppiError(f"the smoothing spline could not be fitted ({exc})") from exc
    return np.asarray(spline(u), dtype=float)


def _evppi(a: np.ndarray, theta: np.ndarray, groups: int) -> float:
    inc = a[:, 1:] - a[:, :1]
    fitted = np.column_stack(
        [conditional_mean(inc[:, j], theta, groups=groups) for j in range(inc.shape[1])]
    )
    gain = np.maximum(fitted.max(axis=1), 0.0)
    best = max(float(fitted.mean(axis=0).max()), 0.0)
    # Estimation noise can push a worthless input's value a hair below 0.
    return float(max(gain.mean() - best, 0.0))


def _theta(theta: ArrayLike, runs: int, name: str) -> np.ndarray:
    t = np.asarray(theta, dtype=float).ravel()
    if len(t) != runs:
        raise EvppiError(f"input {name} has {len(t)} values but there are {runs} runs")
    if not np.isfinite(t).all():
        raise EvppiError(f"input {name} has NaN or infinite values; draws are finite")
    return t


def evppi(nb: ArrayLike, theta: ArrayLike, *, groups: int = 400) -> float:
    """Expected value of partial perfect information on one input.

    Parameters
    ----------
    nb : array_like
        Net benefit, shape ``(runs, options)``.
    theta : array_like
        The input's drawn value in each run.
    groups : int
        At most this many groups of neighbouring ``theta`` for the spline.

    Returns
    -------
    float
        The estimated EVPPI (0 or more), in the net benefit's unit.
    """
    a = _net_benefit(nb)
    return _evppi(a, _theta(theta, a.shape[0], "theta"), groups)


def evppi_table(
    nb: ArrayLike, inputs: Mapping[str, ArrayLike] | pd.DataFrame, *, groups: int = 400
) -> pd.DataFrame:
    """EVPPI of each uncertain input, with EVPI for scale.

    Parameters
    ----------
    nb : array_like
        Net benefit, shape ``(runs, options)``.
    inputs : Mapping[str, array_like] or pandas.DataFrame
        Each input's drawn values, one per run.
    groups : int
        At most this many groups of neighbouring ``theta`` for the spline.

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``evppi``, ``share_of_evpi``, sorted by EVPPI
        (largest first); ``attrs["evpi"]`` is the EVPI and ``attrs["runs"]``
        the number of runs.
    """
    a = _net_benefit(nb)
    columns = dict(inputs.items()) if isinstance(inputs, pd.DataFrame) else dict(inputs)
    if not columns:
        raise EvppiError("there are no uncertain inputs to value")
    total = evpi(a)
    values = [_evppi(a, _theta(v, a.shape[0], str(k)), groups) for k, v in columns.items()]
    share = [v / total if total > 0 else 0.0 for v in values]
    table = pd.DataFrame(
        {"input": [str(k) for k in columns], "evppi": values, "share_of_evpi": share}
    )
    table = table.sort_values("evppi", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs.update(evpi=total, runs=int(a.shape[0]))
    return table
