"""Upper limits of the Farrington prediction intervals and the p-value of the current count.

``delta``: Farrington et al. (1996), section 3.4: the count ``y`` is compared on the power scale
``y^e`` (``e = 2/3`` removes most of the skewness of a Poisson-like count) with a normal
approximation of variance ``(e mu^(e-1))^2 mu tau``, ``tau = phi + var(mu_hat) / mu``.
``nbPlugin`` / ``muan``: Noufaily et al. (2013), section 2.3: a negative binomial with mean
``mu`` and variance ``phi mu`` (size ``mu / (phi - 1)``, probability ``1 / phi``; Poisson when
``phi = 1``), ``mu = exp(eta)`` (plug-in) or ``exp(eta + z_{1-alpha} se(eta))`` (muan).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from barrio.alerts._glm import FloatArray

_EXPONENT = {"none": 1.0, "1/2": 0.5, "2/3": 2.0 / 3.0}


def delta_threshold(
    mu0: FloatArray, se_mu: FloatArray, phi: FloatArray, y: FloatArray, alpha: float, power: str
) -> tuple[FloatArray, FloatArray]:
    """Upper limit at level ``1 - alpha`` and ``P(Y >= y)`` under the transformed normal."""
    e = _EXPONENT[power]
    tau = phi + se_mu**2 / mu0
    sd = np.sqrt((e**2) * mu0 ** (2 * e - 1) * tau)
    z = stats.norm.ppf(1 - alpha)
    upper = (mu0**e + z * sd) ** (1 / e)
    pvalue = stats.norm.sf(y**e, loc=mu0**e, scale=sd)
    return np.asarray(upper), np.asarray(pvalue)


def negbin_threshold(
    eta: FloatArray, se_eta: FloatArray, phi: FloatArray, y: FloatArray, alpha: float, *, muan: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Upper limit (``1 - alpha`` quantile), ``P(Y >= y)`` and the mean used, per series."""
    mean = np.exp(eta + stats.norm.ppf(1 - alpha) * se_eta) if muan else np.exp(eta)
    finite = np.isfinite(mean) & np.isfinite(phi)
    upper = np.full(mean.shape, np.nan)
    pvalue = np.full(mean.shape, np.nan)
    over = finite & (phi > 1)
    pois = finite & ~over
    if over.any():
        size, prob = mean[over] / (phi[over] - 1), 1 / phi[over]
        upper[over] = stats.nbinom.ppf(1 - alpha, size, prob)
        pvalue[over] = stats.nbinom.sf(y[over] - 1, size, prob)
    if pois.any():
        upper[pois] = stats.poisson.ppf(1 - alpha, mean[pois])
        pvalue[pois] = stats.poisson.sf(y[pois] - 1, mean[pois])
    return upper, pvalue, mean


def predictive_pvalue(
    y: FloatArray, mu0: FloatArray, se_mu: FloatArray, phi: FloatArray, df: FloatArray
) -> FloatArray:
    """``P(Y >= y)`` from the 2/3-power prediction with a Student t for the estimated dispersion.

    The count is compared on the 2/3-power scale as in the ``delta`` threshold, with the
    prediction variance ``tau = phi + var(mu_hat) / mu`` (Farrington et al. 1996, section 3.4),
    but the standardised difference is referred to ``t`` with ``df = n - p`` degrees of freedom
    instead of the normal: ``phi`` is estimated from ``n - p`` residuals, and ranking hundreds of
    thousands of series (Benjamini-Hochberg) uses the far tail, where the normal understates it.
    Only the p-values use this; thresholds and alarms stay R's.
    """
    e = 2.0 / 3.0
    tau = phi + se_mu**2 / mu0
    sd = np.sqrt((e**2) * mu0 ** (2 * e - 1) * tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (y**e - mu0**e) / sd
    return np.asarray(stats.t.sf(t, np.where(df >= 1, df, 1.0)))
