"""Moving budget in ``scenarios/levers.toml`` moves leads, acceptance and contribution as it should.

The shipped example of issue 12 (and ``notebooks/05-budget-shift.ipynb``):
half of the 1,000 EUR ad budget moves into the referral reward, which rises
from 30 EUR to 30 + 500 / 3 EUR (the notebook's plan: the moved money over
three referred customers a month). On the numpy core, with common random
numbers, against the scenario as shipped:

- paid leads a month are what the paid curve gives at each budget, and
  their paired change is the curve's change, within Monte Carlo error (plus
  an allowance for the market's saturation, which scales every channel);
- advocates at month 18 rise by about what the acceptance curve's lift says,
  and not when the ads are cut with the reward left where it was;
- cumulative contribution moves by the change in gross profit less the
  change in spend: the ad spend falls by exactly the money moved, and the
  reward bill is the new reward times the referred customers won;
- the curves are read at the levers' values: the shifted scenario gives the
  same numbers, run for run, as one with plain numbers at the curves' values
  (a flat curve for paid leads, which take no plain number).
"""

from __future__ import annotations

import numpy as np
import pytest

import flysim
from flysim.model.responses import respond
from flysim.pipeline import run_variants
from flysim.scenario import apply_overrides
from tests.builders import SCENARIOS_DIR
from tests.stats import assert_within, critical_value, sample_mean_se

pytestmark = pytest.mark.functional

RUNS, SEED, MONTHS = 300, 20261212, 18
SHARE, N_PLAN = 0.5, 3.0
#: Leads lost to the market's saturation (a few percent of 20,000 reached in
#: 18 months) are a bias, not noise: allowed on top of the Monte Carlo error.
SATURATION = 0.03
METRICS = (
    "leads_paid",
    "advocates",
    "new_customers_referral",
    "contribution_cumulative",
    "gross_profit",
    "spend_total",
    "spend_paid",
    "spend_rewards",
)


@pytest.fixture(scope="module")
def shift():
    """The scenario as shipped, the shift, the cut alone, and the shift with plain numbers."""
    base = flysim.load_scenario(SCENARIOS_DIR / "levers.toml")
    paid, delight = base.attract.paid, base.delight
    budget = (1 - SHARE) * paid.budget_per_month
    reward = delight.reward + SHARE * paid.budget_per_month / N_PLAN
    leads = float(respond(paid.leads_per_month, budget))
    moved = {"attract.paid.budget_per_month": budget, "delight.reward": reward}
    plain = {
        **moved,
        # Paid leads take a response only: a flat one is a plain number.
        "attract.paid.leads_per_month": {"x": [0.0, 1.0], "y": [leads, leads]},
        "delight.ask_accept": float(respond(delight.ask_accept, reward)),
        "delight.referrals_per_advocate_per_month": float(
            respond(delight.referrals_per_advocate_per_month, reward)
        ),
    }
    variants = [
        base,
        apply_overrides(base, moved),
        apply_overrides(base, {"attract.paid.budget_per_month": budget}),
        apply_overrides(base, plain),
    ]
    batch = run_variants(variants, runs=RUNS, seed=SEED, months=MONTHS, metrics=METRICS)
    data = {m: batch.data[..., i] for i, m in enumerate(METRICS)}
    return base, budget, reward, data


def test_paid_leads_follow_the_budget_curve(shift):
    base, budget, _, data = shift
    curve = base.attract.paid.leads_per_month
    expected = np.array([respond(curve, b) for b in (base.attract.paid.budget_per_month, budget)])
    # The example's curve has diminishing returns: half the budget buys more than half the leads.
    assert expected[1] > (1 - SHARE) * expected[0]
    per_run = data["leads_paid"][:2].mean(axis=2)  # variants x runs: leads a month
    mean, se, df = sample_mean_se(per_run, axis=1)
    assert_within(mean, expected, se, df=df, bias_bound=SATURATION * expected, what="paid leads")
    change, change_se, df = sample_mean_se(per_run[1] - per_run[0])
    want = expected[1] - expected[0]
    assert_within(
        change, want, change_se, df=df, bias_bound=SATURATION * abs(want), what="paid leads change"
    )


def test_advocates_rise_with_the_reward_as_acceptance_says(shift):
    base, _, reward, data = shift
    curve = base.delight.ask_accept
    lift = respond(curve, reward) / respond(curve, base.delight.reward) - 1
    assert lift > 0.3, "the example's acceptance curve should rise over this range"
    advocates = data["advocates"][:, :, MONTHS - 1]
    base_mean = advocates[0].mean()
    change, se, df = sample_mean_se(advocates[1] - advocates[0])
    crit = critical_value(df)
    assert change > crit * se, f"advocates rose by {change:.2f} (SE {se:.2f})"
    # New advocates are promoters asked times acceptance; the promoters asked
    # change too (fewer paid, more referred customers), so the size is bracketed.
    relative = change / base_mean
    margin = crit * se / base_mean
    assert 0.6 * lift - margin < relative < 1.5 * lift + margin, (relative, lift)
    # The cut alone, the reward unchanged, moves advocates much less.
    cut, cut_se, df = sample_mean_se(advocates[2] - advocates[0])
    assert abs(cut) / base_mean < 0.5 * lift - critical_value(df) * cut_se / base_mean


def test_contribution_moves_by_profit_less_spend(shift):
    base, _, reward, data = shift
    moved_money = SHARE * base.attract.paid.budget_per_month
    spend_paid = data["spend_paid"][:2]
    np.testing.assert_allclose(spend_paid[0] - spend_paid[1], moved_money, rtol=1e-12)
    np.testing.assert_allclose(
        data["spend_rewards"][1], reward * data["new_customers_referral"][1], rtol=1e-12
    )
    total = data["contribution_cumulative"][:2, :, MONTHS - 1]
    parts = (data["gross_profit"][:2] - data["spend_total"][:2]).sum(axis=2)
    np.testing.assert_allclose(total, parts, rtol=1e-9, atol=1e-6)
    # In this example the money saved on the dearest ads outweighs what they
    # and the reward bill cost by month 18 (the notebook reads the whole sweep).
    change, se, df = sample_mean_se(total[1] - total[0])
    assert change > critical_value(df) * se, f"contribution changed by {change:,.0f} (SE {se:,.0f})"


def test_the_curves_are_read_at_the_levers_values(shift):
    *_, data = shift
    for name, values in data.items():
        np.testing.assert_array_equal(values[1], values[3], err_msg=name)
