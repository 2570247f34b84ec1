"""The GeoPackage reopens with GeoPandas: one layer per level, EPSG:4326, indicator columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def test_layers_columns_and_crs(public_exports: dict[str, Path], public_table: pd.DataFrame):
    import geopandas as gpd
    import pyogrio

    path = public_exports["geopackage"] / "areas.gpkg"
    layers = sorted(name for name, _ in pyogrio.list_layers(path))
    assert layers == ["city", "district", "neighborhood"]
    hood = gpd.read_file(path, layer="neighborhood")
    assert hood.crs.to_epsg() == 4326
    assert len(hood) == 150
    assert set(hood.geom_type) <= {"Polygon", "MultiPolygon"}
    for stem in ("family_violence", "sexual_violence", "robbery"):
        assert {f"{stem}_n", f"{stem}_rate", f"{stem}_status"} <= set(hood.columns)
    # the latest year's totals, hidden where the protected table hides them
    latest = public_table[
        (pd.to_datetime(public_table["period_start"]).dt.year == 2024)
        & (public_table["sex"] == "total")
        & (public_table["age_group"] == "total")
        & (public_table["indicator_id"] == "family-violence")
        & (public_table["area_level"] == "neighborhood")
    ].set_index("area_id")
    merged = hood.set_index("area_id").loc[latest.index]
    hidden = latest["suppressed"] != ""
    assert hidden.any()
    assert merged.loc[hidden, "family_violence_n"].isna().all()
    assert (merged.loc[hidden, "family_violence_status"] == latest.loc[hidden, "suppressed"]).all()
    shown = merged.loc[~hidden, "family_violence_n"].astype(int)
    assert (shown == latest.loc[~hidden, "numerator"].astype(int)).all()
