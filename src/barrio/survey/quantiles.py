"""Design-based quantiles with Woodruff (1952) confidence intervals.

The quantile is the inverse of the weighted empirical distribution function (R ``qrule="math"``,
Hyndman–Fan type 1): the smallest value whose cumulative weight share reaches ``p``. Woodruff's
interval estimates ``p_hat = F_hat(q_hat)`` with its design-based standard error (the mean of the
indicator ``y <= q_hat``, Taylor or replicate), forms ``p_hat +- t se`` and maps the ends back
through the quantile function; the reported SE is ``(upper - lower) / (2 t)`` (Lumley 2010,
sec. 2.4; R ``svyquantile(interval.type="mean")``). All domains and probabilities share one
variance pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from barrio.survey.design import SurveyDesign
from barrio.survey.estimators import Domains, numeric, variance
from barrio.survey.linearization import Linear
from barrio.survey.quality import Estimate, coefficient_of_variation, quality_flag, t_quantile


def weighted_quantile(x_sorted: np.ndarray, cumw: np.ndarray, p: float) -> float:
    """R's ``qrule_math`` on values sorted ascending with cumulative weights ``cumw``."""
    if x_sorted.size == 0 or not np.isfinite(p) or p < 0 or p > 1:
        return float("nan")
    total = cumw[-1]
    pos = int(np.searchsorted(cumw, p * total, side="right")) - 1
    pos = max(pos, 0)
    if p - cumw[pos] / total == 0:
        return float(x_sorted[pos])
    return float(x_sorted[min(pos + 1, x_sorted.size - 1)])


def _sorted_domain(x: np.ndarray, w: np.ndarray, rows: np.ndarray):
    keep = rows[w[rows] > 0]
    order = np.argsort(x[keep], kind="stable")
    return x[keep][order], np.cumsum(w[keep][order])


def quantile_estimates(
    design: SurveyDesign,
    variable: str,
    dom: Domains,
    quantiles: Sequence[float],
    *,
    level: float = 0.95,
    df: float | None = None,
) -> list[Estimate]:
    """Quantiles of ``variable`` with Woodruff intervals for every domain."""
    x = numeric(design, variable)
    ok = (dom.codes >= 0) & np.isfinite(x)
    qs = list(quantiles)
    n_q = len(qs)
    by_dom = [np.flatnonzero(ok & (dom.codes == g)) for g in range(dom.size)]
    sorted_dom = [_sorted_domain(x, design.weights, rows) for rows in by_dom]
    qhat = np.array([[weighted_quantile(xs, cw, p) for p in qs] for xs, cw in sorted_dom])
    rows = np.flatnonzero(ok)
    rep_rows = np.repeat(rows, n_q)
    q_idx = np.tile(np.arange(n_q), rows.size)
    cols = dom.codes[rep_rows] * n_q + q_idx
    below = (x[rep_rows] <= qhat.ravel()[cols]).astype(float)
    lin = Linear(rep_rows, cols, below, np.ones(rep_rows.size), dom.size * n_q)
    p_hat = lin.estimate(design.weights)
    se_p = np.sqrt(np.maximum(variance(design, lin, p_hat), 0))
    use_df = float(design.df if df is None else df)
    t = t_quantile(level, use_df)
    out = []
    for k in range(lin.k):
        g, j = divmod(k, n_q)
        xs, cw = sorted_dom[g]
        lo_p, hi_p = p_hat[k] - t * se_p[k], p_hat[k] + t * se_p[k]
        lo = weighted_quantile(xs, cw, lo_p) if lo_p >= 0 else float("nan")
        hi = weighted_quantile(xs, cw, hi_p) if hi_p <= 1 else float("nan")
        se = (hi - lo) / (2 * t)
        est = float(qhat[g, j])
        cv = coefficient_of_variation(est, se)
        n = int(by_dom[g].size)
        flag, notes = quality_flag(cv, n, int(use_df))
        out.append(
            Estimate(
                statistic="quantile",
                variable=variable,
                estimate=est,
                se=float(se),
                ci_low=lo,
                ci_high=hi,
                cv=cv,
                n=n,
                df=int(use_df),
                quality=flag,
                domain=dom.labels[g],
                level=f"{qs[j]:g}",
                quality_notes=notes,
            )
        )
    return out
