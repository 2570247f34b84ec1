"""Workspace-level indicator services: list the catalog, compute and store the table.

The CLI and the portal call these; the computation itself is in
:mod:`barrio.indicators.compute` and runs on the workspace's engine.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from barrio.i18n import _, current_locale
from barrio.indicators.catalog import Indicator, load_catalog, select
from barrio.workspace import Workspace


def catalog_rows(ws: Workspace | None, lang: str | None = None) -> list[dict[str, Any]]:
    """One summary row per catalog indicator (shipped and workspace)."""
    lang = lang or current_locale()
    catalog = load_catalog(ws.root if ws else None)
    return [ind.to_dict(lang) for ind in catalog.values()]


def open_backend(ws: Workspace) -> Any:
    """The Ibis backend of the workspace's engine (the DuckDB warehouse unless configured)."""
    from barrio.warehouse.engines import open_engine

    return open_engine(ws)


def compute(
    ws: Workspace,
    *,
    ids: list[str] | None = None,
    period: str = "year",
    levels: list[str] | None = None,
    by: list[str] | None = None,
    source: str = "auto",
    smooth: bool = False,
    store: bool = True,
) -> pd.DataFrame:
    """Compute indicators on the workspace and (by default) store them in its warehouse.

    Rows of the same indicators, period type and levels computed before are replaced; a
    manifest of the run (inputs, parameters, versions) goes to ``out/manifests/``.
    """
    from barrio.indicators.compute import indicator_table

    indicators = select(load_catalog(ws.root), ids)
    backend = open_backend(ws)
    try:
        table = indicator_table(
            backend,
            indicators,
            period=period,
            levels=levels,
            by=by,
            source=source,
            smooth=smooth,
        )
    finally:
        backend.disconnect()
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    table["run_id"] = run_id
    if store:
        _store(ws, table, indicators, period)
        _manifest(ws, run_id, indicators, period, levels, by, source, smooth, len(table))
    return table


def _store(ws: Workspace, table: pd.DataFrame, indicators: list[Indicator], period: str) -> None:
    """Replace the computed slice of the warehouse's ``indicators`` table in one transaction."""
    from barrio.schema.tables import INDICATORS
    from barrio.warehouse.duck import connect

    levels = sorted(table["area_level"].unique().tolist())
    ids = [i.id for i in indicators]
    with connect(ws.warehouse_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "DELETE FROM indicators WHERE period_type = ? AND list_contains(?, indicator_id)"
                " AND list_contains(?, area_level)",
                [period, ids, levels],
            )
            con.register("new_indicators", table[INDICATORS.column_names])
            con.execute("INSERT INTO indicators SELECT * FROM new_indicators")
            con.unregister("new_indicators")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def _manifest(
    ws: Workspace,
    run_id: str,
    indicators: list[Indicator],
    period: str,
    levels: list[str] | None,
    by: list[str] | None,
    source: str,
    smooth: bool,
    rows: int,
) -> Path:
    """Write what a statistics office needs to re-derive the table (DESIGN principle 6)."""
    from barrio import __version__
    from barrio.warehouse.duck import connect

    with connect(ws.warehouse_path, read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, kind, file, file_sha256, mapping, rows_accepted FROM ingest_runs"
            " ORDER BY started_at"
        ).fetchall()
    manifest = {
        "run_id": run_id,
        "barrio_version": __version__,
        "computed_at": dt.datetime.now(dt.UTC).isoformat(),
        "engine": ws.config.engine,
        "parameters": {
            "indicators": [i.id for i in indicators],
            "period": period,
            "levels": levels or "all",
            "by": by or [],
            "source": source,
            "empirical_bayes": smooth,
        },
        "methods": {
            "interval": "exact Poisson (Garwood), 95%",
            "change_test": "exact conditional binomial test of two Poisson rates",
            "population": "linear interpolation between mid-year figures; linear extrapolation",
        },
        "catalog": {i.id: i.path for i in indicators},
        "inputs": [
            dict(zip(["run_id", "kind", "file", "sha256", "mapping", "rows"], r, strict=True))
            for r in runs
        ],
        "rows": rows,
    }
    folder = ws.out / "manifests"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"indicators-{run_id}.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def stored_table(
    ws: Workspace, ids: list[str] | None = None, period: str | None = None
) -> pd.DataFrame:
    """The indicator table as stored in the warehouse (optionally filtered)."""
    from barrio.warehouse.duck import connect

    where: list[str] = []
    params: list[Any] = []
    if ids:
        where.append("list_contains(?, indicator_id)")
        params.append(ids)
    if period:
        where.append("period_type = ?")
        params.append(period)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    with connect(ws.warehouse_path, read_only=True) as con:
        return con.execute(f"SELECT * FROM indicators{clause}", params).df()


def headline(ws: Workspace) -> tuple[str, pd.DataFrame]:
    """Total rows of the latest stored period at the top area level (what one reads first)."""
    from barrio.warehouse.duck import connect

    with connect(ws.warehouse_path, read_only=True) as con:
        top = con.execute(
            "SELECT area_level FROM indicators GROUP BY area_level"
            " ORDER BY count(DISTINCT area_id), area_level LIMIT 1"
        ).fetchone()
        if top is None:
            return "", pd.DataFrame()
        rows = con.execute(
            "SELECT * FROM indicators WHERE area_level = ? AND sex = 'total'"
            " AND age_group = 'total' AND period_start = (SELECT max(period_start)"
            " FROM indicators WHERE area_level = ?) ORDER BY indicator_id",
            [top[0], top[0]],
        ).df()
    return str(top[0]), rows


def describe_missing(table: pd.DataFrame) -> str:
    """A one-line note when some rows have no denominator (for the CLI)."""
    missing = int(table["denominator"].isna().sum())
    if not missing:
        return ""
    return _(
        "{n} rows have no population (unknown sex or age, or no population loaded for the area)",
        n=missing,
    )
