"""Batched negative-binomial log-linear GLM with estimated size, as R's ``MASS::glm.nb``.

The in-control mean of the GLR-NB chart is the prediction of a negative-binomial regression
``log mu_t = beta' x_t`` whose size ``theta`` (variance ``mu + mu^2 / theta``) is estimated by
maximum likelihood. ``glm.nb`` alternates: a Poisson ``glm.fit`` to start, ``theta.ml`` (Newton
steps on the profile score in ``theta`` at the current means), then IRLS with ``theta`` fixed,
until the log-likelihood and ``theta`` settle (``|dL| / sqrt(2 max(1, df)) + |d theta| < 1e-8``,
at most 25 alternations). Each step is reproduced here on all series at once (one shared design
matrix, per-series responses), each series leaving the iteration when its own criterion is met,
so results agree with R to rounding and not only to the optimiser's tolerance.

Venables, W.N. & Ripley, B.D. (2002). Modern Applied Statistics with S, 4th ed., section 7.4;
Lawless, J.F. (1987). Negative binomial and mixed Poisson regression. Can. J. Stat. 15:209-225.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from barrio.alerts._glm import (
    EPSILON,
    MAXIT,
    MIN_ETA,
    FloatArray,
    fit_quasipoisson,
    solve_batch,
)

THETA_EPS = np.finfo(float).eps ** 0.25  # theta.ml's default eps


@dataclass
class NegbinFit:
    """``glm.nb`` result for ``S`` series: ``coef`` (S, p), ``theta`` (S,), ``mu`` (S, n).

    ``converged`` is False where the alternation limit was reached. Where ``theta.ml`` finds no
    finite positive size (a series of zeros, say; R's ``glm.nb`` fails there) the Poisson fit is
    kept and ``theta`` is ``inf`` (``alpha = 0``).
    """

    coef: FloatArray
    theta: FloatArray
    mu: FloatArray
    converged: NDArray[np.bool_]


def negbin_deviance(y: FloatArray, mu: FloatArray, theta: FloatArray) -> FloatArray:
    """Row sums of ``negative.binomial(theta)$dev.resids`` (theta is (S,) or (S, 1))."""
    th = np.reshape(theta, (-1, 1))
    term = y * np.log(np.maximum(1.0, y) / mu) - (y + th) * np.log((y + th) / (mu + th))
    return np.asarray(2.0 * term.sum(axis=1))


def negbin_loglik(y: FloatArray, mu: FloatArray, theta: FloatArray) -> FloatArray:
    """Log-likelihood per series, written as ``glm.nb``'s internal ``loglik``."""
    th = np.reshape(theta, (-1, 1))
    terms = (
        special.gammaln(th + y)
        - special.gammaln(th)
        - special.gammaln(y + 1)
        + th * np.log(th)
        + y * np.log(mu + (y == 0))
        - (th + y) * np.log(th + mu)
    )
    return np.asarray(terms.sum(axis=1))


def trigamma(x: FloatArray) -> FloatArray:
    """``psi'(x)`` for ``x > 0``: recurrence up to ``x >= 10``, then the asymptotic series.

    ``psi'(x) = psi'(x + 1) + 1 / x^2`` and, for large ``x``, ``1/x + 1/(2x^2) + 1/(6x^3) -
    1/(30x^5) + 1/(42x^7) - 1/(30x^9)`` (Abramowitz & Stegun 6.4.12), truncation error below
    ``1e-13`` at ``x >= 10``. Much faster than ``scipy.special.polygamma(1, x)``, which goes
    through the general Hurwitz zeta function.
    """
    x = np.asarray(x, dtype=float)
    shift = np.maximum(0.0, np.ceil(10.0 - x))
    acc = np.zeros_like(x)
    for k in range(int(shift.max()) if shift.size else 0):
        acc += np.where(k < shift, 1.0 / (x + k) ** 2, 0.0)
    z = x + shift
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv * (
        1.0 + inv * (0.5 + inv * (1 / 6 + inv2 * (-1 / 30 + inv2 * (1 / 42 - inv2 / 30))))
    )
    return np.asarray(acc + series)


def theta_ml(y: FloatArray, mu: FloatArray, limit: int = MAXIT) -> FloatArray:
    """Maximum-likelihood size per series by Newton steps, as ``MASS::theta.ml``.

    Starts at ``n / sum((y / mu - 1)^2)``; stops when the step is below ``eps^(1/4)`` or after
    ``limit - 1`` steps; a negative result is truncated at 0 (as R, with a warning there).
    """
    n = y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return _theta_newton(y, mu, n / np.sum((y / mu - 1.0) ** 2, axis=1), limit)


def _theta_newton(y: FloatArray, mu: FloatArray, t0: FloatArray, limit: int) -> FloatArray:
    active = np.arange(y.shape[0])
    for _ in range(limit - 1):
        if active.size == 0:
            break
        th = np.abs(t0[active])[:, None]
        ya, ma = y[active], mu[active]
        score = np.sum(
            special.digamma(th + ya)
            - special.digamma(th)
            + np.log(th)
            + 1.0
            - np.log(th + ma)
            - (ya + th) / (ma + th),
            axis=1,
        )
        info = np.sum(
            -trigamma(th + ya)
            + trigamma(th)
            - 1.0 / th
            + 2.0 / (ma + th)
            - (ya + th) / (ma + th) ** 2,
            axis=1,
        )
        step = score / info
        t0[active] = th[:, 0] + step
        active = active[np.abs(step) > THETA_EPS]
    return np.maximum(t0, 0.0)


def _irls_negbin(
    X: FloatArray, y: FloatArray, eta: FloatArray, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``glm.fit`` with ``negative.binomial(theta)``, log link, started at ``etastart = eta``."""
    S, p = y.shape[0], X.shape[1]
    mu = np.exp(eta)
    th = theta[:, None]
    dev_old = negbin_deviance(y, mu, theta)
    coef = np.zeros((S, p))
    outer = (X[:, :, None] * X[:, None, :]).reshape(X.shape[0], p * p)
    active = np.arange(S)
    for _ in range(MAXIT):
        ya, ma, ea, ta = y[active], mu[active], eta[active], th[active]
        w = ma / (1.0 + ma / ta)  # mu.eta^2 / variance for the log link
        z = ea + (ya - ma) / ma
        xtwx = (w @ outer).reshape(-1, p, p)
        beta = solve_batch(xtwx, (w * z) @ X)
        eta_new = np.maximum(beta @ X.T, MIN_ETA)
        mu_new = np.exp(eta_new)
        dev = negbin_deviance(ya, mu_new, ta)
        coef[active], eta[active], mu[active] = beta, eta_new, mu_new
        done = np.abs(dev - dev_old[active]) / (np.abs(dev) + 0.1) < EPSILON
        dev_old[active] = dev
        active = active[~done]
        if active.size == 0:
            break
    return coef, mu


def fit_negbin(X: FloatArray, y: FloatArray) -> NegbinFit:
    """Fit ``log E[y] = X beta`` with negative-binomial errors and ML size for every row of ``y``.

    Parameters
    ----------
    X : (n, p) design matrix of full column rank, shared by all series.
    y : (S, n) non-negative counts.

    Examples
    --------
    >>> X = np.ones((6, 1))
    >>> fit = fit_negbin(X, np.array([[2.0, 9, 4, 0, 7, 3]]))
    >>> round(float(np.exp(fit.coef[0, 0])), 6)  # the mean: the intercept-only MLE
    4.166667
    """
    S = y.shape[0]
    pois = fit_quasipoisson(X, y)
    coef, mu = pois.coef.copy(), pois.mu.copy()
    theta = theta_ml(y, mu)
    d1 = np.sqrt(2.0 * max(1, X.shape[0] - X.shape[1]))
    lm = negbin_loglik(y, mu, theta)
    lm0 = lm + 2.0 * d1
    delta = np.ones(S)
    converged = np.zeros(S, dtype=bool)
    poisson = ~(np.isfinite(theta) & (theta > 0))  # e.g. all zeros: no overdispersion to fit
    theta[poisson] = np.inf
    active = np.flatnonzero(~poisson & (np.abs(lm0 - lm) / d1 + np.abs(delta) > EPSILON))
    converged[np.setdiff1d(np.arange(S), active)] = True
    for _ in range(MAXIT):
        if active.size == 0:
            break
        ya, ma, ta = y[active], mu[active], theta[active]
        new_coef, new_mu = _irls_negbin(X, ya, np.log(ma), ta)
        new_theta = theta_ml(ya, ma)  # glm.nb updates theta at the previous means
        delta_a = ta - new_theta
        lm0_a = lm[active]
        lm_a = negbin_loglik(ya, new_mu, new_theta)
        coef[active], mu[active], theta[active], lm[active] = new_coef, new_mu, new_theta, lm_a
        done = np.abs(lm0_a - lm_a) / d1 + np.abs(delta_a) <= EPSILON
        converged[active[done]] = True
        active = active[~done]
    return NegbinFit(coef, theta, mu, converged)
