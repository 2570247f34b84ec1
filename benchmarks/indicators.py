"""Benchmark: the full indicator table on national-size data.

10,000,000 incidents over 50,000 areas in three levels (47,950 neighborhoods, 2,000 districts,
50 municipalities), 60 months, 20 indicators, monthly, disaggregated by sex × age group, on
DuckDB. Target: ≤ 30 s and ≤ 4 GB peak memory. Baseline in the same process: the same table
with pandas groupby (filter per indicator, map areas to each level, one groupby per
disaggregation set). ``--spark`` also times Spark local mode (informational).

    python benchmarks/indicators.py [--scale 0.1] [--spark] [--no-baseline]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb
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


def run_barrio(path: Path, indicators) -> pd.DataFrame:
    import ibis

    from barrio.indicators.compute import indicator_table

    con = ibis.duckdb.connect(str(path))
    try:
        return indicator_table(con, indicators, period="month", by=["sex", "age_group"])
    finally:
        con.disconnect()


def run_pandas(path: Path, indicators) -> int:
    """The same counts with pandas groupby (no intervals or tests: the baseline is generous)."""
    with duckdb.connect(str(path), read_only=True) as con:
        inc = con.execute(
            "SELECT area_id, occurred_on, iccs_code, victim_sex, victim_age, tags FROM incidents"
        ).df()
        areas = con.execute("SELECT area_id, level, parent_id FROM areas").df()
    parent = areas.set_index("area_id")["parent_id"]
    inc["month"] = inc["occurred_on"].values.astype("datetime64[M]")
    inc["sex"] = inc["victim_sex"].fillna("unknown")
    bins = [-1, 14, 29, 44, 64, 200]
    inc["age_group"] = pd.cut(inc["victim_age"], bins, labels=AGE_GROUPS).astype(str)
    inc.loc[inc["victim_age"].isna(), "age_group"] = "unknown"
    levels = {"neighborhood": inc["area_id"]}
    levels["district"] = levels["neighborhood"].map(parent)
    levels["municipality"] = levels["district"].map(parent)
    rows = 0
    for ind in indicators:
        mask = inc["iccs_code"].str.startswith(ind.numerator.iccs or ("",))
        if ind.numerator.tags:
            mask &= inc["tags"].str.contains("INTIMATE_PARTNER_FAMILY")
        if ind.numerator.victim_sex:
            mask &= inc["sex"] == ind.numerator.victim_sex
        sub = inc[mask]
        for _level, ids in levels.items():
            frame = pd.DataFrame(
                {
                    "area": ids[mask].to_numpy(),
                    "month": sub["month"].to_numpy(),
                    "sex": sub["sex"].to_numpy(),
                    "age": sub["age_group"].to_numpy(),
                }
            )
            for keys in (
                ["area", "month"],
                ["area", "month", "sex"],
                ["area", "month", "age"],
                ["area", "month", "sex", "age"],
            ):
                rows += len(frame.groupby(keys, observed=True).size())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    n_inc, n_areas = int(10_000_000 * args.scale), int(50_000 * args.scale)
    indicators = twenty_indicators()
    with tempfile.TemporaryDirectory(prefix="barrio-bench-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        sizes = build(path, n_inc, n_areas)
        print(f"built {n_inc:,} incidents, {sizes} in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        table = run_barrio(path, indicators)
        barrio_s = time.perf_counter() - t0
        barrio_peak = peak_gb()
        print(f"{'what':<28}{'seconds':>10}{'rows':>14}{'peak GB':>10}")
        print(f"{'barrio (duckdb)':<28}{barrio_s:>10.1f}{len(table):>14,}{barrio_peak:>10.2f}")
        del table
        if not args.no_baseline:
            t0 = time.perf_counter()
            rows = run_pandas(path, indicators)
            pandas_s = time.perf_counter() - t0
            print(
                f"{'pandas groupby (counts only)':<28}{pandas_s:>10.1f}{rows:>14,}{peak_gb():>10.2f}"
            )
            print(f"ratio pandas / barrio: {pandas_s / barrio_s:.1f}x")
        if args.spark:
            print("spark: see benchmarks/engines.py (needs the spark extra and Java)")


if __name__ == "__main__":
    main()
