"""Input distributions as written in a scenario file, mapped onto ``scipy.stats`` laws.

A spec is a mapping with a ``dist`` key and the law's parameters, in the terms a
growth team knows (a mean and an sd, a median and a 95th percentile, a range and
a most likely value) rather than scipy's shape parameters:

======================  ==========================================================
``uniform``             ``low``, ``high``
``triangular``          ``low``, ``mode``, ``high``
``normal``              ``mean``, ``sd``
``lognormal``           ``median`` and ``p95``, or ``mean`` and ``sd``
``beta``                ``mean``, ``sd`` (for probabilities and shares)
``gamma``               ``mean``, ``sd`` (for rates and positive amounts)
======================  ==========================================================

Every check raises :class:`LawError` with one sentence that says what is wrong
and what is allowed, so the scenario loader can prefix the file and key.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

__all__ = ["DISTS", "DRAW_QUANTILES", "Law", "LawError", "check_support", "is_law", "parse_law"]

#: The accepted parameter sets of each law; a law with two entries takes either.
DISTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "uniform": (("low", "high"),),
    "triangular": (("low", "mode", "high"),),
    "normal": (("mean", "sd"),),
    "lognormal": (("median", "p95"), ("mean", "sd")),
    "beta": (("mean", "sd"),),
    "gamma": (("mean", "sd"),),
}

# Names users bring from other tools; difflib alone would not map "gaussian" to "normal".
_ALIASES = {"gaussian": "normal", "norm": "normal", "lognorm": "lognormal", "triang": "triangular"}

_Z95 = float(special.ndtri(0.95))

#: The lowest and highest quantile a draw can take (see ``draws.input_uniforms``):
#: a law is only ever evaluated between them, so its draws are finite.
DRAW_QUANTILES: tuple[float, float] = (2.0**-53, 1.0 - 2.0**-53)


class LawError(ValueError):
    """A distribution spec that cannot be used; the message is one sentence."""


@dataclass(frozen=True)
class Law:
    """One input's distribution: the spec as given, and the scipy law it stands for.

    Attributes
    ----------
    name : str
        The ``dist`` name, one of :data:`DISTS`.
    params : tuple of (str, float)
        The parameters as given in the spec (in the order of :data:`DISTS`).
    frozen : scipy.stats frozen distribution
        The law itself: ``ppf``, ``median``, ``support``, ``mean``, ``std``.
    """

    name: str
    params: tuple[tuple[str, float], ...]
    # Equality is the spec's: two frozen scipy objects never compare equal.
    frozen: Any = field(compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The spec as written, for the results' manifest (``{"dist": ..., **params}``)."""
        return {"dist": self.name, **dict(self.params)}

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The quantile function at ``u`` (in (0, 1))."""
        return np.asarray(self.frozen.ppf(u), dtype=float)

    def median(self) -> float:
        """The law's median (what ``--fix-inputs`` runs at)."""
        return float(self.frozen.median())

    def mean(self) -> float:
        """The law's mean."""
        return float(self.frozen.mean())

    def std(self) -> float:
        """The law's standard deviation."""
        return float(self.frozen.std())

    def support(self) -> tuple[float, float]:
        """The law's support, ``(low, high)``; infinite ends for unbounded laws."""
        low, high = self.frozen.support()
        return float(low), float(high)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.name}({args})"


def is_law(value: object) -> bool:
    """Whether a scenario value is a distribution spec (a mapping with a ``dist`` key)."""
    return isinstance(value, Mapping) and "dist" in value


def _number(name: str, key: str, value: object) -> float:
    # bool is an int subclass in Python, but `mean = true` is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise LawError(f"{name} {key} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise LawError(f"{name} {key} must be a finite number, got {value!r}")
    return x


def _dist_name(spec: Mapping[str, Any]) -> str:
    name = spec["dist"]
    allowed = ", ".join(DISTS)
    if not isinstance(name, str):
        raise LawError(f"dist must be a name, one of {allowed}; got {name!r}")
    if name in DISTS:
        return name
    guess = _ALIASES.get(name.lower()) or next(
        iter(difflib.get_close_matches(name.lower(), DISTS, n=1, cutoff=0.5)), None
    )
    hint = f" (did you mean {guess!r}?)" if guess else ""
    raise LawError(f"unknown dist {name!r}{hint}; allowed are {allowed}")


def _parameter_set(name: str, given: set[str]) -> tuple[str, ...]:
    for option in DISTS[name]:
        if given == set(option):
            return option
    options = " or ".join(" and ".join(o) for o in DISTS[name])
    got = ", ".join(sorted(given)) or "nothing"
    raise LawError(f"{name} takes {options}; got {got}")


def parse_law(spec: Mapping[str, Any]) -> Law:
    """Parse and check a distribution spec.

    Parameters
    ----------
    spec : Mapping
        ``{"dist": name, **parameters}`` as read from the scenario file.

    Returns
    -------
    Law
        The law, with the spec's parameters and the matching frozen scipy law.

    Raises
    ------
    LawError
        For an unknown name (the nearest one suggested), a missing or extra
        parameter, a non-numeric value, or parameters no law of that name has.
    """
    if not is_law(spec):
        raise LawError(f"a distribution is a table with a dist key, got {spec!r}")
    name = _dist_name(spec)
    keys = _parameter_set(name, {k for k in spec if k != "dist"})
    p = {k: _number(name, k, spec[k]) for k in keys}
    frozen = _FREEZERS[name](p)
    return Law(name=name, params=tuple((k, p[k]) for k in keys), frozen=frozen)


def _positive(name: str, key: str, value: float) -> None:
    if value <= 0:
        raise LawError(f"{name} {key} must be above 0, got {value:g}")


def _range(name: str, low: float, high: float) -> None:
    if low >= high:
        raise LawError(f"{name} low must be below high, got low={low:g} and high={high:g}")


def _stats() -> Any:
    """``scipy.stats``, imported when a law is first built.

    It takes most of a second to import, and scenarios without uncertain
    inputs (and ``flysim validate`` of them) never need it.
    """
    from scipy import stats

    return stats


def _uniform(p: dict[str, float]) -> Any:
    _range("uniform", p["low"], p["high"])
    return _stats().uniform(loc=p["low"], scale=p["high"] - p["low"])


def _triangular(p: dict[str, float]) -> Any:
    low, mode, high = p["low"], p["mode"], p["high"]
    _range("triangular", low, high)
    if not low <= mode <= high:
        raise LawError(
            f"triangular mode must lie between low and high ({low:g} to {high:g}), got {mode:g}"
        )
    return _stats().triang(c=(mode - low) / (high - low), loc=low, scale=high - low)


def _normal(p: dict[str, float]) -> Any:
    _positive("normal", "sd", p["sd"])
    return _stats().norm(loc=p["mean"], scale=p["sd"])


def _lognormal(p: dict[str, float]) -> Any:
    if "median" in p:
        median, p95 = p["median"], p["p95"]
        _positive("lognormal", "median", median)
        if p95 <= median:
            raise LawError(f"lognormal p95 must be above its median ({median:g}), got {p95:g}")
        sigma = (math.log(p95) - math.log(median)) / _Z95
        return _stats().lognorm(s=sigma, scale=median)
    mean, sd = p["mean"], p["sd"]
    _positive("lognormal", "mean", mean)
    _positive("lognormal", "sd", sd)
    # Moment matching: mean = exp(mu + s^2/2), sd^2 = mean^2 (exp(s^2) - 1).
    s2 = math.log1p((sd / mean) ** 2)
    return _stats().lognorm(s=math.sqrt(s2), scale=mean * math.exp(-s2 / 2))


def _beta(p: dict[str, float]) -> Any:
    mean, sd = p["mean"], p["sd"]
    if not 0 < mean < 1:
        raise LawError(f"beta mean must lie strictly between 0 and 1, got {mean:g}")
    _positive("beta", "sd", sd)
    var_max = mean * (1 - mean)
    if sd * sd >= var_max:
        raise LawError(
            f"beta sd {sd:g} is impossible for mean {mean:g}: "
            f"sd must be below sqrt(mean * (1 - mean)) = {math.sqrt(var_max):.4g}"
        )
    nu = var_max / (sd * sd) - 1
    return _stats().beta(a=mean * nu, b=(1 - mean) * nu)


def _gamma(p: dict[str, float]) -> Any:
    mean, sd = p["mean"], p["sd"]
    _positive("gamma", "mean", mean)
    _positive("gamma", "sd", sd)
    return _stats().gamma(a=(mean / sd) ** 2, scale=sd * sd / mean)


_FREEZERS = {
    "uniform": _uniform,
    "triangular": _triangular,
    "normal": _normal,
    "lognormal": _lognormal,
    "beta": _beta,
    "gamma": _gamma,
}


def _describe_range(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if math.isinf(low) and math.isinf(high):
        return "any number"
    if math.isinf(high):
        return f"values above {low:g}" if low_open else f"{low:g} or more"
    if math.isinf(low):
        return f"values below {high:g}" if high_open else f"{high:g} or less"
    return f"{low:g} to {high:g}"


def _remedy(law: Law, low: float, high: float) -> str:
    if law.name in ("uniform", "triangular"):
        return "keep low and high within that range"
    if low == 0 and high == 1:
        return "use beta, or uniform or triangular within 0 to 1"
    if math.isinf(high) and low == 0:
        return "use lognormal, gamma or triangular"
    if math.isinf(high):
        return f"use triangular or uniform with low at least {low:g}"
    return "use uniform or triangular within that range"


def check_support(
    law: Law,
    low: float | None,
    high: float | None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    cap: float | None = None,
) -> str | None:
    """Whether a law's values can leave a key's allowed range.

    Parameters
    ----------
    law : Law
        The key's distribution.
    low, high : float or None
        The key's allowed range; ``None`` or an infinite value for no bound.
    low_open, high_open : bool
        Whether the bound itself is excluded. Continuous laws put no mass on an
        end of their support, so a beta on a key in (0, 1) is fine; the flags
        only shape the message.
    cap : float, optional
        A sanity limit above, rather than a bound of the key's meaning (such as
        flysim's ``MAX_MONEY`` or ``MAX_HAZARD``): a law unbounded above may
        hold the key if its largest possible draw, ``ppf(DRAW_QUANTILES[1])``,
        stays within it. Give it instead of ``high``.

    Returns
    -------
    str or None
        ``None`` if every value the law can take is allowed, else one sentence
        naming the law's reach, the key's range and what to use instead.
    """
    lo = -math.inf if low is None else float(low)
    hi = math.inf if high is None else float(high)
    s_lo, s_hi = law.support()
    below, above = s_lo < lo, s_hi > hi
    if cap is not None:
        top = float(law.ppf(DRAW_QUANTILES[1]))
        if top > cap:
            return (
                f"{law} can draw up to {top:.4g}, above this key's limit of {cap:g}: narrow the law"
            )
    if not (below or above):
        return None
    allowed = _describe_range(lo, hi, low_open, high_open)
    if math.isinf(s_lo) and math.isinf(s_hi):
        reach = f"{law.name} has unbounded support"
    elif (below and math.isinf(s_lo)) or (above and math.isinf(s_hi)):
        reach = f"{law.name} is unbounded {'below' if below else 'above'}"
    elif below:
        reach = f"{law} reaches down to {s_lo:g}"
    else:
        reach = f"{law} reaches up to {s_hi:g}"
    return f"{reach}; the key allows {allowed}: {_remedy(law, lo, hi)}"
