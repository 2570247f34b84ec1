"""The single-pass ingest: typed Parquet reads as its text would, streaming errors, coordinates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from barrio.errors import InputError
from barrio.ingest.readers import detect_encoding
from barrio.ingest.service import ingest
from barrio.workspace import Workspace

from .conftest import POLICE_MAPPING, write_incidents

TODAY = dt.date(2025, 6, 30)
# folio;fecha;hora;delito;latitud;longitud;edad;sexo, with a problem on most rows
ROWS = [
    (1, "01/02/2023", "22:15", "Robo a negocio", 20.6, -100.45, 30.0, "Mujer"),  # fine
    (2, "31/02/2023", "10:00", "Robo a negocio", 20.6, -100.35, 41.0, "H"),  # bad date
    (3, "01/03/2023", "25:99", "Robo a negocio", -100.35, 20.6, 212.0, "X"),  # swapped, age...
    (4, "01/03/2023", None, "Lesiones dolosas", None, None, 3.5, None),  # fractional age
    (5, "01/03/2023", None, "Lesiones dolosas", 20.6, None, None, None),  # half a point
    (6, "01/03/2023", None, "Delito raro", 21.9, -101.9, 0.0, "M"),  # unknown, outside
    (7, "02/03/2023", None, "Amenazas", 95.0, -100.45, None, None),  # invalid latitude
    (7, "03/03/2023", None, "Amenazas", 20.6, -100.45, None, None),  # duplicate key
    (8, "01/03/2099", None, "Amenazas", -100.35, 20.6, None, None),  # future (not located)
]
COLUMNS = ["folio", "fecha", "hora", "delito", "latitud", "longitud", "edad", "sexo"]


def loaded(ws: Workspace) -> pd.DataFrame:
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (ingest_run) FROM incidents ORDER BY 1").df()


def problems(result) -> set[tuple[int, str, str, str]]:
    frame = pd.read_csv(result.rejects_file, dtype=str, keep_default_na=False)
    return {(int(r.row), r.reason, r.action, r.value) for r in frame.itertuples()}


def csv_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_typed_parquet_loads_exactly_as_its_text(tmp_path: Path, workspace: Workspace) -> None:
    """A Parquet file keeps numbers typed (no round trip through text); the result, row
    hashes, problems and raw values in the rejects file included, is that of the same rows
    written as text."""
    body = "".join(";".join(csv_text(v) for v in row) + "\n" for row in ROWS)
    from_csv = ingest(
        workspace, "incidents", write_incidents(workspace, body), mapping="police", today=TODAY
    )
    frame = pd.DataFrame(ROWS, columns=COLUMNS)  # folio int64; coordinates and age float64
    assert [str(t) for t in frame.dtypes[["folio", "latitud", "edad"]]] == ["int64"] + [
        "float64"
    ] * 2
    path = tmp_path / "inc.parquet"
    frame.to_parquet(path)
    other = Workspace.init(tmp_path / "other", crs="EPSG:32614", extra_toml=POLICE_MAPPING)
    ingest(other, "areas", workspace.sources / "areas.gpkg")
    from_parquet = ingest(other, "incidents", path, mapping="police", today=TODAY)

    assert (from_parquet.rows_read, from_parquet.rows_accepted) == (9, 6)
    assert (from_csv.rows_read, from_csv.rows_accepted) == (9, 6)
    assert problems(from_parquet) == problems(from_csv)
    pd.testing.assert_frame_equal(loaded(other), loaded(workspace))


def test_parquet_timestamps_give_their_date(tmp_path: Path, workspace: Workspace) -> None:
    frame = pd.DataFrame(
        {
            "folio": ["1", "2"],
            "fecha": pd.to_datetime(["2023-02-01 23:59:59", None]),
            "hora": ["10:00", None],
            "delito": ["Amenazas", "Amenazas"],
        }
    ).assign(latitud=20.6, longitud=-100.45, edad=None, sexo=None)
    path = tmp_path / "ts.parquet"
    frame.to_parquet(path)
    result = ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    assert result.problems == {"rejected": {"missing_value": 1}}
    assert loaded(workspace)["occurred_on"].astype(str).tolist() == ["2023-02-01"]


def test_problems_of_the_single_pass(workspace: Workspace) -> None:
    body = "".join(";".join(csv_text(v) for v in row) + "\n" for row in ROWS)
    result = ingest(
        workspace, "incidents", write_incidents(workspace, body), mapping="police", today=TODAY
    )
    assert result.reconciles
    found = {(row, reason, action) for row, reason, action, _value in problems(result)}
    assert found == {
        (2, "bad_date", "rejected"),
        (3, "swapped_coordinates", "corrected"),
        (3, "bad_time", "cleared"),
        (3, "implausible_age", "cleared"),
        (3, "bad_sex", "cleared"),
        (4, "bad_integer", "cleared"),
        (5, "bad_coordinates", "cleared"),  # one coordinate of the pair is missing
        (6, "unknown_category", "flagged"),
        (6, "outside_areas", "flagged"),
        (7, "bad_coordinates", "cleared"),
        (8, "duplicate_key", "rejected"),
        (9, "future_date", "rejected"),  # rejected rows get no coordinate problems
    }
    values = {(row, reason): value for row, reason, _action, value in problems(result)}
    assert values[(3, "implausible_age")] == "212"
    assert values[(4, "bad_integer")] == "3.5"
    rows = loaded(workspace).set_index("source_row")
    assert rows.loc[5, "location_status"] == "invalid"
    assert pd.isna(rows.loc[5, "lat"])
    assert pd.isna(rows.loc[5, "lon"])
    assert rows.loc[4, "location_status"] == "missing"
    assert (rows.loc[3, "lon"], rows.loc[3, "area_id"]) == (-100.35, "N2")


def test_a_number_too_large_for_an_integer_is_a_bad_value(workspace: Workspace) -> None:
    body = "1;01/02/2023;;Amenazas;20.6;-100.45;99999999999999999999;\n"
    result = ingest(
        workspace, "incidents", write_incidents(workspace, body), mapping="police", today=TODAY
    )
    assert result.reconciles
    assert result.problems == {"cleared": {"bad_integer": 1}}


def test_a_csv_error_deep_in_the_file_names_the_file(workspace: Workspace) -> None:
    good = "1;01/02/2023;;Amenazas;20.6;-100.45;;\n"
    body = good * 400_000 + "2;01/02/2023;;Amenazas;20.6;-100.45;;;;extra\n"
    path = write_incidents(workspace, body, name="long.csv")
    with pytest.raises(InputError, match=r"long\.csv: cannot parse as CSV"):
        ingest(workspace, "incidents", path, mapping="police", today=TODAY)
    assert loaded(workspace).empty


def test_projected_coordinates_are_transformed_then_assigned(workspace: Workspace) -> None:
    from pyproj import Transformer

    to_utm = Transformer.from_crs(4326, 32614, always_xy=True)
    (x1, x2), (y1, y2) = to_utm.transform([-100.45, -100.35], [20.6, 20.65])
    body = f"1;01/02/2023;;Amenazas;{y1};{x1};;\n2;01/02/2023;;Amenazas;{y2};{x2};;\n"
    mapping = (workspace.root / "utm.toml").resolve()
    mapping.write_text(
        POLICE_MAPPING.replace("[mappings.police]", "").replace(
            "[mappings.police.columns]", 'crs = "EPSG:32614"\n[columns]'
        )
    )
    path = write_incidents(workspace, body, name="utm.csv")
    result = ingest(workspace, "incidents", path, mapping=str(mapping), today=TODAY)
    assert result.reconciles
    assert not result.problems
    rows = loaded(workspace)
    assert rows["area_id"].tolist() == ["N1", "N2"]
    assert np.allclose(rows["lon"], [-100.45, -100.35], atol=1e-9)
    assert np.allclose(rows["lat"], [20.6, 20.65], atol=1e-9)


@pytest.mark.parametrize(("tail", "expected"), [("é".encode(), "utf-8"), (b"\xe9", "cp1252")])
def test_encoding_is_checked_across_chunk_boundaries(
    tmp_path: Path, tail: bytes, expected: str
) -> None:
    path = tmp_path / "big.csv"
    head = b"a\n" + b"x" * ((8 << 20) - 3)
    path.write_bytes(head + "ñ".encode() + tail + b"\n")  # ñ straddles the first chunk's end
    assert detect_encoding(path) == expected
