"""The data-quality report of a workspace: what was loaded and what needs attention.

Everything is computed in SQL over the warehouse, so it stays fast on millions of incidents.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from barrio.warehouse.duck import connect
from barrio.workspace import Workspace

MIN_REPEATS = 25  # identical coordinates shared by at least this many incidents are suspicious
GAP_SHARE = 0.25  # a month below this share of the source's median month is a likely gap


def quality_report(workspace: Workspace, *, min_repeats: int = MIN_REPEATS) -> dict[str, Any]:
    """Data-quality report of the workspace as a JSON-able dict.

    Sections: ``tables`` (rows per table), ``runs`` (every ingest run, reconciled),
    ``incidents`` (per source: date range, share geolocated / assigned / outside, share
    classified by mapping confidence), ``unknown_categories``, ``duplicates``,
    ``repeated_coordinates`` (suspicious default locations), ``missing_months``, ``counts`` and
    ``population`` coverage.
    """
    with connect(workspace.warehouse_path) as con:
        return {
            "workspace": workspace.config.name,
            "tables": _tables(con),
            "runs": _runs(con),
            "incidents": _incident_sources(con),
            "unknown_categories": _rows(
                con,
                """SELECT source, local_category, count(*) AS n FROM incidents
                WHERE iccs_code IS NULL GROUP BY ALL ORDER BY n DESC, local_category""",
            ),
            "duplicates": _duplicates(con),
            "repeated_coordinates": _repeated_coordinates(con, min_repeats),
            "missing_months": _missing_months(con),
            "counts": _rows(
                con,
                """SELECT source, count(*) AS rows, min(period_start) AS first_period,
                max(period_start) AS last_period, count(DISTINCT area_id) AS areas,
                count(*) FILTER (WHERE iccs_code IS NULL) AS unclassified_rows
                FROM counts GROUP BY source ORDER BY source""",
            ),
            "population": _rows(
                con,
                """SELECT year, count(DISTINCT area_id) AS areas,
                sum(population) FILTER (WHERE sex = 'total' AND age_group = 'total') AS total,
                sum(population) FILTER (WHERE sex <> 'total' AND age_group <> 'total') AS by_sex_age
                FROM population GROUP BY year ORDER BY year""",
            ),
        }


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out = {}
    for name in ("areas", "population", "incidents", "counts"):
        row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
        out[name] = int(row[0]) if row else 0
    return out


def _runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    runs = _rows(
        con,
        """SELECT run_id, kind, file, mapping, started_at, rows_read, rows_accepted, rows_rejected,
        rows_new, rows_updated, rows_unchanged, summary FROM ingest_runs ORDER BY started_at""",
    )
    for run in runs:
        summary = json.loads(run.pop("summary") or "{}")
        run["problems"] = summary.get("problems", {})
        run["reconciles"] = run["rows_read"] == run["rows_accepted"] + run["rows_rejected"]
    return runs


def _incident_sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        """SELECT source, count(*) AS rows, min(occurred_on) AS first_date,
        max(occurred_on) AS last_date,
        avg((lon IS NOT NULL)::INT) AS share_geolocated,
        avg((location_status = 'assigned')::INT) AS share_assigned,
        count(*) FILTER (WHERE location_status = 'outside') AS outside_every_area,
        avg((confidence = 'high')::INT) AS share_classified_high,
        avg((confidence = 'medium')::INT) AS share_classified_medium,
        avg((confidence = 'low')::INT) AS share_classified_low,
        avg((iccs_code IS NULL)::INT) AS share_unclassified
        FROM incidents GROUP BY source ORDER BY source""",
    )


def _duplicates(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rejected = con.execute(
        """SELECT coalesce(sum(TRY_CAST(json_extract(summary, '$.problems.rejected.duplicate_row')
                                   AS BIGINT)), 0),
                  coalesce(sum(TRY_CAST(json_extract(summary, '$.problems.rejected.duplicate_key')
                                   AS BIGINT)), 0)
        FROM (SELECT * FROM ingest_runs QUALIFY row_number() OVER (
              PARTITION BY kind, file_sha256 ORDER BY started_at DESC) = 1)"""
    ).fetchone()
    possible = _rows(
        con,
        """SELECT source, occurred_on, occurred_time, local_category, lon, lat,
        count(*) AS n, list(incident_id ORDER BY incident_id)[:10] AS incident_ids
        FROM incidents WHERE lon IS NOT NULL AND occurred_time IS NOT NULL
        GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC LIMIT 50""",
    )
    return {
        "rejected_identical_rows": int(rejected[0]) if rejected else 0,
        "rejected_conflicting_ids": int(rejected[1]) if rejected else 0,
        "possible_duplicates": possible,
        "possible_duplicate_groups": len(possible),
    }


def _repeated_coordinates(con: duckdb.DuckDBPyConnection, min_repeats: int) -> list[dict[str, Any]]:
    """Exact coordinates shared by many incidents: geocoder defaults, hospitals, stations."""
    return _rows(
        con,
        """WITH stacks AS (
            SELECT lon, lat, count(*) AS n, count(DISTINCT local_category) AS categories,
                   mode(local_category) AS main_category,
                   any_value(area_id) AS area_id,
                   min(occurred_on) AS first_date, max(occurred_on) AS last_date
            FROM incidents WHERE lon IS NOT NULL GROUP BY lon, lat HAVING count(*) >= ?)
        SELECT s.lon, s.lat, s.n, s.n / (SELECT count(*) FROM incidents WHERE lon IS NOT NULL)
               AS share, s.categories, s.main_category, s.area_id, a.name AS area_name,
               s.first_date, s.last_date
        FROM stacks s LEFT JOIN areas a USING (area_id) ORDER BY s.n DESC""",
        [min_repeats],
    )


def _missing_months(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Months with no incidents, or far fewer than the source's median month."""
    return _rows(
        con,
        f"""WITH monthly AS (
            SELECT source, date_trunc('month', occurred_on) AS month, count(*) AS n
            FROM incidents GROUP BY ALL),
        span AS (SELECT source, min(month) AS lo, max(month) AS hi, median(n) AS med
                 FROM monthly GROUP BY source),
        calendar AS (SELECT source, med, unnest(generate_series(lo, hi, INTERVAL 1 MONTH)) AS month
                     FROM span)
        SELECT c.source, CAST(c.month AS DATE) AS month, coalesce(m.n, 0) AS incidents,
               c.med AS median_month
        FROM calendar c LEFT JOIN monthly m USING (source, month)
        WHERE coalesce(m.n, 0) < {GAP_SHARE} * c.med ORDER BY c.source, month""",
    )
