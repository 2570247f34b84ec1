"""ICCS classification of staged incidents and counts (coordinates: see ``locate``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from barrio.ingest.locate import load_area_index
from barrio.ingest.problems import FLAGGED

__all__ = ["Fragment", "classify", "load_area_index"]


@dataclass
class Fragment:
    """Part of the final SELECT: a join onto ``__staged s`` and the columns it provides."""

    join: str
    columns: dict[str, str] = field(default_factory=dict)


def classify(
    con: duckdb.DuckDBPyConnection,
    mapping_name: str | None,
    accepted: str,
    *,
    victim_columns: bool = True,
) -> Fragment:
    """Classify the categories of accepted rows; flag rows whose category is unknown.

    Registers ``__cats`` (one row per distinct local category) and returns its join. With
    ``victim_columns`` (incidents), the mapping's attempted flag and victim sex (e.g.
    feminicide implies a female victim) fill the row's values when those are blank.
    """
    categories = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT local_category FROM __staged WHERE {accepted}"
        ).fetchall()
    ]
    # a real (tiny) table, so that the planner knows to build the join's hash table on it
    con.register("__cats_arrow", _category_table(mapping_name, categories))
    con.execute("CREATE TEMP TABLE __cats AS SELECT * FROM __cats_arrow")
    con.unregister("__cats_arrow")
    columns = {
        "iccs_code": "c.c_iccs",
        "tags": "NULLIF(c.c_tags, '')",
        "confidence": "c.c_confidence",
    }
    if victim_columns:
        columns["attempted"] = "COALESCE(s.attempted, c.c_attempted)"
        columns["victim_sex"] = "COALESCE(s.victim_sex, c.c_sex)"
    if mapping_name:
        con.execute(
            f"""INSERT INTO __problems SELECT __row, 'local_category', local_category,
               'unknown_category', '{FLAGGED}', NULL FROM __staged
            WHERE {accepted}
              AND local_category IN (SELECT local_category FROM __cats WHERE c_iccs IS NULL)"""
        )
    return Fragment("LEFT JOIN __cats c ON c.local_category = s.local_category", columns)


def _category_table(mapping_name: str | None, categories: list[str]) -> pa.Table:
    if not mapping_name:
        empty = pa.nulls(len(categories))
        return pa.table(
            {
                "local_category": pa.array(categories, pa.string()),
                "c_iccs": empty.cast(pa.string()),
                "c_attempted": empty.cast(pa.bool_()),
                "c_sex": empty.cast(pa.string()),
                "c_tags": empty.cast(pa.string()),
                "c_confidence": empty.cast(pa.string()),
            }
        )
    import pandas as pd

    from barrio.classify import load_mapping

    applied = load_mapping(mapping_name).apply(pd.Series(categories, dtype="object"))
    return pa.table(
        {
            "local_category": pa.array(categories, pa.string()),
            "c_iccs": pa.array(_nullable(applied["iccs_code"]), pa.string()),
            "c_attempted": pa.array(_nullable(applied["attempted"]), pa.bool_()),
            "c_sex": pa.array(_nullable(applied["victim_sex"]), pa.string()),
            "c_tags": pa.array(_nullable(applied["tags"]), pa.string()),
            "c_confidence": pa.array(_nullable(applied["confidence"]), pa.string()),
        }
    )


def _nullable(values: object) -> list[object]:
    import pandas as pd

    return [None if pd.isna(v) else v for v in values]  # type: ignore[attr-defined]
