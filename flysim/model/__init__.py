"""The model's maths, once: every rate, probability and transition rule both engines use.

- ``states``: the state codes (channels, phases, health, NPS, ask).
- ``rates``: ``ModelRates``, one row of per-day parameters compiled from a scenario.
- ``params``: ``ParameterTable``, one row per parameter set, read per run.
- ``attract``: lead arrivals, saturation, conversion, experiments.
- ``customer``: a customer's competing hazards and its chain's generator.
- ``hazards``: hazards to step probabilities, the churn multiplier's law.
- ``health``: the weekly signals, the health score and its triggers.

The agent model calls these per event with a ``ModelRates``; the numpy core
calls them with numpy arrays holding one value per run. Neither engine writes
its own copy of a rule.
"""

from __future__ import annotations

from flysim.model.attract import (
    conversion_probability,
    expected_leads,
    expected_paid_leads,
    lead_rate,
    nps_category,
    organic_base_rate,
    organic_integral,
    paid_lead_rate,
    saturation,
    uplift_after,
)
from flysim.model.customer import (
    active_hazards,
    ask_hazard,
    onboarding_hazards,
    value_generator,
)
from flysim.model.hazards import (
    draw_multiplier,
    entrant_probability,
    gamma_classes,
    gamma_shape,
    hazard_probability,
)
from flysim.model.health import (
    AT_RISK,
    HEALTHY,
    HealthParams,
    Signals,
    TriggerParams,
    compile_health,
    draw_signals,
    expected_score,
    fire_probabilities,
    fires,
    health_score,
    recovery_probability,
)
from flysim.model.params import ParameterTable, RunParameters, compile_table
from flysim.model.rates import ChannelRates, ModelRates, PaidRates, compile_rates, paid_stream
from flysim.model.states import CHANNELS, Ask, Channel, Health, Nps, Phase

__all__ = [
    "AT_RISK",
    "CHANNELS",
    "HEALTHY",
    "Ask",
    "Channel",
    "ChannelRates",
    "Health",
    "HealthParams",
    "ModelRates",
    "Nps",
    "PaidRates",
    "ParameterTable",
    "Phase",
    "RunParameters",
    "Signals",
    "TriggerParams",
    "active_hazards",
    "ask_hazard",
    "compile_health",
    "compile_rates",
    "compile_table",
    "conversion_probability",
    "draw_multiplier",
    "draw_signals",
    "entrant_probability",
    "expected_leads",
    "expected_paid_leads",
    "expected_score",
    "fire_probabilities",
    "fires",
    "gamma_classes",
    "gamma_shape",
    "hazard_probability",
    "health_score",
    "lead_rate",
    "nps_category",
    "onboarding_hazards",
    "organic_base_rate",
    "organic_integral",
    "paid_lead_rate",
    "paid_stream",
    "recovery_probability",
    "saturation",
    "uplift_after",
    "value_generator",
]
