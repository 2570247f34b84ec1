"""Rate statistics against R (stats::poisson.test, binom.test) and PySAL's EB smoother."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from barrio.indicators import stats

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "poisson_reference.csv")


def test_poisson_interval_matches_r(reference):
    lower, upper = stats.poisson_interval(reference["k1"].to_numpy())
    np.testing.assert_allclose(lower, reference["lower"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, reference["upper"], rtol=1e-9)


def test_poisson_interval_90_matches_r():
    ref = pd.read_csv(DATA / "poisson_ci90_reference.csv")
    lower, upper = stats.poisson_interval(ref["k"].to_numpy(), confidence=0.9)
    np.testing.assert_allclose(lower, ref["lower"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, ref["upper"], rtol=1e-9)


def test_zero_count_interval_is_3_689():
    lower, upper = stats.poisson_interval(np.array([0]))
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(3.68887945411, abs=1e-10)


def test_rate_change_test_matches_r_poisson_test(reference):
    p = stats.rate_change_test(
        reference["k1"].to_numpy(),
        reference["e1"].to_numpy(),
        reference["k2"].to_numpy(),
        reference["e2"].to_numpy(),
    )
    # R prints p-values to 15 significant digits; tiny p-values agree in relative terms
    np.testing.assert_allclose(p, reference["p_value"], rtol=1e-7, atol=1e-300)


def test_binom_two_sided_published_examples():
    # binom.test(3, 20, 0.4) and binom.test(15, 20, 0.4) in R 4.2
    got = stats.binom_two_sided(np.array([3, 15]), np.array([20, 20]), np.array([0.4, 0.4]))
    np.testing.assert_allclose(got, [0.022427038142, 0.00213557401987], rtol=1e-10)


def test_rate_change_test_missing_population_is_nan():
    p = stats.rate_change_test(
        np.array([3, 0]), np.array([np.nan, 10.0]), np.array([1, 0]), np.array([5.0, 10.0])
    )
    assert np.isnan(p[0])
    assert p[1] == 1.0


def test_empirical_bayes_matches_pysal_when_variance_positive():
    from esda.smoothing import Empirical_Bayes

    rng = np.random.default_rng(7)
    pop = rng.integers(500, 50_000, size=60).astype(float)
    true = rng.gamma(4.0, 0.0005, size=60)
    events = rng.poisson(pop * true).astype(float)
    ours = stats.empirical_bayes(events, pop)
    theirs = Empirical_Bayes(events, pop).r.ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_empirical_bayes_shrinks_fully_when_between_variance_is_negative():
    # identical rates up to Poisson noise smaller than expected: A < 0 -> every area gets m
    events = np.array([10.0, 10.0, 10.0])
    pop = np.array([1000.0, 1000.0, 1000.0])
    np.testing.assert_allclose(stats.empirical_bayes(events, pop), [0.01, 0.01, 0.01])


def test_empirical_bayes_by_group_equals_separate_runs():
    rng = np.random.default_rng(3)
    pop = rng.integers(100, 9_000, size=40).astype(float)
    events = rng.poisson(pop * 0.01).astype(float)
    groups = np.repeat([0, 1], 20)
    together = stats.empirical_bayes(events, pop, groups)
    np.testing.assert_allclose(together[:20], stats.empirical_bayes(events[:20], pop[:20]))
    np.testing.assert_allclose(together[20:], stats.empirical_bayes(events[20:], pop[20:]))


def test_flags():
    small, unstable = stats.reliability_flags(np.array([0, 9, 10, 19, 20]))
    assert small.tolist() == [True, True, False, False, False]
    assert unstable.tolist() == [True, True, True, True, False]


def test_binom_two_sided_few_events_matches_r():
    # binom.test(x, n, p) in R for n <= 40 (summed outcome by outcome), ties at p = 1/2
    ref = pd.read_csv(DATA / "binom_small_reference.csv")
    got = stats.binom_two_sided(ref["x"].to_numpy(), ref["n"].to_numpy(), ref["p"].to_numpy())
    assert (ref["n"] <= stats.SMALL_N).all()
    np.testing.assert_allclose(got, ref["p_value"], rtol=1e-12, atol=0)


def test_binom_two_sided_paths_agree():
    # the outcome-by-outcome path and R's two-tail algorithm give the same p-values
    rng = np.random.default_rng(11)
    n = rng.integers(1, stats.SMALL_N + 1, 20_000)
    p = np.where(rng.random(20_000) < 0.3, 0.5, rng.uniform(0.01, 0.99, 20_000))
    x = np.where(rng.random(20_000) < 0.5, rng.binomial(n, p), rng.integers(0, n + 1))
    small = stats._binom_two_sided_small(x, n, p)
    tails = stats._binom_two_sided_tails(x, n, p)
    np.testing.assert_allclose(small, tails, rtol=1e-9, atol=1e-280)


# --- Reference implementation: barrio.indicators.stats as of commit c65efa2 (log-space sums per
# distinct n), kept verbatim so the faster linear-space version can be checked against it. ---
def _reference_small(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    from scipy import special

    out = np.ones(x.shape, dtype=float)
    log_factorial = special.gammaln(np.arange(1, 130, dtype=float))
    tolerance = np.log1p(1e-7)
    for size in np.unique(n).tolist():
        rows = np.flatnonzero(n == size)
        i = np.arange(size + 1)
        log_choose = log_factorial[size] - log_factorial[i] - log_factorial[size - i]
        pr = p[rows]
        log_pmf = log_choose + np.log(pr)[:, None] * i + np.log1p(-pr)[:, None] * (size - i)
        xr = x[rows]
        log_d = log_pmf[np.arange(len(rows)), xr] + tolerance
        pv = np.where(log_pmf <= log_d[:, None], np.exp(log_pmf), 0.0).sum(axis=1)
        pv = np.where(xr == size * pr, 1.0, pv)
        out[rows] = np.minimum(1.0, pv)
    return out


def _reference_binom_two_sided(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    small = (n <= 128) & (n > 0) & (p > 0.0) & (p < 1.0)
    out = np.empty(x.shape, dtype=float)
    out[small] = _reference_small(x[small], n[small], p[small])
    # the two-tail path for larger n is unchanged code
    out[~small] = stats._binom_two_sided_tails(x[~small], n[~small], p[~small])
    return out


def _random_tests(rng: np.random.Generator, size: int) -> tuple[np.ndarray, ...]:
    """n = 0 … 2000 (most ≤ 128), p log-uniform in [1e-6, 1/2] and mirrored, p = 1/2 ± 1e-4,
    p = 1/2 exactly (ties); x anywhere in 0 … n, half of them drawn from the binomial."""
    n = np.where(rng.random(size) < 0.7, rng.integers(0, 129, size), rng.integers(0, 2001, size))
    kind = rng.integers(0, 4, size)
    tail = 10 ** rng.uniform(-6, np.log10(0.5), size)
    p = np.select(
        [kind == 0, kind == 1, kind == 2],
        [tail, 1 - tail, 0.5 + rng.uniform(-1e-4, 1e-4, size)],
        0.5,
    )
    x = np.where(rng.random(size) < 0.5, rng.binomial(n, p), rng.integers(0, n + 1))
    return x, n, p


def test_binom_two_sided_equals_reference_implementation():
    x, n, p = _random_tests(np.random.default_rng(20261121), 240_000)
    got = stats.binom_two_sided(x, n, p)
    want = _reference_binom_two_sided(x, n, p)
    rel = np.abs(got - want) / np.maximum(want, 1e-300)
    assert rel.max() <= 1e-12, (x[rel.argmax()], n[rel.argmax()], p[rel.argmax()])
    assert (got[x == n * p] == 1.0).all()
    assert (got <= 1.0).all()


def test_binom_two_sided_extreme_p_matches_r():
    # binom.test in R for p in [1e-6, 1 - 1e-6], n <= 2000, x often far in a tail (probabilities
    # down to 1e-323, where the linear-space sum falls back to logs); R's own digits run out below
    # 1e-300, hence the absolute floor
    ref = pd.read_csv(DATA / "binom_extreme_reference.csv")
    got = stats.binom_two_sided(ref["x"].to_numpy(), ref["n"].to_numpy(), ref["p"].to_numpy())
    np.testing.assert_allclose(got, ref["p_value"], rtol=1e-12, atol=1e-300)


def test_binom_two_sided_degenerate_cases_match_r():
    # binom.test(x, n, p) in R 4: p = 0 or 1 gives x == n·p; one or two events in closed form
    x = np.array([0, 1, 5, 4, 1, 0, 1, 2, 1])
    n = np.array([5, 5, 5, 5, 1, 1, 1, 2, 2])
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 0.3, 0.3, 0.3, 0.3])
    want = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.3, 0.09, 0.51]
    np.testing.assert_allclose(stats.binom_two_sided(x, n, p), want, rtol=1e-15, atol=0)


def _reference_rate_change_test(k1, e1, k2, e2):
    out = np.full(k1.shape, np.nan)
    ok = np.isfinite(e1) & np.isfinite(e2) & (e1 > 0) & (e2 > 0)
    total = k1 + k2
    out[ok & (total == 0)] = 1.0
    test = ok & (total > 0)
    out[test] = _reference_binom_two_sided(k1[test], total[test], e1[test] / (e1[test] + e2[test]))
    return out


def test_rate_change_test_equals_reference_on_awkward_rows():
    # several chunks; missing, zero, negative and infinite populations, ratios so extreme that p
    # rounds to 0 or 1, no events, more than SMALL_N events
    rng = np.random.default_rng(5)
    size = 3 * stats._CHUNK_ROWS + 17
    k1 = rng.poisson(rng.choice([0.3, 3.0, 40.0, 150.0], size))
    k2 = rng.poisson(rng.choice([0.3, 3.0, 40.0, 150.0], size))
    e1 = rng.uniform(50, 350, size)
    e2 = np.where(rng.random(size) < 0.3, e1, rng.uniform(50, 350, size))
    odd = rng.random(size) < 0.05
    e2[odd] = rng.choice([np.nan, 0.0, -5.0, np.inf, 1e-300, 1e300, -np.inf], odd.sum())
    e1[rng.random(size) < 0.01] = np.nan
    got = stats.rate_change_test(k1, e1, k2, e2)
    want = _reference_rate_change_test(k1, e1, k2, e2)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_rate_change_test_keeps_shape_and_accepts_lists():
    k = np.array([[3, 0], [12, 5]])
    pop = np.full((2, 2), 100.0)
    got = stats.rate_change_test(k, pop, k.T, pop)
    assert got.shape == (2, 2)
    assert stats.rate_change_test([3], [100.0], [3], [100.0]).tolist() == [1.0]
