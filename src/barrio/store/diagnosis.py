"""The participatory diagnosis: activities with the community and the findings coded from them.

An *activity* is one focus group, exploratory safety walk (by day or at night), participatory map
or interview in a neighbourhood, with its facilitator and how many people took part (by sex and
by age group). A *finding* is one coded observation from an activity: a threat, a vulnerability
or a capacity, about a codebook theme, with an intensity 1-5, the population group it concerns
and optionally a map point. Findings that code the same *segment* (an excerpt of a transcript,
a stop of a walk) twice, by two coders, measure inter-coder agreement; the second coding is marked
``second_coding`` and counts for agreement only.

Each import is recorded in ``diagnosis_imports`` (file, content hash, codebook) so that a risk
matrix can be traced to the files it came from.
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
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barrio.store.accounts import _in, utcnow
from barrio.store.base import Base

ACTIVITY_KINDS = (
    "focus_group",
    "safety_walk_day",
    "safety_walk_night",
    "participatory_map",
    "interview",
)
FINDING_KINDS = ("threat", "vulnerability", "capacity")
SEX_COLUMNS = ("participants_women", "participants_men", "participants_other")
AGE_COLUMNS = (
    "participants_under_18",
    "participants_18_29",
    "participants_30_59",
    "participants_60_plus",
)


class DiagnosisImport(Base):
    """One imported diagnosis file: what it held and the codebook it was checked against."""

    __tablename__ = "diagnosis_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    activities: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    codebook: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Activity(Base):
    """A diagnosis activity held with the community in one neighbourhood."""

    __tablename__ = "diagnosis_activities"
    __table_args__ = (CheckConstraint(_in("kind", ACTIVITY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    held_on: Mapped[dt.date] = mapped_column(Date)
    area_id: Mapped[str] = mapped_column(String(60), index=True)
    facilitator: Mapped[str] = mapped_column(String(200))
    participants_women: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_men: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_other: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_under_18: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_18_29: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_30_59: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants_60_plus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("diagnosis_imports.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    findings: Mapped[list[Finding]] = relationship(back_populates="activity")

    def __repr__(self) -> str:
        return f"Activity({self.code!r}, {self.kind!r}, {self.area_id!r})"


class Finding(Base):
    """One coded finding of a diagnosis activity."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint(_in("kind", FINDING_KINDS), name="kind"),
        CheckConstraint("intensity BETWEEN 1 AND 5", name="intensity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("diagnosis_activities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text)
    intensity: Mapped[int] = mapped_column(Integer)
    population_group: Mapped[str] = mapped_column(String(60), default="general")
    area_id: Mapped[str] = mapped_column(String(60), index=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    segment: Mapped[str] = mapped_column(String(60), index=True)
    coder: Mapped[str] = mapped_column(String(100), default="")
    second_coding: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("diagnosis_imports.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="findings")

    def __repr__(self) -> str:
        return f"Finding({self.code!r}, {self.kind!r}, {self.theme!r})"
