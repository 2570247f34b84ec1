"""The recommendations register: recommendations, their links, and append-only status events.

A recommendation names what should be done (title, description), about what (``theme``, ICCS
codes, SDG targets), where (neighborhoods), for whom (``target``: the community or an
institution), by whom (a responsible institution and co-responsible ones), how urgently
(``priority``, ``horizon``, ``due_on``) and where it enters the municipal plan (``plan_line``).
It follows the OHCHR recommendations tracking database and IMPACT OSS: recommendation,
responsible institution, SDG link, status history, evidence, public and internal views.

The status is never stored on the recommendation: it is the status of its latest
:class:`StatusEvent` (by date, ties by id). Events are only ever appended; the store refuses to
update or delete them (ORM guard in :mod:`barrio.store.trail`, database triggers in the
migration).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barrio.store.accounts import Institution, _in, utcnow
from barrio.store.base import Base

STATUSES = ("not_started", "in_process", "addressed", "not_implemented", "discarded")
TARGETS = ("community", "institution")
PRIORITIES = ("high", "medium", "low")
HORIZONS = ("short", "medium", "long")
SOURCES = ("audit", "assessment", "diagnosis", "other")


class Recommendation(Base):
    """One recommendation of the audit; its status comes from :attr:`events`."""

    __tablename__ = "recommendations"
    __table_args__ = (
        CheckConstraint(_in("target", TARGETS), name="target"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(_in("horizon", HORIZONS), name="horizon"),
        CheckConstraint(_in("source", SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(20), default="institution")
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id"), nullable=True, index=True
    )
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    horizon: Mapped[str] = mapped_column(String(10), default="medium")
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    plan_line: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sdg_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    iccs_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20), default="audit")
    source_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    responsible: Mapped[Institution | None] = relationship(foreign_keys=[responsible_id])
    neighborhoods: Mapped[list[RecommendationNeighborhood]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan"
    )
    co_responsible: Mapped[list[RecommendationInstitution]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan"
    )
    findings: Mapped[list[RecommendationFinding]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan"
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="recommendation",
        order_by="(StatusEvent.effective_on, StatusEvent.id)",
    )

    def __repr__(self) -> str:
        return f"Recommendation({self.code!r})"


class RecommendationNeighborhood(Base):
    """A neighborhood (``areas.area_id`` of the warehouse) a recommendation is about."""

    __tablename__ = "recommendation_neighborhoods"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id"), primary_key=True
    )
    area_id: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    recommendation: Mapped[Recommendation] = relationship(back_populates="neighborhoods")


class RecommendationInstitution(Base):
    """A co-responsible institution of a recommendation."""

    __tablename__ = "recommendation_institutions"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id"), primary_key=True
    )
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    recommendation: Mapped[Recommendation] = relationship(back_populates="co_responsible")
    institution: Mapped[Institution] = relationship()


class RecommendationFinding(Base):
    """A diagnosis finding a recommendation answers.

    ``finding_id`` is ``findings.id`` of the diagnosis tables; the foreign key came with
    revision 0004 (the register of revision 0001 predates the diagnosis tables).
    """

    __tablename__ = "recommendation_findings"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id"), primary_key=True
    )
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), primary_key=True, index=True)
    recommendation: Mapped[Recommendation] = relationship(back_populates="findings")


class StatusEvent(Base):
    """One append-only change of a recommendation's status, with its evidence.

    ``internal_note`` is for the audit team only and never appears in public output.
    """

    __tablename__ = "status_events"
    __table_args__ = (CheckConstraint(_in("status", STATUSES), name="status"),)
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    evidence_text: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    evidence_file: Mapped[str | None] = mapped_column(String(500), nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    reviewer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    internal_note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"StatusEvent({self.recommendation_id}, {self.status!r}, {self.effective_on})"

    def as_dict(self) -> dict[str, Any]:
        """The event's public fields (no internal note)."""
        return {
            "status": self.status,
            "effective_on": self.effective_on,
            "evidence_text": self.evidence_text,
            "evidence_url": self.evidence_url,
            "evidence_file": self.evidence_file,
            "author": self.author,
            "reviewer": self.reviewer,
        }
