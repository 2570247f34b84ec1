"""The public edition (disclosure control, public register view) and the survey section's
precision colouring (INEGI CV bands), on a copy of the demo city, in Spanish."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def city(report_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("public") / "city"
    shutil.copytree(report_city, root)
    # Estimates as barrio survey estimate writes them, one per precision band.
    pd.DataFrame({
        "statistic": ["proportion"] * 3, "variable": ["victim", "reported", "trust_police"],
        "level": ["1", "1", "1"], "estimate": [0.28, 0.11, 0.04], "se": [0.01, 0.02, 0.015],
        "ci_low": [0.26, 0.07, 0.01], "ci_high": [0.30, 0.15, 0.07],
        "cv": [3.6, 18.2, 37.5], "n": [900, 250, 120], "df": [60, 60, 60],
        "quality": ["high", "moderate", "low"],
    }).to_csv(root / "out" / "survey_estimates.csv", index=False)  # fmt: skip
    return root


@pytest.fixture(scope="module")
def public_report(city: Path) -> dict:
    from barrio.report.service import build_report
    from barrio.workspace import Workspace

    return build_report(Workspace.open(city), "findings", formats=("html", "xlsx"), lang="es",
                        public=True)  # fmt: skip


def test_survey_rows_coloured_by_precision(public_report):
    from openpyxl import load_workbook

    assert "survey" in public_report["sections"]
    sheet = load_workbook(public_report["files"]["xlsx"])["Estimaciones de la encuesta"]
    header = [c.value for c in sheet[1]]
    fills = {
        row[header.index("Variable")].value: row[0].fill.fgColor.rgb
        for row in sheet.iter_rows(min_row=2)
    }
    assert fills["victim"] in ("00000000", None)  # high precision: no colour
    assert fills["reported"].endswith("FFF3B0")  # moderate: yellow
    assert fills["trust_police"].endswith("F8C4B4")  # low: red
    html = Path(public_report["files"]["html"]).read_text("utf-8")
    assert 'class="quality-moderate"' in html
    assert 'class="quality-low"' in html


def test_spanish_workbook(public_report):
    from openpyxl import load_workbook

    book = load_workbook(public_report["files"]["xlsx"])
    assert book.sheetnames[0] == "Acerca de"
    assert "Indicadores" in book.sheetnames
    assert book["Acerca de"]["B4"].value == "pública"


def test_public_edition_protects_the_indicator_table(public_report, city: Path):
    from barrio.report.gather import ReportContext
    from barrio.report.sections.incidence import indicator_table
    from barrio.workspace import Workspace

    ws = Workspace.open(city)
    keys = ["indicator_id", "area_id", "period_start"]
    internal = indicator_table(ReportContext(ws, "en"))
    shown = indicator_table(ReportContext(ws, "en", public=True))
    both = internal.merge(shown, on=keys, suffixes=("", "_public"), validate="one_to_one")
    assert len(both) == len(internal) == len(shown)
    k = ws.config.disclosure.k
    sensitive = both["indicator_id"].isin({"family-violence", "sexual-violence"})
    public = both["numerator_public"]
    assert not (sensitive & (public > 0) & (public < k)).any()
    small = sensitive & (both["numerator"] > 0) & (both["numerator"] < k)
    assert small.sum() > 0
    assert public[small].isna().all()  # every small sensitive cell hidden ...
    hidden = public.isna() & both["numerator"].notna()
    derived = ["value_public", "lower_public", "upper_public"]
    assert both.loc[hidden, derived].isna().all().all()  # ... with its rate and interval
    assert (both.loc[~hidden, "numerator"] == public[~hidden]).all()  # the rest as computed
    html = Path(public_report["files"]["html"]).read_text("utf-8")
    assert "Edición pública" in html
    assert "nunca la ubicación de incidentes" in html


def test_public_edition_uses_the_public_register_view(public_report, city: Path):
    from barrio.audit.recs_query import list_recommendations
    from barrio.store import open_store, workspace_store_url
    from barrio.workspace import Workspace

    with open_store(workspace_store_url(Workspace.open(city))) as store, store.session() as s:
        every = list_recommendations(s, view="internal")
    hidden = set(every["code"]) - set(every.loc[every["is_public"], "code"])
    shown = pd.read_excel(public_report["files"]["xlsx"], sheet_name="Recomendaciones")
    codes = shown.iloc[:, 1]  # theme, code, ... (header text depends on the merged catalogs)
    assert set(codes) == set(every.loc[every["is_public"], "code"])
    assert hidden.isdisjoint(codes)


def test_public_monitoring_shows_alerts_without_counts(city: Path):
    from barrio.report.service import build_report
    from barrio.workspace import Workspace

    result = build_report(Workspace.open(city), "monitoring", formats=("xlsx",), lang="en",
                          public=True)  # fmt: skip
    alerts = pd.read_excel(result["files"]["xlsx"], sheet_name="Alerts")
    assert len(alerts) > 0
    assert alerts.columns.tolist() == ["Month", "Area", "Crime", "Method"]
