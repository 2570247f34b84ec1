"""The benchmark's pandas implementation and Barrio's engine give the same table.

``benchmarks/indicators.py`` times Barrio against a plain pandas groupby/merge version of the
same monthly sex × age table (written independently: one indicator at a time, merges for the
earlier periods, its own population interpolation). On a small synthetic warehouse both must
agree in every row and column, so the benchmark compares like with like and the dense-array
engine is checked against a second implementation.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from barrio.indicators.compute import indicator_table

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "indicators.py"
KEY = ["indicator_id", "area_id", "period_start", "sex", "age_group"]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_indicators", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_indicators"] = module
    spec.loader.exec_module(module)
    return module


def test_engine_equals_pandas_baseline(tmp_path):
    bench = _bench()
    path = tmp_path / "w.duckdb"
    bench.build(path, 20_000, 200)
    indicators = bench.twenty_indicators()
    frames: list[pd.DataFrame] = []
    rows = bench.run_pandas(path, indicators, keep=frames)
    expected = pd.concat(frames, ignore_index=True)
    con = ibis.duckdb.connect(str(path), read_only=True)
    try:
        got = indicator_table(con, indicators, period="month", by=["sex", "age_group"])
    finally:
        con.disconnect()
    assert len(got) == rows == len(expected) > 100_000
    expected["period_start"] = pd.to_datetime(expected["period_start"]).astype("datetime64[ns]")
    got = got.sort_values(KEY).reset_index(drop=True)
    expected = expected.sort_values(KEY).reset_index(drop=True)[got.columns]
    for column in got.columns:
        left, right = got[column], expected[column]
        if pd.api.types.is_float_dtype(left):
            a, b = left.to_numpy(float), right.to_numpy(float)
            assert (np.isnan(a) == np.isnan(b)).all(), column
            assert np.allclose(a, b, rtol=1e-9, atol=0, equal_nan=True), column
        else:
            same = left.astype("string").fillna("<NA>").to_numpy()
            other = right.astype("string").fillna("<NA>").to_numpy()
            assert (same == other).all(), column
