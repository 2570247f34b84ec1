"""The alarm table every detection method returns: series x monitored periods arrays."""

from __future__ import annotations

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
