"""Numbers and dates in the report locale (CLDR via Babel)."""

from __future__ import annotations

import datetime as dt

from barrio.report import fmt


def test_mexican_spanish_and_english():
    assert fmt.number(1234.5, "es_MX") == "1,234.5"
    assert fmt.number(1234567.25, "en", 2) == "1,234,567.25"
    assert fmt.number(1234.5, "es_ES") == "1.234,5"
    assert fmt.date(dt.date(2024, 3, 5), "es_MX", "long") == "5 de marzo de 2024"
    assert fmt.date("2024-03-05", "en", "long") == "March 5, 2024"
    assert fmt.cldr_locale("es") == "es_MX"
    assert fmt.cldr_locale("es", "es_ES") == "es_ES"


def test_cells_by_kind():
    assert fmt.cell(12.345, "percent", "en", 1) == "12.3%"
    assert fmt.cell(0.5, "share", "en", 0) == "50%"
    assert fmt.cell(float("nan"), "rate", "en") == ""
    assert fmt.cell(None, "int", "en") == ""
    assert fmt.cell(["a", "b"], "text", "en") == "a, b"
