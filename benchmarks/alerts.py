"""Benchmark: farringtonFlexible for the latest month on many monthly series.

Target (issue 6): 250,000 series x 10 years (Mexico's municipalities x SESNSP subtypes) in
<= 60 s on a 2-core machine. Baseline, in the same process: the same model fitted one series at
a time with statsmodels GLM (initial quasi-Poisson fit, Anscombe reweighting, refit, and the
no-trend refit when the trend is dropped) on a sample, extrapolated to all series.

Series are processed in blocks (``--chunk``, default 25,000) so that peak memory stays bounded
whatever the number of series; the table prints the Python-heap peak of each run (tracemalloc)
and the process's peak resident set size so far (the simulated counts alone take
series x 120 x 8 bytes, 229 MiB for 250,000 series).

Run: .venv/bin/python benchmarks/alerts.py [--quick] [--series N] [--chunk N]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import statsmodels.api as sm

from barrio.alerts.farrington import farrington_flexible
from barrio.alerts.glrnb import glrnb
from barrio.alerts.result import in_chunks
from barrio.alerts.windows import flexible_window

MONTHS = 120


def simulate(n_series: int, seed: int = 1, block: int = 25_000) -> np.ndarray:
    """Negative-binomial monthly counts with seasonality and varied levels (built by blocks)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_series, MONTHS))
    t = np.arange(MONTHS)
    for lo in range(0, n_series, block):
        m = min(block, n_series - lo)
        level = np.exp(rng.normal(1.5, 1.2, size=(m, 1)))
        season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, size=(m, 1)))
        mu = level * season
        out[lo : lo + m] = rng.negative_binomial(5, 5 / (5 + mu))
    return out


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_barrio(y: np.ndarray, method=farrington_flexible, chunk: int = 25_000, **kw):
    tracemalloc.start()
    start = time.perf_counter()
    in_chunks(method, y, [MONTHS - 1], freq=12, chunk_size=chunk, **kw)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak, peak_rss_mib()


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


def run_statsmodels(y: np.ndarray, sample: int) -> tuple[float, float, float]:
    positions, _ = flexible_window(MONTHS - 1, b=5, w=3, freq=12, no_periods=1, past_not_included=3)
    tracemalloc.start()
    start = time.perf_counter()
    for i in range(sample):
        statsmodels_one(y[i], positions, MONTHS - 1)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak, peak_rss_mib()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 series instead of 250,000")
    parser.add_argument("--series", type=int, default=None)
    parser.add_argument("--sample", type=int, default=300, help="series in the baseline loop")
    parser.add_argument("--chunk", type=int, default=25_000, help="series per block")
    args = parser.parse_args()
    n = args.series or (20_000 if args.quick else 250_000)
    y = simulate(n)
    rows = [("simulated counts in memory", n, float("nan"), float("nan"), peak_rss_mib())]
    runs = [
        ("farrington_flexible (R defaults: b=5 w=3 delta)", farrington_flexible, {}),
        (
            "farrington_flexible (Noufaily monthly: noPeriods=4 nbPlugin)",
            farrington_flexible,
            {
                "no_periods": 4,
                "past_weeks_not_included": 6,
                "weights_threshold": 2.58,
                "threshold_method": "nbPlugin",
                "b": 5,
                "w": 2,
            },
        ),
        (
            "glrnb (glm.nb mu0 S=1 trend, LR theta=log 2, cases)",
            glrnb,
            {"theta": np.log(2), "trend": True, "ret": "cases"},
        ),
    ]
    for name, method, kw in runs:
        # glm.nb's alternation (digamma / trigamma over every count) is ~50x the cost of a
        # quasi-Poisson fit: GLR-NB runs on one block, and is not part of the target
        m = min(n, args.chunk) if method is glrnb else n
        t, mem, rss = run_barrio(y[:m], method, args.chunk, **kw)
        rows.append((f"barrio {name}", m, t, mem, rss))
    ts, mems, rss = run_statsmodels(y, args.sample)
    label = f"statsmodels GLM loop ({args.sample} series, extrapolated)"
    rows.append((label, n, ts * n / args.sample, mems, rss))
    print(f"chunk size {args.chunk:,} series")
    header = f"{'run':72} {'series':>9} {'seconds':>9} {'heap MiB':>9} {'RSS MiB':>8} {'ratio':>7}"
    print(header)
    per_series = rows[-1][2] / n
    for name, count, secs, peak, rss in rows:
        ratio = per_series * count / secs if secs == secs else float("nan")
        print(f"{name:72} {count:>9,} {secs:>9.2f} {peak:>9.1f} {rss:>8.0f} {ratio:>6.1f}x")


if __name__ == "__main__":
    main()
