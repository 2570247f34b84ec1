"""Loading, validating and applying local-category mappings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from barrio.classify import is_within, load_mapping, normalize_key
from barrio.classify.mapping import COLUMNS, available_mappings
from barrio.errors import MappingError
from tests.conftest import shared_path

HEADER = ",".join(COLUMNS)


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "local.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_shipped_mappings_load():
    assert available_mappings() == ["cdmx-ssp", "fixture-city", "nibrs", "sesnsp"]
    for name in available_mappings():
        assert len(load_mapping(name).table) > 0


def test_unknown_name_lists_shipped_names():
    with pytest.raises(MappingError) as info:
        load_mapping("atlantis")
    assert "'atlantis'" in info.value.message
    assert "sesnsp" in info.value.message
    assert info.value.details["allowed"] == available_mappings()


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("Robo,9999,,,,high,", "iccs_code", "9999"),
        ("Robo,401,,,,high,", "iccs_code", "401"),
        ("Robo,0401,maybe,,,high,", "attempted", "maybe"),
        ("Robo,0401,,X,,high,", "victim_sex", "X"),
        ("Robo,0401,,,,sure,", "confidence", "sure"),
        ("Robo,0401,,,weapon=BAZOOKA,high,", "tags", "weapon=BAZOOKA"),
        ("Robo,0401,,,colour=red,high,", "tags", "colour=red"),
    ],
)
def test_validation_names_file_row_and_column(tmp_path, row, column, value):
    path = _write(tmp_path, "Fraude,0701,,,,high,ok", row)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert info.value.details == {
        "file": str(path),
        "row": 2,
        "column": column,
        "value": value,
    }
    assert str(path) in info.value.message


def test_duplicate_keys_with_different_codes_are_refused(tmp_path):
    path = _write(tmp_path, "Robo a negocio,0401,,,,high,", "ROBO A NEGOCIO.,0502,,,,low,")
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert info.value.details["rows"] == [1, 2]


def test_duplicate_keys_with_same_code_are_accepted(tmp_path):
    path = _write(tmp_path, "Robo a negocio,0401,,,,high,", "ROBO A NEGOCIO.,0401,,,,high,")
    assert len(load_mapping(path).table) == 1


def test_missing_column_is_reported(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("local_category,iccs_code\nRobo,0401\n", encoding="utf-8")
    with pytest.raises(MappingError, match="confidence"):
        load_mapping(path)


def _one(mapping: str, category: str) -> pd.Series:
    return load_mapping(mapping).apply(pd.Series([category])).iloc[0]


@pytest.mark.parametrize(
    ("mapping", "category"),
    [
        ("fixture-city", "Robo a transeúnte con violencia"),
        ("cdmx-ssp", "ROBO A NEGOCIO C.V."),
        ("cdmx-ssp", "ROBO DE VEHICULO AUTOMOTOR C.V."),
        ("sesnsp", "Robo a negocio - Con violencia"),
    ],
)
def test_robbery_with_violence_is_0401(mapping, category):
    assert is_within([_one(mapping, category)["iccs_code"]], "0401")[0]


@pytest.mark.parametrize(
    ("mapping", "category"),
    [
        ("fixture-city", "Robo a transeúnte sin violencia"),
        ("cdmx-ssp", "ROBO A BORDO DE METRO S.V."),
        ("sesnsp", "Robo a negocio - Sin violencia"),
        ("nibrs", "Pocket-picking"),
    ],
)
def test_theft_is_0502(mapping, category):
    assert is_within([_one(mapping, category)["iccs_code"]], "0502")[0]


@pytest.mark.parametrize(
    ("mapping", "category"),
    [("fixture-city", "Feminicidio"), ("sesnsp", "Feminicidio - Con arma de fuego")],
)
def test_feminicide_is_0101_with_female_victim(mapping, category):
    row = _one(mapping, category)
    assert (row["iccs_code"], row["victim_sex"]) == ("0101", "F")


@pytest.mark.parametrize("mapping", ["fixture-city", "sesnsp"])
def test_family_violence_is_0201_with_family_context(mapping):
    row = _one(mapping, "VIOLENCIA FAMILIAR")
    assert row["iccs_code"] == "0201"
    assert "situational_context=INTIMATE_PARTNER_FAMILY" in row["tags"].split(";")


def test_apply_keeps_index_and_handles_missing_values():
    categories = pd.Series(
        ["FEMINICIDIO", None, "nada", "Amenazas"], index=[10, 3, 7, 1], dtype="string"
    )
    out = load_mapping("fixture-city").apply(categories)
    assert out.index.tolist() == [10, 3, 7, 1]
    assert out["matched"].tolist() == [True, False, False, True]
    assert out["iccs_code"].isna().tolist() == [False, True, True, False]
    assert out["tags"].tolist() == ["", "", "", ""]
    assert out["attempted"].dtype == "boolean"
    assert bool(out.loc[10, "attempted"]) is False
    assert pd.isna(out.loc[1, "attempted"])
    assert out.loc[1, "confidence"] == "high"


def test_apply_on_empty_and_object_series():
    mapping = load_mapping("cdmx-ssp")
    assert len(mapping.apply(pd.Series([], dtype=object))) == 0
    out = mapping.apply(pd.Series(["violacion", float("nan")], dtype=object))
    assert out["iccs_code"].tolist()[0] == "03011"
    assert not out["matched"].iloc[1]


@given(st.text(max_size=30))
def test_normalize_key_is_idempotent_and_case_blind(text):
    key = normalize_key(text)
    assert normalize_key(key) == key
    assert normalize_key(text.upper()) == normalize_key(text.lower()) or not text.isascii()


@pytest.mark.realdata
def test_all_cdmx_ssp_categories_are_classified():
    path = shared_path("cdmx_ssp_incidents_2013_2016", "cdmx_ssp_incidents_2013_2016.parquet")
    crime = pd.read_parquet(path, columns=["crime"])["crime"]
    out = load_mapping("cdmx-ssp").apply(crime)
    assert crime.nunique() == 19
    assert out["matched"].all()
    assert out["iccs_code"].notna().all()
    by_category = out.groupby(crime.to_numpy())["iccs_code"].first()
    assert by_category["HOMICIDIO DOLOSO"] == "0101"
    violent = by_category[by_category.index.str.endswith("C.V.")]
    assert is_within(violent.to_numpy(), "0401").all()
    assert is_within(by_category[by_category.index.str.endswith("S.V.")].to_numpy(), "05").all()


@pytest.mark.realdata
def test_sesnsp_mapping_covers_the_catalog():
    catalog = pd.read_csv(shared_path("iccs", "sesnsp_cnsp3815_catalog_2015_2025.csv"), dtype=str)
    labels = catalog["subtipo_de_delito"].where(
        catalog["modalidad"] == catalog["subtipo_de_delito"],
        catalog["subtipo_de_delito"] + " - " + catalog["modalidad"],
    )
    assert load_mapping("sesnsp").apply(labels)["matched"].all()
