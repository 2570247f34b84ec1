"""Templates and exports of the register: an Excel workbook or a folder of CSV files.

Both hold three tables with one header row each — ``recommendations``, ``status_events`` and
``institutions`` (see :data:`barrio.audit.recs_fields.SHEETS` for the columns). The Excel
workbook adds drop-down lists for every enumeration (target, priority, horizon, status, kind,
public, theme, responsible institution), keeps codes as text (ICCS ``0401`` keeps its zero),
and explains each column in a comment on its header. Lists inside a cell are separated by
``;``. An export of the register is a filled template: importing it back changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from barrio.audit.recs_fields import SHEETS, Field
from barrio.errors import InputError
from barrio.i18n import _

MAX_ROWS = 2000  # rows covered by the Excel drop-down lists
CSV_NAMES = {sheet: f"{sheet}.csv" for sheet in SHEETS}
DATE_COLUMNS = {"due_on", "registered_on", "effective_on"}
TEXT_COLUMNS = {"code", "sdg_targets", "iccs_codes", "neighborhoods", "findings", "responsible"}


def register_rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The whole register (internal view) as template rows, sheet by sheet."""
    from barrio.audit.recs_query import load_frames, table
    from barrio.store.accounts import Institution

    frames = load_frames(session)
    recs = table(frames)
    first = frames.events.sort_values(["effective_on", "id"]).drop_duplicates("recommendation_id")
    registered = dict(zip(first["recommendation_id"], first["effective_on"], strict=True))
    codes = dict(zip(recs["id"], recs["code"], strict=True))
    rec_rows = [
        {
            **{k: r[k] for k in ("code", "title", "description", "theme", "target")},
            "neighborhoods": r["neighborhoods"],
            "findings": r["findings"],
            "responsible": r["institution"],
            "co_responsible": r["co_responsible"],
            **{k: r[k] for k in ("sdg_targets", "iccs_codes", "priority", "horizon", "due_on")},
            **{k: r[k] for k in ("plan_line", "source", "source_ref")},
            "public": "yes" if r["is_public"] else "no",
            "internal_notes": r["internal_notes"],
            "registered_on": registered.get(r["id"]),
        }
        for r in recs.to_dict("records")
    ]
    events = frames.events.sort_values(["effective_on", "id"])
    event_rows = [
        {
            "code": codes[e["recommendation_id"]],
            **{f.name: e[f.name] for f in SHEETS["status_events"][1:]},
        }
        for e in events.to_dict("records")
    ]
    institutions = session.query(Institution).order_by(Institution.code).all()
    inst_rows = [{"code": i.code, "name": i.name, "kind": i.kind} for i in institutions]
    return {"recommendations": rec_rows, "status_events": event_rows, "institutions": inst_rows}


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def write_register(
    path: Path,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    *,
    themes: Collection[str] = (),
) -> list[Path]:
    """Write a template (``rows`` None) or an export: ``.xlsx`` file, or a folder of CSVs.

    Returns the files written. ``themes`` fills the theme drop-down list of the workbook.
    """
    rows = rows or {sheet: [] for sheet in SHEETS}
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        _write_workbook(path, rows, themes)
        return [path]
    if path.suffix:
        raise InputError(
            _("cannot write the register to {path}: use a .xlsx file or a folder", path=path),
            hint=_("Give a name ending in .xlsx, or a folder for CSV files."),
            file=str(path),
        )
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet, fields in SHEETS.items():
        out = path / CSV_NAMES[sheet]
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow([f.name for f in fields])
            for row in rows[sheet]:
                writer.writerow([_text(_cell(row.get(f.name))) for f in fields])
        written.append(out)
    return written


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_workbook(
    path: Path, rows: dict[str, list[dict[str, Any]]], themes: Collection[str]
) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    lists = _lists_sheet(book, themes)
    for sheet, fields in SHEETS.items():
        ws = book.create_sheet(sheet)
        ws.append([f.name for f in fields])
        for row in rows[sheet]:
            ws.append([_cell(row.get(f.name)) for f in fields])
        for index, field in enumerate(fields, start=1):
            letter = get_column_letter(index)
            header = ws.cell(row=1, column=index)
            header.font = Font(bold=True)
            header.comment = Comment(_describe(field), "Barrio")
            ws.column_dimensions[letter].width = max(12, len(field.name) + 4)
            _format_column(ws, letter, field, len(rows[sheet]))
            _validation(ws, letter, field, lists)
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _describe(field: Field) -> str:
    parts = [_("required") if field.required else _("optional")]
    if field.help:
        parts.append(_(field.help))
    if field.allowed:
        parts.append(_("one of: {values}", values=", ".join(field.allowed)))
    return "; ".join(parts)


def _format_column(ws: Any, letter: str, field: Field, n_rows: int) -> None:
    """Dates as dates and codes as text, for the rows written and (as the column's style) for
    every row a user types in."""
    fmt = (
        "yyyy-mm-dd" if field.name in DATE_COLUMNS else "@" if field.name in TEXT_COLUMNS else None
    )
    if fmt is None:
        return
    ws.column_dimensions[letter].number_format = fmt
    for row in range(2, n_rows + 2):
        ws[f"{letter}{row}"].number_format = fmt


def _lists_sheet(book: Any, themes: Collection[str]) -> dict[str, str]:
    """A hidden sheet with long lists; returns field name -> range formula."""
    ws = book.create_sheet("lists")
    ws.sheet_state = "hidden"
    ws.append(["theme"])
    for theme in sorted(themes):
        ws.append([theme])
    formulas = {"responsible": f"institutions!$A$2:$A${MAX_ROWS}"}
    if themes:
        formulas["theme"] = f"lists!$A$2:$A${len(themes) + 1}"
    return formulas


def _validation(ws: Any, letter: str, field: Field, lists: dict[str, str]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    if field.allowed:
        formula = '"' + ",".join(field.allowed) + '"'
    elif field.name in lists:
        formula = lists[field.name]
    else:
        return
    rule = DataValidation(type="list", formula1=formula, allow_blank=not field.required)
    rule.error = _("Choose a value from the list.")
    rule.showErrorMessage = True
    ws.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{MAX_ROWS}")
