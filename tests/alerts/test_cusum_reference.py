"""Poisson CUSUM against R surveillance::algo.cusum (k=1.04, h=2.26); exact integer limits."""

from __future__ import annotations

import numpy as np

from barrio.alerts.cusum import cusum
from tests.alerts._reference import assert_matches, load, monitored


def test_cusum_salmonella_agona_defaults():
    df = load("salmonella_agona_reference.csv")
    column = "cusum_default"
    mon = monitored(df, column)
    out = cusum(df["observed"].to_numpy(float)[None, :], mon)
    assert_matches(df, column, out, mon, rtol=0)


def test_cusum_hand_computed():
    # m = 4: z = (4-4)/2=0, (11-4)/2=3.5 -> C = 0, 2.46 (>= 2.26), then 2.46 + 4 - 1.04 = 5.42
    out = cusum(np.array([[4.0, 4, 4, 4, 11, 12]]), [3, 4, 5])
    np.testing.assert_allclose(out.score[0], [0.0, 2.46, 5.42])
    assert out.alarm[0].tolist() == [False, True, True]
    np.testing.assert_allclose(out.upperbound[0], np.ceil([2 * 3.3 + 4, 2 * 3.3 + 4, 2 * 0.84 + 4]))
