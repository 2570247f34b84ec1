"""`barrio indicators list|compute` and `barrio export opensdg` on the small fixture city."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from barrio.cli.main import _register, app

runner = CliRunner()
_register()


def call(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ind") / "city"
    code, out = call("demo", str(root), "--size", "small")
    assert code == 0, out
    return root


def test_list_shows_catalog_in_both_languages(city):
    code, out = call("indicators", "list", "-w", str(city))
    assert code == 0
    ids = {row["id"] for row in out["data"]}
    assert {"intentional-homicide", "feminicide", "family-violence", "extortion"} <= ids
    homicide = next(r for r in out["data"] if r["id"] == "intentional-homicide")
    assert homicide["sdg"] == "16.1.1"
    result = runner.invoke(app, ["--lang", "es", "indicators", "list", "-w", str(city), "--json"])
    names = {r["id"]: r["name"] for r in json.loads(result.stdout)["data"]}
    assert names["intentional-homicide"] == "Homicidio intencional"


def test_compute_writes_csv_and_warehouse(city, tmp_path):
    target = tmp_path / "ind.csv"
    code, out = call(
        "indicators",
        "compute",
        "-w",
        str(city),
        "-i",
        "total-crime,intentional-homicide",
        "--period",
        "quarter",
        "--by",
        "sex",
        "--format",
        "csv",
        "-o",
        str(target),
    )
    assert code == 0, out
    table = pd.read_csv(target)
    assert set(table["indicator_id"]) == {"total-crime", "intentional-homicide"}
    assert set(table["period_type"]) == {"quarter"}
    assert set(table["sex"]) <= {"total", "F", "M", "unknown"}
    city_rows = table[(table["area_level"] == "city") & (table["sex"] == "total")]
    hoods = table[(table["area_level"] == "neighborhood") & (table["sex"] == "total")]
    by_period = hoods.groupby(["indicator_id", "period_start"])["numerator"].sum()
    assert (city_rows.set_index(["indicator_id", "period_start"])["numerator"] == by_period).all()
    assert out["data"]["rows"] == len(table)


def test_unknown_indicator_is_a_clear_error(city):
    code, out = call("indicators", "compute", "-w", str(city), "-i", "nope")
    assert code == 1
    assert "nope" in out["error"]["message"]


def test_opensdg_export(city, tmp_path):
    code, out = call("export", "opensdg", str(tmp_path / "osdg"), "-w", str(city))
    assert code == 0, out
    written = {row["indicator"]: row for row in out["data"]["written"]}
    data = pd.read_csv(written["intentional-homicide"]["data"], keep_default_na=False)
    assert Path(written["intentional-homicide"]["data"]).name == "indicator_16-1-1.csv"
    assert list(data.columns[:1]) == ["Year"]
    assert {"GeoCode", "Value"} <= set(data.columns)
    headline = data[
        (data["GeoCode"] == "") & (data.get("Sex", "") == "") & (data.get("Age", "") == "")
    ]
    assert len(headline) == data["Year"].nunique()
    meta = (tmp_path / "osdg" / "meta" / "16-1-1.yml").read_text(encoding="utf-8")
    assert "indicator_number: 16.1.1" in meta
