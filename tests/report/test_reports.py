"""Every report builds for the fixture city in both languages, and each output is checked as a
reader would: the HTML is self-contained, the PDF has the sections (pypdf text) and its pages
render (pdftoppm), the workbook reopens with its sheets, types and precision colours."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SECTIONS = {
    "es": ["Contexto, fuentes y calidad de los datos", "Incidencia delictiva",
           "Puntos calientes y concentración", "Colonias prioritarias",
           "Diagnóstico participativo", "Matriz de riesgo", "Recomendaciones por tema",
           "Anexo metodológico"],
    "en": ["Context, sources and data quality", "Crime incidence", "Hot spots and concentration",
           "Priority neighbourhoods", "Participatory diagnosis", "Risk matrix",
           "Recommendations by theme", "Methodology annex"],
}  # fmt: skip


def test_demo_wrote_the_findings_report(demo_city: Path):
    reports = demo_city / "out" / "reports"
    assert (reports / "findings-es.html").stat().st_size > 10_000
    assert (reports / "findings-es.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_html_is_self_contained(built, lang):
    for kind in ("findings", "monitoring", "assessment"):
        html = Path(built[kind, lang]["files"]["html"]).read_text("utf-8")
        assert f'<html lang="{lang}">' in html
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
        assert "<link" not in html
        assert "@import" not in html
        assert "url(" not in html
        images = re.findall(r"<img [^>]*src=\"([^\"]+)\"", html)
        assert all(src.startswith("data:image/png;base64,") for src in images)
    findings = Path(built["findings", lang]["files"]["html"]).read_text("utf-8")
    assert len(re.findall(r"<img ", findings)) == built["findings", lang]["figures"] >= 5


def test_omitted_sections_say_why(built):
    result = built["findings", "en"]
    assert "survey" in result["omitted"]
    assert "barrio survey estimate" in result["omitted"]["survey"]
    html = Path(result["files"]["html"]).read_text("utf-8")
    assert "No survey estimates in this workspace" in html


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pdf_has_the_sections(built, lang):
    from pypdf import PdfReader

    reader = PdfReader(built["findings", lang]["files"]["pdf"])
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert len(reader.pages) >= 5
    for title in SECTIONS[lang]:
        assert title in text, title
    other = "en" if lang == "es" else "es"
    assert SECTIONS[other][1] not in text


def test_numbers_follow_the_locale(built):
    es = Path(built["findings", "es"]["files"]["html"]).read_text("utf-8")
    en = Path(built["findings", "en"]["files"]["html"]).read_text("utf-8")
    # es_MX groups thousands with a comma and writes dates in Spanish.
    assert re.search(r"\d,\d{3}", es)
    assert " de " in es
    assert "Generado el" in es
    assert "Generated on" in en


def test_pdf_pages_render(built, pdftoppm, tmp_path):
    from PIL import Image

    pdf = built["findings", "en"]["files"]["pdf"]
    subprocess.run([pdftoppm, "-r", "40", "-png", pdf, str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert pixels.std() > 5, f"{page.name} is blank"


def test_workbook_sheets_and_types(built):
    from openpyxl import load_workbook

    book = load_workbook(built["findings", "en"]["files"]["xlsx"])
    assert book.sheetnames[0] == "About"
    assert {"Indicators", "Concentration", "Selected neighbourhoods", "Risk matrix",
            "Recommendations", "Sources loaded"} <= set(book.sheetnames)  # fmt: skip
    sheet = book["Indicators"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Indicator", "ICCS", "SDG", "Incidents", "Rate"]
    first = list(sheet[2])
    assert isinstance(first[3].value, int | float)
    assert first[3].number_format == "#,##0"
    assert isinstance(first[4].value, int | float)
    assert first[4].number_format == "#,##0.0"
    frame = pd.read_excel(built["findings", "en"]["files"]["xlsx"], sheet_name="Indicators")
    assert frame["Incidents"].dtype.kind in "if"
    assert (frame["Incidents"] >= 0).all()


def test_monitoring_and_assessment(built):
    from openpyxl import load_workbook

    monitoring = built["monitoring", "en"]
    assert set(monitoring["sections"]) == {"status", "overdue", "sdg", "alerts"}
    book = load_workbook(monitoring["files"]["xlsx"])
    assert {"SDG progress", "Alerts", "Overdue recommendations"} <= set(book.sheetnames)
    by_theme = pd.read_excel(monitoring["files"]["xlsx"], sheet_name="Status by theme")
    assert by_theme["Theme"].notna().all()
    assert by_theme["Total"].sum() >= 100  # the fixture register: 141 + drafted
    shares = by_theme.iloc[:, 2:].astype(float).sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-9)
    html = Path(built["monitoring", "es"]["files"]["html"]).read_text("utf-8")
    assert "Indicadores ODS locales" in html
    assessment = built["assessment", "en"]
    assert set(assessment["sections"]) == {"stages", "items", "drafted"}
    stages = pd.read_excel(assessment["files"]["xlsx"], sheet_name="Scores by stage")
    assert stages["Stage"].tolist() == [1, 2, 3, 4]
    assert stages["Score"].between(0, 100).all()
