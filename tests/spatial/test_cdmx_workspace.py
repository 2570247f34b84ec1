"""Real data through workspace mode: Mexico City police incidents and IECM colonias.

Gi* hot spots, concentration, emerging hot spots of robbery by month, and the selection of 22
colonias (at least one per alcaldía) with explanations, all run as ``barrio spatial ... -w``
and ``barrio select -w`` on a workspace loaded with the public ingest.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.spatial import register
from barrio.workspace import Workspace

pytestmark = pytest.mark.realdata
YEAR_2015 = ("--from", "2015-01-01", "--to", "2015-12-31")
ZOCALO = (-99.1332, 19.4326)

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
def cdmx(tmp_path_factory):
    from barrio.ingest.service import ingest
    from tests.conftest import shared_path

    root = tmp_path_factory.mktemp("cdmx") / "ws"
    ws = Workspace.init(root, crs="EPSG:6372", levels=("neighborhood",), extra_toml=SETTINGS)
    ingest(ws, "areas", shared_path("cdmx_colonias_iecm", "colonias_iecm.gpkg"), mapping="colonias")
    incidents = shared_path("cdmx_ssp_incidents_2013_2016", "cdmx_ssp_incidents_2013_2016.parquet")
    ingest(ws, "incidents", incidents, mapping="cdmx-ssp")
    app = typer.Typer()
    register(app)
    return Workspace.open(root), app


def run(cdmx, *args):
    ws, app = cdmx
    result = CliRunner().invoke(app, [*args, "--workspace", str(ws.root), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["data"]


def sql(ws, query):
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        return con.execute(query).df()


def test_gistar_hotspot_map(cdmx):
    import geopandas as gpd

    ws, _app = cdmx
    data = run(cdmx, "spatial", "gistar", "--cell-size", "500", *YEAR_2015)
    [n] = sql(
        ws,
        "SELECT count(*) AS n FROM incidents WHERE lon IS NOT NULL AND year(occurred_on) = 2015",
    )["n"]
    assert data["points"] == n
    assert data["labels"]["hot"] > 100
    cells = gpd.read_file(ws.out / "gistar.gpkg")
    hot = cells[cells["label"] == "hot"]
    zocalo = gpd.GeoSeries(gpd.points_from_xy([ZOCALO[0]], [ZOCALO[1]]), crs=4326)
    assert hot.contains(zocalo.to_crs(cells.crs).iloc[0]).any()  # the historic centre


def test_concentration_by_colonia(cdmx):
    ws, _app = cdmx
    data = run(cdmx, "spatial", "concentration", "--level", "neighborhood", *YEAR_2015)
    counts = sql(
        ws,
        "SELECT a.area_id, count(i.area_id) AS n FROM areas a LEFT JOIN incidents i"
        " ON i.area_id = a.area_id AND year(i.occurred_on) = 2015 GROUP BY 1",
    )["n"].to_numpy(dtype=float)
    assert data["places"] == 1814
    assert data["crimes"] == counts.sum()
    # Gini by the mean absolute difference, computed independently from SQL counts
    mad = np.abs(counts[:, None] - counts[None, :]).sum() / (2 * counts.size**2 * counts.mean())
    assert data["gini"] == pytest.approx(mad, rel=1e-12)
    top = np.sort(counts)[::-1][: int(np.ceil(0.10 * counts.size))].sum() / counts.sum()
    assert data["share_top_10pct"] == pytest.approx(top, rel=1e-9)
    assert data["share_top_10pct"] > 0.3  # crime concentrates: 10% of colonias, over 30%


def test_emerging_hotspots_of_robbery_by_month(cdmx):
    import geopandas as gpd

    ws, _app = cdmx
    data = run(
        cdmx, "spatial", "emerging", "--cell-size", "1000", "--iccs", "04",
        "--from", "2014-01-01", "--to", "2015-12-31",
    )  # fmt: skip
    assert len(data["periods"]) == 24
    assert sum(data["categories"].values()) == data["cells"]
    cells = gpd.read_file(ws.out / "emerging.gpkg")
    hot = cells["category"].str.endswith("hot spot")
    assert hot.sum() > 50
    # hot-spot categories are where robbery is: 5x the mean count of the other cells
    assert cells.loc[hot, "count"].mean() > 5 * cells.loc[~hot, "count"].mean()
    # the Zócalo cell: a hot spot every month, and its Gi* trend follows the raw counts
    at = gpd.GeoSeries(gpd.points_from_xy([ZOCALO[0]], [ZOCALO[1]]), crs=4326).to_crs(cells.crs)
    cell = cells[cells.contains(at.iloc[0])].iloc[0]
    assert cell["sfhotspot_category"] == "persistent hotspot"
    x0, y0, x1, y1 = cell.geometry.bounds
    pts = sql(
        ws,
        "SELECT lon, lat, year(occurred_on) AS y FROM incidents WHERE starts_with(iccs_code, '04')"
        " AND occurred_on BETWEEN DATE '2014-01-01' AND DATE '2015-12-31' AND lon IS NOT NULL",
    )
    xy = gpd.GeoSeries(gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326).to_crs(cells.crs)
    inside = (xy.x >= x0) & (xy.x < x1) & (xy.y >= y0) & (xy.y < y1)
    by_year = pts.loc[inside.to_numpy(), "y"].value_counts()
    assert by_year.sum() == cell["count"]
    assert np.sign(cell["trend_z"]) == np.sign(by_year[2015] - by_year[2014])


def test_select_22_colonias_with_explanations(cdmx):
    import geopandas as gpd

    ws, _app = cdmx
    data = run(cdmx, "select", *YEAR_2015, "--cell-size", "500", "--draws", "100")
    assert len(data["selected"]) == 22
    rows = pd.DataFrame(data["rows"])
    chosen = rows[rows["selected"]]
    assert chosen["explanation"].str.contains("crime").all()
    assert chosen["explanation"].str.contains("hotspot").all()
    assert (chosen["stability"] > 0).all()
    out = gpd.read_file(ws.out / "priority.gpkg")
    # 16 alcaldías, at least one colonia each
    assert out.loc[out["selected"], "parent_id"].nunique() == out["parent_id"].nunique() == 16
    # nothing dropped silently: colonias without population are reported
    assert len(out) + len(data["excluded"]) == 1814
    assert {e["reason"] for e in data["excluded"]} == {"no population"}
