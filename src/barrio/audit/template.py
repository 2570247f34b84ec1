"""The diagnosis template: an Excel workbook (or CSV files) to fill in the field.

The workbook has the two sheets that are imported (activities, findings: headers only, with
drop-down lists for kinds, themes, population groups and intensity) and three reference sheets:
the codebook's themes, the allowed values, and instructions. In Spanish the sheet names and
headers are Spanish (``actividades``, ``hallazgos``, ``colonia`` ...); both languages import.

A path ending in ``.csv`` or a folder gets CSV files instead: ``activities.csv``,
``findings.csv``, ``themes.csv`` and ``values.csv`` (prefixed with the file's stem if given).
"""

from __future__ import annotations

from pathlib import Path

from barrio.audit.codebook import Codebook
from barrio.audit.diagnosis import ACTIVITY_COLUMNS, FINDING_COLUMNS, SHEET_NAMES_ES, Column
from barrio.i18n import current_locale
from barrio.i18n import gettext as _
from barrio.store.diagnosis import ACTIVITY_KINDS, FINDING_KINDS

ROWS_WITH_LISTS = 2000  # rows of the data sheets that get drop-down lists


def _headers(columns: tuple[Column, ...], locale: str) -> list[str]:
    return [c.es if locale == "es" else c.name for c in columns]


def _sheet_name(sheet: str, locale: str) -> str:
    return SHEET_NAMES_ES[sheet] if locale == "es" else sheet


def _themes(codebook: Codebook, locale: str) -> list[list[str]]:
    rows = [
        [_("theme", locale), _("name", locale), _("description", locale), _("ICCS codes", locale)]
    ]
    for theme in codebook.themes.values():
        codes = ", ".join(s.code + (f" [{s.tag}]" if s.tag else "") for s in theme.iccs)
        description = theme.description.get(locale) or theme.description.get("en", "")
        rows.append([theme.id, theme.label(locale), description, codes])
    return rows


def _values(codebook: Codebook, locale: str) -> dict[str, list[str]]:
    return {
        "activity kind": list(ACTIVITY_KINDS),
        "finding kind": list(FINDING_KINDS),
        "population_group": list(codebook.population_groups),
        "intensity": ["1", "2", "3", "4", "5"],
        "second_coding": ["no", "yes"] if locale != "es" else ["no", "sí"],
    }


def _instructions(locale: str) -> list[list[str]]:
    rows = [
        [_("column", locale), _("sheet", locale), _("required", locale), _("what to write", locale)]
    ]
    for sheet, columns in (("activities", ACTIVITY_COLUMNS), ("findings", FINDING_COLUMNS)):
        for col in columns:
            name = col.es if locale == "es" else col.name
            rows.append(
                [
                    name,
                    _sheet_name(sheet, locale),
                    _("yes", locale) if col.required else "",
                    _(col.help, locale),
                ]
            )
    rows.append([])
    rows.append(
        [
            _(
                "Rows start on line 2. Dates as dd/mm/yyyy. A finding's neighborhood defaults "
                "to its activity's. To measure agreement, a second coder codes some segments "
                "again in new rows with the same segment and second_coding = yes.",
                locale,
            )
        ]
    )
    return rows


def write_template(path: Path, codebook: Codebook, *, locale: str | None = None) -> list[Path]:
    """Write the diagnosis template to ``path`` (.xlsx, or CSV files); return the files written."""
    locale = locale or current_locale()
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, codebook, locale)
        return [path]
    return _write_csv(path, codebook, locale)


def _write_csv(path: Path, codebook: Codebook, locale: str) -> list[Path]:
    import csv

    folder, prefix = (path.parent, f"{path.stem}-") if path.suffix else (path, "")
    folder.mkdir(parents=True, exist_ok=True)
    values = _values(codebook, locale)
    longest = max(len(v) for v in values.values())
    tables = {
        "activities": [_headers(ACTIVITY_COLUMNS, locale)],
        "findings": [_headers(FINDING_COLUMNS, locale)],
        "themes": _themes(codebook, locale),
        "values": [list(values)]
        + [[v[i] if i < len(v) else "" for v in values.values()] for i in range(longest)],
    }
    written = []
    for name, rows in tables.items():
        out = folder / f"{prefix}{name}.csv"
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        written.append(out)
    return written


def _write_xlsx(path: Path, codebook: Codebook, locale: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    sheets = {}
    for i, (sheet, columns) in enumerate(
        (("activities", ACTIVITY_COLUMNS), ("findings", FINDING_COLUMNS))
    ):
        ws = wb.active if i == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = _sheet_name(sheet, locale)
        ws.append(_headers(columns, locale))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        sheets[sheet] = ws
    themes = wb.create_sheet(_("themes", locale) if locale == "es" else "themes")
    for row in _themes(codebook, locale):
        themes.append(row)
    lists = wb.create_sheet(_("values", locale) if locale == "es" else "values")
    values = _values(codebook, locale)
    for j, (name, items) in enumerate(values.items(), start=1):
        lists.cell(row=1, column=j, value=name).font = Font(bold=True)
        for i, item in enumerate(items, start=2):
            lists.cell(row=i, column=j, value=item)
    guide = wb.create_sheet(_("instructions", locale) if locale == "es" else "instructions")
    for row in _instructions(locale):
        guide.append(row)

    def dropdown(sheet: str, column: str, source: str) -> None:
        columns = ACTIVITY_COLUMNS if sheet == "activities" else FINDING_COLUMNS
        letter = get_column_letter([c.name for c in columns].index(column) + 1)
        rule = DataValidation(type="list", formula1=source, allow_blank=True)
        rule.showErrorMessage = False  # aliases (Spanish values) stay allowed; import validates
        sheets[sheet].add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{ROWS_WITH_LISTS}")

    def range_of(j: int, n: int, title: str) -> str:
        col = get_column_letter(j)
        return f"'{title}'!${col}$2:${col}${n + 1}"

    names = list(values)
    for sheet, column, key in (
        ("activities", "kind", "activity kind"),
        ("findings", "kind", "finding kind"),
        ("findings", "population_group", "population_group"),
        ("findings", "intensity", "intensity"),
        ("findings", "second_coding", "second_coding"),
    ):
        dropdown(sheet, column, range_of(names.index(key) + 1, len(values[key]), lists.title))
    dropdown("findings", "theme", f"'{themes.title}'!$A$2:$A${len(codebook.themes) + 1}")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
