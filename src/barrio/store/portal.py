"""Records of the portal's admin side: API tokens, login attempts and evidence files.

* :class:`ApiToken` lets a machine call the write API (``Authorization: Bearer ...``). Only the
  SHA-256 of the token is stored; the token itself is shown once, when it is created. Tokens are
  long random strings, so a fast hash is enough (a slow password hash protects guessable secrets).
* :data:`login_attempts` counts failed sign-ins per username and client address, in the store so
  that every worker process behind one address sees the same counts. It is a plain table (no
  mapped class) so that these counters do not fill the audit trail.
* :class:`EvidenceFile` is a file uploaded as evidence of a recommendation's status change; it is
  kept under the workspace with a generated name (never the uploader's file name).

The audit trail records every change of a mapped model, users included; this module also keeps
password hashes out of it (:func:`_redact_secrets`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from barrio.store.accounts import utcnow
from barrio.store.base import Base
from barrio.store.trail import PENDING

# Columns whose values never enter the audit trail: a change shows as this marker instead.
REDACTED = {"users": ("password_hash",), "api_tokens": ("token_hash",)}
REDACTION = "[redacted]"


class ApiToken(Base):
    """A machine token of a user: its hash, a label, when it expires and whether it is revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def __repr__(self) -> str:
        return f"ApiToken({self.id}, {self.prefix!r})"


login_attempts = Table(
    "login_attempts",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),
    Column("client", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_attempts_username_client", "username", "client"),
)


class EvidenceFile(Base):
    """A file uploaded as evidence for a recommendation, stored as ``evidence/<name>``."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"EvidenceFile({self.name!r})"


def _redact(values: dict[str, Any] | None, columns: tuple[str, ...]) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: (REDACTION if k in columns and v is not None else v) for k, v in values.items()}


@event.listens_for(Session, "after_flush", insert=True)
def _redact_secrets(session: Session, _context: Any) -> None:
    """Replace secret column values in the audit rows queued by this flush (runs before the
    trail writes them): the log says a password or token changed, never what it is."""
    for row in session.info.get(PENDING, ()):
        columns = REDACTED.get(row["table_name"])
        if columns:
            row["before"] = _redact(row.get("before"), columns)
            row["after"] = _redact(row.get("after"), columns)
