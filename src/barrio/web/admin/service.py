"""What the admin pages and the write API do, as functions of (store, workspace, user, values).

Each one opens one store session as the signed-in user (so the audit trail records who changed
what), checks the object-level permission on the record it touches, and calls the audit
workflow's own services (:mod:`barrio.audit.recommendations`, :mod:`barrio.audit.diagnosis_store`,
:mod:`barrio.audit.assessment_store`); nothing is re-implemented here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import select

from barrio.store.accounts import User

if TYPE_CHECKING:
    from barrio.store.session import Store
    from barrio.workspace import Workspace


@dataclass(frozen=True)
class StatusChange:
    """A status change as submitted (strings as typed; the register's rules parse them)."""

    status: str
    on: str | None = None
    evidence_text: str = ""
    evidence_url: str | None = None
    reviewer: str | None = None
    internal_note: str = ""


@dataclass(frozen=True)
class Upload:
    """An uploaded file: the name the browser gave and its content stream."""

    filename: str
    stream: BinaryIO


def recommendation_history(store: Store, code: str) -> dict[str, Any]:
    """The internal view of one recommendation and its events."""
    from barrio.audit.recs_query import history

    with store.session() as session:
        return history(session, code, view="internal")


def editable_codes(store: Store, user: User) -> set[str]:
    """Codes of the recommendations ``user`` may update."""
    from barrio.store.register import Recommendation

    query = select(Recommendation.code)
    if user.role == "editor":
        query = query.where(Recommendation.responsible_id == user.institution_id)
    elif user.role != "admin":
        return set()
    with store.session() as session:
        return set(session.scalars(query).all())


def update_status(
    store: Store,
    root: Path,
    user: User,
    code: str,
    change: StatusChange,
    *,
    upload: Upload | None = None,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Append a status event to recommendation ``code`` as ``user`` (who must be allowed to),
    with an optional evidence file; returns the recommendation's history."""
    from barrio.audit.recommendations import get_recommendation, record_status
    from barrio.web.admin.evidence import DEFAULT_MAX_BYTES, attach_evidence
    from barrio.web.admin.permissions import check_recommendation

    _check_link(change.evidence_url)
    stored = None
    try:
        with store.session(actor=user.username) as session:
            rec = get_recommendation(session, code)
            check_recommendation(user, rec)
            if upload is not None:
                stored = attach_evidence(
                    session, root, rec.id, upload.filename, upload.stream,
                    uploaded_by=user.username, max_bytes=max_bytes or DEFAULT_MAX_BYTES,
                )  # fmt: skip
            record_status(
                session, rec, change.status, on=_date(change.on), author=user.username,
                evidence_text=change.evidence_text, evidence_url=change.evidence_url or None,
                evidence_file=stored.reference if stored else None,
                reviewer=change.reviewer or None, internal_note=change.internal_note,
            )  # fmt: skip
    except BaseException:
        if stored is not None:
            stored.path.unlink(missing_ok=True)
        raise
    return recommendation_history(store, code)


def _date(value: str | None) -> dt.date | None:
    """A date typed as yyyy-mm-dd (or dd/mm/yyyy); blank means today (the register's rule)."""
    from barrio.audit.recs_fields import FieldError, past_date
    from barrio.errors import InputError
    from barrio.i18n import _

    try:
        return past_date(value)
    except FieldError:
        raise InputError(
            _("not a date: {value}", value=value),
            hint=_("Write dates as yyyy-mm-dd, not in the future."),
        ) from None


def _check_link(url: str | None) -> None:
    """Evidence links are shown on public pages: only http(s) links (never ``javascript:``)."""
    from barrio.errors import InputError
    from barrio.i18n import _

    if url and not re.match(r"^https?://[^\s]+$", url.strip(), flags=re.IGNORECASE):
        raise InputError(
            _("the evidence link must start with http:// or https://"),
            hint=_("Paste the full address of the document."),
            evidence_url=url[:200],
        )


# ------------------------------------------------------------------------------- diagnosis

FINDING_FIELDS = ("activity_id", "kind", "theme", "description", "intensity",
                  "population_group", "area_id", "segment", "coder")  # fmt: skip


def next_finding_code(store: Store) -> str:
    """``H<n>`` after the highest numbered finding code."""
    from barrio.store.diagnosis import Finding

    with store.session() as session:
        codes = session.scalars(select(Finding.code)).all()
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"H(\d+)", c))]
    return f"H{max(numbers, default=0) + 1:04d}"


def record_finding(
    store: Store, workspace: Workspace, user: User, values: dict[str, Any]
) -> dict[str, Any]:
    """Record one diagnosis finding of an existing activity, validated exactly like an import
    (codebook themes, neighbourhoods, intensity 1-5 ...); returns the import's counts."""
    from barrio.audit.codebook import load_codebook
    from barrio.audit.diagnosis_store import import_diagnosis
    from barrio.audit.recs_workspace import known_areas

    row = {k: str(values.get(k) or "").strip() for k in FINDING_FIELDS}
    row["finding_id"] = next_finding_code(store)
    row["coder"] = row["coder"] or user.username
    row["second_coding"] = "no"
    with tempfile.TemporaryDirectory(prefix="barrio-finding-") as folder:
        path = Path(folder) / "findings.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["finding_id", *FINDING_FIELDS, "second_coding"])
            writer.writeheader()
            writer.writerow(row)
        result = import_diagnosis(
            store,
            [path],
            codebook=load_codebook(workspace_root=workspace.root),
            known_areas=known_areas(workspace),
            actor=user.username,
            rejects_dir=None,
        )
    return {"finding_id": row["finding_id"], **result}


def diagnosis_choices(store: Store, workspace: Workspace) -> dict[str, Any]:
    """Activities, themes and kinds offered by the finding form."""
    from barrio.audit.codebook import load_codebook
    from barrio.store.diagnosis import FINDING_KINDS, Activity

    with store.session() as session:
        activities = session.execute(
            select(Activity.code, Activity.kind, Activity.area_id, Activity.held_on).order_by(
                Activity.code
            )
        ).all()
    book = load_codebook(workspace_root=workspace.root)
    return {
        "activities": [tuple(a) for a in activities],
        "themes": sorted(book.themes),
        "kinds": FINDING_KINDS,
    }


# ------------------------------------------------------------------------------ assessment


def assessment_items(store: Store) -> list[dict[str, Any]]:
    """Every stored assessment with its items (level, evidence), for the assessment page."""
    from barrio.store.assessment import Assessment

    with store.session() as session:
        records = session.scalars(select(Assessment).order_by(Assessment.code)).all()
        return [
            {
                "code": a.code,
                "strategy": a.strategy,
                "agency": a.agency,
                "assessed_on": a.assessed_on,
                "items": sorted(
                    ({"item": i.item, "level": i.level, "evidence": i.evidence} for i in a.items),
                    key=lambda i: [int(p) if p.isdigit() else p for p in i["item"].split(".")],
                ),
            }
            for a in records
        ]


def set_assessment_level(
    store: Store, user: User, code: str, item: str, level: str, evidence: str
) -> dict[str, Any]:
    """Record the maturity level (0-4, or blank) of one item of assessment ``code`` with its
    evidence, re-score the assessment and return its summary."""
    import pandas as pd

    from barrio.audit.assessment import load_instrument
    from barrio.audit.assessment_store import load_assessment, save_assessment
    from barrio.errors import InputError
    from barrio.i18n import _

    meta, levels = load_assessment(store, code)
    if item not in set(levels["item"]):
        raise InputError(
            _("assessment {code} has no item {item}", code=code, item=item),
            hint=_("Choose an item listed on the page."),
        )
    text = level.strip()
    if text and not (text.isdigit() and 0 <= int(text) <= 4):
        raise InputError(_("level must be 0-4 or blank"), hint=_("Choose a level from the list."))
    mask = levels["item"] == item
    levels.loc[mask, "level"] = float(text) if text else float("nan")
    levels.loc[mask, "evidence"] = evidence.strip()
    levels["level"] = pd.to_numeric(levels["level"])
    return save_assessment(
        store, meta, levels, load_instrument(), actor=user.username, recommend=False
    )
