"""``create_app(settings)``: the portal and JSON API v1 of one workspace.

Nothing is configured at import time. The app keeps on ``app.state`` its ``settings``, the opened
``workspace``, the application ``store`` (closed on shutdown) and the ``data`` cache of public
tables. ``app_from_env`` is the factory ``barrio serve --workers N`` gives uvicorn: each worker
process builds its own app from the workspace named in ``BARRIO_WEB_WORKSPACE``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from barrio.web.envelope import install_error_handlers
from barrio.web.language import LanguageMiddleware
from barrio.web.settings import WebSettings

STATIC = Path(__file__).parent / "static"
WORKSPACE_ENV = "BARRIO_WEB_WORKSPACE"
INSECURE_ENV = "BARRIO_WEB_INSECURE_COOKIES"
CACHE_ENV = "BARRIO_WEB_CACHE_DIR"


def plotly_js() -> Path:
    """plotly.min.js shipped inside the installed plotly package (served, never from a CDN)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def swagger_ui() -> Path:
    """The folder of the Swagger UI files vendored by the installed ``fastapi-offline``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(settings: WebSettings) -> FastAPI:
    """Build the portal for ``settings.workspace``."""
    from barrio.store import open_store, workspace_store_url
    from barrio.web.public_data import PublicData
    from barrio.workspace import Workspace

    workspace = Workspace.open(settings.workspace)
    store = open_store(workspace_store_url(workspace))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="Barrio observatory API",
        version="1",
        description="Public indicators, maps, alerts and the recommendations register of a "
        "Barrio workspace. Every response uses the envelope "
        '`{"ok": true, "data": ...}` / `{"ok": false, "error": {...}}`.',
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.workspace = workspace
    app.state.store = store
    app.state.site_name = workspace.config.name
    cache_dir = settings.extra.get("cache_dir")
    app.state.data = PublicData(
        workspace,
        store,
        tiles_url=settings.tiles_url,
        cache_dir=Path(cache_dir) if cache_dir else None,
    )

    install_error_handlers(app)
    app.add_middleware(LanguageMiddleware, default=workspace.config.locale)

    vendor_js = plotly_js()

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_script() -> FileResponse:
        return FileResponse(
            vendor_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    swagger = swagger_ui()
    swagger_files = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}

    @app.get("/static/vendor/swagger/{name}", include_in_schema=False)
    def swagger_file(name: str) -> FileResponse:
        if name not in swagger_files:
            raise StarletteHTTPException(404)
        return FileResponse(
            swagger / name,
            media_type=swagger_files[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """Swagger UI on ``/openapi.json`` (scripts from the portal only: see the CSP)."""
        return FileResponse(STATIC / "api-docs.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from barrio.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    _install_admin(app, settings)
    return app


def _install_admin(app: FastAPI, settings: WebSettings) -> None:
    """Security middleware (sessions, CSRF, rate limits, headers) and the admin routes."""
    from barrio.web import admin, security

    security.install(app, settings)
    for router in admin.routers():
        app.include_router(router)


def app_from_env() -> FastAPI:
    """The app for the workspace in ``BARRIO_WEB_WORKSPACE`` (uvicorn ``--factory`` workers)."""
    overrides: dict[str, object] = {}
    if os.environ.get(INSECURE_ENV) == "1":
        overrides["secure_cookies"] = False
    if os.environ.get(CACHE_ENV):
        overrides["cache_dir"] = os.environ[CACHE_ENV]
    settings = WebSettings.for_workspace(os.environ[WORKSPACE_ENV], **overrides)
    return create_app(settings)
