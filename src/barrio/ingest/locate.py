"""Clean incident coordinates and assign each point to its area, inside the staging pass.

The single streaming pass that parses and checks the rows (see
:func:`barrio.ingest.stage.validated_select`) also cleans their coordinates, in SQL:

1. transforms them to EPSG:4326 when the mapping gives another CRS (a PROJ UDF);
2. swaps longitude and latitude where only the swapped pair falls within the bounds (the areas'
   extent padded by half, or the workspace CRS's area of use), and counts it (corrected);
3. clears coordinates out of range, at (0, 0), or with one of the pair missing (invalid);
4. assigns the rest to an area with :class:`~barrio.ingest.assign.AreaIndex` (exact), called
   from DuckDB as a vectorised Arrow function on each batch of rows and returning the area_id
   (NULL outside every area).

No second copy of the rows is made and nothing is joined back onto them by row number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from barrio.ingest.assign import OUTSIDE, AreaIndex
from barrio.ingest.problems import CLEARED, CORRECTED, FLAGGED

if TYPE_CHECKING:
    import duckdb

    from barrio.ingest.stage import Check
    from barrio.workspace import Workspace

Bounds = tuple[float, float, float, float]
AREA_FUNCTION = "__barrio_area"
WGS84_FUNCTION = "__barrio_wgs84"


class Locator:
    """The coordinate cleaning and area assignment of an incidents ingest.

    Parameters
    ----------
    areas
        Index of the finest area level and the area_id of each of its polygons (None when no
        areas are loaded yet: points are then checked but stay ``unassigned``).
    bounds
        (west, south, east, north) where points are expected, used to detect swapped pairs.
    crs
        CRS of the incoming coordinates (None or EPSG:4326 for longitude/latitude).

    Examples
    --------
    >>> import duckdb, shapely
    >>> locator = Locator((AreaIndex([shapely.box(0, 0, 1, 1)]), np.array(["A"], dtype=object)),
    ...                   bounds=(0, 0, 1, 1))
    >>> con = duckdb.connect()
    >>> locator.register(con)
    >>> rows = "SELECT * FROM (VALUES (0.5::DOUBLE, 0.2::DOUBLE), (0.5, 95)) t(lon, lat)"
    >>> sql = f"SELECT __lon, __lat, __area, __status FROM ({locator.select(rows)})"
    >>> con.execute(sql).fetchall()
    [(0.5, 0.2, 'A', 'assigned'), (None, None, None, 'invalid')]
    >>> locator.unregister(con)
    """

    def __init__(
        self,
        areas: tuple[AreaIndex, NDArray[np.object_]] | None,
        bounds: Bounds | None,
        crs: str | None = None,
    ) -> None:
        self.index: AreaIndex | None = areas[0] if areas else None
        ids = areas[1] if areas else np.array([], dtype=object)
        self.ids = pa.array(ids, pa.string())
        self.bounds = bounds
        self.crs = crs if crs and not is_wgs84(crs) else None

    def area_of(self, lon: pa.Array, lat: pa.Array) -> pa.Array:
        """area_id of the area containing each point, NULL outside all or without one (UDF).

        DuckDB calls this from its worker threads at once; the exact tests run in GEOS with
        the GIL released (the tree is only read, each call makes its own point geometries).
        """
        x = _floats(lon)
        y = _floats(lat)
        if self.index is None:
            return pa.nulls(len(x), pa.string())
        found = self.index.assign(x, y)
        return self.ids.take(pa.array(found, pa.int32(), mask=found == OUTSIDE))

    def to_wgs84(self, x: pa.Array, y: pa.Array) -> pa.StructArray:
        """Coordinates in the mapping's CRS to longitude/latitude (UDF)."""
        from pyproj import Transformer

        transformer = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = transformer.transform(_floats(x), _floats(y))
        return pa.StructArray.from_arrays(
            [pa.array(np.asarray(lon, dtype=np.float64)), pa.array(np.asarray(lat, np.float64))],
            names=["lon", "lat"],
        )

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Register the UDFs on ``con``."""
        import duckdb
        from duckdb.func import ARROW, SPECIAL

        con.create_function(
            AREA_FUNCTION,
            self.area_of,
            ["DOUBLE", "DOUBLE"],
            "VARCHAR",
            type=ARROW,
            null_handling=SPECIAL,
        )
        if self.crs:
            con.create_function(
                WGS84_FUNCTION,
                self.to_wgs84,
                ["DOUBLE", "DOUBLE"],
                duckdb.struct_type({"lon": "DOUBLE", "lat": "DOUBLE"}),
                type=ARROW,
                null_handling=SPECIAL,
            )

    def unregister(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove the UDFs (a connection closed with them still registered leaks them)."""
        con.remove_function(AREA_FUNCTION)
        if self.crs:
            con.remove_function(WGS84_FUNCTION)

    def select(self, relation: str) -> str:
        """``relation`` (with ``lon`` and ``lat``) plus ``__lon``, ``__lat`` (cleaned),
        ``__area`` (area_id, NULL outside), ``__status`` (assigned | outside |
        missing | invalid | unassigned) and the flags ``__swapped`` and ``__invalid``."""
        points = f"SELECT *, lon AS __x, lat AS __y FROM ({_has(relation)})"
        if self.crs:
            points = f"""SELECT *, __t.lon AS __x, __t.lat AS __y FROM (
                SELECT *, {WGS84_FUNCTION}(lon, lat) AS __t FROM ({_has(relation)}))"""
        swapped = "false"
        if self.bounds is not None:
            swapped = (
                f"__has AND COALESCE(NOT {_within('__x', '__y', self.bounds)} "
                f"AND {_within('__y', '__x', self.bounds)}, false)"
            )
        valid = "abs(__sy) <= 90 AND abs(__sx) <= 180 AND (__sy <> 0 OR __sx <> 0)"
        point = "__has AND NOT __invalid"
        outside = "'outside'" if self.index is not None else "'unassigned'"
        return f"""SELECT *,
            CASE WHEN {point} THEN __sx END AS __lon, CASE WHEN {point} THEN __sy END AS __lat,
            __found AS __area,
            CASE WHEN NOT __has THEN 'missing' WHEN __invalid THEN 'invalid'
                 WHEN __found IS NOT NULL THEN 'assigned' ELSE {outside} END AS __status
        FROM (SELECT *, {AREA_FUNCTION}(CASE WHEN {point} THEN __sx END,
                                        CASE WHEN {point} THEN __sy END) AS __found
        FROM (SELECT *, __has AND NOT COALESCE({valid}, false) AS __invalid
        FROM (SELECT *, CASE WHEN __swapped THEN __y ELSE __x END AS __sx,
                        CASE WHEN __swapped THEN __x ELSE __y END AS __sy
        FROM (SELECT *, {swapped} AS __swapped FROM ({points})))))"""


def location_checks() -> list[Check]:
    """Problems the location step finds, as checks over :meth:`Locator.select`'s columns."""
    from barrio.ingest.stage import Check

    return [
        Check("lat", "__swapped", "swapped_coordinates", CORRECTED, value=False),
        Check("lat", "__invalid", "bad_coordinates", CLEARED, value=False),
        Check("lat", "__status = 'outside'", "outside_areas", FLAGGED, value=False),
    ]


def locator_for(con: duckdb.DuckDBPyConnection, workspace: Workspace, crs: str | None) -> Locator:
    """The locator of a workspace: its finest area level, or the CRS bounds without areas."""
    areas = load_area_index(con, workspace)
    if areas is None:
        return Locator(None, crs_bounds(workspace.config.crs), crs)
    index, ids, bounds = areas
    return Locator((index, ids), bounds, crs)


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


def _floats(values: pa.Array) -> NDArray[np.float64]:
    """float64 values with NaN for nulls."""
    if values.null_count:
        values = pc.fill_null(values, np.nan)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)


def _has(relation: str) -> str:
    return f"SELECT *, lon IS NOT NULL OR lat IS NOT NULL AS __has FROM ({relation})"


def _within(x: str, y: str, b: Bounds) -> str:
    west, south, east, north = (repr(float(v)) for v in b)
    return f"({x} BETWEEN {west} AND {east} AND {y} BETWEEN {south} AND {north})"


def is_wgs84(crs: str) -> bool:
    """Whether ``crs`` names longitude/latitude on WGS 84."""
    return crs.upper().replace(" ", "") in ("EPSG:4326", "WGS84", "OGC:CRS84")


def crs_bounds(crs: str) -> Bounds | None:
    """Area of use (lon/lat) of the workspace CRS; None for world-wide CRSs."""
    from pyproj import CRS

    area = CRS.from_user_input(crs).area_of_use
    if area is None or (area.east - area.west) > 90:
        return None
    return (area.west, area.south, area.east, area.north)
