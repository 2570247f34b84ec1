"""Near repeat: the Near Repeat Calculator's observed table and pointpats' Knox on burkitt.

References (../shared/REFERENCES.md): NRC 1.3 output ``chicago_be_month1_NRverbose_*.csv``
(970 burglaries, Manhattan distance), observed frequencies table reproduced cell by cell;
pointpats Knox on libpysal ``burkitt`` (delta 20, tau 5): statistic 13, p_poisson 0.146245582.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from barrio.errors import ConfigError, InputError
from barrio.spatial.nearrepeat import knox, near_repeat

NRC_OBSERVED = [
    [28, 5, 5, 2],
    [44, 13, 8, 4],
    [97, 56, 19, 16],
    [77, 67, 45, 20],
    [182194, 146149, 95237, 45879],
]


@pytest.mark.realdata
def test_near_repeat_calculator_chicago_table():
    from tests.conftest import shared_path

    path = shared_path("spatial_reference", "nrc", "chicago_be_month1.csv")
    frame = pd.read_csv(path, header=None, names=["x", "y", "date"])
    days = (pd.to_datetime(frame["date"]) - pd.to_datetime(frame["date"]).min()).dt.days
    table = near_repeat(
        frame[["x", "y"]].to_numpy(),
        days.to_numpy(),
        [0, 1, 100, 200, 300],
        [0, 7, 14, 21],
        iterations=19,
        seed=1,
        metric="manhattan",
    )
    np.testing.assert_array_equal(table.observed.to_numpy(), NRC_OBSERVED)
    assert table.observed.to_numpy().sum() == 970 * 969 // 2
    # the strongest published effect (same location / 1-100 m, first week) is significant
    assert table.knox_ratio.iloc[1, 0] > 1.3
    assert table.p_value.iloc[1, 0] == pytest.approx(0.05)


def test_knox_burkitt_matches_pointpats():
    import geopandas as gpd
    from libpysal.examples import get_path

    b = gpd.read_file(get_path("burkitt.shp"))
    r = knox(b[["X", "Y"]].to_numpy(), b["T"].to_numpy(), 20, 5, permutations=99, seed=0)
    assert r.statistic == 13
    assert r.p_poisson == pytest.approx(0.146245582, abs=1e-9)
    assert 0 < r.p_sim <= 1


def test_near_repeat_matches_brute_force():
    rng = np.random.default_rng(8)
    xy = rng.integers(0, 400, size=(120, 2)).astype(float)
    t = rng.integers(0, 60, size=120).astype(float)
    d_edges, t_edges = [0, 1, 50, 150], [0, 7, 14]
    table = near_repeat(xy, t, d_edges, t_edges, iterations=5, seed=0, metric="euclidean")
    i, j = np.triu_indices(120, 1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    dt = np.abs(t[i] - t[j])
    row = np.searchsorted(d_edges, d, side="right") - 1
    col = np.searchsorted(t_edges, dt, side="right") - 1
    expected = np.zeros((4, 3), dtype=int)
    np.add.at(expected, (row, col), 1)
    np.testing.assert_array_equal(table.observed.to_numpy(), expected)
    # the time-band totals are invariant under shuffling of the dates
    np.testing.assert_allclose(table.expected.sum(axis=0), expected.sum(axis=0))


def test_errors():
    with pytest.raises(ConfigError, match="bands"):
        near_repeat(np.zeros((3, 2)), np.arange(3), [5, 10], [0, 7])
    with pytest.raises(ConfigError, match="distance"):
        knox(np.random.default_rng(0).normal(size=(5, 2)), np.arange(5), 1, 1, metric="chebyshev")
    with pytest.raises(InputError, match="events"):
        knox(np.zeros((3, 2)), np.arange(4), 1, 1)
