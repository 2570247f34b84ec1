"""GeoPackage of the areas with their indicators: one layer per area level.

Each layer holds the areas of one level (polygons, EPSG:4326) and, for one year, three columns
per indicator: the count ``<id>_n``, the rate ``<id>_rate`` and ``<id>_status`` (empty, or
``primary`` / ``complementary`` when the public table hides the cell). Ids have ``-`` replaced
by ``_`` so that every GIS accepts the column names. Only totals (all sexes, all ages) go into
the layers; the disaggregations are in the other exports. No incident point is ever written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def column_stem(indicator_id: str) -> str:
    """A GIS-safe column stem for an indicator id (``family-violence`` → ``family_violence``)."""
    return indicator_id.replace("-", "_")


def area_frame(areas: pd.DataFrame) -> Any:
    """Areas read from the warehouse (WKB ``geometry``) as a GeoDataFrame in EPSG:4326."""
    import geopandas as gpd
    import shapely

    blobs = [bytes(b) if b is not None else None for b in areas["geometry"]]
    frame = areas.drop(columns=["geometry"])
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(blobs), crs="EPSG:4326")


def wide(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Totals of ``year``: one row per area, count / rate / status columns per indicator."""
    rows = table[
        (table["period_type"] == "year")
        & (pd.to_datetime(table["period_start"]).dt.year == year)
        & (table["sex"] == "total")
        & (table["age_group"] == "total")
    ]
    status = rows["suppressed"] if "suppressed" in rows.columns else pd.Series("", rows.index)
    long = pd.DataFrame(
        {
            "area_id": rows["area_id"],
            "stem": rows["indicator_id"].map(column_stem),
            "n": rows["numerator"].astype("Int64"),
            "rate": rows["value"].astype(float).round(4),
            "status": status.fillna("").astype(str),
        }
    )
    out = long.pivot(index="area_id", columns="stem", values=["n", "rate", "status"])
    out.columns = [f"{col[1]}_{col[0]}" for col in out.columns.to_flat_index()]
    stems = sorted(long["stem"].unique())
    ordered = [f"{s}_{p}" for s in stems for p in ("n", "rate", "status")]
    out = out[ordered]
    dtypes: dict[str, Any] = {"n": "Int64", "rate": "float64", "status": "object"}
    for col in ordered:
        out[col] = out[col].astype(dtypes[col.rsplit("_", 1)[1]])
    return out.reset_index()


def write(
    table: pd.DataFrame, areas: pd.DataFrame, path: Path, year: int | None = None
) -> dict[str, Any]:
    """Write one layer per area level into the GeoPackage ``path``; return what was written."""
    from barrio.disclosure.service import check_no_coordinates

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    annual = table[table["period_type"] == "year"]
    year = year or int(pd.to_datetime(annual["period_start"]).dt.year.max())
    values = wide(annual, year)
    shapes = area_frame(areas)
    layers = {}
    for level in shapes["level"].unique():
        layer = shapes[shapes["level"] == level].merge(values, on="area_id", how="left")
        layer.insert(1, "year", year)
        check_no_coordinates(layer, str(path))
        for stem in sorted({c[: -len("_status")] for c in layer.columns if c.endswith("_status")}):
            absent = layer[f"{stem}_status"].isna()  # no row: nothing recorded, a zero
            layer[f"{stem}_n"] = layer[f"{stem}_n"].astype("Int64").mask(absent, 0)
            layer[f"{stem}_status"] = layer[f"{stem}_status"].fillna("")
        layer.to_file(path, layer=str(level), driver="GPKG")
        layers[str(level)] = len(layer)
    return {"path": str(path), "year": year, "layers": layers}
