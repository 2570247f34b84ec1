"""The ingest pipeline: every problem reason, reconciliation, idempotence, rollback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barrio.errors import ConfigError, IngestError, InputError
from barrio.ingest import pipeline
from barrio.ingest.service import ingest
from barrio.workspace import Workspace

from .conftest import write_incidents

TODAY = dt.date(2025, 6, 30)
GOOD = "1;01/02/2023;22:15;Robo a negocio;20.6;-100.45;30;Mujer\n"


def rejects(result) -> pd.DataFrame:
    return pd.read_csv(result.rejects_file, dtype=str) if result.rejects_file else pd.DataFrame()


def table(ws: Workspace, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        return con.execute(sql).df()


def test_every_reason_is_reported_with_row_column_and_action(workspace: Workspace) -> None:
    body = (
        GOOD  # row 1: fine
        + "2;31/02/2023;10:00;Robo a negocio;20.6;-100.35;;H\n"  # 2: impossible date
        + "3;01/03/2023;25:99;Robo a negocio;-100.35;20.6;212;X\n"  # 3: swapped, age, sex, time
        + "4;01/03/2023;;Lesiones dolosas;;;;\n"  # 4: no coordinates (not a problem)
        + "4;01/03/2023;;Lesiones dolosas;;;;\n"  # 5: identical duplicate of 4
        + "4;02/03/2023;;Lesiones dolosas;;;;\n"  # 6: same id, other content
        + "5;01/03/2099;;Lesiones dolosas;;;;\n"  # 7: future
        + "6;01/03/2023;;;20.6;-100.45;;\n"  # 8: missing category
        + "7;01/03/2023;;Delito raro;20.6;-100.45;;\n"  # 9: unknown category (kept)
        + "8;01/03/2023;;Robo a negocio;21.9;-101.9;;\n"  # 10: outside every area (kept)
        + "9;01/03/1850;;Robo a negocio;;;;\n"  # 11: implausible date
        + "10;01/03/2023;;Robo a negocio;95;-100.45;;\n"  # 12: invalid latitude (cleared)
    )
    result = ingest(
        workspace, "incidents", write_incidents(workspace, body), mapping="police", today=TODAY
    )
    assert result.reconciles
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (12, 6, 6)
    found = {(int(r.row), r.reason, r.action) for r in rejects(result).itertuples()}
    expected = {
        (2, "bad_date", "rejected"),
        (3, "swapped_coordinates", "corrected"),
        (3, "implausible_age", "cleared"),
        (3, "bad_sex", "cleared"),
        (3, "bad_time", "cleared"),
        (5, "duplicate_row", "rejected"),
        (6, "duplicate_key", "rejected"),
        (7, "future_date", "rejected"),
        (8, "missing_value", "rejected"),
        (9, "unknown_category", "flagged"),
        (10, "outside_areas", "flagged"),
        (11, "implausible_date", "rejected"),
        (12, "bad_coordinates", "cleared"),
    }
    assert found == expected
    frame = rejects(result)
    assert set(frame["file"]) == {"inc.csv"}
    assert frame.loc[frame.reason == "duplicate_row", "related_row"].tolist() == ["4"]
    assert frame["message"].notna().all()
    assert frame["fix"].notna().all()
    rows = table(workspace, "SELECT * FROM incidents ORDER BY source_row")
    assert rows["source_row"].tolist() == [1, 3, 4, 9, 10, 12]
    fixed = rows.set_index("source_row").loc[3]
    assert (fixed.lon, fixed.lat, fixed.area_id) == (-100.35, 20.6, "N2")
    assert pd.isna(fixed.victim_age)
    assert pd.isna(fixed.victim_sex)
    assert rows.set_index("source_row").loc[1, "iccs_code"] == "0502"
    assert rows.set_index("source_row").loc[1, "victim_sex"] == "F"
    assert rows.set_index("source_row").loc[10, "location_status"] == "outside"
    assert rows.set_index("source_row").loc[12, "location_status"] == "invalid"


def test_reingest_is_idempotent_and_changed_rows_are_updated(workspace: Workspace) -> None:
    path = write_incidents(workspace, GOOD + "2;02/02/2023;;Amenazas;20.6;-100.35;;\n")
    first = ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    again = ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    assert (first.rows_new, again.rows_new, again.rows_unchanged) == (2, 0, 2)
    changed = write_incidents(workspace, GOOD + "2;03/02/2023;;Amenazas;20.6;-100.35;;\n")
    third = ingest(workspace, "incidents", changed, mapping="police", today=TODAY)
    assert (third.rows_new, third.rows_updated, third.rows_unchanged) == (0, 1, 1)
    rows = table(workspace, "SELECT incident_id, occurred_on FROM incidents ORDER BY 1")
    assert rows["occurred_on"].astype(str).tolist() == ["2023-02-01", "2023-02-03"]


def test_failure_part_way_leaves_the_warehouse_unchanged(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_incidents(workspace, GOOD)

    def boom(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_record_run", boom)
    before = sorted(p.name for p in workspace.rejects.iterdir())
    with pytest.raises(IngestError, match="left as it was"):
        ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    assert table(workspace, "SELECT count(*) AS n FROM incidents")["n"][0] == 0
    assert sorted(p.name for p in workspace.rejects.iterdir()) == before


def test_missing_column_names_file_field_and_columns(workspace: Workspace) -> None:
    path = workspace.sources / "bad.csv"
    path.write_text("folio,when,delito\n1,2023-01-01,Robo\n")
    with pytest.raises(InputError) as info:
        ingest(workspace, "incidents", path, mapping="police")
    error = info.value
    assert "fecha" in error.message
    assert "bad.csv" in error.message
    assert "when" in (error.hint or "")


def test_unknown_mapping_and_kind(workspace: Workspace) -> None:
    path = write_incidents(workspace, GOOD)
    with pytest.raises(ConfigError, match="no mapping called"):
        ingest(workspace, "incidents", path, mapping="nope")
    with pytest.raises(ConfigError, match="unknown kind"):
        ingest(workspace, "crimes", path)


def test_population_long_file(workspace: Workspace) -> None:
    path = workspace.sources / "pob.csv"
    path.write_text(
        "area_id,year,sex,age_group,population\n"
        "N1,2020,Mujer,15-29,100\nN1,2020,Hombre,15-29,90\nN2,2020,F,15-29,-5\nN2,20x0,M,0-14,3\n"
    )
    result = ingest(workspace, "population", path)
    assert result.reconciles
    assert result.rows_accepted == 2
    assert result.problems["rejected"] == {"negative_value": 1, "bad_integer": 1}
    assert table(workspace, "SELECT sex FROM population ORDER BY sex")["sex"].tolist() == ["F", "M"]


def test_counts_wide_monthly_layout(workspace: Workspace) -> None:
    months = (
        "Enero,Febrero,Marzo,Abril,Mayo,Junio,Julio,Agosto,Septiembre,Octubre,Noviembre,Diciembre"
    )
    path = workspace.sources / "sesnsp.csv"
    path.write_text(
        f"Año,Cve. Municipio,Tipo de delito,{months}\n"
        "2024,N1,Homicidio doloso,1,2,3,4,5,6,7,8,9,10,11,12\n"
        "2024,N2,Homicidio doloso,0,0,x,1,,,,,,,,\n"
    )
    mapping = workspace.root / "sesnsp.toml"
    mapping.write_text(
        'kind = "counts"\nsource = "sesnsp"\nlayout = "wide"\n'
        '[columns]\narea_id = "Cve. Municipio"\nlocal_category = "Tipo de delito"\n'
    )
    result = ingest(workspace, "counts", path, mapping=str(mapping))
    assert result.warnings == [
        "mapping sesnsp has no category_mapping: rows are loaded without ICCS codes"
    ]
    assert result.unit == "cells"
    assert result.reconciles
    assert (result.rows_read, result.rows_rejected) == (16, 1)
    frame = rejects(result)
    assert (frame["row"].tolist(), frame["month"].tolist()) == (["2"], ["3"])
    totals = table(workspace, "SELECT area_id, sum(count) AS n FROM counts GROUP BY 1 ORDER BY 1")
    assert totals["n"].tolist() == [78, 1]
    march = table(workspace, "SELECT count FROM counts WHERE period_start = DATE '2024-03-01'")
    assert march["count"].tolist() == [3]


def test_areas_reassign_incidents_loaded_before_them(tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    from .conftest import POLICE_MAPPING

    ws = Workspace.init(tmp_path / "w", crs="EPSG:32614", extra_toml=POLICE_MAPPING)
    ingest(ws, "incidents", write_incidents(ws, GOOD), mapping="police", today=TODAY)
    assert table(ws, "SELECT area_id FROM incidents")["area_id"].isna().all()
    gpd.GeoDataFrame(
        {"area_id": ["A"], "name": ["A"], "level": ["neighborhood"]},
        geometry=[shapely.box(-101, 20, -100, 21)],
        crs="EPSG:4326",
    ).to_file(ws.sources / "a.gpkg")
    result = ingest(ws, "areas", ws.sources / "a.gpkg")
    assert result.rows_new == 1
    assert table(ws, "SELECT area_id FROM incidents")["area_id"].tolist() == ["A"]


ROW_KINDS = {
    "good": GOOD,
    "bad_date": "9;32/13/2023;;Amenazas;;;;\n",
    "no_category": "9;01/01/2023;;;;;;\n",
    "future": "9;01/01/2999;;Amenazas;;;;\n",
    "odd_age": "9;01/01/2023;;Amenazas;;;-4;\n",
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(sorted(ROW_KINDS)), min_size=1, max_size=30))
def test_reconciliation_property(workspace: Workspace, kinds: list[str]) -> None:
    body = "".join(
        ROW_KINDS[k].replace("9;", f"{100 + i};", 1)
        if k != "good"
        else ROW_KINDS[k].replace("1;", f"{100 + i};", 1)
        for i, k in enumerate(kinds)
    )
    path = write_incidents(workspace, body, name="prop.csv")
    result = ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    assert result.reconciles
    assert result.rows_read == len(kinds)
    expected_rejected = sum(k in ("bad_date", "no_category", "future") for k in kinds)
    assert result.rows_rejected == expected_rejected


def test_area_hierarchy_is_resolved_from_parent_id(workspace: Workspace) -> None:
    ingest(workspace, "incidents", write_incidents(workspace, GOOD), mapping="police", today=TODAY)
    by_level = table(
        workspace,
        """SELECT a.ancestor_level, a.ancestor_id, count(*) AS n FROM incidents i
        JOIN area_ancestors a ON a.area_id = i.area_id GROUP BY ALL ORDER BY a.ancestor_level""",
    )
    assert by_level.to_dict("records") == [
        {"ancestor_level": "city", "ancestor_id": "C", "n": 1},
        {"ancestor_level": "neighborhood", "ancestor_id": "N1", "n": 1},
    ]
    depth = table(workspace, "SELECT max(depth) AS d FROM area_ancestors")["d"][0]
    assert depth == 1
