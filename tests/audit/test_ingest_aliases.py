"""``barrio ingest diagnosis|recommendations``: the audit imports under the ingest verb."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from barrio.cli.main import _register, app
from barrio.fixtures.diagnosis import build_diagnosis
from barrio.fixtures.recommendations import write_recommendations
from barrio.workspace import Workspace

runner = CliRunner()
_register()


def run(*args: str, ok: bool = True) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == (0 if ok else 1), result.output
    envelope = json.loads(result.stdout)
    assert envelope["ok"] is ok
    return envelope["data"] if ok else envelope["error"]


def test_ingest_diagnosis_and_recommendations(tmp_path, monkeypatch):
    monkeypatch.delenv("BARRIO_STORE_URL", raising=False)
    ws = Workspace.init(tmp_path / "ws", name="Villa Esperanza")
    w = ("-w", str(ws.root))
    diagnosis = build_diagnosis(ws.sources, ["VE-D01-C001", "VE-D02-C003"], seed=7)
    imported = run("ingest", "diagnosis", str(diagnosis.path), *w)
    assert imported["activities"]["new"] == diagnosis.n_activities
    assert imported["findings"]["new"] >= diagnosis.n_findings  # plus second codings
    write_recommendations(ws.sources / "recs")
    register = run("ingest", "recommendations", str(ws.sources / "recs"), *w)
    assert register["counts"]["recommendations"]["new"] == 141
    assert run("recs", "summary", *w)["total"] == 141
    error = run("ingest", "diagnosis", str(diagnosis.path), "-m", "x", *w, ok=False)
    assert "--mapping" in error["message"]
