"""Design-based totals, means, proportions and ratios for the population and all domains at once.

Each statistic is a ratio of weighted sums (see :mod:`barrio.survey.linearization`):

* total ``Y = sum w y``; mean ``Y / N``; ratio ``Y / X``; proportion of category ``c``
  ``sum w 1[y = c] / N`` (R ``svytotal``, ``svymean``, ``svyratio``, ``svyby``).

Domains (``by``) and missing values are handled as domains of the full design: a row outside the
domain, or with a missing value, gets zero weight but its PSU still counts (Lumley 2010, sec. 2.3).
Missing values in ``by`` variables form their own domain, so nothing is dropped silently.
Variance is Taylor linearisation, or replicate weights when the design carries them. Design
effects compare with simple random sampling without (``deff=True``) or with (``"replace"``)
replacement, using the design-weighted population variance (Kish 1965; R ``svymean(deff=)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.survey.design import SurveyDesign
from barrio.survey.linearization import Linear, taylor_variance
from barrio.survey.quality import (
    CI_METHODS,
    Estimate,
    coefficient_of_variation,
    interval,
    quality_flag,
)

STATISTICS = ("mean", "total", "proportion", "ratio", "quantile")


@dataclass(frozen=True)
class Domains:
    """Domain code of each row (``-1``: excluded) and the labels of each domain."""

    codes: np.ndarray
    labels: list[dict[str, Any]]

    @property
    def size(self) -> int:
        """Number of domains."""
        return len(self.labels)


def domains(design: SurveyDesign, by: Sequence[str] | None, where: np.ndarray | None = None):
    """Domains from the cross-classification of ``by`` columns (missing values kept as a level).

    ``where`` restricts to a subpopulation (rows outside get code ``-1``), like R ``subset``.
    """
    n = design.n
    if not by:
        codes = np.zeros(n, dtype=np.int64)
        labels: list[dict[str, Any]] = [{}]
    else:
        parts = [pd.factorize(design.column(b), sort=True, use_na_sentinel=False) for b in by]
        dims = tuple(len(u) for _, u in parts)
        combined = np.ravel_multi_index([np.asarray(c) for c, _ in parts], dims)
        codes_c, present = pd.factorize(combined, sort=True)
        codes = np.asarray(codes_c, dtype=np.int64)
        index = np.unravel_index(np.asarray(present), dims)
        labels = [
            {b: _plain(parts[j][1][index[j][i]]) for j, b in enumerate(by)}
            for i in range(len(present))
        ]
    if where is not None:
        codes = np.where(np.asarray(where, dtype=bool), codes, -1)
    return Domains(codes, labels)


def _plain(value: object) -> object:
    """Python scalar from a numpy scalar, ``None`` for missing (JSON-ready labels)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def numeric(design: SurveyDesign, name: str) -> np.ndarray:
    """A numeric column as float (NaN for missing); error if it holds text."""
    col = design.column(name)
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna() & col.notna()
    if bad.any():
        raise InputError(
            _(
                "column {name} is not numeric (e.g. {value})",
                name=repr(name),
                value=repr(col[bad].iloc[0]),
            ),
            hint=_("use --stat proportion for a categorical variable"),
            column=name,
        )
    return values.to_numpy(dtype=float)


def numeric_like(col: pd.Series) -> bool:
    """True for numbers, and for text that is entirely numeric (CSV read as text)."""
    if pd.api.types.is_numeric_dtype(col):
        return True
    values = pd.to_numeric(col, errors="coerce")
    return bool(values.notna().sum()) and not (values.isna() & col.notna()).any()


def mean_linear(y: np.ndarray, dom: Domains, den: np.ndarray | None = None, total=False) -> Linear:
    """Entries of a mean (``den=None``), a ratio (``den`` given) or a total, per domain."""
    ok = (dom.codes >= 0) & np.isfinite(y)
    if den is not None:
        ok &= np.isfinite(den)
    rows = np.flatnonzero(ok)
    d = None if total else (np.ones(rows.size) if den is None else den[rows])
    return Linear(rows, dom.codes[rows], y[rows], d, dom.size)


def category_linear(
    labels: pd.Series, dom: Domains, total: bool = False
) -> tuple[Linear, list[str]]:
    """Entries of the proportion (or total) of every category of ``labels`` per domain."""
    cats, uniques = pd.factorize(labels.astype(object).where(labels.notna(), None), sort=True)
    levels = [str(u) for u in uniques]
    n_cat = len(levels)
    ok = (dom.codes >= 0) & (cats >= 0)
    rows = np.flatnonzero(ok)
    rep_rows = np.repeat(rows, n_cat)
    cat_idx = np.tile(np.arange(n_cat), rows.size)
    num = (cats[rep_rows] == cat_idx).astype(float)
    cols = dom.codes[rep_rows] * n_cat + cat_idx
    if total:
        keep = num > 0
        return Linear(rep_rows[keep], cols[keep], num[keep], None, dom.size * n_cat), levels
    return Linear(rep_rows, cols, num, np.ones(rep_rows.size), dom.size * n_cat), levels


def variance(design: SurveyDesign, linear: Linear, est: np.ndarray) -> np.ndarray:
    """Taylor or replicate variance of every output."""
    if design.replicates is None:
        return taylor_variance(design, linear)
    reps = design.replicates.estimates(design, linear)
    return design.replicates.variance(reps, est)


def srs_variance(
    design: SurveyDesign, linear: Linear, est: np.ndarray, kind: str | bool
) -> np.ndarray:
    """Variance under simple random sampling of the same size (R ``deff=TRUE|"replace"``)."""
    w = design.weights[linear.rows]
    k = linear.k
    nobs = np.bincount(linear.cols, (w > 0).astype(float), minlength=k)
    npop = np.bincount(linear.cols, w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(linear.cols, w * linear.num, minlength=k) / npop
        dev2 = (linear.num - mean[linear.cols]) ** 2
        s2 = np.bincount(linear.cols, w * dev2, minlength=k) / npop * nobs / (nobs - 1)
        v = s2 / nobs
        if kind != "replace":
            v = v * np.clip((npop - nobs) / npop, 0, None)
        return v * npop**2 if linear.den is None else v


def contributors(
    design: SurveyDesign, linear: Linear, per: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted respondents and degrees of freedom (PSUs minus strata) per domain.

    A respondent contributes to a ratio when its numerator or denominator is non-zero (for a
    concentration ratio, the victims); to a mean or total whenever it has a value.
    """
    keep = np.ones(linear.rows.size, dtype=bool)
    if linear.den is not None:
        keep = (linear.den != 0) | (linear.num != 0)
    rows, out = linear.rows[keep], linear.cols[keep] // per
    n_out = np.bincount(out, minlength=size)
    if per > 1 and linear.den is not None:
        n_out = n_out // per  # a proportion has one entry per category and respondent
    n_psu = _distinct(out, design.psu[rows], size, design.n_psu)
    n_str = _distinct(out, design.strata[rows], size, design.n_strata)
    return n_out, n_psu - n_str


def _distinct(group: np.ndarray, unit: np.ndarray, size: int, n_units: int) -> np.ndarray:
    """Number of distinct units per group (bincount table, or unique when it would be large)."""
    key = group.astype(np.int64) * n_units + unit
    if size * n_units <= 20_000_000:
        seen = np.bincount(key, minlength=size * n_units).reshape(size, n_units) > 0
        return seen.sum(axis=1)
    return np.bincount(np.unique(key) // n_units, minlength=size)


def assemble(
    design: SurveyDesign,
    linear: Linear,
    *,
    statistic: str,
    variable: str,
    dom: Domains,
    levels: list[str] | None = None,
    level: float = 0.95,
    deff: bool | str = False,
    ci: str = "wald",
    df: float | None = None,
) -> list[Estimate]:
    """Estimates, variances and quality for every output of ``linear``."""
    if ci not in CI_METHODS:
        raise ConfigError(
            _("unknown interval method {ci}", ci=repr(ci)), hint=_("use one of: wald, logit, beta")
        )
    est = linear.estimate(design.weights)
    var = variance(design, linear, est)
    vsrs = srs_variance(design, linear, est, deff) if deff else None
    per = len(levels) if levels else 1
    n_out, dom_df = contributors(design, linear, per, dom.size)
    use_df = float(design.df if df is None else df)
    results = []
    for k in range(linear.k):
        g, c = divmod(k, per)
        se = float(np.sqrt(max(var[k], 0.0)))
        e = float(est[k])
        lo, hi = interval(e, se, level=level, df=use_df, method=ci, n=int(n_out[g]))
        cv = coefficient_of_variation(e, se)
        flag, notes = quality_flag(cv, int(n_out[g]), int(dom_df[g]))
        results.append(
            Estimate(
                statistic=statistic,
                variable=variable,
                estimate=e,
                se=se,
                ci_low=lo,
                ci_high=hi,
                cv=cv,
                n=int(n_out[g]),
                df=int(use_df) if np.isfinite(use_df) else -1,
                quality=flag,
                domain=dom.labels[g],
                level=levels[c] if levels else None,
                deff=None if vsrs is None else float(var[k] / vsrs[k]),
                quality_notes=notes,
            )
        )
    return results


def estimate(
    design: SurveyDesign,
    statistic: str,
    variable: str,
    *,
    denominator: str | None = None,
    by: Sequence[str] | None = None,
    where: np.ndarray | None = None,
    quantiles: Sequence[float] = (0.5,),
    level: float = 0.95,
    deff: bool | str = False,
    ci: str | None = None,
    df: float | None = None,
) -> list[Estimate]:
    """Estimate ``statistic`` of ``variable`` for the population or each domain of ``by``.

    Parameters
    ----------
    design
        The sample design (see :func:`barrio.survey.design.svydesign`).
    statistic
        ``mean``, ``total``, ``proportion``, ``ratio`` or ``quantile``. A ``total`` or ``mean``
        of a text column gives category totals or proportions.
    variable, denominator
        Analysis column (and the ratio's denominator column).
    by, where
        Domain columns, and an optional boolean subpopulation mask.
    quantiles
        Probabilities for ``quantile`` (Woodruff intervals).
    level
        Confidence level.
    deff
        ``True`` (SRS without replacement) or ``"replace"``.
    ci
        ``wald``, ``logit`` or ``beta`` (Korn–Graubard); proportions default to ``logit``.
    df
        Degrees of freedom for intervals (default: the design's).

    Returns
    -------
    list of Estimate

    Examples
    --------
    >>> import pandas as pd
    >>> from barrio.survey.design import svydesign
    >>> d = svydesign(pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1, 1, 1]}), weights="w")
    >>> round(estimate(d, "mean", "y")[0].estimate, 2)
    2.5
    """
    if statistic not in STATISTICS:
        raise ConfigError(
            _("unknown statistic {statistic}", statistic=repr(statistic)),
            hint=_("use one of: {choices}", choices=", ".join(STATISTICS)),
        )
    dom = domains(design, by, where)
    common: dict[str, Any] = {"dom": dom, "level": level, "deff": deff, "df": df}
    if statistic == "quantile":
        from barrio.survey.quantiles import quantile_estimates

        return quantile_estimates(design, variable, dom, quantiles, level=level, df=df)
    if statistic == "ratio":
        if denominator is None:
            raise ConfigError(_("a ratio needs --denominator"), hint=_("e.g. --denominator enroll"))
        lin = mean_linear(numeric(design, variable), dom, numeric(design, denominator))
        name = f"{variable}/{denominator}"
        return assemble(design, lin, statistic="ratio", variable=name, ci=ci or "wald", **common)
    col = design.column(variable)
    categorical = statistic == "proportion" or not numeric_like(col)
    if categorical:
        total = statistic == "total"
        lin, levels = category_linear(col, dom, total=total)
        stat = "total" if total else "proportion"
        method = ci or ("wald" if total else "logit")
        return assemble(design, lin, statistic=stat, variable=variable, levels=levels, ci=method,
                        **common)  # fmt: skip
    lin = mean_linear(numeric(design, variable), dom, total=statistic == "total")
    return assemble(design, lin, statistic=statistic, variable=variable, ci=ci or "wald", **common)
