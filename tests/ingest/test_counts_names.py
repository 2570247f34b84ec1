"""Counts files with area names instead of codes, one column per crime, and year + month name.

The layout of SESNSP's municipal file: (Entidad, Municipio) names, Año, Mes (Spanish month
name), one count column per crime and a Total column.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barrio.errors import InputError
from barrio.ingest.names import name_key
from barrio.ingest.service import ingest
from barrio.workspace import Workspace

MAPPING = """
[mappings.muni]
kind = "counts"
source = "sesnsp-municipal"
category_mapping = "sesnsp"
area_lookup = "name"
parent_column = "Entidad"
year_column = "Año"
month_column = "Mes"
category_columns = ["Feminicidio", "Homicidio doloso"]
total_column = "Total"
[mappings.muni.columns]
area_id = "Municipio"
[mappings.muni.area_aliases]
"Oaxaca/San Mateo Yucutindoo" = "San Mateo Yucutindó"
"Neza" = "15058"
"Nowhere" = "99999"
"""

AREAS = [  # area_id, name, level, parent_id
    ("00", "México", "country", None),
    ("15", "México", "state", "00"),
    ("20", "Oaxaca", "state", "00"),
    ("07", "Chiapas", "state", "00"),
    ("15058", "Nezahualcóyotl", "municipality", "15"),
    ("15033", "Ecatepec de Morelos", "municipality", "15"),
    ("15999", "General Ignacio Zaragoza", "municipality", "15"),
    ("20043", "Heroica Ciudad de Juchitán de Zaragoza", "municipality", "20"),
    ("20208", "San Juan Mixtepec -Dto. 08 -", "municipality", "20"),
    ("20209", "San Juan Mixtepec -Dto. 26 -", "municipality", "20"),
    ("20566", "San Mateo Yucutindó", "municipality", "20"),
    ("20777", "Santa María Huatulco", "municipality", "20"),
    ("20778", "Santa María Huatulco", "municipality", "20"),  # a duplicate name, on purpose
    ("07017", "Cintalapa de Figueroa", "municipality", "07"),
    ("07059", "Ocosingo", "municipality", "07"),
]

HEADER = "Entidad,Municipio,Año,Mes,Feminicidio,Homicidio doloso,Total\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws",
        crs="EPSG:6372",
        levels=("country", "state", "municipality"),
        extra_toml=MAPPING,
    )
    boxes = [shapely.box(-100 + i, 19, -99.5 + i, 19.5) for i in range(len(AREAS))]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(AREAS, columns=["area_id", "name", "level", "parent_id"]),
        geometry=boxes,
        crs="EPSG:4326",
    )
    frame.to_file(ws.sources / "areas.gpkg")
    ingest(ws, "areas", ws.sources / "areas.gpkg")
    return ws


def _write(ws: Workspace, body: str, name: str = "muni.csv") -> Path:
    path = ws.sources / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _counts(ws: Workspace) -> pd.DataFrame:
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        return con.execute(
            "SELECT area_id, period_start, local_category, iccs_code, count, source_row "
            "FROM counts ORDER BY source_row"
        ).df()


def _rejects(result) -> pd.DataFrame:
    return pd.read_csv(result.rejects_file, dtype=str, keep_default_na=False)


def test_names_resolve_through_the_key(workspace):
    body = (
        "México,Nezahualcoyotl,2024,Enero,1,5,6\n"  # accents
        "México,ECATEPEC DE MORELOS,2024,febrero,0,7,7\n"  # case
        "Mexico,Gral. Ignacio Zaragoza,2024,Marzo,0,1,1\n"  # abbreviation, state accent
        "Oaxaca,San Juan Mixtepec Distrito 08,2024,Diciembre,0,2,2\n"  # Dto. / 08
        "Oaxaca,San Juan Mixtepec Dto. 26,2024,Abril,0,3,3\n"
    )
    result = ingest(workspace, "counts", _write(workspace, body), mapping="muni")
    assert result.reconciles
    assert result.unit == "category_cells"
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (10, 10, 0)
    counts = _counts(workspace)
    assert counts["area_id"].tolist() == [
        "15058", "15058", "15033", "15033", "15999", "15999",
        "20208", "20208", "20209", "20209",
    ]  # fmt: skip
    assert counts["local_category"].tolist()[:2] == ["Feminicidio", "Homicidio doloso"]
    assert counts["count"].tolist() == [1, 5, 0, 7, 0, 1, 0, 2, 0, 3]
    assert counts["iccs_code"].unique().tolist() == ["0101"]
    months = pd.to_datetime(counts["period_start"]).dt.month.tolist()
    assert months == [1, 1, 2, 2, 3, 3, 12, 12, 4, 4]
    assert counts["source_row"].tolist()[:2] == [1001, 1002]  # file row 1, categories 1 and 2


def test_unknown_and_ambiguous_names_are_rejected_with_closest_names(workspace):
    body = (
        "México,Nezahualcóyotl,2024,Enero,1,5,6\n"
        "Oaxaca,No Especificado,2024,Enero,0,4,4\n"
        "Oaxaca,Santa María Huatulco,2024,Enero,0,2,2\n"
        "Chiapas,Ocosingo del Valle,2024,Enero,0,1,1\n"  # contains "Ocosingo": approximate
        "Chiapas,Ocosngo,2024,Enero,0,1,1\n"  # a typo: unknown, closest Ocosingo
        "Jalisco,Guadalajara,2024,Enero,0,9,9\n"  # unknown parent
    )
    result = ingest(workspace, "counts", _write(workspace, body), mapping="muni")
    assert result.reconciles
    assert result.rows_read == 12
    assert result.rows_rejected == 8
    assert result.problems["rejected"] == {"unknown_area_name": 6, "ambiguous_area_name": 2}
    assert result.problems["flagged"] == {"approximate_area_name": 2}
    rejects = _rejects(result)
    assert set(rejects.columns) >= {"file", "row", "category", "column", "value", "reason", "fix"}
    typo = rejects[rejects["value"] == "Chiapas / Ocosngo"]
    assert typo["reason"].tolist() == ["unknown_area_name"] * 2
    assert typo["row"].tolist() == ["5", "5"]
    assert typo["category"].tolist() == ["Feminicidio", "Homicidio doloso"]
    assert "Ocosingo" in typo["fix"].iloc[0]
    twin = rejects[rejects["reason"] == "ambiguous_area_name"]
    assert twin["value"].unique().tolist() == ["Oaxaca / Santa María Huatulco"]
    assert "Santa María Huatulco" in twin["fix"].iloc[0]
    jalisco = rejects[rejects["value"] == "Jalisco / Guadalajara"]
    assert "parent" in jalisco["fix"].iloc[0]
    loose = rejects[rejects["reason"] == "approximate_area_name"]
    assert "Ocosingo" in loose["fix"].iloc[0]
    assert any("not found" in w for w in result.warnings)
    counts = _counts(workspace)
    assert sorted(counts["area_id"].unique()) == ["07059", "15058"]


def test_honorific_prefixes_match_approximately_and_aliases_exactly(workspace):
    body = (
        "Oaxaca,Juchitán de Zaragoza,2024,Enero,0,4,4\n"
        "Chiapas,Cintalapa,2024,Enero,1,0,1\n"
        "Oaxaca,San Mateo Yucutindoo,2024,Enero,0,1,1\n"  # alias to a name (SESNSP: ó as oo)
        "México,Neza,2024,Enero,0,1,1\n"  # alias to an area_id
        "Oaxaca,Nowhere,2024,Enero,0,1,1\n"  # alias to an area that is not loaded
    )
    result = ingest(workspace, "counts", _write(workspace, body), mapping="muni")
    assert result.rows_rejected == 2
    assert result.problems["flagged"] == {"approximate_area_name": 4}
    assert result.problems["rejected"] == {"unknown_area_name": 2}
    got = _counts(workspace)["area_id"].tolist()
    assert got == [a for a in ("20043", "07017", "20566", "15058") for _ in range(2)]


def test_total_column_mismatch_is_flagged_and_bad_cells_rejected(workspace):
    body = (
        "México,Nezahualcóyotl,2024,Enero,1,5,7\n"  # 1 + 5 <> 7
        "México,Nezahualcóyotl,2024,Febrero,x,5,5\n"  # unreadable part: no total check
        "México,Nezahualcóyotl,2024,Marzo,,5,5\n"  # empty cell: no row
        "México,Nezahualcóyotl,2024,Trece,1,1,2\n"  # bad month
    )
    result = ingest(workspace, "counts", _write(workspace, body), mapping="muni")
    assert result.reconciles
    assert result.rows_read == 7
    assert result.problems["flagged"] == {"total_mismatch": 1}
    assert result.problems["rejected"] == {"bad_integer": 1, "bad_date": 2}
    rejects = _rejects(result)
    total = rejects[rejects["reason"] == "total_mismatch"]
    assert total[["row", "category", "column", "value"]].values.tolist() == [
        ["1", "", "Total", "7 <> 6"]
    ]
    month = rejects[rejects["reason"] == "bad_date"]
    assert month["value"].unique().tolist() == ["2024 Trece"]


def test_parquet_gives_the_same_result_as_csv(workspace, tmp_path):
    body = "México,Nezahualcóyotl,2024,Enero,1,5,7\nOaxaca,Nowhere,2024,Mayo,0,3,3\n"
    csv = _write(workspace, body)
    frame = pd.read_csv(csv, dtype=str)
    for col in ("Feminicidio", "Homicidio doloso", "Total", "Año"):
        frame[col] = frame[col].astype("Int64")
    parquet = tmp_path / "muni.parquet"
    frame.to_parquet(parquet)
    first = ingest(workspace, "counts", csv, mapping="muni")
    second = ingest(workspace, "counts", parquet, mapping="muni")
    assert second.rows_unchanged == first.rows_accepted == 2
    assert first.problems == second.problems
    a, b = _rejects(first), _rejects(second)
    assert a.drop(columns="file").equals(b.drop(columns="file"))


def test_missing_category_column_is_an_input_error(workspace):
    path = ws_path = _write(workspace, "México,Nezahualcóyotl,2024,Enero,1,5,6\n")
    text = path.read_text(encoding="utf-8").replace("Homicidio doloso", "Homicidios")
    ws_path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="category_columns"):
        ingest(workspace, "counts", path, mapping="muni")


def test_name_lookup_without_areas_is_an_input_error(tmp_path):
    ws = Workspace.init(tmp_path / "empty", extra_toml=MAPPING)
    path = _write(ws, "México,Nezahualcóyotl,2024,Enero,1,5,6\n")
    with pytest.raises(InputError, match="no areas"):
        ingest(ws, "counts", path, mapping="muni")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Gral. Escobedo", "General Escobedo"),
        ("Dr. Arroyo", "Doctor Arroyo"),
        ("San Juan Mixtepec -Dto. 08 -", "San Juan Mixtepec Distrito 8"),
        (
            "Dolores Hidalgo Cuna de la Independencia Nacional",
            "Dolores Hidalgo Cuna Independencia Nacional",
        ),
        ("Villa de Álvarez", "villa alvarez"),
        ("  Tlaquepaque ", "TLAQUEPAQUE"),
        ("Zapotitlán de Méndez", "Zapotitlan Mendez"),
        ("Ñuu Savi", "Nuu Savi"),
    ],
)
def test_name_key_equates_spelling_variants(left, right):
    a, b = _memory().execute(f"SELECT {name_key('?')}, {name_key('?')}", [left, right]).fetchone()
    assert a == b


@functools.cache
def _memory() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="aábcdeéfgñ .-Gral", min_size=0, max_size=30))
def test_name_key_is_idempotent(text):
    (once,) = _memory().execute(f"SELECT {name_key('?')}", [text]).fetchone()
    (twice,) = _memory().execute(f"SELECT {name_key('?')}", [once]).fetchone()
    assert once == twice


def test_cli_loads_the_sesnsp_municipal_layout_with_the_shipped_mapping(workspace):
    import json

    from typer.testing import CliRunner

    from barrio.cli.main import _register, app

    _register()
    other = "Otros delitos que atentan contra la vida y la integridad corporal"
    header = (
        f"Entidad,Municipio,Feminicidio,Homicidio culposo,Homicidio doloso,Total,Año,Mes,"
        f"Periodo,{other}\n"
    )
    path = workspace.sources / "sesnsp_municipal.csv"
    path.write_text(
        header
        + "México,Nezahualcóyotl,1,2,5,8,2024,Enero,Enero 2024,0\n"
        + "Oaxaca,No Especificado,0,0,3,3,2024,Enero,Enero 2024,0\n",
        encoding="utf-8",
    )
    args = ["ingest", "counts", str(path), "-m", "sesnsp-municipal"]
    result = CliRunner().invoke(app, [*args, "-w", str(workspace.root), "--json"])
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["data"]
    assert data["reconciles"]
    assert (data["rows_read"], data["rows_accepted"], data["rows_rejected"]) == (8, 4, 4)
    assert data["unit"] == "category_cells"
    counts = _counts(workspace)
    assert dict(zip(counts["local_category"], counts["iccs_code"], strict=True)) == {
        "Feminicidio": "0101",
        "Homicidio culposo": "01032",
        "Homicidio doloso": "0101",
        other: "0219",
    }


def test_population_by_name(workspace):
    mapping = workspace.root / "censo.toml"
    mapping.write_text(
        'kind = "population"\narea_lookup = "name"\nparent_column = "estado"\n'
        '[columns]\narea_id = "municipio"\npopulation = "habitantes"\nyear = "anio"\n',
        encoding="utf-8",
    )
    path = workspace.sources / "censo.csv"
    path.write_text(
        "estado;municipio;anio;habitantes\n"
        "Mexico;Cd. Nezahualcoyotl;2020;1077208\n"  # approximate: "ciudad" is extra
        "Oaxaca;Sta. María Huatulco;2020;50000\n"  # two areas of that name
        "Chiapas;Ocosingo;2020;234661\n",
        encoding="utf-8",
    )
    result = ingest(workspace, "population", path, mapping=str(mapping))
    assert result.reconciles
    assert result.problems == {
        "flagged": {"approximate_area_name": 1},
        "rejected": {"ambiguous_area_name": 1},
    }
    with duckdb.connect(str(workspace.warehouse_path), read_only=True) as con:
        got = con.execute("SELECT area_id, population FROM population ORDER BY 1").fetchall()
    assert got == [("07059", 234661), ("15058", 1077208)]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["México", "Oaxaca", "Chiapas", "Jalisco", ""]),
            st.sampled_from(["Nezahualcóyotl", "Ocosingo", "Santa María Huatulco", "X", ""]),
            st.sampled_from(["Enero", "febrero", "13", "", "Mayo"]),
            st.sampled_from(["0", "3", "", "x", "-1"]),
            st.sampled_from(["1", "", "2.5"]),
            st.sampled_from(["1", "4", ""]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_file_reconciles(workspace, rows):
    body = "".join(f"{e},{m},2024,{mes},{f},{h},{t}\n" for e, m, mes, f, h, t in rows)
    path = _write(workspace, body, name="random.csv")
    result = ingest(workspace, "counts", path, mapping="muni")
    assert result.reconciles
    non_empty = sum((f != "") + (h != "") for _e, _m, _mes, f, h, _t in rows)
    assert result.rows_read == non_empty


def test_count_options_on_an_incidents_mapping_are_refused(workspace):
    from barrio.errors import ConfigError

    mapping = workspace.root / "bad.toml"
    mapping.write_text('kind = "incidents"\narea_lookup = "name"\n', encoding="utf-8")
    path = workspace.sources / "inc.csv"
    path.write_text("occurred_on,local_category\n2024-01-01,Robo\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="counts and population files only"):
        ingest(workspace, "incidents", path, mapping=str(mapping))
    mapping.write_text('kind = "counts"\narea_lookup = "code"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="area_lookup"):
        ingest(workspace, "counts", path, mapping=str(mapping))
