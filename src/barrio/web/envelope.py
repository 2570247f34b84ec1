"""The JSON envelope of the API v1, shared with the CLI's ``--json``.

``{"ok": true, "data": ..., "meta": {...}}`` on success and ``{"ok": false, "error": {"code",
"message", "details"}}`` on failure. :func:`install_error_handlers` makes every error raised under
``/api/`` (a BarrioError, an HTTPException, a request validation error, anything unexpected) come
back in that shape; HTML pages get a rendered error page instead.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from barrio.cli.output import _jsonable
from barrio.errors import BarrioError
from barrio.i18n import _

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}
# BarrioError subclasses that mean "the request was wrong" rather than "the server failed".
CLIENT_ERRORS = ("config_error", "input_error", "mapping_error", "not_found", "invalid_request")


def jsonable(value: Any) -> Any:
    """``value`` with dates, paths, numpy scalars and NaN turned into plain JSON values."""
    return _jsonable(value)


def dumps(document: Any) -> bytes:
    """Serialise an envelope (UTF-8, non-finite floats as null)."""
    return json.dumps(jsonable(document), ensure_ascii=False, default=str).encode("utf-8")


class EnvelopeResponse(Response):
    """A JSON response whose body is already an encoded envelope."""

    media_type = "application/json"


def ok(data: Any, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The success envelope ``{"ok": true, "data": data}`` (with ``meta`` when given)."""
    out: dict[str, Any] = {"ok": True, "data": jsonable(data)}
    if meta is not None:
        out["meta"] = jsonable(meta)
    return out


def error_body(code: str, message: str, details: Any = None, hint: str | None = None) -> dict:
    """The failure envelope."""
    error: dict[str, Any] = {"code": code, "message": message, "details": details or {}}
    if hint:
        error["hint"] = hint
    return {"ok": False, "error": jsonable(error)}


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (errors become envelopes there)."""
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error as an envelope under /api/, as a rendered page elsewhere."""
    if is_api(request):
        return JSONResponse(
            error_body(code, message, details, hint), status_code=status, headers=headers
        )
    from barrio.web.templating import render

    context = {"status": status, "code": code, "message": message, "hint": hint}
    response = render(request, "error.html", context, status_code=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def _barrio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BarrioError)
    status = 404 if exc.code == "not_found" else 400 if exc.code in CLIENT_ERRORS else 500
    if status == 500:
        log.error("barrio error on %s: %s", request.url.path, exc.message)
    return error_response(request, status, exc.code, exc.message, exc.details, exc.hint)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail
    message = detail if isinstance(detail, str) else code.replace("_", " ")
    details: Any = detail if isinstance(detail, dict | list) else {}
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, exc.status_code, code, message, details, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    message = _("The request has invalid parameters")
    return error_response(request, 422, "invalid_request", message, {"errors": errors})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    message = _("Something went wrong on the server")
    return error_response(request, 500, "server_error", message)


def install_error_handlers(app: FastAPI) -> None:
    """Turn every error into the envelope (API) or an error page (HTML)."""
    app.add_exception_handler(BarrioError, _barrio_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
