"""The in-engine path (store_table: stream into the warehouse) writes exactly indicator_table."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from barrio.indicators.catalog import load_catalog
from barrio.indicators.compute import COLUMNS, indicator_table, plan, store_table
from tests.indicators.conftest import build_warehouse
from tests.indicators.test_aggregation import city, incidents, population

KEY = ["indicator_id", "area_level", "area_id", "period_start", "sex", "age_group"]


def test_stored_rows_equal_indicator_table_and_replace_the_slice(tmp_path):
    rng = np.random.default_rng(5)
    areas = city(2, 3)
    path = build_warehouse(
        tmp_path / "w.duckdb", areas, population(areas, rng), incidents(areas, 500, rng)
    )
    catalog = load_catalog()
    inds = [catalog[i] for i in ("total-crime", "theft", "homicide-women")]
    con = ibis.duckdb.connect(str(path))
    try:
        options = {"period": "month", "by": ["sex", "age_group"], "smooth": True}
        expected = indicator_table(con, inds, **options)
        request = plan(con, inds, **options)
        assert request is not None
        writer = con.con.cursor()
        for run in ("first", "second"):  # the second run replaces the first one's rows
            rows, missing = store_table(con, writer, request, run)
        stored = writer.execute("SELECT * FROM indicators").df()
        writer.close()
    finally:
        con.disconnect()
    assert rows == len(expected) == len(stored) > 1000
    assert set(stored["run_id"]) == {"second"}
    assert missing == int(expected["denominator"].isna().sum()) > 0
    stored = stored.sort_values(KEY).reset_index(drop=True)
    expected = expected.sort_values(KEY).reset_index(drop=True)
    stored["period_start"] = pd.to_datetime(stored["period_start"]).astype("datetime64[ns]")
    for column in COLUMNS:
        if pd.api.types.is_float_dtype(expected[column]):
            # window sums (EB) may add in another order: last-bit differences only
            np.testing.assert_allclose(
                stored[column], expected[column], rtol=1e-12, atol=0, err_msg=column
            )
        else:
            assert stored[column].astype(str).tolist() == expected[column].astype(str).tolist()
