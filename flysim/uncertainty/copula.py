"""Rank correlations between uncertain inputs, applied with a Gaussian copula.

A scenario lists pairs, ``[[correlations]] keys = ["a.b", "c.d"], rank = -0.5``,
each a Spearman rank correlation, as @RISK and Crystal Ball take them. A
Gaussian copula with normal correlation ``r = 2 sin(pi rho_s / 6)`` gives the
pair exactly the rank correlation ``rho_s`` whatever the two marginal laws
(Spearman's rho is invariant under the monotone maps ``ppf(Phi(z))``).

Pairs form groups (connected keys); each group gets its own correlation matrix
and Cholesky factor, so a group's draws never depend on another group, and
keys are ordered by name within a group so that adding an unrelated input
changes nothing.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flysim.uncertainty.laws import LawError

__all__ = ["Correlation", "CorrelationError", "CorrelationGroup", "correlation_from_spec"]

_MIN_EIGENVALUE = 1e-10


class CorrelationError(LawError):
    """A ``[[correlations]]`` entry or set of entries that cannot be used."""


@dataclass(frozen=True)
class CorrelationGroup:
    """Inputs tied together by correlations.

    Attributes
    ----------
    keys : tuple of str
        The group's key paths, sorted.
    rank : numpy.ndarray
        The Spearman rank correlations as given (1 on the diagonal, 0 for pairs
        not listed).
    normal : numpy.ndarray
        The copula's normal correlations, ``2 sin(pi rank / 6)``.
    cholesky : numpy.ndarray
        Lower-triangular ``L`` with ``L @ L.T == normal``.
    """

    keys: tuple[str, ...]
    rank: np.ndarray
    normal: np.ndarray
    cholesky: np.ndarray


@dataclass(frozen=True)
class Correlation:
    """All correlations of a scenario, as independent groups of keys.

    Attributes
    ----------
    groups : tuple of CorrelationGroup
        One per set of connected keys, ordered by their first key.
    pairs : tuple of (str, str, float)
        The pairs as given (keys sorted within a pair), for the manifest.
    """

    groups: tuple[CorrelationGroup, ...] = ()
    pairs: tuple[tuple[str, str, float], ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every correlated key, group by group."""
        return tuple(k for g in self.groups for k in g.keys)

    def as_list(self) -> list[dict[str, Any]]:
        """The pairs as a scenario writes them, for the results' manifest."""
        return [{"keys": [a, b], "rank": r} for a, b, r in self.pairs]


def _pair(entry: object, index: int, known: set[str]) -> tuple[str, str, float]:
    where = f"correlations[{index}]"
    if not isinstance(entry, Mapping):
        raise CorrelationError(f"{where} must be a table with keys and rank, got {entry!r}")
    extra = sorted(set(entry) - {"keys", "rank"})
    missing = sorted({"keys", "rank"} - set(entry))
    if extra or missing:
        what = f"unknown {', '.join(extra)}" if extra else f"missing {', '.join(missing)}"
        raise CorrelationError(f"{where} takes exactly keys and rank ({what})")
    keys = entry["keys"]
    if (
        isinstance(keys, str)
        or not isinstance(keys, Sequence)
        or len(keys) != 2
        or not all(isinstance(k, str) for k in keys)
    ):
        raise CorrelationError(f"{where} keys must be a list of two key paths, got {keys!r}")
    a, b = keys
    if a == b:
        raise CorrelationError(f"{where} pairs {a} with itself: name two different inputs")
    for k in (a, b):
        if k not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise CorrelationError(
                f"{where} names {k}, which is not an uncertain input (those are: {listed})"
            )
    given = entry["rank"]
    # bool is an int subclass, but `rank = true` is a typo, not 1.
    if isinstance(given, bool) or not isinstance(given, numbers.Real):
        raise CorrelationError(f"{where} rank must be a number, got {given!r}")
    rank = float(given)
    if not -1 < rank < 1:  # also refuses NaN
        raise CorrelationError(f"{where} rank must lie strictly between -1 and 1, got {rank:g}")
    lo, hi = sorted((a, b))
    return lo, hi, rank


def _components(pairs: Iterable[tuple[str, str, float]]) -> list[list[str]]:
    # Union-find over the keys; groups are small, so path halving is plenty.
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b, _ in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for k in parent:
        groups.setdefault(find(k), []).append(k)
    return sorted(sorted(g) for g in groups.values())


def correlation_from_spec(
    correlations: Sequence[Mapping[str, Any]] | None, uncertain_keys: Iterable[str]
) -> Correlation:
    """Check ``[[correlations]]`` entries and build the copula's matrices.

    Parameters
    ----------
    correlations : sequence of mapping, or None
        Entries ``{"keys": [key_a, key_b], "rank": rho_s}``.
    uncertain_keys : iterable of str
        The key paths that hold a distribution; only those may be correlated.

    Returns
    -------
    Correlation
        The groups of correlated keys with their matrices (empty if none).

    Raises
    ------
    CorrelationError
        For a key that is not uncertain, a key paired with itself, a rank not
        strictly between -1 and 1, the same pair twice, or a group whose
        matrix is not positive definite (naming its keys).
    """
    known = set(uncertain_keys)
    pairs: dict[tuple[str, str], float] = {}
    for i, entry in enumerate(correlations or ()):
        a, b, r = _pair(entry, i, known)
        if (a, b) in pairs:
            raise CorrelationError(
                f"correlations[{i}] repeats the pair {a} and {b}: give each pair once"
            )
        pairs[(a, b)] = r
    listed = tuple((a, b, r) for (a, b), r in pairs.items())
    groups = []
    for keys in _components(listed):
        index = {k: j for j, k in enumerate(keys)}
        rank = np.eye(len(keys))
        for a, b, r in listed:
            if a in index:
                rank[index[a], index[b]] = rank[index[b], index[a]] = r
        normal = 2.0 * np.sin(np.pi * rank / 6.0)
        # A matrix that is only semi-definite would make the copula degenerate
        # (one input an exact function of others), so it is refused as well.
        low = float(np.linalg.eigvalsh(normal)[0])
        if low <= _MIN_EIGENVALUE:
            raise CorrelationError(
                f"the correlations among {', '.join(keys)} cannot hold together "
                f"(their matrix is not positive definite, smallest eigenvalue {low:.3g}): "
                "weaken one of the ranks"
            )
        chol = np.linalg.cholesky(normal)
        groups.append(CorrelationGroup(tuple(keys), rank, normal, chol))
    return Correlation(groups=tuple(groups), pairs=listed)
