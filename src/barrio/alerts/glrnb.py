"""Negative-binomial GLR / LR charts for an increase in the level (Höhle & Paul 2008), R ``glrnb``.

The in-control mean ``mu0`` is given, or predicted by a negative-binomial regression fitted to
every period before the monitored range (``log mu0_t = b0 [+ b1 t] + sum_s (g_s cos(2 pi s t / f)
+ d_s sin(2 pi s t / f))``, ``t`` counted from 1, as R's ``estimateGLRNbHook``), whose estimated
size gives the dispersion ``alpha = 1 / theta`` unless ``alpha`` is given. The chart then runs
over the consecutive monitored periods of every series at once (see :mod:`barrio.alerts._glr`):
with ``theta`` (= the change ``kappa`` to detect, e.g. ``log 2``) the LR CUSUM, which alarms when
it exceeds ``c_arl``; without, the GLR statistic, which alarms when it reaches ``c_arl``. After
an alarm the chart restarts at the next period (the in-control mean is not refitted).

Höhle, M. & Paul, M. (2008). Count data regression charts for the monitoring of surveillance
time series. Comput. Stat. Data Anal. 52(9):4357-4368. Salmon, Schumacher & Höhle (2016),
J. Stat. Softw. 70(10), section 3.3.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from barrio.alerts._glr import FloatArray, glr_statistic, lr_step
from barrio.alerts._negbin import fit_negbin
from barrio.alerts.result import AlarmTable, empty_table
from barrio.errors import ConfigError
from barrio.i18n import _

DIRECTIONS = {"inc": 1, "dec": -1}
RETURNS = ("value", "cases")
MAX_DOUBLINGS = 60


def harmonic_design(t: NDArray[np.int_], freq: int, harmonics: int, trend: bool) -> FloatArray:
    """Columns ``1 [, t], cos(2 pi s t / freq), sin(2 pi s t / freq)`` for ``s = 1..harmonics``."""
    tt = np.asarray(t, dtype=float)
    cols = [np.ones_like(tt)] + ([tt] if trend else [])
    for s in range(1, harmonics + 1):
        cols += [np.cos(2 * s * np.pi / freq * tt), np.sin(2 * s * np.pi / freq * tt)]
    return np.column_stack(cols)


def incontrol_mean(
    counts: FloatArray, monitor: NDArray[np.intp], *, freq: int, harmonics: int, trend: bool
) -> tuple[FloatArray, FloatArray]:
    """``mu0`` (S, K) at the monitored periods and ``alpha`` (S,) from a NB fit on the past."""
    train = np.arange(monitor[0])
    X = harmonic_design(train + 1, freq, harmonics, trend)
    if train.size <= X.shape[1]:
        raise ConfigError(
            _(
                "glrnb needs more than {n} periods before the monitored range to "
                "estimate the in-control mean; there are {size}",
                n=X.shape[1],
                size=train.size,
            ),
            hint=_("Monitor later periods, or pass mu0."),
        )
    fit = fit_negbin(X, counts[:, train])
    mu0 = np.exp(fit.coef @ harmonic_design(monitor + 1, freq, harmonics, trend).T)
    with np.errstate(divide="ignore"):
        alpha = 1.0 / fit.theta
    return np.asarray(mu0), np.asarray(alpha)


def _check(counts, pos, direction, ret, theta, m_tilde, m, c_arl) -> None:
    if direction not in DIRECTIONS:
        raise ConfigError(
            _("unknown direction {direction}; expected one of: inc, dec", direction=repr(direction))
        )
    if ret not in RETURNS:
        raise ConfigError(_("unknown ret {ret}; expected one of: value, cases", ret=repr(ret)))
    if pos.size == 0 or pos.min() < 0 or pos.max() >= counts.shape[1] or (np.diff(pos) != 1).any():
        raise ConfigError(
            _("glrnb monitors consecutive periods within the series"),
            hint=_("Monitor the latest periods (--last N)."),
        )
    if theta is not None and theta == 0:
        raise ConfigError(_("theta (the change to detect, log scale) must not be 0"))
    if m_tilde < 1 or (m >= 0 and m < m_tilde):
        raise ConfigError(
            _(
                "need 1 <= m_tilde <= m (or m = -1); got m_tilde={m_tilde}, m={m}",
                m_tilde=m_tilde,
                m=m,
            )
        )
    if c_arl <= 0:
        raise ConfigError(_("c_arl must be positive, got {c_arl}", c_arl=c_arl))


def glrnb(
    counts: FloatArray,
    monitor: Sequence[int],
    *,
    freq: int = 52,
    mu0: FloatArray | None = None,
    alpha: float | FloatArray | None = None,
    c_arl: float = 5.0,
    theta: float | None = None,
    direction: str = "inc",
    ret: str = "value",
    m_tilde: int = 1,
    m: int = -1,
    harmonics: int = 1,
    trend: bool = False,
) -> AlarmTable:
    """GLR-NB (or, with ``theta``, LR-NB) chart over the monitored periods of every series.

    ``score`` holds the chart statistic (``extra["glr"]`` too); ``upperbound`` is R's: the
    statistic itself (``ret="value"``) or the number of cases that would raise an alarm
    (``ret="cases"``; for the GLR chart, an extension of R, which only has it for Poisson: the
    smallest count that makes the statistic reach ``c_arl``, found by bisection). Negative or
    undefined upper bounds are reported as 0, as R does. ``pvalue`` is NaN: the chart has none.

    Examples
    --------
    >>> y = np.array([[5.0, 4, 6, 5, 5, 4, 6, 5, 14, 16]])
    >>> out = glrnb(y, range(6, 10), mu0=np.full(4, 5.0), alpha=0.1, c_arl=2.0)
    >>> out.alarm.tolist()
    [[False, False, True, True]]
    """
    y_all = np.asarray(counts, dtype=float)
    pos = np.asarray(monitor, dtype=np.intp)
    _check(y_all, pos, direction, ret, theta, m_tilde, m, c_arl)
    S, K = y_all.shape[0], pos.size
    if mu0 is None:
        mu, fitted_alpha = incontrol_mean(y_all, pos, freq=freq, harmonics=harmonics, trend=trend)
        alpha = fitted_alpha if alpha is None else alpha
    else:
        mu = np.broadcast_to(np.asarray(mu0, dtype=float), (S, K)).copy()
        if alpha is None:
            raise ConfigError(
                _("glrnb needs alpha (the NB dispersion; 0 = Poisson) with a given mu0")
            )
    a = np.broadcast_to(np.asarray(alpha, dtype=float), (S,)).copy()
    y = y_all[:, pos]
    if theta is None:
        stat, upper, alarm = _glr_chart(y, mu, a, c_arl, DIRECTIONS[direction], m_tilde, m, ret)
    else:
        stat, upper, alarm = _lr_chart(y, mu, a, c_arl, float(theta), ret)
    out = empty_table(S, K)
    out.observed[:], out.expected[:], out.score[:], out.alarm[:] = y, mu, stat, alarm
    out.upperbound[:] = np.where(np.isnan(upper) | (upper < 0), 0.0, upper)
    out.extra["glr"] = stat
    out.extra["alpha"] = np.repeat(a[:, None], K, axis=1)
    return out


def _lr_chart(y, mu, alpha, c_arl, kappa, ret):
    """LR CUSUM over the columns; restarts at 0 after an alarm (R ``lr_cusum_nb``)."""
    stat, upper = np.zeros_like(y), np.zeros_like(y)
    alarm = np.zeros(y.shape, dtype=bool)
    prev = np.zeros(y.shape[0])
    for j in range(y.shape[1]):  # a recursion in time; vectorised over series
        stat[:, j], cases = lr_step(y[:, j], mu[:, j], alpha, kappa, prev, c_arl)
        upper[:, j] = cases if ret == "cases" else stat[:, j]
        alarm[:, j] = stat[:, j] > c_arl
        prev = np.where(alarm[:, j], 0.0, stat[:, j])
    return stat, upper, alarm


def _glr_chart(y, mu, alpha, c_arl, direction, m_tilde, m, ret):
    """GLR over the columns; a series restarts after its alarm (R ``glr_nb_window``)."""
    if ret == "cases" and direction < 0:
        raise ConfigError(_("ret='cases' is only defined for an increase (direction='inc')"))
    stat, upper = np.zeros_like(y), np.zeros_like(y)
    alarm = np.zeros(y.shape, dtype=bool)
    start = np.zeros(y.shape[0], dtype=np.intp)
    for n in range(y.shape[1]):
        glr = glr_statistic(y, mu, alpha, start, n, direction=direction, m_tilde=m_tilde, m=m)
        stat[:, n] = glr
        if ret == "cases":
            upper[:, n] = _cases_needed(y, mu, alpha, start, n, c_arl, m_tilde, m)
        else:
            upper[:, n] = glr
        alarm[:, n] = glr >= c_arl
        start = np.where(alarm[:, n], n + 1, start)
    return stat, upper, alarm


def _cases_needed(y, mu, alpha, start, n, c_arl, m_tilde, m) -> FloatArray:
    """Smallest count at column ``n`` for which ``GLR_n >= c_arl`` (increasing in the count)."""

    def signals(x: FloatArray) -> NDArray[np.bool_]:
        trial = y.copy()
        trial[:, n] = x
        glr = glr_statistic(trial, mu, alpha, start, n, direction=1, m_tilde=m_tilde, m=m)
        return np.asarray(glr >= c_arl)

    lo = np.full(y.shape[0], -1.0)  # largest count known not to signal (-1: none checked)
    hi = np.maximum(1.0, np.ceil(mu[:, n]))
    at_zero = signals(np.zeros(y.shape[0]))
    for _doubling in range(MAX_DOUBLINGS):
        ok = signals(hi) | at_zero
        if ok.all():
            break
        lo = np.where(ok, lo, hi)
        hi = np.where(ok, hi, hi * 2.0)
    lo = np.where(at_zero, -1.0, np.maximum(lo, 0.0))
    hi = np.where(at_zero, 0.0, hi)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        ok = signals(mid)
        move = hi - lo > 1
        hi = np.where(move & ok, mid, hi)
        lo = np.where(move & ~ok, mid, lo)
    return np.asarray(hi)
