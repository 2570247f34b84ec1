"""The indicator table is the same on DuckDB, PostgreSQL and Spark (one Ibis pipeline).

Monthly, by sex × age group, every level, every shipped indicator that incidents can feed, on
the small fixture city: identical rows (counts exactly; rates, intervals and p-values to 1e-9).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from barrio.indicators.catalog import load_catalog
from barrio.indicators.compute import indicator_table
from barrio.warehouse.engines import engine_session, open_engine, publish
from barrio.workspace import Workspace
from tests.warehouse.conftest import workspace_with_engine

KEY = ["indicator_id", "area_id", "period_start", "sex", "age_group"]


def compute(con: Any) -> pd.DataFrame:
    table = indicator_table(
        con,
        list(load_catalog().values()),
        period="month",
        by=["sex", "age_group"],
        source="incidents",
        smooth=True,
    )
    return table.sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def on_duckdb(city_workspace: Workspace) -> pd.DataFrame:
    with engine_session(city_workspace, read_only=True) as con:
        return compute(con)


def assert_same(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert len(ours) == len(reference) > 10_000
    for column in reference.columns:
        left, right = ours[column], reference[column]
        if pd.api.types.is_float_dtype(right):
            pd.testing.assert_series_equal(
                left, right, check_exact=False, rtol=1e-9, check_dtype=False
            )
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), column


def test_postgres_indicator_table_equals_duckdb(city_workspace, postgres_url, on_duckdb):
    ws = workspace_with_engine(city_workspace, postgres_url)
    with engine_session(ws) as con:
        publish(ws, con)
        table = compute(con)
    assert_same(table, on_duckdb)


@pytest.mark.slow
def test_spark_indicator_table_equals_duckdb(city_workspace, spark_session, on_duckdb):
    ws = workspace_with_engine(city_workspace, "spark-local")
    con = open_engine(ws)
    publish(ws, con)
    assert_same(compute(con), on_duckdb)
