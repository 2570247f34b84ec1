"""Incident-specific ingest steps: ICCS classification, coordinates, spatial assignment."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from barrio.config import SourceMapping
from barrio.i18n import _
from barrio.ingest.assign import OUTSIDE, AreaIndex
from barrio.ingest.problems import CLEARED, CORRECTED, FLAGGED
from barrio.workspace import Workspace

Bounds = tuple[float, float, float, float]


def enrich(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    spec: SourceMapping,
    step: Callable[[str], None],
) -> None:
    """Add iccs_code/tags/confidence and clean coordinates/area_id to ``__final``."""
    step(_("classifying"))
    classify(con, spec.category_mapping)
    step(_("assigning to areas"))
    locate(con, workspace, spec)


def classify(
    con: duckdb.DuckDBPyConnection, mapping_name: str | None, *, victim_columns: bool = True
) -> None:
    """Join the category mapping onto ``__final``; flag rows whose category is unknown.

    With ``victim_columns`` (incidents), the mapping's attempted flag and victim sex (e.g.
    feminicide implies a female victim) fill the row's values when those are blank.
    """
    categories = [
        r[0] for r in con.execute("SELECT DISTINCT local_category FROM __final").fetchall()
    ]
    if mapping_name:
        import pandas as pd

        from barrio.classify import load_mapping

        applied = load_mapping(mapping_name).apply(pd.Series(categories, dtype="object"))
        cats = pa.table(
            {
                "local_category": pa.array(categories, pa.string()),
                "c_iccs": pa.array(_nullable(applied["iccs_code"]), pa.string()),
                "c_attempted": pa.array(_nullable(applied["attempted"]), pa.bool_()),
                "c_sex": pa.array(_nullable(applied["victim_sex"]), pa.string()),
                "c_tags": pa.array(_nullable(applied["tags"]), pa.string()),
                "c_confidence": pa.array(_nullable(applied["confidence"]), pa.string()),
            }
        )
    else:
        empty = pa.nulls(len(categories))
        cats = pa.table(
            {
                "local_category": pa.array(categories, pa.string()),
                "c_iccs": empty.cast(pa.string()),
                "c_attempted": empty.cast(pa.bool_()),
                "c_sex": empty.cast(pa.string()),
                "c_tags": empty.cast(pa.string()),
                "c_confidence": empty.cast(pa.string()),
            }
        )
    con.register("__cats", cats)
    victim = (
        """f.* EXCLUDE (attempted, victim_sex), COALESCE(f.attempted, c.c_attempted) AS attempted,
        COALESCE(f.victim_sex, c.c_sex) AS victim_sex"""
        if victim_columns
        else "f.*"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE __final AS
        SELECT {victim}, c.c_iccs AS iccs_code, NULLIF(c.c_tags, '') AS tags,
               c.c_confidence AS confidence
        FROM __final f LEFT JOIN __cats c USING (local_category)"""
    )
    if mapping_name:
        con.execute(
            """INSERT INTO __problems SELECT __row, 'local_category', local_category,
               'unknown_category', 'flagged', NULL FROM __final WHERE iccs_code IS NULL"""
        )


def _nullable(values: object) -> list[object]:
    import pandas as pd

    return [None if pd.isna(v) else v for v in values]  # type: ignore[attr-defined]


def locate(con: duckdb.DuckDBPyConnection, workspace: Workspace, spec: SourceMapping) -> None:
    """Transform, check and fix coordinates, then assign each point to its area."""
    data = con.execute(
        "SELECT __row, lon, lat FROM __final WHERE lon IS NOT NULL OR lat IS NOT NULL"
    ).fetchnumpy()
    rows = np.asarray(data["__row"], dtype=np.int64)
    lon = np.asarray(data["lon"], dtype=np.float64)
    lat = np.asarray(data["lat"], dtype=np.float64)
    if spec.crs and not _is_wgs84(spec.crs):
        lon, lat = _to_wgs84(lon, lat, spec.crs)
    problems: list[tuple[NDArray[np.int64], str, str]] = []
    areas = load_area_index(con, workspace)
    bounds = areas[2] if areas else _crs_bounds(workspace.config.crs)
    if bounds is not None:
        swapped = ~_within(lon, lat, bounds) & _within(lat, lon, bounds)
        lon, lat = np.where(swapped, lat, lon), np.where(swapped, lon, lat)
        problems.append((rows[swapped], "swapped_coordinates", CORRECTED))
    invalid = ~(np.abs(lat) <= 90) | ~(np.abs(lon) <= 180) | ((lat == 0) & (lon == 0))
    problems.append((rows[invalid], "bad_coordinates", CLEARED))
    lon[invalid], lat[invalid] = np.nan, np.nan
    found = np.full(len(rows), OUTSIDE, dtype=np.int32)
    ids: NDArray[np.object_] = np.array([], dtype=object)
    if areas:
        index, ids, _bounds = areas
        found = index.assign(lon, lat)
        problems.append((rows[(found == OUTSIDE) & ~invalid], "outside_areas", FLAGGED))
    located = pa.table(
        {
            "__row": rows,
            "g_lon": pa.array(lon, pa.float64(), from_pandas=True),
            "g_lat": pa.array(lat, pa.float64(), from_pandas=True),
            "g_area": pa.array(found, pa.int32()),
            "g_invalid": pa.array(invalid, pa.bool_()),
        }
    )
    con.register("__located", located)
    con.register(
        "__area_ids",
        pa.table(
            {"g_area": np.arange(len(ids), dtype=np.int32), "area_id": pa.array(ids, pa.string())}
        ),
    )
    status = "'outside'" if areas else "'unassigned'"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE __final AS
        SELECT f.* EXCLUDE (lon, lat), g.g_lon AS lon, g.g_lat AS lat, a.area_id,
               CASE WHEN g.__row IS NULL THEN 'missing' WHEN g.g_invalid THEN 'invalid'
                    WHEN a.area_id IS NOT NULL THEN 'assigned' ELSE {status} END
                   AS location_status
        FROM __final f LEFT JOIN __located g USING (__row)
        LEFT JOIN __area_ids a ON a.g_area = g.g_area"""
    )
    for rows_hit, reason, action in problems:
        if len(rows_hit):
            con.register("__hit", pa.table({"row": rows_hit}))
            con.execute(
                f"""INSERT INTO __problems SELECT h.row, 'lat', NULL, '{reason}', '{action}', NULL
                FROM __hit h"""
            )


def load_area_index(
    con: duckdb.DuckDBPyConnection, workspace: Workspace
) -> tuple[AreaIndex, NDArray[np.object_], Bounds] | None:
    """Index of the finest area level loaded (None when no areas are loaded yet)."""
    import shapely

    levels = [r[0] for r in con.execute("SELECT DISTINCT level FROM areas").fetchall()]
    if not levels:
        return None
    order = [lv for lv in workspace.config.levels if lv in levels] or sorted(levels)
    finest = order[-1]
    data = con.execute(
        "SELECT area_id, geometry FROM areas WHERE level = ? ORDER BY area_id", [finest]
    ).fetchnumpy()
    polygons = shapely.from_wkb(np.array([bytes(g) for g in data["geometry"]], dtype=object))
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    pad_x, pad_y = (xmax - xmin) * 0.5, (ymax - ymin) * 0.5
    bounds = (xmin - pad_x, ymin - pad_y, xmax + pad_x, ymax + pad_y)
    return AreaIndex(polygons), np.asarray(data["area_id"], dtype=object), bounds


def _within(x: NDArray[np.float64], y: NDArray[np.float64], b: Bounds) -> NDArray[np.bool_]:
    return (x >= b[0]) & (x <= b[2]) & (y >= b[1]) & (y <= b[3])


def _is_wgs84(crs: str) -> bool:
    return crs.upper().replace(" ", "") in ("EPSG:4326", "WGS84", "OGC:CRS84")


def _to_wgs84(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _crs_bounds(crs: str) -> Bounds | None:
    """Area of use (lon/lat) of the workspace CRS; None for world-wide CRSs."""
    from pyproj import CRS

    area = CRS.from_user_input(crs).area_of_use
    if area is None or (area.east - area.west) > 90:
        return None
    return (area.west, area.south, area.east, area.north)
