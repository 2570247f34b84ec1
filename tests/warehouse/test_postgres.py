"""PostgreSQL/PostGIS engine: the same numbers as DuckDB, and the same spatial assignment."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
import shapely

from barrio.ingest.assign import AreaIndex
from barrio.warehouse.engines import engine_session, publish
from barrio.warehouse.postgres import assign_areas_postgis
from barrio.workspace import Workspace
from tests.warehouse import queries
from tests.warehouse.conftest import require, workspace_with_engine
from tests.warehouse.queries import boundary_points

psycopg = require("psycopg")


@pytest.fixture(scope="module")
def duckdb_results(city_workspace: Workspace) -> dict[str, queries.Rows]:
    with engine_session(city_workspace, read_only=True) as con:
        return queries.run_all(con)


@pytest.fixture
def published(city_workspace: Workspace, postgres_url: str) -> str:
    """The fixture city published to a fresh PostgreSQL database; yields its URL."""
    ws = workspace_with_engine(city_workspace, postgres_url)
    with engine_session(ws) as con:
        result = publish(ws, con)
    assert result.engine == "postgres"
    assert result.rows["incidents"] > 5000
    return postgres_url


def test_postgres_gives_the_same_tables_as_duckdb(
    city_workspace: Workspace, published: str, duckdb_results: dict[str, queries.Rows]
) -> None:
    ws = workspace_with_engine(city_workspace, published)
    with engine_session(ws) as con:
        assert con.name == "postgres"
        for name, query in queries.QUERIES.items():
            assert query(con) == duckdb_results[name], name


def test_types_survive_the_copy(published: str) -> None:
    with psycopg.connect(published) as conn:
        types = dict(
            conn.execute(
                """SELECT table_name || '.' || column_name, data_type
                FROM information_schema.columns WHERE table_schema = 'public'"""
            ).fetchall()
        )
        geometry = conn.execute(
            "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'areas'"
        ).fetchone()
        indexes = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes").fetchall()]
        values = conn.execute(
            """SELECT occurred_time, iccs_code FROM incidents
            WHERE occurred_time IS NOT NULL AND iccs_code LIKE '0%' LIMIT 1"""
        ).fetchone()
    assert types["incidents.occurred_on"] == "date"
    assert types["incidents.occurred_time"] == "time without time zone"
    assert types["incidents.attempted"] == "boolean"
    assert types["counts.count"] == "bigint"
    assert types["population.year"] == "integer"
    assert geometry == ("MULTIPOLYGON", 4326)
    assert any("USING gist (geometry)" in d for d in indexes)
    assert values is not None
    assert values[1].startswith("0")


def test_geometry_and_row_hash_are_bit_identical(city_workspace: Workspace, published: str) -> None:
    with duckdb.connect(str(city_workspace.warehouse_path), read_only=True) as duck:
        expected = {
            r[0]: (bytes(r[1]), r[2])
            for r in duck.execute("SELECT area_id, geometry, row_hash FROM areas").fetchall()
        }
    with psycopg.connect(published) as conn:
        rows = conn.execute("SELECT area_id, ST_AsBinary(geometry), row_hash FROM areas").fetchall()
    assert len(rows) == len(expected)
    for area_id, wkb, row_hash in rows:
        duck_wkb, duck_hash = expected[area_id]
        pg_geometry, duck_geometry = shapely.from_wkb(bytes(wkb)), shapely.from_wkb(duck_wkb)
        assert pg_geometry.geom_type == "MultiPolygon"
        assert np.array_equal(  # every coordinate, bit for bit
            shapely.get_coordinates(pg_geometry), shapely.get_coordinates(duck_geometry)
        )
        assert row_hash % 2**64 == duck_hash  # the same 64 bits, read as signed


def test_publish_again_replaces_the_tables(city_workspace: Workspace, published: str) -> None:
    ws = workspace_with_engine(city_workspace, published)
    with engine_session(ws) as con:
        before = queries.row_counts(con)
        publish(ws, con)
        assert queries.row_counts(con) == before


def test_publish_refuses_to_drop_user_views(city_workspace: Workspace, published: str) -> None:
    from barrio.errors import WorkspaceError

    with psycopg.connect(published, autocommit=True) as conn:
        conn.execute("CREATE VIEW my_view AS SELECT area_id FROM incidents")
    ws = workspace_with_engine(city_workspace, published)
    with engine_session(ws) as con, pytest.raises(WorkspaceError) as info:
        publish(ws, con)
    assert "my_view" in info.value.message
    with psycopg.connect(published) as conn:  # the previous copy is intact
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] > 5000


def test_postgis_assignment_equals_area_index(city_workspace: Workspace, published: str) -> None:
    """Every incident of the fixture city gets the area the ingest (AreaIndex) gave it."""
    key = "SELECT source, incident_id, area_id, location_status FROM incidents"
    with duckdb.connect(str(city_workspace.warehouse_path), read_only=True) as duck:
        expected = {(r[0], r[1]): (r[2], r[3]) for r in duck.execute(key).fetchall()}
    with psycopg.connect(published, autocommit=True) as conn:
        conn.execute("UPDATE incidents SET area_id = NULL, location_status = 'unassigned'")
        conn.execute("UPDATE incidents SET location_status = 'missing' WHERE lon IS NULL")
    counts = assign_areas_postgis(published)
    with psycopg.connect(published) as conn:
        got = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(key).fetchall()}
    assert got == expected
    statuses = [s for _a, s in expected.values()]
    assert counts == {"assigned": statuses.count("assigned"), "outside": statuses.count("outside")}
    assert counts["outside"] > 0


def test_postgis_breaks_ties_on_shared_edges_like_area_index(
    city_workspace: Workspace, published: str
) -> None:
    """Points on every vertex and at the middle of every edge of the neighborhoods.

    Most of them lie on a boundary shared by two or more areas; PostGIS and AreaIndex must
    choose the same one (the smallest area_id) for every point.
    """
    with duckdb.connect(str(city_workspace.warehouse_path), read_only=True) as duck:
        areas = duck.execute(
            "SELECT area_id, geometry FROM areas WHERE level = 'neighborhood' ORDER BY area_id"
        ).fetchall()
    ids = np.array([a[0] for a in areas], dtype=object)
    polygons = shapely.from_wkb([bytes(a[1]) for a in areas])
    points = boundary_points(polygons)
    matches = shapely.STRtree(polygons).query(shapely.points(points), predicate="intersects")
    shared = np.bincount(matches[0], minlength=len(points)) > 1
    assert shared.sum() > 300  # the tie rule is really exercised
    found = AreaIndex(polygons).assign(points[:, 0], points[:, 1])
    expected = np.where(found >= 0, ids[np.maximum(found, 0)], None)

    with psycopg.connect(published, autocommit=True) as conn:
        conn.execute("DELETE FROM incidents")
        with conn.cursor().copy("COPY incidents (source, incident_id, lon, lat) FROM STDIN") as cp:
            for i, (x, y) in enumerate(points):
                cp.write_row(("edges", str(i), float(x), float(y)))
    assign_areas_postgis(published, level="neighborhood")
    with psycopg.connect(published) as conn:
        got = dict(conn.execute("SELECT incident_id::int, area_id FROM incidents").fetchall())
    assert [got[i] for i in range(len(points))] == list(expected)


def test_assign_without_areas_is_an_error(postgres_url: str) -> None:
    from barrio.errors import WorkspaceError

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE areas (area_id text, level text, parent_id text)")
        conn.execute(
            "CREATE VIEW area_ancestors AS SELECT area_id, area_id AS ancestor_id, "
            "level AS ancestor_level, 0 AS depth FROM areas"
        )
    with pytest.raises(WorkspaceError):
        assign_areas_postgis(postgres_url)


def test_ibis_can_write_result_tables_on_postgres(
    published: str, city_workspace: Workspace
) -> None:
    import pyarrow as pa

    ws = workspace_with_engine(city_workspace, published)
    with engine_session(ws) as con:
        con.create_table("results", pa.table({"iccs_code": ["0101"], "n": [3]}), overwrite=True)
        assert con.table("results").to_pyarrow().to_pylist() == [{"iccs_code": "0101", "n": 3}]


def test_publish_while_the_duckdb_engine_is_open(
    city_workspace: Workspace, postgres_url: str, tmp_path
) -> None:
    """DuckDB refuses a read-only connection next to a read-write one in the same process."""
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(city_workspace.root, root)
    ws = Workspace.open(root)
    with engine_session(ws) as duck:  # read-write
        pg_ws = workspace_with_engine(ws, postgres_url)
        with engine_session(pg_ws) as pg:
            result = publish(pg_ws, pg)
        assert result.rows["incidents"] == duck.table("incidents").count().execute()
