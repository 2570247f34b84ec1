"""FDR, Poisson z, Semáforo, roll-up and explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from barrio.alerts.crime import poisson_z, semaforo
from barrio.alerts.explain import explain
from barrio.alerts.fdr import bh_adjust
from barrio.alerts.rollup import roll_up
from barrio.errors import ConfigError, InputError

# Benjamini & Hochberg (1995), section 4.2: 15 p-values; at q = 0.05 the first 4 are rejected.
BH_1995 = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.0000,
]


def test_bh_published_example():
    q = bh_adjust(BH_1995)
    assert (q <= 0.05).sum() == 4


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_bh_matches_statsmodels_and_is_monotone(p):
    q = bh_adjust(p)
    np.testing.assert_allclose(
        q, multipletests(p, method="fdr_bh")[1], rtol=1e-12, atol=1e-300
    )  # denormals differ by one ulp
    order = np.argsort(p, kind="mergesort")
    assert (np.diff(q[order]) >= -1e-15).all()
    assert (q >= np.asarray(p) - 1e-15).all()


def test_bh_false_alarm_rate_under_null():
    """Outbreak-free Poisson series: after FDR at 5%, (nearly) no alert among 20,000 series."""
    rng = np.random.default_rng(7)
    y = rng.poisson(20, size=(20_000, 40)).astype(float)
    raw = poisson_z(y, [39], window=36, alpha=0.05)
    q = bh_adjust(raw.pvalue[:, 0])
    assert 0.02 < raw.alarm.mean() < 0.08  # each test near its nominal 5%
    assert (q <= 0.05).sum() <= 0.05 * 20_000 * 0.05  # FDR: any alert set is almost surely empty


def test_poisson_z_wheeler_formula():
    # Wheeler (2016): z = 2 (sqrt(current) - sqrt(historical)); 25 vs a mean of 16 -> 2.
    out = poisson_z(np.array([[16.0, 16, 16, 25]]), [3], window=3)
    assert out.score[0, 0] == pytest.approx(2.0)
    assert out.alarm[0, 0]
    assert out.upperbound[0, 0] == pytest.approx((4 + 1.6448536269514722 / 2) ** 2)


def test_semaforo_colours_and_history():
    hist = np.full(36, 20.0)
    y = np.array([np.r_[hist, 15], np.r_[hist, 18], np.r_[hist, 20], np.r_[hist, 21]])
    out = semaforo(y, [36])
    assert out.extra["colour"][:, 0].tolist() == ["green", "yellow", "yellow", "red"]
    assert out.alarm[:, 0].tolist() == [False, False, False, True]
    with pytest.raises(ConfigError, match="36 periods"):
        semaforo(y, [20])


def test_roll_up_sums_children_and_reports_orphans():
    df = pd.DataFrame(
        {
            "area_id": ["a", "b", "c", "a"],
            "period": ["2024-01"] * 3 + ["2024-02"],
            "count": [1, 2, 4, 8],
        }
    )
    out = roll_up(df, {"a": "D1", "b": "D1", "c": "D2"}, key="area_id")
    assert out.set_index(["area_id", "period"])["count"].to_dict() == {
        ("D1", "2024-01"): 3,
        ("D1", "2024-02"): 8,
        ("D2", "2024-01"): 4,
    }
    with pytest.raises(InputError, match="no parent"):
        roll_up(df, {"a": "D1"}, key="area_id")
    assert roll_up(df, {"a": "D1"}, key="area_id", strict=False).attrs["unmapped"] == ["b", "c"]


def test_explanation_in_both_languages():
    en = explain("Robo", "2024-03", 14, 5.2, 9.8, alarm=True, locale="en")
    es = explain("Robo", "2024-03", 14, 5.2, 9.8, alarm=True, locale="es")
    assert en == "ALERT Robo: 14 in 2024-03 against an expected 5.2; the alert threshold was 9.8"
    assert es.startswith("ALERTA Robo: 14 en 2024-03")
    assert "5,2" in es
    assert "9,8" in es
