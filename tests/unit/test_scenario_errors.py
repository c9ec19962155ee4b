"""Bad scenarios: one line each, naming the file, the key path, the value and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flysim.scenario import ScenarioError, apply_overrides, load_scenario

# A valid scenario with every section, small enough to edit case by case.
GOOD = """\
[scenario]
name = "errors"
horizon_months = 12
seed = 3

[market]
size = 5000

[initial]
customers = 40
advocates = 4

[revenue]
gross_margin = 0.8
tiers = [{ name = "starter", mrr = 49.0 }, { name = "pro", mrr = 149.0 }]

[attract.paid]
budget_per_month = 1500.0
cost_per_lead = 30.0
conversion = 0.04

[attract.referral]
conversion = 0.25

[engage]
risk_per_month = 0.06
churn_per_month = { healthy = 0.008, at_risk = 0.06 }

[engage.health]
logins_per_week = { healthy = 4.0, at_risk = 1.2 }
feature_usage = { healthy = 0.65, at_risk = 0.35 }
tickets_per_month = { healthy = 0.8, at_risk = 2.5 }
payment_delay = { healthy = 0.01, at_risk = 0.08 }

[engage.triggers.risk_alert]
cost = 15.0
success = 0.30

[delight]
nps.healthy = { promoter = 0.55, passive = 0.35, detractor = 0.10 }
nps.at_risk = { promoter = 0.10, passive = 0.40, detractor = 0.50 }
ask_accept = 0.4
referrals_per_advocate_per_month = 0.15

[evolve]
experiments_per_month = 2.0
win_rate = 0.30
uplift_per_win = 0.02

[costs]
stack_per_month = 200.0
"""


def edit(old: str, new: str, text: str = GOOD) -> str:
    assert text.count(old) == 1, f"{old!r} is not in the text exactly once"
    return text.replace(old, new)


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, overrides: Any = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def test_good_scenario_loads(tmp_path: Path) -> None:
    """The cases below each break this scenario in one place."""
    assert load_scenario(write(tmp_path, "x.toml", GOOD)).name == "errors"


@dataclass(frozen=True)
class Case:
    text: str
    key: str | None
    pieces: tuple[str, ...]
    overrides: Any = None
    override: bool = False


CASES: dict[str, Case] = {
    # probabilities outside [0, 1]
    "probability above 1": Case(
        edit("conversion = 0.04", "conversion = 1.5"),
        "attract.paid.conversion",
        ("attract.paid.conversion = 1.5", "must be between 0 and 1"),
    ),
    "probability below 0": Case(
        edit("at_risk = 0.08 }", "at_risk = -0.1 }"),
        "engage.health.payment_delay.at_risk",
        ("engage.health.payment_delay.at_risk = -0.1", "must be between 0 and 1"),
    ),
    "margin above 1": Case(
        edit("gross_margin = 0.8", "gross_margin = 1.2"),
        "revenue.gross_margin",
        ("revenue.gross_margin = 1.2", "must be between 0 and 1"),
    ),
    "open interval share": Case(
        edit("healthy = 0.65", "healthy = 1.0"),
        "engage.health.feature_usage.healthy",
        ("engage.health.feature_usage.healthy = 1.0", "must be strictly between 0 and 1"),
    ),
    # negative money and rates
    "negative budget": Case(
        edit("budget_per_month = 1500.0", "budget_per_month = -1500.0"),
        "attract.paid.budget_per_month",
        ("attract.paid.budget_per_month = -1500.0", "must be between 0 and 1e9"),
    ),
    "negative tier mrr": Case(
        edit("mrr = 149.0", "mrr = -149.0"),
        "revenue.tiers[1].mrr",
        ("revenue.tiers[1].mrr = -149.0", "must be between 0 and 1e7"),
    ),
    "negative churn rate": Case(
        edit("at_risk = 0.06 }", "at_risk = -0.06 }"),
        "engage.churn_per_month.at_risk",
        ("engage.churn_per_month.at_risk = -0.06", "must be between 0 and 100"),
    ),
    "negative hazard": Case(
        edit("risk_per_month = 0.06", "risk_per_month = -1"),
        "engage.risk_per_month",
        ("engage.risk_per_month = -1", "must be between 0 and 100"),
    ),
    "zero cost per lead": Case(
        edit("cost_per_lead = 30.0", "cost_per_lead = 0"),
        "attract.paid.cost_per_lead",
        ("attract.paid.cost_per_lead = 0", "must be between 0.01 and 1e9"),
    ),
    "negative market size": Case(
        edit("size = 5000", "size = -3"),
        "market.size",
        ("market.size = -3", "must be an integer from 1 to 1e10, or omitted"),
    ),
    # the horizon
    "horizon 0": Case(
        edit("horizon_months = 12", "horizon_months = 0"),
        "scenario.horizon_months",
        ("scenario.horizon_months = 0", "must be an integer from 1 to 120"),
    ),
    "horizon 121": Case(
        edit("horizon_months = 12", "horizon_months = 121"),
        "scenario.horizon_months",
        ("scenario.horizon_months = 121", "must be an integer from 1 to 120"),
    ),
    # wrong types
    "string for integer": Case(
        edit("horizon_months = 12", 'horizon_months = "12"'),
        "scenario.horizon_months",
        ('scenario.horizon_months = "12"', "wrong type (a string)", "an integer from 1 to 120"),
    ),
    "fraction for integer": Case(
        edit("horizon_months = 12", "horizon_months = 12.5"),
        "scenario.horizon_months",
        ("scenario.horizon_months = 12.5", "an integer from 1 to 120"),
    ),
    "string for number": Case(
        edit("conversion = 0.04", 'conversion = "high"'),
        "attract.paid.conversion",
        ('attract.paid.conversion = "high"', "wrong type (a string)", "between 0 and 1"),
    ),
    "boolean for integer": Case(
        edit("seed = 3", "seed = true"),
        "scenario.seed",
        ("scenario.seed = true", "wrong type (a boolean)", "an integer from 0 to"),
    ),
    "number for text": Case(
        edit('name = "errors"', "name = 7"),
        "scenario.name",
        ("scenario.name = 7", "wrong type (an integer)", "a non-empty string"),
    ),
    "value for a section": Case(
        "market = 5000\n" + edit("[market]\nsize = 5000\n", ""),
        "market",
        ("market = 5000", "wrong type (an integer)", "a table with keys size"),
    ),
    "table for a value": Case(
        edit("gross_margin = 0.8", "gross_margin = { value = 0.8 }"),
        "revenue.gross_margin",
        ("revenue.gross_margin = {value = 0.8}", "wrong type (a table)", "between 0 and 1"),
    ),
    "empty tiers": Case(
        edit('[{ name = "starter", mrr = 49.0 }, { name = "pro", mrr = 149.0 }]', "[]"),
        "revenue.tiers",
        ("revenue.tiers = []", "must be an array of at least 1 table {name, mrr}"),
    ),
    "empty name": Case(
        edit('name = "errors"', 'name = ""'),
        "scenario.name",
        ('scenario.name = ""', "must be a non-empty string"),
    ),
    # rules inside and across sections (model validators), named by section
    "nps shares not summing to 1": Case(
        edit("promoter = 0.55", "promoter = 0.60"),
        "delight.nps.healthy",
        (
            "delight.nps.healthy = {promoter = 0.6, passive = 0.35, detractor = 0.1}",
            "promoter + passive + detractor must sum to 1, got 1.05",
        ),
    ),
    "advocates above customers": Case(
        edit("advocates = 4", "advocates = 50"),
        "initial",
        (
            "initial = {customers = 40, advocates = 50}",
            "advocates (50) cannot exceed customers (40)",
        ),
    ),
    "duplicate tier names": Case(
        edit('name = "pro"', 'name = "starter"'),
        "revenue",
        ("revenue", "tier names must be unique", "['starter', 'starter']"),
    ),
    "triggers without health": Case(
        edit(
            "[engage.health]\n"
            "logins_per_week = { healthy = 4.0, at_risk = 1.2 }\n"
            "feature_usage = { healthy = 0.65, at_risk = 0.35 }\n"
            "tickets_per_month = { healthy = 0.8, at_risk = 2.5 }\n"
            "payment_delay = { healthy = 0.01, at_risk = 0.08 }\n",
            "",
        ),
        "engage",
        ("engage", "[engage.triggers] needs [engage.health]"),
    ),
    "referrals without the referral channel": Case(
        edit("[attract.referral]\nconversion = 0.25\n", ""),
        None,
        ("delight.referrals_per_advocate_per_month > 0 needs an [attract.referral] section",),
    ),
    # unknown and missing keys
    "unknown key in a section": Case(
        edit("churn_per_month = {", "churn_per_mnth = {"),
        "engage.churn_per_mnth",
        ("unknown key 'engage.churn_per_mnth'", "did you mean 'churn_per_month'?"),
    ),
    "unknown key in an inline table": Case(
        edit("at_risk = 0.06 }", "at_rsk = 0.06 }"),
        "engage.churn_per_month.at_rsk",
        ("unknown key 'engage.churn_per_month.at_rsk'", "did you mean 'at_risk'?"),
    ),
    "unknown section": Case(
        edit("[market]", "[markt]"),
        "markt",
        ("unknown key 'markt'", "did you mean 'market'?"),
    ),
    "unknown key without a near one": Case(
        edit("stack_per_month = 200.0", "stack_per_month = 200.0\nzzz = 1"),
        "costs.zzz",
        (
            "unknown key 'costs.zzz'",
            "known keys in [costs]: stack_per_month, onboarding_per_customer",
        ),
    ),
    "missing required key": Case(
        edit("conversion = 0.04\n", ""),
        "attract.paid.conversion",
        ("missing key 'attract.paid.conversion'", "must be between 0 and 1"),
    ),
    "missing required section": Case(
        edit(
            '[revenue]\ngross_margin = 0.8\ntiers = [{ name = "starter", mrr = 49.0 }, '
            '{ name = "pro", mrr = 149.0 }]\n',
            "",
        ),
        "revenue",
        ("missing key 'revenue'", "a table with keys gross_margin, tiers"),
    ),
    # overrides
    "override with a typo": Case(
        GOOD,
        "attract.paid.budget_per_mnth",
        ("unknown key 'attract.paid.budget_per_mnth'", "did you mean 'budget_per_month'?"),
        overrides=["attract.paid.budget_per_mnth=3000"],
        override=True,
    ),
    "override in a mistyped section": Case(
        GOOD,
        "attract.payd.budget_per_month",
        ("unknown key 'attract.payd'", "did you mean 'paid'?"),
        overrides=["attract.payd.budget_per_month=3000"],
        override=True,
    ),
    "override with a bad value": Case(
        GOOD,
        "attract.paid.conversion",
        ('attract.paid.conversion = "abc"', "wrong type (a string)", "must be between 0 and 1"),
        overrides=["attract.paid.conversion=abc"],
        override=True,
    ),
    "override out of range": Case(
        GOOD,
        "scenario.horizon_months",
        ("scenario.horizon_months = 500", "must be an integer from 1 to 120"),
        overrides={"scenario.horizon_months": 500},
        override=True,
    ),
    "malformed override": Case(
        GOOD,
        None,
        ("malformed override 'attract.paid.conversion'", "expected KEY=VALUE"),
        overrides=["attract.paid.conversion"],
        override=True,
    ),
    "override with no key": Case(
        GOOD,
        None,
        ("malformed override '=5'", "expected KEY=VALUE"),
        overrides=["=5"],
        override=True,
    ),
    "override below a value": Case(
        GOOD,
        "scenario.name.first",
        ("bad key path 'scenario.name.first'", "'scenario.name' is not a table"),
        overrides=["scenario.name.first=x"],
        override=True,
    ),
    "override index out of range": Case(
        GOOD,
        "revenue.tiers[5].mrr",
        ("revenue.tiers[5].mrr = 10", "index 5 is out of range", "has 2 items"),
        overrides=["revenue.tiers[5].mrr=10"],
        override=True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_scenario_gives_one_clear_line(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path = write(tmp_path, "scenarios/x.toml", case.text)
    err = load_error(path, case.overrides)
    lines = str(err).splitlines()
    assert len(lines) == 1, str(err)
    line = lines[0]
    where = f"{path} (--set): " if case.override else f"{path}: "
    assert line.startswith(where), line
    for piece in case.pieces:
        assert piece in line, f"{piece!r} not in {line!r}"
    assert err.path == str(path)
    assert err.key == case.key
    assert err.problems[0].override is case.override
    assert len(err.problems) == 1


def test_value_attribute_is_the_offending_value(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "x.toml", edit("conversion = 0.04", "conversion = 1.5")))
    assert err.value == 1.5
    err = load_error(write(tmp_path, "y.toml", GOOD), ["attract.paid.conversion=abc"])
    assert err.value == "abc"


def test_every_problem_is_reported_one_per_line(tmp_path: Path) -> None:
    text = edit("conversion = 0.04", "conversion = 2.0")
    text = edit("horizon_months = 12", "horizon_months = 999", text)
    text = edit("churn_per_month = {", "churn_per_mnth = {", text)
    path = write(tmp_path, "x.toml", text)
    err = load_error(path, ["delight.ask_accept=7"])
    lines = str(err).splitlines()
    assert len(lines) == len(err.problems) == 4
    assert lines[0] == f"{path}: scenario.horizon_months = 999: must be an integer from 1 to 120"
    assert f"{path}: attract.paid.conversion = 2.0: must be between 0 and 1" in lines
    assert (
        f"{path} (--set): delight.ask_accept = 7: must be between 0 and 1, "
        "or a response {x = [...], y = [...]}"
    ) in lines
    assert any("did you mean 'churn_per_month'?" in line for line in lines)
    assert err.key == "scenario.horizon_months"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    err = load_error(path)
    assert str(err) == f"{path}: file not found"
    assert err.path == str(path)
    assert err.key is None


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    assert str(load_error(tmp_path)) == f"{tmp_path}: is a directory, not a TOML file"


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", '[scenario]\nname = "x"\nhorizon_months = = 3\n')
    assert str(load_error(path)) == f"{path}: invalid TOML at line 3, column 18: Invalid value"


def test_malformed_toml_at_end_of_document(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", "[scenario]\ntiers = [1,\n")
    assert str(load_error(path)).startswith(f"{path}: invalid TOML at end of document: ")


def test_duplicate_key_is_malformed_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", edit("size = 5000", "size = 5000\nsize = 6000"))
    assert str(load_error(path)).startswith(f"{path}: invalid TOML at line 8, column ")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", b'[scenario]\nname = "caf\xe9"\n')
    assert str(load_error(path)).startswith(f"{path}: not UTF-8 text")


# -- extends ---------------------------------------------------------------------------------


def test_cyclic_extends_names_the_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "s/a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "s/b.toml", 'extends = "../s/a.toml"\n')
    err = load_error(a)
    b = tmp_path / "s" / "b.toml"
    assert str(err) == f"{b}: cyclic extends: {a} -> {b} -> {a}"
    assert err.key == "extends"


def test_a_file_extending_itself(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "a.toml"\n' + GOOD)
    assert str(load_error(a)) == f"{a}: cyclic extends: {a} -> {a}"


def test_missing_extends_target(tmp_path: Path) -> None:
    a = write(tmp_path, "s/a.toml", 'extends = "base/nope.toml"\n' + GOOD)
    err = load_error(a)
    missing = tmp_path / "s" / "base" / "nope.toml"
    assert str(err) == f'{a}: extends = "base/nope.toml": file not found ({missing})'
    assert (err.key, err.value) == ("extends", "base/nope.toml")


def test_extends_that_is_not_a_path(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", "extends = 3\n" + GOOD)
    assert str(load_error(a)) == (
        f"{a}: extends = 3: must be the path of a TOML file, relative to this file"
    )


def test_errors_name_the_file_that_set_the_key(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", edit("win_rate = 0.30", "win_rate = 3.0"))
    child = write(
        tmp_path, "child.toml", 'extends = "base.toml"\n[attract.paid]\nconversion = -1.0\n'
    )
    lines = str(load_error(child)).splitlines()
    assert lines == [
        f"{child}: attract.paid.conversion = -1.0: must be between 0 and 1",
        f"{base}: evolve.win_rate = 3.0: must be between 0 and 1",
    ]


def test_error_in_a_base_fixed_by_the_child_is_no_error(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", edit("win_rate = 0.30", "win_rate = 3.0"))
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[evolve]\nwin_rate = 0.3\n')
    assert load_scenario(child).evolve is not None


def test_malformed_toml_in_a_base(tmp_path: Path) -> None:
    base = write(tmp_path, "base.toml", "[scenario\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n')
    assert str(load_error(child)).startswith(f"{base}: invalid TOML at line 1, column ")


# -- apply_overrides -------------------------------------------------------------------------


def test_apply_overrides_errors_name_the_source(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", GOOD)
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as info:
        apply_overrides(scenario, {"evolve.win_rat": 0.5})
    assert str(info.value) == (
        f"{path} (--set): unknown key 'evolve.win_rat'; did you mean 'win_rate'?"
    )


def test_scenario_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        ScenarioError([])


def test_error_examples_in_the_docs_are_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/scenarios.md shows error lines; each is what the loader really says."""
    from flysim.scenario.docgen import generate

    monkeypatch.chdir(tmp_path)
    path = Path("scenarios") / "x.toml"
    bad = [
        (edit("conversion = 0.04", "conversion = 1.5"), None),
        (edit("churn_per_month = {", "churn_per_mnth = {"), None),
        (edit("horizon_months = 12", "horizon_months = 121"), None),
        (edit("horizon_months = 12", "horizon_months = eighteen"), None),
        (GOOD, ["attract.paid.budget_per_month=abc"]),
    ]
    docs = generate()
    for text, overrides in bad:
        write(tmp_path, str(path), text)
        line = str(load_error(path, overrides))
        assert f"\n{line}\n" in docs, line
