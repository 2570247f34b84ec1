"""The fixture city's diagnosis and assessment, through the command line end to end."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.audit.diagnosis_files import read_diagnosis_files
from barrio.cli import audit as audit_cli
from barrio.fixtures.assessment import build_assessment
from barrio.fixtures.diagnosis import build_diagnosis

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    audit_cli.register(app)
    return app


def _json(app, *args):
    result = runner.invoke(app, [*map(str, args), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_fixture_diagnosis_size_and_determinism(tmp_path, city_ws):
    _ws, diagnosis, _assessment, rates = city_ws
    assert diagnosis.n_findings >= 200
    assert diagnosis.n_second_codings >= 50
    assert len(diagnosis.areas) == 12
    again = build_diagnosis(tmp_path, list(diagnosis.areas), rates=rates, seed=2020)
    first, second = read_diagnosis_files([diagnosis.path]), read_diagnosis_files([again.path])
    for sheet in ("activities", "findings"):
        pd.testing.assert_frame_equal(first[sheet][0], second[sheet][0])
    other = build_diagnosis(tmp_path / "o", list(diagnosis.areas), rates=rates, seed=7)
    assert not read_diagnosis_files([other.path])["findings"][0].equals(first["findings"][0])


def test_fixture_assessment_is_deterministic(tmp_path, city_ws):
    assessment = city_ws[2]
    assert build_assessment(tmp_path, seed=2020).levels == assessment.levels
    assert assessment.weak_items  # the profile leaves stage-4 items weak


def test_audit_workflow_through_the_cli(app, city_ws, tmp_path):
    ws, diagnosis, assessment, _rates = city_ws
    code, out = _json(app, "diagnosis", "template", tmp_path / "t.xlsx")
    assert code == 0
    assert out["data"]["files"] == [str(tmp_path / "t.xlsx")]

    code, out = _json(app, "diagnosis", "import", diagnosis.path, "-w", ws.root, "--user", "ana")
    assert code == 0, out
    total = diagnosis.n_findings + diagnosis.n_second_codings
    assert out["data"]["findings"] == {"new": total}
    assert out["data"]["activities"] == {"new": diagnosis.n_activities}

    code, out = _json(app, "diagnosis", "agreement", "-w", ws.root)
    kappas = {r["theme"]: r for r in out["data"]["themes"]}
    assert kappas[diagnosis.low_agreement_theme]["warn"]  # planted unreliable theme
    from barrio.fixtures.diagnosis import CONFUSABLE

    low = {diagnosis.low_agreement_theme, CONFUSABLE[diagnosis.low_agreement_theme]}
    frequent = [r for r in kappas.values() if r["both"] >= 8 and r["theme"] not in low]
    assert frequent
    assert all(r["kappa"] >= 0.7 for r in frequent)

    code, out = _json(app, "risk", "-w", ws.root)
    assert code == 0, out
    rows = pd.DataFrame(out["data"]["rows"]).set_index(["area_id", "theme"])
    for cell in diagnosis.under_reporting:  # planted: residents high, records low
        assert rows.loc[cell, "threat_residents"] >= 4
        assert rows.loc[cell, "threat_records"] < 4
        assert rows.loc[cell, "crosscheck"] == "under_reporting"
    assert (rows["crosscheck"] == "priority").any()
    assert rows["rank"].is_monotonic_increasing
    assert rows["explanation"].str.len().gt(100).all()
    assert any("Youth" in w for w in out["data"]["warnings"])
    assert (ws.out / "risk_matrix.csv").exists()
    assert (ws.out / "risk_matrix.json").exists()

    code, out = _json(app, "assess", assessment.path, "-w", ws.root)
    assert code == 0, out
    drafted = out["data"]["recommendations_drafted"]
    assert drafted == [f"{assessment.code}-{i}" for i in assessment.weak_items]
    code, shown = _json(app, "assess", "--show", assessment.code, "-w", ws.root)
    assert shown["data"]["overall"] == out["data"]["overall"]


def test_cli_errors_use_the_envelope(app, city_ws, tmp_path):
    ws = city_ws[0]
    bad = tmp_path / "findings.csv"
    bad.write_text(
        "finding_id,activity_id,kind,theme,description,intensity\nX1,NOPE,threat,robbery,x,3\n",
        encoding="utf-8",
    )
    code, out = _json(app, "diagnosis", "import", bad, "-w", ws.root)
    assert code == 1
    assert out["ok"] is False
    assert out["error"]["code"] == "ingest_error"
    assert out["error"]["details"]["reasons"] == {"unknown_activity": 1}
    code, out = _json(app, "assess", "-w", ws.root)
    assert code == 1
    assert out["error"]["code"] == "config_error"
    code, out = _json(app, "risk", "-w", ws.root, "--start", "yesterday")
    assert code == 1
    assert "--start" in out["error"]["message"]


def test_spanish_messages(app, city_ws, tmp_path):
    from barrio.i18n import set_locale

    set_locale("es")
    result = runner.invoke(app, ["diagnosis", "template", str(tmp_path / "p.xlsx")])
    assert "Plantilla escrita" in result.stdout
