"""``barrio survey`` through Typer's CliRunner on a fresh app (JSON envelope and Rich output)."""

from __future__ import annotations

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from barrio.cli.survey import register
from tests.conftest import shared_path

runner = CliRunner()


def app() -> typer.Typer:
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        """Test root."""

    register(main)
    return main


def invoke(*args: str):
    return runner.invoke(app(), ["survey", *args])


def test_estimate_json_matches_r() -> None:
    """B1 of expected_r_survey.csv through the CLI: mean api00 644.17 (SE 23.542)."""
    path = shared_path("survey", "apiclus1.csv")
    res = invoke("estimate", str(path), "--weights", "pw", "--psu", "dnum", "--fpc", "fpc",
                 "--stat", "mean", "--var", "api00", "--deff", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["ok"] is True
    (e,) = doc["data"]["estimates"]
    assert abs(e["estimate"] - 644.17) < 0.01
    assert abs(e["se"] - 23.542) < 0.001
    assert set(e) >= {"ci_low", "ci_high", "cv", "deff", "n", "df", "quality"}


def test_two_stage_by_domain_and_rich_output() -> None:
    path = shared_path("survey", "apiclus2.csv")
    res = invoke("estimate", str(path), "--weights", "pw", "--psu", "dnum,snum",
                 "--stat", "proportion", "--var", "sch.wide", "--by", "stype")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "stype=E" in res.output


def test_poststratify_spec(tmp_path) -> None:
    """G1: postStratify(dclus1, ~stype) mean api00 642.31 (SE 23.921)."""
    spec = tmp_path / "ps.yaml"
    spec.write_text(yaml.safe_dump({"margins": {"stype": {"E": 4421, "H": 755, "M": 1018}}}))
    path = shared_path("survey", "apiclus1.csv")
    design = ["--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]
    res = invoke("estimate", str(path), *design, "--stat", "mean", "--var", "api00",
                 "--postStratify", str(spec), "--json")  # fmt: skip
    (e,) = json.loads(res.output)["data"]["estimates"]
    assert abs(e["se"] - 23.921) < 0.001


def test_jk1_replicates_and_quantiles() -> None:
    path = shared_path("survey", "apiclus1.csv")
    res = invoke("estimate", str(path), "--weights", "pw", "--psu", "dnum", "--fpc", "fpc",
                 "--replicates", "jk1", "--stat", "mean", "--var", "api00", "--json")  # fmt: skip
    assert abs(json.loads(res.output)["data"]["estimates"][0]["se"] - 26.329) < 0.001
    res = invoke("estimate", str(path), "--weights", "pw", "--psu", "dnum", "--fpc", "fpc",
                 "--stat", "quantile", "--var", "api00", "--q", "0.25,0.5", "--json")  # fmt: skip
    assert [e["estimate"] for e in json.loads(res.output)["data"]["estimates"]] == [552, 652]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--stat", "median"], "config_error"),
        (["--stat", "mean", "--lonely", "drop"], "config_error"),
        (["--stat", "mean", "--weights", "nope"], "input_error"),
        (["--stat", "mean", "--replicates", "jackknife"], "config_error"),
    ],
)
def test_errors_use_the_envelope(args: list[str], code: str) -> None:
    path = shared_path("survey", "apisrs.csv")
    base = ["estimate", str(path), "--var", "api00", "--json"]
    if "--weights" not in args:
        base += ["--weights", "pw"]
    res = invoke(*base, *args)
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert doc["ok"] is False
    assert doc["error"]["code"] == code


def test_missing_file_error() -> None:
    res = invoke("estimate", "nope.csv", "--stat", "mean", "--var", "x", "--json")
    assert res.exit_code == 1
    assert json.loads(res.output)["error"]["code"] == "input_error"


def test_indicators_envipe_json() -> None:
    folder = shared_path("envipe_2021")
    res = invoke("indicators", str(folder), "--survey", "envipe-2021", "--by", "sex",
                 "--only", "dark_figure,reporting_rate", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["data"]
    national = [e for e in data["estimates"] if e["statistic"] == "dark_figure" and not e["domain"]]
    assert abs(national[0]["estimate"] - 93.2694) < 1e-3  # R: 0.93269371768788
    assert len(data["estimates"]) == 6
    assert data["unavailable"] == []
    assert data["published"]["dark_figure"]["value"] == 93.3


def test_indicators_unknown_mapping() -> None:
    res = invoke("indicators", ".", "--survey", "envipe-1999", "--json")
    assert json.loads(res.output)["error"]["code"] == "config_error"


def test_spanish_catalog_covers_the_cli_messages() -> None:
    import re
    from pathlib import Path

    from barrio.i18n import gettext

    source = Path(__file__).resolve().parents[2] / "src" / "barrio" / "cli" / "survey.py"
    msgids = set(re.findall(r'_\(\s*"([^"]+)"', source.read_text(encoding="utf-8")))
    assert len(msgids) >= 6
    msgids |= {"Domain", "Level", "Estimate", "SE", "CI", "Deff", "Quality", "Indicator"}
    msgids |= {"Published"}
    msgids |= {"high", "moderate", "low"}  # quality flags, translated in tables
    missing = [m for m in msgids if gettext(m, locale="es") == m]
    assert missing == []
    assert gettext(
        "Not computed ({reason}): {indicators}", locale="es", reason="r", indicators="x"
    ) == ("No calculado (r): x")


def test_supplied_replicate_weights(tmp_path) -> None:
    """F1 again, with JK1 weights read from the file: SE 26.329 with scale (1-15/757)*14/15."""
    from barrio.survey.replicates import with_replicates
    from tests.survey import cases

    design = with_replicates(cases.dclus1(), "jk1")
    assert design.replicates is not None
    reps = design.replicates.analysis_weights(design)
    data = cases.data("apiclus1").copy()
    for r in range(reps.shape[1]):
        data[f"rw{r + 1}"] = reps[:, r]
    path = tmp_path / "clus1_rep.parquet"
    data.to_parquet(path)
    scale = str((1 - 15 / 757) * 14 / 15)
    res = invoke("estimate", str(path), "--weights", "pw", "--replicates", "jk1", "--rep-weights",
                 "rw", "--scale", scale, "--stat", "mean", "--var", "api00", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)["data"]
    assert doc["design"]["variance"] == "jk1"
    assert abs(doc["estimates"][0]["se"] - 26.329) < 0.001
    assert doc["estimates"][0]["df"] == 14
