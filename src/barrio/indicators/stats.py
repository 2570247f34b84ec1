"""Rate statistics, vectorised over whole indicator tables.

- :func:`poisson_interval`: exact (Garwood) interval of a Poisson count, as R's ``poisson.test``.
- :func:`rate_change_test`: exact test that two Poisson rates are equal (conditional binomial),
  with R's ``binom.test`` two-sided p-value (what ``poisson.test(c(k1, k2), c(T1, T2))`` gives).
- :func:`empirical_bayes`: Marshall's (1991) global empirical-Bayes smoothing of small-area rates.
- :func:`reliability_flags`: small-numerator and unstable-rate flags.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

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
"""Rows × outcomes evaluated at once by the log-space small-n path (bounds its memory, ~32 MB)."""

_LOG_FACTORIAL = np.asarray(special.gammaln(np.arange(1, SMALL_N + 2, dtype=float)))
"""log(i!) for i = 0 … SMALL_N."""

_REL_ERR = 1.0 + 1e-7
"""R's ``binom.test`` counts an outcome as no more likely than ``x`` within this ratio."""

_CHUNK_ROWS = 1 << 17
"""Rows handled at once (their working arrays, 1 MB each, stay in the CPU cache)."""

_BLOCK_CELLS = 1 << 17
"""Rows × outcomes of one probability matrix (1 MB)."""

_BLOCK_ROWS = 1 << 14
"""Rows of one probability matrix at most (its row vectors stay small)."""

_PMF_FLOOR = 1e-200
"""Below this probability of ``x`` the linear-space sum may lose digits to underflow: such
rows (extreme ``p`` far in the tail) are recomputed in log space."""

_TAILS = SMALL_N + 1
"""Group of the rows that take the two-tail algorithm (more than :data:`SMALL_N` events, or
``p`` outside (0, 1)); group 0 is rows left as they are, group ``m`` tests with ``m`` events."""

_GROUPS = np.arange(_TAILS + 2, dtype=np.uint8)
"""Every group code, and one past the last (the same dtype as the codes: no conversion)."""

_COLUMNS = np.arange(_BLOCK_ROWS)
"""Column offsets of a probability matrix."""


class _Scratch:
    """Working arrays of one call, reused by all its chunks and blocks, carved from one buffer.

    Fresh memory costs a page fault per 4 kB, which here would cost more than the arithmetic:
    the chunk loop allocates only the sort order, and freeing the one large buffer at the end
    raises glibc's thresholds so that later calls do not hand memory back between chunks.
    """

    def __init__(self, rows: int) -> None:
        rows = min(rows, _CHUNK_ROWS)
        eight_byte = 2 * rows + _BLOCK_CELLS + 7 * _BLOCK_ROWS  # int64 and float64 first
        one_byte = 3 * rows + _BLOCK_CELLS + 2 * _BLOCK_ROWS
        buffer = np.empty(8 * eight_byte + one_byte, np.uint8)
        self._free = buffer
        self.n = self._carve(rows, np.int64)
        self.p = self._carve(rows, np.float64)
        self.pmf = self._carve(_BLOCK_CELLS, np.float64)
        self.index = self._carve(2 * _BLOCK_ROWS, np.int64).reshape(2, _BLOCK_ROWS)
        self.vector = self._carve(5 * _BLOCK_ROWS, np.float64).reshape(5, _BLOCK_ROWS)
        self.flag = self._carve(rows, np.bool_)
        self.block_flag = self._carve(2 * _BLOCK_ROWS, np.bool_).reshape(2, _BLOCK_ROWS)
        self.group = self._carve(rows, np.uint8)
        self.ordered_group = self._carve(rows, np.uint8)
        self.keep = self._carve(_BLOCK_CELLS, np.bool_)

    def _carve(self, size: int, dtype: type[np.generic]) -> np.ndarray:
        nbytes = size * np.dtype(dtype).itemsize
        part, self._free = self._free[:nbytes], self._free[nbytes:]
        if len(part) < nbytes:
            raise RuntimeError("stats._Scratch: buffer smaller than its layout")
        return part.view(dtype)


def binom_two_sided(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R's ``binom.test(x, n, p)$p.value``, vectorised.

    Two-sided: the probability of every outcome no more likely than ``x`` (relative tolerance
    1e-7, as R), ``1`` when ``x == n·p``, at most ``1``. Most tests of small areas have few
    events: for ``n`` ≤ :data:`SMALL_N` with ``0 < p < 1`` the probabilities of all outcomes are
    evaluated (rows grouped by ``n``, see :func:`_binom_two_sided_linear`) and the qualifying
    ones summed; other tests use R's two-tail algorithm (:func:`_binom_two_sided_tails`).

    Examples
    --------
    >>> binom_two_sided(np.array([3, 15]), np.array([20, 20]), np.array([0.4, 0.4])).round(6)
    array([0.022427, 0.002136])
    """
    x, n, p = np.broadcast_arrays(
        np.asarray(x, dtype=np.int64), np.asarray(n, dtype=np.int64), np.asarray(p, dtype=float)
    )
    shape = x.shape
    x, n, p = x.ravel(), n.ravel(), p.ravel()
    out = np.ones(x.shape, dtype=float)
    scratch = _Scratch(len(out))
    for lo in range(0, len(out), _CHUNK_ROWS):
        part = slice(lo, lo + _CHUNK_ROWS)
        xc, nc, pc = x[part], n[part], p[part]
        size = len(xc)
        group, inside = scratch.group[:size], scratch.flag[:size]
        np.clip(nc, 0, _TAILS, out=scratch.n[:size])
        np.copyto(group, scratch.n[:size], casting="unsafe")
        np.greater(pc, 0.0, out=inside)
        inside &= pc < 1.0
        np.copyto(group, _TAILS, where=~inside)
        _fill_two_sided(xc, nc, pc, scratch, out[part])
    return out.reshape(shape)


def _fill_two_sided(
    x: np.ndarray, n: np.ndarray, p: np.ndarray, scratch: _Scratch, out: np.ndarray
) -> None:
    """Write :func:`binom_two_sided` into ``out`` for the rows of one chunk not in group 0
    (groups in ``scratch.group``).

    Rows are ordered by group with one counting sort (a stable sort of bytes is a radix sort),
    so that the tests with ``m`` events are one probability matrix per cache-sized block.
    """
    size = len(x)
    group, ordered = scratch.group[:size], scratch.ordered_group[:size]
    if not group.any():
        return
    order = np.argsort(group, kind="stable")
    np.take(group, order, out=ordered, mode="clip")
    starts = np.searchsorted(ordered, _GROUPS).tolist()  # group m is order[starts[m]:starts[m+1]]
    for m in range(1, _TAILS):
        end = starts[m + 1]
        step = min(_BLOCK_ROWS, _BLOCK_CELLS // (m + 1))
        for start in range(starts[m], end, step):
            rows = order[start : min(start + step, end)]
            pv, pmf_x = _binom_two_sided_linear(rows, x, p, m, scratch)
            out[rows] = pv
            if pmf_x.min() < _PMF_FLOOR:
                tiny = rows[pmf_x < _PMF_FLOOR]
                out[tiny] = _binom_two_sided_small(x[tiny], n[tiny], p[tiny])
    if starts[_TAILS] < size:
        rows = order[starts[_TAILS] :]
        out[rows] = _binom_two_sided_tails(x[rows], n[rows], p[rows])


def _binom_two_sided_linear(
    rows: np.ndarray, x: np.ndarray, p: np.ndarray, m: int, scratch: _Scratch
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`binom_two_sided` for the tests ``rows`` with ``m`` events and ``0 < p < 1``,
    summed in linear space.

    A test with p > 1/2 is reflected (``x → m − x``, ``p → 1 − p``, exact), then the
    probabilities of all ``m + 1`` outcomes are ``q^m · C(m, i) · (p/q)^i`` (powers by repeated
    multiplication, exact binomial coefficients, none above 1: no logarithms, exponentials or
    overflow), compared as R does, ``dbinom(i) <= dbinom(x) * (1 + 1e-7)``. Returns views (into
    ``scratch``) of the p-values and of the probabilities of ``x``: the caller recomputes rows
    where that is below :data:`_PMF_FLOOR`.
    """
    g = len(rows)
    k, index = scratch.index[:, :g]
    flip, at_mean = scratch.block_flag[:, :g]
    ratio, high, square, pmf_x, pv = scratch.vector[:, :g]
    pmf = scratch.pmf[: (m + 1) * g].reshape(m + 1, g)
    keep = scratch.keep[: (m + 1) * g].reshape(m + 1, g)
    np.take(x, rows, out=k, mode="clip")
    np.take(p, rows, out=ratio, mode="clip")
    np.multiply(ratio, m, out=high)
    np.equal(k, high, out=at_mean)
    np.greater(ratio, 0.5, out=flip)
    np.subtract(m, k, out=k, where=flip)
    np.subtract(1.0, ratio, out=ratio, where=flip)  # exact: 1 − p is representable if p > 1/2
    np.subtract(1.0, ratio, out=high)
    ratio /= high
    _integer_power(high, m, pmf[0], square)
    for i in range(1, m + 1):
        np.multiply(pmf[i - 1], ratio, out=pmf[i])
    pmf *= _binomial_coefficients(m)
    np.multiply(k, g, out=index)
    index += _COLUMNS[:g]
    np.take(pmf.ravel(), index, out=pmf_x, mode="clip")
    np.multiply(pmf_x, _REL_ERR, out=pv)
    np.less_equal(pmf, pv, out=keep)
    np.einsum("ij,ij->j", pmf, keep, out=pv)
    np.copyto(pv, 1.0, where=at_mean)  # x at the mean: R returns exactly 1
    np.minimum(pv, 1.0, out=pv)
    return pv, pmf_x


def _integer_power(base: np.ndarray, m: int, out: np.ndarray, square: np.ndarray) -> None:
    """``out[:] = base ** m`` for an integer ``m`` ≥ 1 by repeated squaring (a few
    multiplications, within a few ulp of ``pow``); ``square`` is working space."""
    np.copyto(square, base)
    first = True
    while m:
        if m & 1:
            if first:
                np.copyto(out, square)
                first = False
            else:
                out *= square
        m >>= 1
        if m:
            square *= square


@functools.cache
def _binomial_coefficients(m: int) -> np.ndarray:
    """C(m, i) for i = 0 … m as a column (exact integers, rounded once to float)."""
    return np.array([float(math.comb(m, i)) for i in range(m + 1)])[:, None]


def _binom_two_sided_small(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """:func:`binom_two_sided` by summing the pmf over all ``n + 1`` outcomes in log space
    (small ``n``; used where the linear-space sum could underflow)."""
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
    counts). Rows with no events get 1; rows with missing or non-positive populations get NaN.
    Computed in chunks of :data:`_CHUNK_ROWS` rows with no Python loop over rows, so two calls
    can run in parallel threads.

    Examples
    --------
    >>> rate_change_test(np.array([12, 0]), np.array([100.0, 80.0]), np.array([4, 0]),
    ...                  np.array([100.0, 90.0])).round(6)
    array([0.076813, 1.      ])
    """
    k1 = np.asarray(k_now, dtype=np.int64)
    shape = k1.shape
    k1 = k1.ravel()
    k2 = np.asarray(k_before, dtype=np.int64).ravel()
    e1 = np.asarray(pop_now, dtype=float).ravel()
    e2 = np.asarray(pop_before, dtype=float).ravel()
    out = np.ones(k1.shape, dtype=float)
    scratch = _Scratch(len(out))
    for lo in range(0, len(out), _CHUNK_ROWS):
        part = slice(lo, lo + _CHUNK_ROWS)
        x, a, b, o = k1[part], e1[part], e2[part], out[part]
        size = len(x)
        n, p, usual = scratch.n[:size], scratch.p[:size], scratch.flag[:size]
        np.add(x, k2[part], out=n)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.add(a, b, out=p)
            np.divide(a, p, out=p)
        # p strictly inside (0, 1) and pop_now > 0 imply finite positive populations
        np.greater(p, 0.0, out=usual)
        usual &= p < 1.0
        usual &= a > 0.0
        usual &= n >= 0
        group = scratch.group[:size]
        np.minimum(n, _TAILS, out=group, casting="unsafe")
        group *= usual
        _fill_two_sided(x, n, p, scratch, o)
        if not usual.all():
            rows = np.flatnonzero(~usual)
            o[rows] = _rate_change_general(x[rows], a[rows], k2[part][rows], b[rows])
    return out.reshape(shape)


def _rate_change_general(
    k1: np.ndarray,
    e1: np.ndarray,
    k2: np.ndarray,
    e2: np.ndarray,
    binom: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """:func:`rate_change_test` for any rows (missing populations, extreme ratios, …), with
    ``binom`` as the binomial test (default :func:`binom_two_sided`; the benchmark passes the
    previous implementation)."""
    out = np.full(k1.shape, np.nan)
    ok = np.isfinite(e1) & np.isfinite(e2) & (e1 > 0) & (e2 > 0)
    total = k1 + k2
    out[ok & (total == 0)] = 1.0
    test = ok & (total > 0)
    if test.any():
        out[test] = (binom or binom_two_sided)(
            k1[test], total[test], e1[test] / (e1[test] + e2[test])
        )
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
