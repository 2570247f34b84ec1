"""API tokens for machines: ``Authorization: Bearer barrio_...``.

A token is 32 random bytes (URL-safe text) after the prefix ``barrio_``. It is shown once when
created; the store keeps only its SHA-256 (a fast hash is right for a random 256-bit secret, and
lets a request find its token with one indexed lookup), a short prefix to recognise it, its
owner, an optional expiry and the time it was revoked.

>>> import tempfile, pathlib
>>> from barrio.store import open_store
>>> from barrio.web.security.users import add_user
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "barrio.db")
>>> with store.session(actor="setup") as s:
...     user = add_user(s, username="etl", role="analyst", password=None)
...     record, secret = create_token(s, user, name="nightly load", days=30)
>>> with store.session() as s:
...     token_user(s, secret).username
'etl'
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from barrio.errors import BarrioError, InputError
from barrio.i18n import _
from barrio.store.accounts import User, utcnow
from barrio.store.portal import ApiToken

PREFIX = "barrio_"
SHOWN = len(PREFIX) + 6  # characters kept to recognise a token in lists


class UnknownTokenError(BarrioError):
    """No token with that id (for that user)."""

    code = "not_found"


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session, user: User, *, name: str = "", days: int | None = 90
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the stored record and the secret (shown once, never stored)."""
    if days is not None and days <= 0:
        raise InputError(
            _("a token must be valid for at least one day"),
            hint=_("Give --days 1 or more, or --no-expiry."),
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=days) if days is not None else None
    record = ApiToken(
        user_id=user.id,
        name=name[:100],
        token_hash=token_hash(secret),
        prefix=secret[:SHOWN],
        expires_at=expires,
    )
    session.add(record)
    session.flush()
    return record, secret


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def token_user(session: Session, secret: str) -> User | None:
    """The active owner of a valid token (not revoked, not expired), else None."""
    if not secret.startswith(PREFIX):
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    expires = _aware(token.expires_at)
    if token.revoked_at is not None or not user.active:
        return None
    if expires is not None and expires <= utcnow():
        return None
    return user


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke the token ``token_id`` of ``user`` (revoking twice keeps the first time)."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise UnknownTokenError(
            _("{user} has no token {id}", user=user.username, id=token_id),
            hint=_("List the tokens with: barrio users token USERNAME --list"),
        )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def list_tokens(session: Session, user: User) -> list[dict[str, Any]]:
    """The user's tokens (prefix, name, dates; never the hash)."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    now = utcnow()
    out = []
    for t in tokens:
        expires = _aware(t.expires_at)
        state = "revoked" if t.revoked_at else "expired" if expires and expires <= now else "active"
        out.append(
            {
                "id": t.id,
                "prefix": t.prefix,
                "name": t.name,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
                "state": state,
            }
        )
    return out
