"""Names, notes and labels are drawn as text, never parsed as mathtext (issue 14).

A scenario named ``Plan $5k, 20% more`` crashed figure drawing with a mathtext
ParseException; every figure kind is drawn here with names full of
``$ % ^ _ { } \\``.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import flysim
from flysim.scenario import load_scenario

SCENARIO = """\
[scenario]
name = {name}
description = '$1 ^ % notes'
currency = 'USD'
horizon_months = 6

[initial]
customers = 20
advocates = 2

[revenue]
tiers = [{{ name = {tier}, mrr = 50.0 }}, {{ name = "pro", mrr = 150.0 }}]

[attract.paid]
budget_per_month = {budget}
cost_per_lead = 20.0
conversion = 0.1

[attract.referral]
conversion = 0.3

[engage]
risk_per_month = 0.05
recovery_per_month = 0.2
churn_per_month = {{ healthy = 0.02, at_risk = 0.1 }}
upsell_per_month = 0.05

[delight]
nps.healthy = {{ promoter = 0.5, passive = 0.3, detractor = 0.2 }}
nps.at_risk = {{ promoter = 0.1, passive = 0.4, detractor = 0.5 }}
ask_accept = 0.5
referrals_per_advocate_per_month = 0.2
"""

NASTY = [r"Plan $5k, 20% more", r"a^b_{c} \frac{1}{2} $x$ 100%", r"\alpha $ ^ _ { } \ %"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nasty")
    paths = []
    for i, name in enumerate(NASTY):
        # JSON strings are TOML basic strings: the backslashes arrive as typed.
        tier = json.dumps(f"tier ${i} {{x}}_^")
        text = SCENARIO.format(name=json.dumps(name), tier=tier, budget=1000.0 + 200 * i)
        path = folder / f"s{i}.toml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_run_figures_draw_names_as_text(scenarios, tmp_path):
    result = flysim.simulate(load_scenario(scenarios[1]), runs=4, seed=1, months=6)
    folder = result.save(tmp_path / "run", figures=True)
    assert len(list(folder.glob("*.png"))) >= 2


def test_compare_figures_draw_names_as_text(scenarios, tmp_path):
    comparison = flysim.compare(scenarios, runs=4, seed=1, months=6)
    folder = comparison.save(tmp_path / "compare", figures=True)
    assert list(folder.glob("*.png"))


def test_sweep_figures_draw_names_as_text(scenarios, tmp_path):
    base = load_scenario(scenarios[1])
    for params in (
        ["attract.paid.budget_per_month=500:1500:2"],
        ["attract.paid.budget_per_month=500:1500:2", "engage.risk_per_month=0.02:0.08:2"],
    ):
        result = flysim.sweep(base, params, "mrr", runs=3, seed=1)
        folder = result.save(tmp_path / f"sweep{len(params)}", figures=True)
        assert list(folder.glob("*.png"))


def test_sensitivity_figures_draw_names_as_text(scenarios, tmp_path):
    base = load_scenario(scenarios[2])
    result = flysim.sensitivity(
        base,
        ["attract.paid.budget_per_month=500:1500", "engage.risk_per_month=0.02:0.08"],
        "mrr",
        runs=3,
        seed=1,
    )
    folder = result.save(tmp_path / "sensitivity", figures=True)
    assert list(folder.glob("*.png"))
