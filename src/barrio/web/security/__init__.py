"""The portal's security: passwords, sessions, CSRF, login rate limits, headers, API tokens.

:func:`install` adds it all to an app built by :func:`barrio.web.app.create_app`: the security
headers (outermost), signed session cookies, and the middleware that sets ``request.state.user``
and ``request.state.csrf_token``. Routes guard themselves with :func:`require_role` /
:func:`current_user` and :func:`csrf_protect` (every admin router does).

Importing this package is cheap (no FastAPI): the CLI uses :mod:`.users` and :mod:`.tokens`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from barrio.web.settings import WebSettings

SESSION_COOKIE = "barrio_session"
__all__ = ["SESSION_COOKIE", "csrf_protect", "current_user", "install", "require_role"]


def install(app: Any, settings: WebSettings) -> None:
    """Add sessions, the user middleware and the security headers to ``app``."""
    from starlette.middleware.sessions import SessionMiddleware

    from barrio.web.security.auth import AuthMiddleware, LoginRequiredError, login_required_handler
    from barrio.web.security.headers import SecurityHeadersMiddleware

    # add_middleware wraps: the last one added runs first
    app.add_middleware(AuthMiddleware, secret_key=settings.secret_key)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # the headers wrap the whole stack, Starlette's ServerErrorMiddleware included: an
    # unexpected error's 500 page is sent from there, outside every added middleware
    stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeadersMiddleware(
        stack(), tiles_url=settings.tiles_url, hsts=settings.secure_cookies
    )
    app.add_exception_handler(LoginRequiredError, login_required_handler)


def __getattr__(name: str) -> Any:
    """``current_user``, ``require_role`` and ``csrf_protect`` without importing them eagerly."""
    if name in ("current_user", "require_role"):
        from barrio.web.security import auth

        return getattr(auth, name)
    if name == "csrf_protect":
        from barrio.web.security.csrf import csrf_protect

        return csrf_protect
    raise AttributeError(name)
