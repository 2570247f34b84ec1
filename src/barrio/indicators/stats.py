"""Rate statistics, vectorised over whole indicator tables.

- :func:`poisson_interval`: exact (Garwood) interval of a Poisson count, as R's ``poisson.test``.
- :func:`rate_change_test`: exact test that two Poisson rates are equal (conditional binomial),
  with R's ``binom.test`` two-sided p-value (what ``poisson.test(c(k1, k2), c(T1, T2))`` gives).
- :func:`empirical_bayes`: Marshall's (1991) global empirical-Bayes smoothing of small-area rates.
- :func:`reliability_flags`: small-numerator and unstable-rate flags.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

SMALL_NUMERATOR = 10
"""Numerators below this are flagged ``small``: too few events to publish a rate alone."""

UNSTABLE_NUMERATOR = 20
"""Numerators below this are flagged ``unstable`` (relative standard error above 22.4%, the
NCHS/CDC rule: rates based on fewer than 20 events are unreliable)."""


def poisson_interval(k: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided interval for the mean of a Poisson count ``k`` (vectorised).

    lower = χ²(α/2; 2k)/2 (0 when k = 0), upper = χ²(1−α/2; 2k+2)/2. Distinct counts are few,
    so the quantiles are computed once per distinct value.
    """
    k = np.asarray(k, dtype=np.int64)
    alpha = 1.0 - confidence
    values, inverse = np.unique(k, return_inverse=True)
    lower = np.where(values > 0, stats.chi2.ppf(alpha / 2, 2 * values) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * values + 2) / 2
    return lower[inverse].reshape(k.shape), upper[inverse].reshape(k.shape)


def _log_pmf(i: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.asarray(stats.binom.logpmf(i, n, p), dtype=float)


SMALL_N = 128
"""Tests with at most this many events in all are summed outcome by outcome (fast, exact)."""

_CELLS = 1 << 22
"""Rows × outcomes evaluated at once by the small-n path (bounds its memory, ~32 MB)."""

_LOG_FACTORIAL = np.asarray(special.gammaln(np.arange(1, SMALL_N + 2, dtype=float)))
"""log(i!) for i = 0 … SMALL_N."""


def binom_two_sided(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R's ``binom.test(x, n, p)$p.value``, vectorised.

    Two-sided: the probability of every outcome no more likely than ``x`` (relative tolerance
    1e-7, as R). Most tests of small areas have few events: for ``n`` ≤ :data:`SMALL_N` with
    ``0 < p < 1`` every outcome's probability is evaluated (one matrix per distinct ``n``) and
    the qualifying ones summed; larger tests use :func:`_binom_two_sided_tails`.
    """
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    small = (n <= SMALL_N) & (n > 0) & (p > 0.0) & (p < 1.0)
    if small.all():
        return _binom_two_sided_small(x, n, p)
    out = np.empty(x.shape, dtype=float)
    out[small] = _binom_two_sided_small(x[small], n[small], p[small])
    out[~small] = _binom_two_sided_tails(x[~small], n[~small], p[~small])
    return out


def _binom_two_sided_small(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """:func:`binom_two_sided` by summing the pmf over all ``n + 1`` outcomes (small ``n``)."""
    out = np.ones(x.shape, dtype=float)
    order = np.argsort(n, kind="stable")
    sorted_n = n[order]
    starts = np.flatnonzero(np.r_[True, sorted_n[1:] != sorted_n[:-1]])
    ends = np.r_[starts[1:], len(sorted_n)]
    tolerance = np.log1p(1e-7)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        size = int(sorted_n[start])
        step = max(1, _CELLS // (size + 1))
        i = np.arange(size + 1)
        log_choose = _LOG_FACTORIAL[size] - _LOG_FACTORIAL[i] - _LOG_FACTORIAL[size - i]
        for lo in range(start, end, step):
            rows = order[lo : min(end, lo + step)]
            pr = p[rows]
            log_pmf = log_choose + np.log(pr)[:, None] * i + np.log1p(-pr)[:, None] * (size - i)
            xr = x[rows]
            log_d = log_pmf[np.arange(len(rows)), xr] + tolerance
            keep = log_pmf <= log_d[:, None]
            pv = np.where(keep, np.exp(log_pmf), 0.0).sum(axis=1)
            # x equal to the mean: R returns exactly 1
            pv = np.where(xr == size * pr, 1.0, pv)
            out[rows] = np.minimum(1.0, pv)
    return out


def _binom_two_sided_tails(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """:func:`binom_two_sided` as R computes it: the boundary on the far side of the mean is
    found by bisection on the monotone tail of the pmf (all rows at once), then two tails."""
    out = np.ones(x.shape, dtype=float)
    mean = n * p
    log_d = _log_pmf(x, n, p) + np.log1p(1e-7)
    below = (x < mean) & (n > 0)
    above = (x > mean) & (n > 0)
    if below.any():
        xb, nb, pb, ld = x[below], n[below], p[below], log_d[below]
        # smallest i in [ceil(m), n] with pmf(i) <= d(x); the pmf falls over that range
        lo = np.ceil(mean[below]).astype(np.int64)
        hi = nb + 1  # sentinel: none found
        lo_s, hi_s = lo.copy(), hi.copy()
        while True:
            active = lo_s < hi_s
            if not active.any():
                break
            mid = (lo_s + hi_s) // 2
            ok = _log_pmf(np.minimum(mid, nb), nb, pb) <= ld
            ok &= mid <= nb
            hi_s = np.where(active & ok, mid, hi_s)
            lo_s = np.where(active & ~ok, mid + 1, lo_s)
        y = nb - lo_s + 1  # count of i in [lo_s, n]
        pv = stats.binom.cdf(xb, nb, pb) + stats.binom.sf(nb - y, nb, pb)
        out[below] = np.minimum(1.0, pv)
    if above.any():
        xa, na, pa, ld = x[above], n[above], p[above], log_d[above]
        # largest i in [0, floor(m)] with pmf(i) <= d(x); the pmf rises over that range
        lo_s = np.full(xa.shape, -1, dtype=np.int64)  # sentinel: none found
        hi_s = np.floor(mean[above]).astype(np.int64)
        while True:
            active = lo_s < hi_s
            if not active.any():
                break
            mid = (lo_s + hi_s + 1) // 2
            ok = _log_pmf(np.maximum(mid, 0), na, pa) <= ld
            lo_s = np.where(active & ok, mid, lo_s)
            hi_s = np.where(active & ~ok, mid - 1, hi_s)
        y = lo_s + 1  # count of i in [0, lo_s]
        pv = stats.binom.cdf(y - 1, na, pa) + stats.binom.sf(xa - 1, na, pa)
        out[above] = np.minimum(1.0, pv)
    return out


def rate_change_test(
    k_now: np.ndarray, pop_now: np.ndarray, k_before: np.ndarray, pop_before: np.ndarray
) -> np.ndarray:
    """p-value of the exact test that two Poisson rates are equal.

    Conditional on the total ``k_now + k_before``, ``k_now`` is binomial with
    ``p = pop_now / (pop_now + pop_before)`` under equal rates (R's ``poisson.test`` with two
    counts). Rows with no events or missing populations get NaN.
    """
    k1 = np.asarray(k_now, dtype=np.int64)
    k2 = np.asarray(k_before, dtype=np.int64)
    e1 = np.asarray(pop_now, dtype=float)
    e2 = np.asarray(pop_before, dtype=float)
    out = np.full(k1.shape, np.nan)
    ok = np.isfinite(e1) & np.isfinite(e2) & (e1 > 0) & (e2 > 0)
    total = k1 + k2
    out[ok & (total == 0)] = 1.0
    test = ok & (total > 0)
    if test.any():
        out[test] = binom_two_sided(k1[test], total[test], e1[test] / (e1[test] + e2[test]))
    return out


def empirical_bayes(
    events: np.ndarray, population: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """Marshall's global empirical-Bayes rates (events per person), within each group.

    Shrinks each area's crude rate r_i towards the group's pooled rate m by the weight
    w_i = A / (A + m / n_i), where A = Σ n_i (r_i − m)² / Σ n_i − m / n̄ is the between-area
    variance (set to 0 when negative, as Marshall does; PySAL's ``Empirical_Bayes`` leaves it
    negative). Areas without population get NaN.
    """
    e = np.asarray(events, dtype=float)
    b = np.asarray(population, dtype=float)
    g = np.zeros(e.shape, dtype=np.int64) if groups is None else np.asarray(groups)
    valid = np.isfinite(b) & (b > 0)
    out = np.full(e.shape, np.nan)
    if not valid.any():
        return out
    gv, ev, bv = g[valid], e[valid], b[valid]
    size = int(gv.max()) + 1
    e_sum = np.bincount(gv, ev, size)
    b_sum = np.bincount(gv, bv, size)
    count = np.bincount(gv, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = e_sum / b_sum
        rate = ev / bv
        spread = np.bincount(gv, bv * (rate - m[gv]) ** 2, size) / b_sum
        between = np.maximum(spread - m / (b_sum / count), 0.0)
        weight = between[gv] / (between[gv] + m[gv] / bv)
        weight = np.where(np.isfinite(weight), weight, 0.0)
    out[valid] = weight * rate + (1.0 - weight) * m[gv]
    return out


def reliability_flags(numerator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(small, unstable) boolean flags for each numerator (see the module constants)."""
    k = np.asarray(numerator)
    return k < SMALL_NUMERATOR, k < UNSTABLE_NUMERATOR


__all__ = [
    "SMALL_NUMERATOR",
    "UNSTABLE_NUMERATOR",
    "binom_two_sided",
    "empirical_bayes",
    "poisson_interval",
    "rate_change_test",
    "reliability_flags",
]
