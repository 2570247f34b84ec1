"""Service functions behind ``barrio spatial`` and ``barrio select``.

They take GeoDataFrames / DataFrames (the warehouse's ``incidents`` and ``areas`` tables or any
file read with :func:`read_layer`) and return GeoDataFrames plus a JSON-ready summary. Points in
EPSG:4326 are analysed in a projected CRS (the local UTM zone unless one is given).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".csv")


def read_layer(path: str | Path, lon: str = "lon", lat: str = "lat") -> Any:
    """Read points or polygons: GeoPackage, GeoJSON, GeoParquet, or CSV/Parquet with lon/lat."""
    import geopandas as gpd

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(
            _("file not found: {path}", path=path), hint=_("check the path"), file=str(path)
        )
    if suffix not in LAYER_SUFFIXES:
        raise InputError(
            _(
                "unsupported file type {suffix}; expected one of: {choices}",
                suffix=repr(suffix),
                choices=", ".join(LAYER_SUFFIXES),
            ),
            hint=_("convert the layer to GeoPackage, GeoJSON, GeoParquet or CSV with lon/lat"),
            file=str(path),
        )
    if suffix in (".gpkg", ".geojson", ".json"):
        return gpd.read_file(path)
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path)
        except (ValueError, KeyError):
            frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path)
    return points_from_frame(frame, lon, lat, source=str(path))


def points_from_frame(
    frame: pd.DataFrame, lon: str = "lon", lat: str = "lat", source: str = ""
) -> Any:
    """A point GeoDataFrame (EPSG:4326) from lon/lat columns; rows without coordinates dropped
    and counted in ``attrs["dropped_no_coordinates"]``."""
    import geopandas as gpd

    missing = [c for c in (lon, lat) if c not in frame.columns]
    if missing:
        raise InputError(
            _(
                "columns {missing} not found in {source}; available: {columns}",
                missing=missing,
                source=source or _("the table"),
                columns=", ".join(map(str, frame.columns)),
            ),
            hint=_("name the coordinate columns with --lon and --lat"),
        )
    x = pd.to_numeric(frame[lon], errors="coerce")
    y = pd.to_numeric(frame[lat], errors="coerce")
    ok = x.notna() & y.notna()
    out = gpd.GeoDataFrame(
        frame.loc[ok].reset_index(drop=True),
        geometry=gpd.points_from_xy(x[ok], y[ok]),
        crs="EPSG:4326",
    )
    out.attrs["dropped_no_coordinates"] = int((~ok).sum())
    return out


def projected(gdf: Any, crs: str | None = None) -> Any:
    """The layer in ``crs``, or in its local UTM zone when it is geographic and no CRS is given."""
    if gdf.crs is None:
        raise InputError(
            _("the layer has no coordinate reference system"),
            hint=_("set one (e.g. EPSG:4326 for lon/lat) before the analysis"),
        )
    if crs:
        return gdf.to_crs(crs)
    return gdf.to_crs(gdf.estimate_utm_crs()) if gdf.crs.is_geographic else gdf


def write_layer(gdf: Any, path: str | Path) -> Path:
    """Write a result by extension: .gpkg, .geojson, .parquet (GeoParquet) or .csv (no geometry)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        gdf.to_file(path, driver="GPKG")
    elif suffix in (".geojson", ".json"):
        gdf.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    elif suffix in (".parquet", ".geoparquet"):
        gdf.to_parquet(path)
    elif suffix == ".csv":
        pd.DataFrame(gdf.drop(columns="geometry", errors="ignore")).to_csv(path, index=False)
    else:
        raise ConfigError(
            _(
                "unsupported output type {suffix}; expected .gpkg, .geojson, .parquet or .csv",
                suffix=repr(suffix),
            ),
            hint=_("e.g. --output hotspots.gpkg"),
        )
    return path


def _is_points(gdf: Any) -> bool:
    return bool(len(gdf)) and bool((gdf.geometry.geom_type == "Point").all())


def _xy(gdf: Any) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(gdf.geometry.to_numpy())


def grid_counts(
    points: Any, cell_size: float | None = None, crs: str | None = None, *, clip: Any = None
) -> tuple[Any, dict]:
    """Counts of points on a square grid (sfhotspot cell size by default).

    ``clip`` (polygons, or a shapely geometry in EPSG:4326) keeps only the cells that touch the
    study area and reports the points outside it (``points_outside_area``).
    """
    from barrio.spatial.grid import cells_in_area, square_grid

    pts = projected(points, crs)
    xy = _xy(pts)
    grid = square_grid(xy, cell_size)
    counts, outside = grid.count(xy)
    cells = grid.polygons(pts.crs)
    cells["count"] = counts
    summary = {
        "cells": grid.n_cells,
        "cell_size": grid.cell_size,
        "points": len(xy),
        "points_outside_grid": outside,
        "crs": str(pts.crs),
    }
    if clip is not None:
        area = study_area(clip, pts.crs)
        keep = cells_in_area(grid, area)
        cells = cells[keep].reset_index(drop=True)
        summary.update(_outside_area(area, xy), cells_in_area=len(cells))
        # reconciliation: points = in kept cells + in clipped-away cells + outside the grid
        summary["points_in_clipped_cells"] = int(counts[~keep].sum())
    return cells, summary


def study_area(clip: Any, crs: Any) -> Any:
    """The union of ``clip`` (a GeoDataFrame or a shapely geometry in EPSG:4326) in ``crs``."""
    import geopandas as gpd
    import shapely

    if not hasattr(clip, "geometry"):
        clip = gpd.GeoSeries([clip], crs="EPSG:4326")
    geoms = clip.to_crs(crs).geometry.to_numpy()
    return shapely.union_all(shapely.make_valid(geoms))


def _outside_area(area: Any, xy: np.ndarray) -> dict[str, Any]:
    import shapely

    shapely.prepare(area)
    outside = ~shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    return {
        "points_outside_area": int(outside.sum()),
        "outside_area_index": np.flatnonzero(outside)[:100].tolist(),
    }


def h3_grid(points: Any, resolution: int, *, clip: Any = None) -> tuple[Any, dict]:
    """Counts of points per H3 hexagon (cells in EPSG:4326), optionally clipped to an area."""
    import shapely

    from barrio.spatial.grid import h3_counts, h3_polygons

    pts = points.to_crs("EPSG:4326")
    lonlat = _xy(pts)
    counts = h3_counts(lonlat[:, 0], lonlat[:, 1], resolution)
    cells = h3_polygons(counts["h3"])
    cells["count"] = counts["count"].to_numpy()
    summary: dict[str, Any] = {"cells": len(cells), "h3_resolution": resolution}
    summary["points"] = len(lonlat)
    if clip is not None:
        area = study_area(clip, "EPSG:4326")
        shapely.prepare(area)
        cells = cells[shapely.intersects(area, cells.geometry.to_numpy())].reset_index(drop=True)
        summary.update(_outside_area(area, lonlat), cells_in_area=len(cells))
    return cells, summary


def local_statistic(
    layer: Any,
    statistic: str = "gistar",
    column: str | None = None,
    *,
    weights: str = "queen",
    cell_size: float | None = None,
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    fdr: bool = True,
    crs: str | None = None,
) -> tuple[Any, dict]:
    """Gi* or local Moran on polygons (``column``) or on grid counts of points."""
    from barrio.spatial.local import gistar, local_moran
    from barrio.spatial.weights import contiguity, grid_contiguity

    if statistic not in ("gistar", "lisa"):
        raise ConfigError(
            _(
                "unknown local statistic {statistic}; expected gistar or lisa",
                statistic=repr(statistic),
            )
        )
    if _is_points(layer):
        cells, summary = grid_counts(layer, cell_size, crs)
        n_rows, n_cols = int(cells["row"].max()) + 1, int(cells["col"].max()) + 1
        w = grid_contiguity(n_rows, n_cols, weights)
        x = cells["count"].to_numpy(dtype=float)
        out = cells
    else:
        if column is None or column not in layer.columns:
            raise InputError(
                _(
                    "column {column} not found; available: {columns}",
                    column=repr(column),
                    columns=", ".join(map(str, layer.columns)),
                ),
                hint=_("choose the variable with --column"),
            )
        w = contiguity(layer, weights)
        x = layer[column].to_numpy(dtype=float)
        out, summary = layer.copy(), {"units": len(layer)}
    fn = gistar if statistic == "gistar" else local_moran
    res = fn(x, w, permutations=permutations, seed=seed, alpha=alpha, fdr=fdr)
    result = res.to_frame()
    for col in result.columns:
        out[col] = result[col].to_numpy()
    summary.update(
        {
            "statistic": statistic,
            "permutations": permutations,
            "seed": seed,
            "alpha": alpha,
            "fdr": fdr,
            "labels": pd.Series(res.label).value_counts().to_dict(),
        }
    )
    return out, summary


def concentration_summary(counts: Any) -> dict[str, Any]:
    """Gini, generalized Gini and top shares of a vector of counts per place."""
    from barrio.spatial import concentration as c

    return {
        "places": int(np.size(counts)),
        "crimes": float(np.sum(counts)),
        "gini": c.gini(counts),
        "generalized_gini": c.generalized_gini(counts),
        "share_top_1pct": c.top_share(counts, 0.01),
        "share_top_5pct": c.top_share(counts, 0.05),
        "share_top_10pct": c.top_share(counts, 0.10),
        "places_for_50pct": c.places_for_share(counts, 0.5),
    }


def days_since_start(values: pd.Series) -> np.ndarray:
    """Dates as integer days since the earliest one (for Knox / near repeat)."""
    dates = pd.to_datetime(values, errors="coerce")
    if dates.isna().any():
        raise InputError(
            _("{n} values of the date column are not dates", n=int(dates.isna().sum())),
            hint=_("use ISO dates (YYYY-MM-DD) in the date column"),
        )
    return ((dates - dates.min()).dt.days).to_numpy(dtype=float)


def month_index(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Month number of every date (0 = first month) and the month labels."""
    dates = pd.to_datetime(values, errors="coerce")
    if dates.isna().any():
        raise InputError(
            _("{n} values of the date column are not dates", n=int(dates.isna().sum())),
            hint=_("use ISO dates (YYYY-MM-DD)"),
        )
    months = dates.dt.year * 12 + dates.dt.month - 1
    first, last = int(months.min()), int(months.max())
    labels = [f"{m // 12}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    return (months - first).to_numpy(dtype=np.int64), labels


def emerging_hotspots(
    points: Any,
    date_column: str,
    cell_size: float | None = None,
    time_window: int = 0,
    alpha: float = 0.05,
    crs: str | None = None,
) -> tuple[Any, dict]:
    """Monthly space-time cube on a square grid, space-time Gi*, ESRI and sfhotspot categories."""
    from barrio.spatial.emerging import (
        esri_categories,
        sfhotspot_categories,
        space_time_cube,
        space_time_gistar,
    )
    from barrio.spatial.grid import square_grid
    from barrio.spatial.weights import grid_contiguity

    if date_column not in points.columns:
        raise InputError(
            _(
                "date column {date_column} not found; available: {columns}",
                date_column=repr(date_column),
                columns=", ".join(map(str, points.columns)),
            ),
            hint=_("name it with --date"),
        )
    pts = projected(points, crs)
    xy = _xy(pts)
    grid = square_grid(xy, cell_size)
    period, labels = month_index(pts[date_column])
    cube = space_time_cube(grid.cell_of(xy), period, grid.n_cells, len(labels))
    z = space_time_gistar(cube, grid_contiguity(grid.n_rows, grid.n_cols), time_window)
    cats = esri_categories(z, alpha=alpha)
    cells = grid.polygons(pts.crs)
    cells["count"] = cube.sum(axis=1)
    cells["category"] = cats["category"].to_numpy()
    cells["trend_z"] = cats["trend_z"].to_numpy()
    cells["sfhotspot_category"] = sfhotspot_categories(z, alpha=alpha).to_numpy()
    summary = {
        "cells": grid.n_cells,
        "cell_size": grid.cell_size,
        "periods": labels,
        "categories": cells["category"].value_counts().to_dict(),
    }
    return cells, summary
