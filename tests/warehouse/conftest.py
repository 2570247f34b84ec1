"""The fixture city ingested once into a workspace, shared by the engine tests."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from barrio.workspace import Workspace

# Local Spark workers must run this interpreter (it has pyarrow, shapely and barrio); set before
# any test starts the shared session.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

COUNTS_MAPPING = """
[mappings.fiscalia]
kind = "counts"
source = "fiscalia"
category_mapping = "fixture-city"
"""

# a few published counts, so that the counts table has rows of every type on every engine
COUNTS_CSV = """area_id,period_start,period_type,local_category,sex,age_group,count
VE-D01,2021-01-01,month,Robo de vehículo,total,total,12
VE-D01,2021-02-01,month,Robo de vehículo,total,total,0
VE-D02,2021-01-01,month,Violencia familiar,F,total,7
VE-D02,2021-01-01,month,Violencia familiar,M,total,1
VE,2021-01-01,year,Lesiones dolosas,total,total,3000000000
"""


@pytest.fixture(scope="session")
def city_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The small fixture city (areas, population, incidents) plus a few counts, ingested once.

    Tests must not change its warehouse; each engine test publishes from it.
    """
    from barrio.fixtures import build_city
    from barrio.ingest.service import ingest

    root: Path = tmp_path_factory.mktemp("engines") / "city"
    ws = Workspace.init(root, name="Villa Esperanza", crs="EPSG:32614", extra_toml=COUNTS_MAPPING)
    city = build_city(ws.sources, size="small", seed=2020)
    ingest(ws, "areas", city.areas)
    ingest(ws, "population", city.population, mapping="fixture-population")
    ingest(ws, "incidents", city.incidents, mapping="fixture-incidents")
    counts = ws.sources / "counts.csv"
    counts.write_text(COUNTS_CSV, encoding="utf-8")
    ingest(ws, "counts", counts, mapping="fiscalia")
    return ws


def require(module: str) -> Any:
    """Import an optional engine driver: skip without it locally, fail in CI."""
    if os.environ.get("CI") or os.environ.get("BARRIO_REQUIRE_SERVICES"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


def workspace_with_engine(base: Workspace, engine: str) -> Workspace:
    """``base`` seen with another engine setting (same folder, same warehouse)."""
    from dataclasses import replace

    return replace(base, config=replace(base.config, engine=engine))
