"""False alarms after FDR control on outbreak-free simulated series stay at the nominal level.

With no outbreak anywhere every alert is false, so the false discovery proportion of a period is
1 when it has any alert and 0 otherwise: BH at ``q`` then guarantees P(any alert) <= q per
period (Benjamini & Hochberg 1995, with independent p-values). Over K periods the number of
periods with an alert is at most Binomial(K, q); the test allows its 99.5 % quantile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from barrio.alerts.detect import detect

Q = 0.05
SERIES, MONTHS, EVALUATED = 1500, 84, 24


def _long(y: np.ndarray) -> pd.DataFrame:
    periods = pd.date_range("2015-01-01", periods=y.shape[1], freq="MS").strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "series_id": np.repeat(np.arange(y.shape[0]).astype(str), y.shape[1]),
            "period": np.tile(periods, y.shape[0]),
            "count": y.ravel(),
        }
    )


def _simulate(kind: str, seed: int) -> np.ndarray:
    """Seasonal monthly counts, mean levels from 0.5 to ~40, no outbreak."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.normal(1.5, 1.0, size=(SERIES, 1)))
    t = np.arange(MONTHS)
    mu = level * (1 + 0.25 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, size=(SERIES, 1))))
    if kind == "poisson":
        return rng.poisson(mu)
    return rng.negative_binomial(10, 10 / (10 + mu))  # variance mu + mu^2 / 10


NB_LIMITATION = pytest.mark.xfail(
    strict=True,
    reason=(
        "known limitation: on negative-binomial series (variance mu + mu^2/10) Farrington's "
        "quasi-Poisson p-values are too small in the far tail (P(p < 1e-3) ~ 3e-3), and about "
        "7 of 24 months get a false alert after BH; strict, so a fix shows up here"
    ),
)


@pytest.mark.parametrize(
    ("kind", "seed"),
    [("poisson", 1), pytest.param("negative binomial", 2, marks=NB_LIMITATION)],
)
def test_months_with_false_alerts_within_binomial_bound(kind, seed):
    out = detect(_long(_simulate(kind, seed)), last=EVALUATED, fdr=Q)
    assert out["period"].nunique() == EVALUATED
    months_with_alerts = out.groupby("period")["alert"].any().sum()
    bound = stats.binom.ppf(0.995, EVALUATED, Q)  # 5 of 24
    assert months_with_alerts <= bound
    # without FDR control the same alarms would fire in every month
    assert out.groupby("period")["alarm"].any().all()
