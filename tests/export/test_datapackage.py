"""The data package's Table Schemas match its CSVs: names, types, keys, enums."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

CHECKS = {
    "integer": lambda s: s.str.fullmatch(r"-?\d+"),
    "number": lambda s: pd.to_numeric(s, errors="coerce").notna(),
    "boolean": lambda s: s.isin(["true", "false"]),
    "date": lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
    "string": lambda s: pd.Series(True, index=s.index),
}


@pytest.fixture(scope="module")
def package(public_exports: dict[str, Path]) -> tuple[Path, dict]:
    folder = public_exports["datapackage"]
    return folder, json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def test_descriptor(package: tuple[Path, dict]) -> None:
    _, desc = package
    assert desc["profile"] == "tabular-data-package"
    assert desc["name"] == "villa-esperanza"
    assert [r["name"] for r in desc["resources"]] == ["indicators", "areas", "catalog"]
    assert desc["barrio:disclosure"]["k"] == 5


def test_schemas_match_csvs(package: tuple[Path, dict]) -> None:
    folder, desc = package
    frames = {}
    for res in desc["resources"]:
        frame = pd.read_csv(folder / res["path"], dtype=str, keep_default_na=False)
        frames[res["name"]] = frame
        fields = res["schema"]["fields"]
        assert list(frame.columns) == [f["name"] for f in fields]
        for f in fields:
            values = frame[f["name"]]
            present = values[values != ""]
            assert CHECKS[f["type"]](present).all(), (res["name"], f["name"])
            constraints = f.get("constraints", {})
            if constraints.get("required"):
                assert (values != "").all(), f["name"]
            if "enum" in constraints:
                assert set(values) <= set(constraints["enum"])
        key = res["schema"]["primaryKey"]
        assert not frame.duplicated(key).any()
        assert (frame[key] != "").all().all()
    for fk in desc["resources"][0]["schema"]["foreignKeys"]:
        ref = fk["reference"]
        assert set(frames["indicators"][fk["fields"]]) <= set(
            frames[ref["resource"]][ref["fields"]]
        )


def test_suppressed_cells_are_empty(package: tuple[Path, dict]) -> None:
    folder, _ = package
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    hidden = ind[ind["suppressed"] != ""]
    assert len(hidden) > 0
    for col in ("numerator", "value", "lower", "upper", "flag_small"):
        assert (hidden[col] == "").all(), col
