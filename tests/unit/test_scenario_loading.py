"""Scenario loading: the reference file, ``extends``, overrides, hashing and the generated docs."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from flysim.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    resolved_dict,
    scenario_hash,
    to_toml,
)
from flysim.scenario.docgen import generate
from tests.builders import REFERENCE_PATH, REPO, SHARED_REFERENCE_PATH, minimal, toml_text

#: The format by example, every key with its unit: the in-repo copy of the contract's file.
REFERENCE = REFERENCE_PATH.read_text(encoding="utf-8")

#: The least a scenario needs: a name and one tier.
MINIMAL = toml_text(minimal())


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def leaves(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every non-table value of a TOML document, by key path."""
    out: dict[tuple[str, ...], Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(leaves(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out


def get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write(tmp_path, "reference.toml", REFERENCE)


# -- the reference file ------------------------------------------------------------------


# Defined only beside the contract's folder, so a clone without it collects no test
# here rather than a skip.
if SHARED_REFERENCE_PATH.is_file():

    def test_reference_copy_is_identical_to_the_shared_file() -> None:
        """tests/data/scenario-reference.toml is byte for byte ../shared/scenario-reference.toml."""
        assert REFERENCE_PATH.read_bytes() == SHARED_REFERENCE_PATH.read_bytes()


def test_reference_loads_with_every_value(reference: Path) -> None:
    scenario = load_scenario(reference)
    resolved = resolved_dict(scenario)
    expected = leaves(tomllib.loads(REFERENCE))
    assert len(expected) == 67
    for path, value in expected.items():
        assert get(resolved, path) == value, ".".join(path)


def test_reference_values_have_python_types(reference: Path) -> None:
    scenario = load_scenario(reference)
    assert scenario.scenario.horizon_months == 18
    assert scenario.market.size == 20000
    assert [t.name for t in scenario.revenue.tiers] == ["starter", "pro", "business"]
    assert scenario.revenue.tiers[2].mrr == 499.0
    assert scenario.engage.churn_per_month.at_risk == 0.06
    assert scenario.engage.triggers is not None
    assert list(scenario.engage.triggers.enabled()) == [
        "risk_alert",
        "education",
        "escalation",
        "retention",
    ]
    # An integer in TOML where a number is expected is that number.
    assert scenario.engage.triggers.risk_alert.logins_below == 2.0
    assert isinstance(scenario.engage.triggers.risk_alert.logins_below, float)
    assert scenario.delight is not None
    assert scenario.delight.nps.at_risk.as_tuple() == (0.10, 0.40, 0.50)


def test_source_is_the_path_as_given(reference: Path) -> None:
    assert load_scenario(reference).source == str(reference)
    assert load_scenario(str(reference)).source == str(reference)


def test_loaded_scenario_is_frozen(reference: Path) -> None:
    scenario = load_scenario(reference)
    with pytest.raises(ValidationError):
        scenario.scenario.horizon_months = 12  # type: ignore[misc]


def test_omitted_sections_are_off_and_defaults_filled(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "m.toml", MINIMAL))
    assert scenario.market.size is None
    assert scenario.attract.paid is None
    assert scenario.attract.organic is None
    assert scenario.attract.referral is None
    assert scenario.engage.health is None
    assert scenario.engage.triggers is None
    assert scenario.delight is None
    assert scenario.evolve is None
    assert scenario.scenario.horizon_months == 18
    assert scenario.scenario.currency == "EUR"
    assert scenario.revenue.gross_margin == 1.0
    assert scenario.initial.customers == 0


# -- extends -------------------------------------------------------------------------------


BASE = """\
[scenario]
name = "base"
horizon_months = 24

[revenue]
gross_margin = 0.7
tiers = [{ name = "a", mrr = 10.0 }, { name = "b", mrr = 20.0 }, { name = "c", mrr = 30.0 }]

[attract.paid]
budget_per_month = 1000.0
cost_per_lead = 20.0
conversion = 0.05

[engage]
churn_per_month = { healthy = 0.01, at_risk = 0.1 }
"""


def test_extends_merges_tables_and_replaces_arrays(tmp_path: Path) -> None:
    write(tmp_path, "shared/base.toml", BASE)
    child = write(
        tmp_path,
        "teams/child.toml",
        """\
extends = "../shared/base.toml"

[scenario]
name = "child"

[revenue]
tiers = [{ name = "solo", mrr = 99.0 }]

[attract.paid]
budget_per_month = 3000.0

[engage.churn_per_month]
at_risk = 0.2
""",
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.horizon_months == 24  # inherited beside an overridden key
    assert scenario.revenue.gross_margin == 0.7
    assert [t.name for t in scenario.revenue.tiers] == ["solo"]  # replaced whole
    assert scenario.attract.paid is not None
    assert scenario.attract.paid.budget_per_month == 3000.0
    assert scenario.attract.paid.cost_per_lead == 20.0
    assert scenario.engage.churn_per_month.healthy == 0.01
    assert scenario.engage.churn_per_month.at_risk == 0.2
    assert scenario.source == str(child)


def test_extends_is_relative_to_the_file_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "scenarios/base.toml", BASE)
    write(tmp_path, "scenarios/child.toml", 'extends = "base.toml"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_scenario(Path("..") / "scenarios" / "child.toml").name == "base"


def test_extends_chain(tmp_path: Path) -> None:
    write(tmp_path, "c.toml", BASE)
    write(tmp_path, "b.toml", 'extends = "c.toml"\n[scenario]\nname = "b"\nhorizon_months = 6\n')
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n[revenue]\ngross_margin = 0.9\n')
    scenario = load_scenario(a)
    assert (scenario.name, scenario.horizon_months) == ("b", 6)
    assert scenario.revenue.gross_margin == 0.9
    assert scenario.revenue.tiers[2].mrr == 30.0


# -- overrides -----------------------------------------------------------------------------


def test_overrides_as_strings_take_toml_values(reference: Path) -> None:
    scenario = load_scenario(
        reference,
        [
            "attract.paid.budget_per_month=3000",
            "scenario.horizon_months = 24",
            "engage.churn_per_month={ healthy = 0.02, at_risk = 0.1 }",
            'scenario.description="quoted text"',
            "scenario.currency=USD",
            "revenue.tiers=[{name = 'one', mrr = 5.0}]",
        ],
    )
    assert scenario.attract.paid is not None
    assert scenario.attract.paid.budget_per_month == 3000.0
    assert scenario.horizon_months == 24
    assert scenario.engage.churn_per_month.healthy == 0.02
    assert scenario.scenario.description == "quoted text"
    assert scenario.scenario.currency == "USD"  # not TOML: taken as a bare string
    assert [(t.name, t.mrr) for t in scenario.revenue.tiers] == [("one", 5.0)]


def test_override_text_key_keeps_text_as_typed(reference: Path) -> None:
    assert load_scenario(reference, ["scenario.name=2026"]).name == "2026"
    assert load_scenario(reference, ["scenario.name=true"]).name == "true"


def test_overrides_as_mapping(reference: Path) -> None:
    scenario = load_scenario(reference, {"evolve.win_rate": 0.5, "market.size": 100})
    assert scenario.evolve is not None
    assert scenario.evolve.win_rate == 0.5
    assert scenario.market.size == 100


def test_override_creates_a_missing_optional_section(tmp_path: Path) -> None:
    path = write(tmp_path, "m.toml", MINIMAL)
    scenario = load_scenario(
        path,
        [
            "evolve.experiments_per_month=2",
            "evolve.win_rate=0.3",
            "evolve.uplift_per_win=0.02",
            "market.size=500",
        ],
    )
    assert scenario.evolve is not None
    assert scenario.evolve.experiments_per_month == 2.0
    assert scenario.evolve.cost_per_experiment == 0.0
    assert scenario.market.size == 500


def test_override_array_item_by_index(reference: Path) -> None:
    for key in ("revenue.tiers[1].mrr", "revenue.tiers.1.mrr"):
        scenario = load_scenario(reference, [f"{key}=179"])
        assert [t.mrr for t in scenario.revenue.tiers] == [49.0, 179.0, 499.0]


def test_override_table_value_merges(reference: Path) -> None:
    scenario = load_scenario(reference, ["engage.churn_per_month={ at_risk = 0.5 }"])
    assert scenario.engage.churn_per_month.healthy == 0.008
    assert scenario.engage.churn_per_month.at_risk == 0.5


def test_overrides_apply_after_extends(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[scenario]\nname = "c"\n')
    scenario = load_scenario(child, ["scenario.horizon_months=3"])
    assert scenario.horizon_months == 3


def test_apply_overrides_returns_a_changed_copy(reference: Path) -> None:
    scenario = load_scenario(reference)
    changed = apply_overrides(scenario, ["delight.reward=75", "scenario.seed=1"])
    assert changed.delight is not None and scenario.delight is not None
    assert changed.delight.reward == 75.0
    assert changed.scenario.seed == 1
    assert scenario.delight.reward == 50.0
    assert changed.source == scenario.source
    assert apply_overrides(scenario, {}) == scenario


# -- hash, resolved dict, TOML -------------------------------------------------------------


def test_hash_is_the_same_flat_or_through_extends(tmp_path: Path) -> None:
    flat = load_scenario(write(tmp_path, "flat.toml", REFERENCE))
    head, rest = REFERENCE.split("[engage]\n", 1)
    write(tmp_path, "parts/first.toml", head)
    split = write(tmp_path, "split.toml", 'extends = "parts/first.toml"\n[engage]\n' + rest)
    assert resolved_dict(load_scenario(split)) == resolved_dict(flat)
    assert scenario_hash(load_scenario(split)) == scenario_hash(flat)


def test_hash_ignores_layout_order_and_explicit_defaults(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", MINIMAL)
    b = write(
        tmp_path,
        "other/b.toml",
        """\
# the same content, written differently
revenue.tiers = [ { mrr = 99, name = "basic" } ]
revenue.gross_margin = 1.0

[scenario]
currency = "EUR"
name = "minimal"
horizon_months = 18

[engage]
churn_per_month = { at_risk = 0.0, healthy = 0.0 }
""",
    )
    assert scenario_hash(load_scenario(a)) == scenario_hash(load_scenario(b))


def test_hash_is_sha256_hex_and_not_the_path(tmp_path: Path) -> None:
    one = load_scenario(write(tmp_path, "one.toml", REFERENCE))
    two = load_scenario(write(tmp_path, "deep/two.toml", REFERENCE))
    assert re.fullmatch(r"[0-9a-f]{64}", scenario_hash(one))
    assert scenario_hash(one) == scenario_hash(two)


def test_every_value_change_changes_the_hash(reference: Path) -> None:
    """Change each of the reference's values in turn: every change gives a new hash."""
    base = load_scenario(reference)
    hashes = {scenario_hash(base)}
    changes = 0
    document = tomllib.loads(REFERENCE)
    for path, value in leaves(document).items():
        key = ".".join(path)
        change: dict[str, Any]
        if key == "revenue.tiers":
            change = {key: [{"name": "starter", "mrr": 49.0}]}
        elif path[:2] == ("delight", "nps"):
            # Shares must still sum to 1: move 0.05 to or from a neighbour.
            other = (*path[:-1], "detractor" if path[-1] == "passive" else "passive")
            change = {key: value - 0.05, ".".join(other): get(document, other) + 0.05}
        elif isinstance(value, str):
            change = {key: value + "x"}
        elif isinstance(value, int):
            change = {key: value - 1}
        else:
            change = {key: value / 2 if value else 0.5}
        changed = apply_overrides(base, change)
        hashes.add(scenario_hash(changed))
        changes += 1
    assert len(hashes) == changes + 1


def test_resolved_dict_is_json_ready_with_nulls_for_omitted(tmp_path: Path) -> None:
    data = resolved_dict(load_scenario(write(tmp_path, "m.toml", MINIMAL)))
    assert json.loads(json.dumps(data)) == data
    assert data["delight"] is None
    assert data["market"] == {"size": None}
    assert data["revenue"]["tiers"] == [{"name": "basic", "mrr": 99.0}]
    assert "extends" not in data


@pytest.mark.parametrize("text", [REFERENCE, MINIMAL], ids=["reference", "minimal"])
def test_to_toml_round_trips(tmp_path: Path, text: str) -> None:
    scenario = load_scenario(write(tmp_path, "s.toml", text))
    rendered = to_toml(scenario)
    again = load_scenario(write(tmp_path, "again.toml", rendered))
    assert resolved_dict(again) == resolved_dict(scenario)
    assert scenario_hash(again) == scenario_hash(scenario)
    assert "null" not in rendered


def test_scenario_error_survives_pickling(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "missing.toml")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    assert again.path == info.value.path


def test_scenario_validated_in_code_equals_loaded(reference: Path) -> None:
    """A notebook may build a Scenario from a dict; it equals the file's."""
    built = Scenario.model_validate(tomllib.loads(REFERENCE))
    assert resolved_dict(built) == resolved_dict(load_scenario(reference))
    assert built.source is None


# -- docs/scenarios.md ---------------------------------------------------------------------


def test_docs_match_the_schema() -> None:
    committed = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert committed == generate(), (
        "docs/scenarios.md is stale: python -m flysim.scenario.docgen > docs/scenarios.md"
    )


def test_docs_list_every_key(reference: Path) -> None:
    text = generate()
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))
    for path in leaves(resolved_dict(load_scenario(reference))):
        assert ".".join(path) in documented or path[-1] in ("tiers", "changes")
    assert "changes[].set" in documented
    assert "revenue.tiers[].mrr" in documented


def test_docs_examples_load(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", generate(), flags=re.DOTALL)
    assert len(blocks) == 6
    named = {re.search(r'name = "([^"]+)"', b).group(1): b for b in blocks}  # type: ignore[union-attr]
    minimal = load_scenario(write(tmp_path, "minimal.toml", named["minimal"]))
    bigger = load_scenario(write(tmp_path, "bigger-budget.toml", named["bigger-budget"]))
    curved = load_scenario(write(tmp_path, "curved.toml", named["diminishing-returns"]))
    assert curved.attract.paid is not None and curved.attract.paid.leads_per_month is not None
    assert bigger.attract.paid is not None and minimal.attract.paid is not None
    assert bigger.attract.paid.budget_per_month == 2 * minimal.attract.paid.budget_per_month
    assert bigger.attract.paid.conversion == minimal.attract.paid.conversion
    two = load_scenario(write(tmp_path, "two.toml", named["two-paid-channels"]))
    assert [name for name, _ in two.attract.paid_channels()] == ["search", "social"]
    shutil.copy(REPO / "scenarios" / "startup.toml", tmp_path / "startup.toml")
    plan = load_scenario(write(tmp_path, "plan.toml", named["startup-plan"]))
    assert [c.first_month for c in plan.changes] == [4, 6, 7]
    uncertain = load_scenario(write(tmp_path, "unc.toml", named["startup-uncertain"]))
    assert set(uncertain.uncertain) == {
        "attract.paid.conversion",
        "attract.paid.cost_per_lead",
        "engage.churn_per_month.healthy",
    }
    assert len(uncertain.correlations) == 1
    assert uncertain.engage.churn_per_month.healthy == pytest.approx(0.02)
