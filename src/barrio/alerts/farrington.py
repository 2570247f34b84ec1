"""Farrington (1996) and farringtonFlexible (Noufaily et al. 2013), vectorised over series.

Both fit, for each monitored period, a quasi-Poisson log-linear model to the same season of past
years and flag a count above the upper limit of its prediction interval. The time points are
looped over (a few dozen at most); the series are not: each fit is one batched IRLS over all
series (see :mod:`barrio.alerts._glm`).

References
----------
Farrington, C.P., Andrews, N.J., Beale, A.D. & Catchpole, M.A. (1996). A statistical algorithm
for the early detection of outbreaks of infectious disease. JRSS A 159(3):547-563.
Noufaily, A., Enki, D.G., Farrington, P., Garthwaite, P., Andrews, N. & Charlett, A. (2013). An
improved algorithm for outbreak detection in multiple surveillance systems. Stat. Med. 32:1206-22.
Salmon, M., Schumacher, D. & Höhle, M. (2016). Monitoring count time series in R: aberration
detection in public health surveillance. J. Stat. Softw. 70(10) (R ``surveillance``, the oracle).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from barrio.alerts._fitting import FitSpec, predict_current
from barrio.alerts._glm import FloatArray, full_rank_columns
from barrio.alerts.result import AlarmTable, empty_table
from barrio.alerts.thresholds import delta_threshold, negbin_threshold, predictive_pvalue
from barrio.alerts.windows import classic_window, flexible_window
from barrio.errors import ConfigError
from barrio.i18n import _

THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")
POWER_TRANSFORMS = ("none", "1/2", "2/3")


def _check_common(counts: FloatArray, monitor: Sequence[int], limit54: tuple[int, int]) -> None:
    if counts.ndim != 2:
        raise ConfigError(_("counts must be a 2-D array (series x periods)"))
    if np.isnan(counts).any() or (counts < 0).any():
        raise ConfigError(
            _("counts contain missing or negative values"),
            hint=_("Fill periods without records with 0 and remove negative counts."),
        )
    if limit54[0] < 0 or limit54[1] <= 0:
        raise ConfigError(
            _(
                "limit54={values} is out of bounds: cases must be >= 0 and periods > 0",
                values=tuple(limit54),
            ),
            hint=_(
                "Use for example limit54=(5, 4): no alarm with fewer than 5 cases in 4 periods."
            ),
        )
    if len(monitor) == 0 or min(monitor) < 0 or max(monitor) >= counts.shape[1]:
        raise ConfigError(_("monitored periods must lie within 1..{n}", n=counts.shape[1]))


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ConfigError(
            _(
                "unknown {name} {value}; expected one of: {allowed}",
                name=name,
                value=repr(value),
                allowed=", ".join(allowed),
            ),
            hint=_("Pass {name} as one of: {allowed}.", name=name, allowed=", ".join(allowed)),
            allowed=list(allowed),
        )


def _enough_cases(counts: FloatArray, k: int, limit54: tuple[int, int]) -> NDArray[np.bool_]:
    """At least ``limit54[0]`` cases in the last ``limit54[1]`` periods, the current included."""
    start = max(k - limit54[1] + 1, 0)
    return np.asarray(counts[:, start : k + 1].sum(axis=1) >= limit54[0])


def _trend_design(positions: NDArray[np.intp], k: int, levels: FloatArray | None, p: int):
    """Columns: intercept, time (0 at ``k``), then treatment dummies of the seasonal levels."""
    cols = [np.ones(positions.size), (positions - k).astype(float)]
    row = [1.0, 0.0]
    if levels is not None:
        present = np.unique(levels)
        for level in present[1:]:
            cols.append((levels == level).astype(float))
            row.append(1.0 if level == p else 0.0)
    X = np.column_stack(cols)
    keep = full_rank_columns(X)
    if 1 not in keep:  # time aliased (cannot happen with >= 2 distinct times); keep layout
        keep = np.concatenate([[0, 1], keep[1:]])
    return X[:, keep], np.asarray(row)[keep]


def farrington(
    counts: FloatArray,
    monitor: Sequence[int],
    *,
    freq: int = 52,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    alpha: float = 0.05,
    trend: bool = True,
    limit54: tuple[int, int] = (5, 4),
    powertrans: str = "2/3",
    dates: NDArray[np.datetime64] | None = None,
) -> AlarmTable:
    """The original Farrington algorithm (R ``algo.farrington``) for every series.

    Baseline: ``w`` periods either side of the same period in each of the ``b`` previous years.
    Upper limit: ``(mu0^e + z_{1-alpha/2} sqrt(var))^(1/e)`` on the power scale ``e`` (2/3 by
    default) with ``var`` from the quasi-Poisson prediction (dispersion ``phi`` also in the SE of
    the fit). Alarm when the exceedance score ``(y - mu0) / (U - mu0)`` exceeds 1; with fewer than
    ``limit54[0]`` cases in the last ``limit54[1]`` periods the limit is reported as 0 and there
    is no alarm.

    Parameters
    ----------
    counts : (S, T) counts of S series on a common time axis.
    monitor : 0-based positions of the periods to evaluate.
    freq : periods per year (52 weekly, 12 monthly).
    dates : optional period start dates (weekly reference points by calendar).

    Examples
    --------
    >>> y = np.random.default_rng(1).poisson(5, size=(2, 3 * 52 + 10)).astype(float)
    >>> out = farrington(y, [y.shape[1] - 1], b=3)
    >>> out.upperbound.shape
    (2, 1)
    """
    _check_common(counts, monitor, limit54)
    _choice("powertrans", powertrans, POWER_TRANSFORMS)
    spec = FitSpec(b, reweight, 1.0, trend, 0.05, se_uses_phi=True)
    out = empty_table(counts.shape[0], len(monitor))
    for j, k in enumerate(monitor):
        positions = classic_window(k, b=b, w=w, freq=freq, dates=dates)
        X, x0 = _trend_design(positions, k, None, 1)
        y = counts[:, positions]
        pred = predict_current(X, x0, y, None, np.zeros(len(y)), spec)
        mu0 = np.exp(pred.eta)
        se_mu = mu0 * pred.se_eta
        upper, pvalue = delta_threshold(mu0, se_mu, pred.phi, counts[:, k], alpha / 2, powertrans)
        enough = _enough_cases(counts, k, limit54)
        score = np.where(enough, (counts[:, k] - mu0) / (upper - mu0), 0.0)
        pvalue = predictive_pvalue(counts[:, k], mu0, se_mu, pred.phi, pred.df)
        pvalue = np.where(enough, pvalue, np.nan)  # silenced by limit54: not a test for BH
        out.fill(j, counts[:, k], mu0, np.where(enough, upper, 0.0), score, pvalue, pred)
        out.alarm[:, j] = score > 1
    return out


def farrington_flexible(
    counts: FloatArray,
    monitor: Sequence[int],
    *,
    freq: int = 52,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    alpha: float = 0.05,
    trend: bool = True,
    p_threshold_trend: float = 0.05,
    limit54: tuple[int, int] = (5, 4),
    powertrans: str = "2/3",
    population: FloatArray | None = None,
    no_periods: int = 1,
    past_weeks_not_included: int | None = None,
    threshold_method: str = "delta",
    dates: NDArray[np.datetime64] | None = None,
) -> AlarmTable:
    """The improved Farrington algorithm (R ``farringtonFlexible``) for every series.

    Differences from :func:`farrington` (Noufaily et al. 2013): all past data of the ``b`` years
    enter the baseline, with a seasonal factor of ``no_periods`` levels (the windows and
    ``no_periods - 1`` blocks between them); the last ``past_weeks_not_included`` periods are
    left out; outbreaks are down-weighted above ``weights_threshold`` (2.58); the trend is tested
    at ``p_threshold_trend``; and the upper limit is the ``1 - alpha`` quantile of
    - ``delta``: the 2/3-power normal approximation of Farrington (1996), one-sided;
    - ``nbPlugin``: a negative binomial with mean ``exp(eta)`` and variance ``phi mu``;
    - ``muan``: the same with mean ``exp(eta + z_{1-alpha} se(eta))``.
    With ``population`` the model has an offset ``log(population)``. Alarm when the count
    exceeds the limit and is not zero; no limit (NaN) with fewer than ``limit54[0]`` cases in the
    last ``limit54[1]`` periods.

    Examples
    --------
    >>> y = np.random.default_rng(1).poisson(5, size=(2, 5 * 52 + 10)).astype(float)
    >>> out = farrington_flexible(y, [y.shape[1] - 1], threshold_method="nbPlugin")
    >>> bool(np.isfinite(out.upperbound).all())
    True
    """
    _check_common(counts, monitor, limit54)
    _choice("thresholdMethod", threshold_method, THRESHOLD_METHODS)
    _choice("powertrans", powertrans, POWER_TRANSFORMS)
    if no_periods < 1:
        raise ConfigError(
            _("noPeriods must be at least 1, got {no_periods}", no_periods=no_periods)
        )
    past = w if past_weeks_not_included is None else past_weeks_not_included
    spec = FitSpec(
        b,
        reweight,
        weights_threshold,
        trend,
        p_threshold_trend,
        se_uses_phi=False,
        prior_weights_dispersion=True,
    )
    log_pop = None if population is None else np.log(population)
    out = empty_table(counts.shape[0], len(monitor))
    for j, k in enumerate(monitor):
        positions, levels = flexible_window(
            k, b=b, w=w, freq=freq, no_periods=no_periods, past_not_included=past, dates=dates
        )
        X, x0 = _trend_design(positions, k, levels if no_periods > 1 else None, no_periods)
        off = None if log_pop is None else log_pop[:, positions]
        off0 = np.zeros(len(counts)) if log_pop is None else log_pop[:, k]
        pred = predict_current(X, x0, counts[:, positions], off, off0, spec)
        y = counts[:, k]
        if threshold_method == "delta":
            mu0 = np.exp(pred.eta)
            upper, pvalue = delta_threshold(mu0, mu0 * pred.se_eta, pred.phi, y, alpha, powertrans)
            centre = mu0
        else:
            upper, pvalue, mu0 = negbin_threshold(
                pred.eta, pred.se_eta, pred.phi, y, alpha, muan=threshold_method == "muan"
            )
            centre = pred.eta  # R's score uses the linear predictor here
        enough = _enough_cases(counts, k, limit54)
        r_score = np.where(enough, (y - centre) / (upper - centre), np.nan)
        expected = np.exp(pred.eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(enough, (y - expected) / (upper - expected), np.nan)
        pvalue = predictive_pvalue(y, expected, expected * pred.se_eta, pred.phi, pred.df)
        pvalue = np.where(enough, pvalue, np.nan)  # silenced by limit54: not a test for BH
        out.fill(j, y, expected, np.where(enough, upper, np.nan), score, pvalue, pred)
        out.alarm[:, j] = (r_score > 1) & (y != 0)
    return out
