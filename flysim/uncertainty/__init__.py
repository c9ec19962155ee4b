"""Uncertain inputs: distributions in place of numbers, their draws, and what they explain.

A scenario key may hold a distribution (``{ dist = "beta", mean = 0.04, sd = 0.01 }``)
instead of a number. This package holds the standalone parts of that feature:

- :mod:`flysim.uncertainty.laws`: parse and check a distribution spec (``parse_law``);
- :mod:`flysim.uncertainty.copula`: rank correlations between inputs, as a Gaussian copula;
- :mod:`flysim.uncertainty.draws`: one value per run and key, from streams keyed by
  seed, run and key path (common random numbers across scenarios);
- :mod:`flysim.uncertainty.drivers`: each input's share of a metric's variance, from the
  runs already made;
- :mod:`flysim.uncertainty.evppi`: the expected value of learning an input before a
  decision (Strong, Oakley and Brennan 2014).
"""

from __future__ import annotations

from flysim.uncertainty.copula import Correlation, CorrelationError, correlation_from_spec
from flysim.uncertainty.draws import draw_inputs, fixed_inputs, input_uniforms
from flysim.uncertainty.drivers import DriversError, variance_shares

# The function evppi is not re-exported: it would shadow the module of the same name.
from flysim.uncertainty.evppi import EvppiError, evpi, evppi_table
from flysim.uncertainty.laws import (
    DISTS,
    DRAW_QUANTILES,
    Law,
    LawError,
    check_support,
    is_law,
    parse_law,
)

__all__ = [
    "DISTS",
    "DRAW_QUANTILES",
    "Correlation",
    "CorrelationError",
    "DriversError",
    "EvppiError",
    "Law",
    "LawError",
    "check_support",
    "correlation_from_spec",
    "draw_inputs",
    "evpi",
    "evppi_table",
    "fixed_inputs",
    "input_uniforms",
    "is_law",
    "parse_law",
    "variance_shares",
]
