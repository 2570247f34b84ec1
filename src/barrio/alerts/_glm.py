"""Batched quasi-Poisson log-link GLM, fitted by IRLS for many series at once.

Every series shares one design matrix ``X`` (the reference window of a time point is the same for
all series on a common calendar); responses, prior weights and offsets differ per series. The
iteration reproduces R's ``glm.fit`` step for step (McCullagh & Nelder 1989, ch. 2; R Core Team,
``stats::glm.fit``): start at ``mu = y + 0.1``, stop when the relative change in deviance is below
``1e-8`` (at most 25 iterations), and report the working weights of the last iteration, so that
dispersion, hat values and standard errors agree with ``summary.glm`` / ``predict.glm`` to rounding.
Each series stops iterating when it converges, as it would in its own ``glm.fit`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

EPSILON = 1e-8  # glm.control()$epsilon
MAXIT = 25  # glm.control()$maxit
MIN_ETA = -700.0  # exp(-700) ~ 1e-304: the smallest mean kept positive


@dataclass
class GlmFit:
    """Result of :func:`fit_quasipoisson` for ``S`` series, ``n`` observations, ``p`` columns.

    Attributes
    ----------
    coef : (S, p) coefficients.
    mu : (S, n) fitted means.
    cov_unscaled : (S, p, p) ``(X' W X)^-1`` with the working weights ``W`` of the last iteration.
    work_weights : (S, n) those working weights (prior weight x mu).
    dispersion : (S,) Pearson dispersion ``sum(w (y - mu)^2 / mu) / (n - p)`` as in ``summary.glm``.
    df_residual : residual degrees of freedom ``n - p``.
    converged : (S,) whether the deviance criterion was met within 25 iterations.
    """

    coef: FloatArray
    mu: FloatArray
    cov_unscaled: FloatArray
    work_weights: FloatArray
    dispersion: FloatArray
    df_residual: int
    converged: NDArray[np.bool_]


def poisson_deviance(y: FloatArray, mu: FloatArray, prior: FloatArray) -> FloatArray:
    """Row sums of the Poisson unit deviances ``2 w (y log(y/mu) - (y - mu))`` (y=0: ``2 w mu``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu) - (y - mu), mu)
    return np.asarray(2.0 * np.sum(prior * term, axis=-1))


def _weighted_normal_equations(
    X: FloatArray, w: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``X' W X`` (S, p, p) and ``X' W z`` (S, p) for per-series weights, by two matrix products."""
    n, p = X.shape
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    xtwx = (w @ outer).reshape(-1, p, p)
    xtwz = (w * z) @ X
    return xtwx, xtwz


def solve_batch(a: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve ``a[s] x = rhs[s]`` for every series; singular systems get the minimum-norm solution.

    A series whose weights leave a column without information (e.g. every observation of a
    seasonal level down-weighted to 0) makes its ``X'WX`` singular; R's QR then drops the
    aliased column. The pseudo-inverse keeps the batch going and, for that series, predicts with
    the minimum-norm coefficients instead.
    """
    try:
        return np.asarray(np.linalg.solve(a, rhs[:, :, None])[:, :, 0])
    except np.linalg.LinAlgError:
        return np.asarray((np.linalg.pinv(a) @ rhs[:, :, None])[:, :, 0])


def inverse_batch(a: FloatArray) -> FloatArray:
    """``a[s]^-1`` for every series (pseudo-inverse where singular, see :func:`solve_batch`)."""
    try:
        return np.asarray(np.linalg.inv(a), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(a), dtype=np.float64)


def fit_quasipoisson(
    X: FloatArray,
    y: FloatArray,
    prior: FloatArray | None = None,
    offset: FloatArray | None = None,
) -> GlmFit:
    """Fit ``log E[y] = offset + X beta`` for every row of ``y`` by IRLS, as R's ``glm.fit``.

    Parameters
    ----------
    X : (n, p) design matrix of full column rank, shared by all series.
    y : (S, n) non-negative counts.
    prior : (S, n) prior weights (default 1).
    offset : (S, n) offsets on the log scale (default 0).

    Returns
    -------
    GlmFit
    """
    S, n = y.shape
    p = X.shape[1]
    prior = np.ones_like(y) if prior is None else prior
    offset = np.zeros_like(y) if offset is None else offset
    eta = np.log(y + 0.1)  # poisson()$initialize: mustart <- y + 0.1 (offset not used)
    mu = y + 0.1
    dev_old = poisson_deviance(y, mu, prior)
    coef = np.zeros((S, p))
    work = prior * mu
    xtwx = np.zeros((S, p, p))
    converged = np.zeros(S, dtype=bool)
    active = np.arange(S)
    for _ in range(MAXIT):
        ya, mua, etaa, offa, pra = y[active], mu[active], eta[active], offset[active], prior[active]
        w = pra * mua
        z = (etaa - offa) + (ya - mua) / mua
        a, rhs = _weighted_normal_equations(X, w, z)
        beta = solve_batch(a, rhs)
        # keep mu > 0, as R's step-halving on invalid mu does, for series with zeros only
        eta_new = np.maximum(beta @ X.T + offa, MIN_ETA)
        mu_new = np.exp(eta_new)
        dev = poisson_deviance(ya, mu_new, pra)
        coef[active], eta[active], mu[active] = beta, eta_new, mu_new
        work[active], xtwx[active] = w, a
        done = np.abs(dev - dev_old[active]) / (np.abs(dev) + 0.1) < EPSILON
        dev_old[active] = dev
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    cov = inverse_batch(xtwx)
    df = n - p
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.sum(work * ((y - mu) / mu) ** 2, axis=1)
        dispersion = pearson / df if df > 0 else np.full(S, np.nan)
    return GlmFit(coef, mu, cov, work, dispersion, df, converged)


def hat_values(X: FloatArray, fit: GlmFit) -> FloatArray:
    """Leverages ``h_i = w_i x_i' (X' W X)^-1 x_i`` (S, n), as R's ``hatvalues`` for a GLM."""
    quad = np.einsum("ni,sij,nj->sn", X, fit.cov_unscaled, X)
    return np.asarray(fit.work_weights * quad)


def linear_predictor_se(x0: FloatArray, fit: GlmFit, dispersion: FloatArray) -> FloatArray:
    """Standard error of ``x0' beta`` for each series: ``sqrt(dispersion x0' (X'WX)^-1 x0)``."""
    quad = np.einsum("i,sij,j->s", x0, fit.cov_unscaled, x0)
    return np.asarray(np.sqrt(dispersion * quad))


def full_rank_columns(X: FloatArray, tol: float = 1e-7) -> NDArray[np.intp]:
    """Indices of a maximal set of linearly independent columns, keeping earlier ones first.

    R's ``glm.fit`` drops aliased columns (coefficient ``NA``) by pivoting in its QR; since the
    design is shared by all series, the choice is made once here.
    """
    keep: list[int] = []
    for j in range(X.shape[1]):
        trial = X[:, [*keep, j]]
        if np.linalg.matrix_rank(trial, tol=tol * max(1.0, np.abs(trial).max())) == len(keep) + 1:
            keep.append(j)
    return np.asarray(keep, dtype=np.intp)
