"""Institutions and user accounts.

Institutions are the bodies a recommendation makes responsible (the municipal security
secretariat, the DIF, the state prosecutor ...). Users are the people who sign in to the portal
and edit records; their role decides what they may do (``admin``, ``analyst``, ``editor``,
``viewer``). Passwords are stored only as hashes (the portal hashes them with Argon2).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from barrio.store.base import Base

ROLES = ("admin", "analyst", "editor", "viewer")
INSTITUTION_KINDS = ("municipal", "state", "federal", "civil_society", "community", "other")


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Institution(Base):
    """A body that can be responsible or co-responsible for a recommendation."""

    __tablename__ = "institutions"
    __table_args__ = (CheckConstraint(_in("kind", INSTITUTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="municipal")

    def __repr__(self) -> str:
        return f"Institution({self.code!r})"


class User(Base):
    """A person who signs in to the portal; ``role`` is one of :data:`ROLES`."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"User({self.username!r}, {self.role!r})"
