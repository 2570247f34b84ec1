"""Downloads of the indicator table shown on the page: CSV, JSON, GeoJSON and SDMX-CSV.

All four are built from the same protected rows as the page's table (see
:mod:`barrio.web.indicator_view`), so a download always matches what the page shows.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "geojson": ("application/geo+json", "geojson"),
    "sdmx": ("application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8", "sdmx.csv"),
}


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out["period_start"] = out["period_start"].astype(str)
    return out


def to_csv(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (empty cells for suppressed values)."""
    buffer = io.StringIO()
    _plain(table).to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode("utf-8")


def to_json(table: pd.DataFrame, meta: dict[str, Any]) -> bytes:
    """``{"metadata": ..., "rows": [...]}`` with suppressed values as null."""
    from barrio.web.public_data import records

    document = {"metadata": meta, "rows": records(_plain(table))}
    return json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")


def to_geojson(table: pd.DataFrame, shapes: Any, meta: dict[str, Any]) -> bytes:
    """A FeatureCollection: one feature per area with the table's columns as properties."""
    merged = shapes[["area_id", "geometry"]].merge(_plain(table), on="area_id", how="inner")
    merged = merged.astype({"suppressed": "bool"})
    document = json.loads(merged.to_json(na="null", show_bbox=False, drop_id=True))
    document["metadata"] = meta
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def to_sdmx_csv(table: pd.DataFrame, indicator: Any) -> bytes:
    """SDMX-CSV 2.0 of the page's table in the structure of ``barrio export sdmx``.

    Same dataflow, dimensions and codes as the open-data export (:mod:`barrio.export.sdmx`): one
    count (``UNIT_MEASURE=NUMBER``) and one rate (``PER_100K``) per cell; suppressed cells have
    an empty OBS_VALUE with CONF_STATUS ``C`` (primary) or ``D`` (complementary).
    """
    from barrio.export import sdmx

    rows = table.assign(period_type="year", suppressed=table["suppression"])
    obs = sdmx.observations(rows, [indicator])
    obs.insert(0, "ACTION", "I")
    obs.insert(0, "STRUCTURE_ID", f"{sdmx.AGENCY}:{sdmx.DSD_ID}({sdmx.VERSION})")
    obs.insert(0, "STRUCTURE", "datastructure")
    buffer = io.StringIO()
    obs.to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode("utf-8")
