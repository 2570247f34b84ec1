"""Municipal homicide rates 2024 through the real ingest (Mexico and Colombia, real data).

Mexico: the SESNSP municipal file names municipalities (Entidad, Municipio) but gives no INEGI
code, one row per municipality × month and one column per crime. It is loaded with the shipped
``sesnsp-municipal`` mapping (area lookup by name within the state, crime-per-column layout,
Total as a check column) into a workspace with the country, the 32 states and the municipalities
of INEGI's catalogue (polygons of mx_municipios_boundaries), CONAPO's municipal and state
mid-year projections (population ingest). The engine's rates are compared with rates computed
here in plain pandas from the raw files with an explicit INEGI-code join.

Colombia: the police's 2024 homicides by municipality with DANE's population and the published
rate, loaded by DIVIPOLA code through the same ingest and engine.
"""

from __future__ import annotations

import unicodedata

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from barrio.indicators.catalog import load_catalog
from barrio.indicators.compute import indicator_table
from barrio.ingest.service import ingest
from barrio.workspace import Workspace
from tests.conftest import shared_path

pytestmark = pytest.mark.realdata

SESNSP = (
    "mx_sesnsp_homicidios_municipal_2024_2025",
    "homicidios_municipal_mensual_2024_2025.parquet",
)
CATEGORIES = 4  # Feminicidio, Homicidio culposo, Homicidio doloso, Otros delitos ... (cells/row)
MONTHS = 18  # January 2024 - June 2025

# INEGI's catalogue (AGEEML) names these four by their district; cve_nom_municipios.csv drops
# the district, leaving two "San Juan Mixtepec" and two "San Pedro Mixtepec" in Oaxaca.
INEGI_DISTRICT_NAMES = {
    "20208": "San Juan Mixtepec -Dto. 08 -",
    "20209": "San Juan Mixtepec -Dto. 26 -",
    "20318": "San Pedro Mixtepec -Dto. 22 -",
    "20319": "San Pedro Mixtepec -Dto. 26 -",
}

# Rows of these (Entidad, Municipio) are rejected as unknown_area_name, each for a known reason.
NOT_A_MUNICIPALITY = {  # SESNSP's rows for records without a municipality
    ("Ciudad de México", "No Especificado"),
    ("Jalisco", "No Especificado"),
    ("Querétaro", "No Especificado"),
    ("Sonora", "No Especificado"),
    ("Veracruz de Ignacio de la Llave", "No Especificado"),
    ("Oaxaca", "Otros Municipios"),
    ("Sonora", "Otros Municipios"),
    ("Veracruz de Ignacio de la Llave", "Otros Municipios"),
}
NEWER_THAN_CATALOGUE = {  # recently created; not in the 2,475-municipality INEGI/CONAPO catalogue
    ("San Luis Potosí", "Villa de Pozos"),
    ("Sinaloa", "Eldorado"),
    ("Sinaloa", "Juan José Ríos"),
}
NO_POLYGON = {  # in the catalogue, but newer than the 2,457 polygons of the boundary file
    ("Baja California", "San Felipe"),
    ("Baja California", "San Quintín"),
    ("Campeche", "Dzitbalché"),
    ("Campeche", "Seybaplaya"),
    ("Chiapas", "Capitán Luis Ángel Vidal"),
    ("Chiapas", "El Parral"),
    ("Chiapas", "Emiliano Zapata"),
    ("Chiapas", "Honduras de la Sierra"),
    ("Chiapas", "Mezcalapa"),
    ("Chiapas", "Rincón Chamula San Pedro"),
    ("Guerrero", "Las Vigas"),
    ("Guerrero", "San Nicolás"),
    ("Guerrero", "Santa Cruz del Rincón"),
    ("Guerrero", "Ñuu Savi"),
    ("Morelos", "Coatetelco"),
    ("Morelos", "Hueyapan"),
    ("Morelos", "Xoxocotla"),
    ("Quintana Roo", "Puerto Morelos"),
}
UNKNOWN = NOT_A_MUNICIPALITY | NEWER_THAN_CATALOGUE | NO_POLYGON

# SESNSP's name -> INEGI code, for names that differ from the catalogue's beyond spelling
# (honorific prefixes and suffixes, a renamed municipality). The ingest matches the first eight
# approximately (one name begins or ends with the other; flagged), the last through the shipped
# mapping's [area_aliases].
SESNSP_VARIANTS = {
    ("Chiapas", "Cintalapa"): "07017",  # Cintalapa de Figueroa
    ("Guanajuato", "Dolores Hidalgo Cuna de la Independencia Nacional"): "11014",
    ("Oaxaca", "Heroica Ciudad de Ejutla de Crespo"): "20028",
    ("Oaxaca", "Heroica Ciudad de Huajuapan de León"): "20039",
    ("Oaxaca", "Heroica Ciudad de Juchitán de Zaragoza"): "20043",
    ("Oaxaca", "Santiago Chazumba"): "20459",  # Villa de Santiago Chazumba
    ("Oaxaca", "Villa Hidalgo"): "20038",  # Villa Hidalgo Yalálag
    ("San Luis Potosí", "Ahualulco"): "24001",  # Ahualulco del Sonido 13
    (
        "Oaxaca",
        "Heroica Villa Tezoatlán de Segura y Luna, Cuna de la Independencia de Oaxaca",
    ): "20549",
    ("Oaxaca", "San Juan Mixtepec Distrito 08"): "20208",
    ("Oaxaca", "San Juan Mixtepec Distrito 26"): "20209",
    ("Oaxaca", "San Pedro Mixtepec Distrito 22"): "20318",
    ("Oaxaca", "San Pedro Mixtepec Distrito 26"): "20319",
}

POPULATION_MAPPINGS = """
[mappings.conapo-municipal]
kind = "population"
[mappings.conapo-municipal.columns]
area_id = "CVE"
population = "poblacion"
[mappings.conapo-municipal.constants]
source = "conapo"

[mappings.conapo-state]
kind = "population"
[mappings.conapo-state.columns]
area_id = "cve_ent"
year = "n_year"
sex = "genero"
population = "pob_mid_year"
[mappings.conapo-state.constants]
source = "conapo"
"""


def _plain(text: str) -> str:
    """Lower case without accents (the independent join's only normalisation)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def _state_codes() -> dict[str, str]:
    census = pd.read_parquet(
        shared_path("mx_population", "inegi_censo2020_poblacion_municipal.parquet")
    )
    states = census[["state_code", "state_name_official"]].drop_duplicates()
    return dict(zip(states["state_name_official"], states["state_code"], strict=True))


def _catalogue() -> pd.DataFrame:
    """INEGI's municipality catalogue: area_id (5-digit code), name, state code."""
    cat = pd.read_csv(shared_path("mx_population", "cve_nom_municipios.csv"), dtype=str)
    area_id = cat["cve_geo"].str.zfill(5)
    name = area_id.map(INEGI_DISTRICT_NAMES).fillna(cat["nombre_municipio"])
    return pd.DataFrame({"area_id": area_id, "name": name, "state": area_id.str[:2]})


def _areas_file(folder) -> tuple:
    """Country, states and the municipalities that have a polygon, as one GeoPackage.

    A state's polygon is the bounding box of its municipalities: counts need the hierarchy,
    not the outline.
    """
    polygons = gpd.read_file(
        shared_path("mx_municipios_boundaries", "municipios_mx_simplified.gpkg")
    )
    cat = _catalogue()
    mun = polygons.merge(cat, left_on="cvegeo", right_on="area_id")
    municipalities = gpd.GeoDataFrame(
        {
            "area_id": mun["area_id"],
            "name": mun["name"],
            "level": "municipality",
            "parent_id": mun["state"],
        },
        geometry=mun.geometry.to_numpy(),
        crs=polygons.crs,
    )
    names = {code: name for name, code in _state_codes().items()}
    boxes = municipalities.groupby("parent_id").geometry.apply(
        lambda s: shapely.box(*s.total_bounds)
    )
    states = gpd.GeoDataFrame(
        {
            "area_id": boxes.index,
            "name": boxes.index.map(names),
            "level": "state",
            "parent_id": "00",
        },
        geometry=boxes.to_numpy(),
        crs=polygons.crs,
    )
    country = gpd.GeoDataFrame(
        {"area_id": ["00"], "name": ["México"], "level": ["country"], "parent_id": [None]},
        geometry=[shapely.box(*municipalities.total_bounds)],
        crs=polygons.crs,
    )
    path = folder / "areas.gpkg"
    pd.concat([country, states, municipalities], ignore_index=True).to_file(path)
    return path, set(municipalities["area_id"])


@pytest.fixture(scope="module")
def mexico(tmp_path_factory):
    """The workspace after the three ingests, the counts run, and the indicator table 2024."""
    import ibis

    folder = tmp_path_factory.mktemp("mx_municipal")
    ws = Workspace.init(
        folder / "ws",
        name="México",
        crs="EPSG:6372",
        levels=("country", "state", "municipality"),
        extra_toml=POPULATION_MAPPINGS,
    )
    areas_path, with_polygon = _areas_file(folder)
    areas = ingest(ws, "areas", areas_path)
    assert areas.rows_rejected == 0
    for file, mapping in (
        ("conapo_proyecciones_municipal_1990_2040.parquet", "conapo-municipal"),
        ("conapo_proyecciones_estatal_sexo_1950_2070.parquet", "conapo-state"),
    ):
        run = ingest(ws, "population", shared_path("mx_population", file), mapping=mapping)
        assert run.rows_rejected == 0
        assert run.reconciles
    counts = ingest(ws, "counts", shared_path(*SESNSP), mapping="sesnsp-municipal")
    catalog = load_catalog()
    con = ibis.duckdb.connect(str(ws.warehouse_path))
    try:
        table = indicator_table(
            con, [catalog["intentional-homicide"], catalog["feminicide"]], period="year"
        )
    finally:
        con.disconnect()
    table = table[
        (table["sex"] == "total")
        & (table["age_group"] == "total")
        & (table["period_start"].dt.year == 2024)
    ]
    return ws, counts, table, with_polygon


def _rows(table: pd.DataFrame, indicator: str, level: str) -> pd.DataFrame:
    rows = table[(table["indicator_id"] == indicator) & (table["area_level"] == level)]
    return rows.set_index("area_id")


def _raw_2024() -> pd.DataFrame:
    raw = pd.read_parquet(shared_path(*SESNSP))
    return raw[raw["Año"] == 2024]


def _inegi_codes(raw: pd.DataFrame) -> pd.Series:
    """INEGI code of each raw row: the variants above, else the catalogue name within the state
    compared without accents and case (NaN when the name is in no catalogue)."""
    cat = _catalogue()
    key = cat["state"] + "|" + cat["name"].map(_plain)
    unique = ~key.duplicated(keep=False)
    by_name = dict(zip(key[unique], cat["area_id"][unique], strict=True))
    state = raw["Entidad"].map(_state_codes())
    codes = (state + "|" + raw["Municipio"].map(_plain)).map(by_name)
    variants = pd.Series(
        [SESNSP_VARIANTS.get(pair) for pair in zip(raw["Entidad"], raw["Municipio"], strict=True)],
        index=raw.index,
        dtype="object",
    )
    return variants.fillna(codes)


def test_every_row_is_accepted_or_reported(mexico):
    ws, counts, _table, _with_polygon = mexico
    raw = pd.read_parquet(shared_path(*SESNSP))
    assert counts.reconciles
    assert counts.rows_read == CATEGORIES * len(raw)  # no empty cell in this file
    assert counts.rows_rejected == CATEGORIES * MONTHS * len(UNKNOWN)
    assert counts.problems["rejected"] == {"unknown_area_name": counts.rows_rejected}
    assert counts.problems["flagged"] == {"approximate_area_name": CATEGORIES * MONTHS * 8}
    rejects = pd.read_csv(counts.rejects_file, dtype=str, keep_default_na=False)
    unknown = rejects[rejects["reason"] == "unknown_area_name"]
    reported = set(unknown["value"].str.split(" / ", n=1).map(tuple))
    assert reported == UNKNOWN
    loose = rejects[rejects["reason"] == "approximate_area_name"]
    approximate = set(loose["value"].str.split(" / ", n=1).map(tuple))
    assert approximate == set(list(SESNSP_VARIANTS)[:8])
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        ((loaded,),) = con.execute(
            "SELECT count(*) FROM counts WHERE source = 'sesnsp-municipal'"
        ).fetchall()
    assert loaded == counts.rows_accepted


def test_municipal_rates_equal_an_independent_computation(mexico):
    _ws, _counts, table, with_polygon = mexico
    raw = _raw_2024()
    raw = raw.assign(cve=_inegi_codes(raw))
    unmatched = raw[raw["cve"].isna()]
    assert set(zip(unmatched["Entidad"], unmatched["Municipio"], strict=True)) == (
        NOT_A_MUNICIPALITY | NEWER_THAN_CATALOGUE
    )
    raw = raw[raw["cve"].isin(with_polygon)]
    homicides = (raw["Homicidio doloso"] + raw["Feminicidio"]).groupby(raw["cve"]).sum()
    conapo = pd.read_parquet(
        shared_path("mx_population", "conapo_proyecciones_municipal_1990_2040.parquet")
    )
    population = conapo[conapo["year"] == 2024].set_index("CVE")["poblacion"]
    expected = homicides / population.reindex(homicides.index) * 100_000
    got = _rows(table, "intentional-homicide", "municipality")
    assert len(got) == len(with_polygon) == 2457
    assert set(got.index) == set(expected.index)
    np.testing.assert_array_equal(
        got.loc[homicides.index, "numerator"].to_numpy(), homicides.to_numpy()
    )
    np.testing.assert_allclose(
        got.loc[expected.index, "value"].to_numpy(), expected.to_numpy(), rtol=1e-9
    )
    assert (got["population_method"] == "exact").all()


def test_state_totals_equal_the_sesnsp_state_file(mexico):
    """Summed from the municipal file, 2024 homicidio doloso and feminicidio equal the state
    file's counts exactly, in all 32 states; the engine's state numerators are those totals less
    the rows of rejected names (nothing else is lost)."""
    _ws, _counts, table, _with_polygon = mexico
    raw = _raw_2024()
    state = raw["Entidad"].map(_state_codes())
    municipal = raw.groupby(state)[["Homicidio doloso", "Feminicidio"]].sum()
    published = pd.read_parquet(
        shared_path("mx_sesnsp_estatal", "incidencia_estatal_anual_tasas.parquet")
    )
    published = published[(published["n_year"] == 2024) & (published["cve_ent"] != "00")]
    official = (
        published[published["subtipo_de_delito"].isin(["Homicidio doloso", "Feminicidio"])]
        .groupby(["cve_ent", "subtipo_de_delito"])["n_delitos"]
        .sum()
        .unstack()
    )
    assert len(official) == 32
    for column in ("Homicidio doloso", "Feminicidio"):
        np.testing.assert_array_equal(
            municipal.loc[official.index, column].to_numpy(), official[column].to_numpy()
        )
    rejected = raw[[pair in UNKNOWN for pair in zip(raw["Entidad"], raw["Municipio"], strict=True)]]
    lost = (
        (rejected["Homicidio doloso"] + rejected["Feminicidio"])
        .groupby(rejected["Entidad"].map(_state_codes()))
        .sum()
    )
    expected = (official["Homicidio doloso"] + official["Feminicidio"]).sub(lost, fill_value=0)
    got = _rows(table, "intentional-homicide", "state")["numerator"]
    np.testing.assert_array_equal(got.loc[expected.index].to_numpy(), expected.to_numpy())
    country = _rows(table, "intentional-homicide", "country").loc["00", "numerator"]
    assert country == expected.sum()


def test_state_and_national_rates_use_conapo_state_projections(mexico):
    """States and the country have CONAPO's own mid-year figures (total and women), which win
    over the sum of their municipalities: rates per 100,000 inhabitants and per 100,000 women."""
    _ws, _counts, table, _with_polygon = mexico
    conapo = pd.read_parquet(
        shared_path("mx_population", "conapo_proyecciones_estatal_sexo_1950_2070.parquet")
    )
    conapo = conapo[conapo["n_year"] == 2024].set_index(["cve_ent", "genero"])["pob_mid_year"]
    for indicator, sex in (("intentional-homicide", "Total"), ("feminicide", "Mujeres")):
        for level in ("state", "country"):
            rows = _rows(table, indicator, level)
            people = np.array([conapo.loc[(area, sex)] for area in rows.index], dtype=float)
            expected = rows["numerator"].to_numpy() / people * 100_000
            np.testing.assert_allclose(rows["value"].to_numpy(), expected, rtol=1e-9)
    raw = _raw_2024()
    kept = raw[[pair not in UNKNOWN for pair in zip(raw["Entidad"], raw["Municipio"], strict=True)]]
    fem = _rows(table, "feminicide", "country").loc["00", "numerator"]
    assert fem == kept["Feminicidio"].sum()
    municipal = _rows(table, "feminicide", "municipality")
    assert municipal["denominator"].isna().all()  # CONAPO municipal figures are not by sex


COLOMBIA_COUNTS = """
[mappings.policia-homicidios]
kind = "counts"
source = "policia-colombia"
category_mapping = "{categories}"
[mappings.policia-homicidios.columns]
area_id = "codigo_dane"
count = "homicidios"
[mappings.policia-homicidios.constants]
period_start = "2024-01-01"
period_type = "year"
local_category = "Homicidio"

[mappings.dane-poblacion]
kind = "population"
[mappings.dane-poblacion.columns]
area_id = "codigo_dane"
population = "poblacion"
[mappings.dane-poblacion.constants]
year = 2024
source = "dane"
"""


def test_colombian_published_rates(tmp_path):
    """Colombia's file publishes tasa_homicidios = homicidios / poblacion × 100,000 for the 797
    municipalities with at least one homicide; the engine reproduces it from the two columns.

    Areas are inserted directly: the shared data has no Colombian polygons, and the areas
    ingest requires them. DIVIPOLA codes are kept as the file writes them (no leading zero).
    """
    import ibis

    path = shared_path("colombia_homicidios_municipal_2024", "homicidios_municipal_2024.csv")
    published = pd.read_csv(path, dtype={"codigo_dane": str})
    categories = tmp_path / "policia.csv"
    categories.write_text(
        "local_category,iccs_code,attempted,victim_sex,tags,confidence,note\n"
        "Homicidio,0101,,,,high,Policía Nacional: homicidios\n",
        encoding="utf-8",
    )
    ws = Workspace.init(
        tmp_path / "co",
        name="Colombia",
        crs="EPSG:9377",
        levels=("country", "department", "municipality"),
        extra_toml=COLOMBIA_COUNTS.format(categories=categories),
    )
    departments = published["departamento"].drop_duplicates()
    areas = pd.DataFrame(
        {
            "area_id": ["CO", *departments, *published["codigo_dane"]],
            "name": ["Colombia", *departments, *published["municipio"]],
            "level": ["country"]
            + ["department"] * len(departments)
            + ["municipality"] * len(published),
            "parent_id": [None, *["CO"] * len(departments), *published["departamento"]],
        }
    )
    with duckdb.connect(str(ws.warehouse_path)) as con:
        from barrio.warehouse.duck import ensure_schema

        ensure_schema(con)
        con.register("a", areas)
        con.execute("INSERT INTO areas (area_id, name, level, parent_id) SELECT * FROM a")
    population = ingest(ws, "population", path, mapping="dane-poblacion")
    counts = ingest(ws, "counts", path, mapping="policia-homicidios")
    assert population.rows_accepted == counts.rows_accepted == len(published) == 797
    assert counts.reconciles
    assert not counts.problems
    con = ibis.duckdb.connect(str(ws.warehouse_path))
    try:
        table = indicator_table(
            con, [load_catalog()["intentional-homicide"]], period="year", levels=["municipality"]
        )
    finally:
        con.disconnect()
    got = table[(table["sex"] == "total") & (table["age_group"] == "total")].set_index("area_id")
    expected = published.set_index("codigo_dane")
    assert len(got) == 797
    np.testing.assert_array_equal(
        got.loc[expected.index, "numerator"].to_numpy(), expected["homicidios"].to_numpy()
    )
    np.testing.assert_allclose(
        got.loc[expected.index, "value"].to_numpy(),
        expected["tasa_homicidios"].to_numpy(),
        rtol=1e-9,
    )
    assert got["numerator"].sum() == 13_496  # the total the file's provenance states
