"""PostgreSQL/PostGIS as the analytical engine: publish the warehouse there, assign areas there.

DuckDB cannot load its ``postgres`` extension offline, so the copy goes through Arrow: DuckDB
streams each table in record batches, Arrow writes each batch as CSV in memory and psycopg sends
it with ``COPY ... FROM STDIN``. Python holds one batch at a time (50,000 rows by default)
whatever the table size. All tables are replaced in one transaction: readers see the old copy
until the new one is complete.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from barrio.errors import ConfigError, WorkspaceError
from barrio.i18n import _
from barrio.schema.tables import TABLES
from barrio.warehouse.engines import HIERARCHY, PUBLISHED, export_columns, redact, warehouse_reader

if TYPE_CHECKING:
    import ibis
    import psycopg

BATCH_ROWS = 50_000

#: DuckDB column type -> PostgreSQL column type (UBIGINT is reinterpreted, see export_columns).
PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "UBIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "BLOB": "bytea",
}

#: The same hierarchy as DuckDB's ``area_ancestors`` view (barrio.warehouse.duck), in PostgreSQL.
AREA_ANCESTORS = """
CREATE VIEW area_ancestors AS
WITH RECURSIVE chain(area_id, ancestor_id, depth, path) AS (
    SELECT area_id, area_id, 0, ARRAY[area_id] FROM areas
    UNION ALL
    SELECT c.area_id, a.parent_id, c.depth + 1, c.path || a.parent_id
    FROM chain c JOIN areas a ON a.area_id = c.ancestor_id
    WHERE a.parent_id IS NOT NULL AND NOT a.parent_id = ANY(c.path)
)
SELECT c.area_id, c.ancestor_id, p.level AS ancestor_level, c.depth
FROM chain c JOIN areas p ON p.area_id = c.ancestor_id
"""


def connect(url: str) -> psycopg.Connection[Any]:
    """A psycopg connection to ``url``; unreachable servers raise :class:`WorkspaceError`."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise WorkspaceError(
            _("cannot connect to the PostgreSQL engine {url}: {error}", url=redact(url), error=exc),
            hint=_(
                "Check that the server is running and that the host, port, database, user and "
                "password in engine are right."
            ),
            engine=redact(url),
        ) from exc


def open_backend(url: str) -> ibis.BaseBackend:
    """The Ibis PostgreSQL backend on ``url``."""
    import ibis

    psycopg = _psycopg()
    connect(url).close()  # a clear error for an unreachable server
    try:
        return ibis.connect(url)
    except psycopg.OperationalError as exc:  # pragma: no cover - reachable a moment ago
        raise WorkspaceError(
            _("cannot connect to the PostgreSQL engine {url}: {error}", url=redact(url), error=exc),
            engine=redact(url),
        ) from exc


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise ConfigError(
            _("the PostgreSQL engine needs psycopg, which is not installed"),
            hint=_("Install it with: pip install 'barrio[postgres]'"),
        ) from exc
    return psycopg


def create_table_sql(table: str) -> str:
    """``CREATE TABLE`` for a canonical table in PostgreSQL (geometry first lands as bytea)."""
    cols = ",\n  ".join(f'"{c.name}" {PG_TYPES[c.sql_type]}' for c in TABLES[table].columns)
    return f'CREATE TABLE "{table}" (\n  {cols}\n)'


def publish_postgres(
    warehouse: Path, conn: psycopg.Connection[Any], *, batch_rows: int = BATCH_ROWS
) -> dict[str, int]:
    """Replace the published tables on ``conn`` with the warehouse's; returns rows per table."""
    psycopg = _psycopg()
    rows: dict[str, int] = {}
    with warehouse_reader(warehouse) as duck:
        try:
            with conn.transaction():
                conn.execute(f"DROP VIEW IF EXISTS {HIERARCHY}")
                for table in PUBLISHED:
                    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
                    conn.execute(create_table_sql(table))
                    rows[table] = _copy_table(duck, conn, table, batch_rows)
                _finish_areas(conn)
                conn.execute(AREA_ANCESTORS)
                for table in PUBLISHED:
                    conn.execute(f'ANALYZE "{table}"')
        except psycopg.errors.DependentObjectsStillExist as exc:
            raise WorkspaceError(
                _("cannot replace the published tables: {error}", error=exc),
                hint=_("Drop the views you defined on them, publish, then create them again."),
            ) from exc
    rows[HIERARCHY] = int(conn.execute(f"SELECT count(*) FROM {HIERARCHY}").fetchone()[0])  # type: ignore[index]
    return rows


def _copy_table(duck: Any, conn: psycopg.Connection[Any], table: str, batch_rows: int) -> int:
    """Stream one table from DuckDB into PostgreSQL as CSV batches; returns rows copied."""
    import pyarrow.csv as pacsv

    columns = ", ".join(f'"{c}"' for c in TABLES[table].column_names)
    select = f"SELECT {', '.join(export_columns(table, 'postgres'))} FROM {table}"
    options = pacsv.WriteOptions(include_header=False, batch_size=batch_rows)
    total = 0
    reader = duck.sql(select).to_arrow_reader(batch_rows)
    with conn.cursor().copy(f'COPY "{table}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
        for batch in reader:
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())
            total += batch.num_rows
    return total


def _finish_areas(conn: psycopg.Connection[Any]) -> None:
    """Turn ``areas.geometry`` (WKB) into PostGIS, index it, and key the table by area_id."""
    conn.execute(
        """ALTER TABLE areas ALTER COLUMN geometry TYPE geometry(MultiPolygon, 4326)
        USING ST_Multi(ST_GeomFromWKB(geometry, 4326))"""
    )
    conn.execute("CREATE INDEX ON areas USING gist (geometry)")
    conn.execute("ALTER TABLE areas ADD PRIMARY KEY (area_id)")


def finest_level(conn: psycopg.Connection[Any]) -> str | None:
    """The deepest level of the published hierarchy (the one incidents are assigned to)."""
    row = conn.execute(
        f"""SELECT a.level FROM areas a JOIN (
            SELECT area_id, max(depth) AS depth FROM {HIERARCHY} GROUP BY area_id) d
            USING (area_id)
        GROUP BY a.level ORDER BY max(d.depth) DESC, count(*) DESC, a.level LIMIT 1"""
    ).fetchone()
    return None if row is None else str(row[0])


def assign_areas_postgis(url: str, level: str | None = None) -> dict[str, int]:
    """Assign the published incidents to areas in the database, with PostGIS.

    Each incident with coordinates gets the ``area_id`` of the area of ``level`` (default: the
    finest level of the hierarchy) whose polygon intersects its point, and ``location_status``
    ``assigned``; points in no area get NULL and ``outside``. A point on an edge shared by two
    areas intersects both; like :class:`barrio.ingest.assign.AreaIndex` (which tests polygons
    ordered by area_id and keeps the first), the smallest ``area_id`` in byte order
    (``COLLATE "C"``) wins, so the database and the ingest agree point by point.

    The table is rebuilt (``CREATE TABLE AS`` and a swap in one transaction) rather than
    updated in place: rewriting every row with ``UPDATE`` is about 2.5 times slower.
    Returns the number of incidents with coordinates ``assigned`` and ``outside``.
    """
    with connect(url) as conn, conn.transaction():
        level = level or finest_level(conn)
        if level is None:
            raise WorkspaceError(
                _("no areas are published on the PostgreSQL engine {url}", url=redact(url)),
                hint=_("Ingest areas, then publish the warehouse to the engine."),
            )
        conn.execute("DROP TABLE IF EXISTS incidents__assigned")
        conn.execute(
            f"""CREATE TABLE incidents__assigned AS
            SELECT {", ".join(_assigned_columns())}
            FROM incidents p LEFT JOIN LATERAL (
                SELECT a.area_id FROM areas a
                WHERE {_LOCATED} AND a.level = %(level)s
                  AND ST_Intersects(a.geometry, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                ORDER BY a.area_id COLLATE "C" LIMIT 1
            ) m ON true""",
            {"level": level},
        )
        counts = dict(
            conn.execute(
                f"""SELECT location_status, count(*) FROM incidents__assigned p
                WHERE {_LOCATED} GROUP BY 1"""
            ).fetchall()
        )
        conn.execute("DROP TABLE incidents")
        conn.execute("ALTER TABLE incidents__assigned RENAME TO incidents")
        conn.execute("ANALYZE incidents")
    return {"assigned": int(counts.get("assigned", 0)), "outside": int(counts.get("outside", 0))}


_LOCATED = "p.lon IS NOT NULL AND p.lat IS NOT NULL AND p.lon <> 'NaN' AND p.lat <> 'NaN'"


def _assigned_columns() -> list[str]:
    """The incidents' columns in order, with area_id and location_status from the assignment."""
    out = []
    for name in TABLES["incidents"].column_names:
        if name == "area_id":
            out.append("m.area_id")
        elif name == "location_status":
            out.append(
                f"CASE WHEN NOT ({_LOCATED}) THEN p.location_status "
                "WHEN m.area_id IS NULL THEN 'outside' ELSE 'assigned' END AS location_status"
            )
        else:
            out.append(f'p."{name}"')
    return out
