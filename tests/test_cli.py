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
    _check_audit_stages(data, city, tmp_path)
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


def _check_audit_stages(data: dict, city: Path, tmp_path: Path) -> None:
    """Every stage after the indicators wrote its file, and what it planted or promised shows."""
    import pandas as pd
    import pyogrio

    from barrio.fixtures.assessment import build_assessment

    outputs = data["outputs"]
    for label in ("priority neighbourhoods", "early-warning alerts", "risk matrix",
                  "recommendations summary", "strategy assessment", "diagnosis"):  # fmt: skip
        assert Path(outputs[label]).is_file(), label
    fixture = json.loads((city / "sources" / "fixture.json").read_text(encoding="utf-8"))
    # 1. the default number of priority neighbourhoods, as written to the layer
    selected = data["priority"]["selected"]
    assert len(selected) == len(set(selected)) == 22
    layer = pyogrio.read_dataframe(outputs["priority neighbourhoods"])
    assert set(layer.loc[layer["selected"].astype(bool), "area_id"]) == set(selected)
    # 2. the planted outbreak (Robo a negocio = ICCS 0502, 2024-09) is among the alerts
    alerts = pd.read_csv(outputs["early-warning alerts"], dtype={"iccs_code": str})
    outbreak = fixture["outbreak"]
    cell = (alerts["area_id"] == outbreak["area_id"]) & (alerts["iccs_code"] == "0502")
    hit = alerts[cell & alerts["period"].astype(str).str.startswith(outbreak["month"])]
    assert len(hit) == 1
    assert bool(hit["alert"].iloc[0])
    assert data["alerts"]["alerts"] == int(alerts["alert"].sum()) >= 1
    # 3. six activities per priority neighbourhood, over 200 findings, a matrix of those areas
    diagnosis = data["diagnosis"]
    assert diagnosis["activities"] == {"new": 6 * 22}
    assert diagnosis["findings"]["new"] >= 200
    risk = pd.read_csv(outputs["risk matrix"])
    assert set(risk["area_id"]) == set(selected)
    assert len(risk) == diagnosis["risk_rows"] > 0
    # 4. the 141 recommendations about the priority neighbourhoods, Querétaro's final shares
    summary = json.loads(Path(outputs["recommendations summary"]).read_text(encoding="utf-8"))
    assert summary["total"] == 141
    counts = {row["status"]: row["count"] for row in summary["by_status"]}
    assert (counts["addressed"], counts["in_process"], counts["not_implemented"]) == (109, 11, 21)
    recs = pd.read_csv(Path(outputs["recommendations"]) / "recommendations.csv", dtype=str)
    hoods = {h.strip() for cell in recs["neighborhoods"].dropna() for h in cell.split(";")}
    assert hoods
    assert hoods <= set(selected)
    # 5. the assessment is stored and scored; its weak items are the planted ones
    assessment = json.loads(Path(outputs["strategy assessment"]).read_text(encoding="utf-8"))
    planted = build_assessment(tmp_path / "assessment", seed=2020)
    assert assessment["code"] == planted.code
    assert [s["stage"] for s in assessment["stages"]] == [1, 2, 3, 4]
    assert 0 <= assessment["overall"] <= 100
    assert {w["item"] for w in assessment["weak_items"]} == set(planted.weak_items)


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
