"""Cross-check against the ``svy`` package (optional: skipped when svy is not installed).

svy (MIT, Rust core) reproduces R survey's Taylor estimates; on random stratified cluster designs
Barrio's domain means and totals must agree with it to 1e-8 (relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.survey import estimate, svydesign

svy = pytest.importorskip("svy")
pl = pytest.importorskip("polars")


def frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 4, n)
    return pd.DataFrame(
        {
            "h": h,
            "p": h * 100 + rng.integers(0, 6, n),
            "w": rng.uniform(1, 40, n),
            "y": rng.gamma(2.0, 3.0, n),
            "d": rng.integers(0, 3, n),
        }
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 100_000), st.integers(60, 300))
def test_domain_means_and_totals_agree_with_svy(seed: int, n: int) -> None:
    data = frame(seed, n)
    sample = svy.Sample(pl.from_pandas(data), svy.Design(stratum="h", psu="p", wgt="w"))
    design = svydesign(data, weights="w", strata="h", psu="p")
    theirs = sample.estimation.mean("y", by="d").to_polars().sort("d")
    ours = estimate(design, "mean", "y", by=["d"])
    assert [e.estimate for e in ours] == pytest.approx(theirs["est"].to_list(), rel=1e-8)
    assert [e.se for e in ours] == pytest.approx(theirs["se"].to_list(), rel=1e-8)
    (total,) = estimate(design, "total", "y")
    t = sample.estimation.total("y").to_polars()
    assert (total.estimate, total.se) == pytest.approx((t["est"][0], t["se"][0]), rel=1e-8)
