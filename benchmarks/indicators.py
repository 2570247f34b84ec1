"""Benchmark: the full indicator table on national-size data.

10,000,000 incidents over 50,000 areas in three levels (47,950 neighborhoods, 2,000 districts,
50 municipalities), 60 months, 20 indicators, monthly, disaggregated by sex × age group, on
DuckDB. Two timings:

1. the full table: every row and all 24 columns computed and handed over as Arrow record
   batches (:func:`barrio.indicators.compute.table_batches`; the engine groups the records,
   numpy and the compiled kernels finish the rows). Target: ≤ 30 s and ≤ 4 GB peak memory.
2. the same table streamed into the warehouse's ``indicators`` table
   (:func:`barrio.indicators.compute.store_table`, what ``barrio indicators compute`` does);
   DuckDB's own write of 161 M rows is most of this time. ``--no-store`` skips it.

Prints wall and CPU seconds (the machine may be shared: the load average is printed too) and
the process's peak resident memory after each step (the synthetic data is built in a child
process so that it does not count).

Baseline in the same process: the same table (same rows, same 24 columns: counts, zero-filled
totals, interpolated denominators, previous-period and year-before comparisons, exact Poisson
limits and tests with the same numpy functions) with pandas groupby and merges, one indicator
at a time. At full scale pandas needs more than this machine's 24 GB (the kernel killed it at
24 GB), so by default it runs on a warehouse of a tenth of the size (``--baseline-scale``),
against Barrio on that same warehouse, in the same process. At 20,000 incidents and 200 areas its table equals
Barrio's in every column (floats to 1e-9; ``run_pandas(..., keep=[])`` returns the frames).
``--spark`` also times the same computation on Spark local mode (informational; use a small
``--spark-scale``).

    python benchmarks/indicators.py [--scale 0.1] [--no-baseline] [--baseline-scale 0.1]
                                    [--no-store] [--spark --spark-scale 0.01]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

AGE_GROUPS = ["0-14", "15-29", "30-44", "45-64", "65+"]
CODES = [
    "0101",
    "02011",
    "0201",
    "02012",
    "0205",
    "020221",
    "03011",
    "0401",
    "04011",
    "0501",
    "05012",
    "0502",
    "050211",
    "05021",
    "0504",
    "0601",
    "0701",
]


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def build(path: Path, n_incidents: int, n_areas: int) -> dict[str, int]:
    """Write the synthetic warehouse with SQL (seconds, not minutes)."""
    n_mun = max(1, n_areas // 1000)
    n_dist = max(1, n_areas // 25)
    n_hood = n_areas - n_mun - n_dist
    codes = ", ".join(f"'{c}'" for c in CODES)
    ages = ", ".join(f"'{a}'" for a in AGE_GROUPS)
    with duckdb.connect(str(path)) as con:
        from barrio.warehouse.duck import ensure_schema

        ensure_schema(con)
        con.execute("SET enable_progress_bar = false")
        con.execute(f"""
            INSERT INTO areas (area_id, name, level, parent_id)
            SELECT 'M' || i, 'M' || i, 'municipality', NULL FROM range({n_mun}) t(i)
            UNION ALL
            SELECT 'D' || i, 'D' || i, 'district', 'M' || (i % {n_mun}) FROM range({n_dist}) t(i)
            UNION ALL
            SELECT 'N' || i, 'N' || i, 'neighborhood', 'D' || (i % {n_dist})
            FROM range({n_hood}) t(i)""")
        con.execute(f"""
            INSERT INTO population (area_id, year, sex, age_group, population)
            SELECT 'N' || i, y, s, g, 50 + hash(i, y, s, g) % 400
            FROM range({n_hood}) t(i), (VALUES (2020), (2025)) y(y), (VALUES ('F'), ('M')) s(s),
                 unnest([{ages}]) g(g)""")
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""
            INSERT INTO incidents (incident_id, source, occurred_on, local_category, iccs_code,
                                   area_id, victim_sex, victim_age, tags, location_status)
            SELECT i::VARCHAR, 'bench', DATE '2020-01-01' + (random() * 1825)::INTEGER,
                   'x', ([{codes}])[1 + (random() * {len(CODES) - 1})::INTEGER],
                   'N' || (random() * {n_hood - 1})::INTEGER,
                   CASE WHEN random() < 0.45 THEN 'F' WHEN random() < 0.9 THEN 'M' END,
                   CASE WHEN random() < 0.85 THEN (random() * 90)::INTEGER END,
                   CASE WHEN random() < 0.1
                        THEN 'situational_context=INTIMATE_PARTNER_FAMILY' ELSE '' END,
                   'assigned'
            FROM range({n_incidents}) t(i)""")
    return {"municipalities": n_mun, "districts": n_dist, "neighborhoods": n_hood}


def twenty_indicators():
    from barrio.indicators.catalog import Numerator, load_catalog

    catalog = list(load_catalog().values())
    extra = [
        ("02", "harm"),
        ("04", "property-violence"),
        ("05", "property"),
        ("03", "sexual"),
        ("07", "fraud"),
    ]
    for prefix, name in extra:
        catalog.append(
            replace(catalog[0], id=f"section-{name}", numerator=Numerator(iccs=(prefix,)))
        )
    return catalog[:20]


def run_barrio(path: Path, indicators, settings: str, store: bool) -> int:
    """Barrio on DuckDB: the full table as Arrow batches (every row and column), and with
    ``store`` streamed into the warehouse's ``indicators`` table (``barrio indicators
    compute``)."""
    import ibis

    from barrio.indicators.compute import plan, store_table, table_batches

    con = ibis.duckdb.connect(str(path))
    con.raw_sql(settings)
    try:
        request = plan(con, indicators, period="month", by=["sex", "age_group"])
        if not store:
            with table_batches(con, request) as batches:
                return sum(batch.num_rows for batch in batches)
        writer = con.con.cursor()
        rows, _missing = store_table(con, writer, request, "bench")
        writer.close()
        return rows
    finally:
        con.disconnect()


def run_spark(path: Path, indicators) -> int:
    """The same computation on Spark local mode, written into the DuckDB warehouse."""
    from barrio.indicators.compute import plan, store_table
    from barrio.warehouse.spark import open_backend, publish_spark

    folder = path.parent / "spark"
    con = open_backend("local[2]", folder)
    publish_spark(path, folder, con._session)
    try:
        request = plan(con, indicators, period="month", by=["sex", "age_group"])
        with duckdb.connect(str(path)) as writer:
            rows, _missing = store_table(con, writer, request, "spark")
        return rows
    finally:
        con._session.stop()


def _population(con, areas: pd.DataFrame, indicators) -> pd.DataFrame:
    """Population by den × area × sex × age group with its two knots (2020 and 2025)."""
    pop = con.execute("SELECT area_id, year, sex, age_group, population FROM population").df()
    parent = areas.set_index("area_id")["parent_id"]
    levels = [pop]
    for _ in range(2):  # neighborhood -> district -> municipality
        up = levels[-1].assign(area_id=levels[-1]["area_id"].map(parent))
        levels.append(up.groupby(["area_id", "year", "sex", "age_group"], as_index=False).sum())
    cells = pd.concat(levels, ignore_index=True)
    keys = ["area_id", "year"]
    by_sex = cells.groupby([*keys, "sex"], as_index=False)["population"].sum()
    by_age = cells.groupby([*keys, "age_group"], as_index=False)["population"].sum()
    total = cells.groupby(keys, as_index=False)["population"].sum()
    full = pd.concat(
        [
            cells,
            by_sex.assign(age_group="total"),
            by_age.assign(sex="total"),
            total.assign(sex="total", age_group="total"),
        ],
        ignore_index=True,
    )
    parts = []
    for den in sorted({i.denominator.sex for i in indicators}):
        if den == "all":
            parts.append(full.assign(den=den))
        else:
            own = full[full["sex"] == den]
            parts.append(pd.concat([own, own.assign(sex="total")]).assign(den=den))
    out = pd.concat(parts, ignore_index=True)
    wide = out.pivot_table(
        index=["den", "area_id", "sex", "age_group"], columns="year", values="population"
    )
    return wide.rename(columns={2020: "p0", 2025: "p1"}).reset_index()


def _pop_at(rows: pd.DataFrame, period_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = period_index / 12 + 0.5 / 12
    k0, k1 = 2020.5, 2025.5
    p0, p1 = rows["p0"].to_numpy(), rows["p1"].to_numpy()
    pop = np.maximum(p0 + (p1 - p0) / (k1 - k0) * (t - k0), 0.0)
    method = np.where(
        np.isnan(p0),
        None,
        np.where(
            (t == k0) | (t == k1),
            "exact",
            np.where((t < k0) | (t > k1), "extrapolated", "interpolated"),
        ),
    )
    return pop, method


def run_pandas(path: Path, indicators, keep: list | None = None) -> int:
    """The same table with pandas (rows are counted, not kept: one indicator at a time).

    ``keep``: a list that receives each indicator's frame (to check the baseline's numbers).
    """
    from barrio.indicators import stats

    with duckdb.connect(str(path), read_only=True) as con:
        inc = con.execute(
            "SELECT area_id, occurred_on, iccs_code, victim_sex, victim_age, tags FROM incidents"
        ).df()
        areas = con.execute("SELECT area_id, level, parent_id FROM areas").df()
        population = _population(con, areas, indicators)
    parent = areas.set_index("area_id")["parent_id"]
    level_of = areas.set_index("area_id")["level"]
    occurred = pd.to_datetime(inc["occurred_on"])
    inc["period"] = occurred.dt.year * 12 + occurred.dt.month - 1
    inc["sex"] = inc["victim_sex"].where(inc["victim_sex"].isin(["F", "M"]), "unknown")
    bins = [-1, 14, 29, 44, 64, 200]
    inc["age_group"] = pd.cut(inc["victim_age"], bins, labels=AGE_GROUPS).astype(str)
    inc.loc[inc["victim_age"].isna(), "age_group"] = "unknown"
    first, last = int(inc["period"].min()), int(inc["period"].max())
    periods = np.arange(first, last + 1)
    grid = pd.MultiIndex.from_product(
        [areas["area_id"].to_numpy(), periods], names=["area_id", "period"]
    ).to_frame(index=False)
    key = ["area_id", "sex", "age_group", "period"]
    rows = 0
    for ind in indicators:
        mask = inc["iccs_code"].str.startswith(ind.numerator.iccs or ("",))
        if ind.numerator.tags:
            mask &= inc["tags"].str.contains("INTIMATE_PARTNER_FAMILY")
        if ind.numerator.victim_sex:
            mask &= inc["sex"] == ind.numerator.victim_sex
        if ind.numerator.local_category:
            mask &= False  # the synthetic data's local category is 'x'
        sub = inc.loc[mask, ["area_id", "period", "sex", "age_group"]]
        hoods = sub.groupby(key, observed=True).size().rename("numerator").reset_index()
        levels = [hoods]
        for _ in range(2):
            up = levels[-1].assign(area_id=levels[-1]["area_id"].map(parent))
            levels.append(up.groupby(key, observed=True)["numerator"].sum().reset_index())
        cells = pd.concat(levels, ignore_index=True)
        parts = [cells]
        for dims in (["sex"], ["age_group"]):
            agg = cells.groupby(["area_id", "period", *dims])["numerator"].sum().reset_index()
            parts.append(agg.assign(**{d: "total" for d in ("sex", "age_group") if d not in dims}))
        totals = cells.groupby(["area_id", "period"])["numerator"].sum().reset_index()
        totals = grid.merge(totals, how="left").fillna({"numerator": 0})
        parts.append(totals.assign(sex="total", age_group="total"))
        table = pd.concat(parts, ignore_index=True)
        table["numerator"] = table["numerator"].astype(np.int64)
        for name, lag in (("prev", 1), ("yoy", 12)):
            earlier = table[key].assign(period=table["period"] + lag)
            earlier[f"{name}_numerator"] = table["numerator"].to_numpy()
            table = table.merge(earlier, on=key, how="left")
            inside = table["period"] - lag >= first
            table[f"{name}_numerator"] = table[f"{name}_numerator"].fillna(0).where(inside)
        den = population[population["den"] == ind.denominator.sex].drop(columns="den")
        table = table.merge(den, on=["area_id", "sex", "age_group"], how="left")
        idx = table["period"].to_numpy()
        pop, method = _pop_at(table, idx)
        prev_pop, _ = _pop_at(table, idx - 1)
        yoy_pop, _ = _pop_at(table, idx - 12)
        k = table["numerator"].to_numpy()
        mult = float(ind.multiplier)
        has = np.isfinite(pop) & (pop > 0)
        lo, hi = stats.poisson_interval(k)
        small, unstable = stats.reliability_flags(k)
        out = {
            "indicator_id": ind.id,
            "area_id": table["area_id"].to_numpy(),
            "area_level": table["area_id"].map(level_of).to_numpy(),
            "period_type": "month",
            "period_start": (idx - 1970 * 12).astype("datetime64[M]"),
            "sex": table["sex"].to_numpy(),
            "age_group": table["age_group"].to_numpy(),
            "numerator": k,
            "denominator": np.where(has, pop, np.nan),
            "value": np.where(has, k / np.where(has, pop, 1) * mult, np.nan),
            "lower": np.where(has, lo / np.where(has, pop, 1) * mult, np.nan),
            "upper": np.where(has, hi / np.where(has, pop, 1) * mult, np.nan),
            "multiplier": ind.multiplier,
            "flag_small": small,
            "flag_unstable": unstable,
            "population_method": method,
        }
        for name, p0 in (("prev", prev_pop), ("yoy", yoy_pop)):
            k0 = table[f"{name}_numerator"].to_numpy(dtype=float)
            ok0 = np.isfinite(k0) & np.isfinite(p0) & (p0 > 0)
            v0 = np.where(ok0, np.nan_to_num(k0) / np.where(ok0, p0, 1) * mult, np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                change = np.where(ok0 & (v0 > 0) & has, (out["value"] / v0 - 1) * 100, np.nan)
            test = ok0 & has
            pvals = np.full(len(k), np.nan)
            pvals[test] = stats.rate_change_test(
                k[test], pop[test], np.nan_to_num(k0[test]).astype(np.int64), p0[test]
            )
            out.update({f"{name}_value": v0, f"change_{name}_pct": change})
            out[f"p_change_{name}"] = pvals
        out.update({"value_eb": np.nan, "source": "incidents"})
        frame = pd.DataFrame(out)
        rows += len(frame)
        if keep is not None:
            keep.append(frame)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--baseline-scale",
        type=float,
        default=0.1,
        help="scale of the pandas comparison (at scale 1 pandas needs more than 24 GB)",
    )
    parser.add_argument(
        "--no-store", action="store_true", help="skip writing the table into the warehouse"
    )
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--spark-scale", type=float, default=0.01)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    n_inc, n_areas = int(10_000_000 * args.scale), int(50_000 * args.scale)
    indicators = twenty_indicators()
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="barrio-bench-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        child = spawn.Process(target=build, args=(path, n_inc, n_areas))
        child.start()
        child.join()
        print(f"built {n_inc:,} incidents, {n_areas:,} areas in {time.perf_counter() - t0:.1f} s")
        settings = (
            f"SET threads = 2; SET memory_limit = '{args.memory_limit}';"
            " SET enable_progress_bar = false;"
            f" SET preserve_insertion_order = false; SET temp_directory = '{Path(tmp) / 'spill'}'"
        )
        print(f"load average before: {load()} ({os.cpu_count()} cores)")
        header = f"{'what':<34}{'wall s':>8}{'CPU s':>8}{'rows':>14}{'peak GB':>9}"
        print(header)
        t0, c0 = time.perf_counter(), cpu_seconds()
        rows = run_barrio(path, indicators, settings, store=False)
        barrio_s, barrio_cpu = time.perf_counter() - t0, cpu_seconds() - c0
        print(
            f"{'barrio (duckdb, full table)':<34}{barrio_s:>8.1f}{barrio_cpu:>8.1f}"
            f"{rows:>14,}{peak_gb():>9.2f}"
        )
        if not args.no_store:
            t0, c0 = time.perf_counter(), cpu_seconds()
            stored = run_barrio(path, indicators, settings, store=True)
            store_s, store_cpu = time.perf_counter() - t0, cpu_seconds() - c0
            print(
                f"{'barrio (same, into warehouse)':<34}{store_s:>8.1f}{store_cpu:>8.1f}"
                f"{stored:>14,}{peak_gb():>9.2f}"
            )
        print(f"load average after: {load()}")
        if not args.no_baseline:
            base_path, base_scale = path, min(args.scale, args.baseline_scale)
            if base_scale < args.scale:  # pandas needs more than this machine's 24 GB at scale 1
                base_path = Path(tmp) / "baseline.duckdb"
                n_b, a_b = int(10_000_000 * base_scale), int(50_000 * base_scale)
                child = spawn.Process(target=build, args=(base_path, n_b, a_b))
                child.start()
                child.join()
                t0, c0 = time.perf_counter(), cpu_seconds()
                rows = run_barrio(base_path, indicators, settings, store=False)
                barrio_s, barrio_cpu = time.perf_counter() - t0, cpu_seconds() - c0
                print(
                    f"{f'barrio at scale {base_scale}':<34}{barrio_s:>8.1f}{barrio_cpu:>8.1f}"
                    f"{rows:>14,}{peak_gb():>9.2f}"
                )
            t0, c0 = time.perf_counter(), cpu_seconds()
            base_rows = run_pandas(base_path, indicators)
            pandas_s, pandas_cpu = time.perf_counter() - t0, cpu_seconds() - c0
            print(
                f"{f'pandas at scale {base_scale}':<34}{pandas_s:>8.1f}{pandas_cpu:>8.1f}"
                f"{base_rows:>14,}{peak_gb():>9.2f}"
            )
            same = "same rows" if base_rows == rows else "ROW COUNTS DIFFER"
            print(
                f"ratio pandas / barrio at scale {base_scale}: {pandas_s / barrio_s:.1f}x wall,"
                f" {pandas_cpu / barrio_cpu:.1f}x CPU ({same})"
            )
        if args.spark:
            small = Path(tmp) / "spark.duckdb"
            n_s, a_s = int(10_000_000 * args.spark_scale), int(50_000 * args.spark_scale)
            child = spawn.Process(target=build, args=(small, n_s, a_s))
            child.start()
            child.join()
            t0 = time.perf_counter()
            rows = run_spark(small, indicators)
            print(
                f"spark local[2] at scale {args.spark_scale} ({n_s:,} incidents, {a_s:,} areas):"
                f" {time.perf_counter() - t0:.1f} s wall, {rows:,} rows (informational)"
            )


if __name__ == "__main__":
    main()
