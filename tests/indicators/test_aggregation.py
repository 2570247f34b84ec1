"""Invariants of the indicator table: the hierarchy and the disaggregations add up."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barrio.indicators.catalog import load_catalog
from barrio.indicators.compute import indicator_table
from tests.indicators.conftest import build_warehouse

AGE_GROUPS = ["0-14", "15-29", "30-64", "65+"]
CODES = ["0101", "02011", "0401", "0502", "050211", "0601"]


def city(n_districts: int, per_district: int) -> pd.DataFrame:
    rows = [{"area_id": "C", "name": "City", "level": "city", "parent_id": None}]
    for d in range(n_districts):
        rows.append({"area_id": f"D{d}", "name": f"D{d}", "level": "district", "parent_id": "C"})
        for n in range(per_district):
            rows.append(
                {
                    "area_id": f"N{d}{n}",
                    "name": f"N{d}{n}",
                    "level": "neighborhood",
                    "parent_id": f"D{d}",
                }
            )
    return pd.DataFrame(rows)


def population(areas: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    hoods = areas[areas["level"] == "neighborhood"]["area_id"]
    rows = [
        {
            "area_id": a,
            "year": y,
            "sex": s,
            "age_group": g,
            "population": int(rng.integers(50, 3000)),
        }
        for a in hoods
        for y in (2020, 2025)
        for s in ("F", "M")
        for g in AGE_GROUPS
    ]
    return pd.DataFrame(rows)


def incidents(areas: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    hoods = areas[areas["level"] == "neighborhood"]["area_id"].to_numpy()
    start = dt.date(2021, 1, 1)
    ages = rng.integers(0, 90, n).astype(float)
    ages[rng.random(n) < 0.2] = np.nan
    sexes = rng.choice(np.array(["F", "M", None], dtype=object), n)
    return pd.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": "test",
            "occurred_on": [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 3 * 365, n)],
            "local_category": "x",
            "iccs_code": rng.choice(CODES, n),
            "area_id": rng.choice(hoods, n),
            "victim_sex": sexes,
            "victim_age": pd.array(ages, dtype="Int64"),
            "location_status": "assigned",
        }
    )


def compute(tmp_path, areas, pop, inc, period="year", by=("sex", "age_group")) -> pd.DataFrame:
    path = build_warehouse(tmp_path / "w.duckdb", areas, pop, inc)
    con = ibis.duckdb.connect(str(path))
    try:
        catalog = load_catalog()
        inds = [catalog[i] for i in ("total-crime", "intentional-homicide", "theft", "robbery")]
        return indicator_table(con, inds, period=period, by=list(by))
    finally:
        con.disconnect()
        path.unlink()


KEY = ["indicator_id", "period_start", "sex", "age_group"]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_districts=st.integers(1, 3),
    per_district=st.integers(1, 4),
    n=st.integers(0, 400),
    seed=st.integers(0, 2**16),
    period=st.sampled_from(["month", "quarter", "year"]),
)
def test_hierarchy_and_disaggregations_add_up(tmp_path, n_districts, per_district, n, seed, period):
    rng = np.random.default_rng(seed)
    areas = city(n_districts, per_district)
    table = compute(tmp_path, areas, population(areas, rng), incidents(areas, n, rng), period)
    if n == 0:
        assert table.empty
        return
    parent = areas.set_index("area_id")["parent_id"]
    # 1. each parent's numerator is the sum of its children's, for every cell
    for child_level in ("neighborhood", "district"):
        kids = table[table["area_level"] == child_level].copy()
        kids["parent"] = kids["area_id"].map(parent)
        summed = kids.groupby(["parent", *KEY])["numerator"].sum()
        parents = table[table["area_id"].isin(kids["parent"].unique())]
        got = parents.set_index(["area_id", *KEY])["numerator"]
        got.index.names = summed.index.names
        both = pd.concat([summed.rename("sum"), got.rename("parent")], axis=1).fillna(0)
        assert (both["sum"] == both["parent"]).all()
    # 2. disaggregated cells add up to the total row of their area and period
    keys = ["indicator_id", "area_id", "period_start"]
    totals = table[(table["sex"] == "total") & (table["age_group"] == "total")]
    totals = totals.set_index(keys)["numerator"]
    for mask in (
        (table["sex"] != "total") & (table["age_group"] == "total"),
        (table["sex"] == "total") & (table["age_group"] != "total"),
        (table["sex"] != "total") & (table["age_group"] != "total"),
    ):
        cells = table[mask].groupby(keys)["numerator"].sum()
        assert (cells == totals.reindex(cells.index)).all()
    # 3. the total row exists for every area, period and indicator, with zeros
    n_periods = totals.index.get_level_values("period_start").nunique()
    assert len(totals) == 4 * len(areas) * n_periods
    # 4. rates are never negative and lie inside their interval
    rated = table[table["value"].notna()]
    assert (rated["value"] >= 0).all()
    assert (rated["lower"] <= rated["value"] + 1e-9).all()
    assert (rated["value"] <= rated["upper"] + 1e-9).all()


def test_rate_uses_interpolated_population(tmp_path):
    areas = city(1, 1)
    pop = pd.DataFrame(
        {
            "area_id": "N00",
            "year": [2020, 2025],
            "sex": "total",
            "age_group": "total",
            "population": [10_000, 15_000],
        }
    )
    inc = pd.DataFrame(
        {
            "incident_id": ["a", "b"],
            "source": "t",
            "occurred_on": [dt.date(2022, 3, 1)] * 2,
            "local_category": "x",
            "iccs_code": "0101",
            "area_id": "N00",
            "location_status": "assigned",
        }
    )
    table = compute(tmp_path, areas, pop, inc, period="year", by=())
    row = table[(table["indicator_id"] == "intentional-homicide") & (table["area_id"] == "N00")]
    row = row[row["period_start"] == pd.Timestamp("2022-01-01")].iloc[0]
    # 2022 mid-year lies 2/5 of the way from 2020 to 2025: 10,000 + 0.4 * 5,000
    assert row["denominator"] == pytest.approx(12_000)
    assert row["value"] == pytest.approx(2 / 12_000 * 100_000)
    assert row["population_method"] == "interpolated"
    # the city has no population of its own: its children's sum is used
    city_row = table[(table["area_id"] == "C") & (table["indicator_id"] == "intentional-homicide")]
    assert city_row.iloc[0]["denominator"] == pytest.approx(12_000)


def test_monthly_population_and_extrapolation(tmp_path):
    areas = city(1, 1)
    pop = pd.DataFrame(
        {
            "area_id": "N00",
            "year": [2020, 2021],
            "sex": "total",
            "age_group": "total",
            "population": [12_000, 13_200],
        }
    )
    inc = pd.DataFrame(
        {
            "incident_id": ["a", "b"],
            "source": "t",
            "occurred_on": [dt.date(2020, 1, 10), dt.date(2023, 7, 1)],
            "local_category": "x",
            "iccs_code": "0502",
            "area_id": "N00",
            "location_status": "assigned",
        }
    )
    table = compute(tmp_path, areas, pop, inc, period="month", by=())
    rows = table[(table["indicator_id"] == "theft") & (table["area_id"] == "N00")]
    rows = rows.set_index("period_start")
    # January 2020 (midpoint 2020 + 1/24) lies before mid-2020: extrapolated backwards
    jan = rows.loc[pd.Timestamp("2020-01-01")]
    assert jan["population_method"] == "extrapolated"
    assert jan["denominator"] == pytest.approx(12_000 + 1_200 * (1 / 24 - 0.5))
    jul21 = rows.loc[pd.Timestamp("2021-07-01")]
    # July 2021 (midpoint 2021.54) lies after the last figure (mid-2021): extrapolated forwards
    assert jul21["population_method"] == "extrapolated"
    assert jul21["denominator"] == pytest.approx(13_200 + 1_200 * (6.5 / 12 - 0.5))
    # June 2021 lies between the two figures
    jun21 = rows.loc[pd.Timestamp("2021-06-01")]
    assert jun21["population_method"] == "interpolated"
    assert jun21["denominator"] == pytest.approx(12_000 + 1_200 * (1 + 5.5 / 12 - 0.5))
    # monthly zeros are filled between the first and last month of the data
    assert len(rows) == 43
    assert rows["numerator"].sum() == 2


def test_denominator_for_women(tmp_path):
    areas = city(1, 1)
    pop = pd.DataFrame(
        {
            "area_id": "N00",
            "year": 2024,
            "sex": ["F", "M"],
            "age_group": "15-29",
            "population": [5_000, 4_000],
        }
    )
    inc = pd.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "source": "t",
            "occurred_on": [dt.date(2024, 5, 1)] * 3,
            "local_category": "x",
            "iccs_code": "0101",
            "area_id": "N00",
            "victim_sex": ["F", "M", "F"],
            "location_status": "assigned",
        }
    )
    path = build_warehouse(tmp_path / "w.duckdb", areas, pop, inc)
    con = ibis.duckdb.connect(str(path))
    try:
        ind = load_catalog()["homicide-women"]
        table = indicator_table(con, [ind], period="year", by=["sex"], levels=["neighborhood"])
    finally:
        con.disconnect()
    total = table[table["sex"] == "total"].iloc[0]
    assert total["numerator"] == 2
    assert total["denominator"] == 5_000
    men = table[table["sex"] == "M"]
    assert men.empty or men["denominator"].isna().all()


def test_changes_against_previous_period_and_year_before(tmp_path):
    areas = city(1, 1)
    pop = pd.DataFrame(
        {
            "area_id": "N00",
            "year": 2022,
            "sex": "total",
            "age_group": "total",
            "population": [50_000],
        }
    )
    days = [dt.date(2022, 1, 5)] * 4 + [dt.date(2022, 2, 5)] * 10 + [dt.date(2023, 2, 5)] * 3
    inc = pd.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(days))],
            "source": "t",
            "occurred_on": days,
            "local_category": "x",
            "iccs_code": "0502",
            "area_id": "N00",
            "location_status": "assigned",
        }
    )
    table = compute(tmp_path, areas, pop, inc, period="month", by=())
    rows = table[(table["indicator_id"] == "theft") & (table["area_id"] == "N00")]
    rows = rows.set_index("period_start")
    feb22 = rows.loc[pd.Timestamp("2022-02-01")]
    assert feb22["prev_value"] == pytest.approx(4 / 50_000 * 100_000)
    assert feb22["change_prev_pct"] == pytest.approx(150.0)
    # R: poisson.test(c(10, 4), c(50000, 50000))$p.value
    assert feb22["p_change_prev"] == pytest.approx(0.179565429688, rel=1e-9)
    assert np.isnan(feb22["yoy_value"])  # before the first month of the data
    feb23 = rows.loc[pd.Timestamp("2023-02-01")]
    assert feb23["yoy_value"] == pytest.approx(10 / 50_000 * 100_000)
    mar22 = rows.loc[pd.Timestamp("2022-03-01")]
    assert mar22["numerator"] == 0
    assert mar22["change_prev_pct"] == pytest.approx(-100.0)


def test_area_with_two_ancestors_at_one_level_counts_in_both(tmp_path):
    # N1 lies in district D1, which lies in district D2: both districts count N1's records
    rng = np.random.default_rng(3)
    areas = pd.DataFrame(
        [
            {"area_id": "C", "name": "C", "level": "city", "parent_id": None},
            {"area_id": "D2", "name": "D2", "level": "district", "parent_id": "C"},
            {"area_id": "D1", "name": "D1", "level": "district", "parent_id": "D2"},
            {"area_id": "N1", "name": "N1", "level": "neighborhood", "parent_id": "D1"},
            {"area_id": "N2", "name": "N2", "level": "neighborhood", "parent_id": "D2"},
        ]
    )
    table = compute(tmp_path, areas, population(areas, rng), incidents(areas, 500, rng), "year")
    cells = table[table["indicator_id"] == "total-crime"].set_index(
        ["area_id", "period_start", "sex", "age_group"]
    )["numerator"]
    n1, n2 = cells.xs("N1"), cells.xs("N2")
    assert cells.xs("D1").equals(n1)
    both = n1.add(n2, fill_value=0).astype("int64")
    assert cells.xs("D2").sort_index().equals(both.sort_index())
    assert cells.xs("C").sort_index().equals(both.sort_index())


@pytest.mark.parametrize("scan_blocks", [0, 1000])
def test_table_does_not_depend_on_blocks_of_areas(tmp_path, monkeypatch, scan_blocks):
    # neighborhoods of a district are not next to each other in id order (their districts'
    # codes do not rise with theirs) and some incidents lie in a district, not a neighborhood:
    # one area per block, by slices, by scanning or by sorting, gives the same table
    rng = np.random.default_rng(11)
    rows = [{"area_id": "C", "name": "C", "level": "city", "parent_id": None}]
    rows += [
        {"area_id": f"D{d}", "name": f"D{d}", "level": "district", "parent_id": "C"}
        for d in range(3)
    ]
    rows += [
        {"area_id": f"N{n:02d}", "name": f"N{n}", "level": "neighborhood", "parent_id": f"D{n % 3}"}
        for n in range(12)
    ]
    areas = pd.DataFrame(rows)
    inc = incidents(areas, 600, rng)
    inc.loc[inc.index[:40], "area_id"] = "D1"
    pop = population(areas, rng)
    whole = compute(tmp_path, areas, pop, inc, "quarter")
    totals = whole[(whole["sex"] == "total") & (whole["age_group"] == "total")]
    totals = totals[totals["indicator_id"] == "total-crime"].groupby("area_id")["numerator"].sum()
    in_hoods = totals[[f"N{n:02d}" for n in range(1, 12, 3)]].sum()
    assert totals["D1"] == in_hoods + 40  # the district counts its own incidents too
    monkeypatch.setattr("barrio.indicators.cells.BLOCK_CELLS", 1)
    monkeypatch.setattr("barrio.indicators.cells.SCAN_BLOCKS", scan_blocks)
    pd.testing.assert_frame_equal(compute(tmp_path, areas, pop, inc, "quarter"), whole)
