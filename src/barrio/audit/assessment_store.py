"""Read a filled assessment, store it, score it and draft recommendations for its weak items.

A filled assessment is a YAML file (``code``, ``strategy``, ``agency``, ``assessed_on``,
``assessor``, ``items: [{item, level, evidence, notes}]``) or the Excel template written by
:func:`write_assessment_template` (sheet ``assessment``: field / value rows; sheet ``items``: one
row per instrument item). A level is 0-4 or ``na`` (not applicable); a level of 1 or more needs
its evidence.

:func:`save_assessment` writes the assessment and its items and drafts one recommendation per
item at level 0 or 1 into the recommendations register, all in one transaction; saving the same
assessment code again replaces its items and drafts only the recommendations not drafted yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from sqlalchemy import select

from barrio.audit._frames import records
from barrio.audit.assessment import (
    AssessmentScores,
    Instrument,
    draft_recommendations,
    score_assessment,
)
from barrio.errors import InputError
from barrio.i18n import _, current_locale
from barrio.store.assessment import Assessment, AssessmentItem

if TYPE_CHECKING:
    from barrio.store.session import Store

META = ("code", "strategy", "agency", "assessed_on", "assessor", "notes")
NOT_APPLICABLE = {"na", "n/a", "n.a.", "no aplica", "not applicable", "-"}
ITEM_HEADERS = (
    "item",
    "stage",
    "title",
    "question",
    "standard",
    "evidence_required",
    "weight",
    "level",
    "evidence",
    "notes",
)
MAX_CODE = 30  # recommendation codes are <assessment code>-<item>, at most 40 characters


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def read_assessment(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The metadata and the item levels of a filled assessment (YAML or Excel)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            _("file not found: {path}", path=path), hint=_("Check the path."), file=str(path)
        )
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        meta = {k: data.get(k) for k in META}
        items = pd.DataFrame(
            data.get("items") or [], columns=["item", "level", "evidence", "notes"]
        )
    elif path.suffix.lower() == ".xlsx":
        meta, items = _read_xlsx(path)
    else:
        raise InputError(
            _("cannot read {path}: an assessment is a .yaml or .xlsx file", path=path),
            hint=_("Start from: barrio assess --template assessment.xlsx"),
            file=str(path),
        )
    return _check(meta, items, path.name)


def _read_xlsx(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    from barrio.ingest.readers import read_text_table

    meta_rows = read_text_table(path, sheet="assessment").table.to_pandas()
    meta = {str(r[0]).strip(): r[1] for r in meta_rows.itertuples(index=False) if r[0]}
    items = read_text_table(path, sheet="items").table.to_pandas()
    return {k: meta.get(k) for k in META}, items


def _check(meta: dict[str, Any], items: pd.DataFrame, name: str) -> tuple[dict, pd.DataFrame]:
    problems = [
        _("{field} is missing", field=k)
        for k in ("code", "strategy", "agency", "assessed_on")
        if not meta.get(k)
    ]
    if meta.get("code") and len(str(meta["code"])) > MAX_CODE:
        problems.append(_("code is longer than {n} characters", n=MAX_CODE))
    try:
        meta["assessed_on"] = (
            pd.Timestamp(meta["assessed_on"]).date() if meta.get("assessed_on") else None
        )
    except ValueError:
        problems.append(_("assessed_on is not a date: {value}", value=meta["assessed_on"]))
    items = items.copy()
    items["item"] = items["item"].map(_text).str.strip()
    raw = items["level"].map(_text).str.strip().str.lower()
    level = pd.to_numeric(raw, errors="coerce")
    na = raw.isin(NOT_APPLICABLE)
    items["level"] = level.where(~na)
    items["evidence"] = items.get("evidence", pd.Series("", index=items.index)).map(_text)
    items["notes"] = items.get("notes", pd.Series("", index=items.index)).map(_text)
    bad = (level.isna() & ~na) | ~(level.isna() | level.isin([0, 1, 2, 3, 4]))
    for item, value in zip(items.loc[bad, "item"], raw[bad], strict=True):
        problems.append(_("item {item}: level {value!r} is not 0-4 or na", item=item, value=value))
    no_evidence = (items["level"] >= 1) & (items["evidence"].str.strip() == "")
    for item in items.loc[no_evidence, "item"]:
        problems.append(_("item {item}: a level of 1 or more needs its evidence", item=item))
    if problems:
        raise InputError(
            _(
                "{file}: the assessment cannot be read: {problems}",
                file=name,
                problems="; ".join(problems),
            ),
            hint=_("Fill every item with a level 0-4 (or na) and the evidence for levels 1-4."),
            file=name,
            problems=problems,
        )
    return meta, items[["item", "level", "evidence", "notes"]]


def write_assessment_template(path: Path, instrument: Instrument, *, locale: str | None = None):
    """An Excel workbook to fill: sheet ``assessment`` (metadata) and ``items`` (one per item)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    locale = locale or current_locale()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "assessment"
    ws.append(["field", "value"])
    for key in META:
        ws.append([key, ""])
    ws.append([])
    ws.append([_("assessed_on as dd/mm/yyyy or yyyy-mm-dd; code at most 30 characters.")])
    items = wb.create_sheet("items")
    items.append(list(ITEM_HEADERS))
    for row in instrument.items.to_dict("records"):
        items.append(
            [
                row["item"],
                row["stage"],
                _pick(row["title"], locale),
                _pick(row["question"], locale),
                row["standard"],
                _pick(row["evidence_required"], locale),
                row["weight"],
                None,
                None,
                None,
            ]
        )
    for sheet in (ws, items):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHIJ", (6, 6, 30, 70, 45, 40, 7, 7, 50, 30), strict=True):
        items.column_dimensions[col].width = width
    for cells in items.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    rule = DataValidation(type="list", formula1='"0,1,2,3,4,na"', allow_blank=True)
    items.add_data_validation(rule)
    rule.add(f"H2:H{len(instrument.items) + 1}")
    levels = wb.create_sheet("levels")
    levels.append(["level", "name"])
    for level, names in instrument.levels.items():
        levels.append([level, _pick(names, locale)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _pick(labels: Any, locale: str) -> str:
    if isinstance(labels, dict):
        return str(labels.get(locale) or labels.get("en", ""))
    return str(labels)


def save_assessment(
    store: Store,
    meta: dict[str, Any],
    levels: pd.DataFrame,
    instrument: Instrument,
    *,
    actor: str | None = None,
    recommend: bool = True,
    locale: str | None = None,
) -> dict[str, Any]:
    """Store (or replace) an assessment, score it, and draft recommendations for weak items."""
    from barrio.audit.recommendations import create_recommendation
    from barrio.store.register import Recommendation

    scores = score_assessment(instrument, levels)  # refuses levels that do not match
    code = str(meta["code"])
    with store.session(actor=actor) as session:
        record = session.execute(select(Assessment).where(Assessment.code == code)).scalar()
        fields = {
            "strategy": str(meta["strategy"]),
            "agency": str(meta["agency"]),
            "assessed_on": meta["assessed_on"],
            "assessor": _text(meta.get("assessor")),
            "notes": _text(meta.get("notes")),
            "instrument": instrument.id,
            "instrument_version": instrument.version,
        }
        if record is None:
            record = Assessment(code=code, **fields)
            session.add(record)
        else:
            for key, value in fields.items():
                setattr(record, key, value)
        _set_items(record, levels)
        drafted: list[str] = []
        if recommend:
            existing = set(session.scalars(select(Recommendation.code)).all())
            for draft in draft_recommendations(
                instrument, scores, assessment_code=code, locale=locale
            ):
                if draft["code"] in existing:
                    continue
                create_recommendation(
                    session,
                    code=draft["code"],
                    title=draft["title"],
                    theme=draft["theme"],
                    description=draft["description"],
                    priority=draft["priority"],
                    source="assessment",
                    source_ref=draft["source_ref"],
                    registered_on=meta["assessed_on"],
                )
                drafted.append(draft["code"])
    return {"code": code, **summary(scores), "recommendations_drafted": drafted}


def _set_items(record: Assessment, levels: pd.DataFrame) -> None:
    """Replace the assessment's items by the given levels (changes are audit-logged)."""
    current = {i.item: i for i in record.items}
    wanted = set()
    for row in levels.to_dict("records"):
        level = None if pd.isna(row["level"]) else int(row["level"])
        values = {
            "level": level,
            "evidence": _text(row.get("evidence")),
            "notes": _text(row.get("notes")),
        }
        wanted.add(row["item"])
        item = current.get(row["item"])
        if item is None:
            record.items.append(AssessmentItem(item=row["item"], **values))
            continue
        for key, value in values.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
    for key, item in current.items():
        if key not in wanted:
            record.items.remove(item)


def load_assessment(store: Store, code: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """The stored assessment ``code``: metadata and item levels."""
    with store.session() as session:
        record = session.execute(select(Assessment).where(Assessment.code == code)).scalar()
        if record is None:
            known = session.scalars(select(Assessment.code)).all()
            raise InputError(
                _("no assessment with code {code}", code=code),
                hint=_("Stored assessments: {codes}", codes=", ".join(known) or "-"),
                code=code,
            )
        meta = {k: getattr(record, k) for k in META}
        meta["instrument"], meta["instrument_version"] = (
            record.instrument,
            record.instrument_version,
        )
        levels = pd.DataFrame(
            [(i.item, i.level, i.evidence, i.notes) for i in record.items],
            columns=["item", "level", "evidence", "notes"],
        )
    levels["level"] = levels["level"].astype("float64")
    return meta, levels


def summary(scores: AssessmentScores, locale: str | None = None) -> dict[str, Any]:
    """Overall, stage and principle scores, and the items at level 0-1, as plain data."""
    items = scores.items
    weak = items[items["level"].notna() & (items["level"] <= 1)]
    return {
        "overall": round(scores.overall, 1),
        "stages": [
            {
                "stage": int(r["stage"]),
                "score": round(float(r["score"]), 1),
                "items": int(r["items"]),
                "assessed": int(r["assessed"]),
            }
            for r in records(scores.stages)
        ],
        "principles": {
            str(r["principle"]): round(float(r["score"]), 1)
            for r in records(scores.principles)
            if pd.notna(r["score"])
        },
        "weak_items": [
            {
                "item": r["item"],
                "level": int(r["level"]),
                "title": _pick(r["title"], locale or current_locale()),
            }
            for r in weak.to_dict("records")
        ],
        "parameters": scores.parameters,
    }
