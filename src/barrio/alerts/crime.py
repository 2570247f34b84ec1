"""Crime-analysis rules: Wheeler's Poisson z and Mexico's Semáforo Delictivo, over all series.

Poisson z (Wheeler 2016): for a current count ``y`` and a historical mean ``h`` of the previous
``window`` periods, the variance-stabilised difference ``z = 2 (sqrt(y) - sqrt(h))`` is roughly
standard normal when nothing changed (the square root of a Poisson count has variance 1/4). Alarm
when ``z`` exceeds ``z_{1-alpha}``; the upper limit is the count at that point,
``(sqrt(h) + z_{1-alpha} / 2)^2``. Wheeler, A.P. (2016). Tables and graphs for monitoring
temporal crime trends: translating theory into practical crime analysis advice. International
Journal of Police Science & Management 18(3):159-172.

Semáforo Delictivo (Mexico, semaforo.com.mx; Observatorio Nacional Ciudadano practice): the
month's count against the mean ``mu`` of the previous 36 months: green at or below ``0.75 mu``,
yellow up to ``mu``, red above ``mu``. Red is the alarm; ``pvalue`` is added as the Poisson tail
``P(Y >= y | mu)`` so that FDR control can be applied to it like to the other methods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from barrio.alerts.result import AlarmTable, empty_table
from barrio.errors import ConfigError
from barrio.i18n import _

FloatArray = NDArray[np.float64]
COLOURS = np.array(["green", "yellow", "red"])


def _history_mean(counts: FloatArray, monitor: Sequence[int], window: int) -> FloatArray:
    pos = np.asarray(monitor, dtype=np.intp)
    if window < 1 or pos.min() - window < 0:
        raise ConfigError(
            _(
                "a history of {window} periods is needed before the first monitored period",
                window=window,
            ),
            hint=_("Monitor later periods or shorten the history window."),
            window=window,
        )
    csum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    return np.asarray((csum[:, pos] - csum[:, pos - window]) / window)


def poisson_z(
    counts: FloatArray, monitor: Sequence[int], *, window: int = 12, alpha: float = 0.05
) -> AlarmTable:
    """Wheeler's Poisson z of each monitored count against the mean of the ``window`` before.

    Examples
    --------
    >>> out = poisson_z(np.array([[9.0, 9, 16]]), [2], window=2)
    >>> float(out.score[0, 0])
    2.0
    """
    hist = _history_mean(counts, monitor, window)
    y = counts[:, np.asarray(monitor, dtype=np.intp)]
    z = 2.0 * (np.sqrt(y) - np.sqrt(hist))
    crit = stats.norm.ppf(1 - alpha)
    out = empty_table(*y.shape)
    out.observed[:], out.expected[:], out.score[:] = y, hist, z
    out.upperbound[:] = (np.sqrt(hist) + crit / 2) ** 2
    out.pvalue[:] = stats.norm.sf(z)
    out.alarm[:] = z > crit
    return out


def semaforo(
    counts: FloatArray, monitor: Sequence[int], *, window: int = 36, green: float = 0.75
) -> AlarmTable:
    """Semáforo Delictivo colours against the mean of the previous ``window`` periods.

    ``extra["colour"]`` holds green / yellow / red; ``score`` the ratio ``y / mu``.

    Examples
    --------
    >>> out = semaforo(np.array([[10.0, 10, 7], [10.0, 10, 12]]), [2], window=2)
    >>> out.extra["colour"][:, 0].tolist()
    ['green', 'red']
    """
    mu = _history_mean(counts, monitor, window)
    y = counts[:, np.asarray(monitor, dtype=np.intp)]
    level = np.where(y <= green * mu, 0, np.where(y <= mu, 1, 2))
    out = empty_table(*y.shape)
    out.observed[:], out.expected[:], out.upperbound[:] = y, mu, mu
    with np.errstate(divide="ignore", invalid="ignore"):
        out.score[:] = y / mu
    out.pvalue[:] = stats.poisson.sf(y - 1, mu)
    out.alarm[:] = level == 2
    out.extra["colour"] = COLOURS[level]
    return out
