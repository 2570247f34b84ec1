"""Priority-neighbourhood index: normalisation, combination, constraints, stability, EB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.errors import ConfigError, InputError
from barrio.spatial.priority import eb_rate, normalise, priority_index


@pytest.fixture
def hoods():
    rng = np.random.default_rng(0)
    n = 30
    return pd.DataFrame(
        {
            "area_id": [f"A{i:02d}" for i in range(n)],
            "name": [f"Colonia {i}" for i in range(n)],
            "district": np.repeat(["north", "south", "east"], 10),
            "robbery_rate": rng.gamma(2, 50, n),
            "youth_share": rng.uniform(0.1, 0.4, n),
            "hot_share": rng.uniform(0, 1, n),
        }
    )


PILLARS = {
    "crime": {"robbery_rate": 1.0},
    "context": {"youth_share": 1.0},
    "hotspot": {"hot_share": 1.0},
}


def test_selects_n_with_district_minimum_and_explains(hoods):
    r = priority_index(hoods, PILLARS, n_select=9, district_column="district", min_per_district=2)
    sel = r.table[r.table["selected"]]
    assert len(sel) == len(r.selected) == 9
    assert sel["district"].value_counts().min() >= 2
    assert r.table["rank"].tolist() == list(range(1, 31))
    assert all(r.table["explanation"].str.contains("crime"))
    assert ((r.table["stability"] >= 0) & (r.table["stability"] <= 1)).all()


def test_geometric_mean_does_not_offset_a_low_pillar():
    frame = pd.DataFrame(
        {"area_id": ["a", "b", "c"], "x": [0.0, 0.5, 1], "y": [1.0, 0.5, 0], "z": [1.0, 0.5, 0]}
    )
    pillars = {"p1": {"x": 1}, "p2": {"y": 1}, "p3": {"z": 1}}
    geo = priority_index(frame, pillars, n_select=1, normalisation="minmax", draws=0)
    ari = priority_index(
        frame, pillars, n_select=1, normalisation="minmax", combine="arithmetic", draws=0
    )
    assert geo.selected == ["b"]  # a has a zero pillar
    assert ari.selected == ["a"]  # 2/3 > 1/2 under full compensation


def test_negative_weight_reverses_indicator():
    frame = pd.DataFrame({"area_id": ["a", "b", "c"], "schooling": [12.0, 9.0, 6.0]})
    r = priority_index(frame, {"context": {"schooling": -1}}, n_select=1, draws=0)
    assert r.selected == ["c"]


def test_stability_is_one_for_a_dominant_neighbourhood():
    frame = pd.DataFrame({"area_id": list("abcd"), "x": [10.0, 1, 2, 3], "y": [10.0, 3, 2, 1]})
    r = priority_index(frame, {"p": {"x": 1}, "q": {"y": 1}}, n_select=1, draws=50)
    assert r.table.set_index("area_id").loc["a", "stability"] == 1.0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_normalised_scores_in_unit_interval_and_monotone(values):
    v = np.array(values)
    for method in ("percentile", "minmax"):
        s = normalise(v, method)
        assert ((s >= 0) & (s <= 1)).all()
        order = np.argsort(v, kind="stable")
        assert (np.diff(s[order]) >= -1e-12).all()


def test_eb_rate_shrinks_small_areas_towards_global_rate():
    events = np.array([0, 1, 50, 200])
    pop = np.array([10, 20, 50_000, 100_000])
    eb = eb_rate(events, pop)
    raw = events / pop * 1e5
    glob = events.sum() / pop.sum() * 1e5
    assert abs(eb[1] - glob) < abs(raw[1] - glob)
    assert eb[3] == pytest.approx(raw[3], rel=0.05)  # large populations barely move
    assert (eb >= 0).all()


def test_errors_name_the_problem(hoods):
    with pytest.raises(InputError, match="not_a_column"):
        priority_index(hoods, {"crime": {"not_a_column": 1}}, n_select=3)
    with pytest.raises(ConfigError, match="n=2"):
        priority_index(hoods, PILLARS, n_select=2, district_column="district", min_per_district=1)
    with pytest.raises(ConfigError, match="combination"):
        priority_index(hoods, PILLARS, n_select=2, combine="harmonic")
    with pytest.raises(ConfigError, match="normalisation"):
        normalise([1, 2], "zscore")
