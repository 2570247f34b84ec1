"""``barrio export``: read the annual indicator table of a workspace, protect it when the
output is public, and hand it to one writer (Open SDG, SDMX, GeoPackage, data package).

Every export writes ``manifest.json`` next to its files: format, indicators, whether it is
public, the disclosure settings and what they hid, the Barrio version (DESIGN principle 6).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from barrio.errors import ConfigError
from barrio.i18n import _, current_locale
from barrio.workspace import Workspace

FORMATS = ("opensdg", "sdmx", "geopackage", "datapackage")


def annual_table(ws: Workspace, ids: list[str] | None) -> pd.DataFrame:
    """The stored annual indicator table (computed by sex and age at every level if missing)."""
    from barrio.indicators.service import compute, stored_table

    table = stored_table(ws, ids=ids, period="year")
    if table.empty:
        table = compute(ws, ids=ids, period="year", by=["sex", "age_group"])
    return table


def areas(ws: Workspace, geometry: bool = False) -> pd.DataFrame:
    """The workspace's areas (``geometry`` as WKB when asked)."""
    from barrio.warehouse.duck import connect

    cols = "area_id, name, level, parent_id" + (", geometry" if geometry else "")
    with connect(ws.warehouse_path, read_only=True) as con:
        return con.execute(f"SELECT {cols} FROM areas ORDER BY area_id").df()


def export(
    ws: Workspace,
    fmt: str,
    outdir: Path,
    *,
    ids: list[str] | None = None,
    public: bool = False,
    year: int | None = None,
) -> dict[str, Any]:
    """Write one export of the workspace into ``outdir``; return what was written."""
    from barrio.indicators.catalog import load_catalog, select

    if fmt not in FORMATS:
        raise ConfigError(
            _("unknown export format {fmt}; expected one of: {formats}", fmt=fmt,
              formats=", ".join(FORMATS)),
            hint=_("Run barrio export --help."),
        )  # fmt: skip
    indicators = select(load_catalog(ws.root), ids)
    table = annual_table(ws, ids)
    protection = None
    if public:
        from barrio.disclosure.service import public_indicators

        protected = public_indicators(ws, table)
        table, protection = protected.table, protected.summary()
    outdir = Path(outdir)
    written = _write(ws, fmt, table, indicators, outdir, protection=protection, year=year)
    manifest = _manifest(fmt, indicators, public, protection, written)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return manifest


def _write(
    ws: Workspace,
    fmt: str,
    table: pd.DataFrame,
    indicators: list[Any],
    outdir: Path,
    *,
    protection: dict[str, Any] | None,
    year: int | None,
) -> Any:
    lang = current_locale()
    if fmt == "opensdg":
        from barrio.export import opensdg

        return opensdg.write(table, indicators, outdir, lang=lang, k=ws.config.disclosure.k)
    if fmt == "sdmx":
        from barrio.export import sdmx

        return sdmx.write(table, indicators, areas(ws), outdir, lang=lang)
    if fmt == "geopackage":
        from barrio.export import geopackage

        return geopackage.write(table, areas(ws, geometry=True), outdir / "areas.gpkg", year)
    from barrio.export import datapackage

    return datapackage.write(
        table, indicators, areas(ws), outdir, name=ws.config.name, public=protection is not None,
        lang=lang, protection=protection,
    )  # fmt: skip


def _manifest(
    fmt: str,
    indicators: list[Any],
    public: bool,
    protection: dict[str, Any] | None,
    written: Any,
) -> dict[str, Any]:
    from barrio import __version__

    return {
        "format": fmt,
        "barrio_version": __version__,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "indicators": [i.id for i in indicators],
        "public": public,
        "disclosure": protection,
        "written": written,
    }
