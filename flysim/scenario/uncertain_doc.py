"""The prose of ``docs/scenarios.md`` on uncertain inputs: distributions and ``[[correlations]]``.

Kept apart from :mod:`flysim.scenario.docgen`, which places it after the
``[[correlations]]`` key table; the laws' parameter sets come from
:data:`flysim.uncertainty.laws.DISTS`, so the page lists what the loader takes.
"""

from __future__ import annotations

from flysim.uncertainty.laws import DISTS

__all__ = ["UNCERTAIN_NOTES"]

_USE = {
    "uniform": "a range with nothing more likely inside it",
    "triangular": "a range and a most likely value, as a workshop writes them down",
    "normal": "a symmetric unknown around a best guess (check that it stays in range)",
    "lognormal": "a positive amount or rate with a long right tail",
    "beta": "probabilities and shares (0 to 1)",
    "gamma": "positive rates and amounts",
}


def _law_rows() -> list[str]:
    rows = ["| `dist` | parameters | for |", "|---|---|---|"]
    for name, options in DISTS.items():
        params = " or ".join(", ".join(f"`{p}`" for p in option) for option in options)
        rows.append(f"| `{name}` | {params} | {_USE.get(name, '')} |")
    return rows


#: Lines after the ``[[correlations]]`` key table.
UNCERTAIN_NOTES: list[str] = [
    "**Uncertain inputs.** Any key that holds a real number (not a whole count such as",
    "`initial.customers` or a trigger's `logins_below`) may hold a distribution instead,",
    "when the team does not know it to within a few percent. The laws are `scipy.stats`'s,",
    "parametrised as a growth team states what it knows:",
    "",
    *_law_rows(),
    "",
    "```toml",
    'extends = "startup.toml"',
    "",
    "[scenario]",
    'name = "startup-uncertain"',
    "",
    "[attract.paid]",
    'conversion = { dist = "beta", mean = 0.04, sd = 0.01 }',
    'cost_per_lead = { dist = "triangular", low = 25, mode = 30, high = 45 }',
    "",
    "[engage]",
    'churn_per_month = { healthy = { dist = "lognormal", median = 0.02, p95 = 0.04 }, '
    "at_risk = 0.08 }",
    "",
    "[[correlations]]",
    'keys = ["attract.paid.conversion", "attract.paid.cost_per_lead"]',
    "rank = 0.5",
    "```",
    "",
    "- Each run draws each uncertain input once, at its start, from a stream keyed by the",
    "  seed, the run and the key's path; a law inside a change's `set` is drawn once per",
    "  run for that change. Two scenarios run with one seed draw the same value of every",
    "  input they share, run by run, and changing one law leaves every other input's",
    "  draws alone. `flysim run --fix-inputs` (`simulate(..., fix_inputs=True)`) runs",
    "  every input at its law's median instead, which is also what `flysim validate`",
    "  prints in the key's place.",
    "- A law is checked when the file loads: its parameters (a beta's `sd` must be below",
    "  `sqrt(mean * (1 - mean))`, `low` below `high`, a known `dist`, the nearest name",
    "  suggested), and every value it can take must be allowed for the key (a `normal` on",
    "  a probability is refused: its tails leave 0 to 1; use a `beta`).",
    "- `[[correlations]]`: each table ties two uncertain keys by a Spearman rank",
    "  correlation, applied with a Gaussian copula as @RISK and Crystal Ball do. Both",
    "  keys must hold distributions; a key may appear in several pairs, and the pairs",
    "  together must form a positive definite correlation matrix.",
    "- The results keep every run's draws (`result.inputs`, `inputs.parquet`); what",
    "  drives the spread and what is worth measuring next are in `docs/model.md`,",
    '  "Uncertain inputs".',
    "",
]
