"""Regular square grids and H3 hexagons, with point counts by vectorised binning.

Square grids follow sf's ``st_make_grid``: the first cell's lower-left corner is the lower-left
corner of the data's bounding box, cells are numbered row by row from the bottom-left (x varies
fastest), and there are ``ceil(width / cell)`` columns and ``ceil(height / cell)`` rows. Points
are assigned to cells with ``floor((x - x0) / cell)``: no spatial join is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

SFHOTSPOT_CELLS = 50
SFHOTSPOT_ROUNDING = 100.0


def sfhotspot_cell_size(xy: np.ndarray, round_to_100: bool = True) -> float:
    """Automatic cell size of R sfhotspot (``set_cell_size``; Ashby 2023).

    One fiftieth of the shorter side of the bounding box. With ``round_to_100`` (sfhotspot's
    default for metre/foot CRSs) the size is floored to a multiple of 100 when that is positive,
    so that the number of cells is adjusted upwards.

    >>> sfhotspot_cell_size(np.array([[0.0, 0.0], [40_000.0, 15_190.0]]))
    300.0
    """
    xy = _check_xy(xy)
    side = float(np.min(xy.max(axis=0) - xy.min(axis=0)))
    size = side / SFHOTSPOT_CELLS
    rounded = np.floor(size / SFHOTSPOT_ROUNDING) * SFHOTSPOT_ROUNDING
    if round_to_100 and rounded > 0:
        return float(rounded)
    if size <= 0:
        raise InputError(
            _("the points have no extent in x or y, so no automatic cell size exists"),
            hint=_("pass --cell-size explicitly"),
        )
    return float(size)


@dataclass(frozen=True)
class SquareGrid:
    """A regular square grid: origin, cell size and shape (cells numbered row by row)."""

    x0: float
    y0: float
    cell_size: float
    n_cols: int
    n_rows: int

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.n_cols * self.n_rows

    def centres(self) -> np.ndarray:
        """Cell centres as an (n_cells, 2) array, in cell order."""
        r, c = np.divmod(np.arange(self.n_cells), self.n_cols)
        return np.column_stack(
            [self.x0 + (c + 0.5) * self.cell_size, self.y0 + (r + 0.5) * self.cell_size]
        )

    def cell_of(self, xy: np.ndarray) -> np.ndarray:
        """Cell index of every point; -1 for points outside the grid."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        col = np.floor((xy[:, 0] - self.x0) / self.cell_size).astype(np.int64)
        row = np.floor((xy[:, 1] - self.y0) / self.cell_size).astype(np.int64)
        # points exactly on the upper/right edge of the bounding box belong to the last cell
        col[
            (col == self.n_cols) & np.isclose(xy[:, 0], self.x0 + self.n_cols * self.cell_size)
        ] -= 1
        row[
            (row == self.n_rows) & np.isclose(xy[:, 1], self.y0 + self.n_rows * self.cell_size)
        ] -= 1
        ok = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        return np.where(ok, row * self.n_cols + col, -1)

    def count(self, xy: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """Points (or summed weights) per cell, and the number of points outside the grid."""
        idx = self.cell_of(xy)
        inside = idx >= 0
        w = None if weights is None else np.asarray(weights, dtype=np.float64)[inside]
        counts = np.bincount(idx[inside], weights=w, minlength=self.n_cells)
        return counts, int((~inside).sum())

    def polygons(self, crs: Any = None) -> Any:
        """The cells as a GeoDataFrame with ``cell_id``, ``row`` and ``col``."""
        import geopandas as gpd
        import shapely

        r, c = np.divmod(np.arange(self.n_cells), self.n_cols)
        s = self.cell_size
        geom = shapely.box(
            self.x0 + c * s, self.y0 + r * s, self.x0 + (c + 1) * s, self.y0 + (r + 1) * s
        )
        frame = pd.DataFrame({"cell_id": np.arange(self.n_cells), "row": r, "col": c})
        return gpd.GeoDataFrame(frame, geometry=geom, crs=crs)


def square_grid(
    xy: np.ndarray, cell_size: float | None = None, bounds: tuple[float, ...] | None = None
) -> SquareGrid:
    """A square grid covering the points' bounding box (or ``bounds``: xmin, ymin, xmax, ymax).

    ``cell_size=None`` uses :func:`sfhotspot_cell_size`.
    """
    xy = _check_xy(xy)
    if cell_size is None:
        cell_size = sfhotspot_cell_size(xy)
    if not cell_size > 0:
        raise ConfigError(
            _("cell size {cell_size} must be positive", cell_size=cell_size),
            hint=_("e.g. --cell-size 250"),
        )
    if bounds is None:
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        bounds = (lo[0], lo[1], hi[0], hi[1])
    xmin, ymin, xmax, ymax = bounds
    n_cols = max(1, int(np.ceil((xmax - xmin) / cell_size - 1e-9)))
    n_rows = max(1, int(np.ceil((ymax - ymin) / cell_size - 1e-9)))
    return SquareGrid(float(xmin), float(ymin), float(cell_size), n_cols, n_rows)


def cells_in_area(grid: SquareGrid, area: Any) -> np.ndarray:
    """Boolean mask of the cells that intersect the study area (a shapely geometry or GeoSeries)."""
    import shapely

    geom = area.union_all() if hasattr(area, "union_all") else area
    cells = grid.polygons().geometry.to_numpy()
    shapely.prepare(geom)
    return np.asarray(shapely.intersects(geom, cells))


def utm_epsg(lon: np.ndarray, lat: np.ndarray) -> int:
    """EPSG code of the WGS 84 UTM zone of the points' centroid (sfhotspot ``st_transform_auto``).

    The centroid is the mean of the distinct points (sf's ``st_centroid(st_union(x))``); the zone
    is ``floor((lon + 180) / 6) + 1`` (326xx north, 327xx south), with UPS at the poles and the
    Norway/Svalbard exceptions. Memphis (centroid -89.93°) falls in zone 16: EPSG:32616.

    >>> utm_epsg(np.array([-99.13]), np.array([19.43]))
    32614
    """
    pts = np.unique(np.column_stack([lon, lat]).astype(np.float64), axis=0)
    x, y = pts.mean(axis=0)
    if y >= 84:
        return 32661
    if y <= -80:
        return 32761
    if y > 72 and 0 <= x < 42:
        return 32631 + 2 * int(min((x + 3) // 12, 3))
    if 3 <= x <= 12 and 56 <= y < 64:
        return 32632
    return 32600 + int(np.floor((x + 180) / 6)) + 1 + (100 if y < 0 else 0)


def h3_counts(lon: np.ndarray, lat: np.ndarray, resolution: int = 8) -> pd.DataFrame:
    """Points per H3 hexagon (Uber H3; Brodsky 2018) at ``resolution`` (0-15).

    Returns a DataFrame with columns ``h3`` (cell id string) and ``count``.
    """
    import h3

    if not 0 <= resolution <= 15:
        raise ConfigError(
            _("H3 resolution {resolution} is not in 0..15", resolution=resolution),
            hint=_("8 is ~0.7 km²"),
        )
    cells = [h3.latlng_to_cell(la, lo, resolution) for la, lo in zip(lat, lon, strict=True)]
    counts = pd.Series(cells, dtype="string").value_counts().sort_index()
    return pd.DataFrame({"h3": counts.index.astype(str), "count": counts.to_numpy()})


def h3_polygons(cells: pd.Series | list[str]) -> Any:
    """H3 cells as a GeoDataFrame in EPSG:4326 (column ``h3``)."""
    import geopandas as gpd
    import h3
    import shapely

    ids = [str(c) for c in cells]
    geoms = [shapely.Polygon([(lo, la) for la, lo in h3.cell_to_boundary(c)]) for c in ids]
    return gpd.GeoDataFrame({"h3": ids}, geometry=geoms, crs="EPSG:4326")


def _check_xy(xy: np.ndarray) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise InputError(
            _("expected an (n, 2) array of x, y coordinates; got shape {shape}", shape=arr.shape),
            hint=_("pass projected point coordinates, e.g. shapely.get_coordinates(gdf.geometry)"),
        )
    if not np.isfinite(arr).all():
        raise InputError(
            _(
                "{n} points have missing coordinates",
                n=int((~np.isfinite(arr)).any(axis=1).sum()),
            ),
            hint=_("drop or geocode points without coordinates before gridding"),
        )
    return arr
