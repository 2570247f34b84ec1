"""Choose each request's language: ``?lang=`` (kept in a cookie), the cookie, Accept-Language,
then the workspace's locale.

A pure ASGI middleware, so the locale set with :func:`barrio.i18n.using_locale` (a ContextVar)
holds for the endpoint and for threads it starts. The choice is also in ``request.state.lang``.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from barrio.i18n import SUPPORTED, using_locale

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def accepted(header: str) -> str | None:
    """The first supported language of an Accept-Language header, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        code = pieces[0].strip()[:2].lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if code in SUPPORTED and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def choose(query: str, cookie_header: str, accept: str, default: str) -> tuple[str, bool]:
    """The language and whether the ``lang`` cookie must be (re)set."""
    asked = parse_qs(query).get("lang", [""])[-1][:2].lower()
    if asked in SUPPORTED:
        return asked, True
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:  # a malformed Cookie header: ignore it
        cookies = SimpleCookie()
    kept = cookies[COOKIE].value if COOKIE in cookies else ""
    if kept in SUPPORTED:
        return kept, False
    return accepted(accept) or (default if default in SUPPORTED else "en"), False


class LanguageMiddleware:
    """Set the locale of every HTTP request (see the module docstring)."""

    def __init__(self, app: Any, default: str = "es") -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        lang, set_cookie = choose(
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("cookie", ""),
            headers.get("accept-language", ""),
            self.default,
        )
        scope.setdefault("state", {})["lang"] = lang

        async def send_with_cookie(message: dict) -> None:
            if set_cookie and message["type"] == "http.response.start":
                value = f"{COOKIE}={lang}; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", value.encode()))
                message["headers"].append((b"vary", b"Cookie, Accept-Language"))
            await send(message)

        with using_locale(lang):
            await self.app(scope, receive, send_with_cookie)
