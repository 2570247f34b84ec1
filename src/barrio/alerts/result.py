"""The alarm table every detection method returns: series x monitored periods arrays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass
class AlarmTable:
    """Results for ``S`` series and ``K`` monitored periods, each an (S, K) array.

    Attributes
    ----------
    observed : the count in the period.
    expected : the baseline mean (``mu0``; NaN where no baseline could be fitted).
    upperbound : the alert threshold: an alarm needs a count above it (NaN when not computed).
    score : exceedance score ``(observed - expected) / (upperbound - expected)`` (Farrington) or
        the method's own statistic (see each method).
    pvalue : probability of a count at least as large under the baseline (NaN if the method has
        none).
    alarm : whether the method signals.
    extra : method-specific arrays (``phi``, ``trend``, ``cusum`` ...).
    """

    observed: FloatArray
    expected: FloatArray
    upperbound: FloatArray
    score: FloatArray
    pvalue: FloatArray
    alarm: NDArray[np.bool_]
    extra: dict[str, NDArray[Any]] = field(default_factory=dict)

    def fill(self, j: int, y, expected, upper, score, pvalue, pred=None) -> None:
        """Store column ``j`` (and the fit diagnostics of a Farrington prediction)."""
        self.observed[:, j], self.expected[:, j], self.upperbound[:, j] = y, expected, upper
        self.score[:, j], self.pvalue[:, j] = score, pvalue
        if pred is not None:
            for name in ("phi", "trend", "trend_coef"):
                self.extra.setdefault(name, np.full(self.observed.shape, np.nan))
                self.extra[name][:, j] = getattr(pred, name)


def empty_table(n_series: int, n_periods: int) -> AlarmTable:
    """An all-NaN table (no alarms) of the given shape."""

    def nan() -> FloatArray:
        return np.full((n_series, n_periods), np.nan)

    alarm = np.zeros((n_series, n_periods), dtype=bool)
    return AlarmTable(nan(), nan(), nan(), nan(), nan(), alarm)


def stack(tables: list[AlarmTable]) -> AlarmTable:
    """Concatenate tables of consecutive blocks of series (same monitored periods)."""

    def rows(name: str) -> NDArray[Any]:
        return np.concatenate([getattr(t, name) for t in tables], axis=0)

    extra = {k: np.concatenate([t.extra[k] for t in tables], axis=0) for k in tables[0].extra}
    return AlarmTable(
        observed=rows("observed"),
        expected=rows("expected"),
        upperbound=rows("upperbound"),
        score=rows("score"),
        pvalue=rows("pvalue"),
        alarm=rows("alarm"),
        extra=extra,
    )


PER_SERIES = {"population": 2, "mu0": 2, "alpha": 1}


def in_chunks(
    method: Callable[..., AlarmTable],
    counts: FloatArray,
    *args: Any,
    chunk_size: int = 20_000,
    per_series: dict[str, int] | None = None,
    **kwargs: Any,
) -> AlarmTable:
    """Run ``method`` on blocks of ``chunk_size`` series and stack the results.

    Every method treats series independently, so the result does not depend on the chunking,
    while the working memory (reference windows, stacked design products) is bounded by the
    block instead of growing with the number of series. Keyword arguments named in
    ``per_series`` (name -> number of dimensions; default ``population`` and ``mu0``, (S, T) and
    (S, K), and ``alpha``, (S,)) that hold one row per series are sliced with the block.
    """
    dims = PER_SERIES if per_series is None else per_series
    n = counts.shape[0]
    if n <= chunk_size:
        return method(counts, *args, **kwargs)
    parts = []
    for lo in range(0, n, chunk_size):
        block = slice(lo, min(lo + chunk_size, n))
        kw = {
            k: (v[block] if k in dims and _one_row_per_series(v, n, dims[k]) else v)
            for k, v in kwargs.items()
        }
        parts.append(method(counts[block], *args, **kw))
    return stack(parts)


def _one_row_per_series(value: Any, n: int, ndim: int) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == ndim and value.shape[0] == n
