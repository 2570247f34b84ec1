"""Assessments of a public-security strategy with the four-stage instrument.

An *assessment* records who assessed which strategy of which agency, when, and with which
instrument (id and version of ``barrio/data/instruments/*.yaml``). Each *item* holds the
maturity level given to one instrument item (0 absent ... 4 monitored and improved, NULL when
not applicable) and the evidence it rests on. Scores are computed from the items when read
(:mod:`barrio.audit.assessment`), never stored, so they cannot go stale.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barrio.store.accounts import utcnow
from barrio.store.base import Base


class Assessment(Base):
    """One assessment of a strategy."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    strategy: Mapped[str] = mapped_column(String(300))
    agency: Mapped[str] = mapped_column(String(200))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(200), default="")
    instrument: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentItem.item"
    )

    def __repr__(self) -> str:
        return f"Assessment({self.code!r}, {self.strategy!r})"


class AssessmentItem(Base):
    """The maturity level and evidence of one instrument item in an assessment."""

    __tablename__ = "assessment_items"
    __table_args__ = (CheckConstraint("level IS NULL OR (level BETWEEN 0 AND 4)", name="level"),)

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="items")
