"""The vectorised numpy Monte Carlo core (``engine="mc"``)."""

from flysim.engines.mc.engine import MCEngine
from flysim.engines.mc.plan import DEFAULT_CLASSES, DEFAULT_STEPS_PER_MONTH

__all__ = ["DEFAULT_CLASSES", "DEFAULT_STEPS_PER_MONTH", "MCEngine"]
