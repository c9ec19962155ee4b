"""The vectorised numpy Monte Carlo core (``engine="mc"``)."""

import hashlib
from pathlib import Path

#: The modules holding numba-compiled functions. numba's disk cache checks
#: only the file of the function it cached, not the files of the compiled
#: functions it calls: after a change to ``quantiles.py`` alone, the kernels
#: would load code compiled with the old samplers.
_COMPILED = ("quantiles", "sampling", "uniforms", "cell_draws", "kernels", "tally", "attract")


def _drop_stale_cache(here: Path | None = None) -> None:
    """Delete this package's numba cache when any compiled module's source has changed."""
    here = here if here is not None else Path(__file__).resolve().parent
    try:
        digest = hashlib.sha256(
            b"".join((here / f"{name}.py").read_bytes() for name in _COMPILED)
        ).hexdigest()
        cache = here / "__pycache__"
        marker = cache / "numba-sources.sha256"
        if marker.is_file() and marker.read_text(encoding="ascii") == digest:
            return
        for stale in (*cache.glob("*.nbi"), *cache.glob("*.nbc")):
            stale.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        marker.write_text(digest, encoding="ascii")
    except OSError:
        # A read-only install: numba caches in the user's cache folder, and
        # an upgrade rewrites every file, which invalidates every entry.
        return


_drop_stale_cache()

from flysim.engines.mc.engine import MCEngine  # noqa: E402 - after the cache check
from flysim.engines.mc.plan import DEFAULT_CLASSES, DEFAULT_STEPS_PER_MONTH  # noqa: E402

__all__ = ["DEFAULT_CLASSES", "DEFAULT_STEPS_PER_MONTH", "MCEngine"]
