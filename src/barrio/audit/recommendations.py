"""The recommendations register: create recommendations and record their status events.

Keyword-only service functions on a store session (see :func:`barrio.store.open_store`); the
command line, the import, the strategy assessment and the portal all go through them, so the
same checks apply everywhere and every change lands in the audit trail.

>>> import tempfile, pathlib, datetime as dt
>>> from barrio.store import open_store
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "barrio.db")
>>> with store.session(actor="ana") as s:
...     _ = add_institution(s, code="OBRAS", name="Obras Públicas")
...     rec = create_recommendation(s, code="R-001", title="Repair street lighting",
...         theme="public_space", responsible="OBRAS", registered_on=dt.date(2023, 2, 1))
...     _ = record_status(s, "R-001", "in_process", on=dt.date(2023, 5, 2),
...         evidence_text="Works contract signed", author="ana")
...     current_status(s, rec)
'in_process'
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from barrio.audit import recs_fields as rules
from barrio.audit.recs_status import RegisterError, check_transition
from barrio.i18n import _
from barrio.store.accounts import Institution
from barrio.store.register import (
    Recommendation,
    RecommendationFinding,
    RecommendationInstitution,
    RecommendationNeighborhood,
    StatusEvent,
)

CODE_PREFIX = "R-"
# register fields settable on a recommendation, beyond its links
SCALARS = (
    "title", "description", "theme", "target", "priority", "horizon", "due_on", "plan_line",
    "sdg_targets", "iccs_codes", "source", "source_ref", "is_public", "internal_notes",
)  # fmt: skip
DEFAULTS: dict[str, Any] = {
    "description": "", "target": "institution", "priority": "medium", "horizon": "medium",
    "source": "audit", "is_public": True, "internal_notes": "", "sdg_targets": [],
    "iccs_codes": [],
}  # fmt: skip
_FIELDS = {f.name: f for f in rules.RECOMMENDATION_FIELDS} | {
    "is_public": rules.Field("public", rules.boolean)
}


def _clean(name: str, value: Any, parse: Any | None = None) -> Any:
    """Parse one API value with the template's rules; a problem becomes a RegisterError."""
    try:
        return (parse or _FIELDS[name].parse)(value)
    except rules.FieldError as problem:
        raise RegisterError(
            _("{field}: {problem} ({value!r})", field=name, problem=problem.message(), value=value),
            hint=rules.reason_fix(problem.reason),
            field=name,
            reason=problem.reason,
        ) from None


def get_institution(session: Session, code: str) -> Institution:
    """The institution with ``code``; a RegisterError listing the known codes otherwise."""
    found = session.scalar(select(Institution).where(Institution.code == code))
    if found is None:
        known = session.scalars(select(Institution.code).order_by(Institution.code)).all()
        raise RegisterError(
            _("unknown institution {code!r}; known: {known}", code=code,
              known=", ".join(known) or "-"),
            hint=_("Add it first: barrio recs import with an institutions sheet."),
            institution=code,
        )  # fmt: skip
    return found


def add_institution(
    session: Session, *, code: str, name: str, kind: str = "municipal"
) -> tuple[Institution, str]:
    """Add an institution, or update its name/kind; returns it and new | updated | unchanged."""
    code = _clean("code", code)
    name = _clean("name", name, rules.text(200))
    kind = _clean("kind", kind, rules.choice(rules.INSTITUTION_KINDS)) or "municipal"
    found = session.scalar(select(Institution).where(Institution.code == code))
    if found is None:
        found = Institution(code=code, name=name, kind=kind)
        session.add(found)
        session.flush()
        return found, "new"
    if (found.name, found.kind) == (name, kind):
        return found, "unchanged"
    found.name, found.kind = name, kind
    return found, "updated"


def get_recommendation(session: Session, code: str) -> Recommendation:
    """The recommendation with ``code``; a RegisterError otherwise."""
    found = session.scalar(select(Recommendation).where(Recommendation.code == code))
    if found is None:
        raise RegisterError(
            _("no recommendation with code {code!r}", code=code),
            hint=_("List them with: barrio recs list"),
            recommendation=code,
        )
    return found


def next_code(session: Session, prefix: str = CODE_PREFIX) -> str:
    """The next free code ``<prefix>NNN`` after the highest number in use with that prefix."""
    codes = session.scalars(
        select(Recommendation.code).where(Recommendation.code.startswith(prefix))
    ).all()
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"(\d+)", c[len(prefix) :]))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def create_recommendation(
    session: Session,
    *,
    title: str,
    theme: str,
    code: str | None = None,
    responsible: str | None = None,
    co_responsible: Iterable[str] = (),
    neighborhoods: Iterable[str] = (),
    findings: Iterable[int] = (),
    registered_on: dt.date | None = None,
    author: str | None = None,
    themes: Collection[str] | None = None,
    **fields: Any,
) -> Recommendation:
    """Add a recommendation and its first status event (``not_started`` on ``registered_on``).

    Parameters
    ----------
    title, theme
        What should be done, and its codebook theme.
    code
        A unique code; ``None`` takes the next ``R-NNN``.
    responsible, co_responsible
        Institution codes (they must exist).
    neighborhoods, findings
        ``area_id`` values and diagnosis finding ids the recommendation is about.
    registered_on, author
        Date and author of the registration event (default: today, the session's actor).
    themes
        When given, ``theme`` must be one of them (the codebook's theme ids).
    **fields
        Any of ``description``, ``target`` (community | institution), ``priority`` (high |
        medium | low), ``horizon`` (short | medium | long), ``due_on``, ``plan_line``,
        ``sdg_targets``, ``iccs_codes``, ``source`` (audit | assessment | diagnosis | other),
        ``source_ref`` (e.g. the assessment item), ``is_public``, ``internal_notes``.
    """
    code = _clean("code", code) or next_code(session)
    if session.scalar(select(Recommendation.id).where(Recommendation.code == code)) is not None:
        raise RegisterError(
            _("a recommendation with code {code!r} already exists", code=code),
            hint=_("Choose another code, or change the existing one with barrio recs import."),
            recommendation=code,
        )
    rec = Recommendation(code=code, **{**DEFAULTS, **_values(title=title, theme=theme, **fields)})
    _check_theme(rec.theme, themes)
    set_links(session, rec, responsible, co_responsible, neighborhoods, findings)
    session.add(rec)
    session.flush()
    when = _clean("registered_on", registered_on) or dt.date.today()
    record_status(session, rec, "not_started", on=when, author=author or _actor(session))
    return rec


def _values(**fields: Any) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(SCALARS))
    if unknown:
        raise RegisterError(
            _("unknown recommendation field(s): {names}; expected some of: {allowed}",
              names=", ".join(unknown), allowed=", ".join(SCALARS)),
            field=unknown[0],
        )  # fmt: skip
    out = {name: _clean(name, value) for name, value in fields.items()}
    for name in ("title", "theme"):
        if name in out and not out[name]:
            raise RegisterError(_("{field} is required", field=name), field=name)
    return {k: v for k, v in out.items() if v is not None or k in ("due_on", "plan_line")}


def _check_theme(theme: str, themes: Collection[str] | None) -> None:
    if themes is not None and theme not in themes:
        raise RegisterError(
            _("theme {theme!r} is not in the codebook; expected one of: {allowed}", theme=theme,
              allowed=", ".join(sorted(themes))),
            hint=_("Use a codebook theme, or add it to the workspace codebook.yaml."),
            theme=theme,
        )  # fmt: skip


def update_recommendation(
    session: Session, rec: Recommendation, *, themes: Collection[str] | None = None, **fields: Any
) -> bool:
    """Change scalar fields of ``rec`` (same names as :func:`create_recommendation`);
    returns whether anything changed. Links change with :func:`set_links`."""
    changed = False
    for name, value in _values(**fields).items():
        if getattr(rec, name) != value:
            setattr(rec, name, value)
            changed = True
    _check_theme(rec.theme, themes)
    return changed


def set_links(
    session: Session,
    rec: Recommendation,
    responsible: str | None,
    co_responsible: Iterable[str],
    neighborhoods: Iterable[str],
    findings: Iterable[int],
) -> bool:
    """Set the responsible institution and the link rows of ``rec`` to exactly these.

    Rows that stay are kept (so the audit trail shows only real additions and removals).
    Returns whether anything changed.
    """
    institution = get_institution(session, responsible) if responsible else None
    changed = rec.responsible is not institution
    rec.responsible = institution
    co = {get_institution(session, c).id: None for c in _clean("co_responsible", co_responsible)}
    hoods = dict.fromkeys(_clean("neighborhoods", neighborhoods))
    finding_ids = dict.fromkeys(_clean("findings", findings))
    _check_findings(session, list(finding_ids))
    changed |= _sync(rec.co_responsible, co, "institution_id",
                     lambda key: RecommendationInstitution(institution_id=key))  # fmt: skip
    changed |= _sync(rec.neighborhoods, hoods, "area_id",
                     lambda key: RecommendationNeighborhood(area_id=key))  # fmt: skip
    changed |= _sync(rec.findings, finding_ids, "finding_id",
                     lambda key: RecommendationFinding(finding_id=key))  # fmt: skip
    return changed


def _check_findings(session: Session, ids: list[int]) -> None:
    """A RegisterError naming the finding ids that are not in the diagnosis."""
    from barrio.store.diagnosis import Finding

    if not ids:
        return
    found = set(session.scalars(select(Finding.id).where(Finding.id.in_(ids))).all())
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise RegisterError(
            _("unknown diagnosis finding(s) {ids}", ids=", ".join(missing)),
            hint=_("import the diagnosis first (barrio diagnosis import) or correct the id"),
            findings=missing,
        )


def _sync(rows: list[Any], wanted: dict[Any, None], key: str, make: Any) -> bool:
    """Make the link ``rows`` hold exactly the ``wanted`` keys, keeping the rows that stay."""
    have = {getattr(row, key): row for row in rows}
    removed = [row for k, row in have.items() if k not in wanted]
    for row in removed:
        rows.remove(row)
    added = [k for k in wanted if k not in have]
    rows.extend(make(k) for k in added)
    return bool(removed or added)


def _actor(session: Session) -> str:
    return str(session.info.get("actor") or "system")


def latest_event(session: Session, rec: Recommendation) -> StatusEvent | None:
    """The latest status event of ``rec`` (by date, ties by id), or None."""
    return session.scalar(
        select(StatusEvent)
        .where(StatusEvent.recommendation_id == rec.id)
        .order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc())
        .limit(1)
    )


def current_status(session: Session, rec: Recommendation) -> str | None:
    """The status of ``rec`` now: that of its latest event."""
    event = latest_event(session, rec)
    return event.status if event else None


def record_status(
    session: Session,
    recommendation: Recommendation | str,
    status: str,
    *,
    on: dt.date | None = None,
    author: str | None = None,
    evidence_text: str = "",
    evidence_url: str | None = None,
    evidence_file: str | None = None,
    reviewer: str | None = None,
    internal_note: str = "",
) -> StatusEvent:
    """Append a status event to a recommendation (given as object or code).

    The event is checked against the latest one: it may not be dated before it, nor in the
    future, and the change must be allowed (see :mod:`barrio.audit.recs_status`).
    """
    rec = get_recommendation(session, recommendation) if isinstance(recommendation, str) else (
        recommendation
    )  # fmt: skip
    status = _clean("status", status, rules.choice(rules.STATUSES))
    if not status:
        raise RegisterError(_("status is required"), field="status")
    when = _clean("effective_on", on, rules.past_date) or dt.date.today()
    latest = latest_event(session, rec)
    if latest is not None and when < latest.effective_on:
        raise RegisterError(
            _("event of {code} dated {date} is before its latest event ({latest}, {status})",
              code=rec.code, date=when, latest=latest.effective_on, status=latest.status),
            hint=_("Status events are appended in date order; check the date."),
            recommendation=rec.code,
        )  # fmt: skip
    check_transition(latest.status if latest else None, status, code=rec.code)
    if status != "not_started" and not (evidence_text or evidence_url or evidence_file):
        raise RegisterError(
            _("the change of {code} to {status} needs evidence", code=rec.code, status=status),
            hint=_("Give the evidence as text, a link or a file (--evidence, --link, --file)."),
            recommendation=rec.code,
        )
    event = StatusEvent(
        recommendation=rec,
        status=status,
        effective_on=when,
        author=_clean("author", author, rules.text(200)) or _actor(session),
        evidence_text=_clean("evidence_text", evidence_text, rules.text()) or "",
        evidence_url=_clean("evidence_url", evidence_url, rules.text(500)),
        evidence_file=_clean("evidence_file", evidence_file, rules.text(500)),
        reviewer=_clean("reviewer", reviewer, rules.text(200)),
        internal_note=_clean("internal_note", internal_note, rules.text()) or "",
    )
    session.add(event)
    session.flush()
    return event


def count_recommendations(session: Session) -> int:
    """How many recommendations the register holds."""
    return int(session.scalar(select(func.count(Recommendation.id))) or 0)
