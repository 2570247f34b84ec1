"""``barrio report``: the command group on a fresh Typer app (the lead registers it)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner


def _app() -> typer.Typer:
    from barrio.cli.report import register

    app = typer.Typer()
    register(app)
    return app


def test_report_assessment_json(report_city: Path, tmp_path: Path):
    out = tmp_path / "assessment.xlsx"
    result = CliRunner().invoke(_app(), [
        "report", "assessment", "--format", "xlsx", "--lang", "es", "--output", str(out),
        "--workspace", str(report_city), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    envelope = json.loads(result.output)
    assert envelope["ok"] is True
    assert envelope["data"]["files"] == {"xlsx": str(out)}
    assert out.exists()
    assert envelope["data"]["lang"] == "es"


def test_report_errors_use_the_envelope(report_city: Path):
    args = ["report", "findings", "--format", "docx", "--workspace", str(report_city), "--json"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 1
    error = json.loads(result.output)["error"]
    assert error["code"] == "config_error"
    assert "html, pdf, xlsx" in error["message"]
