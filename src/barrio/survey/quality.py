"""One result object per estimate: interval, CV, design effect and a precision flag.

Precision bands follow INEGI's practice for its surveys (coefficient of variation ``CV < 15 %``
high, ``15–30 %`` moderate, ``>= 30 %`` low); INE Chile / CEPAL add sample-size rules
(unweighted ``n >= 60`` and degrees of freedom ``>= 9``), which downgrade an estimate to low.
Estimates are flagged, never hidden.

Proportion intervals: logit (R ``svyciprop(method="logit")``) or Korn & Graubard (1998) beta
interval with the effective sample size corrected for design degrees of freedom (R
``svyciprop(method="beta")``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

CV_HIGH = 15.0
CV_MODERATE = 30.0
MIN_N = 60
MIN_DF = 9
CI_METHODS = ("wald", "logit", "beta")


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate with its precision.

    Attributes
    ----------
    statistic, variable
        What was estimated (``mean``, ``total``, ``proportion``, ``ratio``, ``quantile``).
    domain
        Domain labels, e.g. ``{"state": "09"}``; empty for the whole population.
    level
        Category (proportions, category totals) or quantile probability.
    estimate, se, ci_low, ci_high
        Point estimate, standard error and confidence interval.
    cv
        Coefficient of variation in percent, ``100 se / |estimate|``.
    deff
        Design effect (variance over SRS variance), when requested.
    n
        Unweighted number of respondents contributing (domain members with a value).
    df
        Degrees of freedom used for the interval.
    quality, quality_notes
        ``high`` / ``moderate`` / ``low`` and the rules that set it.
    """

    statistic: str
    variable: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    cv: float
    n: int
    df: int
    quality: str
    domain: dict[str, Any] = field(default_factory=dict)
    level: str | None = None
    deff: float | None = None
    quality_notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready apart from NaN handling by the caller)."""
        out = asdict(self)
        out["quality_notes"] = list(self.quality_notes)
        return out


def coefficient_of_variation(estimate: float, se: float) -> float:
    """CV in percent; NaN when the estimate is zero."""
    return float(100 * se / abs(estimate)) if estimate else float("nan")


def quality_flag(cv: float, n: int, df: int) -> tuple[str, tuple[str, ...]]:
    """INEGI CV bands, downgraded to ``low`` when ``n < 60`` or ``df < 9``."""
    notes = []
    if not np.isfinite(cv) or cv >= CV_MODERATE:
        flag = "low"
        notes.append("cv>=30")
    elif cv >= CV_HIGH:
        flag = "moderate"
        notes.append("15<=cv<30")
    else:
        flag = "high"
    if n < MIN_N:
        flag = "low"
        notes.append("n<60")
    if df < MIN_DF:
        flag = "low"
        notes.append("df<9")
    return flag, tuple(notes)


@lru_cache(maxsize=256)
def t_quantile(level: float, df: float) -> float:
    """Two-sided critical value of Student's t (normal when ``df`` is infinite)."""
    return (
        float(stats.t.ppf(0.5 + level / 2, df))
        if np.isfinite(df)
        else float(stats.norm.ppf(0.5 + level / 2))
    )


def wald_interval(est: float, se: float, level: float, df: float) -> tuple[float, float]:
    """``est +- t se``."""
    t = t_quantile(level, df)
    return est - t * se, est + t * se


def logit_interval(p: float, se: float, level: float, df: float) -> tuple[float, float]:
    """Interval on the logit scale, back-transformed (stays inside ``[0, 1]``)."""
    if p <= 0 or p >= 1:
        return float(p), float(p)
    t = t_quantile(level, df)
    half = t * se / (p * (1 - p))
    logit = np.log(p / (1 - p))
    lo, hi = 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))
    return float(lo), float(hi)


def korn_graubard_interval(
    p: float, se: float, level: float, df: float, n: int
) -> tuple[float, float]:
    """Korn–Graubard beta interval with the df-adjusted effective sample size."""
    if se <= 0 or n < 2:
        return float(p), float(p)
    alpha = 1 - level
    n_eff = p * (1 - p) / se**2
    if np.isfinite(df) and df > 0:
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1) if p > 0 else 0.0
    hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)) if p < 1 else 1.0
    return float(lo), float(hi)


def interval(
    est: float, se: float, *, level: float, df: float, method: str, n: int
) -> tuple[float, float]:
    """Confidence interval by ``method`` (``wald``, ``logit``, ``beta``)."""
    if not (np.isfinite(est) and np.isfinite(se)):
        return float("nan"), float("nan")
    if method == "logit":
        return logit_interval(est, se, level, df)
    if method == "beta":
        return korn_graubard_interval(est, se, level, df, n)
    return wald_interval(est, se, level, df)
