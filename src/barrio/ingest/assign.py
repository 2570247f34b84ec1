"""Assign points to the polygon that contains them, fast and exactly.

A plain spatial join tests every point against its candidate polygons in GEOS (about 2 µs a
point). ``AreaIndex`` does that only for the few points near a boundary:

1. lay a regular grid over the areas (cell size chosen from the number of polygons);
2. mark every cell a polygon boundary passes through: boundaries are split into segments no
   longer than half a cell, so the four cells at the corners of a segment's bounding box
   cover it;
3. the unmarked cells form connected components that no boundary crosses, so each lies wholly in
   one polygon (or outside all): one exact point-in-polygon test per component labels it;
4. a point in an unmarked cell takes its cell's label (array lookup); points in marked cells
   get the exact GEOS test (Shapely STRtree).

The result is identical to an exact join (first polygon in input order wins where polygons
overlap or a point lies on a shared edge). No Python loop runs per point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage

OUTSIDE = -1


@dataclass
class _Grid:
    xmin: float
    ymin: float
    size: float
    nx: int
    ny: int
    polygon_of_cell: NDArray[np.int32]  # flat; OUTSIDE, a polygon index, or -2 for "test exactly"


class AreaIndex:
    """Point-in-polygon index over an array of (multi)polygons.

    Parameters
    ----------
    polygons
        Shapely (multi)polygons, in the same CRS as the points to assign.
    cells_per_polygon
        Grid resolution: more cells mean fewer exact tests and more memory (4 bytes a cell).
    max_cells
        Upper bound on the number of grid cells.

    Examples
    --------
    >>> import shapely
    >>> index = AreaIndex([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> index.assign(np.array([0.5, 1.5, 5.0]), np.array([0.5, 0.5, 0.5])).tolist()
    [0, 1, -1]
    """

    EXACT = -2

    def __init__(
        self,
        polygons: NDArray[np.object_] | list[shapely.Geometry],
        *,
        cells_per_polygon: int = 256,
        max_cells: int = 1 << 24,
    ) -> None:
        self.polygons = np.asarray(polygons, dtype=object)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)
        n_cells = int(min(max_cells, max(1 << 12, cells_per_polygon * len(self.polygons))))
        self.grid = self._build_grid(n_cells) if len(self.polygons) else None

    def _build_grid(self, n_cells: int) -> _Grid | None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.polygons)
        width, height = xmax - xmin, ymax - ymin
        if not (width > 0 and height > 0):
            return None
        size = float(np.sqrt(width * height / n_cells))
        nx, ny = int(width // size) + 1, int(height // size) + 1
        boundary = self._boundary_cells(xmin, ymin, size, nx, ny)
        components, n_components = ndimage.label(~boundary)
        flat = components.ravel()
        del components, boundary
        # one representative cell per component (any of its cells): test its centre exactly
        reps = np.zeros(n_components + 1, dtype=np.int64)
        reps[flat] = np.arange(flat.size, dtype=np.int64)
        reps = reps[1:]
        rep_x = xmin + (reps % nx + 0.5) * size
        rep_y = ymin + (reps // nx + 0.5) * size
        label_of_component = np.empty(n_components + 1, dtype=np.int32)
        label_of_component[0] = self.EXACT
        label_of_component[1:] = self._exact(rep_x, rep_y)
        return _Grid(xmin, ymin, size, nx, ny, label_of_component[flat])

    def _boundary_cells(
        self, xmin: float, ymin: float, size: float, nx: int, ny: int
    ) -> NDArray[np.bool_]:
        """Cells that some polygon boundary passes through (a superset, never fewer).

        Boundaries are split into segments no longer than half a cell (not a whole cell: with
        rounding, a segment exactly one cell long can touch three cells), so each segment's
        bounding box spans at most 2 x 2 cells; marking those four cells covers the segment.
        Cells are numbered with the same arithmetic as :meth:`assign` uses for points, so a
        point on a boundary always falls in a marked cell.
        """
        rings = shapely.get_parts(shapely.boundary(self.polygons))
        rings = shapely.segmentize(rings, max_segment_length=size / 2)
        xy, part = shapely.get_coordinates(rings, return_index=True)
        ix = _cell(xy[:, 0], xmin, size, nx)
        iy = _cell(xy[:, 1], ymin, size, ny)
        boundary = np.zeros(ny * nx, dtype=bool)
        boundary[iy * nx + ix] = True
        a = np.flatnonzero(part[1:] == part[:-1])
        b = a + 1
        boundary[iy[a] * nx + ix[b]] = True
        boundary[iy[b] * nx + ix[a]] = True
        return boundary.reshape(ny, nx)

    def _exact(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        """Exact GEOS test: index of the first polygon that intersects each point."""
        out = np.full(len(x), OUTSIDE, dtype=np.int32)
        if len(x) == 0:
            return out
        points, polys = self.tree.query(shapely.points(x, y), predicate="intersects")
        # several matches (shared edge, overlaps): keep the lowest polygon index
        order = np.lexsort((polys, points))
        points, polys = points[order], polys[order]
        first = np.ones(len(points), dtype=bool)
        first[1:] = points[1:] != points[:-1]
        out[points[first]] = polys[first]
        return out

    def assign(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        """Index of the polygon containing each point; ``-1`` outside all (or NaN coordinates)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        out = np.full(len(x), OUTSIDE, dtype=np.int32)
        valid = np.isfinite(x) & np.isfinite(y)
        if self.grid is None:
            out[valid] = self._exact(x[valid], y[valid])
            return out
        g = self.grid
        ix = np.floor((x - g.xmin) / g.size)
        iy = np.floor((y - g.ymin) / g.size)
        inside = valid & (ix >= 0) & (ix < g.nx) & (iy >= 0) & (iy < g.ny)
        cell = (iy[inside] * g.nx + ix[inside]).astype(np.int64)
        out[inside] = g.polygon_of_cell[cell]
        exact = np.flatnonzero(out == self.EXACT)
        out[exact] = self._exact(x[exact], y[exact])
        return out

    def share_exact(self) -> float:
        """Share of grid cells that need an exact test (a diagnostic of the grid resolution)."""
        return float(np.mean(self.grid.polygon_of_cell == self.EXACT)) if self.grid else 1.0


def _cell(v: NDArray[np.float64], origin: float, size: float, n: int) -> NDArray[np.int64]:
    """Cell number along one axis, computed exactly as :meth:`AreaIndex.assign` does."""
    return np.floor((v - origin) / size).astype(np.int64).clip(0, n - 1)
