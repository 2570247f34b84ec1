"""One Jinja2 environment for every portal page, and :func:`render`.

Templates live in ``barrio/web/templates/``; every page extends ``base.html``. :func:`render`
gives each template the request's language (``lang``), a ``_`` that translates into it, the
signed-in ``user`` and the ``csrf_token`` set by the security middleware, and ``request``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from barrio.i18n import SUPPORTED, current_locale, gettext

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"es": "Español", "en": "English"}


@cache
def environment() -> Any:
    """The shared Jinja2 environment (autoescaped, strict about undefined names)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    return env


def format_number(value: Any, digits: int = 1, lang: str = "en") -> str:
    """``12345.678`` -> ``12,345.7`` (en) or ``12 345,7`` (es); blanks for missing values."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    text = f"{float(value):,.{digits}f}" if digits else f"{round(float(value)):,d}"
    if lang == "es":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def request_lang(request: Request) -> str:
    """The language chosen for this request by the language middleware."""
    lang = getattr(request.state, "lang", None)
    return lang if lang in SUPPORTED else current_locale()


def url_with(request: Request, **changes: Any) -> str:
    """The current path and query with ``changes`` applied (``None`` removes a parameter)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def base_context(request: Request) -> dict[str, Any]:
    """What every template may use."""
    lang = request_lang(request)

    def translate(message: str, **values: object) -> str:
        return gettext(message, locale=lang, **values)

    return {
        "request": request,
        "lang": lang,
        "_": translate,
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "languages": [
            (code, LANGUAGE_NAMES[code], url_with(request, lang=code)) for code in SUPPORTED
        ],
        "url_with": lambda **changes: url_with(request, **changes),
        "site_name": getattr(request.app.state, "site_name", "Barrio"),
        "num": lambda value, digits=1: format_number(value, digits, lang),
    }


def render(
    request: Request, template_name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render ``template_name`` with ``context`` plus the common names, as an HTML response."""
    values = base_context(request)
    values.update(context)
    html = environment().get_template(template_name).render(values)
    return HTMLResponse(html, status_code=status_code)
