"""Weight adjustment with calibration-aware variance: post-stratification, raking, GREG.

Calibration (Deville & Särndal 1992) finds weights ``w* = g w`` that reproduce known population
totals ``X' w* = T``. Post-stratification and raking are calibration on category indicators
(raking by iterative proportional fitting); linear (GREG) calibration uses ``g = 1 + x' lambda``,
optionally truncated to bounds ``[L, U]``.

Variance: treating ``w*`` as fixed is wrong. Each score ``z`` is replaced by its residual from
a regression on the calibration variables with the *pre-calibration* weights,
``e = z - X beta``, ``beta = (X' W X)^{-1} X' W z``, and the residuals (times ``w*``) enter the
usual variance (Särndal, Swensson & Wretman 1992, 6.6; R ``survey::svyrecvar``). Designs with
replicate weights are calibrated replicate by replicate instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.survey.design import SurveyDesign

Margins = Mapping[str, Mapping[object, float]]


@dataclass(frozen=True)
class Calibration:
    """Residualisation data of one weight adjustment (used by the Taylor variance)."""

    method: str
    X: np.ndarray
    weights_before: np.ndarray

    def residualize(self, scores: np.ndarray, weights_after: np.ndarray) -> np.ndarray:
        """Replace weighted scores ``w* z`` by ``w* e`` with ``e`` the GREG residual of ``z``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(weights_after[:, None] > 0, scores / weights_after[:, None], 0.0)
        root = np.sqrt(self.weights_before)[:, None]
        beta, *_ = np.linalg.lstsq(self.X * root, z * root, rcond=None)
        return (z - self.X @ beta) * weights_after[:, None]


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def margin_codes(data: pd.DataFrame, key: str) -> pd.Series:
    """Category labels of a margin; ``"a+b"`` is the cross-classification of columns a and b."""
    cols = [c.strip() for c in key.split("+")]
    for c in cols:
        if c not in data.columns:
            raise InputError(
                _("calibration variable {column} is not in the data", column=repr(c)),
                hint=_("available columns: {names}", names=", ".join(map(str, data.columns[:40]))),
            )
    parts = [data[c].map(_label).astype(object) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + "+" + p
    return out.where(~pd.concat([data[c].isna() for c in cols], axis=1).any(axis=1), None)


def _dummies(data: pd.DataFrame, key: str, totals: Mapping[object, float]):
    labels = margin_codes(data, key)
    levels = [_label(k) for k in totals]
    unknown = sorted(set(labels.dropna()) - set(levels))
    if unknown or labels.isna().any():
        raise InputError(
            _(
                "calibration margin {key}: sample categories {categories} have no population total",
                key=repr(key),
                categories=unknown or ["<missing>"],
            ),
            hint=_(
                "give a total for every category present in the sample: {levels}",
                levels=", ".join(levels),
            ),
        )
    X = (labels.to_numpy()[:, None] == np.asarray(levels, dtype=object)[None, :]).astype(float)
    return X, np.asarray([float(v) for v in totals.values()]), [f"{key}={lv}" for lv in levels]


def auxiliary(
    data: pd.DataFrame,
    margins: Margins | None = None,
    totals: Mapping[str, float] | None = None,
    population_size: float | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Auxiliary matrix ``X``, its population totals ``T`` and column labels."""
    blocks, targets, names = [], [], []
    if population_size is not None:
        blocks.append(np.ones((len(data), 1)))
        targets.append(np.asarray([float(population_size)]))
        names.append("(Intercept)")
    for key, cells in (margins or {}).items():
        X, t, lab = _dummies(data, key, cells)
        blocks.append(X)
        targets.append(t)
        names += lab
    for col, value in (totals or {}).items():
        x = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
        if np.isnan(x).any():
            raise InputError(
                _("calibration variable {column} has missing values", column=repr(col))
            )
        blocks.append(x[:, None])
        targets.append(np.asarray([float(value)]))
        names.append(col)
    if not blocks:
        raise ConfigError(_("calibration needs margins, totals or a population size"))
    return np.hstack(blocks), np.concatenate(targets), names


def _apply(design: SurveyDesign, method: str, X: np.ndarray, adjust) -> SurveyDesign:
    """New design with adjusted weights (and adjusted replicate weights)."""
    new_w = adjust(design.weights)
    reps = design.replicates
    if reps is not None:
        rep_w = reps.analysis_weights(design)
        cal = np.column_stack([adjust(rep_w[:, r]) for r in range(rep_w.shape[1])])
        reps = replace(reps, weights=cal, factors=None)
        return design.with_weights(new_w, replicates=reps)
    record = Calibration(method, X, design.weights)
    return design.with_weights(new_w, calibrations=(*design.calibrations, record))


def poststratify(design: SurveyDesign, key: str, population: Mapping[object, float]):
    """Post-stratify to known population counts of ``key`` (R ``postStratify``).

    Examples
    --------
    >>> import pandas as pd
    >>> from barrio.survey.design import svydesign
    >>> d = svydesign(pd.DataFrame({"s": ["a", "a", "b"], "w": [1.0, 1.0, 1.0]}), weights="w")
    >>> poststratify(d, "s", {"a": 10, "b": 5}).weights.tolist()
    [5.0, 5.0, 5.0]
    """
    X, T, _levels = _dummies(design.data, key, population)
    cell = X.argmax(axis=1)

    def adjust(w: np.ndarray) -> np.ndarray:
        have = X.T @ w
        if np.any(have <= 0):
            raise InputError(
                _("a post-stratum of {key} has no sample weight", key=repr(key)),
                hint=_("collapse it"),
            )
        return w * (T / have)[cell]

    return _apply(design, "poststratify", X, adjust)


def rake(
    design: SurveyDesign, margins: Margins, max_iter: int = 100, tol: float = 1e-10
) -> SurveyDesign:
    """Rake to several margins by iterative proportional fitting (Deming & Stephan 1940)."""
    blocks = [_dummies(design.data, key, tot) for key, tot in margins.items()]
    cells = [(X.argmax(axis=1), T) for X, T, _ in blocks]

    def adjust(w: np.ndarray) -> np.ndarray:
        w = w.copy()
        for _step in range(max_iter):
            change = 0.0
            for cell, T in cells:
                g = T / np.bincount(cell, w, minlength=T.size)
                w *= g[cell]
                change = max(change, float(np.max(np.abs(g - 1))))
            if change < tol:
                return w
        raise InputError(
            _("raking did not converge in {max_iter} iterations", max_iter=max_iter),
            hint=_("check that the margins are consistent (same population total)"),
        )

    return _apply(design, "rake", np.hstack([b[0] for b in blocks]), adjust)


def _linear_g(X: np.ndarray, w: np.ndarray, T: np.ndarray, bounds, max_iter: int) -> np.ndarray:
    g = np.ones(len(w))
    free = np.ones(len(w), dtype=bool)
    for _step in range(max_iter):
        fixed_total = X[~free].T @ (w[~free] * g[~free])
        Xf = X[free]
        M = Xf.T @ (Xf * w[free, None])
        lam = np.linalg.lstsq(M, T - fixed_total - Xf.T @ w[free], rcond=None)[0]
        g[free] = 1 + Xf @ lam
        if bounds is None:
            return g
        low, high = bounds
        out = free & ((g < low - 1e-12) | (g > high + 1e-12))
        if not out.any():
            return g
        g[out] = np.clip(g[out], low, high)
        free &= ~out
    raise InputError(
        _("bounded calibration did not converge in {max_iter} iterations", max_iter=max_iter)
    )


def calibrate(
    design: SurveyDesign,
    *,
    margins: Margins | None = None,
    totals: Mapping[str, float] | None = None,
    population_size: float | None = None,
    bounds: tuple[float, float] | None = None,
    max_iter: int = 50,
) -> SurveyDesign:
    """Linear (GREG) calibration to population totals, optionally truncated to ``bounds`` on g.

    Bounded calibration fixes units whose ``g`` leaves ``[L, U]`` at the bound and re-solves on
    the others (truncated linear method; Singh & Mohl 1996).
    """
    X, T, _levels = auxiliary(design.data, margins, totals, population_size)
    if bounds is not None and not bounds[0] < 1 < bounds[1]:
        raise ConfigError(
            _("calibration bounds {bounds} must satisfy L < 1 < U", bounds=bounds),
            hint=_("e.g. 0.5,3"),
        )

    def adjust(w: np.ndarray) -> np.ndarray:
        new = w * _linear_g(X, w, T, bounds, max_iter)
        if not np.allclose(X.T @ new, T, rtol=1e-6, atol=1e-8 * float(np.abs(T).max())):
            raise InputError(
                _("calibration cannot reproduce the population totals"),
                hint=_(
                    "the constraints are collinear or infeasible for this sample (or the "
                    "bounds are too tight); drop or collapse calibration variables"
                ),
            )
        return new

    return _apply(design, "linear", X, adjust)
