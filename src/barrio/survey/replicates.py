"""Replicate-weight variance: JK1, JKn, BRR, Fay, Rao–Wu bootstrap, or weights supplied with data.

Replicates created from a design are stored as PSU-level factors ``(P, R)`` that multiply the
full-sample weights, so that all replicate estimates for all domains come from one PSU-by-domain
table and one matrix product. Variance (Wolter 2007, ch. 3–5; R ``survey::svrVar``)::

    V = scale * sum_r rscale_r (theta_r - c)^2,   c = mean of theta_r, or theta (mse=True)

Scales: JK1 ``(1 - f)(n - 1)/n``; JKn ``rscale_h = (1 - f_h)(n_h - 1)/n_h``; BRR ``1/R``; Fay
``1/(R (1 - rho)^2)``; Rao–Wu bootstrap (``n_h - 1`` PSUs drawn with replacement, rescaled by
``sqrt(1 - f_h)`` when fpc is given; Rao, Wu & Yue 1992) ``1/R``. R's own ``as.svrepdesign(type=
"bootstrap")`` is a different scheme with scale ``n/(n-1)/(R-1)``: always state the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.linalg import hadamard

from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.survey.design import SurveyDesign
from barrio.survey.linearization import Linear, group_totals

METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap")


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights of a design and the constants of their variance formula.

    Attributes
    ----------
    method
        ``jk1``, ``jkn``, ``brr``, ``fay``, ``bootstrap`` or ``supplied``.
    scale, rscales
        Overall and per-replicate multipliers of the squared deviations.
    mse
        Centre deviations at the full-sample estimate instead of the replicate mean.
    factors
        PSU-level factors ``(P, R)`` multiplying the full-sample weights, or ``None``.
    weights
        Full replicate analysis weights ``(n, R)`` (supplied or calibrated), or ``None``.
    df
        Degrees of freedom to use for intervals (``None``: the design's).
    """

    method: str
    scale: float
    rscales: np.ndarray
    mse: bool = False
    factors: np.ndarray | None = None
    weights: np.ndarray | None = None
    df: int | None = None

    @property
    def n_replicates(self) -> int:
        """Number of replicates ``R``."""
        return int(self.rscales.shape[0])

    def analysis_weights(self, design: SurveyDesign) -> np.ndarray:
        """Replicate analysis weights ``(n, R)``."""
        if self.weights is not None:
            return self.weights
        assert self.factors is not None
        return design.weights[:, None] * self.factors[design.psu]

    def estimates(self, design: SurveyDesign, linear: Linear) -> np.ndarray:
        """Replicate estimates ``(k, R)`` of every output of ``linear``."""
        a = self._sums(design, linear, linear.num)
        if linear.den is None:
            return a
        b = self._sums(design, linear, linear.den)
        with np.errstate(invalid="ignore", divide="ignore"):
            return a / b

    def _sums(self, design: SurveyDesign, linear: Linear, values: np.ndarray) -> np.ndarray:
        if self.factors is not None:
            vals = design.weights[linear.rows] * values
            tot = group_totals(design.psu[linear.rows], linear.cols, vals, (design.n_psu, linear.k))
            return np.asarray(tot.T @ self.factors)
        assert self.weights is not None
        s = sparse.csr_matrix((values, (linear.cols, linear.rows)), shape=(linear.k, design.n))
        return np.asarray(s @ self.weights)

    def variance(self, replicates: np.ndarray, full: np.ndarray) -> np.ndarray:
        """Variance of each row of ``replicates`` ``(k, R)`` around its centre."""
        centre = full[:, None] if self.mse else np.nanmean(replicates, axis=1, keepdims=True)
        return self.scale * np.nansum(self.rscales * (replicates - centre) ** 2, axis=1)


def _psu_fraction(design: SurveyDesign) -> np.ndarray:
    return np.zeros(design.n_strata) if design.f1 is None else design.f1


def jk1(design: SurveyDesign) -> ReplicateWeights:
    """Delete-one-PSU jackknife for an unstratified design, with fpc in the scale."""
    if design.n_strata > 1:
        raise ConfigError(
            _("JK1 replicates need an unstratified design"),
            hint=_("use --replicates jkn for a stratified design"),
        )
    p = design.n_psu
    factors = np.full((p, p), p / (p - 1.0))
    np.fill_diagonal(factors, 0.0)
    f = float(_psu_fraction(design)[0])
    return ReplicateWeights("jk1", (1 - f) * (p - 1) / p, np.ones(p), factors=factors, df=p - 1)


def jkn(design: SurveyDesign) -> ReplicateWeights:
    """Stratified delete-one-PSU jackknife (R ``jknweights``, lonely PSUs as R handles them)."""
    n_h = design.psu_per_stratum
    f = _psu_fraction(design)
    cols, rscales = [], []
    h_all = design.psu_stratum
    for h in range(design.n_strata):
        members = np.flatnonzero(h_all == h)
        if n_h[h] == 1 or f[h] >= 1:
            continue
        for j in members:
            col = np.ones(design.n_psu)
            col[members] = n_h[h] / (n_h[h] - 1.0)
            col[j] = 0.0
            cols.append(col)
            rscales.append((1 - f[h]) * (n_h[h] - 1.0) / n_h[h])
    scale = 1.0
    lone = np.flatnonzero(n_h == 1)
    if lone.size and design.lonely == "fail":
        raise InputError(_("{n} strata have only one PSU", n=lone.size), hint=_("choose --lonely"))
    if lone.size and design.lonely == "adjust":
        big_h = design.n_strata
        for lone_h in lone:
            col = np.full(design.n_psu, big_h / (big_h - 1.0))
            col[h_all == lone_h] = 0.0
            cols.append(col)
            rscales.append((big_h - 1.0) / big_h)
    elif lone.size and design.lonely == "average":
        scale = float(design.n_psu) / len(cols)
    factors = np.column_stack(cols)
    return ReplicateWeights("jkn", scale, np.asarray(rscales), factors=factors, df=design.df)


def brr(design: SurveyDesign, rho: float = 0.0) -> ReplicateWeights:
    """Balanced repeated replication (Fay's method when ``rho > 0``) for 2 PSUs per stratum."""
    n_h = design.psu_per_stratum
    if np.any(n_h != 2):
        raise InputError(
            _("BRR needs exactly 2 PSUs in every stratum"),
            hint=_("use --replicates jkn or bootstrap, or collapse strata into pairs first"),
        )
    if not 0 <= rho < 1:
        raise ConfigError(
            _("Fay coefficient {rho} must be in [0, 1)", rho=rho), hint=_("e.g. fay:0.5")
        )
    big_h = design.n_strata
    size = 1 << int(np.ceil(np.log2(big_h + 1)))
    signs = hadamard(size)[:, 1 : big_h + 1]  # (R, H), columns orthogonal to the constant
    first = np.zeros(design.n_psu, dtype=bool)
    first[np.concatenate(([0], np.flatnonzero(np.diff(design.psu_stratum)) + 1))] = True
    sign_psu = signs[:, design.psu_stratum] * np.where(first, 1, -1)  # (R, P)
    factors = np.where(sign_psu.T > 0, rho, 2.0 - rho)  # +1: first PSU left out (as R)
    method = "fay" if rho > 0 else "brr"
    return ReplicateWeights(
        method, 1.0 / (size * (1 - rho) ** 2), np.ones(size), factors=factors, df=design.df
    )


def bootstrap(
    design: SurveyDesign, replicates: int = 500, seed: int = 0, scale: float | None = None
) -> ReplicateWeights:
    """Rao–Wu rescaling bootstrap: ``n_h - 1`` PSUs per stratum drawn with replacement."""
    rng = np.random.default_rng(seed)
    n_h = design.psu_per_stratum.astype(float)
    f = _psu_fraction(design)
    factors = np.ones((design.n_psu, replicates))
    for h in np.flatnonzero(n_h > 1):
        members = np.flatnonzero(design.psu_stratum == h)
        draws = rng.integers(0, members.size, size=(replicates, members.size - 1))
        counts = np.apply_along_axis(np.bincount, 1, draws, minlength=members.size).T
        lam = np.sqrt(1 - f[h])
        factors[members] = 1 - lam + lam * counts * n_h[h] / (n_h[h] - 1)
    return ReplicateWeights(
        "bootstrap",
        1.0 / replicates if scale is None else scale,
        np.ones(replicates),
        factors=factors,
        df=design.df,
    )


def with_replicates(
    design: SurveyDesign, method: str, *, mse: bool = False, replicates: int = 500, seed: int = 0
) -> SurveyDesign:
    """Attach replicate weights created from the design (``jk1``, ``jkn``, ``brr``, ``fay:RHO``,
    ``bootstrap[:R]``)."""
    name, _sep, arg = method.lower().partition(":")
    if name == "jk1":
        reps = jk1(design)
    elif name == "jkn":
        reps = jkn(design)
    elif name in ("brr", "fay"):
        reps = brr(design, float(arg) if arg else (0.5 if name == "fay" else 0.0))
    elif name == "bootstrap":
        reps = bootstrap(design, int(arg) if arg else replicates, seed=seed)
    else:
        raise ConfigError(
            _("unknown replicate method {method}", method=repr(method)),
            hint=_("use one of: jk1, jkn, brr, fay:RHO, bootstrap:R"),
            value=method,
        )
    return replace(design, replicates=replace(reps, mse=mse))


def supplied(
    design: SurveyDesign,
    columns: list[str],
    *,
    method: str,
    scale: float | None = None,
    rscales: np.ndarray | None = None,
    mse: bool = False,
    rho: float = 0.0,
) -> SurveyDesign:
    """Attach replicate analysis weights read from data columns (e.g. a statistics office's)."""
    if not columns:
        raise InputError(
            _("no replicate-weight columns found"), hint=_("check --rep-weights PREFIX")
        )
    w = design.data[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(w)):
        raise InputError(_("replicate weights have missing or non-numeric values"))
    r = w.shape[1]
    defaults = {
        "jk1": (r - 1) / r,
        "brr": 1 / r,
        "fay": 1 / (r * (1 - rho) ** 2),
        "bootstrap": 1 / r,
    }
    if scale is None:
        if method not in defaults:
            raise ConfigError(
                _("replicate method {method} needs an explicit --scale", method=repr(method)),
                hint=_("known defaults exist for: {defaults}", defaults=", ".join(defaults)),
            )
        scale = defaults[method]
    rs = np.ones(r) if rscales is None else np.asarray(rscales, dtype=float)
    df = int(np.linalg.matrix_rank(w[: min(len(w), 5000)])) - 1
    reps = ReplicateWeights(method, float(scale), rs, mse=mse, weights=w, df=max(df, 1))
    return replace(design, replicates=reps)
