"""The Farrington model fit shared by ``farrington`` and ``farrington_flexible``.

For one time point and all series at once: a quasi-Poisson log-linear model on the baseline,
dispersion ``phi = max(Pearson dispersion, 1)``, optional down-weighting of past outbreaks by
standardised Anscombe residuals, and the trend rule (keep a linear trend only if it is
significant, at least three years are used, and the prediction does not exceed the largest
baseline count). Farrington, Andrews, Beale & Catchpole (1996), JRSS A 159:547-563, section 3;
Noufaily et al. (2013), Stat. Med. 32:1206-1222.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from barrio.alerts._glm import FloatArray, GlmFit, fit_quasipoisson, hat_values

BoolArray = NDArray[np.bool_]


@dataclass
class Prediction:
    """Prediction at the current time point for each series (NaN where the fit failed).

    ``eta`` is the linear predictor, ``se_eta`` its standard error, ``phi`` the dispersion used in
    the threshold, ``trend`` whether the trend was kept, ``trend_coef`` its slope (NaN if not),
    ``df`` the residual degrees of freedom behind ``phi``.
    """

    eta: FloatArray
    se_eta: FloatArray
    phi: FloatArray
    trend: BoolArray
    trend_coef: FloatArray
    df: FloatArray  # residual degrees of freedom of the model used (n - p)


def anscombe_residuals(y: FloatArray, fit: GlmFit, X: FloatArray, phi: FloatArray) -> FloatArray:
    """Standardised Anscombe residuals ``3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1-h))``."""
    mu = fit.mu
    raw = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(raw / np.sqrt(phi[:, None] * (1.0 - hat_values(X, fit))))


def outbreak_weights(s: FloatArray, threshold: float) -> FloatArray:
    """Weights ``gamma s^-2`` above ``threshold``, ``gamma`` elsewhere, averaging to one."""
    high = s > threshold
    with np.errstate(divide="ignore"):
        raw = np.where(high, s**-2.0, 1.0)
    gamma = s.shape[1] / raw.sum(axis=1, keepdims=True)
    return np.asarray(gamma * raw)


@dataclass
class _Model:
    fit: GlmFit
    phi: FloatArray
    summary_dispersion: FloatArray  # what summary.glm / predict.glm report for this fit


def fit_reweighted(
    X: FloatArray,
    y: FloatArray,
    offset: FloatArray | None,
    *,
    reweight: bool,
    weights_threshold: float,
    prior_weights_dispersion: bool = False,
) -> _Model:
    """Initial fit, then (optionally) the refit with outbreak down-weighting.

    With ``prior_weights_dispersion`` the dispersion reported for standard errors and the trend
    test is ``sum(omega ((y - mu) / mu)^2) / (n - p)``: R's ``farringtonFlexible`` replaces the
    model's working weights by the outbreak weights ``omega`` after the refit, and
    ``summary.glm`` / ``predict.glm`` then use them (documented deviation, reproduced on purpose).
    """
    fit = fit_quasipoisson(X, y, offset=offset)
    phi = np.maximum(fit.dispersion, 1.0)
    reported = fit.dispersion
    if reweight:
        omega = outbreak_weights(anscombe_residuals(y, fit, X, phi), weights_threshold)
        converged = fit.converged
        fit = fit_quasipoisson(X, y, prior=omega, offset=offset)
        fit.converged = converged  # R checks convergence of the first fit only
        phi = np.maximum(fit.dispersion, 1.0)
        reported = fit.dispersion
        if prior_weights_dispersion:
            pearson = np.sum(omega * ((y - fit.mu) / fit.mu) ** 2, axis=1)
            reported = pearson / fit.df_residual
    return _Model(fit, phi, reported)


def trend_pvalue(model: _Model, column: int) -> FloatArray:
    """Two-sided t-test p-value of one coefficient with the estimated dispersion (summary.glm)."""
    fit = model.fit
    se = np.sqrt(model.summary_dispersion * fit.cov_unscaled[:, column, column])
    t = fit.coef[:, column] / se
    return np.asarray(2.0 * stats.t.sf(np.abs(t), fit.df_residual))


@dataclass(frozen=True)
class FitSpec:
    """How to fit and predict at one time point (see :func:`predict_current`)."""

    b: int
    reweight: bool
    weights_threshold: float
    trend: bool
    p_threshold_trend: float
    se_uses_phi: bool  # algo.farrington passes dispersion=phi; farringtonFlexible does not
    prior_weights_dispersion: bool = False  # farringtonFlexible's summary.glm quirk


def _linear_prediction(
    model: _Model, x0: FloatArray, off0: FloatArray, se_uses_phi: bool
) -> tuple[FloatArray, FloatArray]:
    eta = model.fit.coef @ x0 + off0
    disp = model.phi if se_uses_phi else model.summary_dispersion
    quad = np.einsum("i,sij,j->s", x0, model.fit.cov_unscaled, x0)
    return eta, np.sqrt(disp * quad)


def predict_current(
    X_trend: FloatArray,
    x0_trend: FloatArray,
    y: FloatArray,
    offset: FloatArray | None,
    off0: FloatArray,
    spec: FitSpec,
) -> Prediction:
    """Fit the baseline model of every series and predict the current period.

    ``X_trend`` holds the intercept in column 0 and the time in column 1 (the current period at
    time 0), other columns being seasonal levels; ``x0_trend`` is the current period's row.
    Series whose trend is dropped (or not requested) are refitted without column 1.
    """
    S = y.shape[0]
    eta, se, phi = np.full(S, np.nan), np.full(S, np.nan), np.full(S, np.nan)
    trend, coef = np.zeros(S, dtype=bool), np.full(S, np.nan)
    df = np.full(S, np.nan)
    if spec.trend:
        model = fit_reweighted(
            X_trend,
            y,
            offset,
            reweight=spec.reweight,
            weights_threshold=spec.weights_threshold,
            prior_weights_dispersion=spec.prior_weights_dispersion,
        )
        e, s = _linear_prediction(model, x0_trend, off0, spec.se_uses_phi)
        ymax = y.max(axis=1)
        with np.errstate(over="ignore"):
            below_max = np.exp(e) <= ymax
        trend = (
            model.fit.converged
            & (spec.b >= 3)
            & (trend_pvalue(model, 1) < spec.p_threshold_trend)
            & below_max
        )
        eta[trend], se[trend], phi[trend] = e[trend], s[trend], model.phi[trend]
        df[trend] = model.fit.df_residual
        coef[trend] = model.fit.coef[trend, 1]
    rest = np.flatnonzero(~trend)
    if rest.size:
        keep = np.delete(np.arange(X_trend.shape[1]), 1)
        X, x0 = X_trend[:, keep], x0_trend[keep]
        off = None if offset is None else offset[rest]
        model = fit_reweighted(
            X,
            y[rest],
            off,
            reweight=spec.reweight,
            weights_threshold=spec.weights_threshold,
            prior_weights_dispersion=spec.prior_weights_dispersion,
        )
        e, s = _linear_prediction(model, x0, off0[rest], spec.se_uses_phi)
        ok = model.fit.converged
        eta[rest[ok]], se[rest[ok]], phi[rest[ok]] = e[ok], s[ok], model.phi[ok]
        df[rest[ok]] = model.fit.df_residual
    return Prediction(eta, se, phi, trend, coef, df)
