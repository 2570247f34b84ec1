"""Benchmark: farringtonFlexible for the latest month on many monthly series.

Target (issue 6): 250,000 series x 10 years (Mexico's municipalities x SESNSP subtypes) in
<= 60 s on a 2-core machine. Baseline, in the same process: the same model fitted one series at
a time with statsmodels GLM (initial quasi-Poisson fit, Anscombe reweighting, refit, and the
no-trend refit when the trend is dropped) on a sample, extrapolated to all series.

Run: .venv/bin/python benchmarks/alerts.py [--quick] [--series N]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import statsmodels.api as sm

from barrio.alerts.farrington import farrington_flexible
from barrio.alerts.windows import flexible_window

MONTHS = 120


def simulate(n_series: int, seed: int = 1) -> np.ndarray:
    """Negative-binomial monthly counts with seasonality and varied levels."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.normal(1.5, 1.2, size=(n_series, 1)))
    t = np.arange(MONTHS)
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, size=(n_series, 1)))
    mu = level * season
    return rng.negative_binomial(5, 5 / (5 + mu)).astype(float)


def run_barrio(y: np.ndarray, **kw) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    farrington_flexible(y, [MONTHS - 1], freq=12, **kw)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def _sm_fit(X, y, weights=None):
    model = sm.GLM(y, X, family=sm.families.Poisson(), var_weights=weights)
    return model.fit(scale="X2")


def statsmodels_one(y: np.ndarray, positions: np.ndarray, k: int) -> float:
    """The same steps for one series with statsmodels (delta threshold omitted: negligible)."""
    X = sm.add_constant((positions - k).astype(float))
    yy = y[positions]
    for design in (X, X[:, :1]):
        fit = _sm_fit(design, yy)
        phi = max(fit.scale, 1.0)
        mu = fit.mu
        h = fit.get_hat_matrix_diag()
        s = 1.5 * (yy ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - h))
        with np.errstate(divide="ignore"):
            raw = np.where(s > 2.58, s**-2.0, 1.0)
        fit = _sm_fit(design, yy, raw * len(s) / raw.sum())
        if design.shape[1] == 2 and fit.pvalues[1] < 0.05:
            break
    return float(np.exp(fit.params[0]))


def run_statsmodels(y: np.ndarray, sample: int) -> tuple[float, float]:
    positions, _ = flexible_window(MONTHS - 1, b=5, w=3, freq=12, no_periods=1, past_not_included=3)
    tracemalloc.start()
    start = time.perf_counter()
    for i in range(sample):
        statsmodels_one(y[i], positions, MONTHS - 1)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 series instead of 250,000")
    parser.add_argument("--series", type=int, default=None)
    parser.add_argument("--sample", type=int, default=300, help="series in the baseline loop")
    args = parser.parse_args()
    n = args.series or (20_000 if args.quick else 250_000)
    y = simulate(n)
    rows = []
    t, mem = run_barrio(y)
    rows.append(("barrio farrington_flexible (R defaults: b=5 w=3 delta)", n, t, mem))
    t, mem = run_barrio(
        y,
        no_periods=4,
        past_weeks_not_included=6,
        weights_threshold=2.58,
        threshold_method="nbPlugin",
        b=5,
        w=2,
    )
    rows.append(("barrio farrington_flexible (Noufaily monthly: noPeriods=4 nbPlugin)", n, t, mem))
    ts, mems = run_statsmodels(y, args.sample)
    rows.append(
        (
            f"statsmodels GLM loop ({args.sample} series, extrapolated)",
            n,
            ts * n / args.sample,
            mems,
        )
    )
    print(f"{'run':64} {'series':>9} {'seconds':>9} {'peak MiB':>9} {'ratio':>7}")
    base = rows[-1][2]
    for name, count, secs, peak in rows:
        print(f"{name:64} {count:>9,} {secs:>9.2f} {peak:>9.1f} {base / secs:>7.1f}x")


if __name__ == "__main__":
    main()
