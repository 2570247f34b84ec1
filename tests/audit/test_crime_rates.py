"""Recorded rates per neighbourhood x theme from the indicators engine, checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from barrio.audit.codebook import IccsSelector, Theme, load_codebook
from barrio.audit.crime_rates import crime_rates_by_theme, month_window, theme_indicators
from barrio.errors import ConfigError, InputError
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
            "('N1', 2020, 'total', 'total', 10000), ('N1', 2025, 'total', 'total', 20000),"
            "('N2', 2020, 'F', '0-14', 3000), ('N2', 2020, 'M', '0-14', 2000)"
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
    assert set(rates.index.get_level_values(0)) == {"N1", "N2"}  # neighbourhoods only
    n1 = rates.loc[("N1", "robbery")]
    assert n1["incidents"] == 4
    # the records run to May 2024: the year is cut to January .. May (5 months, 152 days)
    assert (n1["start"], n1["end"]) == (dt.date(2024, 1, 1), dt.date(2024, 5, 31))
    assert (n1["months"], n1["days"]) == (5, 152)
    # mid-month populations on the line 10,000 (mid-2020) .. 20,000 (mid-2025): their mean over
    # January .. May 2024 is the value at the mean midpoint 2024 + 2/12 + 1/24
    t_mid = 2024 + 2 / 12 + 1 / 24
    assert n1["population"] == pytest.approx(10000 + (t_mid - 2020.5) * 2000, rel=1e-12)
    assert n1["population_method"] == "interpolated"
    assert n1["rate"] == pytest.approx(4 / n1["population"] * 1e5 * 12 / 5, rel=1e-12)
    assert rates.loc[("N1", "gender_violence"), "incidents"] == 3  # 2 tagged 0201 + 1 sexual
    assert rates.loc[("N1", "assault"), "incidents"] == 3  # every 0201
    theft = rates.loc[("N2", "theft")]
    assert theft["population"] == 5000  # sum of the sex x age cells; one census: constant
    assert theft["population_method"] == "constant"
    assert theft["rate"] == pytest.approx(5 / 5000 * 1e5 * 12 / 5)
    assert rates.loc[("N2", "robbery"), "incidents"] == 0  # the 2023 robbery is outside
    assert "youth" not in rates.index.get_level_values(1)  # no ICCS codes, no rows


def test_default_period_is_the_twelve_months_up_to_the_latest_complete_one(ws):
    rates = crime_rates_by_theme(ws, load_codebook()).set_index(["area_id", "theme"])
    # latest record 2024-05-01: May is incomplete, so the window is May 2023 .. April 2024
    assert (rates["start"].iloc[0], rates["end"].iloc[0]) == (
        dt.date(2023, 5, 1),
        dt.date(2024, 4, 30),
    )
    assert rates.loc[("N2", "robbery"), "incidents"] == 1
    assert rates.loc[("N1", "robbery"), "incidents"] == 0


def test_overlapping_codes_count_once(ws, tmp_path):
    extra = tmp_path / "book.yaml"
    tag = "situational_context=INTIMATE_PARTNER_FAMILY"
    extra.write_text(
        'themes: [{id: robbery, iccs: ["04", "0401"]},'
        f' {{id: family, iccs: ["02", {{code: "0201", tag: "{tag}"}}]}}]',
        encoding="utf-8",
    )
    rates = crime_rates_by_theme(
        ws, load_codebook(extra), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    ).set_index(["area_id", "theme"])
    assert rates.loc[("N1", "robbery"), "incidents"] == 4
    assert rates.loc[("N1", "family"), "incidents"] == 3  # the tagged ones are inside "02"


def test_theme_split_into_indicators():
    tag = "situational_context=INTIMATE_PARTNER_FAMILY"
    selectors = ("0201", None), ("02", tag), ("03", tag), ("0401", None)
    theme = Theme("t", {"en": "t"}, iccs=tuple(IccsSelector(c, t) for c, t in selectors))
    plain, tagged = theme_indicators(theme)
    assert plain.numerator.iccs == ("0201", "0401")
    assert not plain.numerator.tags
    assert tagged.numerator.iccs == ("02", "03")
    assert tagged.numerator.exclude_iccs == ("0201",)  # counted by the untagged part already
    assert tagged.numerator.tags == (("situational_context", "INTIMATE_PARTNER_FAMILY"),)
    clash = Theme("c", {"en": "c"}, iccs=(IccsSelector("02", "a=1"), IccsSelector("0201", "b=2")))
    with pytest.raises(ConfigError, match="two different tags"):
        theme_indicators(clash)


def test_month_window():
    assert month_window(dt.date(2024, 12, 31), None, None) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
    )
    assert month_window(dt.date(2024, 3, 15), None, None) == (
        dt.date(2023, 3, 1),
        dt.date(2024, 2, 29),
    )
    assert month_window(dt.date(2024, 3, 15), dt.date(2024, 1, 20), None) == (
        dt.date(2024, 1, 1), dt.date(2024, 2, 29))  # fmt: skip
    with pytest.raises(InputError, match="no whole month"):
        month_window(dt.date(2024, 3, 15), dt.date(2024, 3, 2), None)
