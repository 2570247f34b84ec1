"""The `barrio` command: JSON envelope, errors, init/ingest/quality/demo end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from barrio.cli.main import _register, app

runner = CliRunner()
_register()


def call(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_demo_small_then_quality_and_reingest(tmp_path: Path) -> None:
    city = tmp_path / "city"
    code, out = call("demo", str(city), "--size", "small")
    assert code == 0
    assert out["ok"]
    data = out["data"]
    assert all(run["reconciles"] for run in data["ingest"])
    assert Path(data["outputs"]["quality report"]).is_file()
    assert data["topline"]
    assert all(row["rate_per_100k"] >= 0 for row in data["topline"])
    code, out = call("quality", "--workspace", str(city))
    assert code == 0
    assert out["data"]["tables"]["areas"] == 161
    incidents = city / "sources" / "incidentes.csv"
    code, out = call(
        "ingest", "incidents", str(incidents), "-m", "fixture-incidents", "-w", str(city)
    )
    assert code == 0
    assert out["data"]["rows_new"] == 0
    assert out["data"]["rows_unchanged"] == out["data"]["rows_accepted"]
    # the demo rebuilds its own workspace without complaint
    assert call("demo", str(city), "--size", "small")[0] == 0


def test_error_envelope_and_exit_code(tmp_path: Path) -> None:
    code, out = call("quality", "--workspace", str(tmp_path))
    assert code == 1
    assert out["ok"] is False
    assert out["error"]["code"] == "workspace_error"
    assert "barrio.toml" in out["error"]["message"]
    assert set(out["error"]) >= {"code", "message", "details"}


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    assert call("init", str(tmp_path / "w"))[0] == 0
    code, out = call("init", str(tmp_path / "w"))
    assert code == 1
    assert out["error"]["code"] == "workspace_error"


def test_human_output_is_translated(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--lang", "es", "quality", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert "no es un espacio de trabajo" in " ".join(result.stderr.split())
    assert "Cómo corregirlo" in result.stderr


def test_import_barrio_stays_light() -> None:
    code = (
        "import sys, barrio, barrio.i18n, barrio.errors;"
        "heavy = {'duckdb', 'geopandas', 'fastapi', 'weasyprint', 'pyspark', 'shapely', 'typer'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["areas", "population", "incidents", "counts"])
def test_ingest_help_lists_kinds(kind: str) -> None:
    result = runner.invoke(app, ["ingest", "--help"])
    assert kind in result.stdout
