"""Every way a scenario file can fail to load is one ScenarioError line (issue 14).

Values the engines cannot compute (1e308 budgets, 5e-324 concentrations, ...)
and files that cannot be read (symlink loops, 1,200-deep extends chains,
deeply nested TOML, NUL bytes, over-long names, devices, FIFOs) alike.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from flysim.scenario import ScenarioError, load_scenario

REFERENCE = Path("/work/shared/scenario-reference.toml")
if not REFERENCE.is_file():  # outside the project's machines: the repository's example
    REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"


def one_line(exc: ScenarioError, *needles: str) -> str:
    text = str(exc)
    assert len(text.splitlines()) == 1, text
    for needle in needles:
        assert needle in text, (needle, text)
    return text


# -- values the engines cannot compute ------------------------------------------------------

EXTREME = {
    "budget 1e308": ("attract.paid.budget_per_month=1e308", "between 0 and 1e9"),
    "lead rate 1e300": ("attract.organic.leads_per_month=1e300", "between 0 and 1e7"),
    "trigger cost 1e300": ("engage.triggers.risk_alert.cost=1e300", "between 0 and 1e9"),
    "tier mrr 1e300": ("revenue.tiers[0].mrr=1e300", "between 0 and 1e7"),
    "risk rate 1e300": ("engage.risk_per_month=1e300", "between 0 and 100"),
    "concentration 5e-324": (
        "engage.health.feature_usage_concentration=5e-324",
        "between 0.001 and 1e6",
    ),
    "logins_below 1e20": ("engage.triggers.risk_alert.logins_below=1e20", "between 0 and 1000"),
    "tickets_above 1e20": ("engage.triggers.escalation.tickets_above=1e20", "between 0 and 1000"),
    "market 1e15": ("market.size=1000000000000000", "from 1 to 1e10"),
    "initial customers 1e12": ("initial.customers=1000000000000", "from 0 to 1e7"),
    "days 1e300": ("engage.days_to_value=1e300", "between 0 and 3650"),
    "cost per lead 1e-300": ("attract.paid.cost_per_lead=1e-300", "between 0.01 and 1e9"),
    "leads from budget": ("attract.paid.cost_per_lead=0.01", "leads a month"),
    "organic growth overflow": ("attract.organic.growth_per_month=10", "grows to"),
    "evolve overflow": ("evolve.experiments_per_month=1000", "multiply conversion"),
    "seed 2**64": (f"scenario.seed={2**64}", "scenario.seed"),
}


@pytest.mark.parametrize("override, needle", EXTREME.values(), ids=EXTREME.keys())
def test_values_beyond_the_engines_are_one_line(override, needle):
    extra = ["attract.paid.budget_per_month=1e9"] if "cost_per_lead=0.01" in override else []
    with pytest.raises(ScenarioError) as info:
        load_scenario(REFERENCE, [override, *extra])
    one_line(info.value, override.split("=")[0].split("[")[0].split(".")[-1], needle)


# -- files that cannot be read --------------------------------------------------------------


def test_symlink_loop_in_extends(tmp_path):
    os.symlink("b.toml", tmp_path / "a.toml")
    os.symlink("a.toml", tmp_path / "b.toml")
    (tmp_path / "s.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    one_line(info.value, "extends", "loop of symbolic links")


def test_scenario_path_that_is_a_symlink_loop(tmp_path):
    os.symlink("b.toml", tmp_path / "a.toml")
    os.symlink("a.toml", tmp_path / "b.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    one_line(info.value, "loop of symbolic links")


def test_1200_deep_extends_chain(tmp_path):
    for i in range(1200):
        (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i + 1}.toml"\n')
    (tmp_path / "c1200.toml").write_text(REFERENCE.read_text())
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "c0.toml")
    one_line(info.value, "longer than 32 files")


@pytest.mark.parametrize(
    "text",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 600 + "1" + "}" * 600],
    ids=["arrays", "inline tables"],
)
def test_deeply_nested_toml(tmp_path, text):
    (tmp_path / "s.toml").write_text(text + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    one_line(info.value, "nested too deeply")


def test_nested_tables_beyond_the_format(tmp_path):
    (tmp_path / "s.toml").write_text("[" + ".".join(f"t{i}" for i in range(40)) + "]\nx = 1\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    one_line(info.value, "nest more than 16 deep")


@pytest.mark.parametrize(
    "ref, needle",
    [("a\\u0000b.toml", "NUL byte"), ("a" * 5000 + ".toml", "too long")],
    ids=["NUL byte", "over-long name"],
)
def test_bad_extends_path(tmp_path, ref, needle):
    (tmp_path / "s.toml").write_text(f'extends = "{ref}"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    assert len(one_line(info.value, "extends", needle)) < 600


@pytest.mark.parametrize(
    "path, needle",
    [("/dev/zero", "device"), ("/dev/null", "device"), ("/", "directory")],
)
def test_not_a_regular_file(path, needle):
    if not os.path.exists(path):
        pytest.skip(f"no {path} here")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    one_line(info.value, needle)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_never_blocks(tmp_path):
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    thread = threading.Thread(target=lambda: _load_into(fifo, outcome), daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # unblock the reader before failing
        with open(fifo, "w"):
            pass
        pytest.fail("loading a FIFO blocked")
    assert isinstance(outcome[0], ScenarioError)
    one_line(outcome[0], "FIFO")


def _load_into(path: Path, outcome: list[BaseException]) -> None:
    try:
        load_scenario(path)
    except BaseException as exc:
        outcome.append(exc)


def test_file_over_1_mib(tmp_path):
    (tmp_path / "s.toml").write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.toml")
    one_line(info.value, "1 MiB")


def test_deep_override_value_is_one_line():
    with pytest.raises(ScenarioError) as info:
        load_scenario(REFERENCE, ["scenario.runs=" + "[" * 3000 + "]" * 3000])
    one_line(info.value, "scenario.runs")
