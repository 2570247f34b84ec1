"""Recorded rates per neighbourhood x theme from the warehouse, by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from barrio.audit.codebook import load_codebook
from barrio.audit.crime_rates import crime_rates_by_theme
from barrio.warehouse.duck import connect
from barrio.workspace import Workspace

FAMILY = "situational_context=INTIMATE_PARTNER_FAMILY;location_type=PRIVATE_RESIDENCE"


@pytest.fixture
def ws(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with connect(ws.warehouse_path) as con:
        con.execute(
            "INSERT INTO areas (area_id, name, level, parent_id, geometry) VALUES "
            "('C', 'City', 'city', NULL, ''::BLOB), ('N1', 'Uno', 'neighborhood', 'C', ''::BLOB),"
            "('N2', 'Dos', 'neighborhood', 'C', ''::BLOB)"
        )
        con.execute(
            "INSERT INTO population (area_id, year, sex, age_group, population) VALUES "
            "('N1', 2020, 'total', 'total', 10000), ('N1', 2020, 'F', '0-14', 1),"
            "('N2', 2020, 'F', '0-14', 3000), ('N2', 2020, 'M', '0-14', 2000),"
            "('N1', 2025, 'total', 'total', 20000)"
        )
        rows = (
            [("N1", "0401", None)] * 3 + [("N1", "040101", None)]
            + [("N1", "0201", FAMILY)] * 2 + [("N1", "0201", None), ("N1", "03011", None)]
            + [("N2", "0502", None)] * 5
        )  # fmt: skip
        for area, code, tags in rows:
            con.execute(
                "INSERT INTO incidents (occurred_on, local_category, iccs_code, area_id, tags)"
                " VALUES (DATE '2024-05-01', 'x', ?, ?, ?)",
                [code, area, tags],
            )
        con.execute(
            "INSERT INTO incidents (occurred_on, local_category, iccs_code, area_id) "
            "VALUES (DATE '2023-05-01', 'x', '0401', 'N2')"
        )
    return ws


def test_rates_by_hand(ws):
    rates = crime_rates_by_theme(
        ws, load_codebook(), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    ).set_index(["area_id", "theme"])
    per_year = 365.25 / 366  # 2024 has 366 days
    assert set(rates.index.get_level_values(0)) == {"N1", "N2"}  # neighbourhoods only
    n1 = rates.loc[("N1", "robbery")]
    assert n1["incidents"] == 4
    assert n1["population"] == 10000
    assert n1["population_year"] == 2020
    assert n1["rate"] == pytest.approx(4 / 10000 * 1e5 * per_year)
    assert rates.loc[("N1", "gender_violence"), "incidents"] == 3  # 2 tagged 0201 + 1 sexual
    assert rates.loc[("N1", "assault"), "incidents"] == 3  # every 0201
    theft = rates.loc[("N2", "theft")]
    assert theft["population"] == 5000  # sum of the sex x age cells when no total row
    assert theft["rate"] == pytest.approx(5 / 5000 * 1e5 * per_year)
    assert rates.loc[("N2", "robbery"), "incidents"] == 0  # the 2023 robbery is outside
    assert "youth" not in rates.index.get_level_values(1)  # no ICCS codes, no rows


def test_default_period_and_overlapping_codes_count_once(ws, tmp_path):
    extra = tmp_path / "book.yaml"
    extra.write_text('themes: [{id: robbery, iccs: ["04", "0401"]}]', encoding="utf-8")
    rates = crime_rates_by_theme(ws, load_codebook(extra)).set_index(["area_id", "theme"])
    assert rates["end"].iloc[0] == dt.date(2024, 5, 1)  # latest incident
    assert rates["days"].iloc[0] == 365
    assert rates.loc[("N1", "robbery"), "incidents"] == 4
    # the window is the 365 days 2023-05-03 .. 2024-05-01: the 2023-05-01 robbery is outside
    assert rates.loc[("N2", "robbery"), "incidents"] == 0
    assert rates["start"].iloc[0] == dt.date(2023, 5, 3)
