"""The spatial CLI on files: JSON envelope, outputs, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.spatial import parse_pillars, register
from barrio.errors import ConfigError


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture
def points_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    lon = np.concatenate([rng.uniform(-99.16, -99.10, n - 300), rng.normal(-99.13, 0.004, 300)])
    lat = np.concatenate([rng.uniform(19.40, 19.46, n - 300), rng.normal(19.43, 0.004, 300)])
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, n), unit="D")
    path = tmp_path / "incidents.csv"
    pd.DataFrame({"lon": lon, "lat": lat, "occurred_on": dates.strftime("%Y-%m-%d")}).to_csv(
        path, index=False
    )
    return path


def invoke(app, args):
    result = CliRunner().invoke(app, args)
    return result, json.loads(result.output) if "--json" in args else None


def test_gistar_on_points_writes_geopackage(app, points_csv, tmp_path):
    out = tmp_path / "hot.gpkg"
    result, doc = invoke(
        app,
        ["spatial", "gistar", str(points_csv), "--cell-size", "500", "-o", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert doc["ok"] is True
    assert doc["data"]["labels"].get("hot", 0) > 0  # the planted cluster
    import geopandas as gpd

    assert "label" in gpd.read_file(out).columns


@pytest.mark.parametrize(
    "args",
    [
        ["spatial", "grid"],
        ["spatial", "kde", "--cell-size", "500"],
        ["spatial", "concentration"],
        ["spatial", "nearrepeat", "--date", "occurred_on", "--iterations", "9"],
        ["spatial", "emerging", "--date", "occurred_on", "--cell-size", "500"],
        ["spatial", "lisa", "--permutations", "0"],
    ],
)
def test_commands_return_the_envelope(app, points_csv, args):
    result, doc = invoke(app, [*args[:2], str(points_csv), *args[2:], "--json"])
    assert result.exit_code == 0, result.output
    assert doc["ok"] is True


def test_moran_on_polygons(app, tmp_path):
    import geopandas as gpd
    from libpysal.examples import get_path

    path = tmp_path / "columbus.gpkg"
    gpd.read_file(get_path("columbus.shp")).to_file(path)
    result, doc = invoke(app, ["spatial", "moran", str(path), "--column", "CRIME", "--json"])
    assert result.exit_code == 0, result.output
    assert doc["data"]["moran"]["statistic"] == pytest.approx(0.5001885572, abs=1e-9)


def test_select_from_csv(app, tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "hoods.csv"
    pd.DataFrame(
        {
            "area_id": [f"{i:03d}" for i in range(40)],
            "name": [f"C{i}" for i in range(40)],
            "robbery": rng.gamma(2, 10, 40),
            "youth": rng.uniform(0, 1, 40),
        }
    ).to_csv(path, index=False)
    args = [
        "select",
        str(path),
        "--n",
        "5",
        "--pillar",
        "crime=robbery",
        "--pillar",
        "context=youth",
        "--draws",
        "20",
        "--json",
    ]
    result, doc = invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(doc["data"]["selected"]) == 5
    assert doc["data"]["selected"][0].startswith("0")  # ids stay strings


def test_errors_use_the_error_envelope(app, tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("nothing")
    result, doc = invoke(app, ["spatial", "grid", str(bad), "--json"])
    assert result.exit_code == 1
    assert doc["ok"] is False
    assert doc["error"]["code"] == "input_error"
    assert ".gpkg" in doc["error"]["message"]


def test_parse_pillars():
    assert parse_pillars(["crime=a:2,b", "ctx=c"]) == {
        "crime": {"a": 2.0, "b": 1.0},
        "ctx": {"c": 1.0},
    }
    with pytest.raises(ConfigError):
        parse_pillars(["crime"])


def test_spanish_catalog_covers_the_cli_titles():
    from barrio.i18n import gettext

    for msg, es in [
        ("Priority neighbourhoods", "Colonias prioritarias"),
        ("Knox ratio", "Razón de Knox"),
    ]:
        assert gettext(msg, "es") == es
    assert gettext("Written to {path}", "es", path="x.gpkg") == "Guardado en x.gpkg"
