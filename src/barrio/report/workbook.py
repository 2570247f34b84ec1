"""A report's tables as an Excel workbook (openpyxl): one sheet per table after an "About"
sheet, bold frozen header row, number formats by column kind, and rows coloured by survey
precision as INEGI's tabulados do (CV 15-30 % yellow, >= 30 % red; high precision uncoloured).
Cells keep their types: numbers are numbers, dates are dates (formats do the presentation).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from barrio.i18n import _
from barrio.report import fmt
from barrio.report.model import Column, Report, Table

QUALITY_FILL = {"moderate": "FFF3B0", "low": "F8C4B4"}
HEADER_FILL = "EEF2F6"
FORMATS = {"int": "#,##0", "percent": "0.0%", "share": "0%", "date": "yyyy-mm-dd"}


def number_format(column: Column) -> str | None:
    """The Excel number format of a column kind (None for text)."""
    if column.kind in ("float", "rate"):
        return "#,##0" + ("." + "0" * column.digits if column.digits else "")
    return FORMATS.get(column.kind)


def cell_value(value: Any, kind: str) -> Any:
    """A Python value openpyxl writes with the right type (percent stored as a fraction)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if kind == "date":
        if isinstance(value, str) and value:
            return dt.date.fromisoformat(value[:10])
        return value.date() if isinstance(value, dt.datetime) else value
    if kind in ("int", "float", "rate", "share", "percent"):
        number = float(value)
        return number / 100 if kind == "percent" else number
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value) if not isinstance(value, bool | int | float) else value


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel-safe (<= 31 characters, no []:*?/\\) unique sheet name."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "table"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} ({n})", n + 1
    used.add(name.lower())
    return name


def write_workbook(report: Report, path: Path, locale: str) -> Path:
    """Write the workbook of ``report`` to ``path``."""
    from openpyxl import Workbook

    book = Workbook()
    about = book.active
    about.title = _("About")
    used = {about.title.lower()}
    _about(about, report, locale)
    for table in report.tables():
        _table_sheet(book.create_sheet(sheet_name(table.title, used)), table)
    book.save(path)
    return path


def _about(sheet: Any, report: Report, locale: str) -> None:
    from openpyxl.styles import Font, PatternFill

    rows = [
        (report.title, ""), (report.subtitle, ""),
        (_("Generated on"), fmt.datetime(report.generated_on, locale)),
        (_("Edition"), _("public") if report.public else _("internal")),
    ] + [(s.title, s.note) for s in report.sections if s.omitted] + [
        (_("Precision: CV 15-30 %"), _("moderate (yellow)")),
        (_("Precision: CV 30 % or more"), _("low (red)")),
    ]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    sheet["A1"].font = Font(bold=True, size=14)
    for key, colour in QUALITY_FILL.items():
        target = sheet.cell(row=len(rows) - (1 if key == "moderate" else 0), column=2)
        target.fill = PatternFill("solid", fgColor=colour)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 70


def _table_sheet(sheet: Any, table: Table) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    formats = [number_format(c) for c in table.columns]
    fills = {k: PatternFill("solid", fgColor=v) for k, v in QUALITY_FILL.items()}
    for record in table.records():
        sheet.append([cell_value(record[c.key], c.kind) for c in table.columns])
        row = sheet[sheet.max_row]
        fill = fills.get(str(record.get(table.quality))) if table.quality else None
        for cell, number in zip(row, formats, strict=True):
            if number:
                cell.number_format = number
            if fill is not None:
                cell.fill = fill
    sheet.freeze_panes = "A2"
    for i, column in enumerate(table.columns, start=1):
        width = 12 if column.kind != "text" else min(max(len(column.label), 14), 50)
        sheet.column_dimensions[get_column_letter(i)].width = width
