"""``barrio recs`` end to end on a workspace: the JSON envelope of every command."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.recs import register
from barrio.fixtures.recommendations import write_recommendations
from barrio.workspace import Workspace

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    return app


APP = _app()


def run(*args: str, ok: bool = True) -> dict:
    result = runner.invoke(APP, ["recs", *args, "--json"])
    assert result.exit_code == (0 if ok else 1), result.output
    envelope = json.loads(result.stdout)
    assert envelope["ok"] is ok
    assert set(envelope) == ({"ok", "data"} if ok else {"ok", "error"})
    return envelope["data"] if ok else envelope["error"]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("BARRIO_STORE_URL", raising=False)
    ws = Workspace.init(tmp_path / "ws", name="Villa Esperanza")
    write_recommendations(ws.sources / "recomendaciones")
    run("import", str(ws.sources / "recomendaciones"), "-w", str(ws.root))
    return ws


def test_import_summary_overdue_list(workspace):
    w = ("-w", str(workspace.root))
    assert workspace.app_db_path.is_file()
    summary = run("summary", "--at", "2024-12-31", *w)
    shares = {r["status"]: r["share"] for r in summary["by_status"]}
    assert summary["total"] == 141
    assert shares["addressed"] == pytest.approx(109 / 141)
    assert len(summary["over_time"]) == 8  # quarters of 2023 and 2024
    assert {"by_theme", "by_institution", "by_neighborhood"} <= set(summary)
    late = run("overdue", "--at", "2024-12-31", *w)
    assert late
    assert all(r["status"] in ("in_process", "not_implemented") for r in late)
    assert [r["days_overdue"] for r in late] == sorted(
        (r["days_overdue"] for r in late), reverse=True
    )
    in_process = run("list", "--status", "in_process", "--at", "2024-12-31", *w)
    assert len(in_process) == 11
    public = run("list", "--public", *w)
    assert all("internal_notes" not in r for r in public)
    assert len(public) < 141


def test_add_status_and_history(workspace):
    w = ("-w", str(workspace.root))
    added = run("add", "--title", "Bancas y luminarias", "--theme", "public_space",
                "--responsible", "OBRAS", "--co", "SERVPUB", "--sdg", "11.7",
                "--due", "2025-06-30", "--author", "ana", *w)  # fmt: skip
    assert added == {"code": "R-142", "id": 142, "status": "not_started"}
    record = run("status", "R-142", "in_process", "--evidence", "Contrato firmado",
                 "--link", "https://example.org/c", "--author", "luis", *w)  # fmt: skip
    assert [e["status"] for e in record["events"]] == ["not_started", "in_process"]
    assert record["events"][1]["author"] == "luis"
    history = run("status", "R-142", "--public", *w)
    assert "author" not in history["events"][1]


def test_errors_use_the_envelope(workspace):
    w = ("-w", str(workspace.root))
    assert run("status", "R-001", "discarded", "--evidence", "baja", *w)["status"] == "discarded"
    reopened = run("status", "R-001", "in_process", "--evidence", "x", *w, ok=False)
    assert reopened["code"] == "register_error"
    assert "cannot go from discarded to in_process" in reopened["message"]
    assert run("status", "R-001", *w)["status"] == "discarded"  # nothing was recorded
    unknown = run("add", "--title", "x", "--theme", "no_such_theme", *w, ok=False)
    assert "not in the codebook" in unknown["message"]
    bad_date = run("list", "--at", "31-12-2024", *w, ok=False)
    assert bad_date["code"] == "config_error"


def test_template_and_export(workspace, tmp_path):
    w = ("-w", str(workspace.root))
    template = run("template", str(tmp_path / "plantilla.xlsx"), *w)
    assert template["files"] == [str(tmp_path / "plantilla.xlsx")]
    export = run("export", str(tmp_path / "export"), *w)
    assert export["recommendations"] == 141
    again = run("import", str(tmp_path / "export"), *w)
    assert again["counts"]["status_events"]["new"] == 0


def test_a_bad_file_is_rejected_whole_with_a_rejects_file(workspace, tmp_path):
    bad = tmp_path / "status_events.csv"
    bad.write_text("code,status,effective_on,evidence_text,author\n"
                   "R-001,addressed,2099-01-01,Acta,Ana\nR-999,addressed,2024-01-01,Acta,Ana\n",
                   encoding="utf-8")  # fmt: skip
    error = run("import", str(bad), "-w", str(workspace.root), ok=False)
    assert error["code"] == "register_import_error"
    assert [(p["row"], p["reason"]) for p in error["details"]["problems"]] == [
        (1, "future_date")]  # cell problems stop before cross-row checks  # fmt: skip
    assert (workspace.rejects / error["details"]["rejects"].split("/")[-1]).is_file()


def test_neighborhoods_are_checked_against_the_fixture_city_areas(tmp_path):
    from barrio.fixtures import build_city
    from barrio.ingest.service import ingest

    city = build_city(tmp_path / "city", size="small")
    ws = Workspace.init(tmp_path / "ws2")
    ingest(ws, "areas", city.areas)
    write_recommendations(tmp_path / "recs")
    data = run("import", str(tmp_path / "recs"), "-w", str(ws.root))
    assert data["counts"]["recommendations"]["new"] == 141
    path = tmp_path / "recs" / "recommendations.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    first = next(r for r in rows if r["neighborhoods"])
    first["neighborhoods"] = "XX-D01-C001"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    error = run("import", str(tmp_path / "recs"), "-w", str(ws.root), ok=False)
    assert {p["reason"] for p in error["details"]["problems"]} == {"unknown_area"}


def test_messages_in_spanish(workspace):
    from barrio.i18n import set_locale

    set_locale("es")
    w = ("-w", str(workspace.root))
    run("status", "R-001", "discarded", "--evidence", "baja", *w)
    error = run("status", "R-001", "in_process", "--evidence", "x", *w, ok=False)
    assert "no puede pasar de discarded a in_process" in error["message"]
    assert error["hint"] == "Registre uno de los estados permitidos; el descarte es definitivo."


def test_status_file_is_attached_as_evidence(workspace, tmp_path):
    from barrio.store import open_store, workspace_store_url
    from barrio.store.portal import EvidenceFile

    w = ("-w", str(workspace.root))
    acta = tmp_path / "acta de entrega.pdf"
    acta.write_bytes(b"%PDF-1.4\n% acta de entrega de luminarias\n%%EOF\n")
    record = run("status", "R-002", "in_process", "--file", str(acta), "--author", "ana", *w)
    name = record["events"][-1]["evidence_file"]
    assert name.startswith("ev-")
    assert name.endswith(".pdf")  # served by the portal at /evidence/<name>
    assert (workspace.root / "evidence" / name).read_bytes() == acta.read_bytes()
    with open_store(workspace_store_url(workspace)) as store, store.session() as session:
        row = session.query(EvidenceFile).filter_by(name=name).one()
        assert (row.original_name, row.uploaded_by) == ("acta de entrega.pdf", "ana")
    # a name that is not a file stays a reference to a document kept elsewhere
    paper = run("status", "R-002", "addressed", "--file", "Acta 12/2024 (archivo)", *w)
    assert paper["events"][-1]["evidence_file"] == "Acta 12/2024 (archivo)"


def test_status_file_refused_or_change_refused_leaves_nothing(workspace, tmp_path):
    w = ("-w", str(workspace.root))
    run("status", "R-001", "discarded", "--evidence", "baja", *w)
    before = run("status", "R-001", *w)["events"]
    fake = tmp_path / "acta.pdf"
    fake.write_text("not a pdf")
    error = run("status", "R-001", "in_process", "--file", str(fake), *w, ok=False)
    assert "is not a valid .pdf file" in error["message"]
    real = tmp_path / "real.pdf"
    real.write_bytes(b"%PDF-1.4\n%%EOF\n")
    error = run("status", "R-001", "in_process", "--file", str(real), *w, ok=False)
    assert "cannot go from discarded to in_process" in error["message"]
    assert list((workspace.root / "evidence").glob("ev-*")) == []
    assert run("status", "R-001", *w)["events"] == before
