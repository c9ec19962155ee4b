"""The model's maths, once: rates, hazards and the health score, as pure functions.

Both engines call these; neither re-derives a rate on its own.
"""

from __future__ import annotations

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
from flysim.model.rates import (
    CHANNELS,
    ChannelRates,
    ModelRates,
    compile_rates,
    conversion_probability,
    hazard_probability,
    nps_category,
    organic_base_rate,
    saturation,
)

__all__ = [
    "AT_RISK",
    "CHANNELS",
    "HEALTHY",
    "ChannelRates",
    "HealthParams",
    "ModelRates",
    "Signals",
    "TriggerParams",
    "compile_health",
    "compile_rates",
    "conversion_probability",
    "draw_signals",
    "expected_score",
    "fire_probabilities",
    "fires",
    "hazard_probability",
    "health_score",
    "nps_category",
    "organic_base_rate",
    "recovery_probability",
    "saturation",
]
