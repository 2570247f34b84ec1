"""EARS C1, C2 and C3 (CDC Early Aberration Reporting System), vectorised over series.

C1: the mean and standard deviation of the ``baseline`` (7) previous periods; C2: the same
baseline lagged by two periods; C3: the sum of the last three C2 exceedances. Upper limit
``mean + z_{1-alpha} sd`` (C1, C2). Hutwagner, Thompson, Seeman & Treadwell (2003), J. Urban
Health 80(2 Suppl 1):i89-96; Fricker, Hegler & Dunfee (2008), Stat. Med. 27:3407-29; R
``surveillance::earsC`` (the oracle, including its C3 upper limit).
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
METHODS = ("C1", "C2", "C3")


def _baseline(counts: FloatArray, positions: NDArray[np.intp], first_lag: int, baseline: int):
    """Mean and sd (n - 1) of ``counts[t - lag]`` for lags ``first_lag .. first_lag+baseline-1``."""
    lags = np.arange(first_lag, first_lag + baseline)
    ref = counts[:, positions[:, None] - lags[None, :]]  # (S, K, baseline)
    return ref.mean(axis=2), ref.std(axis=2, ddof=1)


def ears(
    counts: FloatArray,
    monitor: Sequence[int],
    *,
    method: str = "C1",
    alpha: float = 0.001,
    baseline: int = 7,
    min_sigma: float = 0.0,
) -> AlarmTable:
    """EARS upper limits and alarms (count above the limit) for every series.

    ``score`` is the C statistic ``(y - mean) / max(sd, min_sigma)`` (C1, C2) or the C3 sum, and
    ``pvalue`` its one-sided normal tail probability (C1, C2).

    Examples
    --------
    >>> y = np.array([[3.0, 4, 2, 5, 3, 4, 3, 12]])
    >>> float(ears(y, [7], method="C1", alpha=0.05).upperbound[0, 0].round(3))
    5.034
    """
    if method not in METHODS:
        raise ConfigError(
            _("unknown EARS method {method}; expected one of: C1, C2, C3", method=repr(method)),
            hint=_("Use method='C1', 'C2' or 'C3'."),
        )
    if baseline < 3:
        raise ConfigError(
            _("EARS baseline must be at least 3 periods, got {baseline}", baseline=baseline)
        )
    pos = np.asarray(monitor, dtype=np.intp)
    max_lag = {"C1": baseline, "C2": baseline + 2, "C3": baseline + 4}[method]
    if pos.min() - max_lag < 0:
        raise ConfigError(
            _(
                "EARS {method} needs {max_lag} earlier periods before the first monitored one",
                method=method,
                max_lag=max_lag,
            ),
            hint=_("Monitor later periods."),
        )
    z = stats.norm.ppf(1 - alpha)
    y = counts[:, pos]
    out = empty_table(counts.shape[0], len(pos))
    if method in ("C1", "C2"):
        mean, sd = _baseline(counts, pos, 1 if method == "C1" else 3, baseline)
        sigma = np.maximum(sd, min_sigma)
        upper = mean + z * sigma
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (y - mean) / sigma
        out.observed[:], out.expected[:], out.upperbound[:], out.score[:] = y, mean, upper, score
        out.pvalue[:] = stats.norm.sf(score)
    else:
        upper, score, mean = _c3(counts, pos, baseline, min_sigma, z)
        out.observed[:], out.expected[:], out.upperbound[:], out.score[:] = y, mean, upper, score
    out.alarm[:] = y > out.upperbound
    return out


def _c3(counts, pos, baseline, min_sigma, z):
    """C3 as in R: ``y + sd (z - sum of the two previous max(0, C2 - 1))``, floored at 0."""
    c2_at = np.concatenate([pos - 2, pos - 1, pos])
    mean, sd = _baseline(counts, c2_at, 3, baseline)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = (counts[:, c2_at] - mean) / np.maximum(sd, min_sigma)
    K = len(pos)
    lag2, lag1, now = c2[:, :K], c2[:, K : 2 * K], c2[:, 2 * K :]
    carry = np.maximum(0, lag2 - 1) + np.maximum(0, lag1 - 1)
    sigma = np.maximum(sd[:, 2 * K :], min_sigma)
    upper = np.maximum(0, counts[:, pos] + sigma * (z - carry))
    score = carry + np.maximum(0, now - 1)
    return upper, score, mean[:, 2 * K :]
