"""The prose of ``docs/scenarios.md`` that the schema cannot give: its introduction, and notes.

:mod:`flysim.scenario.docgen` puts these around the key tables it generates
from the schema.
"""

from __future__ import annotations

from flysim.scenario.uncertain_doc import UNCERTAIN_NOTES

__all__ = ["ARRAY_NOTES", "ARRAY_STATUS", "INTRO"]

_GENERATE = "python -m flysim.scenario.docgen > docs/scenarios.md"

INTRO = f"""\
# Scenario files

<!-- Generated from flysim/scenario/schema.py by `{_GENERATE}`.
     Do not edit by hand: a unit test fails when this file and the schema disagree. -->

A scenario is a TOML file that says what to simulate: the market, the lead
channels, the customer lifecycle, the referral programme, experiments and
costs. It is read once, checked against the schema below, and frozen; the
engines never change it. The files in `scenarios/` are commented examples.

## Conventions

- Time: a month is 365.25 / 12 = 30.4375 days; `scenario.horizon_months` months
  are simulated.
- A key named `*_per_month` is a rate per month, except the money amounts
  `budget_per_month`, `cost_per_month` and `stack_per_month`. A customer's own
  transitions (churn, risk, recovery, upsell) are hazards: a hazard `r` gives
  the event within `dt` days with probability `1 - exp(-r * dt / 30.4375)`.
  Lead rates are Poisson rates; the health signals are Poisson means.
- `days_*` and `*_days` keys are means of exponential delays; 0 means at once.
- Money is in `scenario.currency` (default EUR), per month or per event as the
  key's name says. Probabilities and shares are between 0 and 1.

## Levers that respond to spend

Four keys take a number or a **response**: a monotone piecewise-linear curve
`{{ x = [...], y = [...] }}` (at least two points, `x` strictly ascending and
within 0 and 1e9, `y` only rising or only falling and within the key's own
range), read by linear interpolation at the value of its lever and flat beyond
the first and the last point (start a curve at the smallest value the lever
will take, usually `x = 0`):

| key | responds to | `y` is |
|---|---|---|
| `attract.paid.leads_per_month` | `budget_per_month` | paid leads a month [1] |
| `attract.organic.leads_per_month` | `cost_per_month` | the organic base rate at t = 0 |
| `delight.ask_accept` | `delight.reward` | P(an asked promoter accepts) |
| `delight.referrals_per_advocate_per_month` | `delight.reward` | leads an advocate sends a month |

[1] A paid response replaces `cost_per_lead`, which is then not used.

`diminishing-returns.toml`, on `minimal.toml` below:

```toml
extends = "minimal.toml"

[scenario]
name = "diminishing-returns"

[attract.paid]
leads_per_month = {{ x = [0, 1000, 2000, 4000], y = [0, 45, 70, 95] }}   # replaces cost_per_lead
```

A sweep or a sensitivity study of the lever (`attract.paid.budget_per_month`,
`delight.reward`, ...) reads the response at every point; the points
themselves can be studied too (`attract.paid.leads_per_month.y[2]`).

## Several paid channels

`[attract.paid]` is one paid channel. Several (search, social, display...) are
named tables under it, each with the keys of `[attract.paid]` below: its own
budget, cost per lead or response to its budget, conversion and decision time.
They share one market (every lead counts in its saturation):

```toml
[scenario]
name = "two-paid-channels"

[revenue]
tiers = [{{ name = "pro", mrr = 49.0 }}]

[attract.paid.search]
budget_per_month = 600.0
cost_per_lead = 40.0
conversion = 0.05
days_to_decide = 21.0

[attract.paid.social]
budget_per_month = 400.0
leads_per_month = {{ x = [0, 500, 2000], y = [0, 20, 40] }}   # diminishing returns
conversion = 0.02
days_to_decide = 10.0
```

A name is lower-case letters, digits and `_`, starting with a letter, and is
not a key of `[attract.paid]`. A table holds either one channel's keys or
named channels, never both, so a file that `extends` a scenario with one
`[attract.paid]` cannot turn it into named channels (the merge would mix
them). `--set`, `[[changes]]`, sweeps, sensitivity studies and uncertain
inputs name a channel's keys by its name
(`attract.paid.social.budget_per_month`); a change may launch a channel
(`set = {{ "attract.paid.display" = {{ ... }} }}`). The metrics `leads_paid`,
`new_customers_paid`, `spend_paid` and `cac_paid` are the channels' totals;
`SimulationResult.channels()` and `channels.parquet` in the results folder
break them down by channel, and `flysim run` prints a table per channel under
the KPIs. The first channel draws from the random stream a lone
`[attract.paid]` draws from, the others from streams of their own, so adding
a channel moves no other channel's draws.

## Sections switch parts of the model off

A section that is omitted switches its part of the model off:

| omitted | effect |
|---|---|
| `[market]` (or `market.size`) | unlimited market: no saturation |
| `[attract.paid]`, `[attract.organic]`, `[attract.referral]` | no leads from that channel |
| `[engage.health]` | no weekly health signals, so no health score and no triggers |
| `[engage.triggers.<name>]` | that trigger never fires |
| `[delight]` | no NPS categories and no referral programme |
| `[evolve]` | no experiments; conversion stays as written |
| `initial.nps_shares` | initial customers draw their NPS categories from `delight.nps` by health |

`[initial]`, `[engage]` and `[costs]` may be omitted too: every key then takes
its default (no initial customers; instant onboarding, no churn, no upsell;
no fixed costs). `[scenario]` and `[revenue]` are required.

## Rules across keys

Besides each key's range below, a scenario must satisfy:

- `initial.advocates` is at most `initial.customers`, and needs a `[delight]` section;
- tier names are unique, and there is at least one tier;
- each of `delight.nps.healthy` and `delight.nps.at_risk` sums to 1;
- a trigger under `[engage.triggers]` needs `[engage.health]`, whose signals it fires on;
- `delight.referrals_per_advocate_per_month` above 0 needs an `[attract.referral]` section;
- `attract.paid.budget_per_month / attract.paid.cost_per_lead` is at most 1e7 leads a month,
  and so is the organic lead rate at the horizon,
  `leads_per_month * (1 + growth_per_month) ^ horizon_months`;
- `[evolve]`'s expected compounded uplift over the horizon,
  `(1 + uplift_per_win) ^ (experiments_per_month * win_rate * horizon_months)`,
  is at most e^100 (conversion is capped at 1 anyway).

Every number has an upper bound too. No real business comes near them (a
budget of a billion a month, an MRR of ten million per customer, ten million
leads a month, a hazard of 100 a month, a mean delay of ten years); they are
there so that whatever a file says, every count and amount the engines
compute stays finite and exact.

Keys are checked strictly: an unknown key is an error (with the nearest known
key suggested), and a value must have the right TOML type: `18`, not `"18"`,
for an integer; a whole number such as `49` is fine where a number is expected.

## An example

`minimal.toml`, a one-channel business with a two-state churn chain:

```toml
[scenario]
name = "minimal"
horizon_months = 12
seed = 7

[revenue]
gross_margin = 0.8
tiers = [{{ name = "basic", mrr = 99.0 }}, {{ name = "plus", mrr = 199.0 }}]

[attract.paid]
budget_per_month = 2000.0
cost_per_lead = 25.0
conversion = 0.05
days_to_decide = 14.0

[engage]
risk_per_month = 0.05
recovery_per_month = 0.2
churn_per_month = {{ healthy = 0.01, at_risk = 0.08 }}
```

## `extends`: a scenario built on another

A top-level `extends = "other.toml"` makes a scenario inherit another file
(the path is relative to the extending file) and change only what differs.
Tables merge key by key; any other value, arrays such as `revenue.tiers`
included, replaces the inherited one whole. The base file need not be valid on
its own; only the merged result is checked. Chains (`a` extends `b` extends
`c`) are allowed, up to 32 files; a cycle is an error that names it. A file
cannot remove a section its base sets (TOML has no null), so keep optional
sections out of shared bases.

A scenario file (and every file it extends) must be a regular file of at most
1 MiB, UTF-8, with tables and arrays nested at most 16 deep; a folder, a
device such as `/dev/zero`, a FIFO or a loop of symbolic links is refused at
once, in one line, without reading it.

`bigger-budget.toml`:

```toml
extends = "minimal.toml"

[scenario]
name = "bigger-budget"

[attract.paid]
budget_per_month = 4000.0   # every other key of [attract.paid] is inherited
```

## Overrides: `--set KEY=VALUE`

`flysim run` and `flysim validate` take `--set` (repeatable) to change a key
for one run without editing a file:

```console
flysim run minimal.toml --set attract.paid.budget_per_month=3000 --set 'scenario.name="big"'
flysim run minimal.toml --set evolve.experiments_per_month=2 --set evolve.win_rate=0.3 \\
    --set evolve.uplift_per_win=0.02
flysim run minimal.toml --set 'revenue.tiers[1].mrr=249'
```

- The key is the dotted path shown in the tables below; `revenue.tiers[1]` (or
  `revenue.tiers.1`) is the second tier.
- The value is a TOML value: `3000`, `0.5`, `true`, `"text"`, `[1, 2]`,
  `{{ healthy = 0.01, at_risk = 0.05 }}`. Text that is not valid TOML is taken
  as a bare string, so `--set scenario.name=big` works too. A table value is
  merged into the table it overrides, as with `extends`.
- Setting a key inside an omitted optional section creates that section (the
  `evolve` example above switches experiments on), which then needs its
  required keys.
- Overrides are applied after `extends` and checked like the file: a mistyped
  key gets the nearest known key suggested.

From Python, `flysim.load_scenario(path, overrides=[...])` takes the same
strings, or a mapping `{{"attract.paid.budget_per_month": 3000}}` of ready values;
`flysim.scenario.apply_overrides(scenario, overrides)` returns a changed copy of
a loaded scenario.

## Errors

Every problem is one line naming the file, the key path, the value and what is
allowed; the CLI prints them and exits with status 2:

```text
scenarios/x.toml: attract.paid.conversion = 1.5: must be between 0 and 1
scenarios/x.toml: unknown key 'engage.churn_per_mnth'; did you mean 'churn_per_month'?
scenarios/x.toml: scenario.horizon_months = 121: must be an integer from 1 to 120
scenarios/x.toml: invalid TOML at line 3, column 18: Invalid value
scenarios/x.toml (--set): attract.paid.budget_per_month = "abc": wrong type (a string); \
must be between 0 and 1e9
```

A key inherited through `extends` is reported in the file that set it.

## The resolved scenario and its hash

The *resolved* scenario is the file after `extends` and overrides, with every
default filled in. `flysim validate` prints it; `flysim.scenario.to_toml`
renders it as TOML and `flysim.scenario.resolved_dict` as JSON-ready data (the
manifest of every run records it). `flysim.scenario.scenario_hash` is the
SHA-256 of its canonical JSON: two scenarios with the same content have the
same hash, however their files are laid out; any changed value changes it.

## Every key

Units: `currency` is `scenario.currency`; a hazard's unit is events per
customer (or per lead) per month. *Default* is the value used when the key is
omitted; a key without one is required when its section is present.
"""


ARRAY_STATUS = "Optional: as many as the plan needs."

#: Prose after an array of tables' key table: how ``[[changes]]`` reads, and
#: distributions in place of numbers with ``[[correlations]]``.
ARRAY_NOTES: dict[str, list[str]] = {
    "changes": [
        "A change makes the scenario a plan over time. `month = 4` holds from the start of",
        "month 4 (t = 3 months) to the horizon, or until a later change of the same key. A ramp",
        "(`from_month`, `to_month`) moves each numeric key in equal steps, one at the start of",
        "each month, from the value in force before `from_month` to the target, reached in",
        "`to_month`. Changes may come in any order; they apply in month order.",
        "",
        "```toml",
        'extends = "startup.toml"',
        "",
        "[scenario]",
        'name = "startup-plan"',
        "",
        "[[changes]]",
        "month = 4",
        'note = "move 30 % of ads into referral rewards"',
        'set = { "attract.paid.budget_per_month" = 5600.0, "delight.reward" = 120.0 }',
        "",
        "[[changes]]",
        "month = 6",
        'note = "automated health interventions go live"',
        'set = { "engage.triggers.risk_alert" = { logins_below = 2, cost = 15.0, success = 0.30 } }',  # noqa: E501
        "",
        "[[changes]]",
        "from_month = 7",
        "to_month = 12",
        'set = { "attract.organic.cost_per_month" = 2000.0 }',
        "```",
        "",
        "- `set` takes the dotted keys and TOML values that `--set` takes, response curves",
        "  included. A whole table switches an optional part on from that month: a trigger, a",
        '  lead channel (a launch), `[evolve]`. The text `"off"` switches a trigger or',
        '  `[evolve]` off again (`set = { "engage.triggers.risk_alert" = "off" }`). A',
        "  channel is not switched off: set its budget or leads to 0 (a stop).",
        "- What cannot change mid-run is an error: `[scenario]` (the horizon, runs, seed),",
        "  `market.size`, `[initial]`, the tiers' number and names (a price change is",
        "  `revenue.tiers[i].mrr`), `engage.churn_heterogeneity` (drawn once per customer),",
        "  and switching `[delight]` or `[engage.health]` on or off (give them from the start",
        "  with a reward of 0 or no triggers, and change their keys).",
        "- The scenario after each change is validated like a file; an error names the change",
        "  (its index and note), the key, the value and what is allowed. Months past the",
        "  horizon, a ramp whose `to_month` precedes its `from_month`, two changes of one key",
        "  in one month and overlapping ramps of one key are errors.",
        "- `extends`: like every array, a child's `changes` replace its base's whole (repeat",
        "  the base's changes to keep them). `--set` changes the scenario before its changes",
        "  apply (a change of the same key wins from its month), and reaches a change's own",
        "  fields: `--set changes[0].month=5`.",
        "- What a change means for customers already there (a price change reprices every",
        "  customer, leads already deciding follow the new conversion and decision time...)",
        '  is in `docs/model.md`, "Plans over time".',
        "",
    ],
    "correlations": UNCERTAIN_NOTES,
}
