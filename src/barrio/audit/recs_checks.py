"""Cross-row checks of a register import: duplicates, references, and event sequences.

Runs after every cell has been parsed (:func:`barrio.audit.recs_import.parse_sheet`) and before
anything is written, against the file and what the register already holds, so that a file is
either accepted whole or rejected with every problem listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from barrio.audit import recs_fields as rules
from barrio.audit.recs_status import RegisterError, check_transition
from barrio.store.accounts import Institution
from barrio.store.register import Recommendation, StatusEvent

EVENT_KEYS = ("status", "effective_on", "evidence_text", "evidence_url", "evidence_file", "author")


@dataclass
class Problem:
    """One rejected value or row."""

    file: str
    sheet: str
    row: int
    column: str
    value: str | None
    reason: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The problem with its message and fix in the current language."""
        message = rules.FieldError(self.reason, self.detail).message()
        return {
            "file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
            "value": self.value, "reason": self.reason, "message": message,
            "fix": rules.reason_fix(self.reason),
        }  # fmt: skip


@dataclass
class Sheet:
    """The parsed rows of one sheet: ``rows[i]`` is data row ``numbers[i]``."""

    name: str
    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    columns: tuple[str, ...] = ()


def _duplicates(sheet: Sheet | None, problems: list[Problem]) -> None:
    """A code used by an earlier row of the same sheet."""
    if sheet is None:
        return
    seen: dict[str, int] = {}
    for row, number in zip(sheet.rows, sheet.numbers, strict=True):
        code = row["code"]
        if code in seen:
            detail = f"row {seen[code]}"
            problems.append(
                Problem(sheet.file, sheet.name, number, "code", code, "duplicate_key", detail)
            )
        else:
            seen[code] = number


def _reporter(problems: list[Problem], sheet: Sheet, number: int) -> Callable[..., None]:
    """A function appending a Problem of row ``number`` of ``sheet``."""

    def bad(column: str, value: Any, reason: str, detail: str = "") -> None:
        problems.append(Problem(sheet.file, sheet.name, number, column, value, reason, detail))

    return bad


def _each(sheet: Sheet | None) -> list[tuple[int, dict[str, Any]]]:
    return list(zip(sheet.numbers, sheet.rows, strict=True)) if sheet else []


def check_references(
    session: Session,
    sheets: dict[str, Sheet],
    problems: list[Problem],
    *,
    known_areas: Collection[str] | None = None,
    themes: Collection[str] | None = None,
) -> None:
    """Append a Problem for every broken reference or invalid event sequence."""
    recs, events = sheets.get("recommendations"), sheets.get("status_events")
    _duplicates(sheets.get("institutions"), problems)
    _duplicates(recs, problems)
    institutions = set(session.scalars(select(Institution.code)).all())
    institutions |= {r["code"] for _n, r in _each(sheets.get("institutions"))}
    areas = set(known_areas) if known_areas is not None else None
    findings = _known_findings(session, recs)
    for number, row in _each(recs):
        assert recs is not None
        bad = _reporter(problems, recs, number)

        for code in [row["responsible"], *row["co_responsible"]]:
            if code and code not in institutions:
                column = "responsible" if code == row["responsible"] else "co_responsible"
                bad(column, code, "unknown_institution")
        if themes is not None and row["theme"] not in themes:
            bad("theme", row["theme"], "unknown_theme", ", ".join(sorted(themes)))
        missing = [a for a in row["neighborhoods"] if areas is not None and a not in areas]
        if missing:
            bad("neighborhoods", "; ".join(missing), "unknown_area")
        absent = [str(f) for f in row["findings"] if f not in findings]
        if absent:
            bad("findings", "; ".join(absent), "unknown_finding")
    if events is not None:
        _check_events(session, recs, events, problems)


def _known_findings(session: Session, recs: Sheet | None) -> set[int]:
    """The ids of the stored diagnosis findings that the sheet's recommendations name."""
    from barrio.store.diagnosis import Finding

    wanted = sorted({f for _n, row in _each(recs) for f in row["findings"]})
    if not wanted:
        return set()
    return set(session.scalars(select(Finding.id).where(Finding.id.in_(wanted))).all())


@dataclass
class _Track:
    """What is known of one recommendation's events while the file's are checked."""

    latest_on: dt.date | None = None
    status: str | None = None
    stored: list[tuple[Any, ...]] = field(default_factory=list)  # event keys, in order


def _stored_tracks(session: Session, codes: set[str]) -> dict[str, _Track]:
    query = (
        select(Recommendation.code, *[getattr(StatusEvent, k) for k in EVENT_KEYS])
        .join(StatusEvent, StatusEvent.recommendation_id == Recommendation.id)
        .where(Recommendation.code.in_(sorted(codes)))
        .order_by(StatusEvent.effective_on, StatusEvent.id)
    )
    tracks: dict[str, _Track] = {}
    for code, *values in session.execute(query).all():
        track = tracks.setdefault(code, _Track())
        track.latest_on, track.status = values[1], values[0]
        track.stored.append(event_key(dict(zip(EVENT_KEYS, values, strict=True))))
    for code in codes - set(tracks):
        tracks[code] = _Track()
    return tracks


def event_key(values: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two events the same (a re-imported event is recognised by it)."""
    return tuple(values[k] or None for k in EVENT_KEYS)


def stored_event_keys(session: Session, codes: set[str]) -> dict[str, set[tuple[Any, ...]]]:
    """The :func:`event_key` of every stored event of the recommendations with ``codes``."""
    return {code: set(track.stored) for code, track in _stored_tracks(session, codes).items()}


def _check_events(
    session: Session, recs: Sheet | None, events: Sheet, problems: list[Problem]
) -> None:
    from barrio.audit.recs_import import registration

    stored_codes = set(session.scalars(select(Recommendation.code)).all())
    file_recs = {r["code"]: r for _n, r in _each(recs)}
    tracks = _stored_tracks(session, {r["code"] for r in events.rows} & stored_codes)
    for code, row in file_recs.items():
        if code not in stored_codes:
            registered = registration(row, events.rows)
            tracks[code] = _Track(registered, "not_started" if registered else None)
    seen: dict[tuple[Any, ...], int] = {}
    order = sorted(range(len(events.rows)), key=lambda i: (events.rows[i]["effective_on"], i))
    for i in order:
        row, number = events.rows[i], events.numbers[i]
        bad = _reporter(problems, events, number)

        track = tracks.get(row["code"])
        if track is None:
            bad("code", row["code"], "unknown_recommendation")
            continue
        key = (row["code"], *event_key(row))
        if key in seen:
            bad("status", row["status"], "duplicate_row", f"row {seen[key]}")
            continue
        seen[key] = number
        if key[1:] in track.stored:
            continue  # already recorded: an unchanged re-import
        if track.latest_on is not None and row["effective_on"] < track.latest_on:
            bad("effective_on", row["effective_on"].isoformat(), "event_out_of_order",
                f"{track.latest_on.isoformat()}, {track.status}")  # fmt: skip
            continue
        if row["status"] != "not_started" and not any(
            row[k] for k in ("evidence_text", "evidence_url", "evidence_file")
        ):
            bad("evidence_text", None, "missing_evidence")
            continue
        try:
            check_transition(track.status, row["status"], code=row["code"])
        except RegisterError:
            bad("status", row["status"], "bad_transition", f"{track.status} -> {row['status']}")
            continue
        track.latest_on, track.status = row["effective_on"], row["status"]
