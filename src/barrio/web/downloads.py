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
AGENCY = "BARRIO"
SDMX_DIMENSIONS = ("INDICATOR", "REF_AREA", "TIME_PERIOD", "SEX", "AGE")
SEX_CODES = {"F": "F", "M": "M", "total": "_T", "unknown": "_U"}


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


def to_sdmx_csv(table: pd.DataFrame, dataflow: str, version: str = "1.0") -> bytes:
    """SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions, OBS_VALUE, attributes.

    ``STRUCTURE`` is ``dataflow``, ``ACTION`` is ``I`` (information), sex uses the SDMX code
    list CL_SEX (F, M, _T, _U), the year is the TIME_PERIOD, and suppressed cells have an empty
    OBS_VALUE with ``CONF_STATUS=C`` (confidential; ``F`` = free otherwise).
    """
    try:  # the shared SDMX writer, when installed, decides the layout
        from barrio.export import sdmx  # type: ignore[attr-defined,unused-ignore]

        writer = getattr(sdmx, "indicator_table_csv", None)
        if writer is not None:
            return bytes(writer(table, dataflow=dataflow, version=version))
    except ImportError:
        pass
    period = pd.to_datetime(table["period_start"].astype(str))
    out = pd.DataFrame(
        {
            "STRUCTURE": "dataflow",
            "STRUCTURE_ID": f"{AGENCY}:{dataflow}({version})",
            "ACTION": "I",
            "INDICATOR": table.get("indicator_id", dataflow),
            "REF_AREA": table["area_id"],
            "TIME_PERIOD": period.dt.year.astype(str),
            "SEX": table["sex"].map(SEX_CODES).fillna(table["sex"]),
            "AGE": table["age_group"].replace({"total": "_T", "unknown": "_U"}),
            "OBS_VALUE": table["value"],
            "LOWER_BOUND": table["lower"],
            "UPPER_BOUND": table["upper"],
            "CONF_STATUS": table["suppressed"].map({True: "C", False: "F"}).fillna("F"),
        }
    )
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode("utf-8")
