"""Scenario builders the tests share: where the scenario files are, and small scenarios.

Each builder returns a fresh plain dict (the TOML document as ``tomllib``
reads it), so a test may change it freely; keyword overrides name a key by
its dotted path, as ``--set`` does (``**{"engage.risk_per_month": 0.1}``), and
a key without a dot replaces a whole section. ``scenario`` validates a dict
into a frozen ``Scenario``; ``toml_text`` writes one as a scenario file.

The root ``conftest.py`` wraps these as fixtures; tests that need them at
import time (in ``parametrize``, in module constants) import them from here.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from flysim.scenario import Scenario, load_scenario

__all__ = [
    "REFERENCE_PATH",
    "REPO",
    "SCENARIOS_DIR",
    "SHARED_REFERENCE_PATH",
    "TINY_TOML",
    "minimal",
    "reference",
    "reference_scenario",
    "scenario",
    "shipped_paths",
    "tiny",
    "toml_text",
    "with_keys",
]

REPO = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = REPO / "scenarios"

#: The format by example, kept in the repo so a clean clone runs every test.
REFERENCE_PATH = REPO / "tests" / "data" / "scenario-reference.toml"

#: Where the contract's own copy lives beside the project, when it does;
#: ``test_scenario_loading.py`` holds the in-repo copy identical to it.
SHARED_REFERENCE_PATH = REPO.parent / "shared" / "scenario-reference.toml"


def shipped_paths() -> list[Path]:
    """The scenario files shipped in ``scenarios/``, sorted by name."""
    return sorted(SCENARIOS_DIR.glob("*.toml"))


def with_keys(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with each dotted key of ``overrides`` set.

    Missing tables on the way are created, so an override can switch on a
    section the base leaves out (``"attract.organic.leads_per_month"``).
    """
    out = copy.deepcopy(dict(data))
    for key, value in overrides.items():
        *tables, leaf = key.split(".")
        node = out
        for table in tables:
            node = node.setdefault(table, {})
            # A typo'd path would otherwise silently build a new branch under a value.
            assert isinstance(node, dict), f"{key}: {table!r} is not a table"
        node[leaf] = copy.deepcopy(value)
    return out


def minimal(**overrides: Any) -> dict[str, Any]:
    """The least a scenario needs: a name and one tier (every optional part off)."""
    base = {
        "scenario": {"name": "minimal"},
        "revenue": {"tiers": [{"name": "basic", "mrr": 99.0}]},
    }
    return with_keys(base, overrides)


#: A small scenario that exercises every stage yet runs in well under a second: paid
#: and referral leads, onboarding, the health chain with churn, NPS and advocates, a
#: tool stack; six months, four runs, seed 7. Kept as text because the command-line
#: tests edit it as a user would edit a file.
TINY_TOML = """\
[scenario]
name = "Tiny"
horizon_months = 6
runs = 4
seed = 7

[initial]
customers = 20
advocates = 2

[revenue]
gross_margin = 0.8
tiers = [{ name = "basic", mrr = 50.0 }, { name = "pro", mrr = 150.0 }]

[attract.paid]
budget_per_month = 1000.0
cost_per_lead = 20.0
conversion = 0.1
days_to_decide = 5.0

[attract.referral]
conversion = 0.3

[engage]
days_to_value = 10.0
risk_per_month = 0.05
recovery_per_month = 0.2
churn_per_month = { healthy = 0.02, at_risk = 0.1 }

[delight]
nps.healthy = { promoter = 0.5, passive = 0.3, detractor = 0.2 }
nps.at_risk = { promoter = 0.1, passive = 0.4, detractor = 0.5 }
ask_accept = 0.5
referrals_per_advocate_per_month = 0.2

[costs]
stack_per_month = 100.0
"""


def tiny(**overrides: Any) -> dict[str, Any]:
    """``TINY_TOML`` as a dict: every stage on, six months, runs in milliseconds."""
    return with_keys(tomllib.loads(TINY_TOML), overrides)


def reference(**overrides: Any) -> dict[str, Any]:
    """The reference scenario (every key of the format), as a dict."""
    data = tomllib.loads(REFERENCE_PATH.read_text(encoding="utf-8"))
    return with_keys(data, overrides)


def scenario(data: Mapping[str, Any], **overrides: Any) -> Scenario:
    """``data`` with ``overrides`` applied, validated into a frozen ``Scenario``."""
    return Scenario.model_validate(with_keys(data, overrides))


def reference_scenario(**overrides: Any) -> Scenario:
    """The reference scenario loaded from its file (so ``source`` names it)."""
    return load_scenario(REFERENCE_PATH, overrides or None)


def toml_text(data: Mapping[str, Any]) -> str:
    """``data`` as the text of a scenario file."""
    return tomli_w.dumps(dict(data))
