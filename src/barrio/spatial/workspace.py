"""Read a workspace's warehouse into the layers the spatial statistics take.

The statistics stay pure; this module only queries DuckDB (``areas``, ``incidents``,
``population``, ``area_ancestors``) and builds GeoDataFrames in EPSG:4326, which the service
projects to the workspace CRS (``crs`` in barrio.toml).

- :func:`incident_points`: geocoded incidents, filtered by ICCS prefix and dates; how many
  were left out (no coordinates) is kept in ``attrs``.
- :func:`area_layer`: the areas of one level with their incident counts (incidents assigned
  to the area or to any area below it), population and rate per 100,000.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from barrio.errors import InputError, WorkspaceError
from barrio.i18n import _
from barrio.workspace import Workspace


def _filters(
    iccs: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if iccs:
        clauses.append("starts_with(i.iccs_code, ?)")
        params.append(iccs)
    if date_from:
        clauses.append("i.occurred_on >= ?")
        params.append(date_from)
    if date_to:
        clauses.append("i.occurred_on <= ?")
        params.append(date_to)
    return (" AND ".join(clauses) or "TRUE"), params


def _query(ws: Workspace, sql: str, params: list[Any]) -> pd.DataFrame:
    from barrio.warehouse.duck import connect

    if not ws.warehouse_path.exists():
        raise WorkspaceError(
            _("the workspace {root} has no warehouse yet", root=ws.root),
            hint=_("load data first: barrio ingest areas FILE, barrio ingest incidents FILE"),
            path=str(ws.root),
        )
    with connect(ws.warehouse_path, read_only=True) as con:
        return con.execute(sql, params).df()


def incident_points(
    ws: Workspace,
    *,
    iccs: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Any:
    """Geocoded incidents as points in EPSG:4326 (``attrs``: ``selected``, ``no_coordinates``)."""
    import geopandas as gpd

    where, params = _filters(iccs, date_from, date_to)
    frame = _query(
        ws,
        "SELECT i.incident_id, i.occurred_on, i.iccs_code, i.local_category, i.area_id,"
        f" i.location_status, i.lon, i.lat FROM incidents i WHERE {where}",
        params,
    )
    has_xy = frame["lon"].notna() & frame["lat"].notna()
    if not has_xy.any():
        raise InputError(
            _(
                "no geocoded incidents in the workspace match the filters ({n} without "
                "coordinates)",
                n=len(frame),
            ),
            hint=_("check --iccs/--from/--to, or ingest incidents with lon/lat"),
        )
    kept = frame.loc[has_xy].reset_index(drop=True)
    points = gpd.GeoDataFrame(
        kept, geometry=gpd.points_from_xy(kept["lon"], kept["lat"]), crs="EPSG:4326"
    )
    points.attrs.update(selected=len(frame), no_coordinates=int((~has_xy).sum()))
    return points


def area_layer(
    ws: Workspace,
    level: str,
    *,
    iccs: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    year: int | None = None,
) -> Any:
    """Areas of ``level`` with ``count``, ``population`` and ``rate`` (per 100,000), EPSG:4326.

    Population is the ``population`` table's total for ``year`` (default: the latest year): the
    row with sex and age group ``total``, else the sum of the sex x age rows; else the population
    given with the polygons; else the sum over the nearest level below that has population.
    """
    import geopandas as gpd
    import shapely

    where, params = _filters(iccs, date_from, date_to)
    sql = f"""
        WITH hits AS (
            SELECT an.ancestor_id AS area_id, count(*) AS n
            FROM incidents i JOIN area_ancestors an ON an.area_id = i.area_id
            WHERE an.ancestor_level = ? AND {where}
            GROUP BY 1
        ),
        pop AS (
            SELECT area_id, year, coalesce(
                sum(population) FILTER (WHERE sex = 'total' AND age_group = 'total'),
                sum(population) FILTER (WHERE sex <> 'total' AND age_group <> 'total')
            ) AS population
            FROM population GROUP BY area_id, year
        ),
        chosen AS (
            SELECT area_id, population FROM pop
            WHERE year = coalesce(?, (SELECT max(year) FROM pop))
        ),
        rolled AS (
            SELECT an.ancestor_id AS area_id, an.depth, sum(c.population) AS population
            FROM area_ancestors an JOIN chosen c ON c.area_id = an.area_id
            WHERE an.depth > 0 GROUP BY 1, 2
        ),
        nearest AS (
            SELECT area_id, arg_min(population, depth) AS population FROM rolled GROUP BY 1
        )
        SELECT a.area_id, a.name, a.level, a.parent_id, a.geometry,
               coalesce(h.n, 0) AS count,
               coalesce(c.population, a.population, r.population) AS population
        FROM areas a LEFT JOIN hits h USING (area_id) LEFT JOIN chosen c USING (area_id)
        LEFT JOIN nearest r USING (area_id)
        WHERE a.level = ?
        ORDER BY a.area_id
    """
    frame = _query(ws, sql, [level, *params, year, level])
    if frame.empty:
        levels = _query(ws, "SELECT DISTINCT level FROM areas ORDER BY 1", [])["level"].tolist()
        raise InputError(
            _(
                "no areas at level {level}; the workspace has: {levels}",
                level=repr(level),
                levels=", ".join(levels) or _("none"),
            ),
            hint=_("choose the level with --level"),
        )
    geometry = shapely.from_wkb(frame.pop("geometry").map(bytes).to_numpy())
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce")
    pop = frame["population"].where(frame["population"] > 0)
    frame["rate"] = frame["count"] / pop * 100_000
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def area_outlines(ws: Workspace, level: str | None = None) -> Any:
    """The study area: the union of the areas of ``level`` (default: the finest level found)."""
    import shapely

    frame = _query(ws, "SELECT level, geometry FROM areas", [])
    if frame.empty:
        raise InputError(
            _("the workspace has no areas to clip to"), hint=_("barrio ingest areas FILE first")
        )
    if level is None:
        level = _finest_level(ws, frame["level"].unique().tolist())
    geoms = shapely.from_wkb(frame.loc[frame["level"] == level, "geometry"].map(bytes).to_numpy())
    return shapely.union_all(shapely.make_valid(geoms))


def _finest_level(ws: Workspace, present: list[str]) -> str:
    order = [lv for lv in ws.config.levels if lv in present]
    return order[-1] if order else present[0]


def default_output(ws: Workspace, name: str, output: Path | None) -> Path:
    """``output`` if given, else ``out/<name>`` in the workspace."""
    if output is not None:
        return output
    ws.out.mkdir(exist_ok=True)
    return ws.out / name


def population_points(ws: Workspace, level: str | None = None) -> Any:
    """Area centroids with their population (the population at risk of a dual KDE)."""
    import geopandas as gpd
    import shapely

    if level is None:
        present = _query(ws, "SELECT DISTINCT level FROM areas", [])["level"].tolist()
        level = _finest_level(ws, present)
    areas = area_layer(ws, level)
    areas = areas[areas["population"] > 0].to_crs(ws.config.crs)
    points = gpd.GeoDataFrame(
        pd.DataFrame(areas[["area_id", "population"]]),
        geometry=shapely.point_on_surface(areas.geometry.to_numpy()),
        crs=ws.config.crs,
    )
    return points.to_crs("EPSG:4326")
