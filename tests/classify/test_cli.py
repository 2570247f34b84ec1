"""``barrio classify`` commands, human and --json output."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.classify import register
from barrio.i18n import set_locale


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    register(app)
    return app


def _json(app: typer.Typer, *args: str) -> dict:
    result = CliRunner().invoke(app, ["classify", *args, "--json"])
    return {"exit": result.exit_code, **json.loads(result.output)}


def test_codes_filters_by_level_and_ancestor(app):
    out = _json(app, "codes", "--level", "3", "--under", "0401")
    assert out["ok"]
    assert out["exit"] == 0
    assert [r["code"] for r in out["data"]] == ["04011", "04012", "04013", "04014", "04019"]
    assert all(r["verified"] is False for r in out["data"])  # all five are 'recall'


def test_codes_rejects_bad_level_and_code(app):
    bad_level = _json(app, "codes", "--level", "7")
    assert bad_level["exit"] == 1
    assert bad_level["error"]["code"] == "input_error"
    bad_code = _json(app, "codes", "--under", "99")
    assert bad_code["error"]["code"] == "mapping_error"
    assert "99" in bad_code["error"]["message"]


def test_mappings_lists_counts_and_confidence(app):
    out = _json(app, "mappings")
    by_name = {r["name"]: r for r in out["data"]}
    assert by_name["cdmx-ssp"]["rows"] == 19
    assert sum(by_name["sesnsp"]["confidence"].values()) == by_name["sesnsp"]["rows"]


def test_suggest_json(app):
    out = _json(app, "suggest", "Feminicidio", "Robo de autopartes", "--limit", "2")
    assert len(out["data"]) == 4
    assert out["data"][0]["iccs_code"] == "0101"


def test_human_output_marks_recall_as_unverified_in_spanish(app):
    set_locale("es")
    try:
        result = CliRunner().invoke(app, ["classify", "codes", "--under", "0401"])
    finally:
        set_locale(None)
    assert result.exit_code == 0
    assert "sin verificar" in result.output
    assert "Códigos ICCS" in result.output
