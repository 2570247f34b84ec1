"""Taylor-linearisation variance for ratio-type estimators over many domains at once.

Every estimator Barrio computes here (totals, means, proportions, ratios, all by domain) is a ratio
of weighted sums, ``theta_k = sum_i w_i a_i / sum_i w_i b_i`` over the entries of output ``k``.
Its linearised score is ``u_i = w_i (a_i - theta_k b_i) / B_k`` (``w_i a_i`` for a total), and the
variance is the stratified between-PSU variance of PSU score totals (Wolter 2007, ch. 6;
Lumley 2010, sec. 2.2), plus the within-PSU stage-2 term when stage-1 fpc is given, exactly as in
R ``survey::svyrecvar``::

    V = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2  +  sum_i f_1 V_2i

Domains never subset the design: rows outside a domain contribute zero, and their PSUs still count
in ``n_h``. PSU totals for all outputs are formed in one ``np.bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barrio.errors import InputError
from barrio.i18n import _
from barrio.survey.design import SurveyDesign

SELF_REPRESENTING = 1e-7


@dataclass(frozen=True)
class Linear:
    """Entries of a family of ratio estimators ``theta_k = A_k / B_k``.

    Attributes
    ----------
    rows
        Row of the data for each entry, shape ``(m,)``.
    cols
        Output index ``0..k-1`` of each entry.
    num, den
        Numerator ``a`` and denominator ``b`` values; ``den=None`` means a total.
    k
        Number of outputs.
    """

    rows: np.ndarray
    cols: np.ndarray
    num: np.ndarray
    den: np.ndarray | None
    k: int

    def sums(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Weighted numerator and denominator totals ``A``, ``B`` for one weight vector."""
        w = weights[self.rows]
        a = np.bincount(self.cols, w * self.num, minlength=self.k)
        b = None if self.den is None else np.bincount(self.cols, w * self.den, minlength=self.k)
        return a, b

    def estimate(self, weights: np.ndarray) -> np.ndarray:
        """Point estimates for one weight vector."""
        a, b = self.sums(weights)
        if b is None:
            return a
        with np.errstate(invalid="ignore", divide="ignore"):
            return a / b

    def score_values(self, weights: np.ndarray) -> np.ndarray:
        """Linearised score of every entry, ``w (a - theta b) / B``."""
        a, b = self.sums(weights)
        w = weights[self.rows]
        if b is None or self.den is None:
            return w * self.num
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = a / b
            return np.nan_to_num(w * (self.num - theta[self.cols] * self.den) / b[self.cols])


def group_totals(group: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]):
    """Dense ``(groups, k)`` totals of ``values`` by ``(group, col)`` in one bincount."""
    g, k = shape
    flat = np.bincount(group * k + cols, values, minlength=g * k)
    return flat.reshape(g, k)


def _starts(group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(group, minlength=n_groups)
    return counts, np.concatenate(([0], np.cumsum(counts)[:-1]))


def stage_variance(
    totals: np.ndarray,
    group: np.ndarray,
    fraction: np.ndarray | None,
    lonely: str,
    multiplier: np.ndarray | None = None,
) -> np.ndarray:
    """Between-unit variance of unit totals within groups (strata), per output column.

    Parameters
    ----------
    totals
        Unit score totals ``(units, k)``, units sorted by ``group``.
    group
        Group (stratum) of each unit, non-decreasing.
    fraction
        Sampling fraction per group, or ``None`` (with replacement).
    lonely
        Lonely-unit rule (R ``survey.lonely.psu``).
    multiplier
        Extra factor per group (the stage-1 sampling fraction for a stage-2 term).

    Returns
    -------
    numpy.ndarray
        Variance of each column, shape ``(k,)``.
    """
    n_groups = int(group.max()) + 1 if group.size else 0
    counts, starts = _starts(group, n_groups)
    means = np.add.reduceat(totals, starts, axis=0) / counts[:, None]
    lone = counts == 1
    dev = totals - means[group]
    f = np.zeros(n_groups) if fraction is None else np.asarray(fraction, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lone, 1.0 - f, (1.0 - f) * counts / (counts - 1.0))
    scale[f > 1 - SELF_REPRESENTING] = 0.0
    if multiplier is not None:
        scale = scale * multiplier
    if lone.any():
        if lonely == "fail":
            raise InputError(
                _("{n} strata have only one PSU", n=int(lone.sum())),
                hint=_("choose a lonely-PSU rule: --lonely remove|adjust|average"),
            )
        if lonely == "adjust":
            dev[lone[group]] = totals[lone[group]]
        else:
            scale[lone] = 0.0
    v = np.einsum("uk,uk,u->k", dev, dev, scale[group])
    if lonely == "average" and lone.any() and (~lone).any():
        v = v * n_groups / (n_groups - int(lone.sum()))
    return v


def taylor_variance(design: SurveyDesign, linear: Linear) -> np.ndarray:
    """Linearisation variance of every output of ``linear`` under ``design``.

    Calibration residuals (GREG form) replace the scores when the weights were calibrated.
    """
    values = linear.score_values(design.weights)
    rows, cols = linear.rows, linear.cols
    if design.calibrations:
        scores = np.zeros((design.n, linear.k))
        np.add.at(scores, (rows, cols), values)
        for cal in design.calibrations:
            scores = cal.residualize(scores, design.weights)
        rows = np.repeat(np.arange(design.n), linear.k)
        cols = np.tile(np.arange(linear.k), design.n)
        values = scores.ravel()
    psu_tot = group_totals(design.psu[rows], cols, values, (design.n_psu, linear.k))
    v = stage_variance(psu_tot, design.psu_stratum, design.f1, design.lonely)
    if design.f1 is not None and design.ssu is not None:
        v = v + _second_stage(design, rows, cols, values, linear.k)
    return v


def _second_stage(
    design: SurveyDesign, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int
) -> np.ndarray:
    """Within-PSU variance of SSU totals, weighted by the stage-1 sampling fraction."""
    assert design.ssu is not None
    assert design.f1 is not None
    n_ssu = int(design.ssu.max()) + 1
    ssu_psu = np.zeros(n_ssu, dtype=np.int64)
    ssu_psu[design.ssu] = design.psu
    tot = group_totals(design.ssu[rows], cols, values, (n_ssu, k))
    lonely = "remove" if design.lonely == "average" else design.lonely
    f1_psu = design.f1[design.psu_stratum]
    return stage_variance(tot, ssu_psu, design.f2, lonely, multiplier=f1_psu)
