"""Workspace mode of ``barrio spatial ...`` and ``barrio select`` on the fixture city.

Expected figures come from the warehouse itself through independent queries (the ingest's own
point-in-polygon assignment, plain SQL counts), not from the spatial code under test.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.spatial import register
from barrio.workspace import Workspace


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from barrio.fixtures import build_city
    from barrio.ingest.service import ingest

    root = tmp_path_factory.mktemp("fixture") / "ws"
    extra = """
[select]
n = 12
level = "neighborhood"
min_per_district = 1
[select.context]
source = "sources/context.csv"
id = "clave_area"
[select.context.variables.youth_share]
expr = "youth / total"
direction = "higher"
"""
    space = Workspace.init(root, name="VE", crs="EPSG:32614", extra_toml=extra)
    city = build_city(space.sources, size="small", seed=2020)
    ingest(space, "areas", city.areas)
    ingest(space, "population", city.population, mapping="fixture-population")
    ingest(space, "incidents", city.incidents, mapping="fixture-incidents")
    pop = pd.read_csv(city.population)
    pop = pop[pop["anio"] == 2020]
    context = pop.groupby("clave_area")["poblacion"].sum().rename("total").to_frame()
    context["youth"] = pop[pop["grupo_edad"] == "15-29"].groupby("clave_area")["poblacion"].sum()
    context.reset_index().to_csv(space.sources / "context.csv", index=False)
    return Workspace.open(root)


def sql(ws, query):
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        return con.execute(query).fetchall()


def run(app, ws, *args):
    result = CliRunner().invoke(app, [*args, "--workspace", str(ws.root), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["ok"] is True
    return doc["data"]


def test_grid_clipped_to_the_areas_reports_points_outside(app, ws):
    data = run(app, ws, "spatial", "grid", "--cell-size", "250")
    [(geocoded, outside)] = sql(
        ws,
        "SELECT count(*) FILTER (WHERE lon IS NOT NULL),"
        " count(*) FILTER (WHERE location_status = 'outside') FROM incidents",
    )
    assert data["points"] == geocoded
    assert data["points_outside_grid"] == 0
    # the ingest's own assignment and the clipping agree on who is outside the city
    assert data["points_outside_area"] == outside >= 4
    assert 0 < data["cells_in_area"] < data["cells"]
    assert data["crs"] == "EPSG:32614"
    import geopandas as gpd

    cells = gpd.read_file(ws.out / "grid.gpkg")
    assert len(cells) == data["cells_in_area"]
    assert cells["count"].sum() + data["points_in_clipped_cells"] == geocoded
    assert data["points_in_clipped_cells"] <= data["points_outside_area"]


def test_filters_and_h3(app, ws):
    data = run(
        app, ws, "spatial", "grid", "--h3", "8", "--iccs", "0401",
        "--from", "2022-01-01", "--to", "2022-12-31", "--no-clip", "-o",
        str(ws.out / "h3.geojson"),
    )  # fmt: skip
    [(expected,)] = sql(
        ws,
        "SELECT count(*) FROM incidents WHERE starts_with(iccs_code, '0401') AND lon IS NOT NULL"
        " AND occurred_on BETWEEN DATE '2022-01-01' AND DATE '2022-12-31'",
    )
    assert data["points"] == expected > 0
    import geopandas as gpd

    hexes = gpd.read_file(ws.out / "h3.geojson")
    assert hexes["count"].sum() == expected
    assert hexes["h3"].str.len().eq(15).all()


def test_polygon_statistics_on_areas(app, ws):
    [(assigned,)] = sql(ws, "SELECT count(*) FROM incidents WHERE area_id IS NOT NULL")
    conc = run(app, ws, "spatial", "concentration", "--level", "neighborhood")
    assert conc["places"] == 150
    assert conc["crimes"] == assigned
    district = run(app, ws, "spatial", "concentration", "--level", "district")
    assert district["crimes"] == assigned  # neighbourhood incidents roll up to districts
    moran = run(app, ws, "spatial", "moran", "--permutations", "99")
    assert moran["units"] == 150
    gi = run(app, ws, "spatial", "gistar", "--level", "neighborhood", "--permutations", "99")
    assert sum(gi["labels"].values()) == 150
    assert (ws.out / "gistar.gpkg").exists()


def test_kde_dual_with_workspace_population(app, ws):
    data = run(app, ws, "spatial", "kde", "--cell-size", "500", "--dual", "workspace")
    assert data["population_points"] == 150
    import geopandas as gpd

    cells = gpd.read_file(ws.out / "kde.gpkg")
    assert len(cells) == data["cells_in_area"]
    assert (cells["risk"].dropna() >= 0).all()


def test_emerging_and_nearrepeat(app, ws):
    data = run(app, ws, "spatial", "emerging", "--cell-size", "1000", "--iccs", "05")
    assert sum(data["categories"].values()) == data["cells"]
    nr = run(
        app, ws, "spatial", "nearrepeat", "--iccs", "0401", "--iterations", "9",
        "--from", "2023-01-01",
    )  # fmt: skip
    [(n,)] = sql(
        ws,
        "SELECT count(*) FROM incidents WHERE starts_with(iccs_code, '0401') AND lon IS NOT NULL"
        " AND occurred_on >= DATE '2023-01-01'",
    )
    total = sum(sum(row.values()) for row in nr["observed"].values())
    assert total == n * (n - 1) // 2  # every pair counted once


def test_select_from_the_workspace_with_configured_context(app, ws):
    data = run(app, ws, "select", "--draws", "50", "--cell-size", "500")
    assert len(data["selected"]) == 12
    params = data["parameters"]
    assert set(params["pillars"]) == {"crime", "hotspot", "context"}
    assert params["pillars"]["context"] == {"youth_share": 1.0}
    rows = pd.DataFrame(data["rows"])
    chosen = rows[rows["selected"]]
    assert chosen["explanation"].str.contains("strongest").all()
    import geopandas as gpd

    out = gpd.read_file(ws.out / "priority.gpkg")
    districts = out.loc[out["selected"], "parent_id"].nunique()
    assert districts == 10  # min_per_district = 1 over the 10 districts
    assert len(out) + len(data["excluded"]) == 150


def test_workspace_errors(app, ws, tmp_path):
    result = CliRunner().invoke(app, ["spatial", "grid", "--workspace", str(tmp_path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "workspace_error"
    result = CliRunner().invoke(
        app,
        ["spatial", "concentration", "--level", "block", "--workspace", str(ws.root), "--json"],
    )
    doc = json.loads(result.output)
    assert result.exit_code == 1
    assert "neighborhood" in doc["error"]["message"]
    result = CliRunner().invoke(
        app, ["spatial", "grid", "--from", "yesterday", "--workspace", str(ws.root), "--json"]
    )
    assert json.loads(result.output)["error"]["code"] == "config_error"
