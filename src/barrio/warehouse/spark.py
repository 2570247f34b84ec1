"""Apache Spark as the analytical engine: Parquet copies of the warehouse, areas assigned per batch.

Publishing writes each canonical table (and the resolved ``area_ancestors`` hierarchy) from
DuckDB as one Parquet file under ``warehouse/spark/<table>/``, then registers it in the Spark
session as a view of that name. Spark reads Parquet in parallel by row group, so one file per
table is enough on one machine; on a cluster the workspace folder must be on storage every
executor can read.

Point-in-polygon runs without a JVM spatial add-on: the areas travel to the executors as a
broadcast of WKB, and :func:`assign_areas_spark` runs :class:`barrio.ingest.assign.AreaIndex`
(the same code the ingest uses) on each Arrow batch with ``mapInArrow``.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from barrio.errors import ConfigError, WorkspaceError
from barrio.i18n import _
from barrio.warehouse.engines import HIERARCHY, PUBLISHED, export_columns, warehouse_reader

if TYPE_CHECKING:
    import geopandas as gpd
    import ibis
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

#: Settings of every session Barrio starts (memory and partitions can be tuned by environment).
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
}


def start_session(
    master: str, *, app_name: str = "barrio", warehouse_dir: Path | None = None
) -> SparkSession:
    """A Spark session on ``master`` (``local[*]``, ``spark://host:port``), or the running one.

    A session already running in this process (a notebook's, a test suite's) is reused as it is,
    since one process holds one Spark context; asking for another master then is an error.
    A new session runs Python workers with this interpreter (``PYSPARK_PYTHON`` unless set),
    uses the UTC time zone, no web UI and few shuffle partitions (``BARRIO_SPARK_PARTITIONS``,
    default 8); the driver's memory is ``BARRIO_SPARK_MEMORY`` (default 2g). Tables Spark
    manages itself (Ibis ``create_table``) go to ``warehouse_dir`` rather than a
    ``spark-warehouse`` folder in the current directory.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            _("the Spark engine needs pyspark, which is not installed"),
            hint=_("Install it with: pip install 'barrio[spark]'"),
        ) from exc
    if master.startswith("spark://"):
        _check_reachable(master)
    session = SparkSession.getActiveSession()
    if session is None:
        session = _new_session(SparkSession, master, app_name, warehouse_dir)
    running = str(session.sparkContext.master)
    if running != master and not (running.startswith("local") and master.startswith("local")):
        raise WorkspaceError(
            _(
                "a Spark session on {running} is already running in this process, not on {master}",
                running=running,
                master=master,
            ),
            hint=_("Stop it (spark.stop()) before using another Spark engine."),
            engine=master,
        )
    for key in ("spark.sql.session.timeZone", "spark.sql.parquet.inferTimestampNTZ.enabled"):
        session.conf.set(key, SPARK_CONF[key])  # also on a session that was already running
    return session


def _new_session(
    spark_session: Any, master: str, app_name: str, warehouse_dir: Path | None
) -> SparkSession:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = spark_session.builder.master(master).appName(app_name)
    conf = {
        **SPARK_CONF,
        "spark.sql.shuffle.partitions": os.environ.get("BARRIO_SPARK_PARTITIONS", "8"),
        "spark.driver.memory": os.environ.get("BARRIO_SPARK_MEMORY", "2g"),
    }
    if warehouse_dir is not None:
        conf["spark.sql.warehouse.dir"] = str(warehouse_dir.resolve())
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: no Java, bad memory setting ...
        raise WorkspaceError(
            _("cannot start the Spark engine on {master}: {error}", master=master, error=exc),
            hint=_("Spark needs Java 17 or 21 (apt-get install openjdk-17-jre-headless)."),
            engine=master,
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def _check_reachable(master: str) -> None:
    """Fail fast on an unreachable master (Spark itself retries for about a minute)."""
    host, _sep, port = master.removeprefix("spark://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise WorkspaceError(
            _("cannot reach the Spark master {master}: {error}", master=master, error=exc),
            hint=_('Check that the cluster is running, or use engine = "spark-local".'),
            engine=master,
        ) from exc


def open_backend(master: str, folder: Path) -> ibis.BaseBackend:
    """The Ibis PySpark backend on a session, with the tables published in ``folder``."""
    import ibis

    session = start_session(master, warehouse_dir=folder / "managed")
    register_views(session, folder)
    return ibis.pyspark.connect(session)


def register_views(session: SparkSession, folder: Path) -> list[str]:
    """Register every published table found in ``folder`` as a view; returns their names."""
    names = []
    for name in (*PUBLISHED, HIERARCHY):
        path = folder / name
        if path.is_dir():
            session.read.parquet(str(path)).createOrReplaceTempView(name)
            names.append(name)
    return names


def publish_spark(warehouse: Path, folder: Path, session: SparkSession) -> dict[str, int]:
    """Write the published tables as Parquet under ``folder`` and register them in ``session``.

    Each table is written to ``<table>.new/`` and then swapped in whole, so an interrupted
    publish never leaves a half-written table. Returns rows written per table.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    with warehouse_reader(warehouse) as duck:
        for name in (*PUBLISHED, HIERARCHY):
            select = (
                f"SELECT * FROM {HIERARCHY}"
                if name == HIERARCHY
                else f"SELECT {', '.join(export_columns(name, 'spark'))} FROM {name}"
            )
            rows[name] = _write_parquet(duck, select, folder / name)
    register_views(session, folder)
    return rows


def _write_parquet(duck: Any, select: str, target: Path) -> int:
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    file = staging / "part-0.parquet"
    quoted = str(file).replace("'", "''")
    written = duck.execute(
        f"COPY ({select}) TO '{quoted}' (FORMAT parquet, COMPRESSION snappy)"
    ).fetchall()
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return int(written[0][0])


# --- point in polygon on Spark ---------------------------------------------------------------

_INDEX_CACHE: dict[str, tuple[Any, np.ndarray]] = {}


def assign_areas_spark(
    spark: SparkSession,
    incidents: DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    lon: str = "lon",
    lat: str = "lat",
) -> DataFrame:
    """Assign each incident to the area that contains its point, on Spark.

    ``areas`` holds the polygons of one level (columns ``area_id`` and ``geometry``; reprojected
    to EPSG:4326 when they have another CRS). They are ordered by ``area_id`` and broadcast as
    WKB; each executor builds one :class:`~barrio.ingest.assign.AreaIndex` and assigns every
    Arrow batch with it, so the result, boundary rule included (the smallest ``area_id`` wins
    on a shared edge), is the ingest's. Returns ``incidents`` with ``area_id`` replaced (NULL
    outside every area or without coordinates) and, when the column exists,
    ``location_status`` set to ``assigned`` or ``outside`` for rows with coordinates.

    Examples
    --------
    >>> hoods = areas[areas.level == "neighborhood"]  # doctest: +SKIP
    >>> assigned = assign_areas_spark(spark, spark.table("incidents"), hoods)  # doctest: +SKIP
    """
    import shapely
    from pyspark.sql.types import StringType, StructField, StructType

    if areas.crs is not None and areas.crs.to_epsg() != 4326:
        areas = areas.to_crs(4326)
    ordered = areas.sort_values("area_id", kind="stable")
    payload = (
        np.asarray(ordered["area_id"], dtype=object),
        shapely.to_wkb(np.asarray(ordered.geometry.values)),
    )
    broadcast = spark.sparkContext.broadcast(payload)
    key = uuid.uuid4().hex  # names this broadcast in each worker's cache
    area_field = StructField("area_id", StringType(), True)
    fields = [area_field if f.name == "area_id" else f for f in incidents.schema.fields]
    schema = StructType(fields if "area_id" in incidents.columns else [*fields, area_field])
    has_status = "location_status" in incidents.columns
    _use_driver_python(spark)

    def assign_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        index, ids = _cached_index(key, broadcast)
        for batch in batches:
            yield _assign_batch(batch, index, ids, lon, lat, has_status, schema.names)

    return incidents.mapInArrow(assign_batches, schema)


def _cached_index(key: str, broadcast: Any) -> tuple[Any, np.ndarray]:
    """The AreaIndex of a broadcast, built once per Python worker (workers are reused)."""
    if key not in _INDEX_CACHE:
        import shapely

        from barrio.ingest.assign import AreaIndex

        ids, wkb = broadcast.value
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = (AreaIndex(shapely.from_wkb(wkb)), ids)
    return _INDEX_CACHE[key]


def _assign_batch(
    batch: pa.RecordBatch,
    index: Any,
    ids: np.ndarray,
    lon: str,
    lat: str,
    has_status: bool,
    names: list[str],
) -> pa.RecordBatch:
    import pyarrow as pa
    import pyarrow.compute as pc

    x = batch.column(lon).to_numpy(zero_copy_only=False)
    y = batch.column(lat).to_numpy(zero_copy_only=False)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    found = index.assign(x, y)
    located = np.isfinite(x) & np.isfinite(y)
    names_of = ids[np.maximum(found, 0)] if len(ids) else np.full(len(found), None, dtype=object)
    area = pa.array(np.where(found >= 0, names_of, np.array(None, dtype=object)), pa.string())
    columns = {name: batch.column(name) for name in batch.schema.names if name != "area_id"}
    columns["area_id"] = area
    if has_status:
        status = pa.array(np.where(found >= 0, "assigned", "outside"), pa.string())
        columns["location_status"] = pc.if_else(
            pa.array(located), status, batch.column("location_status")
        )
    return pa.RecordBatch.from_pydict({n: columns[n] for n in names})


def _use_driver_python(spark: SparkSession) -> None:
    """On a local master, run the Python workers with this interpreter (it has Barrio's deps).

    A session started elsewhere without ``PYSPARK_PYTHON`` runs ``python3`` from PATH, which
    may lack pyarrow and shapely. Clusters, and an explicit ``PYSPARK_PYTHON``, are left alone.
    """
    context: Any = spark.sparkContext
    if context.master.startswith("local") and context.pythonExec == "python3":
        context.pythonExec = sys.executable
