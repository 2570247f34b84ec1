"""``barrio export ...`` through its own command group (registered on a fresh app)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from barrio.cli.export import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_json_envelope(demo_city: Path, tmp_path: Path) -> None:
    args = ["export", "datapackage", str(tmp_path), "-i", "sexual-violence", "--public"]
    result = CliRunner().invoke(_app(), [*args, "-w", str(demo_city), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["ok"] is True
    assert doc["data"]["public"] is True
    assert doc["data"]["disclosure"]["recoverable_after_audit"] == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["format"] == "datapackage"


def test_unknown_indicator_is_an_error(demo_city: Path, tmp_path: Path) -> None:
    args = ["export", "sdmx", str(tmp_path), "-i", "nope", "-w", str(demo_city), "--json"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 1
    assert json.loads(result.output)["ok"] is False


def test_opensdg_command(demo_city: Path, tmp_path: Path) -> None:
    """The command moved from ``barrio indicators``: SDG headline file names and metadata."""
    import pandas as pd

    args = ["export", "opensdg", str(tmp_path), "-i", "intentional-homicide", "-w", str(demo_city)]
    result = CliRunner().invoke(_app(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)["data"]["written"]
    assert Path(written[0]["data"]).name == "indicator_16-1-1.csv"
    data = pd.read_csv(written[0]["data"], keep_default_na=False)
    headline = data[(data["GeoCode"] == "") & (data["Sex"] == "") & (data["Age"] == "")]
    assert len(headline) == data["Year"].nunique()
    assert "indicator_number: 16.1.1" in (tmp_path / "meta" / "16-1-1.yml").read_text("utf-8")
