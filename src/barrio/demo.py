"""The end-to-end demo on the synthetic fixture city (what ``make demo`` runs).

Builds "Villa Esperanza" into a fresh workspace, ingests its areas, population and police
incidents, writes the data-quality report, the top-line and full indicator tables, then runs the
audit the way an observatory would: the priority neighbourhoods (``barrio select``), the
early-warning alerts (``barrio warn``), the participatory diagnosis of the priority
neighbourhoods and the risk matrix (``barrio diagnosis import``, ``barrio risk``), the
recommendations register and its monitoring summary (``barrio recs import``, ``recs summary``)
and the assessment of the city's strategy (``barrio assess``). Each stage is a small function
that calls the same service functions as its command; nothing here computes anything itself.
It ends by writing the findings report (``barrio report findings``) as HTML and PDF.
Later stages (survey, portal) join here as they land.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from barrio.errors import WorkspaceError
from barrio.i18n import _

MARKER = ".barrio-demo"
# Months evaluated by the early-warning stage: the latest four (2024-09..2024-12 on the fixture
# city), so the outbreak planted in 2024-09 is in the window; the FDR control is per month.
ALERT_MONTHS = 4


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
    outputs = {
        "workspace": str(ws.root),
        "warehouse": str(ws.warehouse_path),
        "rejected rows": str(ws.rejects),
        "quality report": str(ws.out / "quality.json"),
        "indicator table": str(ws.out / "topline_indicators.csv"),
        "indicators (all levels, by sex and age)": indicators["table"],
        "open SDG data": indicators["opensdg"],
    }
    priority = _priority(ws)
    outputs["priority neighbourhoods"] = priority["file"]
    alerts = _alerts(ws)
    outputs["early-warning alerts"] = alerts["file"]
    from barrio.store import open_store, workspace_store_url

    with open_store(workspace_store_url(ws)) as store:
        diagnosis = _diagnosis(ws, store, priority.pop("centroids"), priority["selected"], seed)
        outputs["diagnosis"] = diagnosis["file"]
        outputs["risk matrix"] = diagnosis["risk_matrix"]
        recommendations = _recommendations(ws, store, priority["selected"], seed)
        outputs["recommendations"] = recommendations["source"]
        outputs["recommendations summary"] = recommendations["file"]
        assessment = _assessment(ws, store, seed)
        outputs["strategy assessment"] = assessment["file"]
    outputs["application store"] = _shown_url(workspace_store_url(ws))
    findings = _findings_report(ws)
    outputs["findings report (HTML)"] = findings["files"]["html"]
    outputs["findings report (PDF)"] = findings["files"].get("pdf") or findings["pdf_error"]
    return {
        "ingest": runs,
        "quality": report,
        "topline": topline,
        "priority": priority,
        "alerts": alerts,
        "diagnosis": diagnosis,
        "recommendations": recommendations,
        "assessment": assessment,
        "findings_report": findings,
        "outputs": outputs,
    }


def _shown_url(url: str) -> str:
    """A store path as is, a server URL without its password."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _priority(ws: Any) -> dict[str, Any]:
    """``barrio select``: the workspace's priority neighbourhoods, to ``out/priority.gpkg``."""
    from barrio.spatial.selection import select_workspace

    chosen = select_workspace(ws)
    table = chosen.result.table
    selected = table[table["selected"]].sort_values("rank")
    return {
        "selected": [str(a) for a in chosen.result.selected],
        "excluded": len(chosen.excluded),
        "rows": selected[["area_id", "name", "rank", "index", "stability"]].to_dict("records"),
        "file": str(chosen.output),
        "centroids": _centroids(selected),
    }


def _centroids(areas: Any) -> dict[str, tuple[float, float]]:
    """(lon, lat) of each area's centroid, taken in the projected CRS."""
    points = areas.geometry.centroid.to_crs("EPSG:4326")
    return {str(a): (p.x, p.y) for a, p in zip(areas["area_id"], points, strict=True)}


def _alerts(ws: Any) -> dict[str, Any]:
    """``barrio warn``: Farrington-flexible alerts of the latest months, to ``out/alerts.csv``."""
    from barrio.alerts.service import warn_workspace
    from barrio.i18n import current_locale

    path = ws.out / "alerts.csv"
    result = warn_workspace(ws, last=ALERT_MONTHS, output=path, locale=current_locale())
    rows = [row for row in result.pop("rows") if row["alert"]]
    keep = ("area_id", "area_name", "iccs_code", "crime", "period", "observed", "expected")
    return {
        **{k: result[k] for k in ("method", "series", "alarms", "alerts")},
        "months": ALERT_MONTHS,
        "rows": [{k: row.get(k) for k in keep} for row in rows],
        "file": str(path),
    }


def _diagnosis(
    ws: Any, store: Any, centroids: dict[str, Any], selected: list[str], seed: int
) -> dict[str, Any]:
    """The participatory diagnosis of the priority neighbourhoods (the fixture's workbook, whose
    threat levels follow the recorded rates), imported into the store; then ``barrio risk``."""
    from barrio.audit.codebook import load_codebook
    from barrio.audit.crime_rates import crime_rates_by_theme
    from barrio.audit.diagnosis_store import import_diagnosis
    from barrio.audit.recs_workspace import known_areas
    from barrio.audit.risk_service import build_risk_matrix
    from barrio.fixtures.diagnosis import build_diagnosis

    book = load_codebook(workspace_root=ws.root)
    rates = crime_rates_by_theme(ws, book)
    fixture = build_diagnosis(ws.sources, selected, seed=seed, rates=rates, centroids=centroids)
    imported = import_diagnosis(
        store, [fixture.path], codebook=book, known_areas=known_areas(ws), rejects_dir=ws.rejects
    )
    risk = build_risk_matrix(ws, store, book)
    return {
        "activities": imported["activities"],
        "findings": imported["findings"],
        "risk_rows": len(risk["rows"]),
        "risk_top": [
            {k: row[k] for k in ("rank", "area_name", "theme_name", "score")}
            for row in risk["rows"][:5]
        ],
        "warnings": risk["warnings"],
        "file": str(fixture.path),
        "risk_matrix": risk["file"],
    }


def _recommendations(ws: Any, store: Any, neighborhoods: list[str], seed: int) -> dict[str, Any]:
    """The fixture register about the priority neighbourhoods (``barrio recs import``) and its
    monitoring summary on the last monitored day (``barrio recs summary``)."""
    from barrio.audit.recs_import import import_register
    from barrio.audit.recs_query import summary
    from barrio.audit.recs_workspace import codebook_themes, known_areas
    from barrio.fixtures.recommendations import MONITORED_UNTIL, write_recommendations
    from barrio.ingest.pipeline import new_run_id

    source = ws.sources / "recomendaciones"
    write_recommendations(source, seed=seed, neighborhoods=neighborhoods)
    with store.session() as session:
        imported = import_register(
            session, source, known_areas=known_areas(ws), themes=codebook_themes(ws),
            rejects_dir=ws.rejects, run_id=new_run_id("recommendations"),
        ).to_dict()  # fmt: skip
        overview = summary(session, at=MONITORED_UNTIL).to_dict()
    path = ws.out / "recommendations_summary.json"
    path.write_text(
        json.dumps(overview, default=str, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return {
        "counts": imported["counts"],
        "total": overview["total"],
        "at": overview["at"],
        "by_status": overview["by_status"],
        "source": str(source),
        "file": str(path),
    }


def _assessment(ws: Any, store: Any, seed: int) -> dict[str, Any]:
    """``barrio assess``: the fixture's filled assessment of the city's strategy, stored and
    scored (recommendations drafted for the weak items), to ``out/assessment.json``."""
    from barrio.audit.assessment import load_instrument
    from barrio.audit.assessment_store import read_assessment, save_assessment
    from barrio.fixtures.assessment import build_assessment

    fixture = build_assessment(ws.sources, seed=seed)
    meta, levels = read_assessment(fixture.path)
    result = save_assessment(store, meta, levels, load_instrument())
    path = ws.out / "assessment.json"
    path.write_text(json.dumps(result, default=str, ensure_ascii=False, indent=2), encoding="utf-8")
    return {**result, "file": str(path)}


def _findings_report(ws: Any) -> dict[str, Any]:
    """``barrio report findings --format html --format pdf`` in the workspace language.

    Without WeasyPrint or the system's Pango the demo still writes the HTML report and says why
    the PDF is missing.
    """
    from barrio.report.render_pdf import PdfUnavailableError
    from barrio.report.service import build_report

    try:
        return build_report(ws, "findings", formats=("html", "pdf"))
    except PdfUnavailableError as exc:
        result = build_report(ws, "findings", formats=("html",))
        return {**result, "pdf_error": f"{exc.message} ({exc.hint})"}


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
