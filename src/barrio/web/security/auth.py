"""Who is asking: the signed-in user of each request, and the route guards.

:class:`AuthMiddleware` sets ``request.state.user`` (a :class:`~barrio.store.accounts.User` or
None), ``request.state.auth`` (``"session"``, ``"token"`` or None), ``request.state.institution``
(the user's institution code) and ``request.state.csrf_token``. A bearer token
(``Authorization: Bearer barrio_...``) wins over the session cookie. A session stays valid only
while the account is active and its password unchanged (the session holds an HMAC of the hash).

Routes declare who may call them with :func:`require_role`; :func:`current_user` only requires a
signed-in user. Anonymous requests get 401 (API) or a redirect to ``/login`` (pages); signed-in
users without the role get 403.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from barrio.i18n import _
from barrio.store.accounts import Institution, User
from barrio.web.security.csrf import LazyToken

SESSION_USER = "uid"
SESSION_PASSWORD = "pwv"


class LoginRequiredError(Exception):
    """The route needs a signed-in user and there is none."""


def password_version(secret_key: str, password_hash: str | None) -> str:
    """A short HMAC of the password hash: changes when the password changes, reveals nothing."""
    digest = hmac.new(secret_key.encode(), (password_hash or "").encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key.lower() == b"authorization":
            scheme, _sep, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


def _load(store: Any, secret_key: str, token: str | None, session: Any) -> tuple[Any, ...]:
    """(user, auth, institution code) for a bearer token or the session (blocking: DB)."""
    from sqlalchemy import select

    from barrio.web.security.tokens import token_user

    with store.session(actor="portal") as db:
        user: User | None = None
        auth = None
        if token is not None:
            user, auth = token_user(db, token), "token"
        elif session and session.get(SESSION_USER) is not None:
            user, auth = db.get(User, session.get(SESSION_USER)), "session"
            if (
                user is None
                or not user.active
                or not hmac.compare_digest(
                    str(session.get(SESSION_PASSWORD, "")),
                    password_version(secret_key, user.password_hash),
                )
            ):
                session.clear()
                user = None
        if user is None:
            return None, None, None
        code = None
        if user.institution_id is not None:
            code = db.scalar(select(Institution.code).where(Institution.id == user.institution_id))
        return user, auth, code


class AuthMiddleware:
    """Set the request's user, auth kind, institution and CSRF token (inside the sessions)."""

    def __init__(self, app: Any, *, secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool

        session = scope.get("session")
        token = _bearer(scope.get("headers", []))
        user = auth = code = None
        if token is not None or (session and session.get(SESSION_USER) is not None):
            store = scope["app"].state.store
            user, auth, code = await run_in_threadpool(
                _load, store, self.secret_key, token, session
            )
        state = scope.setdefault("state", {})
        state.update(user=user, auth=auth, institution=code, csrf_token=LazyToken(session))
        await self.app(scope, receive, send)


def current_user(request: Request) -> User:
    """FastAPI dependency: the signed-in user (:class:`LoginRequiredError` when anonymous)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequiredError()
    return user


def require_role(*roles: str) -> Callable[..., User]:
    """FastAPI dependency factory: the signed-in user, who must have one of ``roles``."""
    from fastapi import HTTPException

    def guard(request: Request) -> User:
        user = current_user(request)
        if user.role not in roles:
            raise HTTPException(
                status_code=403,
                detail=_("Your role ({role}) may not do this.", role=user.role),
            )
        return user

    guard.roles = roles  # type: ignore[attr-defined]  # read by the docs and tests
    return guard


def login_url(path: str) -> str:
    """``/login?next=...`` back to a local path."""
    return "/login?next=" + quote(path if path.startswith("/") else "/", safe="/")


async def login_required_handler(request: Any, exc: Exception) -> Any:
    """Anonymous on a guarded route: 401 envelope for the API, redirect to /login for pages."""
    from fastapi.responses import RedirectResponse

    from barrio.web.envelope import error_response, is_api

    if is_api(request):
        return error_response(
            request,
            401,
            "unauthorized",
            _("Sign in or send an API token (Authorization: Bearer ...)."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(login_url(target), status_code=303)
