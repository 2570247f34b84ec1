"""Compiled loops (Numba) for the hot spots of the indicator table at national size.

The table has one row per existing cell of a dense (area, period, sex, age group) array (see
:mod:`barrio.indicators.cells`). :func:`scatter` counts a block's records into the arrays of
every indicator in one pass (the population lines are drawn by
:func:`barrio.indicators.lines.fill_lines`); :func:`finish` turns each existing cell into a
finished row. Finishing a row takes some twenty small steps (gathers, the rate and its
interval, flags, two comparisons, two exact tests); as numpy expressions each step was a pass
over memory with its own temporaries, several times slower than the counting. :func:`finish`
does every step for a row in one pass, over the areas in parallel, without the GIL.

The exact test is R's ``binom.test`` (two-sided, relative tolerance 1e-7), as in
:func:`barrio.indicators.stats.binom_two_sided`: for tests with at most :data:`SMALL_N` events
the probabilities are built by the recurrence pmf(i + 1) = pmf(i) · (n − i) / (i + 1) · p / q
and summed exactly as R sums them (one event in all: a closed form). Larger tests, and tests
with p outside [0.01, 0.99] (never for two nearby periods of one population; there the
recurrence's rounding would grow beyond 1e-12 in the far tail), are left NaN with ``retest``
set, and the caller computes them with ``stats.rate_change_test``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

Arrays = list[np.ndarray]

SMALL_N = 128
"""Tests with more events than this go to :func:`barrio.indicators.stats.rate_change_test`."""

_INVERSE = 1.0 / np.arange(1, SMALL_N + 2, dtype=np.float64)
"""1 / (i + 1) for the recurrence (a division on the critical path costs five multiplies)."""

REL_ERR = 1.0 + 1e-7
"""R's ``relErr``: outcomes within this factor of the observed one count as no more likely."""


@njit(cache=True, nogil=True)
def binom_two_sided_small(
    x: Any, n: Any, p: float, pmf: np.ndarray
) -> float:  # pragma: no cover - compiled
    """R's ``binom.test(x, n, p)$p.value`` for 0 < n ≤ SMALL_N and 0.01 ≤ p ≤ 0.99 (else NaN).

    ``pmf`` is scratch space of at least SMALL_N + 1 floats (no allocation per test).
    """
    q = 1.0 - p
    if n > SMALL_N or not 0.01 <= p <= 0.99:
        return math.nan  # the recurrence loses digits in far tails when p / q is extreme
    if n == 1:  # the commonest test in small areas: pmf = (q, p)
        mine, other = (p, q) if x == 1 else (q, p)
        return min(1.0, mine + other) if other <= mine * REL_ERR else mine
    first = q**n
    pmf[0] = first
    ratio = p / q
    for i in range(n):  # the factors do not depend on the chain: one multiply per step waits
        pmf[i + 1] = pmf[i] * ((n - i) * _INVERSE[i] * ratio)
    d = pmf[x] * REL_ERR
    m = n * p
    if x == m:
        return 1.0
    total = 0.0
    if x < m:
        for i in range(x + 1):
            total += pmf[i]
        # far side: outcomes from ceil(m) up whose probability is at most d
        y = 0
        for i in range(math.ceil(m), n + 1):
            if pmf[i] <= d:
                y += 1
        for i in range(n - y + 1, n + 1):
            total += pmf[i]
    else:
        for i in range(x, n + 1):
            total += pmf[i]
        y = 0
        for i in range(math.floor(m) + 1):
            if pmf[i] <= d:
                y += 1
        for i in range(y):
            total += pmf[i]
    return min(1.0, total)


@njit(cache=True, nogil=True)
def _rate_test(
    k: Any, e1: float, k0: Any, e2: float, pmf: np.ndarray
) -> float:  # pragma: no cover - compiled
    n = k + k0
    if n == 0:
        return 1.0
    return binom_two_sided_small(k, n, e1 / (e1 + e2), pmf)


@njit(cache=True, nogil=True, inline="always")
def _row(
    x: np.ndarray,
    pop: np.ndarray,
    method: np.ndarray,
    eb: np.ndarray,
    f: int,
    t: int,
    r: int,
    cells: int,
    per_year: int,
    mult: float,
    smooth: bool,
    lower_table: np.ndarray,
    upper_table: np.ndarray,
    numerator: np.ndarray,
    methods: np.ndarray,
    floats: Arrays,
    valid: Arrays,
    retest: Arrays,
    pmf: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Fill output row ``r`` from dense cell ``f`` (period ``t``); see :func:`finish`."""
    k = x[f]
    ki = np.int64(k)
    numerator[r] = ki
    methods[r] = method[f]
    p = pop[f]
    has = p > 0.0
    value = math.nan
    if has:
        value = k / p * mult
        floats[0][r] = p
        floats[1][r] = value
        if ki < lower_table.shape[0]:
            floats[2][r] = lower_table[ki] / p * mult
            floats[3][r] = upper_table[ki] / p * mult
        else:
            floats[2][r] = math.nan
            floats[3][r] = math.nan
        valid[0][r] = True
    for c in range(2):
        lag = 1 if c == 0 else per_year
        if t < lag:
            continue
        b = f - lag * cells
        p0 = pop[b]
        if not p0 > 0.0:
            continue
        col = 4 + 3 * c
        v = 1 + 3 * c
        k0 = x[b]
        v0 = k0 / p0 * mult
        floats[col][r] = v0
        valid[v][r] = True
        if has and v0 > 0.0:
            floats[col + 1][r] = (value / v0 - 1.0) * 100.0
            valid[v + 1][r] = True
        if has:
            pv = _rate_test(ki, p, np.int64(k0), p0, pmf)
            floats[col + 2][r] = pv
            valid[v + 2][r] = True
            if math.isnan(pv):
                retest[c][r] = True
    if smooth:
        e = eb[f]
        if not math.isnan(e):
            floats[10][r] = e * mult
            valid[7][r] = True


@njit(cache=True, nogil=True, inline="always")
def _exists(
    x: np.ndarray,
    exists: np.ndarray,
    f: int,
    sex: int,
    age: int,
    last_sex: int,
    last_age: int,
    by_sex: bool,
    by_age: bool,
) -> bool:  # pragma: no cover - compiled
    """Whether cell ``f`` is a row: from ``exists`` when given (published counts), else every
    total, and the cells with records of the disaggregations asked for (``total`` codes last).
    """
    if exists.shape[0] > 0:
        return exists[f]
    sex_total, age_total = sex == last_sex, age == last_age
    if sex_total and age_total:
        return True
    if not x[f] > 0.0:
        return False
    if age_total:
        return by_sex
    if sex_total:
        return by_age
    return by_sex and by_age


@njit(cache=True, nogil=True)
def scatter(
    x: np.ndarray,
    local: np.ndarray,
    period: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    n: np.ndarray,
    masks: np.ndarray,
    first: int,
    n_areas: int,
    periods: int,
    sexes: int,
    n_ages: int,
) -> None:  # pragma: no cover - compiled
    """Add coded records to the dense counts ``x`` (indicator, area, period, sex, age) of
    every indicator that counts them, with the three margins (records carry no ``total``
    codes; ``total`` is the last code of each). One pass over the records for all indicators.

    Only the records of areas ``first`` to ``first + n_areas - 1`` (``local`` codes) count;
    others are skipped (see :func:`barrio.indicators.cells.blocks`).
    """
    sex_total, age_total = sexes - 1, n_ages - 1
    for i in range(local.shape[0]):
        area = local[i] - first
        if area < 0 or area >= n_areas:
            continue
        at = (area * periods + period[i]) * sexes
        count = n[i]
        cell = (at + sex[i]) * n_ages + age[i]
        by_sex = (at + sex[i]) * n_ages + age_total
        by_age = (at + sex_total) * n_ages + age[i]
        total = (at + sex_total) * n_ages + age_total
        for word in range(masks.shape[1]):
            bits = masks[i, word]
            j = 0
            while bits != 0:
                if bits & 1:
                    ind = word * 62 + j
                    if ind < x.shape[0]:
                        x[ind, cell] += count
                        x[ind, by_sex] += count
                        x[ind, by_age] += count
                        x[ind, total] += count
                bits >>= 1
                j += 1


@njit(cache=True, nogil=True, parallel=True)
def row_counts(
    x: np.ndarray,
    exists: np.ndarray,
    n_areas: int,
    periods: int,
    sexes: int,
    n_ages: int,
    by_sex: bool,
    by_age: bool,
) -> np.ndarray:  # pragma: no cover - compiled
    """Rows of each area (see :func:`_exists`)."""
    out = np.zeros(n_areas, dtype=np.int64)
    per_area = periods * sexes * n_ages
    for a in prange(n_areas):
        count = 0
        f = a * per_area
        for _t in range(periods):
            for sex in range(sexes):
                for age in range(n_ages):
                    if _exists(x, exists, f, sex, age, sexes - 1, n_ages - 1, by_sex, by_age):
                        count += 1
                    f += 1
        out[a] = count
    return out


@njit(cache=True, nogil=True, parallel=True)
def finish(
    x: np.ndarray,
    exists: np.ndarray,
    pop: np.ndarray,
    method: np.ndarray,
    eb: np.ndarray,
    n_areas: int,
    periods: int,
    cells: int,
    n_ages: int,
    per_year: int,
    mult: float,
    lower_table: np.ndarray,
    upper_table: np.ndarray,
    by_sex: bool,
    by_age: bool,
) -> tuple[Arrays, np.ndarray, np.ndarray, Arrays, Arrays, Arrays]:  # pragma: no cover
    """Every column of the rows of one indicator and block (see :mod:`barrio.indicators.cells`).

    ``x``, ``pop``, ``method`` (and ``exists`` and ``eb`` when they are not empty: see
    :func:`_exists`) are the flat dense arrays (area, period, sex × age cell). Returns (keys,
    numerator, method, floats, valid, retest): keys are the area, period, sex and age codes of
    each row; floats are denominator, value, lower, upper, prev_value, change_prev_pct,
    p_change_prev, yoy_value, change_yoy_pct, p_change_yoy and value_eb; ``valid`` marks their
    non-NULL values (0: the four population columns, 1–3 and 4–6: the comparisons, 7:
    value_eb); ``retest`` marks the tests left to numpy (see the module). Interval limits are
    NaN for counts beyond the tables (the caller fills them).
    """
    per_area = periods * cells
    sexes = cells // n_ages
    counts = row_counts(x, exists, n_areas, periods, sexes, n_ages, by_sex, by_age)
    offsets = np.zeros(n_areas + 1, dtype=np.int64)
    for a in range(n_areas):
        offsets[a + 1] = offsets[a] + counts[a]
    rows = offsets[n_areas]
    keys = [np.empty(rows, dtype=np.int32) for _ in range(4)]
    numerator = np.empty(rows, dtype=np.int64)
    methods = np.empty(rows, dtype=np.int8)
    # one array per column (not one 2-D array): each stays under glibc's mmap threshold, so
    # with :func:`barrio.indicators.compute.reused_memory` its pages are reused, not faulted in
    floats = [np.empty(rows) for _ in range(11)]
    valid = [np.zeros(rows, dtype=np.bool_) for _ in range(8)]
    retest = [np.zeros(rows, dtype=np.bool_) for _ in range(2)]
    smooth = eb.shape[0] > 0
    for a in prange(n_areas):
        r = offsets[a]
        pmf = np.empty(SMALL_N + 1)
        f = a * per_area - 1
        for t in range(periods):
            for sex in range(sexes):
                for age in range(n_ages):
                    f += 1
                    if not _exists(x, exists, f, sex, age, sexes - 1, n_ages - 1, by_sex, by_age):
                        continue
                    keys[0][r] = a
                    keys[1][r] = t
                    keys[2][r] = sex
                    keys[3][r] = age
                    _row(
                        x,
                        pop,
                        method,
                        eb,
                        f,
                        t,
                        r,
                        cells,
                        per_year,
                        mult,
                        smooth,
                        lower_table,
                        upper_table,
                        numerator,
                        methods,
                        floats,
                        valid,
                        retest,
                        pmf,
                    )
                    r += 1
    return keys, numerator, methods, floats, valid, retest


@njit(cache=True, nogil=True)
def rising_bounds(local: np.ndarray, size: int, n_blocks: int) -> np.ndarray:  # pragma: no cover
    """Where each block of ``size`` areas starts in ``local`` (``n_blocks + 1`` row numbers),
    when its codes rise (negative codes, rows of no area, may lie anywhere); empty otherwise."""
    bounds = np.full(n_blocks + 1, local.shape[0], dtype=np.int64)
    block = 0  # the next block whose start is still to be found
    last = 0
    for i in range(local.shape[0]):
        code = local[i]
        if code < 0:
            continue
        if code < last:
            return np.empty(0, dtype=np.int64)
        last = code
        while block <= n_blocks and block * size <= code:
            bounds[block] = i
            block += 1
    return bounds
