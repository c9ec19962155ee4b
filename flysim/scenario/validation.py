"""From a merged tree of TOML values to a validated :class:`~flysim.scenario.schema.Scenario`.

One validation, strict (TOML has real types), whose errors name the file or
override that set each offending key.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from flysim.scenario.errors import Loc, Origin, ScenarioError
from flysim.scenario.schema import Scenario
from flysim.scenario.tree import freeze
from flysim.scenario.uncertain import extract_laws

__all__ = ["validate_tree"]


def validate_tree(data: dict[str, Any], origins: dict[Loc, Origin], display: str) -> Scenario:
    """Validate merged scenario data into a frozen :class:`Scenario`.

    Parameters
    ----------
    data : dict
        The merged tree (``extends`` and overrides applied).
    origins : dict
        For each leaf key path, the file or override that set it.
    display : str
        The file that was loaded, named when a key has no better origin.

    Returns
    -------
    Scenario
        Without a ``source``; the caller sets it.

    Raises
    ------
    ScenarioError
        One line per problem, each located at the file or override that set the key.
    """
    data, problems = extract_laws(data, origins, display)
    if problems:
        raise ScenarioError(problems)
    try:
        # Strict: TOML has real types, so "18" is not silently an integer nor true a 1.
        return Scenario.model_validate(freeze(data), strict=True)
    except ValidationError as exc:
        raise ScenarioError.from_validation_error(
            exc, lambda loc: _locate(loc, origins, display)
        ) from None


def _locate(loc: Loc, origins: dict[Loc, Origin], display: str) -> Origin:
    """The origin of the value at ``loc``: the file (or override) that set it.

    The nearest key at or above ``loc`` that was set, else the one source of
    every key below it, else the file that was loaded.
    """
    for i in range(len(loc), 0, -1):
        if loc[:i] in origins:
            return origins[loc[:i]]
    for i in range(len(loc), -1, -1):
        below = {o for k, o in origins.items() if k[:i] == loc[:i]}
        if len(below) == 1:
            return below.pop()
        if below:
            break
    return (display, False)
