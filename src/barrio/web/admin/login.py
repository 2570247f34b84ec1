"""``/login`` and ``/logout``: sign in with username and password, sign out.

Failed attempts are counted per username and client address in the store
(:mod:`barrio.web.security.ratelimit`); past the limit the form answers 429 with
``Retry-After``. The message never says whether the username exists. After signing in the session
gets a fresh CSRF token and the user's id and password version, nothing else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from barrio.i18n import _
from barrio.web.security import ratelimit
from barrio.web.security.auth import SESSION_PASSWORD, SESSION_USER, password_version
from barrio.web.security.csrf import csrf_protect, rotate
from barrio.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, run uvicorn with
    ``--proxy-headers`` so that this is the real client)."""
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/admin"
    return target


def _form(request: Request, status: int = 200, **context: Any) -> Response:
    values = {"next": safe_next(request.query_params.get("next")), "error": None, "username": ""}
    values.update(context)
    return render(request, "admin/login.html", values, status_code=status)


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form."""
    return _form(request)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/admin"),
) -> Response:
    """Check the credentials (rate limited) and start a session."""
    from barrio.web.security.users import authenticate

    app = request.app
    settings, store = app.state.settings, app.state.store
    client = client_address(request)
    limits = {"attempts": settings.login_attempts, "window_seconds": settings.login_window_seconds}
    wait = ratelimit.retry_after(store, username, client, **limits)
    if wait is not None:
        message = _("Too many failed sign-ins. Try again in {n} seconds.", n=wait)
        response = _form(request, 429, error=message, username=username, next=safe_next(next))
        response.headers["Retry-After"] = str(wait)
        return response
    with store.session(actor=username or "anonymous") as session:
        user = authenticate(session, username, password)
        user_id = user.id if user else None
        pwv = password_version(settings.secret_key, user.password_hash) if user else ""
    if user_id is None:
        ratelimit.record_failure(store, username, client, window_seconds=limits["window_seconds"])
        message = _("Wrong username or password.")
        return _form(request, 401, error=message, username=username, next=safe_next(next))
    ratelimit.clear(store, username, client)
    request.session.clear()
    request.session.update({SESSION_USER: user_id, SESSION_PASSWORD: pwv})
    rotate(request.session)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/", status_code=303)
