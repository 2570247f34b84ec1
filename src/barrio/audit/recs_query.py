"""Read the register: filtered lists, overdue recommendations, history, monitoring summary.

Each function reads the register's tables into dataframes once (a handful of queries, whatever
the number of recommendations) and computes statuses with :mod:`barrio.audit.recs_status`.

Two views: ``internal`` (the audit team: everything) and ``public`` (the portal and public
reports: only recommendations marked public, and never internal notes nor the names of the
people who recorded or reviewed an event).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from barrio.audit.recs_status import CLOSED, RegisterError, check_status, status_as_of
from barrio.audit.recs_summary import RegisterSummary, summarize
from barrio.i18n import _
from barrio.store.accounts import Institution
from barrio.store.register import (
    Recommendation,
    RecommendationFinding,
    RecommendationInstitution,
    RecommendationNeighborhood,
    StatusEvent,
)

VIEWS = ("internal", "public")
INTERNAL_ONLY = ("internal_notes", "internal_note", "author", "reviewer", "is_public")


@dataclass(frozen=True)
class RegisterFrames:
    """The register as dataframes: recommendations (with ``institution`` = responsible code),
    events, and the neighborhood, co-responsible and finding links."""

    recommendations: pd.DataFrame
    events: pd.DataFrame
    neighborhoods: pd.DataFrame
    co_responsible: pd.DataFrame
    findings: pd.DataFrame


def _read(session: Session, statement: Any) -> pd.DataFrame:
    return pd.read_sql(statement, session.connection())


def check_view(view: str) -> str:
    """``view`` if it is internal or public."""
    if view not in VIEWS:
        raise RegisterError(
            _("unknown view {view!r}; expected one of: {allowed}", view=view,
              allowed=", ".join(VIEWS)),
        )  # fmt: skip
    return view


def load_frames(session: Session, *, view: str = "internal") -> RegisterFrames:
    """Read the whole register (only the public recommendations for the public view)."""
    rec = Recommendation
    query = select(
        *[c for c in rec.__table__.columns if c.key != "responsible_id"],
        Institution.code.label("institution"),
    ).outerjoin(Institution, Institution.id == rec.responsible_id)
    if check_view(view) == "public":
        query = query.where(rec.is_public.is_(True))
    recs = _read(session, query.order_by(rec.code))
    ids = recs["id"].tolist()
    link = RecommendationInstitution
    frames = RegisterFrames(
        recommendations=recs,
        events=_read(session, select(StatusEvent.__table__).order_by(StatusEvent.id)),
        neighborhoods=_read(session, select(RecommendationNeighborhood.__table__)),
        co_responsible=_read(
            session,
            select(link.recommendation_id, Institution.code.label("institution")).join(
                Institution, Institution.id == link.institution_id
            ),
        ),
        findings=_read(session, select(RecommendationFinding.__table__)),
    )
    if view == "public":
        frames = RegisterFrames(
            recs,
            *(f[f["recommendation_id"].isin(ids)] for f in (
                frames.events, frames.neighborhoods, frames.co_responsible, frames.findings)),
        )  # fmt: skip
    return frames


def _lists(frame: pd.DataFrame, column: str) -> dict[Any, list[Any]]:
    return frame.groupby("recommendation_id")[column].agg(lambda s: sorted(s.tolist())).to_dict()


def table(
    frames: RegisterFrames, at: dt.date | None = None, view: str = "internal"
) -> pd.DataFrame:
    """One row per recommendation registered by ``at``, with its status on that date and its
    links as lists."""
    status = status_as_of(frames.events, at)
    out = frames.recommendations.merge(
        status.rename(columns={"recommendation_id": "id"}), on="id", how="inner"
    )
    for name, frame, column in (
        ("neighborhoods", frames.neighborhoods, "area_id"),
        ("co_responsible", frames.co_responsible, "institution"),
        ("findings", frames.findings, "finding_id"),
    ):
        lists = _lists(frame, column)
        out[name] = [lists.get(i, []) for i in out["id"]]
    if view == "public":
        out = out.drop(columns=[c for c in INTERNAL_ONLY if c in out.columns])
    return out.drop(columns=["created_at"])


def list_recommendations(
    session: Session,
    *,
    theme: str | None = None,
    institution: str | None = None,
    neighborhood: str | None = None,
    status: str | None = None,
    at: dt.date | None = None,
    view: str = "internal",
) -> pd.DataFrame:
    """Recommendations with their status on ``at`` (default: today), filtered.

    ``institution`` matches the responsible or a co-responsible institution.
    """
    frames = load_frames(session, view=view)
    out = table(frames, at or dt.date.today(), view)
    keep = pd.Series(True, index=out.index)
    if theme:
        keep &= out["theme"] == theme
    if status:
        keep &= out["status"] == check_status(status)
    if institution:
        keep &= (out["institution"] == institution) | out["co_responsible"].map(
            lambda codes: institution in codes
        )
    if neighborhood:
        keep &= out["neighborhoods"].map(lambda ids: neighborhood in ids)
    return out[keep].reset_index(drop=True)


def overdue(session: Session, *, at: dt.date | None = None, view: str = "internal") -> pd.DataFrame:
    """Recommendations past their due date on ``at`` and neither addressed nor discarded,
    most overdue first, with ``days_overdue``."""
    at = at or dt.date.today()
    out = table(load_frames(session, view=view), at, view)
    due = pd.to_datetime(out["due_on"])
    late = out[due.notna() & (due < pd.Timestamp(at)) & ~out["status"].isin(CLOSED)].copy()
    late["days_overdue"] = (pd.Timestamp(at) - pd.to_datetime(late["due_on"])).dt.days
    return late.sort_values(["days_overdue", "code"], ascending=[False, True]).reset_index(
        drop=True
    )


def summary(
    session: Session, *, at: dt.date | None = None, view: str = "internal"
) -> RegisterSummary:
    """The monitoring summary on ``at`` (default: today); see :func:`summarize`."""
    frames = load_frames(session, view=view)
    return summarize(
        frames.recommendations[["id", "theme", "institution"]],
        frames.events,
        frames.neighborhoods,
        at or dt.date.today(),
    )


def history(session: Session, code: str, *, view: str = "internal") -> dict[str, Any]:
    """A recommendation and all its status events, oldest first."""
    frames = load_frames(session, view=view)
    rows = table(frames, None, view)
    match = rows[rows["code"] == code]
    if match.empty:
        raise RegisterError(
            _("no recommendation with code {code!r}", code=code),
            hint=_("List them with: barrio recs list"),
            recommendation=code,
        )
    record = _records(match)[0]
    events = frames.events[frames.events["recommendation_id"] == record["id"]]
    events = events.sort_values(["effective_on", "id"]).drop(columns=["recommendation_id"])
    if view == "public":
        events = events.drop(columns=[c for c in INTERNAL_ONLY if c in events.columns])
    record["events"] = _records(events.drop(columns=["recorded_at"]))
    return record


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict("records")]
