"""One analytical engine behind every query: DuckDB (default), PostgreSQL/PostGIS or Spark.

The ``engine`` setting of a workspace (``[workspace] engine`` in barrio.toml, or the environment
variable ``BARRIO_ENGINE``) chooses where the analytical pipeline runs::

    engine = "duckdb"                                   # warehouse/barrio.duckdb (default)
    engine = "postgresql://user:password@host/db"       # a PostgreSQL server with PostGIS
    engine = "spark-local"                              # Spark in this process, all cores
    engine = "spark://host:7077"                        # a Spark standalone cluster

Ingestion always stages, validates and loads in the DuckDB warehouse; :func:`publish` then
copies the canonical tables (``areas``, ``population``, ``incidents``, ``counts``) and the
``area_ancestors`` hierarchy to the engine, so that the same Ibis expression gives the same
table on every engine. :func:`open_engine` returns the Ibis backend.

>>> from barrio.warehouse.engines import parse_engine
>>> parse_engine("postgresql://barrio@db.example.org/observatorio").kind
'postgres'
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from barrio.errors import ConfigError
from barrio.i18n import _
from barrio.schema.tables import TABLES

if TYPE_CHECKING:
    import ibis

    from barrio.workspace import Workspace

EngineKind = Literal["duckdb", "postgres", "spark"]

#: Tables copied to PostgreSQL and Spark, in load order (``ingest_runs`` stays in DuckDB).
PUBLISHED = ("areas", "population", "incidents", "counts")
#: The hierarchy view/table every engine offers: area_id, ancestor_id, ancestor_level, depth.
HIERARCHY = "area_ancestors"

ENGINE_FORMS = (
    "duckdb, postgresql://USER:PASSWORD@HOST:PORT/DATABASE, spark-local, spark://HOST:PORT"
)


@dataclass(frozen=True)
class EngineSpec:
    """A parsed ``engine`` setting.

    Attributes
    ----------
    kind
        ``duckdb``, ``postgres`` or ``spark``.
    url
        Connection URL: a ``postgresql://`` URL, a Spark master (``local[*]``,
        ``spark://host:port``), or ``None`` for DuckDB.
    """

    kind: EngineKind
    url: str | None = None

    @property
    def display(self) -> str:
        """The setting with any password hidden, safe to print."""
        return redact(self.url) if self.url else self.kind


def parse_engine(value: str | None) -> EngineSpec:
    """Read an ``engine`` setting; raise :class:`~barrio.errors.ConfigError` for unknown ones.

    Examples
    --------
    >>> parse_engine("spark-local")
    EngineSpec(kind='spark', url='local[*]')
    >>> parse_engine("postgres://u:secret@h/db").display
    'postgresql://u:***@h/db'
    """
    text = (value or "duckdb").strip()
    lowered = text.lower()
    if lowered in ("duckdb", "duckdb://", ""):
        return EngineSpec("duckdb")
    if lowered in ("spark-local", "spark", "local"):
        return EngineSpec("spark", "local[*]")
    if lowered.startswith("local[") and lowered.endswith("]"):
        return EngineSpec("spark", text)
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        return EngineSpec("postgres", urlunsplit(("postgresql", *urlsplit(text)[1:])))
    if scheme == "spark":
        parts = urlsplit(text)
        if not parts.hostname or not parts.port:
            raise ConfigError(
                _("engine {engine!r} has no host and port", engine=text),
                hint=_('Write the Spark master as engine = "spark://HOST:PORT".'),
                engine=text,
            )
        return EngineSpec("spark", f"spark://{parts.hostname}:{parts.port}")
    raise ConfigError(
        _(
            "unknown engine {engine!r}; expected one of: {forms}",
            engine=redact(text),
            forms=ENGINE_FORMS,
        ),
        hint=_("Set engine in the [workspace] section of barrio.toml, or BARRIO_ENGINE."),
        engine=redact(text),
    )


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


def open_engine(workspace: Workspace, *, read_only: bool = False) -> ibis.BaseBackend:
    """The Ibis backend of the workspace's engine; close it, or use :func:`engine_session`.

    DuckDB opens ``warehouse/barrio.duckdb`` (creating the schema unless ``read_only``);
    PostgreSQL connects to the URL; Spark starts (or reuses) a session and registers the tables
    published under ``warehouse/spark/``.
    """
    spec = parse_engine(workspace.config.engine)
    if spec.kind == "duckdb":
        return _open_duckdb(workspace, read_only=read_only)
    if spec.kind == "postgres":
        from barrio.warehouse.postgres import open_backend

        return open_backend(str(spec.url))
    from barrio.warehouse.spark import open_backend as open_spark

    return open_spark(str(spec.url), spark_folder(workspace))


@contextmanager
def engine_session(workspace: Workspace, *, read_only: bool = False) -> Iterator[ibis.BaseBackend]:
    """:func:`open_engine` as a context manager that closes the backend afterwards.

    A Spark session that was already running when the block started (one shared by a notebook
    or a test session) is left running; one started here is stopped.
    """
    spec = parse_engine(workspace.config.engine)
    already_running = spec.kind == "spark" and _active_spark() is not None
    backend = open_engine(workspace, read_only=read_only)
    try:
        yield backend
    finally:
        if not already_running:
            backend.disconnect()


def _active_spark() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def spark_folder(workspace: Workspace) -> Path:
    """Where the Parquet copies of the published tables live: ``warehouse/spark/``."""
    return workspace.warehouse_path.parent / "spark"


def _open_duckdb(workspace: Workspace, *, read_only: bool) -> ibis.BaseBackend:
    import ibis

    from barrio.warehouse.duck import connect

    duckdb_compat()
    path = workspace.warehouse_path
    if not path.exists() or not read_only:
        with connect(path):  # creates the file and the canonical schema
            pass
    backend = ibis.duckdb.connect(database=str(path), read_only=read_only)
    backend.raw_sql(f"SET memory_limit = '{os.environ.get('BARRIO_MEMORY_LIMIT', '2GB')}'")
    backend.raw_sql(f"SET temp_directory = '{path.parent / '.tmp'}'")
    return backend


def duckdb_compat() -> None:
    """Let Ibis 12 drive DuckDB 2.0, which renamed two DB-API result methods.

    Ibis calls ``fetch_arrow_table()`` and ``fetch_record_batch()`` on a connection after
    ``execute``; DuckDB 2.0 names them ``to_arrow_table()`` and ``to_arrow_reader()``. The
    aliases are added once and only when missing, so a DuckDB that still has them is untouched.
    """
    import duckdb

    cls: Any = duckdb.DuckDBPyConnection
    if hasattr(cls, "fetch_arrow_table") and hasattr(cls, "fetch_record_batch"):
        return

    def fetch_arrow_table(self: Any, batch_size: int = 1_000_000) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
            return self.to_arrow_table(batch_size)

    def fetch_record_batch(self: Any, rows_per_batch: int = 1_000_000) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
            return self.to_arrow_reader(rows_per_batch)

    cls.fetch_arrow_table = fetch_arrow_table
    cls.fetch_record_batch = fetch_record_batch


# --- publishing -------------------------------------------------------------------------------


@dataclass
class PublishResult:
    """What :func:`publish` copied: rows per table and the time it took."""

    engine: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "rows": dict(self.rows), "seconds": round(self.seconds, 3)}


def publish(workspace: Workspace, backend: ibis.BaseBackend) -> PublishResult:
    """Make the canonical tables and ``area_ancestors`` available on ``backend``.

    DuckDB: nothing to copy (the warehouse is the engine). PostgreSQL: the tables are replaced
    in one transaction, streamed from DuckDB in Arrow batches through ``COPY``; ``areas.geometry``
    becomes a PostGIS ``geometry(MultiPolygon, 4326)`` with a GiST index. Spark: DuckDB writes one
    Parquet file per table under ``warehouse/spark/<table>/`` and the session registers them as
    views. Run it after every ingest that should reach the engine.

    Examples
    --------
    >>> with engine_session(ws) as con:  # doctest: +SKIP
    ...     publish(ws, con).rows["incidents"]
    5974
    """
    started = time.perf_counter()
    name = backend.name
    if name == "duckdb":
        rows = _duckdb_rows(backend)
    elif name == "postgres":
        from barrio.warehouse.postgres import publish_postgres

        rows = publish_postgres(workspace.warehouse_path, backend.con)
    elif name == "pyspark":
        from barrio.warehouse.spark import publish_spark

        rows = publish_spark(workspace.warehouse_path, spark_folder(workspace), backend._session)
    else:
        raise ConfigError(
            _("cannot publish to a {backend} backend", backend=name),
            hint=_("Use a DuckDB, PostgreSQL or PySpark backend from open_engine."),
            backend=name,
        )
    return PublishResult(name, rows, time.perf_counter() - started)


@contextmanager
def warehouse_reader(path: Path) -> Iterator[Any]:
    """A DuckDB connection to read the warehouse from.

    Read-only, so that other processes may read it too; but DuckDB refuses a read-only
    connection in a process that already holds a read-write one to the same file (an open
    DuckDB engine, an ingest), so then it joins that one.
    """
    import duckdb

    from barrio.warehouse.duck import connect

    with ExitStack() as stack:
        try:
            con = stack.enter_context(connect(path, read_only=True))
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise
            con = stack.enter_context(connect(path))
        yield con


def _duckdb_rows(backend: ibis.BaseBackend) -> dict[str, int]:
    return {t: int(backend.table(t).count().execute()) for t in (*PUBLISHED, HIERARCHY)}


def export_columns(table: str, target: Literal["postgres", "spark"]) -> list[str]:
    """DuckDB select list that turns a canonical table into what ``target`` can store.

    Both engines lack unsigned 64-bit integers: ``row_hash`` (UBIGINT) is reinterpreted as the
    BIGINT with the same 64 bits. PostgreSQL receives ``geometry`` as hex text (read into
    ``bytea``, then PostGIS). Spark 4.0 has no TIME type: ``occurred_time`` becomes a timestamp
    on 1970-01-01 without time zone, so ``hour()`` and ``minute()`` agree with the other engines.
    """
    out = []
    for column in TABLES[table].columns:
        name = f'"{column.name}"'
        if column.sql_type == "UBIGINT":
            out.append(
                f"CAST({name}::HUGEINT - CASE WHEN {name} >= 9223372036854775808 "
                f"THEN 18446744073709551616 ELSE 0 END AS BIGINT) AS {name}"
            )
        elif column.sql_type == "BLOB" and target == "postgres":
            out.append(f"'\\x' || hex({name}) AS {name}")
        elif column.sql_type == "TIME" and target == "spark":
            out.append(f"DATE '1970-01-01' + {name} AS {name}")
        else:
            out.append(name)
    return out
