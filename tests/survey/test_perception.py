"""Trust and perception indicators of the ENVIPE 2021 mapping, on a synthetic TPer_Vic1.

INEGI's TPer_Vic1 is not in the shared data, so the definitions are checked on a synthetic table
with the same items (data/perception_synthetic.csv) against R survey 4.1.1
(data/make_perception_reference.R), relative tolerance 1e-7. The real-data side (the indicators
are listed as unavailable) is in test_envipe.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.cli.survey import register
from barrio.survey.indicators import IndicatorSet, compute_indicators

DATA = Path(__file__).parent / "data"
REF = pd.read_csv(DATA / "perception_r_reference.csv").set_index("case")
AUTHORITIES = [
    "traffic_police",
    "municipal_police",
    "state_police",
    "national_guard",
    "ministerial_police",
    "state_prosecutors",
    "federal_prosecutor",
    "army",
    "navy",
    "judges",
]
PERCEPTION = {
    "perception_insecurity_neighbourhood": "unsafe1",
    "perception_insecurity_municipality": "unsafe2",
    "perception_insecurity": "unsafe3",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("envipe")
    frame = pd.read_csv(DATA / "perception_synthetic.csv", dtype=str, keep_default_na=False)
    frame.to_parquet(out / "envipe2021_TPer_Vic1.parquet")
    return out


@pytest.fixture(scope="module")
def result(folder: Path) -> IndicatorSet:
    only = list(PERCEPTION) + [f"trust_{a}" for a in AUTHORITIES]
    return compute_indicators(folder, "envipe-2021", by=["state"], only=only)


def pick(result: IndicatorSet, name: str, state: str | None = None):
    (e,) = [
        e
        for e in result.estimates
        if e.statistic == name and e.domain == ({"state": state} if state else {})
    ]
    return e


@pytest.mark.parametrize(("name", "case"), PERCEPTION.items())
def test_perception_matches_r(result: IndicatorSet, name: str, case: str) -> None:
    got, ref = pick(result, name), REF.loc[case]
    assert got.estimate == pytest.approx(100 * ref.est, rel=1e-7)
    assert got.se == pytest.approx(100 * ref.se, rel=1e-7)


@pytest.mark.parametrize(("k", "authority"), list(enumerate(AUTHORITIES, start=1)))
def test_trust_matches_r(result: IndicatorSet, k: int, authority: str) -> None:
    got, ref = pick(result, f"trust_{authority}"), REF.loc[f"trust{k:02d}"]
    assert got.estimate == pytest.approx(100 * ref.est, rel=1e-7)
    assert got.se == pytest.approx(100 * ref.se, rel=1e-7)


@pytest.mark.parametrize("state", ["01", "02", "03", "04"])
def test_by_state_matches_r(result: IndicatorSet, state: str) -> None:
    for name, case in (("perception_insecurity", "unsafe3"), ("trust_navy", "trust09")):
        got, ref = pick(result, name, state), REF.loc[f"{case}_{state}"]
        assert got.estimate == pytest.approx(100 * ref.est, rel=1e-7)
        assert got.se == pytest.approx(100 * ref.se, rel=1e-7)
        assert got.quality == "low"  # 2 strata and 10 PSUs per state: df = 8 < 9
        assert "df<9" in got.quality_notes


def test_logit_interval_stays_inside_0_100(result: IndicatorSet) -> None:
    e = pick(result, "perception_insecurity")
    assert 0 < e.ci_low < e.estimate < e.ci_high < 100
    assert e.ci_high - e.estimate != pytest.approx(e.estimate - e.ci_low, rel=1e-6)


def test_cli_lists_unavailable_indicators_with_their_items(folder: Path) -> None:
    """Only TPer_Vic1 is in the folder: crime indicators are reported as not computed."""
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        """Test root."""

    register(main)
    res = CliRunner().invoke(main, ["survey", "indicators", str(folder), "--by", "sex", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["data"]
    gone = {u["indicator"]: u for u in data["unavailable"]}
    assert gone["dark_figure"]["file"] == "envipe2021_TMod_Vic.parquet"
    assert gone["incidence_rate"]["items"] == ["BPCOD"]
    assert data["published"]["perception_insecurity"]["value"] == 75.6
    shown = {e["statistic"] for e in data["estimates"]}
    assert "trust_navy" in shown
    assert "dark_figure" not in shown
    text = CliRunner().invoke(main, ["survey", "indicators", str(folder), "--by", "sex"])
    assert "envipe2021_TMod_Vic.parquet" in text.output
    assert "75.6" in text.output


def test_unknown_indicator_is_a_config_error(folder: Path) -> None:
    from barrio.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown indicator"):
        compute_indicators(folder, "envipe-2021", only=["trust_police"])


def test_missing_items_are_reported(tmp_path: Path) -> None:
    """A table without the items an indicator reads: listed as not computed, with the items."""
    frame = pd.read_csv(DATA / "perception_synthetic.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["AP4_3_3"]).to_parquet(tmp_path / "envipe2021_TPer_Vic1.parquet")
    only = ["perception_insecurity", "perception_insecurity_municipality"]
    got = compute_indicators(tmp_path, "envipe-2021", by=[], only=only)
    assert [e.statistic for e in got.estimates] == ["perception_insecurity_municipality"]
    (gone,) = got.unavailable
    assert gone["indicator"] == "perception_insecurity"
    assert gone["reason"] == "items AP4_3_3 are not in the table"
