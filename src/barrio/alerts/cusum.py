"""Poisson CUSUM on standardised counts (Rossi, Lampugnani & Marchi 1999), R ``algo.cusum``.

With in-control mean ``m`` (the mean of all periods before the first monitored one, unless
given), each count is standardised ``z_t = (y_t - m) / sqrt(m)`` and accumulated
``C_t = max(0, C_{t-1} + z_t - k)``; an alarm when ``C_t >= h`` (defaults ``k = 1.04``,
``h = 2.26``). The upper limit is the smallest count that would signal:
``ceil(m + sqrt(m) (h + k - C_{t-1}))``. As in ``surveillance`` 1.20, the sum is not reset
after an alarm. Rossi, G., Lampugnani, L. & Marchi, M. (1999). An approximate CUSUM procedure
for surveillance of health events. Stat. Med. 18:2111-2122.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from barrio.alerts.result import AlarmTable, empty_table
from barrio.errors import ConfigError
from barrio.i18n import _

FloatArray = NDArray[np.float64]


def cusum(
    counts: FloatArray,
    monitor: Sequence[int],
    *,
    k: float = 1.04,
    h: float = 2.26,
    m: FloatArray | None = None,
) -> AlarmTable:
    """Poisson CUSUM over the consecutive monitored periods of every series.

    ``score`` holds the CUSUM ``C_t``; ``extra["cusum"]`` too.

    Examples
    --------
    >>> y = np.array([[4.0, 5, 3, 4, 4, 11, 12]])
    >>> cusum(y, [4, 5, 6]).alarm.tolist()
    [[False, True, True]]
    """
    pos = np.asarray(monitor, dtype=np.intp)
    if pos.size == 0 or (np.diff(pos) != 1).any():
        raise ConfigError(_("CUSUM monitors consecutive periods; got a gap in the monitored range"))
    if m is None:
        if pos[0] < 1:
            raise ConfigError(_("CUSUM needs at least one period before the monitored range"))
        m = counts[:, : pos[0]].mean(axis=1)
    m = np.broadcast_to(np.asarray(m, dtype=float), (counts.shape[0],))
    y = counts[:, pos]
    z = (y - m[:, None]) / np.sqrt(m[:, None])
    c = np.zeros_like(y)
    prev = np.zeros(len(y))
    before = np.zeros_like(y)
    for j in range(len(pos)):  # a recursion in time; vectorised over series
        before[:, j] = prev
        prev = np.maximum(0.0, prev + z[:, j] - k)
        c[:, j] = prev
    upper = np.ceil(np.sqrt(m)[:, None] * (h + k - before) + m[:, None])
    upper = np.where(np.isnan(upper) | (upper < 0), 0.0, upper)
    out = empty_table(*y.shape)
    out.observed[:], out.upperbound[:], out.score[:] = y, upper, c
    out.expected[:] = m[:, None]
    out.alarm[:] = c >= h
    out.extra["cusum"] = c
    return out
