"""The embedded DuckDB warehouse of a workspace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from barrio.errors import WorkspaceError
from barrio.i18n import _
from barrio.schema import TABLES

AREA_ANCESTORS = """
CREATE OR REPLACE VIEW area_ancestors AS
WITH RECURSIVE chain(area_id, ancestor_id, depth, path) AS (
    SELECT area_id, area_id, 0, [area_id] FROM areas
    UNION ALL
    SELECT c.area_id, a.parent_id, c.depth + 1, list_append(c.path, a.parent_id)
    FROM chain c JOIN areas a ON a.area_id = c.ancestor_id
    WHERE a.parent_id IS NOT NULL AND NOT list_contains(c.path, a.parent_id)
)
SELECT c.area_id, c.ancestor_id, p.level AS ancestor_level, c.depth
FROM chain c JOIN areas p ON p.area_id = c.ancestor_id
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the canonical tables that do not exist yet, and the hierarchy view.

    ``area_ancestors`` resolves the area hierarchy from ``parent_id``: one row per area and each
    of its ancestors (itself included, depth 0), with the ancestor's level, so that incidents
    assigned to neighborhoods roll up to districts and the city with one join. Cycles in
    ``parent_id`` are cut.
    """
    for table in TABLES.values():
        con.execute(table.ddl())
    con.execute(AREA_ANCESTORS)


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (creating the schema) and close it afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only and path.exists())
    except duckdb.IOException as exc:
        raise WorkspaceError(
            _("cannot open the warehouse {path}: {exc}", path=path, exc=exc),
            hint=_("Another Barrio process may be writing to it; wait for it to finish."),
            path=str(path),
        ) from exc
    try:
        # bounded memory: DuckDB spills to disk past the limit instead of growing without end
        con.execute(f"SET memory_limit = '{os.environ.get('BARRIO_MEMORY_LIMIT', '2GB')}'")
        con.execute(f"SET temp_directory = '{path.parent / '.tmp'}'")
        con.execute("SET preserve_insertion_order = false")
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()
