"""Gi*, local Moran, global Moran and Geary against the published Columbus values.

Published values: ../shared/REFERENCES.md (PySAL esda and spdep on libpysal's built-in
``columbus``, variable CRIME, 49 neighbourhoods; ArcGIS closed-form binary Gi* with self).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barrio.errors import ConfigError, InputError
from barrio.spatial.inference import fdr_bh
from barrio.spatial.local import gistar, local_moran
from barrio.spatial.moran import geary, moran
from barrio.spatial.weights import contiguity, grid_contiguity


@pytest.fixture(scope="module")
def columbus():
    import geopandas as gpd
    from libpysal.examples import get_path

    return gpd.read_file(get_path("columbus.shp"))


@pytest.fixture(scope="module")
def queen(columbus):
    return contiguity(columbus, "queen")


def test_gistar_columbus_matches_arcgis_closed_form(columbus, queen):
    r = gistar(columbus["CRIME"].to_numpy(), queen, permutations=0)
    np.testing.assert_allclose(
        r.statistic[:5], [-1.4328, -1.34, -0.772, -0.1317, 1.2854], atol=5e-5
    )
    assert r.statistic.max() == pytest.approx(3.4751, abs=5e-5)
    assert int(np.argmax(r.statistic)) + 1 == 16
    assert (r.z > 1.96).sum() == 11
    assert (r.z < -1.96).sum() == 7


def test_gistar_equals_esda_star_binary(columbus, queen):
    import esda
    import libpysal

    x = columbus["CRIME"].to_numpy()
    w = libpysal.weights.Queen.from_dataframe(columbus, use_index=False)
    ref = esda.G_Local(x, w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gistar(x, queen, permutations=0).z, ref.Zs, atol=1e-12)


def test_moran_columbus(columbus, queen):
    x = columbus["CRIME"].to_numpy()
    r = moran(x, queen, permutations=99, seed=0)
    assert r.statistic == pytest.approx(0.5001885572, abs=1e-9)
    assert r.expected == pytest.approx(-0.0208333, abs=1e-7)
    assert r.variance_rand == pytest.approx(0.0086892892, abs=1e-10)
    assert r.z_rand == pytest.approx(5.5894, abs=5e-5)
    assert r.p_sim == pytest.approx(0.02)  # two-sided: 2 * (0 + 1) / (99 + 1)
    rook = moran(x, contiguity(columbus, "rook"), permutations=0)
    assert rook.statistic == pytest.approx(0.5236702128, abs=1e-9)


def test_geary_columbus_rook(columbus):
    r = geary(columbus["CRIME"].to_numpy(), contiguity(columbus, "rook"), permutations=0)
    assert r.statistic == pytest.approx(0.5154408059, abs=1e-9)
    assert r.z_rand < -1.96  # positive autocorrelation


def test_local_moran_scaling_and_quadrants(columbus, queen):
    x = columbus["CRIME"].to_numpy()
    esda_scaled = local_moran(x, queen, permutations=0)
    geoda_scaled = local_moran(x, queen, permutations=0, scaling="geoda")
    n = x.size
    np.testing.assert_allclose(geoda_scaled.statistic, esda_scaled.statistic * n / (n - 1))
    np.testing.assert_allclose(geoda_scaled.z, esda_scaled.z)
    counts = Counter(esda_scaled.extra["quadrant"].tolist())
    assert counts == {"HH": 21, "LH": 5, "LL": 20, "HL": 3}
    # local Moran sums to n/S0 * global I under row standardisation (Anselin 1995, eq. 7)
    glob = moran(x, queen, permutations=0).statistic
    assert geoda_scaled.statistic.sum() / n == pytest.approx(glob, rel=1e-12)


def test_local_moran_equals_esda_values_and_moments(columbus, queen):
    import esda
    import libpysal

    x = columbus["CRIME"].to_numpy()
    ref = esda.Moran_Local(
        x, libpysal.weights.Queen.from_dataframe(columbus, use_index=False), permutations=0
    )
    ours = local_moran(x, queen, permutations=0, scaling="geoda")
    np.testing.assert_allclose(ours.statistic * (x.size - 1) / x.size, ref.Is, atol=1e-12)
    np.testing.assert_allclose(ours.expected, ref.EI, atol=1e-12)
    np.testing.assert_allclose(ours.variance, ref.VI, atol=1e-12)


def test_permutations_are_seeded_and_two_sided(columbus, queen):
    x = columbus["CRIME"].to_numpy()
    a = gistar(x, queen, permutations=199, seed=7)
    b = gistar(x, queen, permutations=199, seed=7)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert ((a.p_sim > 0) & (a.p_sim <= 1)).all()
    hot = int(np.argmax(a.z))
    assert a.p_sim[hot] == pytest.approx(2 / 200)  # most extreme: 2 * (0 + 1) / 200
    assert gistar(x, queen, permutations=199, seed=7, fdr=False).label[hot] == "hot"


@pytest.mark.parametrize("stat", [gistar, local_moran])
def test_permutation_p_values_calibrated_under_null(stat):
    """Under spatial randomness about 5% of two-sided p-values fall at or below 0.05."""
    w = grid_contiguity(30, 30)
    rng = np.random.default_rng(2024)
    shares = [
        (stat(rng.normal(size=900), w, permutations=199, seed=s).p_sim <= 0.05).mean()
        for s in range(4)
    ]
    share = float(np.mean(shares))
    sd = np.sqrt(0.05 * 0.95 / 3600)
    # 4 binomial SDs: units share draws and neighbours, so allow more than the iid band.
    assert abs(share - 0.05) < 4 * sd + 0.005, shares


def test_fdr_controls_labels_under_null():
    rng = np.random.default_rng(1)
    r = gistar(rng.poisson(5, 400).astype(float), grid_contiguity(20, 20), permutations=99, seed=1)
    assert (r.label == "not significant").mean() > 0.97


def test_fdr_bh_known_values():
    # Benjamini & Hochberg (1995) step-up; compare to statsmodels' implementation
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    np.testing.assert_allclose(fdr_bh(p), multipletests(p, method="fdr_bh")[1])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=50))
def test_fdr_q_values_bounded_and_monotone(p):
    p = np.array(p)
    q = fdr_bh(p)
    assert (q >= p - 1e-12).all()
    assert (q <= 1).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-12).all()


def test_errors_name_the_bad_value(queen):
    with pytest.raises(ConfigError, match="alternative"):
        gistar(np.arange(49.0), queen, alternative="both")
    with pytest.raises(ConfigError, match="scaling"):
        local_moran(np.arange(49.0), queen, scaling="arcgis")
    with pytest.raises(InputError, match="constant"):
        gistar(np.ones(49), queen)
