"""Several paid channels: the format, its errors, the compiled rates and the breakdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import flysim
from flysim.engines.des import AgentEngine
from flysim.engines.mc import MCEngine
from flysim.model import compile_rates, compile_table
from flysim.scenario import ScenarioError, apply_overrides, load_scenario
from flysim.scenario.schema import PaidChannel
from flysim.study.params import param_value
from tests.builders import scenario, tiny, toml_text

SEARCH = {
    "budget_per_month": 600.0,
    "cost_per_lead": 20.0,
    "conversion": 0.1,
    "days_to_decide": 5.0,
}
SOCIAL = {
    "budget_per_month": 400.0,
    "leads_per_month": {"x": [0.0, 1000.0], "y": [0.0, 40.0]},
    "conversion": 0.05,
    "days_to_decide": 2.0,
}


def two(**overrides: Any) -> dict[str, Any]:
    """The tiny scenario with its paid budget split over a search and a social channel."""
    data = tiny()
    data["attract"]["paid"] = {"search": dict(SEARCH), "social": dict(SOCIAL)}
    for key, value in overrides.items():
        node = data
        *tables, leaf = key.split(".")
        for t in tables:
            node = node.setdefault(t, {})
        node[leaf] = value
    return data


def load_error(tmp_path: Path, data: dict[str, Any], overrides: list[str] | None = None) -> str:
    path = tmp_path / "x.toml"
    path.write_text(toml_text(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=overrides)
    return str(info.value)


# --------------------------------------------------------------------------- the format


def test_named_channels_load_in_file_order() -> None:
    s = scenario(two())
    assert isinstance(s.attract.paid, dict)
    names = [name for name, _ in s.attract.paid_channels()]
    assert names == ["search", "social"]
    assert s.attract.paid["social"].leads_per_month is not None


def test_one_paid_table_loads_unchanged_and_is_named_paid() -> None:
    s = scenario(tiny())
    assert isinstance(s.attract.paid, PaidChannel)
    assert [n for n, _ in s.attract.paid_channels()] == ["paid"]
    # the resolved scenario dumps as it always did
    assert s.model_dump()["attract"]["paid"]["budget_per_month"] == 1000.0


def test_no_paid_table_has_no_paid_channels() -> None:
    data = tiny()
    del data["attract"]["paid"]
    assert scenario(data).attract.paid_channels() == ()


@pytest.mark.parametrize(
    ("change", "pieces"),
    [
        (
            {"attract.paid.social.convrsion": 0.1},
            ["unknown key 'attract.paid.social.convrsion'", "did you mean 'conversion'?"],
        ),
        (
            {"attract.paid.search.conversion": 1.5},
            ["attract.paid.search.conversion = 1.5", "must be between 0 and 1"],
        ),
        (
            {"attract.paid.search.cost_per_lead": 0.0},
            ["attract.paid.search.cost_per_lead = 0.0", "between 0.01 and 1e9"],
        ),
        (
            {"attract.paid.budget_per_month": 5.0},
            [
                "mixes one channel's keys (budget_per_month)",
                "named channels (search, social)",
                "attract.paid.search.budget_per_month",
            ],
        ),
        (
            {"attract.paid.Bad-Name": dict(SEARCH)},
            ["paid channel name 'Bad-Name'", "lower-case letters"],
        ),
        (
            {"attract.paid.social.leads_per_month": {"x": [0.0, 10.0], "y": [5.0, 1.0, 2.0]}},
            ["attract.paid.social.leads_per_month", "one y per x"],
        ),
    ],
    ids=["typo", "range", "cost per lead", "mixed", "bad name", "response"],
)
def test_errors_name_the_channel_key_value_and_range(tmp_path, change, pieces) -> None:
    data = two()
    if "attract.paid.social.convrsion" in change:
        del data["attract"]["paid"]["social"]["conversion"]
    data["attract"]["paid"] = {
        **data["attract"]["paid"],
        **{k.split(".", 2)[2]: v for k, v in change.items() if k.count(".") == 2},
    }
    for key, value in change.items():
        if key.count(".") == 3:
            _, _, name, leaf = key.split(".")
            data["attract"]["paid"][name][leaf] = value
    text = load_error(tmp_path, data)
    assert len(text.splitlines()) == 1, text
    for piece in pieces:
        assert piece in text, f"{piece!r} not in {text!r}"


def test_set_addresses_a_named_channel_and_refuses_a_lone_key(tmp_path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(toml_text(two()), encoding="utf-8")
    s = load_scenario(path, overrides=["attract.paid.social.budget_per_month=800"])
    assert s.attract.paid["social"].budget_per_month == 800.0  # type: ignore[index]
    with pytest.raises(ScenarioError, match=r"attract\.paid\.search\.budget_per_month"):
        load_scenario(path, overrides=["attract.paid.budget_per_month=800"])
    with pytest.raises(ScenarioError, match="did you mean 'budget_per_month'"):
        load_scenario(path, overrides=["attract.paid.social.budget_per_mnth=800"])
    assert param_value(s, "attract.paid.social.budget_per_month") == 800.0


def test_a_change_sets_a_named_channel_and_launches_one() -> None:
    data = two(
        changes=[
            {"month": 3, "set": {"attract.paid.search.budget_per_month": 0.0}},
            {"month": 5, "set": {"attract.paid.display": dict(SEARCH)}},
        ]
    )
    table = compile_table([scenario(data)])
    timeline = table.timeline(0)
    assert [m for m, _ in timeline] == [0, 2, 4]
    assert [p.name for p in timeline[0][1].paid] == ["search", "social"]
    assert timeline[1][1].paid[0].budget == 0.0
    assert [p.stream for p in timeline[2][1].paid] == ["paid", "paid:social", "paid:display"]
    assert table.paid_names() == ("search", "social", "display")


# --------------------------------------------------------------------------- the model


def test_the_paid_kind_is_the_sum_of_its_channels() -> None:
    r = compile_rates(scenario(two()))
    assert [p.stream for p in r.paid] == ["paid", "paid:social"]
    assert r.budget_paid == 1000.0
    # the first channel is the paid kind's channel; the others are extra lead channels
    assert r.paid_leads == r.paid[0].leads == pytest.approx(600.0 / 20.0 / 30.4375)
    assert r.paid[1].leads == pytest.approx(16.0 / 30.4375)  # the response at a 400 budget
    assert r.channels["paid"].conversion == 0.1
    assert r.lead_channel("paid:social").conversion == 0.05
    assert r.lead_channel("paid:social").decide_rate == pytest.approx(0.5)
    assert not r.lead_channel("paid:display").enabled


def test_one_paid_table_compiles_as_before() -> None:
    r = compile_rates(scenario(tiny()))
    assert len(r.paid) == 1 and r.paid_extra == ()
    assert r.paid[0].name == "paid" and r.paid[0].stream == "paid"
    assert r.paid_leads == pytest.approx(1000.0 / 20.0 / 30.4375)
    assert r.budget_paid == 1000.0


# --------------------------------------------------------------------------- the engines


@pytest.mark.parametrize("engine", [MCEngine(), AgentEngine()], ids=["mc", "des"])
def test_the_breakdown_adds_up_to_the_paid_metrics(engine) -> None:
    result = flysim.simulate(scenario(two()), runs=20, seed=5, engine=engine, workers=1)
    frame = result.channels()
    assert list(frame.columns) == [
        "run",
        "month",
        "channel",
        "leads",
        "new_customers",
        "spend",
        "cac",
    ]
    assert list(frame["channel"].cat.categories) == ["search", "social"]
    totals = frame.groupby(["run", "month"], observed=True)[
        ["leads", "new_customers", "spend"]
    ].sum()
    np.testing.assert_array_equal(totals["leads"].to_numpy(), result.metric("leads_paid").ravel())
    np.testing.assert_array_equal(
        totals["new_customers"].to_numpy(), result.metric("new_customers_paid").ravel()
    )
    np.testing.assert_allclose(totals["spend"].to_numpy(), result.metric("spend_paid").ravel())
    won = frame["new_customers"] > 0
    np.testing.assert_allclose(
        frame.loc[won, "cac"], frame.loc[won, "spend"] / frame.loc[won, "new_customers"]
    )
    assert frame.loc[~won, "cac"].isna().all()


def test_one_channel_keeps_no_breakdown_but_answers_channels() -> None:
    result = flysim.simulate(scenario(tiny()), runs=5, seed=5, workers=1)
    assert result.paid_channels is None
    frame = result.channels()
    assert set(frame["channel"]) == {"paid"}
    np.testing.assert_array_equal(frame["leads"].to_numpy(), result.metric("leads_paid").ravel())


def test_the_breakdown_is_saved_and_loaded(tmp_path) -> None:
    result = flysim.simulate(scenario(two()), runs=6, seed=5, workers=1)
    folder = result.save(tmp_path / "out", figures=False)
    assert (folder / "channels.parquet").is_file()
    again = flysim.SimulationResult.load(folder)
    assert again.paid_channels is not None
    np.testing.assert_array_equal(
        again.channels()["new_customers"].to_numpy(), result.channels()["new_customers"].to_numpy()
    )


@pytest.mark.parametrize("engine", ["mc", "des"])
def test_a_second_channel_moves_no_draw_of_the_first(engine) -> None:
    """The first channel keeps stream "paid": with the second channel's budget at 0 and no
    market, the runs equal those of the first channel alone, draw for draw."""
    alone = tiny(**{"attract.paid": dict(SEARCH)})
    both = two()
    both["attract"]["paid"]["social"]["budget_per_month"] = 0.0
    a = flysim.simulate(scenario(alone), runs=8, seed=11, engine=engine, workers=1)
    b = flysim.simulate(scenario(both), runs=8, seed=11, engine=engine, workers=1)
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("engine", ["mc", "des"])
def test_runs_do_not_depend_on_chunks(engine) -> None:
    s = scenario(two())
    runs = 12 if engine == "mc" else 6
    one = flysim.simulate(s, runs=runs, seed=4, engine=engine, workers=1, chunk_size=runs)
    split = flysim.simulate(s, runs=runs, seed=4, engine=engine, workers=2, chunk_size=5)
    np.testing.assert_array_equal(one.data, split.data)
    np.testing.assert_array_equal(
        one.channels()["leads"].to_numpy(), split.channels()["leads"].to_numpy()
    )


def test_apply_overrides_reaches_a_named_channel() -> None:
    s = apply_overrides(scenario(two()), {"attract.paid.search.conversion": 0.2})
    assert s.attract.paid["search"].conversion == 0.2  # type: ignore[index]


@pytest.mark.parametrize("engine", ["mc", "des"])
def test_a_channel_launched_mid_run_changes_nothing_before_it(engine) -> None:
    base = two()
    plan = two(changes=[{"month": 4, "set": {"attract.paid.display": dict(SEARCH)}}])
    a = flysim.simulate(scenario(base), runs=8, seed=13, engine=engine, workers=1)
    b = flysim.simulate(scenario(plan), runs=8, seed=13, engine=engine, workers=1)
    np.testing.assert_array_equal(a.data[:, :3], b.data[:, :3])
    assert not np.array_equal(a.data[:, 3:], b.data[:, 3:])
    launched = b.channels()
    display = launched[launched["channel"] == "display"]
    assert (display.loc[display["month"] <= 3, ["leads", "spend"]] == 0).all().all()
    assert display.loc[display["month"] >= 4, "spend"].eq(SEARCH["budget_per_month"]).all()


def test_a_named_channel_key_may_be_uncertain(tmp_path) -> None:
    law = {"dist": "beta", "mean": 0.05, "sd": 0.01}
    data = two()
    data["attract"]["paid"]["social"]["conversion"] = law
    path = tmp_path / "uncertain.toml"
    path.write_text(toml_text(data), encoding="utf-8")
    s = load_scenario(path)
    assert "attract.paid.social.conversion" in s.uncertain
    result = flysim.simulate(s, runs=30, seed=2, workers=1)
    assert result.inputs is not None
    drawn = result.inputs["attract.paid.social.conversion"]
    assert drawn.nunique() == 30 and drawn.min() > 0.0 and drawn.max() < 1.0


def test_a_misspelt_channel_name_is_named(tmp_path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(toml_text(two()), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=["attract.paid.serch.budget_per_month=800"])
    text = str(info.value)
    assert len(text.splitlines()) == 1, text
    assert "attract.paid.serch" in text and "did you mean the channel 'search'" in text


def test_a_sweep_parameter_may_name_a_channel() -> None:
    from flysim.study.params import parse_param

    p = parse_param("attract.paid.social.budget_per_month=200:800:3", scenario(two()), points=True)
    assert (p.key, p.low, p.high, p.n) == ("attract.paid.social.budget_per_month", 200.0, 800.0, 3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_param("attract.paid.search.conversion=0.5:1.5:3", scenario(two()), points=True)


def test_a_sweep_of_an_unknown_channel_suggests_the_nearest_key() -> None:
    from flysim.study.params import parse_param

    with pytest.raises(ValueError, match=r"did you mean 'attract\.paid\.search\.budget_per_month'"):
        parse_param("attract.paid.serch.budget_per_month=1:2:3", scenario(two()), points=True)
