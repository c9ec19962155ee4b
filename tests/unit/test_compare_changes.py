"""A comparison of dated plans: which months are before the first change, and the report's list."""

from __future__ import annotations

from pathlib import Path

import pytest

import flysim
from flysim.cli.study_tables import changes_note
from flysim.report import build_report, report_content
from flysim.scenario import load_scenario
from flysim.scenario.change_list import change_listing, change_marks, change_rows
from flysim.scenario.changes import check_changes
from tests import builders

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"

CHANGES = [
    {"month": 3, "note": "cut ads", "set": {"attract.paid.budget_per_month": 500.0}},
    {"from_month": 4, "to_month": 6, "set": {"costs.stack_per_month": 200.0}},
    {"month": 5, "set": {"attract.referral.conversion": 0.4}},
]


@pytest.fixture(scope="module")
def plan():
    return builders.scenario(builders.tiny(**{"scenario.name": "Plan"}), changes=CHANGES)


@pytest.fixture(scope="module")
def comparison(plan):
    base = builders.scenario(builders.tiny())
    return flysim.compare([base, plan], runs=4, seed=3, workers=1)


def test_change_rows_say_when_what_and_which_keys(plan):
    rows = change_rows(plan)
    assert [(r.index, r.when, r.note, r.keys) for r in rows] == [
        (0, "month 3", "cut ads", ("attract.paid.budget_per_month",)),
        (1, "months 4-6", "", ("costs.stack_per_month",)),
        (2, "month 5", "", ("attract.referral.conversion",)),
    ]
    assert change_marks(plan) == [
        (2, "month 3: cut ads"),
        (3, "months 4-6: costs.stack_per_month"),
        (4, "month 5: attract.referral.conversion"),
    ]
    assert change_marks(plan, months=4) == change_marks(plan)[:2]
    check_changes(plan)  # a valid plan, so this holds once the engines apply it


def test_a_key_switched_off_says_so(tmp_path):
    path = tmp_path / "off.toml"
    path.write_text(
        f'extends = "{STARTUP.as_posix()}"\n\n[[changes]]\nmonth = 6\n'
        'set = { "engage.triggers.risk_alert" = "off" }\n',
        encoding="utf-8",
    )
    [row] = change_rows(load_scenario(path))
    assert row.keys == ("engage.triggers.risk_alert off",)
    assert row.line() == "month 6: sets engage.triggers.risk_alert off"


def test_the_validate_listing_has_one_line_per_change(plan):
    assert change_listing(plan) == [
        "3 changes:",
        "  changes[0] month 3: cut ads (sets attract.paid.budget_per_month)",
        "  changes[1] months 4-6: ramps costs.stack_per_month",
        "  changes[2] month 5: sets attract.referral.conversion",
    ]
    assert change_listing(builders.scenario(builders.tiny())) == []


def test_the_comparison_knows_each_scenarios_changes_and_the_months_before(comparison):
    changes = comparison.changes
    assert changes["Tiny"] == []
    assert [m for m, _ in changes["Plan"]] == [2, 3, 4]
    assert comparison.months_before_changes() == 2


def test_the_note_says_which_months_are_before_the_first_change(comparison):
    lines = changes_note(comparison.changes, [3, 6])
    assert (
        lines[0]
        == "Before the first change: months 1-2 (Plan changes from month 3; Tiny has none)."
    )
    assert "  Plan ▸ month 3: cut ads" in lines
    assert "  Plan ▸ months 4-6: costs.stack_per_month" in lines
    assert any("decision probabilities read the whole horizon" in line for line in lines)
    # a reported month before the first change is said to be so
    assert "Month 2 of the tables is before any change." in changes_note(comparison.changes, [2, 6])


def test_no_note_without_changes_and_a_change_in_month_1():
    assert changes_note({"a": [], "b": []}, [12, 18]) == []
    [head, *_] = changes_note({"a": [(0, "month 1: launch")]}, [12])
    assert head == "A change holds from month 1 (a changes from month 1)."


def test_the_report_lists_each_scenarios_changes(comparison):
    content = report_content(comparison)
    assert content.changes is not None
    assert content.changes.headers == ["Scenario", "From", "Note", "Keys set"]
    assert content.changes.rows == [
        ["Plan", "month 3", "cut ads", "attract.paid.budget_per_month"],
        ["Plan", "months 4-6", "–", "costs.stack_per_month"],
        ["Plan", "month 5", "–", "attract.referral.conversion"],
    ]
    html = build_report(comparison)
    assert 'id="changes"' in html and "attract.paid.budget_per_month" in html


def test_a_report_without_changes_has_no_changes_table():
    result = flysim.simulate(builders.scenario(builders.tiny()), runs=4, seed=1, workers=1)
    assert report_content(result).changes is None
