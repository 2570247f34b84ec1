"""Benchmark: ingest of synthetic incidents (CSV and Parquet) into a workspace.

Barrio validates, classifies to ICCS and assigns every incident to one of 50,000 polygons; the
baseline does the same work the plain way (pandas read_csv + to_datetime + GeoPandas ``sjoin``) in
this same process. Prints rows/s, peak memory (resident set high-water mark, reset between runs),
the speed ratio, and the CPU time each run used (on a machine shared with other work, wall time
depends on what else runs; CPU time shows what the work itself cost).

    .venv/bin/python benchmarks/ingest.py            # 10,000,000 incidents (target >= 250k rows/s)
    .venv/bin/python benchmarks/ingest.py --quick    # 500,000 incidents
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from barrio.classify import load_mapping
from barrio.fixtures.incidents import CATEGORIES
from barrio.ingest.service import ingest
from barrio.workspace import Workspace

BOX = (-100.65, 20.35, -100.15, 20.85)  # lon/lat extent of the synthetic city

MAPPING = """
[mappings.bench]
kind = "incidents"
source = "bench"
category_mapping = "fixture-city"
date_format = "%d/%m/%Y"
[mappings.bench.columns]
incident_id = "folio"
occurred_on = "fecha"
occurred_time = "hora"
local_category = "delito"
lat = "latitud"
lon = "longitud"
victim_age = "edad"
victim_sex = "sexo"
"""


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def polygons(n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = BOX
    seeds = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    return shapely.intersection(cells, box)


def incidents(n: int, rng: np.random.Generator) -> pa.Table:
    x0, y0, x1, y1 = BOX
    days = rng.integers(0, 4 * 365, n)
    dates = (np.datetime64("2021-01-01") + days).astype("datetime64[s]")
    fecha = pa.compute.strftime(pa.array(dates), format="%d/%m/%Y")
    cats = np.array(list(CATEGORIES), dtype=object)
    return pa.table(
        {
            "folio": pa.array(np.char.add("F", np.arange(n).astype("U9")).astype(object)),
            "fecha": fecha,
            "hora": pa.compute.strftime(
                pa.array((rng.integers(0, 86400, n)).astype("datetime64[s]")), format="%H:%M"
            ),
            "delito": pa.array(cats[rng.integers(0, len(cats), n)]),
            "latitud": pa.array(np.round(rng.uniform(y0, y1, n), 6)),
            "longitud": pa.array(np.round(rng.uniform(x0, x1, n), 6)),
            "edad": pa.array(rng.integers(0, 90, n)),
            "sexo": pa.array(np.where(rng.random(n) < 0.5, "F", "M").astype(object)),
        }
    )


def cpu_seconds() -> float:
    """CPU time of this process (all threads): on a shared machine, what the work cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, fn: Callable[[], object]) -> tuple[float, float, float, object]:
    reset_peak()
    start, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(f"  {label}: {seconds:.1f} s, {cpu:.1f} CPU s, peak {peak_mib():,.0f} MiB", flush=True)
    return seconds, cpu, peak_mib(), out


def baseline(csv_path: Path, areas: np.ndarray) -> int:
    """The plain way: pandas + GeoPandas sjoin doing the same validation and assignment."""
    import geopandas as gpd
    import pandas as pd

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame["occurred_on"] = pd.to_datetime(frame["fecha"], format="%d/%m/%Y", errors="coerce")
    frame["occurred_time"] = pd.to_datetime(frame["hora"], format="%H:%M", errors="coerce")
    frame["lat"] = pd.to_numeric(frame["latitud"], errors="coerce")
    frame["lon"] = pd.to_numeric(frame["longitud"], errors="coerce")
    frame["victim_age"] = pd.to_numeric(frame["edad"], errors="coerce")
    mapping = load_mapping("fixture-city")
    codes = mapping.apply(pd.Series(frame["delito"].unique()))
    lookup = dict(zip(frame["delito"].unique(), codes["iccs_code"], strict=True))
    frame["iccs_code"] = frame["delito"].map(lookup)
    frame = frame[frame["occurred_on"].notna()].drop_duplicates("folio")
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]))
    zones = gpd.GeoDataFrame({"area_id": np.arange(len(areas)).astype(str)}, geometry=areas)
    joined = gpd.sjoin(points, zones, how="left", predicate="within")
    return len(joined)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--polygons", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="500,000 rows")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    n = 500_000 if args.quick else args.rows
    rng = np.random.default_rng(42)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"Generating {n:,} incidents and {args.polygons:,} polygons ...", flush=True)
        areas = polygons(args.polygons, rng)
        import geopandas as gpd

        gpd.GeoDataFrame(
            {
                "area_id": [f"A{i:05d}" for i in range(len(areas))],
                "name": [f"Area {i}" for i in range(len(areas))],
                "level": "neighborhood",
            },
            geometry=areas,
            crs="EPSG:4326",
        ).to_parquet(root / "areas.parquet")
        table = incidents(n, rng)
        pacsv.write_csv(table, root / "incidents.csv")
        pq.write_table(table, root / "incidents.parquet")
        del table
        results = []
        for fmt in ("csv", "parquet"):
            ws = Workspace.init(root / f"ws-{fmt}", crs="EPSG:32614", extra_toml=MAPPING)
            ingest(ws, "areas", root / "areas.parquet")
            seconds, cpu, peak, run = timed(
                f"Barrio ingest ({fmt})",
                lambda ws=ws, fmt=fmt: ingest(
                    ws, "incidents", root / f"incidents.{fmt}", mapping="bench"
                ),
            )
            assert run.reconciles
            assert run.rows_read == n
            results.append((f"Barrio {fmt}", seconds, cpu, peak))
        if not args.no_baseline:
            seconds, cpu, peak, _rows = timed(
                "pandas + GeoPandas sjoin (csv)", lambda: baseline(root / "incidents.csv", areas)
            )
            results.append(("pandas + sjoin csv", seconds, cpu, peak))
    print()
    print(
        f"{'pipeline':<22}{'seconds':>10}{'rows/s':>14}{'peak MiB':>12}{'ratio':>8}"
        f"{'CPU s':>9}{'CPU ratio':>11}"
    )
    base = results[-1] if not args.no_baseline else None
    for label, seconds, cpu, peak in results:
        ratio = f"{base[1] / seconds:.1f}x" if base else "-"
        cpu_ratio = f"{base[2] / cpu:.1f}x" if base else "-"
        print(
            f"{label:<22}{seconds:>10.1f}{n / seconds:>14,.0f}{peak:>12,.0f}{ratio:>8}"
            f"{cpu:>9.1f}{cpu_ratio:>11}"
        )


if __name__ == "__main__":
    main()
