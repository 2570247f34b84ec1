"""Real data: the findings report of Mexico City's colonias (IECM polygons with 2020 census
population) and the police's high-impact crimes 2013-2016 (SSP), built from a workspace loaded
with the public ingest. The workspace has no diagnosis, no survey and no register: those
sections are omitted with a note, and the rest is computed from the data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from barrio.workspace import Workspace

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

SETTINGS = """
[mappings.colonias]
kind = "areas"
[mappings.colonias.columns]
area_id = "CVEUT"
name = "NOMUT"
population = "SUMPOB1"
parent_id = "CVEDT"
[mappings.colonias.constants]
level = "neighborhood"

[select]
n = 22
level = "neighborhood"
min_per_district = 1
"""


@pytest.fixture(scope="module")
def cdmx_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from barrio.indicators.service import compute
    from barrio.ingest.service import ingest
    from barrio.report.service import build_report
    from tests.conftest import shared_path

    colonias = shared_path("cdmx_colonias_iecm", "colonias_iecm.gpkg")
    incidents = shared_path("cdmx_ssp_incidents_2013_2016", "cdmx_ssp_incidents_2013_2016.parquet")
    root = tmp_path_factory.mktemp("cdmx-report") / "ws"
    ws = Workspace.init(root, crs="EPSG:6372", levels=("neighborhood",), extra_toml=SETTINGS)
    ingest(ws, "areas", colonias, mapping="colonias")
    ingest(ws, "incidents", incidents, mapping="cdmx-ssp")
    ws = Workspace.open(root)
    compute(ws, period="year")
    return build_report(ws, "findings", formats=("html", "pdf"), lang="es")


def test_sections_built_and_omitted(cdmx_report):
    assert {"context", "incidence", "hotspots", "priority", "methodology"} <= set(
        cdmx_report["sections"]
    )
    assert set(cdmx_report["omitted"]) == {"survey", "diagnosis", "risk", "recommendations"}
    assert "barrio diagnosis import" in cdmx_report["omitted"]["diagnosis"]


def test_real_figures_in_the_report(cdmx_report):
    from pypdf import PdfReader

    html = Path(cdmx_report["files"]["html"]).read_text("utf-8")
    # 132,692 records in the source; the context section reports what was accepted
    accepted = re.search(r"contiene ([\d,]+) áreas, ([\d,]+) incidentes", html)
    assert accepted is not None
    assert accepted.group(1) == "1,814"
    assert 130_000 <= int(accepted.group(2).replace(",", "")) <= 132_692
    assert "las 1814 áreas del nivel neighborhood" in html or "1814 áreas" in html
    text = " ".join(p.extract_text() for p in PdfReader(cdmx_report["files"]["pdf"]).pages)
    text = re.sub(r"\s+", " ", text)
    for title in ("Incidencia delictiva", "Puntos calientes y concentración",
                  "Colonias prioritarias", "Anexo metodológico"):  # fmt: skip
        assert title in text
    assert len(re.findall(r"<img ", html)) == cdmx_report["figures"] >= 5
