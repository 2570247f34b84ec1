"""detect() on long counts, the CDMX quadrant series, and the ``barrio warn`` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.alerts.detect import detect
from barrio.alerts.farrington import farrington_flexible
from barrio.alerts.rollup import roll_up
from barrio.cli.warn import register
from barrio.errors import ConfigError, InputError
from tests.alerts._reference import load
from tests.conftest import shared_path


def _monthly_long() -> pd.DataFrame:
    df = load("monthly_synthetic_reference.csv")
    periods = pd.date_range("2017-01-01", periods=len(df), freq="MS").strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "series_id": "synthetic",
            "period": periods,
            "count": df["observed"],
            "population": df["population"],
        }
    )


def test_detect_reproduces_r_on_long_input_with_population_offset():
    ref = load("monthly_synthetic_reference.csv")
    params = {
        "b": 4,
        "w": 2,
        "no_periods": 4,
        "past_weeks_not_included": 6,
        "p_threshold_trend": 1,
        "threshold_method": "nbPlugin",
        "population_offset": True,
    }
    out = detect(_monthly_long(), last=36, params=params, fdr=None)
    col = "flex_monthly_nbPlugin_popoffset"
    np.testing.assert_allclose(out["upperbound"], ref[f"{col}_upperbound"].iloc[60:], rtol=1e-6)
    assert (out["alarm"].to_numpy() == (ref[f"{col}_alarm"].iloc[60:] == 1).to_numpy()).all()
    assert {"2024-04-01", "2024-05-01"} <= set(out.loc[out["alarm"], "period"])  # injected


def test_detect_fills_missing_periods_with_zero_and_validates():
    rows = pd.DataFrame(
        {
            "series_id": ["a", "a", "a"],
            "period": ["2020-01-01", "2020-03-01", "2020-04-01"],
            "count": [1, 2, 3],
        }
    )
    out = detect(rows, method="semaforo", params={"window": 3})
    assert out["expected"].iloc[0] == pytest.approx(1.0)  # (1 + 0 + 2) / 3
    with pytest.raises(InputError, match="missing column"):
        detect(rows.drop(columns="count"))
    with pytest.raises(ConfigError, match="unknown method"):
        detect(rows, method="magic")
    with pytest.raises(InputError, match="non-negative"):
        detect(rows.assign(count=[1, -2, 3]))


def test_weekly_detection_uses_calendar_reference_weeks():
    ref = load("salmonella_agona_reference.csv")
    long = pd.DataFrame({"series_id": "agona", "period": ref["date"], "count": ref["observed"]})
    params = {
        "b": 4,
        "w": 3,
        "no_periods": 1,
        "weights_threshold": 1,
        "past_weeks_not_included": 3,
        "p_threshold_trend": 0.05,
        "threshold_method": "delta",
    }
    out = detect(long, last=53, params=params, fdr=None)
    np.testing.assert_allclose(
        out["upperbound"], ref["flex_farrington_delta_upperbound"].iloc[259:], rtol=1e-6
    )


@pytest.mark.realdata
def test_cdmx_quadrants_monthly_alerts():
    """847 quadrants x 19 crimes, Sep 2015 against 2013-2014 (b=2), then rolled up to alcaldías."""
    folder = shared_path("cdmx_cuadrantes_monthly_2013_2015")
    counts = pd.read_parquet(folder / "cdmx_cuadrantes_monthly_2013_2015.parquet")
    counts = counts.rename(columns={"date": "period"})[["cuadrante", "crime", "period", "count"]]
    params = {"b": 2, "w": 2, "threshold_method": "nbPlugin", "past_weeks_not_included": 2}
    out = detect(counts, keys=("cuadrante", "crime"), params=params)
    assert len(out) == counts[["cuadrante", "crime"]].drop_duplicates().shape[0]
    assert set(out["period"]) == {"2015-09-01"}
    q = out["qvalue"].dropna()
    # only series that limit54 lets speak (>= 5 cases in Jun-Sep 2015) are tested and ranked
    recent = counts[pd.to_datetime(counts["period"]) >= "2015-06-01"]
    testable = recent.groupby(["cuadrante", "crime"])["count"].sum().ge(5).sum()
    assert len(q) == testable
    assert q.between(0, 1).all()
    assert (q >= out.loc[q.index, "pvalue"] - 1e-12).all()
    assert out["alert"].sum() <= out["alarm"].sum()
    assert (out.loc[out["alarm"], "observed"] > out.loc[out["alarm"], "upperbound"]).all()
    mapping = pd.read_csv(folder / "cuadrante_to_alcaldia.csv", dtype="string")
    parent = mapping.set_index("cuadrante")["municipio"]
    up = roll_up(counts, parent, key="cuadrante", strict=False)
    assert up["count"].sum() == counts.loc[counts["cuadrante"].isin(parent.index), "count"].sum()
    up_out = detect(up, keys=("cuadrante", "crime"), params=params)
    assert up_out["cuadrante"].nunique() == 16
    assert np.isfinite(up_out["expected"]).mean() > 0.9


def test_vectorised_equals_one_series_at_a_time():
    rng = np.random.default_rng(3)
    y = rng.negative_binomial(5, 0.4, size=(6, 5 * 52 + 20)).astype(float)
    mon = list(range(y.shape[1] - 10, y.shape[1]))
    kw = {"no_periods": 10, "past_weeks_not_included": 26, "threshold_method": "muan"}
    batch = farrington_flexible(y, mon, **kw)
    for i in range(len(y)):
        one = farrington_flexible(y[i : i + 1], mon, **kw)
        np.testing.assert_allclose(batch.upperbound[i], one.upperbound[0], rtol=1e-12)
        np.testing.assert_array_equal(batch.alarm[i], one.alarm[0])


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def _noop() -> None:  # a second command keeps "warn" as a named sub-command
        pass

    return app


def test_cli_warn_file_json(tmp_path):
    path = tmp_path / "counts.csv"
    _monthly_long().drop(columns="population").to_csv(path, index=False)
    args = ["warn", str(path), "--json", "--method", "ears-c2", "--alpha", "0.05", "--last", "36"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["ok"]
    assert doc["data"]["series"] == 1
    assert len(doc["data"]["rows"]) == 36
    ref = load("monthly_synthetic_reference.csv")
    assert doc["data"]["alarms"] == int(ref["earsC2_a0.05_alarm"].sum())


def test_cli_warn_errors_use_the_envelope(tmp_path):
    result = CliRunner().invoke(_app(), ["warn", str(tmp_path / "nope.csv"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "input_error"
    path = tmp_path / "c.csv"
    _monthly_long().to_csv(path, index=False)
    result = CliRunner().invoke(_app(), ["warn", str(path), "--json", "--param", "b"])
    assert json.loads(result.output)["error"]["code"] == "config_error"
    result = CliRunner().invoke(_app(), ["warn", str(path), "--param", "b=4", "--param", "w=2"])
    assert result.exit_code == 0, result.output
