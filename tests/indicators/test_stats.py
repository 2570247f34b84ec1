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
