"""Workspace mode of ``barrio warn``: series from the warehouse, the fixture city's outbreak."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from barrio.alerts.detect import to_matrix
from barrio.alerts.service import warn_workspace
from barrio.alerts.workspace import read_series
from barrio.cli import warn as warn_cli
from barrio.errors import ConfigError
from barrio.fixtures import build_city
from barrio.ingest.service import ingest
from barrio.warehouse.duck import connect
from barrio.workspace import Workspace

FDR = 0.05
MONTHS = 12  # 2023-10 .. 2024-09
# Under the global null BH at q makes P(any alert in a month) <= q; over 12 months the number of
# months with a false alert is then at most Binomial(12, 0.05), and P(X >= 3) = 0.020.
MAX_MONTHS_WITH_FALSE_ALERTS = 2


@pytest.fixture(scope="module")
def city_ws(tmp_path_factory: pytest.TempPathFactory):
    """The full fixture city (seed 2020) ingested into a fresh workspace."""
    ws = Workspace.init(tmp_path_factory.mktemp("warn") / "ws", crs="EPSG:32614")
    city = build_city(ws.sources, size="full")
    ingest(ws, "areas", city.areas)
    ingest(ws, "population", city.population, mapping="fixture-population")
    ingest(ws, "incidents", city.incidents, mapping="fixture-incidents")
    return ws, city


def test_fixture_outbreak_is_detected_and_false_alerts_stay_nominal(city_ws):
    """Robo a negocio (ICCS 0502) +72 in VE-D10-C010 in 2024-09; farringtonFlexible defaults.

    Planted signals that are not false alerts: the outbreak cell in 2024-09 and the three
    emerging-hotspot neighborhoods (their counts ramp up through 2024). Every other alert in the
    12 evaluated months is counted as false; see MAX_MONTHS_WITH_FALSE_ALERTS for the bound.
    """
    ws, city = city_ws
    outbreak = city.outbreak
    result = warn_workspace(ws, until=dt.date(2024, 9, 1), last=MONTHS, fdr=FDR)
    assert result["source"] == "incidents"
    assert result["population"] == "offset available"
    rows = pd.DataFrame(result["rows"])
    assert set(rows["period"]) == {
        f"{p:%Y-%m-%d}" for p in pd.date_range("2023-10", "2024-09", freq="MS")
    }
    cell = (rows["area_id"] == outbreak.area_id) & (rows["iccs_code"] == "0502")
    hit = rows[cell & (rows["period"] == "2024-09-01")].iloc[0]
    assert hit["alert"]
    assert hit["observed"] > hit["upperbound"]
    assert hit["qvalue"] <= FDR
    assert "2024-09" in hit["explanation"]
    planted = (cell & (rows["period"] == "2024-09-01")) | rows["area_id"].isin(
        city.emerging_hotspots
    )
    false = rows[rows["alert"] & ~planted]
    assert false["period"].nunique() <= MAX_MONTHS_WITH_FALSE_ALERTS, false
    # the run is stored in the warehouse, with its settings
    with connect(ws.warehouse_path, read_only=True) as con:
        stored = con.execute(
            "SELECT count(*), min(method), min(run_settings) FROM alerts"
        ).fetchone()
    assert stored is not None
    assert stored[0] == len(rows)
    assert stored[1] == "farrington-flexible"
    assert json.loads(stored[2])["level"] == "neighborhood"


def test_district_level_rolls_up_the_outbreak(city_ws):
    ws, city = city_ws
    result = warn_workspace(ws, level="district", until=dt.date(2024, 9, 1), iccs_digits=2)
    rows = pd.DataFrame(result["rows"])
    assert set(rows["area_id"]) <= {f"VE-D{i:02d}" for i in range(1, 11)}
    assert set(rows["iccs_code"].str.len()) == {2}
    district = city.outbreak.area_id[:6]
    hit = rows[(rows["area_id"] == district) & (rows["iccs_code"] == "05")]
    assert len(hit) == 1
    with connect(ws.warehouse_path, read_only=True) as con:
        direct = con.execute(
            "SELECT count(*) FROM incidents WHERE area_id LIKE ? AND iccs_code LIKE '05%' "
            "AND occurred_on >= DATE '2024-09-01' AND occurred_on < DATE '2024-10-01'",
            [district + "-%"],
        ).fetchone()
    assert direct is not None
    assert hit["observed"].iloc[0] == direct[0]


def test_cli_workspace_mode_json_and_export(city_ws, tmp_path):
    ws, _ = city_ws
    app = typer.Typer()
    warn_cli.register(app)
    app.command("noop")(lambda: None)  # more than one command: typer keeps the "warn" name
    out_file = tmp_path / "alerts.csv"
    args = [
        "warn",
        "--workspace",
        str(ws.root),
        "--until",
        "2024-09",
        "--json",
        "-o",
        str(out_file),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["ok"] is True
    assert doc["data"]["alerts"] >= 1
    assert doc["data"]["incidents_without_area"] > 0  # reported, not dropped silently
    exported = pd.read_csv(out_file, dtype={"iccs_code": "string"})
    assert len(exported) == doc["data"]["series"]
    bad = CliRunner().invoke(app, ["warn", "-w", str(ws.root), "--level", "block", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["error"]["code"] == "config_error"


def _tiny_warehouse(ws: Workspace) -> None:
    """City C > district D > neighborhoods N1, N2; incidents only from March on in N2."""
    with connect(ws.warehouse_path) as con:
        con.execute(
            "INSERT INTO areas (area_id, name, level, parent_id, geometry) VALUES "
            "('C', 'City', 'city', NULL, ''), ('D', 'District', 'district', 'C', ''), "
            "('N1', 'North', 'neighborhood', 'D', ''), ('N2', 'South', 'neighborhood', 'D', '')"
        )
        rows = [("N1", "2023-01-15", "0502")] * 3 + [("N1", "2023-06-02", "050211")]
        rows += [("N2", "2023-03-09", "0502")] * 2 + [
            ("N2", None, "0502"),
            (None, "2023-04-01", "0502"),
        ]
        for i, (area, day, code) in enumerate(rows):
            con.execute(
                "INSERT INTO incidents (incident_id, occurred_on, local_category, iccs_code, "
                "area_id) VALUES (?, ?, 'x', ?, ?)",
                [str(i), day, code, area],
            )


def test_series_start_at_the_first_period_of_the_data(tmp_path):
    ws = Workspace.init(tmp_path / "tiny")
    _tiny_warehouse(ws)
    with connect(ws.warehouse_path) as con:
        series = read_series(con, level="neighborhood", iccs_digits=4)
        city = read_series(con, level="city", iccs_digits=2)
    assert series.first_period == dt.date(2023, 1, 1)
    assert series.notes["incidents_without_area"] == 1
    table, calendar, matrix, _, _ = to_matrix(
        series.counts, ("area_id", "iccs_code"), "month", start=series.first_period
    )
    assert list(calendar.strftime("%Y-%m")) == [f"2023-{m:02d}" for m in range(1, 7)]
    got = {tuple(k): list(v) for k, v in zip(table.to_numpy(), matrix, strict=True)}
    assert got[("N1", "0502")] == [3, 0, 0, 0, 0, 1]  # 050211 truncated to 0502
    assert got[("N2", "0502")] == [0, 0, 2, 0, 0, 0]  # zeros before its first incident
    assert city.counts["count"].sum() == 6
    assert set(city.counts["area_id"]) == {"C"}


def test_counts_table_is_used_when_it_has_rows(tmp_path):
    ws = Workspace.init(tmp_path / "counts")
    _tiny_warehouse(ws)
    with connect(ws.warehouse_path) as con:
        values = [
            ("N1", "2023-01-01", "total", "total", 7),
            ("N1", "2023-02-01", "F", "total", 2),
            ("N1", "2023-02-01", "M", "total", 3),
            ("N1", "2023-02-01", "total", "total", 5),
            ("N2", "2023-02-01", "F", "0-14", 1),
            ("N2", "2023-02-01", "M", "0-14", 4),
        ]
        for area, day, sex, age, n in values:
            con.execute(
                "INSERT INTO counts (area_id, period_start, period_type, local_category, "
                "iccs_code, sex, age_group, count) VALUES (?, ?, 'month', 'Robo', '0502', ?, ?, ?)",
                [area, day, sex, age, n],
            )
        series = read_series(con, level="district")
    assert series.source == "counts"
    got = series.counts.set_index("period")["count"].to_dict()
    # February: N1's total row (5, not 2 + 3 + 5) plus N2's disaggregated rows (1 + 4)
    assert got == {pd.Timestamp("2023-01-01"): 7, pd.Timestamp("2023-02-01"): 10}


def test_bad_settings_are_reported(tmp_path):
    ws = Workspace.init(tmp_path / "bad")
    _tiny_warehouse(ws)
    con = duckdb.connect(str(ws.warehouse_path))
    try:
        for kwargs in ({"level": "block"}, {"period": "quarter"}, {"iccs_digits": 3}):
            with pytest.raises(ConfigError):
                read_series(con, **kwargs)
    finally:
        con.close()
