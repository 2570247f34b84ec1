"""Likelihood-ratio and GLR charts for a shift in the intercept of NB / Poisson counts.

In-control ``y_t ~ NB(mu0_t, alpha)`` (variance ``mu0 + alpha mu0^2``; ``alpha = 0`` is Poisson),
out of control ``mu1_t = mu0_t exp(kappa)`` from an unknown change point on. The log-likelihood
ratio of one count is (Höhle & Paul 2008, section 2.1)

    z_t(kappa) = kappa y_t + (y_t + 1/alpha) log((1 + alpha mu0_t) / (1 + alpha mu0_t e^kappa))

(Poisson limit ``kappa y_t + (1 - e^kappa) mu0_t``). The LR chart with a known ``kappa`` is the
CUSUM ``R_n = max(0, R_{n-1} + z_n(kappa))``; the GLR chart maximises over the change point and
``kappa``: ``GLR_n = max_k sup_kappa sum_{t=k..n} z_t(kappa)``, ``kappa`` restricted to the
direction of interest. Both are evaluated for all series at once: the recursion runs over the
monitored periods, the change points and Newton steps for ``kappa`` are array dimensions.

Höhle, M. & Paul, M. (2008). Count data regression charts for the monitoring of surveillance
time series. Comput. Stat. Data Anal. 52(9):4357-4368.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
NEWTON_TOL = 1e-10
NEWTON_MAXIT = 60


def log_ratio(kappa, y, mu, alpha):
    """``z(kappa)`` elementwise (broadcasting); Poisson where ``alpha == 0``."""
    pos = alpha > 0
    a = np.where(pos, alpha, 1.0)
    e = np.exp(kappa)
    nb = (y + 1.0 / a) * (np.log1p(a * mu) - np.log1p(a * mu * e))
    return kappa * y + np.where(pos, nb, (1.0 - e) * mu)


def lr_step(y, mu, alpha, kappa: float, prev, c_arl: float):
    """One step of the LR CUSUM: statistic, and the count that would make it exceed ``c_arl``.

    The count solves ``prev + z(kappa) = c_arl`` for ``y`` (not rounded, as R ``lr_cusum_nb``).
    """
    stat = np.maximum(0.0, prev + log_ratio(kappa, y, mu, alpha))
    pos = alpha > 0
    a = np.where(pos, alpha, 1.0)
    log_q = np.log1p(a * mu) - np.log1p(a * mu * np.exp(kappa))
    with np.errstate(divide="ignore", invalid="ignore"):
        nb = (c_arl - prev - log_q / a) / (kappa + log_q)
        pois = (c_arl - prev + mu * np.expm1(kappa)) / kappa
    return stat, np.where(pos, nb, pois)


def _window_sums(values: FloatArray, tri: NDArray[np.bool_]) -> FloatArray:
    """``sum_{i >= k} values[..., k, i]`` over the upper-triangular change-point mask."""
    return np.asarray(np.where(tri, values, 0.0).sum(axis=-1))


def _segment_loglik(kappa, y, mu, alpha, tri) -> FloatArray:
    """``l_{n,k}(kappa) = sum_{t=k..n} z_t(kappa)`` for kappa (S, L) and data (S, L)."""
    z = log_ratio(kappa[:, :, None], y[:, None, :], mu[:, None, :], alpha[:, None, None])
    return _window_sums(z, tri)


def kappa_mle(y: FloatArray, mu: FloatArray, alpha: FloatArray, tri) -> FloatArray:
    """ML estimate of ``kappa`` on every segment ``k..n`` (S, L): Newton with step halving.

    ``sum z_t(kappa)`` is concave in ``kappa`` (its second derivative is
    ``-e^kappa sum mu0 (1 + alpha y) / (1 + alpha mu0 e^kappa)^2``), so Newton steps that
    never decrease it reach the unique root of the score. Started at the Poisson estimate
    ``log(sum y / sum mu0)``; segments without cases get ``-inf``.
    """
    sy = _window_sums(y[:, None, :], tri)
    smu = _window_sums(mu[:, None, :], tri)
    empty = sy <= 0
    with np.errstate(divide="ignore"):
        kappa = np.where(empty, 0.0, np.log(np.where(empty, 1.0, sy) / smu))
    a = alpha[:, None, None]
    yy, mm = y[:, None, :], mu[:, None, :]
    current = _segment_loglik(kappa, y, mu, alpha, tri)
    for _ in range(NEWTON_MAXIT):
        e = np.exp(kappa)[:, :, None]
        denom = 1.0 + a * e * mm
        score = _window_sums((yy - e * mm) / denom, tri)
        info = np.exp(kappa) * _window_sums(mm * (1.0 + a * yy) / denom**2, tri)
        step = np.where(empty, 0.0, score / info)
        for _ in range(30):  # halve steps that would lower the concave objective
            trial = kappa + step
            value = _segment_loglik(trial, y, mu, alpha, tri)
            worse = value < current - 1e-12 * np.abs(current)
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
        kappa, current = trial, value
        if np.all(np.abs(step) < NEWTON_TOL):
            break
    return np.asarray(np.where(empty, -np.inf, kappa))


def glr_statistic(
    y: FloatArray,
    mu: FloatArray,
    alpha: FloatArray,
    start: NDArray[np.intp],
    n: int,
    *,
    direction: int,
    m_tilde: int,
    m: int,
) -> FloatArray:
    """``GLR_n`` for every series whose chart (re)started at column ``start`` (S,).

    Change points ``k`` run over ``max(start, n - m) .. n - m_tilde + 1`` (``m < 0``: no
    window limit); a series with no admissible ``k`` yet gets 0, as R ``glr_nb_window``.
    """
    low = start if m < 0 else np.maximum(start, n - m)
    up = n - m_tilde + 1
    first = int(low.min())
    ks = np.arange(first, n + 1)
    tri = ks[:, None] <= ks[None, :]
    yy, mm = y[:, first : n + 1], mu[:, first : n + 1]
    kappa = kappa_mle(yy, mm, alpha, tri)
    kappa = direction * np.maximum(0.0, direction * kappa)
    finite = np.isfinite(kappa)
    value = _segment_loglik(np.where(finite, kappa, 0.0), yy, mm, alpha, tri)
    if not finite.all():  # decreasing charts on segments without cases: the kappa -> -inf limit
        a = np.where(alpha > 0, alpha, 1.0)[:, None, None]
        term = np.where(alpha[:, None, None] > 0, np.log1p(a * mm[:, None, :]) / a, mm[:, None, :])
        value = np.where(finite, value, _window_sums(term, tri))
    ok = (ks[None, :] >= low[:, None]) & (ks[None, :] <= up)
    best = np.where(ok, value, -np.inf).max(axis=1)
    return np.asarray(np.where(ok.any(axis=1), best, 0.0))
