"""SDMX files validate against their own structure with pysdmx, and carry the protection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from barrio.export.sdmx import age_code, validate


def test_public_sdmx_validates(public_exports: dict[str, Path]) -> None:
    assert validate(public_exports["sdmx"]) == []


def test_validation_catches_a_bad_code(public_exports: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "sdmx"
    shutil.copytree(public_exports["sdmx"], bad)
    text = (bad / "data.csv").read_text(encoding="utf-8").replace(",ICCS0301,", ",ICCS9999,", 1)
    (bad / "data.csv").write_text(text, encoding="utf-8")
    assert any("ICCS9999" in p for p in validate(bad))


def test_observations_match_the_protected_table(
    public_exports: dict[str, Path], public_table: pd.DataFrame
) -> None:
    data = pd.read_csv(public_exports["sdmx"] / "data.csv", dtype=str, keep_default_na=False)
    counts = data[data["UNIT_MEASURE"] == "NUMBER"]
    assert len(counts) == len(public_table)
    hidden = counts[counts["CONF_STATUS"] != "F"]
    assert (hidden["OBS_VALUE"] == "").all()
    assert (hidden["OBS_STATUS"] == "M").all()
    reasons = public_table["suppressed"].map({"": "F", "primary": "C", "complementary": "D"})
    assert sorted(counts["CONF_STATUS"]) == sorted(reasons)
    # a published count is the table's count
    t = public_table[public_table["suppressed"] == ""]
    key = (
        t["area_id"]
        + "|"
        + t["indicator_id"]
        + "|"
        + t["sex"]
        + "|"
        + t["age_group"].map(age_code)
        + "|"
        + pd.to_datetime(t["period_start"]).dt.year.astype(str)
    )
    expected = dict(zip(key, t["numerator"].astype(int), strict=True))
    sex = {"_T": "total", "F": "F", "M": "M", "_U": "unknown"}
    free = counts[counts["CONF_STATUS"] == "F"]
    got_key = (
        free["REF_AREA"]
        + "|"
        + free["INDICATOR"]
        + "|"
        + free["SEX"].map(sex)
        + "|"
        + free["AGE"]
        + "|"
        + free["TIME_PERIOD"]
    )
    got = dict(zip(got_key, free["OBS_VALUE"].astype(float).astype(int), strict=True))
    assert got == expected


def test_iccs_dimension_uses_the_iccs_code_list(public_exports: dict[str, Path]) -> None:
    data = pd.read_csv(public_exports["sdmx"] / "data.csv", dtype=str)
    assert set(data["ICCS"]) == {"ICCS0201", "ICCS0301", "ICCS0401"}
    structure = (public_exports["sdmx"] / "structure.xml").read_text(encoding="utf-8")
    assert 'id="CL_ICCS"' in structure
    assert 'id="ICCS0101"' in structure
