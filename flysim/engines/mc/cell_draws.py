"""Draws of one cell of one run by its counters, for the compiled step kernels.

A draw of a step owns ``cells x per`` counters of its stream; cell ``c``
reads the counters ``pos + 1 + c * per + j``, whether the cell is empty or
not (the layout of ``flysim.engines.mc.draws``). These helpers compute only
the uniforms a cell needs and draw from them: a binomial, a split, the ask,
NPS redraws (``flysim.engines.mc.kernels`` calls them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from flysim.engines.mc.draws import per_cell
from flysim.engines.mc.quantiles import binomial1
from flysim.engines.mc.sampling import FEW_OK, split_row
from flysim.engines.mc.uniforms import u01
from flysim.model.states import Ask, Health, Nps

__all__ = [
    "M_2",
    "M_3",
    "M_9",
    "PER_2",
    "PER_3",
    "PER_9",
    "TO_HEALTHY",
    "TO_OTHER",
    "ask_promoters",
    "cell_binomial",
    "cell_uniforms",
    "redraw_nps",
]

#: Uniforms reserved per cell of a split of a few categories (2, 3) or an
#: allocation over the 9 delight cells: ``draws.per_cell(m)``, as the
#: array draws reserve them (up to that many individuals go one by one).
#: Like the category counts, numpy integers: numba compiles a callee once
#: per literal argument, and Python's 8 would be one (of four, with 2, 3, 9).
M_2, M_3, M_9 = np.int64(2), np.int64(3), np.int64(9)
PER_2, PER_3, PER_9 = (np.int64(per_cell(int(m))) for m in (M_2, M_3, M_9))

_HEALTHY = int(Health.HEALTHY)
_PROMOTER = int(Nps.PROMOTER)
_NOT_ASKED, _ACCEPTED, _DECLINED = int(Ask.NOT_ASKED), int(Ask.ACCEPTED), int(Ask.DECLINED)
#: Where customers who left health h arrive (the other), and where the rescued do.
TO_OTHER = np.array([1, 0])
TO_HEALTHY = np.array([_HEALTHY])


@njit(cache=True, error_model="numpy")
def cell_uniforms(key, base, per, n, m, buf):  # type: ignore[no-untyped-def]
    """The uniforms a split of ``n`` over ``m`` needs, of a cell with ``per`` from ``base + 1``.

    Up to ``per`` individuals are placed one by one and need ``n`` of them;
    more are split by ``m - 1`` sequential draws. Only those are computed.
    """
    count = int(n) if n <= per else m - 1
    for j in range(count):
        buf[j] = u01(key, base + 1 + j)
    return buf[:count]


@njit(cache=True, error_model="numpy")
def cell_binomial(key, pos, cell, n, p):  # type: ignore[no-untyped-def]
    """A binomial draw of cell ``cell`` of a one-uniform draw starting at ``pos``."""
    if n <= 0.0:
        return 0.0
    return binomial1(u01(key, pos + 1 + cell), n, p)


@njit(cache=True, error_model="numpy")
def ask_promoters(key, pos, d, p_ask, accept, scratch):  # type: ignore[no-untyped-def]
    """Promoters not yet asked are asked and accept or decline; returns the new position."""
    k = d.shape[0]
    asked = scratch[: 2 * k].reshape(k, 2)
    for c in range(k):
        for h in range(2):
            asked[c, h] = cell_binomial(key, pos, c * 2 + h, d[c, h, _PROMOTER, _NOT_ASKED], p_ask)
    pos += 2 * k
    for c in range(k):
        for h in range(2):
            a = asked[c, h]
            if a <= 0.0:
                continue
            acc = cell_binomial(key, pos, c * 2 + h, a, accept)
            d[c, h, _PROMOTER, _NOT_ASKED] -= a
            d[c, h, _PROMOTER, _ACCEPTED] += acc
            d[c, h, _PROMOTER, _DECLINED] += a - acc
    return pos + 2 * k


@njit(cache=True, error_model="numpy")
def redraw_nps(key, pos, d, moved, nps, to_h, buf):  # type: ignore[no-untyped-def]
    """Customers who changed health redraw their NPS category in health ``to_h[h]``.

    ``moved`` is ``(k, h, s)`` by health left and ask state; category
    probabilities ``nps[to_h[h]]``. Returns the new position.
    """
    k, hs = moved.shape[0], moved.shape[1]
    per = PER_3
    out = buf[per : per + 3]
    for c in range(k):
        for h in range(hs):
            for s in range(3):
                n = moved[c, h, s]
                if n <= 0.0:
                    continue
                cell = (c * hs + h) * 3 + s
                u = cell_uniforms(key, pos + cell * per, per, n, M_3, buf)
                out[:] = 0.0
                split_row(u, n, nps[to_h[h]], FEW_OK, out)
                for cat in range(3):
                    d[c, to_h[h], cat, s] += out[cat]
    return pos + k * hs * 3 * per
