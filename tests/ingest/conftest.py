"""Helpers for ingest tests: a small workspace with two neighborhoods."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from barrio.workspace import Workspace

POLICE_MAPPING = """
[mappings.police]
kind = "incidents"
source = "policia"
date_format = "%d/%m/%Y"
category_mapping = "fixture-city"
[mappings.police.columns]
incident_id = "folio"
occurred_on = "fecha"
occurred_time = "hora"
local_category = "delito"
lat = "latitud"
lon = "longitud"
victim_age = "edad"
victim_sex = "sexo"
"""

HEADER = "folio;fecha;hora;delito;latitud;longitud;edad;sexo\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace with a city split into two neighborhoods (west N1, east N2)."""
    ws = Workspace.init(tmp_path / "ws", crs="EPSG:32614", extra_toml=POLICE_MAPPING)
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["C", "N1", "N2"],
            "name": ["Ciudad", "Poniente", "Oriente"],
            "level": ["city", "neighborhood", "neighborhood"],
            "parent_id": [None, "C", "C"],
        },
        geometry=[
            shapely.box(-100.5, 20.5, -100.3, 20.7),
            shapely.box(-100.5, 20.5, -100.4, 20.7),
            shapely.box(-100.4, 20.5, -100.3, 20.7),
        ],
        crs="EPSG:4326",
    )
    areas.to_file(ws.sources / "areas.gpkg")
    from barrio.ingest.service import ingest

    ingest(ws, "areas", ws.sources / "areas.gpkg")
    return ws


def write_incidents(
    ws: Workspace, body: str, name: str = "inc.csv", encoding: str = "cp1252"
) -> Path:
    """Write a police CSV (header + body) into the workspace sources."""
    path = ws.sources / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path
