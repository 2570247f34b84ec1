"""Ibis queries run unchanged on every engine; their results must be identical.

Each query returns plain Python rows (tuples) in a canonical order, so that engines are compared
value by value, with no engine-specific dtype or ordering (PostgreSQL sorts text by its
collation, DuckDB and Spark by bytes) in the way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import numpy as np
import shapely
from ibis import _

Rows = list[tuple[Any, ...]]


def _rows(expr: ibis.Table) -> Rows:
    table = expr.to_pyarrow()
    rows = [tuple(r.values()) for r in table.to_pylist()]
    return sorted(rows, key=lambda r: tuple((v is None, v if v is not None else 0) for v in r))


def row_counts(con: ibis.BaseBackend) -> Rows:
    names = ("areas", "population", "incidents", "counts", "area_ancestors")
    return [(n, int(con.table(n).count().execute())) for n in names]


def population_by_year(con: ibis.BaseBackend) -> Rows:
    pop = con.table("population")
    return _rows(
        pop.filter((pop.sex != "total") & (pop.age_group != "total"))
        .group_by("year")
        .agg(population=pop.population.sum())
    )


def incidents_by_area_month(con: ibis.BaseBackend) -> Rows:
    inc = con.table("incidents")
    return _rows(
        inc.mutate(month=inc.occurred_on.truncate("M"))
        .group_by(["area_id", "month"])
        .agg(n=_.count(), attempted=_.attempted.sum(), victims_f=(_.victim_sex == "F").sum())
    )


def incidents_by_district_code(con: ibis.BaseBackend) -> Rows:
    """Roll incidents up the hierarchy with one join: ICCS code x district x year."""
    inc = con.table("incidents")
    anc = con.table("area_ancestors")
    joined = inc.join(anc, inc.area_id == anc.area_id).filter(anc.ancestor_level == "district")
    return _rows(
        joined.group_by(
            [joined.ancestor_id, joined.iccs_code, joined.occurred_on.year().name("year")]
        ).agg(n=_.count())
    )


def incidents_by_hour(con: ibis.BaseBackend) -> Rows:
    inc = con.table("incidents")
    return _rows(inc.group_by(hour=inc.occurred_time.hour()).agg(n=_.count()))


def ancestors(con: ibis.BaseBackend) -> Rows:
    return _rows(con.table("area_ancestors"))


def incident_values(con: ibis.BaseBackend) -> Rows:
    """Every incident's typed values: dates, strings with leading zeros, booleans, doubles."""
    inc = con.table("incidents")
    return _rows(
        inc.select(
            "source",
            "incident_id",
            "occurred_on",
            "local_category",
            "iccs_code",
            "attempted",
            "lon",
            "lat",
            "area_id",
            "victim_sex",
            "victim_age",
            "location_status",
            "source_row",
        )
    )


def count_values(con: ibis.BaseBackend) -> Rows:
    return _rows(con.table("counts").drop("ingest_run", "row_hash"))


def area_values(con: ibis.BaseBackend) -> Rows:
    return _rows(con.table("areas").drop("geometry", "ingest_run", "row_hash"))


QUERIES: dict[str, Callable[[ibis.BaseBackend], Rows]] = {
    "row_counts": row_counts,
    "population_by_year": population_by_year,
    "incidents_by_area_month": incidents_by_area_month,
    "incidents_by_district_code": incidents_by_district_code,
    "incidents_by_hour": incidents_by_hour,
    "ancestors": ancestors,
    "incident_values": incident_values,
    "count_values": count_values,
    "area_values": area_values,
}


def run_all(con: ibis.BaseBackend) -> dict[str, Rows]:
    return {name: query(con) for name, query in QUERIES.items()}


def boundary_points(polygons: np.ndarray) -> np.ndarray:
    """Unique vertices and edge midpoints of the polygons' boundaries."""
    rings = shapely.get_parts(shapely.boundary(polygons))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    middles = (xy[1:][same] + xy[:-1][same]) / 2
    return np.unique(np.concatenate([xy, middles]), axis=0)
