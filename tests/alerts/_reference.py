"""Helpers to load the R ``surveillance`` reference outputs in ../shared/data/surveillance_ref."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import shared_path


def load(name: str) -> pd.DataFrame:
    """One reference CSV (skips locally when the shared data folder is absent)."""
    return pd.read_csv(shared_path("surveillance_ref", name))


def monitored(df: pd.DataFrame, column: str) -> list[int]:
    """0-based positions where R reported a result for ``column`` (its ``range``)."""
    t = df.loc[df[f"{column}_upperbound"].notna() | df[f"{column}_alarm"].notna(), "t"]
    return [int(x) - 1 for x in t] if len(t) else []


def assert_matches(df, column, mine, monitor, *, rtol: float) -> None:
    """Upper bounds within ``rtol`` (NaN where R has NA) and identical alarms."""
    ub = df[f"{column}_upperbound"].to_numpy(float)[monitor]
    al = df[f"{column}_alarm"].to_numpy(float)[monitor]
    got_ub = np.asarray(mine.upperbound).ravel()
    got_al = np.asarray(mine.alarm).ravel()
    np.testing.assert_array_equal(np.isnan(got_ub), np.isnan(ub), err_msg=f"{column}: NA pattern")
    np.testing.assert_allclose(got_ub, ub, rtol=rtol, atol=0, equal_nan=True, err_msg=column)
    known = ~np.isnan(al)
    np.testing.assert_array_equal(got_al[known], al[known] == 1, err_msg=f"{column}: alarms")
