"""Ingest of area polygons (any level), with geometry checks and re-assignment of incidents."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from barrio.config import SourceMapping, resolve_mapping
from barrio.errors import InputError
from barrio.i18n import _
from barrio.ingest import pipeline
from barrio.ingest.locate import load_area_index
from barrio.ingest.problems import CORRECTED, FLAGGED, REJECTED
from barrio.ingest.readers import read_geo
from barrio.ingest.result import IngestResult
from barrio.warehouse.duck import connect
from barrio.workspace import Workspace

if TYPE_CHECKING:
    import geopandas as gpd

TEXT_COLUMNS = ("area_id", "name", "level", "parent_id")


def ingest_areas(
    workspace: Workspace,
    path: Path,
    *,
    mapping: str | None = None,
    step: pipeline.Step | None = None,
) -> IngestResult:
    """Load area polygons; incidents already loaded are re-assigned to the new areas."""
    started = time.perf_counter()
    step = step or (lambda _name: None)
    spec = resolve_mapping(mapping, "areas", workspace.config)
    path = Path(path)
    run = IngestResult(pipeline.new_run_id("areas"), "areas", str(path), spec.name)
    step(_("reading"))
    frame, problems = _prepare(read_geo(path, layer=spec.layer), spec, workspace, str(path))
    run.rows_read = len(frame)
    with connect(workspace.warehouse_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(pipeline.PROBLEMS_DDL)
            con.register("__found", pa.Table.from_pandas(problems, preserve_index=False))
            con.execute("INSERT INTO __problems SELECT * FROM __found")
            rejected = set(problems.loc[problems["action"] == REJECTED, "row"])
            accepted = frame.loc[~frame["__row"].isin(rejected)]
            con.register("__accepted", pa.Table.from_pandas(accepted, preserve_index=False))
            con.execute(
                "CREATE TEMP TABLE __final AS "
                f"SELECT *, {pipeline.hash_expr('areas')} AS row_hash FROM __accepted"
            )
            _flag_unknown_parents(con)
            step(_("checking duplicates"))
            pipeline._flag_duplicates(con, "areas")
            step(_("loading"))
            pipeline._load(con, "areas", run)
            step(_("assigning incidents"))
            reassign_incidents(con, workspace)
            pipeline._record_run(con, run, spec, path)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        run.rejects_file = pipeline._write_problems(con, workspace, run)
    run.seconds = round(time.perf_counter() - started, 3)
    return run


def _prepare(
    gdf: gpd.GeoDataFrame, spec: SourceMapping, workspace: Workspace, file: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical columns + WKB geometry in EPSG:4326, and the problems found."""
    import geopandas as gpd

    if gdf.crs is None:
        if not spec.crs:
            raise InputError(
                _("{file} has no coordinate reference system", file=file),
                hint=_('Set crs = "EPSG:...." in the mapping.'),
                file=file,
            )
        gdf = gdf.set_crs(spec.crs)
    out = pd.DataFrame({"__row": np.arange(1, len(gdf) + 1, dtype=np.int64)})
    for name in (*TEXT_COLUMNS, "population"):
        if name in spec.constants:
            out[name] = spec.constants[name]
            continue
        source = spec.source_column(name)
        if source not in gdf.columns:
            if name in ("area_id", "name", "level"):
                raise InputError(
                    _("{file}: no column for required field {field}", file=file, field=name),
                    hint=_(
                        "Columns in the file: {columns}", columns=", ".join(map(str, gdf.columns))
                    ),
                    file=file,
                )
            out[name] = None
            continue
        values = gdf[source].astype("string").str.strip().replace("", pd.NA)
        if name in spec.values:
            values = values.replace(spec.values[name])
        out[name] = values.to_numpy(dtype=object, na_value=None)
    out["population"] = pd.to_numeric(out["population"], errors="coerce").round().astype("Int64")
    problems = []
    for name in ("area_id", "name", "level"):
        missing = out[name].isna().to_numpy()
        problems.append(_problems(out["__row"][missing], name, None, "missing_value", REJECTED))
    bad_level = out["level"].notna() & ~out["level"].isin(workspace.config.levels)
    problems.append(
        _problems(
            out["__row"][bad_level], "level", out["level"][bad_level], "unknown_level", REJECTED
        )
    )
    geometry = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    kinds = shapely.get_type_id(geometry)
    not_polygon = ~empty & ~np.isin(kinds, (3, 6))
    invalid = ~empty & ~not_polygon & ~shapely.is_valid(geometry)
    geometry = np.where(invalid, shapely.make_valid(geometry), geometry)
    for mask, reason, action in (
        (empty, "empty_geometry", REJECTED),
        (not_polygon, "not_polygon", REJECTED),
        (invalid, "invalid_geometry", CORRECTED),
    ):
        problems.append(_problems(out["__row"][mask], "geometry", None, reason, action))
    projected = gpd.GeoSeries(geometry, crs=gdf.crs)
    out["geometry"] = shapely.to_wkb(projected.to_crs("EPSG:4326").to_numpy())
    out["area_km2"] = projected.to_crs(workspace.config.crs).area.to_numpy() / 1e6
    return out, pd.concat(problems, ignore_index=True)


def _problems(rows: object, column: str, values: object, reason: str, action: str) -> pd.DataFrame:
    rows = pd.Series(rows, dtype="int64").to_numpy()
    value = (
        np.array([None if pd.isna(v) else str(v) for v in pd.Series(values)], dtype=object)
        if values is not None
        else np.full(len(rows), None, dtype=object)
    )
    return pd.DataFrame(
        {
            "row": rows,
            "column": column,
            "value": pd.Series(value, dtype="object"),
            "reason": reason,
            "action": action,
            "related_row": pd.Series([None] * len(rows), dtype="Int64"),
        }
    )


def _flag_unknown_parents(con: object) -> None:
    con.execute(  # type: ignore[attr-defined]
        f"""INSERT INTO __problems SELECT __row, 'parent_id', parent_id, 'unknown_parent',
        '{FLAGGED}', NULL FROM __final f WHERE parent_id IS NOT NULL
        AND parent_id NOT IN (SELECT area_id FROM __final)
        AND parent_id NOT IN (SELECT area_id FROM areas)"""
    )


def reassign_incidents(con: object, workspace: Workspace) -> int:
    """Assign every geolocated incident again (after areas changed); returns rows updated."""
    areas = load_area_index(con, workspace)  # type: ignore[arg-type]
    if areas is None:
        return 0
    index, ids, _bounds = areas
    data = con.sql(  # type: ignore[attr-defined]
        "SELECT source, row_hash, lon, lat FROM incidents WHERE lon IS NOT NULL"
    ).to_arrow_table()
    if data.num_rows == 0:
        return 0
    found = index.assign(data["lon"].to_numpy(), data["lat"].to_numpy())
    area: Any = np.where(found >= 0, ids[np.maximum(found, 0)], np.array(None, dtype=object))
    status = np.where(found >= 0, "assigned", "outside")
    update = pa.table(
        {
            "row_hash": data["row_hash"],
            "source": data["source"],
            "g_area": pa.array(area, pa.string()),
            "g_status": pa.array(status, pa.string()),
        }
    )
    con.register("__reassign", update)  # type: ignore[attr-defined]
    con.execute(  # type: ignore[attr-defined]
        """UPDATE incidents SET area_id = r.g_area, location_status = r.g_status
        FROM __reassign r WHERE incidents.row_hash = r.row_hash AND incidents.source = r.source"""
    )
    return data.num_rows
