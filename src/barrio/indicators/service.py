"""Workspace-level indicator services: list the catalog, compute and store the table.

The CLI and the portal call these; the computation itself is in
:mod:`barrio.indicators.compute` and runs on the workspace's engine.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StoredRun:
    """What :func:`compute_stored` wrote: the run, its rows and indicators, rows without
    population (see :func:`describe_missing`)."""

    run_id: str
    rows: int
    indicators: list[str]
    missing_population: int


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

    Returns the whole table (sorted). Rows of the same indicators, period type and levels
    computed before are replaced; a manifest of the run (inputs, parameters, versions) goes to
    ``out/manifests/``. National-size tables: use :func:`compute_stored`, which does not read
    the table back into memory.
    """
    from barrio.indicators.compute import indicator_table

    if store:
        run = compute_stored(
            ws, ids=ids, period=period, levels=levels, by=by, source=source, smooth=smooth
        )
        return run_table(ws, run.run_id)
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
    table["run_id"] = _new_run_id()
    return table


def compute_stored(
    ws: Workspace,
    *,
    ids: list[str] | None = None,
    period: str = "year",
    levels: list[str] | None = None,
    by: list[str] | None = None,
    source: str = "auto",
    smooth: bool = False,
) -> StoredRun:
    """Compute indicators on the workspace's engine and write them into its warehouse.

    The table streams from the engine into the warehouse's ``indicators`` table in Arrow
    batches, in one transaction that first removes the rows of the same indicators, period
    type and levels; memory stays bounded whatever the table's size. Writes the manifest.
    """
    from barrio.indicators.compute import plan, store_table

    indicators = select(load_catalog(ws.root), ids)
    run_id = _new_run_id()
    backend = open_backend(ws)
    try:
        request = plan(
            backend,
            indicators,
            period=period,
            levels=levels,
            by=by,
            source=source,
            smooth=smooth,
        )
        if request is None:
            run = StoredRun(run_id, 0, [], 0)
        else:
            with _warehouse_writer(ws, backend) as writer:
                rows, missing = store_table(backend, writer, request, run_id)
            run = StoredRun(run_id, rows, sorted(i.id for i in request.indicators), missing)
    finally:
        backend.disconnect()
    _manifest(ws, run_id, indicators, period, levels, by, source, smooth, run.rows)
    return run


def run_table(ws: Workspace, run_id: str) -> pd.DataFrame:
    """The rows one run stored, sorted as :func:`~barrio.indicators.compute.indicator_table`."""
    from barrio.warehouse.duck import connect

    with connect(ws.warehouse_path, read_only=True) as con:
        table = con.execute(
            "SELECT * FROM indicators WHERE run_id = ? ORDER BY indicator_id, area_level,"
            " area_id, period_start, sex, age_group",
            [run_id],
        ).df()
    table["period_start"] = pd.to_datetime(table["period_start"]).astype("datetime64[ns]")
    return table


def _new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@contextmanager
def _warehouse_writer(ws: Workspace, backend: Any) -> Iterator[Any]:
    """A DuckDB connection to the warehouse that can write while ``backend`` streams.

    When the engine is the warehouse itself (DuckDB) it is a cursor of the engine's own
    database (a second process-level connection to the same file is not allowed).
    """
    from barrio.warehouse.duck import connect

    if backend.name == "duckdb":
        cursor = backend.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    else:
        with connect(ws.warehouse_path) as con:
            yield con


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
        order = " ORDER BY indicator_id, area_level, area_id, period_type, period_start, sex"
        return con.execute(f"SELECT * FROM indicators{clause}{order}, age_group", params).df()


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
    return missing_note(int(table["denominator"].isna().sum()))


def missing_note(missing: int) -> str:
    """A one-line note when ``missing`` rows have no denominator (empty when none)."""
    if not missing:
        return ""
    return _(
        "{n} rows have no population (unknown sex or age, or no population loaded for the area)",
        n=missing,
    )
