"""Replicates, proportion intervals, domains, deff and two stages against R survey 4.1.1.

Reference values in ``data/r_reference_extra.csv`` were produced by ``data/make_r_reference.R``
(R run locally; not needed in CI) on synthetic data in the same folder. R printed 15 digits, so
the tolerance is a relative 1e-7.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from barrio.survey import calibration as cal
from barrio.survey import estimate, svydesign
from barrio.survey.quality import Estimate
from barrio.survey.replicates import with_replicates

DATA = Path(__file__).parent / "data"
REF = pd.read_csv(DATA / "r_reference_extra.csv").set_index("case")
REL = 1e-7


@cache
def paired():
    return svydesign(pd.read_csv(DATA / "paired.csv"), weights="w", strata="stratum", psu="psu")


@cache
def twostage():
    frame = pd.read_csv(DATA / "twostage.csv")
    return svydesign(frame, strata="stratum", psu="psu", ssu="ssu", fpc="N1", fpc2="N2")


def one(results: list[Estimate], **domain: str) -> Estimate:
    hits = [r for r in results if all(str(r.domain.get(k)) == v for k, v in domain.items())]
    assert len(hits) == 1
    return hits[0]


def by_level(results: list[Estimate], level: str) -> Estimate:
    return next(r for r in results if r.level == level)


CASES: dict[str, Callable[[], Estimate]] = {
    "P1_mean_y": lambda: estimate(paired(), "mean", "y")[0],
    "P2_BRR_mean_y": lambda: estimate(with_replicates(paired(), "brr"), "mean", "y")[0],
    "P2_BRR_total_x": lambda: estimate(with_replicates(paired(), "brr"), "total", "x")[0],
    "P2_JKn_mean_y": lambda: estimate(with_replicates(paired(), "jkn"), "mean", "y")[0],
    "P2_JKn_total_x": lambda: estimate(with_replicates(paired(), "jkn"), "total", "x")[0],
    "P3_Fay_mean_x": lambda: estimate(with_replicates(paired(), "fay:0.5"), "mean", "x")[0],
    "P5_ciprop_logit": lambda: by_level(
        estimate(paired(), "proportion", "victim", ci="logit"), "1"
    ),
    "P5_ciprop_beta": lambda: by_level(estimate(paired(), "proportion", "victim", ci="beta"), "1"),
    "P8_y_F_centre": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="F", region="centre"
    ),
    "P8_y_M_centre": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="M", region="centre"
    ),
    "P8_y_F_north": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="F", region="north"
    ),
    "P8_y_M_north": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="M", region="north"
    ),
    "P8_y_F_south": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="F", region="south"
    ),
    "P8_y_M_south": lambda: one(
        estimate(paired(), "mean", "y", by=["sex", "region"]), sex="M", region="south"
    ),
    "P10_ratio": lambda: estimate(paired(), "ratio", "victim", denominator="x")[0],
    "P11_prop_F": lambda: by_level(estimate(paired(), "proportion", "sex"), "F"),
    "P11_prop_M": lambda: by_level(estimate(paired(), "proportion", "sex"), "M"),
    "P12_BRR_ps_mean_x": lambda: estimate(
        cal.poststratify(
            with_replicates(paired(), "brr"), "region", {"centre": 700, "north": 750, "south": 550}
        ),
        "mean",
        "x",
    )[0],
    "T1_mean_y": lambda: estimate(twostage(), "mean", "y")[0],
    "T1_total_victim": lambda: estimate(twostage(), "total", "victim")[0],
    "T1_y_18-29": lambda: one(estimate(twostage(), "mean", "y", by=["age"]), age="18-29"),
    "T1_y_30-59": lambda: one(estimate(twostage(), "mean", "y", by=["age"]), age="30-59"),
    "T1_y_60+": lambda: one(estimate(twostage(), "mean", "y", by=["age"]), age="60+"),
    "T3_median_y": lambda: estimate(twostage(), "quantile", "y", quantiles=[0.5])[0],
    "T2_JKn_mean_y": lambda: estimate(with_replicates(twostage(), "jkn"), "mean", "y")[0],
}
for region in ("centre", "north", "south"):
    CASES[f"P7_victim_{region}"] = lambda r=region: one(
        estimate(paired(), "mean", "victim", by=["region"], deff=True), region=r
    )
    CASES[f"P9_totx_{region}"] = lambda r=region: one(
        estimate(paired(), "total", "x", by=["region"]), region=r
    )


def test_every_reference_row_is_used() -> None:
    assert set(CASES) | {"P13_bounded_mean_y", "P13_bounded_min_g", "P13_bounded_max_g"} == set(
        REF.index
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_r(case: str) -> None:
    got = CASES[case]()
    ref = REF.loc[case]
    assert got.estimate == pytest.approx(ref.est, rel=REL)
    assert got.se == pytest.approx(ref.se, rel=REL)
    if np.isfinite(ref.lo):
        assert (got.ci_low, got.ci_high) == pytest.approx((ref.lo, ref.hi), rel=REL)
    if np.isfinite(ref.deff):
        assert got.deff == pytest.approx(ref.deff, rel=REL)


def test_bounded_calibration() -> None:
    """Totals reproduced, g inside the bounds, estimate and SE as R's grake (linear, bounded)."""
    g = cal.calibrate(paired(), totals={"x": 6100}, population_size=2000, bounds=(0.9, 1.3))
    ratio = g.weights / paired().weights
    assert ratio.min() >= 0.9 - 1e-12
    assert ratio.max() <= 1.3 + 1e-12
    x = paired().data["x"].to_numpy()
    assert (g.weights.sum(), (g.weights * x).sum()) == pytest.approx((2000, 6100), rel=1e-10)
    (m,) = estimate(g, "mean", "y")
    ref = REF.loc["P13_bounded_mean_y"]
    assert m.estimate == pytest.approx(ref.est, rel=REL)
    assert m.se == pytest.approx(ref.se, rel=REL)
