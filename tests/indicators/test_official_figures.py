"""Reproduce published SESNSP rates per 100,000 with the indicators engine (real data).

The state file (``mx_sesnsp_estatal/incidencia_estatal_anual_tasas.parquet``) publishes, for
every state × year × crime subtype × modality, the count and the rate per 100,000 inhabitants
(CONAPO mid-year projection) and, for crimes against women, per 100,000 women. The engine
computes ICCS indicators from the counts (classified with the shipped SESNSP mapping) and
CONAPO population; its rate for a state-year must equal the sum of the published rates of the
rows it counts (same denominator), and the national rows must equal the roll-up of the states.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from barrio.classify import load_mapping
from barrio.indicators.catalog import load_catalog
from barrio.indicators.compute import indicator_table
from barrio.workspace import Workspace
from tests.conftest import shared_path

pytestmark = pytest.mark.realdata

INDICATORS = ["intentional-homicide", "kidnapping", "extortion", "robbery", "feminicide"]


def _classified(published: pd.DataFrame) -> pd.DataFrame:
    mapping = load_mapping("sesnsp")
    same = published["modalidad"] == published["subtipo_de_delito"]
    full = published["subtipo_de_delito"] + " - " + published["modalidad"]
    category = full.where(~same, published["subtipo_de_delito"])
    first = mapping.apply(category)
    second = mapping.apply(published["subtipo_de_delito"])
    iccs = first["iccs_code"].where(first["matched"], second["iccs_code"])
    return published.assign(local_category=category, iccs_code=iccs)


@pytest.fixture(scope="module")
def state_workspace(tmp_path_factory):
    """A warehouse with the 32 states under the country, CONAPO population and SESNSP counts."""
    published = pd.read_parquet(
        shared_path("mx_sesnsp_estatal", "incidencia_estatal_anual_tasas.parquet")
    )
    conapo = pd.read_parquet(
        shared_path("mx_population", "conapo_proyecciones_estatal_sexo_1950_2070.parquet")
    )
    published = _classified(published)
    ws = Workspace.init(tmp_path_factory.mktemp("mx") / "ws", name="Mexico")
    states = published[["cve_ent", "nombre_estado"]].drop_duplicates()
    areas = pd.DataFrame(
        {
            "area_id": states["cve_ent"],
            "name": states["nombre_estado"],
            "level": np.where(states["cve_ent"] == "00", "country", "state"),
            "parent_id": np.where(states["cve_ent"] == "00", None, "00"),
        }
    )
    pop = conapo[conapo["n_year"].between(2015, 2025)]
    population = pd.DataFrame(
        {
            "area_id": pop["cve_ent"],
            "year": pop["n_year"],
            "sex": pop["genero"].map({"Hombres": "M", "Mujeres": "F", "Total": "total"}),
            "age_group": "total",
            "population": pop["pob_mid_year"],
        }
    )
    state_rows = published[published["cve_ent"] != "00"]
    counts = pd.DataFrame(
        {
            "area_id": state_rows["cve_ent"],
            "period_start": pd.to_datetime(state_rows["n_year"].astype(str) + "-01-01"),
            "period_type": "year",
            "local_category": state_rows["local_category"],
            "iccs_code": state_rows["iccs_code"],
            "sex": "total",
            "age_group": "total",
            "count": state_rows["n_delitos"],
            "source": "sesnsp",
        }
    )
    with duckdb.connect(str(ws.warehouse_path)) as con:
        from barrio.warehouse.duck import ensure_schema

        ensure_schema(con)
        con.register("a", areas)
        con.execute("INSERT INTO areas (area_id, name, level, parent_id) SELECT * FROM a")
        con.register("p", population)
        con.execute(
            "INSERT INTO population (area_id, year, sex, age_group, population) SELECT * FROM p"
        )
        con.register("c", counts)
        con.execute(
            "INSERT INTO counts (area_id, period_start, period_type, local_category, iccs_code,"
            " sex, age_group, count, source) SELECT * FROM c"
        )
    return ws, published


@pytest.fixture(scope="module")
def computed(state_workspace):
    import ibis

    ws, _published = state_workspace
    catalog = load_catalog()
    con = ibis.duckdb.connect(str(ws.warehouse_path))
    try:
        table = indicator_table(con, [catalog[i] for i in INDICATORS], period="year")
    finally:
        con.disconnect()
    return table[(table["sex"] == "total") & (table["age_group"] == "total")]


def _expected(published: pd.DataFrame, prefixes: tuple[str, ...], column: str) -> pd.Series:
    codes = published["iccs_code"].fillna("")
    rows = published[codes.str.startswith(prefixes) & (codes != "")]
    return rows.groupby(["cve_ent", "n_year"])[column].sum()


def _by_state_year(computed: pd.DataFrame, indicator: str) -> pd.Series:
    rows = computed[(computed["indicator_id"] == indicator) & (computed["area_level"] == "state")]
    index = pd.MultiIndex.from_arrays(
        [rows["area_id"], rows["period_start"].dt.year], names=["cve_ent", "n_year"]
    )
    return pd.Series(rows["value"].to_numpy(), index=index)


@pytest.mark.parametrize(
    "indicator", ["intentional-homicide", "kidnapping", "extortion", "robbery"]
)
def test_state_rates_equal_published(state_workspace, computed, indicator):
    _ws, published = state_workspace
    prefixes = load_catalog()[indicator].numerator.iccs
    states = published[published["cve_ent"] != "00"]
    expected = _expected(states, prefixes, "n_delitos_x100khab")
    got = _by_state_year(computed, indicator)
    joined = pd.concat([expected.rename("published"), got.rename("ours")], axis=1).dropna()
    assert len(joined) >= 32 * 10  # every state, 2015-2025
    np.testing.assert_allclose(joined["ours"], joined["published"], rtol=1e-9)


def test_national_rate_equals_published(state_workspace, computed):
    _ws, published = state_workspace
    national = published[published["cve_ent"] == "00"]
    expected = _expected(national, ("0101",), "n_delitos_x100khab")
    got = computed[
        (computed["indicator_id"] == "intentional-homicide") & (computed["area_id"] == "00")
    ]
    got = got.set_index(got["period_start"].dt.year)["value"]
    np.testing.assert_allclose(
        got.loc[expected.index.get_level_values("n_year")], expected.to_numpy(), rtol=1e-9
    )


def test_feminicide_rate_per_100k_women_equals_published(state_workspace, computed):
    _ws, published = state_workspace
    fem = published[
        (published["subtipo_de_delito"] == "Feminicidio") & (published["cve_ent"] != "00")
    ]
    expected = fem.groupby(["cve_ent", "n_year"])["n_delitos_x100kmujeres"].sum()
    got = _by_state_year(computed, "feminicide")
    joined = pd.concat([expected.rename("published"), got.rename("ours")], axis=1).dropna()
    assert len(joined) >= 32 * 10
    np.testing.assert_allclose(joined["ours"], joined["published"], rtol=1e-9)
