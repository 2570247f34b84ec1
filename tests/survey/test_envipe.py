"""ENVIPE 2021 victimization indicators on INEGI's microdata (../shared/data/envipe_2021).

References: R survey 4.1.1 on the same crimes table (data/envipe_r_reference.csv, relative
tolerance 1e-7); the data's PROVENANCE sanity figures (prevalence of personal crimes 05-15 = 17.0 %,
share reported by the victim = 9.4 %, to the printed 0.1 point); INEGI's published national dark
figure for 2020, 93.3 % (within 0.5 points: INEGI's figure also counts crimes outside this module).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from barrio.survey import estimate
from barrio.survey.indicators import IndicatorSet, compute_indicators, load_mapping, table_design
from tests.conftest import shared_path

pytestmark = pytest.mark.realdata
REF = pd.read_csv(Path(__file__).parent / "data" / "envipe_r_reference.csv").set_index("case")


@cache
def indicators() -> IndicatorSet:
    return compute_indicators(shared_path("envipe_2021"), "envipe-2021", by=["state"])


@cache
def crimes():
    return table_design(load_mapping("envipe-2021"), "crimes", shared_path("envipe_2021"))


def national(name: str):
    (e,) = [e for e in indicators().estimates if e.statistic == name and not e.domain]
    return e


def state(name: str, code: str):
    (e,) = [
        e for e in indicators().estimates if e.statistic == name and e.domain.get("state") == code
    ]
    return e


@pytest.mark.parametrize(("name", "key"), [("dark_figure", "dark"), ("reporting_rate", "rep")])
@pytest.mark.parametrize("where", ["national", "09", "15", "31"])
def test_dark_figure_and_reporting_rate_match_r(name: str, key: str, where: str) -> None:
    got = national(name) if where == "national" else state(name, where)
    ref = REF.loc[f"{key}_{where}"]
    assert got.estimate == pytest.approx(100 * ref.est, rel=1e-7)
    assert got.se == pytest.approx(100 * ref.se, rel=1e-7)
    assert got.cv == pytest.approx(100 * ref.se / ref.est, rel=1e-7)
    assert got.quality == "high"


def test_published_magnitudes() -> None:
    assert abs(national("dark_figure").estimate - 93.3) < 0.5
    assert round(national("prevalence_rate").estimate / 1000, 1) == 17.0
    reported_by_victim = (crimes().data["BP1_20"] == "1").to_numpy(float)
    w = crimes().weights
    assert round(100 * (w * reported_by_victim).sum() / w.sum(), 1) == 9.4


def test_state_totals_add_up_to_the_national_total() -> None:
    """Totals are additive, and (strata nested in states) so are their variances."""
    d = crimes()
    data = d.data.assign(dark=(d.data["BP1_24"] != "1").astype(float))
    d = d.with_weights(d.weights, data=data)
    (nat,) = estimate(d, "total", "dark")
    states = estimate(d, "total", "dark", by=["state"])
    assert len(states) == 32
    assert sum(s.estimate for s in states) == pytest.approx(nat.estimate, rel=1e-12)
    assert sum(s.se**2 for s in states) == pytest.approx(nat.se**2, rel=1e-9)


def test_national_share_is_the_weighted_mean_of_state_shares() -> None:
    w = crimes().weights
    codes = crimes().data["state"].to_numpy()
    shares = np.array([state("dark_figure", c).estimate for c in sorted(set(codes))])
    totals = np.array([w[codes == c].sum() for c in sorted(set(codes))])
    assert (shares * totals).sum() / totals.sum() == pytest.approx(national("dark_figure").estimate)


def test_missing_table_is_reported_not_dropped() -> None:
    missing = {u["indicator"] for u in indicators().unavailable}
    assert missing == {"trust_police_state", "perception_insecurity"}
