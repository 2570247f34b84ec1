"""Spark engine (local mode): the same numbers as DuckDB, and the same spatial assignment.

Starting Spark costs ~20 s, so the module publishes once and keeps its tests few.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pytest
import shapely

from barrio.ingest.assign import AreaIndex
from barrio.warehouse.engines import engine_session, open_engine, publish
from barrio.workspace import Workspace
from tests.warehouse import queries
from tests.warehouse.conftest import workspace_with_engine
from tests.warehouse.queries import boundary_points

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_engine(city_workspace: Workspace, spark_session: Any) -> Any:
    """The fixture city published to Spark; the Ibis backend on the shared session."""
    ws = workspace_with_engine(city_workspace, "spark-local")
    with engine_session(city_workspace, read_only=True) as duck:
        reference = queries.run_all(duck)
    con = open_engine(ws)
    result = publish(ws, con)
    return con, reference, result


def test_spark_gives_the_same_tables_as_duckdb(
    spark_engine: Any, city_workspace: Workspace
) -> None:
    con, reference, result = spark_engine
    assert con.name == "pyspark"
    assert result.rows == dict(reference["row_counts"])
    parquet = city_workspace.warehouse_path.parent / "spark"
    assert sorted(p.name for p in parquet.iterdir()) == sorted(result.rows)
    for name, query in queries.QUERIES.items():
        assert query(con) == reference[name], name
    schema = con.table("incidents").schema()
    assert str(schema["occurred_on"]) == "date"
    assert str(schema["iccs_code"]) == "string"
    assert str(schema["row_hash"]) == "int64"
    # the session was running before: engine_session must leave it running
    with engine_session(workspace_with_engine(city_workspace, "spark-local")) as again:
        assert again.table("areas").count().execute() == 161
    assert con.table("areas").count().execute() == 161


def test_spark_assignment_equals_area_index(
    spark_engine: Any, spark_session: Any, city_workspace: Workspace
) -> None:
    """Every fixture incident, and points on every vertex and edge middle of the neighborhoods."""
    import geopandas as gpd
    import pandas as pd
    from pyspark.sql import functions as sf

    from barrio.warehouse.spark import assign_areas_spark

    with duckdb.connect(str(city_workspace.warehouse_path), read_only=True) as duck:
        expected = duck.execute(
            "SELECT source, incident_id, area_id, location_status FROM incidents"
        ).fetchall()
        areas = duck.execute(
            "SELECT area_id, geometry FROM areas WHERE level = 'neighborhood'"
        ).fetchall()
    polygons = shapely.from_wkb([bytes(a[1]) for a in areas])
    # given in reverse order: the function must order the areas by area_id itself
    gdf = gpd.GeoDataFrame({"area_id": [a[0] for a in areas]}, geometry=polygons, crs=4326)
    gdf = gdf.iloc[::-1]
    points = boundary_points(polygons)
    edges = pd.DataFrame(
        {
            "source": "edges",
            "incident_id": [str(i) for i in range(len(points))],
            "lon": points[:, 0],
            "lat": points[:, 1],
        }
    )
    incidents = spark_session.table("incidents")
    edge_df = spark_session.createDataFrame(edges).select(
        *[
            sf.col(c) if c in edges.columns else sf.lit(None).cast(t).alias(c)
            for c, t in incidents.dtypes
        ]
    )
    # forget the ingest's assignment: it must come back from Spark
    cleared = incidents.withColumn("area_id", sf.lit(None).cast("string")).withColumn(
        "location_status",
        sf.when(sf.col("lon").isNotNull(), sf.lit("unassigned")).otherwise(
            sf.col("location_status")
        ),
    )
    both = cleared.unionByName(edge_df)
    out = assign_areas_spark(spark_session, both, gdf)
    assert out.columns == incidents.columns  # area_id stays in its place
    got = {
        (r[0], r[1]): (r[2], r[3])
        for r in out.select("source", "incident_id", "area_id", "location_status").collect()
    }

    for source, incident_id, area_id, status in expected:
        assert got[(source, incident_id)] == (area_id, status), incident_id
    order = np.argsort(np.array([a[0] for a in areas], dtype=object), kind="stable")
    ids = np.array([a[0] for a in areas], dtype=object)[order]
    found = AreaIndex(polygons[order]).assign(points[:, 0], points[:, 1])
    edge_expected = np.where(found >= 0, ids[np.maximum(found, 0)], None)
    assert [got[("edges", str(i))][0] for i in range(len(points))] == list(edge_expected)
