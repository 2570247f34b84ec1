"""Cross-site request forgery protection: one random token per session.

Every form carries the token in a hidden ``csrf_token`` field (htmx and scripts may send it as
the ``X-CSRF-Token`` header instead); every unsafe request (POST, PUT, PATCH, DELETE) to a route
protected by :func:`csrf_protect` must carry the session's token. Requests authenticated with a
bearer token carry no cookie a third-party site could ride on, so they are exempt.

The token is created only when a page renders it (:class:`LazyToken`), so anonymous visitors
of public pages get no session cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def session_token(session: MutableMapping[str, Any]) -> str:
    """The session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def rotate(session: MutableMapping[str, Any]) -> str:
    """A fresh token (after signing in or out)."""
    session.pop(SESSION_KEY, None)
    return session_token(session)


class LazyToken:
    """The session's CSRF token, created when a template first renders it."""

    def __init__(self, session: MutableMapping[str, Any] | None) -> None:
        self._session = session

    def __str__(self) -> str:
        return session_token(self._session) if self._session is not None else ""

    def __html__(self) -> str:  # Jinja2/MarkupSafe: the token is URL-safe text
        return str(self)

    def __bool__(self) -> bool:
        return self._session is not None


def token_matches(session: MutableMapping[str, Any] | None, submitted: str | None) -> bool:
    """Whether ``submitted`` is the session's token (constant-time comparison)."""
    expected = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(expected, str) or not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


async def csrf_protect(request: Request) -> None:
    """FastAPI dependency: refuse an unsafe request without the session's token (HTTP 403)."""
    if request.method in SAFE_METHODS or getattr(request.state, "auth", None) == "token":
        return
    from fastapi import HTTPException

    from barrio.i18n import _

    submitted = request.headers.get(HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            submitted = value if isinstance(value, str) else None
    session = request.scope.get("session")
    if not token_matches(session, submitted):
        raise HTTPException(
            status_code=403,
            detail=_("The form has expired or did not come from this site; reload and try again."),
        )
