"""Readers on tricky files: encodings, BOM, delimiters, Excel dates, Parquet types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from barrio.errors import InputError
from barrio.ingest.readers import detect_delimiter, detect_encoding, read_text_table

ROWS = "delito;colonia\nRobo a transeúnte;Peñón de los Baños\nLesiones;Ñuñoa\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("latin-1", "cp1252")],
)
def test_encodings_are_detected_and_decoded(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(ROWS.encode(encoding))
    assert detect_encoding(path) == expected
    table = read_text_table(path).table
    assert table.column_names == ["delito", "colonia"]
    assert table["colonia"].to_pylist() == ["Peñón de los Baños", "Ñuñoa"]


def test_accent_only_on_the_last_line_is_still_found(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "a,b\n" + "x,y\n" * 300_000 + "Peña,ü\n"
    path.write_bytes(body.encode("cp1252"))
    assert detect_encoding(path) == "cp1252"
    assert read_text_table(path).table["a"][-1].as_py() == "Peña"


def test_cp1252_only_characters(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_bytes("nota\n“Robo” – 5 €\n".encode("cp1252"))
    assert read_text_table(path).table["nota"].to_pylist() == ["“Robo” – 5 €"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join("123") + "\n")
    text = read_text_table(path)
    assert text.delimiter == delimiter
    assert text.table.column_names == ["a", "b", "c"]
    assert detect_delimiter("x;y;z\n1;2,5;3\n") == ";"


def test_values_stay_text_and_blanks_become_null(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("clave,valor\n007,\n0101,1.50\n")
    table = read_text_table(path).table
    assert table["clave"].to_pylist() == ["007", "0101"]
    assert table["valor"].to_pylist() == [None, "1.50"]


def test_crlf_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "crlf.csv"
    path.write_bytes(b'a,b\r\n1,"two\r\nlines"\r\n3,4\r\n')
    table = read_text_table(path).table
    assert table.num_rows == 2
    assert table["a"].to_pylist() == ["1", "3"]


def test_excel_dates_and_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["fecha", "hora", "conteo", "clave"])
    ws.append([dt.datetime(2023, 1, 31), dt.time(22, 15), 12, "0101"])
    ws.append([dt.date(2024, 2, 29), None, 3.5, "0502"])
    path = tmp_path / "libro.xlsx"
    wb.save(path)
    table = read_text_table(path).table
    assert table["fecha"].to_pylist() == ["2023-01-31", "2024-02-29"]
    assert table["hora"].to_pylist() == ["22:15:00", None]
    assert table["conteo"].to_pylist() == ["12", "3.5"]
    assert table["clave"].to_pylist() == ["0101", "0502"]


def test_parquet_keeps_codes_and_prints_whole_floats_without_decimals(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pd.DataFrame(
        {"code": ["0101", "0502"], "n": [3.0, 2.5], "when": pd.to_datetime(["2023-01-01", None])}
    ).to_parquet(path)
    table = read_text_table(path).table
    assert table["code"].to_pylist() == ["0101", "0502"]
    assert table["n"].to_pylist() == ["3", "2.5"]
    assert table["when"].to_pylist() == ["2023-01-01T00:00:00", None]


def test_unknown_file_type_and_missing_file(tmp_path: Path) -> None:
    odd = tmp_path / "x.doc"
    odd.write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        read_text_table(odd)
    with pytest.raises(InputError, match="not found"):
        read_text_table(tmp_path / "missing.csv")
