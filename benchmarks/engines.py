"""Benchmark: publishing the warehouse to PostgreSQL and to Spark, and assigning areas there.

The fixture city's areas and population plus N synthetic incidents (default 1,000,000) in a
DuckDB warehouse are published:

- to PostgreSQL (``BARRIO_TEST_POSTGRES`` server, a scratch database): Barrio's Arrow -> CSV ->
  COPY stream; baseline in the same process: Ibis ``create_table`` from the whole Arrow table
  (the naive approach), on a sample of incidents, extrapolated linearly;
- to Spark Parquet (local mode): DuckDB ``COPY TO parquet`` + views; baseline: the same table
  through ``spark.createDataFrame(pandas)`` and ``DataFrame.write.parquet`` (Arrow enabled).

Then the areas are assigned in the engines: PostGIS (``assign_areas_postgis``) and Spark
(``assign_areas_spark``, AreaIndex per Arrow batch), against AreaIndex in this process.

Peak memory is the Python process's resident high-water mark (VmHWM, reset before each step;
the Spark JVM and the PostgreSQL server are not counted); "+MB" is that peak minus the resident
memory when the step started.

Run: .venv/bin/python benchmarks/engines.py [--incidents N] [--baseline-rows N] [--no-spark]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import duckdb

from barrio.fixtures import build_city
from barrio.ingest.service import ingest
from barrio.warehouse.engines import open_engine, publish
from barrio.workspace import Workspace

SERVER = os.environ.get(
    "BARRIO_TEST_POSTGRES", "postgresql://barrio:barrio@127.0.0.1:5432/barrio_test"
)

SYNTHETIC = """
INSERT INTO incidents
WITH hoods AS (SELECT list(area_id ORDER BY area_id) AS ids FROM areas WHERE level = 'neighborhood')
SELECT 'INC-' || i, 'synthetic', DATE '2019-01-01' + (i % 1826)::INTEGER,
       make_time((i % 24)::BIGINT, (i % 60)::BIGINT, 0), 'Robo', lpad(((i % 15) + 1)::VARCHAR, 4, '0'),
       i % 7 = 0, -100.46 + random() * 0.12, 20.56 + random() * 0.1,
       ids[1 + (i % len(ids))::INTEGER], CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END,
       (18 + i % 60)::INTEGER, NULL, 'high', 'assigned', 'bench', i, hash(i)
FROM range({n}) t(i), hoods
"""


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:  # resets VmHWM (Linux >= 4.0)
        fh.write("5")


def memory_mb(field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of this process, in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(label: str, fn, rows: int, results: list) -> object:
    reset_peak()
    before = memory_mb("VmRSS")
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    results.append((label, rows, elapsed, memory_mb(), memory_mb() - before))
    print(f"  {label}: {elapsed:.2f} s", file=sys.stderr)
    return out


def build(root: Path, n: int) -> Workspace:
    ws = Workspace.init(root, name="bench", crs="EPSG:32614")
    city = build_city(ws.sources, size="small", seed=2020)
    ingest(ws, "areas", city.areas)
    ingest(ws, "population", city.population, mapping="fixture-population")
    with duckdb.connect(str(ws.warehouse_path)) as con:
        con.execute(SYNTHETIC.format(n=n))
    return ws


def scratch_database() -> str:
    import psycopg

    name = f"barrio_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def bench_postgres(ws: Workspace, n: int, baseline_rows: int, results: list) -> None:
    url = scratch_database()
    try:
        pws = replace(ws, config=replace(ws.config, engine=url))
        con = open_engine(pws)
        timed(
            "postgres: publish (Arrow CSV batches -> COPY)", lambda: publish(pws, con), n, results
        )
        with duckdb.connect(str(ws.warehouse_path), read_only=True) as duck:
            sample = duck.sql(f"SELECT * EXCLUDE (row_hash) FROM incidents LIMIT {baseline_rows}")
            sample = sample.to_arrow_table()
        timed(
            "postgres: baseline ibis create_table(pyarrow), sample",
            lambda: con.create_table("baseline", sample, overwrite=True),
            baseline_rows,
            results,
        )
        con.disconnect()
        from barrio.warehouse.postgres import assign_areas_postgis

        timed("postgres: assign_areas_postgis", lambda: assign_areas_postgis(url), n, results)
    finally:
        drop_database(url)


def bench_spark(ws: Workspace, n: int, results: list) -> None:
    import geopandas as gpd
    import shapely

    from barrio.warehouse.spark import assign_areas_spark

    sws = replace(ws, config=replace(ws.config, engine="local[2]"))
    con = timed("spark: start local[2] session", lambda: open_engine(sws), 0, results)
    timed("spark: publish (DuckDB COPY -> Parquet, views)", lambda: publish(sws, con), n, results)
    session = con._session
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as duck:
        frame = duck.sql("SELECT * EXCLUDE (row_hash, occurred_time, tags) FROM incidents").to_df()
        areas = duck.execute(
            "SELECT area_id, geometry FROM areas WHERE level = 'neighborhood'"
        ).fetchall()
    target = ws.root / "baseline.parquet"

    def baseline() -> None:
        session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
        session.createDataFrame(frame).write.mode("overwrite").parquet(str(target))

    timed("spark: baseline createDataFrame(pandas).write.parquet", baseline, n, results)
    gdf = gpd.GeoDataFrame(
        {"area_id": [a[0] for a in areas]},
        geometry=shapely.from_wkb([bytes(a[1]) for a in areas]),
        crs=4326,
    )
    assigned = assign_areas_spark(session, session.table("incidents"), gdf)
    timed(
        "spark: assign_areas_spark (mapInArrow + AreaIndex), count",
        lambda: assigned.groupBy("area_id").count().collect(),
        n,
        results,
    )
    session.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="barrio-bench-engines-"))
    results: list = []
    try:
        ws = timed(
            "build warehouse", lambda: build(root / "ws", args.incidents), args.incidents, results
        )
        if not args.no_postgres:
            bench_postgres(ws, args.incidents, args.baseline_rows, results)
        if not args.no_spark:
            bench_spark(ws, args.incidents, results)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'step':58} {'rows':>10} {'seconds':>9} {'rows/s':>11} {'peak MB':>8} {'+MB':>6}")
    for label, rows, seconds, peak, growth in results:
        rate = f"{rows / seconds:,.0f}" if rows else ""
        print(f"{label:58} {rows:>10,} {seconds:>9.2f} {rate:>11} {peak:>8.0f} {growth:>6.0f}")
    by_label = {r[0]: r for r in results}
    ours = by_label.get("postgres: publish (Arrow CSV batches -> COPY)")
    base = by_label.get("postgres: baseline ibis create_table(pyarrow), sample")
    if ours and base:
        extrapolated = base[2] * args.incidents / base[1]
        print(
            f"postgres publish: {extrapolated / ours[2]:.1f}x faster than Ibis create_table "
            f"(baseline {base[2]:.2f} s for {base[1]:,} rows, extrapolated to {extrapolated:.0f} s; "
            "ours includes areas, population and the hierarchy)"
        )
    ours = by_label.get("spark: publish (DuckDB COPY -> Parquet, views)")
    base = by_label.get("spark: baseline createDataFrame(pandas).write.parquet")
    if ours and base:
        print(
            f"spark publish: {base[2] / ours[2]:.1f}x faster than createDataFrame(pandas).write.parquet "
            "(baseline: incidents only, without the DuckDB read)"
        )


if __name__ == "__main__":
    main()
