"""Security headers on every response (a pure ASGI middleware, so streamed bodies pass through).

The Content-Security-Policy allows scripts from the portal itself only: no inline scripts, no
``on*`` attributes, no CDN. Styles may be inline because Plotly writes ``<style>`` elements and
style attributes; images and map tiles may come from the configured tile server. Pages that show
accounts or forms are never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip

PRIVATE_PREFIXES = ("/admin", "/login", "/logout", "/api/v1/admin")


def tile_origin(tiles_url: str | None) -> str | None:
    """``https://tile.example.org`` from a tile URL template (None when not configured)."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(tiles_url: str | None = None) -> str:
    """The portal's CSP: ``'self'`` everywhere, inline styles only, tiles from their server."""
    tiles = tile_origin(tiles_url)
    extra = f" {tiles}" if tiles else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{extra}",
        "connect-src": f"'self'{extra}",
        "font-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def security_headers(*, tiles_url: str | None, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers added to every response."""
    headers = {
        "content-security-policy": content_security_policy(tiles_url),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if hsts:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class SecurityHeadersMiddleware:
    """Add :func:`security_headers` to every HTTP response.

    A header the route already set is kept (the evidence download sets a stricter CSP).
    """

    def __init__(self, app: ASGIApp, *, tiles_url: str | None = None, hsts: bool = False):
        self.app = app
        self.headers = security_headers(tiles_url=tiles_url, hsts=hsts)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = str(scope.get("path", "")).startswith(PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if private:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
