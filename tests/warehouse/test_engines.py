"""Engine settings, errors, and the DuckDB engine (the reference the other engines must match)."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from barrio.errors import ConfigError, WorkspaceError
from barrio.warehouse.engines import (
    EngineSpec,
    engine_session,
    open_engine,
    parse_engine,
    publish,
    redact,
)
from barrio.workspace import Workspace
from tests.warehouse import queries
from tests.warehouse.conftest import require, workspace_with_engine


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, EngineSpec("duckdb")),
        ("duckdb", EngineSpec("duckdb")),
        ("DuckDB", EngineSpec("duckdb")),
        ("spark-local", EngineSpec("spark", "local[*]")),
        ("local[2]", EngineSpec("spark", "local[2]")),
        ("spark://10.0.0.5:7077", EngineSpec("spark", "spark://10.0.0.5:7077")),
        ("postgresql://u:p@h:5433/db", EngineSpec("postgres", "postgresql://u:p@h:5433/db")),
        ("postgres://u@h/db", EngineSpec("postgres", "postgresql://u@h/db")),
        ("postgresql+psycopg://u@h/db", EngineSpec("postgres", "postgresql://u@h/db")),
    ],
)
def test_parse_engine(setting: str | None, expected: EngineSpec) -> None:
    assert parse_engine(setting) == expected


@pytest.mark.parametrize("setting", ["sqlite", "mysql://u@h/db", "spark://cluster", "oracle"])
def test_unknown_engine_is_a_config_error_naming_the_allowed_forms(setting: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_engine(setting)
    assert setting.split("://")[0] in info.value.message
    assert info.value.hint


def test_errors_never_show_the_password() -> None:
    assert redact("postgresql://ana:s3cr3t@db:5432/obs") == "postgresql://ana:***@db:5432/obs"
    with pytest.raises(ConfigError) as info:
        parse_engine("mysql://ana:s3cr3t@db/obs")
    assert "s3cr3t" not in str(info.value)


def test_unreachable_postgres_is_a_workspace_error(tmp_path) -> None:
    require("psycopg")
    ws = Workspace.init(tmp_path / "ws")
    ws = workspace_with_engine(ws, "postgresql://ana:s3cr3t@127.0.0.1:1/none")
    with pytest.raises(WorkspaceError) as info:
        open_engine(ws)
    assert "127.0.0.1:1" in info.value.message
    assert "s3cr3t" not in str(info.value)
    assert info.value.hint


def test_unreachable_spark_master_fails_fast(tmp_path) -> None:
    require("pyspark")
    ws = workspace_with_engine(Workspace.init(tmp_path / "ws"), "spark://127.0.0.1:1")
    started = time.perf_counter()
    with pytest.raises(WorkspaceError) as info:
        open_engine(ws)
    assert time.perf_counter() - started < 10
    assert "spark://127.0.0.1:1" in info.value.message


def test_duckdb_engine_is_the_warehouse(city_workspace: Workspace) -> None:
    with engine_session(city_workspace, read_only=True) as con:
        assert con.name == "duckdb"
        result = publish(city_workspace, con)
        counts = dict(queries.row_counts(con))
        population = queries.population_by_year(con)
    assert result.rows == counts
    assert counts["incidents"] > 5000
    assert counts["counts"] == 5
    # independent of the warehouse: the census file the fixture city handed over
    raw = pd.read_csv(city_workspace.sources / "poblacion.csv")
    expected = raw.groupby("anio")["poblacion"].sum()
    assert population == [(int(y), int(n)) for y, n in expected.items()]


def test_engine_session_closes_duckdb(city_workspace: Workspace) -> None:
    with engine_session(city_workspace, read_only=True) as con:
        assert con.table("areas").count().execute() == 161
    with pytest.raises(Exception):  # noqa: B017 - any error: the connection is closed
        con.table("areas").count().execute()


def test_duckdb_engine_can_write_result_tables(tmp_path) -> None:
    """The indicators engine writes its table through Ibis: that works on DuckDB 2.0."""
    import pyarrow as pa

    ws = Workspace.init(tmp_path / "ws")
    with engine_session(ws) as con:
        con.create_table("results", pa.table({"iccs_code": ["0101"], "n": [3]}), overwrite=True)
        assert con.table("results").to_pyarrow().to_pylist() == [{"iccs_code": "0101", "n": 3}]
        batches = list(con.table("areas").to_pyarrow_batches())
    assert sum(b.num_rows for b in batches) == 0


def test_messages_have_spanish_translations() -> None:
    """Every message of the engine modules is in engines.po."""
    import ast
    from pathlib import Path

    from barrio.i18n import _catalog

    folder = Path(__file__).resolve().parents[2] / "src" / "barrio" / "warehouse"
    spanish = _catalog("es")
    msgids = [
        node.args[0].value
        for name in ("engines.py", "postgres.py", "spark.py")
        for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert len(msgids) >= 20
    assert [m for m in msgids if m not in spanish] == []


def test_errors_in_spanish() -> None:
    from barrio.i18n import set_locale

    set_locale("es")
    with pytest.raises(ConfigError) as info:
        parse_engine("oracle")
    assert info.value.message.startswith("motor desconocido 'oracle'")
