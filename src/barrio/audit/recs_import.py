"""Import a filled register template: validate every row, then write all of it or nothing.

The source is an Excel workbook with sheets ``institutions``, ``recommendations`` and
``status_events`` (any of them may be missing), a folder holding ``institutions.csv``,
``recommendations.csv`` and ``status_events.csv``, or one of those CSV files alone. Files are
read as text with data ingestion's readers (encoding and delimiter detected).

Validation follows data ingestion: every problem is reported with its file, sheet, row (1 = the
first row after the header), column, value, reason code, message and how to fix it; the problems
go to ``rejects/<run>.csv``. Application records are not loaded partially: if any row has a
problem nothing is written. Otherwise everything is written in the caller's transaction.

Re-importing is idempotent. Institutions and recommendations are matched by code: new ones are
added, changed ones updated (the audit trail keeps the old values), identical ones left alone;
a column absent from the sheet leaves that field of existing recommendations unchanged.
Status events equal to a stored event are skipped; new events are appended after the stored
ones, and must respect the order and the allowed status changes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from barrio.audit import recommendations as service
from barrio.audit import recs_fields as rules
from barrio.audit.recs_checks import (
    Problem,
    Sheet,
    check_references,
    event_key,
    stored_event_keys,
)
from barrio.errors import InputError
from barrio.i18n import _
from barrio.store.accounts import Institution
from barrio.store.register import Recommendation, StatusEvent

KIND_COLUMNS = {"recommendations": "title", "status_events": "status", "institutions": "name"}


@dataclass
class ImportResult:
    """What an import read and did, per sheet: read, new, updated, unchanged."""

    source: str
    counts: dict[str, dict[str, int]]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"source": self.source, "counts": self.counts, "warnings": self.warnings}


class RegisterImportError(InputError):
    """A register file has problems; nothing was imported."""

    code = "register_import_error"


def read_source(path: Path) -> dict[str, tuple[str, Any]]:
    """The sheets found in ``path``: name -> (file label, Arrow table of text)."""
    from barrio.ingest.readers import read_text_table

    path = Path(path)
    if path.is_dir():
        found = {s: path / f"{s}.csv" for s in rules.SHEETS if (path / f"{s}.csv").is_file()}
        return {s: (p.name, read_text_table(p).table) for s, p in found.items()}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        names = load_workbook(path, read_only=True).sheetnames
        return {
            s: (path.name, read_text_table(path, sheet=s).table) for s in rules.SHEETS if s in names
        }
    table = read_text_table(path).table
    for sheet, column in KIND_COLUMNS.items():
        if column in table.column_names:
            return {sheet: (path.name, table)}
    raise RegisterImportError(
        _("{file} is not a register file: no column {columns}", file=path.name,
          columns=" / ".join(KIND_COLUMNS.values())),
        hint=_("Start from the template: barrio recs template FILE"),
        file=str(path),
    )  # fmt: skip


def parse_sheet(sheet: str, file: str, table: Any, problems: list[Problem]) -> Sheet:
    """Parse every cell of one sheet with its field rules; collect the problems."""
    fields = rules.SHEETS[sheet]
    names = [c.strip().lower() for c in table.column_names]
    out = Sheet(sheet, file, columns=tuple(names))
    for f in fields:
        if f.required and f.name not in names:
            problems.append(Problem(file, sheet, 0, f.name, None, "missing_column"))
    columns = {n: table.column(i).to_pylist() for i, n in enumerate(names)}
    for index in range(table.num_rows):
        raw = {f.name: columns[f.name][index] for f in fields if f.name in columns}
        if all(v is None or not str(v).strip() for v in raw.values()):
            continue  # a blank line
        row: dict[str, Any] = {}
        for f in fields:
            value = raw.get(f.name)
            try:
                row[f.name] = f.parse(value)
            except rules.FieldError as problem:
                problems.append(
                    Problem(file, sheet, index + 1, f.name, value, problem.reason, problem.detail)
                )
                continue
            if f.required and row[f.name] in (None, ""):
                problems.append(Problem(file, sheet, index + 1, f.name, value, "missing_value"))
        out.rows.append(row)
        out.numbers.append(index + 1)
    return out


def import_register(
    session: Session,
    source: Path,
    *,
    known_areas: Collection[str] | None = None,
    themes: Collection[str] | None = None,
    rejects_dir: Path | None = None,
    run_id: str | None = None,
) -> ImportResult:
    """Validate and import a register file in the session's transaction.

    Parameters
    ----------
    known_areas
        ``area_id`` values neighborhoods must be among (None: not checked, e.g. before the
        areas are loaded).
    themes
        Allowed theme ids (the codebook's; None: any).
    rejects_dir, run_id
        Where to write ``<run_id>.csv`` with the problems when there are any.

    Raises
    ------
    RegisterImportError
        With ``details["problems"]`` (the first 50) and ``details["rejects"]`` (the file).
    """
    source = Path(source)
    problems: list[Problem] = []
    sheets = {
        name: parse_sheet(name, file, table, problems)
        for name, (file, table) in read_source(source).items()
    }
    if not problems:
        check_references(session, sheets, problems, known_areas=known_areas, themes=themes)
    if problems:
        raise _failure(source, problems, rejects_dir, run_id)
    result = ImportResult(str(source), {})
    result.warnings = _unknown_columns(sheets)
    result.counts["institutions"] = _apply_institutions(session, sheets.get("institutions"))
    result.counts["recommendations"] = _apply_recommendations(
        session, sheets.get("recommendations"), sheets.get("status_events"), themes
    )
    result.counts["status_events"] = _apply_events(session, sheets.get("status_events"))
    return result


def _unknown_columns(sheets: dict[str, Sheet]) -> list[str]:
    warnings = []
    for sheet in sheets.values():
        known = {f.name for f in rules.SHEETS[sheet.name]}
        extra = [c for c in sheet.columns if c not in known and c]
        if extra:
            warnings.append(
                _("{file} {sheet}: columns ignored: {columns}", file=sheet.file, sheet=sheet.name,
                  columns=", ".join(extra))
            )  # fmt: skip
    return warnings


def _failure(
    source: Path, problems: list[Problem], rejects_dir: Path | None, run_id: str | None
) -> RegisterImportError:
    rows = [p.to_dict() for p in sorted(problems, key=lambda p: (p.sheet, p.row, p.column))]
    rejects = None
    if rejects_dir is not None:
        rejects = Path(rejects_dir) / f"{run_id or 'recs'}.csv"
        rejects.parent.mkdir(parents=True, exist_ok=True)
        with rejects.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    first = rows[0]
    where = _(
        "{file} {sheet} row {row}, column {column}",
        file=first["file"], sheet=first["sheet"], row=first["row"], column=first["column"],
    )  # fmt: skip
    return RegisterImportError(
        _("{n} problem(s) in {file}; nothing was imported. First: {where}: {problem}",
          n=len(rows), file=source.name, where=where, problem=first["message"]),
        hint=_("Fix the rows listed in {rejects} and import again.", rejects=rejects)
        if rejects else first["fix"],
        file=str(source), problems=rows[:50], count=len(rows),
        rejects=str(rejects) if rejects else None,
    )  # fmt: skip


def _apply_institutions(session: Session, sheet: Sheet | None) -> dict[str, int]:
    counts = {"read": 0, "new": 0, "updated": 0, "unchanged": 0}
    for row in sheet.rows if sheet else []:
        _inst, outcome = service.add_institution(
            session, code=row["code"], name=row["name"], kind=row["kind"] or "municipal"
        )
        counts["read"] += 1
        counts[outcome] += 1
    return counts


def registration(row: dict[str, Any], events: list[dict[str, Any]]) -> dt.date | None:
    """Date of the not_started event registering a new recommendation: ``registered_on``, else
    the date of its first event in the file, else today. ``None`` when the file's own first
    event is ``not_started`` (that event registers it)."""
    own = sorted((e["effective_on"], i) for i, e in enumerate(events) if e["code"] == row["code"])
    if own and events[own[0][1]]["status"] == "not_started":
        return None
    return row["registered_on"] or (own[0][0] if own else dt.date.today())


def _apply_recommendations(
    session: Session,
    sheet: Sheet | None,
    events: Sheet | None,
    themes: Collection[str] | None,
) -> dict[str, int]:
    counts = {"read": 0, "new": 0, "updated": 0, "unchanged": 0}
    event_rows = events.rows if events else []
    for row in sheet.rows if sheet else []:
        counts["read"] += 1
        scalars = {
            "title": row["title"], "description": row["description"] or "",
            "theme": row["theme"], "target": row["target"], "priority": row["priority"],
            "horizon": row["horizon"], "due_on": row["due_on"], "plan_line": row["plan_line"],
            "sdg_targets": row["sdg_targets"], "iccs_codes": row["iccs_codes"],
            "source": row["source"] or "audit", "source_ref": row["source_ref"],
            "is_public": True if row["public"] is None else row["public"],
            "internal_notes": row["internal_notes"] or "",
        }  # fmt: skip
        links = (row["responsible"], row["co_responsible"], row["neighborhoods"], row["findings"])
        rec = session.scalar(select(Recommendation).where(Recommendation.code == row["code"]))
        if rec is None:
            registered = registration(row, event_rows)
            _create(session, row["code"], scalars, links, registered, themes)
            counts["new"] += 1
            continue
        given = set(sheet.columns) if sheet else set()
        scalars = {k: v for k, v in scalars.items() if COLUMN.get(k, k) in given}
        changed = service.update_recommendation(session, rec, themes=themes, **scalars)
        changed |= service.set_links(session, rec, *_kept_links(rec, links, given))
        counts["updated" if changed else "unchanged"] += 1
    return counts


COLUMN = {"is_public": "public"}  # model field -> template column, where they differ
LINKS = ("responsible", "co_responsible", "neighborhoods", "findings")


def _kept_links(rec: Recommendation, links: tuple[Any, ...], given: set[str]) -> tuple[Any, ...]:
    """The file's links where the file has the column, the recommendation's own otherwise
    (a sheet without a column leaves that field alone)."""
    current = (
        rec.responsible.code if rec.responsible else None,
        [link.institution.code for link in rec.co_responsible],
        [link.area_id for link in rec.neighborhoods],
        [link.finding_id for link in rec.findings],
    )
    return tuple(
        new if name in given else old for name, new, old in zip(LINKS, links, current, strict=True)
    )


def _create(
    session: Session,
    code: str,
    scalars: dict[str, Any],
    links: tuple[Any, ...],
    registered: dt.date | None,
    themes: Collection[str] | None,
) -> None:
    responsible, co, hoods, findings = links
    if registered is None:
        rec = Recommendation(code=code, **{**service.DEFAULTS, **scalars})
        service.set_links(session, rec, responsible, co, hoods, findings)
        session.add(rec)
        session.flush()
        return
    service.create_recommendation(
        session, code=code, responsible=responsible, co_responsible=co, neighborhoods=hoods,
        findings=findings, registered_on=registered, themes=themes, **scalars,
    )  # fmt: skip


def _apply_events(session: Session, sheet: Sheet | None) -> dict[str, int]:
    """Append the sheet's new events in date order (file order within a date).

    The events were checked by :func:`check_references` with the rules of
    :func:`barrio.audit.recommendations.record_status` (order, transitions, evidence), so
    they are added in one flush.
    """
    counts = {"read": 0, "new": 0, "updated": 0, "unchanged": 0}
    if sheet is None:
        return counts
    session.flush()
    ids = dict(session.execute(select(Recommendation.code, Recommendation.id)).all())
    stored = stored_event_keys(session, {row["code"] for row in sheet.rows})
    order = sorted(range(len(sheet.rows)), key=lambda i: (sheet.rows[i]["effective_on"], i))
    for i in order:
        row = sheet.rows[i]
        counts["read"] += 1
        if event_key(row) in stored.get(row["code"], ()):
            counts["unchanged"] += 1
            continue
        values = {k: row[k] for k in ("status", "effective_on", "author", "evidence_url",
                                       "evidence_file", "reviewer")}  # fmt: skip
        session.add(
            StatusEvent(
                recommendation_id=ids[row["code"]],
                **values,
                evidence_text=row["evidence_text"] or "",
                internal_note=row["internal_note"] or "",
            )
        )
        counts["new"] += 1
    session.flush()
    return counts


def institution_codes(session: Session) -> set[str]:
    """Codes of the institutions already in the register."""
    return set(session.scalars(select(Institution.code)).all())
