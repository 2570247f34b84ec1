"""The end-to-end demo on the synthetic fixture city (what ``make demo`` runs).

Builds "Villa Esperanza" into a fresh workspace, ingests its areas, population and police
incidents, writes the data-quality report and a top-line indicator table, and returns where the
outputs are. Later stages of the audit (hotspots, alerts, survey, reports, portal) join here as
they land.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from barrio.errors import WorkspaceError
from barrio.i18n import _

MARKER = ".barrio-demo"


def run_demo(directory: Path, *, size: str = "full", seed: int = 2020) -> dict[str, Any]:
    """Build the fixture city in ``directory`` and run every available stage on it."""
    from barrio.fixtures import build_city
    from barrio.ingest.quality import quality_report
    from barrio.ingest.service import ingest
    from barrio.workspace import Workspace

    directory = Path(directory)
    if (directory / "barrio.toml").exists():
        if not (directory / MARKER).exists():
            raise WorkspaceError(
                _("{path} holds a workspace that the demo did not create", path=directory),
                hint=_("Give the demo another folder."),
                path=str(directory),
            )
        shutil.rmtree(directory)
    ws = Workspace.init(directory, name="Villa Esperanza", crs="EPSG:32614", locale="es")
    (directory / MARKER).write_text("created by barrio demo\n", encoding="utf-8")
    city = build_city(ws.sources, size=size, seed=seed)  # type: ignore[arg-type]
    runs = [
        ingest(ws, "areas", city.areas).to_dict(),
        ingest(ws, "population", city.population, mapping="fixture-population").to_dict(),
        ingest(ws, "incidents", city.incidents, mapping="fixture-incidents").to_dict(),
    ]
    report = quality_report(ws)
    (ws.out / "quality.json").write_text(
        json.dumps(report, default=str, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    topline = topline_indicators(ws)
    _write_csv(topline, ws.out / "topline_indicators.csv")
    indicators = _indicators(ws)
    return {
        "ingest": runs,
        "quality": report,
        "topline": topline,
        "outputs": {
            "workspace": str(ws.root),
            "warehouse": str(ws.warehouse_path),
            "rejected rows": str(ws.rejects),
            "quality report": str(ws.out / "quality.json"),
            "indicator table": str(ws.out / "topline_indicators.csv"),
            "indicators (all levels, by sex and age)": indicators["table"],
            "open SDG data": indicators["opensdg"],
        },
    }


def _indicators(ws: Any) -> dict[str, str]:
    """The catalog's indicators by year, sex and age at every level, and their Open SDG files."""
    from barrio.export.opensdg import write
    from barrio.i18n import current_locale
    from barrio.indicators.catalog import load_catalog
    from barrio.indicators.service import compute

    table = compute(ws, period="year", by=["sex", "age_group"])
    path = ws.out / "indicators.csv"
    table.to_csv(path, index=False)
    write(table, list(load_catalog(ws.root).values()), ws.out / "opensdg", current_locale())
    return {"table": str(path), "opensdg": str(ws.out / "opensdg")}


def topline_indicators(workspace: Any) -> list[dict[str, Any]]:
    """City-wide incidents and crude rate per 100,000 by ICCS code and year.

    The population of the latest census/projection year not after the incident year is used
    (the full indicators engine, with intervals and interpolation, is ``barrio indicators``).
    """
    from barrio.warehouse.duck import connect

    with connect(workspace.warehouse_path) as con:
        cursor = con.execute(
            """WITH pop AS (
                SELECT year, sum(population) AS population FROM population
                WHERE sex <> 'total' AND age_group <> 'total' GROUP BY year),
            inc AS (
                SELECT iccs_code, min(local_category) AS category,
                       year(occurred_on) AS year, count(*) AS incidents
                FROM incidents GROUP BY iccs_code, year(occurred_on))
            SELECT i.iccs_code, i.category, i.year, i.incidents,
                   100000.0 * i.incidents / (SELECT p.population FROM pop p
                        WHERE p.year <= i.year ORDER BY p.year DESC LIMIT 1) AS rate_per_100k
            FROM inc i ORDER BY i.iccs_code NULLS LAST, i.year"""
        )
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return _with_iccs_names(rows)


def _with_iccs_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Name each row by its ICCS code (in the current language); unclassified rows keep theirs."""
    from barrio.classify import load_iccs
    from barrio.i18n import current_locale

    iccs = load_iccs().set_index("code")
    column = "name_es" if current_locale() == "es" else "name_en"
    for row in rows:
        code = row["iccs_code"]
        if code in iccs.index and isinstance(iccs.at[code, column], str):
            row["category"] = iccs.at[code, column]
    return rows


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        if not rows:
            return
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
