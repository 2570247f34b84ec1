"""The embedded DuckDB warehouse of a workspace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from barrio.errors import WorkspaceError
from barrio.schema import TABLES


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the canonical tables that do not exist yet."""
    for table in TABLES.values():
        con.execute(table.ddl())


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (creating the schema) and close it afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only and path.exists())
    except duckdb.IOException as exc:
        raise WorkspaceError(
            f"cannot open the warehouse {path}: {exc}",
            hint="Another Barrio process may be writing to it; wait for it to finish.",
            path=str(path),
        ) from exc
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()
