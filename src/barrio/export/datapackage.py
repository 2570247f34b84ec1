"""Frictionless data package: CSV tables plus a ``datapackage.json`` describing them.

Follows the Frictionless *Data Package* and *Table Schema* specifications (v1,
specs.frictionlessdata.io): a ``tabular-data-package`` whose resources are CSV files, each
with a schema listing its fields (name, type, description, constraints), its primary key and
foreign keys. Written by hand; no Frictionless library is needed to produce or to read it.

Resources: ``indicators`` (the annual indicator table, after disclosure control when public),
``areas`` (codes, names, levels and parents; no geometry — see the GeoPackage export) and
``catalog`` (what each indicator counts).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from barrio.indicators.catalog import Indicator
from barrio.schema.tables import INDICATORS

SQL_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "DOUBLE": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
}
SUPPRESSED_FIELD = {
    "name": "suppressed",
    "type": "string",
    "description": "disclosure control: primary or complementary suppression, empty if published",
    "constraints": {"enum": ["", "primary", "complementary"]},
}
AREA_FIELDS = [
    {"name": "area_id", "type": "string", "description": "area code",
     "constraints": {"required": True, "unique": True}},
    {"name": "name", "type": "string", "description": "area name"},
    {"name": "level", "type": "string", "description": "area level"},
    {"name": "parent_id", "type": "string", "description": "code of the enclosing area"},
]  # fmt: skip
CATALOG_FIELDS = [
    {"name": "id", "type": "string", "description": "indicator id",
     "constraints": {"required": True, "unique": True}},
    {"name": "name", "type": "string", "description": "indicator name"},
    {"name": "unit", "type": "string", "description": "unit of the rate"},
    {"name": "iccs", "type": "string", "description": "ICCS codes counted (* = all)"},
    {"name": "sdg", "type": "string", "description": "SDG indicator fed"},
    {"name": "sensitive", "type": "boolean", "description": "protected at every level"},
]  # fmt: skip


def indicator_schema(public: bool) -> dict[str, Any]:
    """Table Schema of the indicator table (from Barrio's canonical table definition)."""
    fields: list[dict[str, Any]] = [
        {"name": c.name, "type": SQL_TYPES[c.sql_type], "description": c.description}
        for c in INDICATORS.columns
        if c.name != "run_id"
    ]
    for f in fields:
        if f["name"] in INDICATORS.key:
            f["constraints"] = {"required": True}
    if public:
        fields.append(SUPPRESSED_FIELD)
    return {
        "fields": fields,
        "primaryKey": list(INDICATORS.key),
        "foreignKeys": [
            {"fields": "area_id", "reference": {"resource": "areas", "fields": "area_id"}},
            {"fields": "indicator_id", "reference": {"resource": "catalog", "fields": "id"}},
        ],
        "missingValues": [""],
    }


def _csv(frame: pd.DataFrame, schema: dict[str, Any], path: Path) -> None:
    """Write ``frame``'s schema fields in order, dates as ISO, booleans as true/false."""
    out = pd.DataFrame(index=frame.index)
    for f in schema["fields"]:
        col = frame[f["name"]] if f["name"] in frame.columns else pd.Series(None, frame.index)
        if f["type"] == "date":
            col = pd.to_datetime(col).dt.strftime("%Y-%m-%d")
        elif f["type"] == "boolean":
            col = col.astype("boolean").map({True: "true", False: "false"})
        elif f["type"] == "integer":
            col = col.astype("Int64")
        out[f["name"]] = col
    out.to_csv(path, index=False, encoding="utf-8")


def _resource(name: str, title: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def write(
    table: pd.DataFrame,
    indicators: list[Indicator],
    areas: pd.DataFrame,
    outdir: Path,
    *,
    name: str,
    public: bool,
    lang: str = "en",
    protection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the CSVs and ``datapackage.json`` into ``outdir``; return what was written."""
    from barrio import __version__

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    schemas = {
        "indicators": indicator_schema(public),
        "areas": {"fields": AREA_FIELDS, "primaryKey": ["area_id"], "missingValues": [""]},
        "catalog": {"fields": CATALOG_FIELDS, "primaryKey": ["id"], "missingValues": [""]},
    }
    catalog = pd.DataFrame([i.to_dict(lang) for i in indicators])
    _csv(table.sort_values(list(INDICATORS.key)), schemas["indicators"], outdir / "indicators.csv")
    _csv(areas, schemas["areas"], outdir / "areas.csv")
    _csv(catalog, schemas["catalog"], outdir / "catalog.csv")
    package = {
        "profile": "tabular-data-package",
        "name": _slug(name),
        "title": name,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": f"Barrio {__version__}"}],
        "barrio:disclosure": protection or {"public": False},
        "resources": [
            _resource("indicators", "Crime indicators", schemas["indicators"]),
            _resource("areas", "Areas", schemas["areas"]),
            _resource("catalog", "Indicator catalog", schemas["catalog"]),
        ],
    }
    (outdir / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return {"path": str(outdir / "datapackage.json"), "rows": len(table)}


def _slug(name: str) -> str:
    """A package name: lower case, digits, ``-``, ``_`` and ``.`` only (the spec's pattern)."""
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]+", "-", ascii_name.lower()).strip("-") or "barrio"
