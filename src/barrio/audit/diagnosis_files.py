"""Read diagnosis files: the two tables of the Excel template, or two CSV files.

Headers may be the canonical English names or the Spanish ones of the Spanish template; sheets are
found by name (``activities``/``actividades``, ``findings``/``hallazgos``), CSV files by their
headers. Every value is read as text so that validation sees exactly what was written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from barrio.audit.diagnosis import SHEET_NAMES_ES, SHEETS, canonical_headers, normalise
from barrio.errors import InputError
from barrio.i18n import _


def _sheet_of(frame: pd.DataFrame) -> str | None:
    columns = set(canonical_headers(frame, "findings").columns)
    if "finding_id" in columns:
        return "findings"
    if {"activity_id", "kind", "date"} <= set(canonical_headers(frame, "activities").columns):
        return "activities"
    return None


def read_diagnosis_files(paths: list[Path]) -> dict[str, tuple[pd.DataFrame, str]]:
    """The activities and findings tables (all text) of an Excel workbook and/or CSV files.

    Returns ``{"activities": (frame, file name), "findings": (frame, file name)}`` with the
    tables found; errors when a file holds neither or a table comes twice.
    """
    from barrio.ingest.readers import EXCEL_SUFFIXES, read_text_table

    found: dict[str, tuple[pd.DataFrame, str]] = {}

    def add(sheet: str, table: pd.DataFrame, name: str) -> None:
        if sheet in found:
            raise InputError(
                _(
                    "{sheet} given twice ({first} and {second})",
                    sheet=sheet,
                    first=found[sheet][1],
                    second=name,
                ),
                hint=_("Import one activities table and one findings table at a time."),
                file=name,
            )
        found[sheet] = (canonical_headers(table, sheet), name)

    for path in paths:
        path = Path(path)
        if path.suffix.lower() in EXCEL_SUFFIXES:
            for sheet, sheet_name in _workbook_sheets(path).items():
                text = read_text_table(path, sheet=sheet_name).table
                add(sheet, text.to_pandas().astype(object), path.name)
            continue
        frame = read_text_table(path).table.to_pandas().astype(object)
        kind = _sheet_of(frame)
        if kind is None:
            raise InputError(
                _("{file} is neither a diagnosis activities nor a findings table", file=path.name),
                hint=_("Start from the template (barrio diagnosis template) and keep its headers."),
                file=str(path),
            )
        add(kind, frame, path.name)
    if not found:
        raise InputError(
            _("no diagnosis tables found in {files}", files=", ".join(str(p) for p in paths)),
            hint=_("Give the filled template (.xlsx) or its activities/findings CSV files."),
        )
    return found


def _workbook_sheets(path: Path) -> dict[str, str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    names = list(wb.sheetnames)
    wb.close()
    out = {}
    for sheet in SHEETS:
        for name in names:
            if normalise(pd.Series([name]))[0] in (sheet, SHEET_NAMES_ES[sheet]):
                out[sheet] = name
    if not out:
        raise InputError(
            _(
                "{file} has no activities or findings sheet; sheets: {sheets}",
                file=path.name,
                sheets=", ".join(names),
            ),
            hint=_("Start from the template (barrio diagnosis template) and keep its sheet names."),
            file=str(path),
        )
    return out
