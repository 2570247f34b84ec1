"""Benjamini-Hochberg false discovery rate control across series.

With hundreds of thousands of area x crime series, a 5% test per series gives thousands of false
alarms a month. The BH step-up procedure keeps the expected share of false alarms among the
alarms at ``q``: sort the m p-values, find the largest ``i`` with ``p_(i) <= i q / m`` and reject
the ``i`` smallest. The adjusted value (q-value) is ``min_{j >= i} m p_(j) / j``, capped at 1.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and
powerful approach to multiple testing. JRSS B 57(1):289-300.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray


def bh_adjust(pvalues: ArrayLike) -> NDArray[np.float64]:
    """BH-adjusted p-values; NaN stays NaN and is not counted among the tests.

    Examples
    --------
    >>> bh_adjust([0.01, 0.04, 0.03, np.nan]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    ranked = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return out


def bh_by_group(pvalues: pd.Series, groups: pd.Series) -> pd.Series:
    """BH q-values computed separately within each group (e.g. each period)."""
    q = pd.Series(np.nan, index=pvalues.index, dtype=float)
    for _, idx in pvalues.groupby(groups, sort=False).groups.items():
        q.loc[idx] = bh_adjust(pvalues.loc[idx].to_numpy(float))
    return q
