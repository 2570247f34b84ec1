"""Helpers to build small warehouses directly (the ingest pipeline is tested in tests/ingest)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from barrio.warehouse.duck import ensure_schema


def build_warehouse(
    path: Path,
    areas: pd.DataFrame,
    population: pd.DataFrame,
    incidents: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> Path:
    """Write canonical tables (only the columns given) into a fresh DuckDB warehouse file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        ensure_schema(con)
        for name, frame in (
            ("areas", areas),
            ("population", population),
            ("incidents", incidents),
            ("counts", counts),
        ):
            if frame is None or frame.empty:
                continue
            con.register("frame", frame)
            cols = ", ".join(frame.columns)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
            con.unregister("frame")
    return path
