"""Real data: Mexico City police incidents 2013-2016 assigned to the IECM colonias."""

from __future__ import annotations

import duckdb
import pytest

from barrio.ingest.quality import quality_report
from barrio.ingest.service import ingest
from barrio.workspace import Workspace
from tests.conftest import shared_path

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def cdmx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, list]:
    colonias = shared_path("cdmx_colonias_iecm", "colonias_iecm.gpkg")
    incidents = shared_path("cdmx_ssp_incidents_2013_2016", "cdmx_ssp_incidents_2013_2016.parquet")
    ws = Workspace.init(tmp_path_factory.mktemp("cdmx") / "ws", crs="EPSG:6372")
    runs = [
        ingest(ws, "areas", colonias, mapping="cdmx-colonias"),
        ingest(ws, "incidents", incidents, mapping="cdmx-ssp"),
    ]
    return ws, runs


def test_reconciles_and_assigns_colonias(cdmx: tuple[Workspace, list]) -> None:
    ws, (areas, incidents) = cdmx
    assert areas.reconciles
    assert areas.rows_accepted == 1814
    assert incidents.reconciles
    assert incidents.rows_read == 132_692
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        geocoded, assigned = con.execute(
            "SELECT count(*) FILTER (WHERE lon IS NOT NULL),"
            " count(*) FILTER (WHERE area_id IS NOT NULL) FROM incidents"
        ).fetchone()
        categories = con.execute(
            "SELECT count(DISTINCT local_category), count(*) FILTER (WHERE iccs_code IS NULL)"
            " FROM incidents"
        ).fetchone()
    assert assigned / geocoded >= 0.995
    assert categories == (19, 0)


def test_quality_flags_default_coordinates_near_hospital_balbuena(
    cdmx: tuple[Workspace, list],
) -> None:
    ws, _runs = cdmx
    report = quality_report(ws)
    stacks = report["repeated_coordinates"]
    near = [
        s for s in stacks if abs(s["lat"] - 19.4242) < 0.001 and abs(s["lon"] + 99.1157) < 0.001
    ]
    assert sum(s["n"] for s in near) >= 150
    assert report["incidents"][0]["share_unclassified"] == 0
