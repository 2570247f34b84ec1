"""Benchmark: the exact rate-change test (``barrio.indicators.stats.rate_change_test``).

The national indicator table needs two exact tests per row (previous period, same period a
year before) on 161 M rows. Inputs as in the task that set the target: 10 M rows per λ, the
two counts ~ Poisson(λ) for λ in 0.3, 1.5, 5, ``pop_now`` ~ U(50, 350) and
``pop_before = pop_now · (1 + U(0, 0.01))`` (so p ≈ 0.5). Target: ≥ 5× faster than the
implementation it replaced (the baseline below), single-threaded, same p-values.

Prints, for each λ, the baseline's and the current implementation's CPU seconds (user +
system, best of ``--repeat`` calls, ``--repeat`` + 2 for the fast one, after a warm-up call; the machine may be shared, CPU time is less
noisy than wall time), the speed-up,
the largest relative difference between the two, and the peak memory of each call (numpy
allocations traced by tracemalloc, in a separate untimed run).

    python benchmarks/rate_tests.py [--rows 10000000] [--repeat 3] [--threads]

``--threads`` also times two calls in two threads against two calls in a row (the caller runs
batches in parallel: the heavy numpy parts release the GIL).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from barrio.indicators import stats as barrio_stats
from barrio.indicators.stats import rate_change_test

# ---------------------------------------------------------------------------------------------
# Baseline: barrio.indicators.stats as of commit c65efa2: the log-space sum per distinct n after
# an argsort of all rows for n <= 128, R's two-tail bisection above. stats keeps both functions
# unchanged (as fallbacks), so the baseline dispatches to them as the old code did.
# ---------------------------------------------------------------------------------------------
_OLD_SMALL_N = 128


def old_binom_two_sided(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    small = (n <= _OLD_SMALL_N) & (n > 0) & (p > 0.0) & (p < 1.0)
    out = np.empty(x.shape, dtype=float)
    if small.any():
        out[small] = barrio_stats._binom_two_sided_small(x[small], n[small], p[small])
    if not small.all():
        out[~small] = barrio_stats._binom_two_sided_tails(x[~small], n[~small], p[~small])
    return out


def old_rate_change_test(
    k_now: np.ndarray, pop_now: np.ndarray, k_before: np.ndarray, pop_before: np.ndarray
) -> np.ndarray:
    """The same rows and rules as ``rate_change_test``, with the previous binomial test."""
    return barrio_stats._rate_change_general(
        np.asarray(k_now, dtype=np.int64),
        np.asarray(pop_now, dtype=float),
        np.asarray(k_before, dtype=np.int64),
        np.asarray(pop_before, dtype=float),
        binom=old_binom_two_sided,
    )


# ---------------------------------------------------------------------------------------------

Inputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def make_inputs(rows: int, lam: float, seed: int) -> Inputs:
    """The task's inputs: k, k0 ~ Poisson(λ), pop ~ U(50, 350), pop0 = pop · (1 + U(0, 0.01))."""
    rng = np.random.default_rng(seed)
    k = rng.poisson(lam, rows)
    k0 = rng.poisson(lam, rows)
    pop = rng.uniform(50, 350, rows)
    pop0 = pop * (1 + rng.uniform(0, 0.01, rows))
    return k, pop, k0, pop0


def cpu_seconds(fn: Callable[..., np.ndarray], args: Inputs, repeat: int) -> tuple[float, float]:
    """Best CPU and wall seconds of ``repeat`` calls, after one untimed call (the first call in
    a process also pays for page faults while glibc's malloc thresholds adapt)."""
    fn(*args)
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn(*args)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def peak_mb(fn: Callable[..., np.ndarray], args: Inputs) -> float:
    """Peak memory allocated during one call (MB, numpy buffers included), result included."""
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def two_threads(args: Inputs) -> tuple[float, float]:
    """Wall seconds of two calls in a row and of the same two calls in two threads."""
    start = time.perf_counter()
    rate_change_test(*args)
    rate_change_test(*args)
    serial = time.perf_counter() - start
    threads = [threading.Thread(target=rate_change_test, args=args) for _ in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return serial, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    print(f"{args.rows:,} rows per λ, best of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    header = "   λ   old cpu s  new cpu s  speed-up  ns/row new  max rel diff  peak MB old/new"
    print(header)
    for lam in (0.3, 1.5, 5.0):
        inputs = make_inputs(args.rows, lam, seed=int(lam * 10))
        new_cpu, _ = cpu_seconds(rate_change_test, inputs, args.repeat + 2)
        new_peak = peak_mb(rate_change_test, inputs)
        if args.skip_baseline:
            print(
                f"{lam:4.1f}  {'-':>10} {new_cpu:10.3f}  {'-':>8} {new_cpu / args.rows * 1e9:11.1f}"
            )
            continue
        old_cpu, _ = cpu_seconds(old_rate_change_test, inputs, args.repeat)
        old_peak = peak_mb(old_rate_change_test, inputs)
        a, b = old_rate_change_test(*inputs), rate_change_test(*inputs)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            raise SystemExit("NaN rows differ")
        rel = float(np.nanmax(np.abs(a - b) / np.abs(a)))
        print(
            f"{lam:4.1f}  {old_cpu:10.3f} {new_cpu:10.3f}  {old_cpu / new_cpu:7.1f}x"
            f" {new_cpu / args.rows * 1e9:11.1f}  {rel:12.2e}  {old_peak:7.0f} / {new_peak:.0f}"
        )
    if args.threads:
        serial, parallel = two_threads(make_inputs(args.rows, 5.0, seed=50))
        print(f"two calls (λ = 5): in a row {serial:.2f} s wall, in two threads {parallel:.2f} s")


if __name__ == "__main__":
    main()
