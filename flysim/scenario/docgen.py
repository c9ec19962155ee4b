"""Generate ``docs/scenarios.md`` from the schema, so the key reference never drifts.

Run ``python -m flysim.scenario.docgen > docs/scenarios.md``; a unit test checks
that the committed file equals this module's output. Meanings come from the
schema's field descriptions, defaults and allowed ranges from its fields and
constraints (the same text validation errors use); units, which the schema does
not carry, from :data:`UNITS` below, keyed by key name (a key name means the
same unit wherever it appears).
"""

from __future__ import annotations

import re
import sys
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from flysim.scenario.doc_text import ARRAY_NOTES, ARRAY_STATUS, INTRO
from flysim.scenario.fields import allowed_text, is_model, item_type, named_of, unwrap_optional
from flysim.scenario.responses import Response
from flysim.scenario.schema import Scenario

__all__ = ["UNITS", "generate", "main"]

#: Unit of every key, by key name. ``currency`` is the scenario's ``scenario.currency``.
UNITS: dict[str, str] = {
    "name": "text",
    "description": "text",
    "currency": "currency code",
    "horizon_months": "months",
    "runs": "runs",
    "seed": "integer",
    "size": "accounts",
    "customers": "customers",
    "advocates": "customers",
    "customers_per_tier": "customers per tier",
    "at_risk_share": "fraction of customers",
    "asked": "fraction of promoters",
    "onboarding": "customers",
    "paid": "leads",
    "organic": "leads",
    "referral": "leads",
    "tenure_months": "months",
    "gross_margin": "fraction of revenue",
    "tiers": "array of tables",
    "mrr": "currency / month",
    "conversion": "probability",
    "days_to_decide": "days (mean)",
    "budget_per_month": "currency / month",
    "cost_per_lead": "currency / lead",
    "leads_per_month": "leads / month",
    "growth_per_month": "fraction / month",
    "leads_per_promoter_per_month": "leads / promoter / month",
    "cost_per_month": "currency / month",
    "days_to_value": "days (mean)",
    "onboarding_churn_per_month": "1 / month (hazard)",
    "risk_per_month": "1 / month (hazard)",
    "recovery_per_month": "1 / month (hazard)",
    "churn_per_month": "1 / month (hazard)",
    "churn_heterogeneity": "coefficient of variation",
    "upsell_per_month": "1 / month (hazard)",
    "logins_per_week": "logins / week",
    "feature_usage": "fraction of features",
    "feature_usage_concentration": "Beta a + b",
    "tickets_per_month": "tickets / month",
    "payment_delay": "probability per weekly check",
    "month": "month (1-based)",
    "from_month": "month (1-based)",
    "to_month": "month (1-based)",
    "note": "text",
    "set": "table of dotted keys",
    "keys": "two key paths",
    "rank": "Spearman rank correlation",
    "logins_below": "logins / week",
    "usage_below": "fraction of features",
    "tickets_above": "tickets / month",
    "cost": "currency / action",
    "success": "probability",
    "promoter": "fraction",
    "passive": "fraction",
    "detractor": "fraction",
    "ask_after_days": "days (mean)",
    "ask_accept": "probability",
    "referrals_per_advocate_per_month": "leads / advocate / month",
    "reward": "currency / referred customer",
    "experiments_per_month": "experiments / month",
    "win_rate": "probability",
    "uplift_per_win": "fraction (0.02 = +2 %)",
    "cost_per_experiment": "currency / experiment",
    "stack_per_month": "currency / month",
    "onboarding_per_customer": "currency / new customer",
}

# Keys the schema leaves without a description: the states of a by-state table.
_STATE_WORDS: dict[str, str] = {
    "healthy": "healthy customers",
    "at_risk": "at-risk customers",
    "promoter": "Share of promoters (NPS 9 to 10).",
    "passive": "Share of passives (NPS 7 to 8).",
    "detractor": "Share of detractors (NPS 0 to 6).",
}


def _fmt(value: Any) -> str:
    if value is PydanticUndefined:
        return "**required**"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{'true' if value else 'false'}`"
    if isinstance(value, float):
        return f"`{int(value)}`" if value.is_integer() else f"`{value:g}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _row(key: str, meaning: str, unit: str, default: Any, allowed: str) -> str:
    return f"| `{key}` | {meaning} | {unit} | {_fmt(default)} | {allowed} |"


def _meaning(name: str, info: FieldInfo) -> str:
    if info.description:
        return info.description
    return _STATE_WORDS[name]


def _status(info: FieldInfo | None, optional: bool) -> str:
    if info is None or info.default is PydanticUndefined:
        return "Required."
    if optional:
        return "Optional: omit it to switch this part of the model off."
    return "May be omitted: each key then takes its default."


def _section(
    model: type[BaseModel], path: tuple[str, ...], info: FieldInfo | None, optional: bool
) -> list[str]:
    rows: list[str] = []
    subsections: list[tuple[type[BaseModel], tuple[str, ...], FieldInfo, bool]] = []
    for name, field in model.model_fields.items():
        ann, opt = unwrap_optional(field.annotation)
        key = ".".join((*path, name))
        item = item_type(ann)
        if is_model(ann) and issubclass(ann, Response):
            allowed = "a response {x = [...], y = [...]}" + (", or omitted" if opt else "")
            rows.append(_row(key, _meaning(name, field), UNITS[name], field.default, allowed))
        elif is_model(ann) and not field.description:
            subsections.append((ann, (*path, name), field, opt))
        elif (named := named_of(ann)) is not None:
            # One table or named tables of it ([attract.paid]): the one table's keys.
            subsections.append((named, (*path, name), field, opt))
        elif is_model(ann) and field.description:
            # A by-state value table, e.g. churn_per_month = {healthy, at_risk}: one row a state.
            parent = field.default if isinstance(field.default, BaseModel) else None
            for state, leaf in ann.model_fields.items():
                default = getattr(parent, state) if parent is not None else PydanticUndefined
                meaning = f"{field.description.rstrip('.')}: {_STATE_WORDS[state]}."
                allowed = allowed_text(leaf, leaf.annotation)
                rows.append(_row(f"{key}.{state}", meaning, UNITS[name], default, allowed))
        elif item is not None and is_model(item):
            allowed = allowed_text(field, field.annotation)
            rows.append(_row(key, _meaning(name, field), UNITS[name], field.default, allowed))
            for sub, leaf in item.model_fields.items():
                allowed = allowed_text(leaf, leaf.annotation)
                meaning = _meaning(sub, leaf)
                rows.append(_row(f"{key}[].{sub}", meaning, UNITS[sub], leaf.default, allowed))
        else:
            allowed = allowed_text(field, field.annotation)
            rows.append(_row(key, _meaning(name, field), UNITS[name], field.default, allowed))
    level = "#" * min(2 + len(path), 4)
    # The heading names the section already: "``[market]``: the market ..." -> "The market ...".
    doc = re.sub(r"^``\[[^\]]*\]``:\s*", "", (model.__doc__ or "").strip())
    doc = doc[:1].upper() + doc[1:]
    out = [f"{level} `[{'.'.join(path)}]`", "", f"{doc} {_status(info, optional)}".strip(), ""]
    if rows:
        out += ["| key | meaning | unit | default | allowed |", "|---|---|---|---|---|", *rows, ""]
    for sub_model, sub_path, sub_info, sub_opt in subsections:
        out += _section(sub_model, sub_path, sub_info, sub_opt)
    return out


def generate() -> str:
    """The whole text of ``docs/scenarios.md``."""
    lines = [INTRO]
    for name, field in Scenario.model_fields.items():
        ann, optional = unwrap_optional(field.annotation)
        item = item_type(ann)
        if typing.get_origin(ann) is dict:
            # Filled in by the loader (``uncertain``): a heading and what it holds.
            lines += [f"## `[{name}]`", "", str(field.description), "", *ARRAY_NOTES.get(name, [])]
        elif item is not None and is_model(item):
            # An array of tables (``[[changes]]``): its heading says so.
            section = _section(item, (f"{name}[]",), field, True)
            section[0] = f"{section[0].split('`')[0]}`[[{name}]]`"
            section[2] = section[2].replace(_status(field, True), ARRAY_STATUS)
            lines += [*section, *ARRAY_NOTES.get(name, [])]
        else:
            lines += _section(ann, (name,), field, optional)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    """Write the generated reference to standard output."""
    sys.stdout.write(generate())


if __name__ == "__main__":
    main()
