"""Import a validated diagnosis into the application store, and read it back as dataframes.

:func:`import_diagnosis` reads the files, validates every row against the codebook, the
workspace's neighbourhoods and what the store already holds, and writes activities and findings
in **one transaction**: when any row has a problem nothing is written, the problems go to a
rejects file and the error lists them. Re-importing a file is idempotent: rows whose code is
already stored are *unchanged* when equal and *updated* (audit-logged) when edited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from barrio.audit._frames import records
from barrio.audit.codebook import Codebook
from barrio.audit.diagnosis import ACTIVITY_COLUMNS, DiagnosisBatch, validate
from barrio.audit.diagnosis_files import read_diagnosis_files
from barrio.errors import IngestError
from barrio.i18n import _
from barrio.store.diagnosis import AGE_COLUMNS, SEX_COLUMNS, Activity, DiagnosisImport, Finding

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from barrio.store.session import Store

ACTIVITY_FIELDS = ("kind", "held_on", "area_id", "facilitator", *SEX_COLUMNS, *AGE_COLUMNS, "notes")
FINDING_FIELDS = (
    "kind",
    "theme",
    "description",
    "intensity",
    "population_group",
    "area_id",
    "lon",
    "lat",
    "segment",
    "coder",
    "second_coding",
)
SHOWN_PROBLEMS = 20


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _store_context(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Activities already stored (code -> area) and first-coded segments (segment -> coder)."""
    activities = dict(session.execute(select(Activity.code, Activity.area_id)).all())
    firsts = session.execute(
        select(Finding.segment, Finding.coder).where(Finding.second_coding.is_(False))
    )
    return activities, dict(firsts.all())


def _plain(value: Any) -> Any:
    """A Python value for the ORM (NaN/NA -> None, numpy scalars -> Python, dates -> date)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def _activity_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {f: _plain(row.get(f)) for f in ACTIVITY_FIELDS if f != "held_on"}
    values["held_on"] = _plain(row["date"])
    values["notes"] = values["notes"] or ""
    return values


def _finding_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {f: _plain(row.get(f)) for f in FINDING_FIELDS}
    values["second_coding"] = bool(values["second_coding"])
    values["coder"] = values["coder"] or ""
    values["intensity"] = int(values["intensity"])
    return values


def _existing(session: Session, model: Any, codes: list[str]) -> dict[str, Any]:
    """Stored records of ``model`` with these codes, by code (one query per 500 codes)."""
    out: dict[str, Any] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        out.update(
            {
                r.code: r
                for r in session.execute(select(model).where(model.code.in_(chunk))).scalars()
            }
        )
    return out


def _upsert(
    session: Session, model: type, existing: dict[str, Any], code: str, values: dict[str, Any]
) -> str:
    """Insert, update or leave the record with this code; returns new | updated | unchanged."""
    record = existing.get(code)
    if record is None:
        session.add(model(code=code, **values))
        return "new"
    changed = {k: v for k, v in values.items() if k != "import_id" and getattr(record, k) != v}
    for key, value in changed.items():
        setattr(record, key, value)
    return "updated" if changed else "unchanged"


def write_rejects(problems: pd.DataFrame, folder: Path, stem: str) -> Path:
    """Write the problems table as ``<folder>/<stem>.csv`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.csv"
    problems.to_csv(path, index=False, encoding="utf-8")
    return path


def _refuse(batch: DiagnosisBatch, rejects: Path | None) -> IngestError:
    problems = batch.problems
    lines = []
    for r in records(problems.head(SHOWN_PROBLEMS)):
        value = f" ({r['value']})" if pd.notna(r["value"]) else ""
        lines.append(
            _(
                "{file} [{sheet}] row {row}, {column}: {problem}{value} - {fix}",
                file=r["file"],
                sheet=r["sheet"],
                row=r["row"],
                column=r["column"],
                problem=r["message"],
                value=value,
                fix=r["fix"],
            )
        )
    more = len(problems) - len(lines)
    message = _(
        "{n} problems in the diagnosis file(s); nothing was imported:\n{lines}",
        n=len(problems),
        lines="\n".join(lines) + (_("\n... and {more} more", more=more) if more > 0 else ""),
    )
    return IngestError(
        message,
        hint=_(
            "Fix the rows listed (all of them are in {file}) and import again.", file=rejects or "-"
        ),
        files=batch.files,
        problems=len(problems),
        reasons={str(k): int(v) for k, v in problems["reason"].value_counts().items()},
        rejects_file=str(rejects) if rejects else None,
        first=problems.head(SHOWN_PROBLEMS)
        .astype(object)
        .where(problems.notna(), None)
        .to_dict("records"),
    )


def import_diagnosis(
    store: Store,
    paths: list[Path],
    *,
    codebook: Codebook,
    known_areas: set[str] | None = None,
    actor: str | None = None,
    today: dt.date | None = None,
    rejects_dir: Path | None = None,
) -> dict[str, Any]:
    """Validate diagnosis files and write them to ``store`` in one transaction.

    Returns counts (activities and findings: new, updated, unchanged) and the import id; raises
    :class:`~barrio.errors.IngestError` listing every problem (and writes them to
    ``rejects_dir``) when any row is invalid.
    """
    paths = [Path(p) for p in paths]
    tables = read_diagnosis_files(paths)
    with store.session(actor=actor) as session:
        store_activities, first_coders = _store_context(session)
        batch = validate(
            tables,
            codebook=codebook,
            today=today,
            known_areas=known_areas,
            store_activities=store_activities,
            store_first_coders=first_coders,
        )
        if not batch.ok:
            stem = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-diagnosis"
            rejects = write_rejects(batch.problems, rejects_dir, stem) if rejects_dir else None
            raise _refuse(batch, rejects)
        record = DiagnosisImport(
            file=", ".join(p.name for p in paths),
            file_sha256=_sha256(paths),
            activities=len(batch.activities),
            findings=len(batch.findings),
            codebook={
                "id": codebook.id,
                "version": codebook.version,
                "sources": list(codebook.sources),
            },
        )
        session.add(record)
        session.flush()
        counts = _write(session, batch, record.id)
    return {"import_id": record.id, "files": batch.files, **counts}


def _write(session: Session, batch: DiagnosisBatch, import_id: int) -> dict[str, Any]:
    out: dict[str, dict[str, int]] = {"activities": {}, "findings": {}}
    stored = _existing(session, Activity, batch.activities["activity_id"].tolist())
    for row in records(batch.activities):
        values = {**_activity_values(row), "import_id": import_id}
        status = _upsert(session, Activity, stored, row["activity_id"], values)
        out["activities"][status] = out["activities"].get(status, 0) + 1
    session.flush()
    ids = dict(session.execute(select(Activity.code, Activity.id)).all())
    stored = _existing(session, Finding, batch.findings["finding_id"].tolist())
    for row in records(batch.findings):
        values = {
            **_finding_values(row),
            "activity_id": ids[row["activity_id"]],
            "import_id": import_id,
        }
        status = _upsert(session, Finding, stored, row["finding_id"], values)
        out["findings"][status] = out["findings"].get(status, 0) + 1
    return out


# ---------------------------------------------------------------- reading back


def load_findings(store: Store) -> pd.DataFrame:
    """Every stored finding with its activity's kind and date (one row per finding)."""
    columns = ["code", "activity", "activity_kind", "held_on", *FINDING_FIELDS]
    query = (
        select(
            Finding.code,
            Activity.code,
            Activity.kind,
            Activity.held_on,
            *(getattr(Finding, f) for f in FINDING_FIELDS),
        )
        .join(Activity, Finding.activity_id == Activity.id)
        .order_by(Finding.id)
    )
    with store.session() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.astype({"intensity": "int64", "second_coding": "bool"})


def load_activities(store: Store) -> pd.DataFrame:
    """Every stored activity (one row per activity)."""
    fields = ("code", *ACTIVITY_FIELDS)
    with store.session() as session:
        rows = session.execute(select(*(getattr(Activity, f) for f in fields))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(fields))


def participation(activities: pd.DataFrame) -> dict[str, Any]:
    """Activities by kind and participants by sex and age group (totals over activities)."""
    counts = activities[list(SEX_COLUMNS + AGE_COLUMNS)].astype("Float64").sum()
    return {
        "activities": len(activities),
        "by_kind": {str(k): int(v) for k, v in activities["kind"].value_counts().items()},
        "neighborhoods": int(activities["area_id"].nunique()),
        "participants": {str(k).removeprefix("participants_"): int(v) for k, v in counts.items()},
    }


def manifest(store: Store) -> list[dict[str, Any]]:
    """The recorded diagnosis imports (file, hash, counts, codebook, time)."""
    with store.session() as session:
        rows = session.execute(select(DiagnosisImport).order_by(DiagnosisImport.id)).scalars()
        return [
            {
                "id": r.id,
                "file": r.file,
                "sha256": r.file_sha256,
                "activities": r.activities,
                "findings": r.findings,
                "codebook": json.loads(json.dumps(r.codebook)),
                "imported_at": r.imported_at,
            }
            for r in rows
        ]


__all__ = [
    "ACTIVITY_COLUMNS",
    "import_diagnosis",
    "load_activities",
    "load_findings",
    "manifest",
    "participation",
]
