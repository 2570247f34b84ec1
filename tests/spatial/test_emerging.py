"""Emerging hot spots: Mann-Kendall (published value), space-time Gi*, categories.

Reference: Mann-Kendall on 1..10 gives z = 3.93548 (REFERENCES.md; e.g. R ``Kendall::MannKendall``
/ pymannkendall). The categories follow ESRI's published definitions, tested on constructed
series where the category is unambiguous.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from barrio.spatial.emerging import (
    esri_categories,
    mann_kendall,
    sfhotspot_categories,
    space_time_cube,
    space_time_gistar,
)
from barrio.spatial.local import gistar
from barrio.spatial.weights import grid_contiguity


def test_mann_kendall_published_value():
    r = mann_kendall(np.arange(1.0, 11.0)[None])
    assert r["S"][0] == 45
    assert r["z"][0] == pytest.approx(3.93548, abs=5e-6)


def test_mann_kendall_matches_kendall_tau_sign_and_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(20, 12)).astype(float)  # many ties
    r = mann_kendall(x)
    t = np.arange(12)
    for row, s in zip(x, r["S"], strict=True):
        # S equals the numerator of Kendall's tau-a against time
        i, j = np.triu_indices(12, 1)
        assert s == np.sign(row[j] - row[i]).sum()
        if s != 0:
            assert np.sign(s) == np.sign(stats.kendalltau(t, row).statistic)
    # variance with ties is below the no-ties variance
    assert (r["var"] < 12 * 11 * 29 / 18).all()


def test_space_time_gistar_one_period_equals_gistar():
    rng = np.random.default_rng(1)
    w = grid_contiguity(6, 6)
    cube = rng.poisson(3, size=(36, 1)).astype(float)
    np.testing.assert_allclose(
        space_time_gistar(cube, w)[:, 0], gistar(cube[:, 0], w, permutations=0).z
    )


def test_space_time_cube_counts():
    cube = space_time_cube(np.array([0, 0, 1, -1, 2]), np.array([0, 0, 1, 0, 5]), 3, 2)
    assert cube.tolist() == [[2, 0], [0, 1], [0, 0]]


def _categories_of(on_rows, other_rows=None, trend=None):
    # Build z-scores: 5 on significant-hot bins, 0 elsewhere, -5 on significant-cold bins.
    on = np.array(on_rows, dtype=bool)
    z = np.where(on, 5.0, 0.0)
    if other_rows is not None:
        z = np.where(np.array(other_rows, dtype=bool), -5.0, z)
    if trend is not None:
        z = z + np.array(trend)
    return esri_categories(z, fdr=False)["category"].tolist()


def test_esri_category_rules():
    t = 10
    rows = [
        [0] * 9 + [1],  # new
        [0] * 7 + [1] * 3,  # consecutive
        [1] * t,  # persistent (no trend)
        [0, 1] * 5,  # sporadic
        [1] * 9 + [0],  # historical
        [0] * t,  # no pattern
    ]
    labels = _categories_of(rows)
    assert labels == [
        "new hot spot",
        "consecutive hot spot",
        "persistent hot spot",
        "sporadic hot spot",
        "historical hot spot",
        "no pattern",
    ]
    assert _categories_of([[1] * t], trend=[np.linspace(0, 3, t)]) == ["intensifying hot spot"]
    assert _categories_of([[1] * t], trend=[np.linspace(3, 0, t)]) == ["diminishing hot spot"]
    osc = _categories_of([[0, 0, 1, 0, 0, 0, 0, 0, 0, 1]], [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert osc == ["oscillating hot spot"]
    assert _categories_of([[0] * t], [[0] * 9 + [1]]) == ["new cold spot"]


def test_sfhotspot_categories():
    z = np.array([[5.0] * 10, [0.0] * 8 + [5.0] * 2, [5.0] * 3 + [0.0] * 7, [0.0] * 10])
    assert sfhotspot_categories(z).tolist() == [
        "persistent hotspot",
        "emerging hotspot",
        "former hotspot",
        "no pattern",
    ]
