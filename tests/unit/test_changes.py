"""Dated changes (issue 9): the timeline a scenario's ``[[changes]]`` give, and every bad change.

Each bad change is one line and exit status 2 through the CLI (in-process,
``flysim.cli._run``), naming the change, the key and the value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flysim.cli import _run
from flysim.model.params import compile_table
from flysim.scenario import ScenarioError, apply_overrides, load_scenario
from flysim.scenario.changes import change_months, timeline
from tests.unit.test_cli_errors import one_error_line

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
HEAD = f'extends = "{SCENARIOS / "startup.toml"}"\n'


def plan(tmp_path: Path, body: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


STEP_AND_RAMP = """
[[changes]]
month = 4
note = "shift"
set = { "attract.paid.budget_per_month" = 600.0, "delight.reward" = 120.0 }

[[changes]]
from_month = 7
to_month = 10
set = { "attract.organic.cost_per_month" = 700.0 }
"""


def test_a_step_and_a_ramp_give_one_segment_per_changed_month(tmp_path: Path) -> None:
    s = load_scenario(plan(tmp_path, STEP_AND_RAMP))
    segs = timeline(s)
    assert [seg.month for seg in segs] == [0, 3, 6, 7, 8, 9]
    base = s.attract.organic.cost_per_month  # type: ignore[union-attr]
    # The ramp: from the value in force before month 7 to 700 in month 10, in 4 equal steps.
    costs = [seg.scenario.attract.organic.cost_per_month for seg in segs[2:]]  # type: ignore[union-attr]
    assert costs == pytest.approx([base + (700.0 - base) * k / 4 for k in range(1, 5)])
    assert segs[1].scenario.attract.paid.budget_per_month == 600.0  # type: ignore[union-attr]
    assert segs[0].scenario.attract.paid.budget_per_month == s.attract.paid.budget_per_month  # type: ignore[union-attr]
    # A later segment keeps the earlier change.
    assert all(seg.scenario.delight.reward == 120.0 for seg in segs[1:])  # type: ignore[union-attr]
    assert segs[1].notes == ("month 4: shift",) and segs[2].notes == ("months 7-10",)
    assert change_months(s) == [(3, "month 4: shift"), (6, "months 7-10")]


def test_the_parameter_table_has_the_rows_in_force_each_month(tmp_path: Path) -> None:
    s = load_scenario(plan(tmp_path, STEP_AND_RAMP))
    table = compile_table([s])
    assert table.has_changes and table.change_months() == (3, 6, 7, 8, 9)
    assert table.at_month(2).rows[0].budget_paid == s.attract.paid.budget_per_month  # type: ignore[union-attr]
    assert table.at_month(3).rows[0].budget_paid == 600.0
    assert table.at_month(17).rows[0].content_cost == 700.0
    assert not compile_table([load_scenario(SCENARIOS / "startup.toml")]).has_changes


def test_a_change_from_month_1_is_the_scenario_simulated(tmp_path: Path) -> None:
    body = '[[changes]]\nmonth = 1\nset = { "delight.reward" = 80.0 }\n'
    segs = timeline(load_scenario(plan(tmp_path, body)))
    assert len(segs) == 1 and segs[0].scenario.delight.reward == 80.0  # type: ignore[union-attr]


def test_off_switches_a_trigger_and_a_table_switches_it_on_again(tmp_path: Path) -> None:
    body = """
[[changes]]
month = 3
set = { "engage.triggers.risk_alert" = "off" }

[[changes]]
month = 9
set = { "engage.triggers.risk_alert" = { logins_below = 1, cost = 5.0, success = 0.5 } }
"""
    segs = timeline(load_scenario(plan(tmp_path, body)))
    triggers = [seg.scenario.engage.triggers for seg in segs]
    assert triggers[0].risk_alert is not None  # type: ignore[union-attr]
    assert triggers[1].risk_alert is None  # type: ignore[union-attr]
    assert triggers[2].risk_alert.success == 0.5  # type: ignore[union-attr]


def test_set_reaches_a_change_and_the_base_under_it(tmp_path: Path) -> None:
    s = load_scenario(plan(tmp_path, STEP_AND_RAMP))
    moved = apply_overrides(s, ["changes[0].month=5", "delight.reward=10"])
    segs = timeline(moved)
    assert segs[1].month == 4
    assert segs[0].scenario.delight.reward == 10.0  # type: ignore[union-attr]
    assert segs[1].scenario.delight.reward == 120.0  # type: ignore[union-attr]
    with pytest.raises(ScenarioError, match="past the horizon"):
        apply_overrides(s, ["changes[1].to_month=40"])


BAD_CHANGES = {
    "month past the horizon": (
        '[[changes]]\nmonth = 19\nset = { "delight.reward" = 1.0 }\n',
        ["changes[0]", "past the horizon"],
    ),
    "month zero": ('[[changes]]\nmonth = 0\nset = { "delight.reward" = 1.0 }\n', ["month"]),
    "ramp backwards": (
        '[[changes]]\nfrom_month = 9\nto_month = 7\nset = { "delight.reward" = 1.0 }\n',
        ["to_month (7) precedes its from_month (9)"],
    ),
    "two changes of one key in one month": (
        '[[changes]]\nmonth = 4\nset = { "delight.reward" = 1.0 }\n'
        '[[changes]]\nmonth = 4\nnote = "again"\nset = { "delight.reward" = 2.0 }\n',
        ["changes[1]", "again", "two changes of one key in month 4", "delight.reward"],
    ),
    "overlapping ramps": (
        '[[changes]]\nfrom_month = 4\nto_month = 8\nset = { "delight.reward" = 10.0 }\n'
        '[[changes]]\nfrom_month = 6\nto_month = 9\nset = { "delight.reward" = 20.0 }\n',
        ["overlapping ramps of one key", "delight.reward"],
    ),
    "a key that cannot change": (
        '[[changes]]\nmonth = 4\nset = { "scenario.horizon_months" = 24 }\n',
        ["changes[0]", "scenario.horizon_months = 24", "cannot change mid-run"],
    ),
    "the market's size": (
        '[[changes]]\nmonth = 4\nset = { "market.size" = 9 }\n',
        ["market.size", "cannot change mid-run"],
    ),
    "an unknown key": (
        '[[changes]]\nmonth = 4\nnote = "typo"\nset = { "delight.rewards" = 1.0 }\n',
        ["changes[0] (month 4: typo)", "did you mean", "reward"],
    ),
    "a value out of range after the change": (
        '[[changes]]\nmonth = 4\nset = { "attract.paid.conversion" = 1.5 }\n',
        ["changes[0]", "attract.paid.conversion = 1.5", "between 0 and 1"],
    ),
    "off on a channel": (
        '[[changes]]\nmonth = 4\nset = { "attract.paid" = "off" }\n',
        ["attract.paid", "set its budget or leads to 0"],
    ),
    "a ramp of a table": (
        '[[changes]]\nfrom_month = 4\nto_month = 6\nset = { "engage.triggers.risk_alert" = '
        "{ logins_below = 1, cost = 5.0, success = 0.5 } }\n",
        ["a ramp moves a number"],
    ),
    "switching delight off": (
        '[[changes]]\nmonth = 4\nset = { "delight" = "off" }\n',
        ["delight", "cannot be switched off mid-run", "from the start"],
    ),
    "a change with no month": ('[[changes]]\nset = { "delight.reward" = 1.0 }\n', ["month"]),
    "a change with nothing set": ("[[changes]]\nmonth = 4\nset = {}\n", ["set"]),
    "a tier's name": (
        '[[changes]]\nmonth = 4\nset = { "revenue.tiers[0].name" = "basic" }\n',
        ["tier names are fixed"],
    ),
}


@pytest.mark.parametrize("body, needles", BAD_CHANGES.values(), ids=BAD_CHANGES.keys())
def test_every_bad_change_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, needles: list[str]
) -> None:
    path = plan(tmp_path, body)
    one_error_line(capsys, _run(["validate", str(path)]), str(path), *needles)


def test_switching_health_on_mid_run_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "nohealth.toml"
    base.write_text(
        (SCENARIOS / "startup.toml")
        .read_text(encoding="utf-8")
        .split("[engage.health]")[0]
        .rstrip()
        + "\n\n"
        + (SCENARIOS / "startup.toml")
        .read_text(encoding="utf-8")
        .split("[delight]")[1]
        .join(["[delight]", ""]),
        encoding="utf-8",
    )
    s = load_scenario(base)
    assert s.engage.health is None
    health = (
        "{ logins_per_week = { healthy = 4.0, at_risk = 1.2 }, feature_usage = { healthy = 0.65, "
        "at_risk = 0.35 }, tickets_per_month = { healthy = 0.8, at_risk = 2.5 }, payment_delay = "
        "{ healthy = 0.01, at_risk = 0.08 } }"
    )
    body = f'[[changes]]\nmonth = 4\nset = {{ "engage.health" = {health} }}\n'
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{base.name}"\n' + body, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"switches \[engage.health\] on mid-run"):
        load_scenario(child)
