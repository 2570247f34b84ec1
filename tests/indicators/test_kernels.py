"""The compiled exact test (barrio.indicators.kernels) is R's binom.test, like stats'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from barrio.indicators import kernels, stats

DATA = Path(__file__).parent / "data"


@njit(cache=False)
def _many(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape[0])
    pmf = np.empty(kernels.SMALL_N + 1)
    for i in range(x.shape[0]):
        out[i] = kernels.binom_two_sided_small(x[i], n[i], p[i], pmf)
    return out


def test_small_tests_match_r():
    # binom.test(x, n, p) in R, n <= 40, ties at p = 1/2 (tests/indicators/data/make_reference.R)
    ref = pd.read_csv(DATA / "binom_small_reference.csv")
    got = _many(ref["x"].to_numpy(), ref["n"].to_numpy(), ref["p"].to_numpy(float))
    np.testing.assert_allclose(got, ref["p_value"], rtol=1e-12, atol=0)


def test_poisson_rate_tests_match_r():
    # poisson.test(c(k1, k2), c(e1, e2)) in R; tests with more events are left to numpy (NaN)
    ref = pd.read_csv(DATA / "poisson_reference.csv")
    n = (ref["k1"] + ref["k2"]).to_numpy()
    p = (ref["e1"] / (ref["e1"] + ref["e2"])).to_numpy()
    got = _many(ref["k1"].to_numpy(), n, p)
    small = (n > 0) & (n <= kernels.SMALL_N)
    assert small.sum() >= 50
    np.testing.assert_allclose(got[small], ref["p_value"][small], rtol=1e-12, atol=0)
    assert np.isnan(got[n > kernels.SMALL_N]).all()


def test_equals_numpy_version_on_random_and_tied_cases():
    rng = np.random.default_rng(5)
    size = 200_000
    n = rng.integers(1, kernels.SMALL_N + 1, size)
    near_half = 0.5 + rng.uniform(-1e-4, 1e-4, size)
    p = np.select(
        [rng.random(size) < 0.3, rng.random(size) < 0.5],
        [np.full(size, 0.5), near_half],
        rng.uniform(1e-3, 1 - 1e-3, size),
    )
    x = np.where(rng.random(size) < 0.5, rng.binomial(n, p), rng.integers(0, n + 1))
    got = _many(x, n, p)
    usable = ~np.isnan(got)  # q**n underflow is left to numpy
    assert usable.mean() > 0.99
    want = stats.binom_two_sided(x, n, p)
    np.testing.assert_allclose(got[usable], want[usable], rtol=1e-12, atol=1e-300)
