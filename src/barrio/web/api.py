"""The public JSON API v1: the twin of every public page, in the envelope.

``GET /api/v1/<page>`` returns ``{"ok": true, "data": ..., "meta": ...}``; lists are paginated
with ``?page=&per_page=`` and ``meta`` gives ``total``, ``page``, ``per_page`` and ``pages``.
Responses derived from the warehouse are cached (encoded) per warehouse version, path, query and
language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from barrio.web import downloads, views
from barrio.web.envelope import dumps, ok
from barrio.web.indicator_view import paginate
from barrio.web.public_data import PublicData
from barrio.web.templating import request_lang


class Meta(BaseModel):
    """Pagination of a list."""

    total: int
    page: int
    per_page: int
    pages: int


class Envelope(BaseModel):
    """A successful response."""

    ok: Literal[True]
    data: Any
    meta: Meta | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None
    hint: str | None = None


class ErrorEnvelope(BaseModel):
    """A failed response."""

    ok: Literal[False]
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "Invalid parameter"},
    404: {"model": ErrorEnvelope, "description": "Not found"},
    422: {"model": ErrorEnvelope, "description": "Invalid request"},
    503: {"model": ErrorEnvelope, "description": "The data are being updated"},
}
router = APIRouter(prefix="/api/v1", tags=["public"], responses=ERRORS)
# Annotated (not shared Query defaults): FastAPI must not reuse one FieldInfo for two parameters
Page = Annotated[int, Query(ge=1, le=100_000, description="Page number (1-based).")]
PerPage = Annotated[int, Query(ge=1, le=1000, description="Rows per page.")]
Text = Annotated[str | None, Query(max_length=200)]


def public_data(request: Request) -> PublicData:
    """The app's public data (the only way to the warehouse)."""
    data: PublicData = request.app.state.data
    return data


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


async def cached_json(request: Request, build: Callable[[], dict[str, Any]]) -> Response:
    """The envelope ``build()`` returns, encoded once per warehouse version, URL and language."""
    data = public_data(request)
    key = ("api", request.url.path, str(request.url.query), request_lang(request))
    return _json(await data.cached_async(key, lambda: dumps(build())))


def paged(items: list[Any], page: int, per_page: int) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``items`` and its ``meta``."""
    window, meta = paginate(len(items), page, per_page)
    return items[window], meta


@router.get("", response_model=Envelope)
def index(request: Request) -> Response:
    """What the API offers: the public endpoints."""
    paths = sorted(p for p in request.app.openapi()["paths"] if p.startswith("/api/v1/"))
    index = {"version": 1, "endpoints": paths, "openapi": "/openapi.json", "docs": "/api/docs"}
    return _json(dumps(ok(index)))


@router.get("/home", response_model=Envelope)
async def home(request: Request) -> Response:
    """Key indicators and latest alerts (twin of ``/``)."""
    return await cached_json(
        request, lambda: ok(views.home(public_data(request), request_lang(request)))
    )


@router.get("/alerts", response_model=Envelope)
async def alerts(request: Request, page: Page = 1, per_page: PerPage = 100) -> Response:
    """Early-warning alerts, most recent first (paginated)."""

    def build() -> dict[str, Any]:
        rows = views.alerts(public_data(request), request_lang(request))["alerts"]
        items, meta = paged(rows, page, per_page)
        return ok(items, meta)

    return await cached_json(request, build)


@router.get("/indicators", response_model=Envelope)
async def indicators(request: Request) -> Response:
    """The published indicators (twin of ``/indicators``)."""
    lang = request_lang(request)
    return await cached_json(request, lambda: ok(views.indicator_list(public_data(request), lang)))


def _selection(
    level: str | None, period: str | None, sex: str | None, age_group: str | None, area: str | None
) -> dict[str, str | None]:
    return {"level": level, "period": period, "sex": sex, "age_group": age_group, "area": area}


@router.get("/indicators/{indicator_id}", response_model=Envelope)
async def indicator(
    request: Request,
    indicator_id: str,
    level: Text = None,
    period: Text = None,
    sex: Text = None,
    age_group: Text = None,
    area: Text = None,
    page: Page = 1,
    per_page: PerPage = 100,
) -> Response:
    """One indicator for a selection: the table (paginated), the series with intervals, the
    selectors' options (twin of ``/indicators/{indicator_id}``)."""

    def build() -> dict[str, Any]:
        params = _selection(level, period, sex, age_group, area)
        view = views.indicator(public_data(request), indicator_id, request_lang(request), params)
        table, meta = paged(view["table"], page, per_page)
        data = {k: v for k, v in view.items() if k != "figures"}
        data["table"] = table
        return ok(data, meta)

    return await cached_json(request, build)


@router.get("/indicators/{indicator_id}/figures", response_model=Envelope)
async def indicator_figures(
    request: Request,
    indicator_id: str,
    level: Text = None,
    period: Text = None,
    sex: Text = None,
    age_group: Text = None,
    area: Text = None,
) -> Response:
    """The Plotly figures (series and map) of the indicator page."""

    def build() -> dict[str, Any]:
        params = _selection(level, period, sex, age_group, area)
        view = views.indicator(public_data(request), indicator_id, request_lang(request), params)
        return ok(view["figures"])

    return await cached_json(request, build)


@router.get(
    "/indicators/{indicator_id}/download/{fmt}",
    responses={200: {"description": "The table in the format asked for", "content": {
        "text/csv": {}, "application/json": {}, "application/geo+json": {},
        "application/vnd.sdmx.data+csv; version=2.0.0": {}}}},
)  # fmt: skip
def download(
    request: Request,
    indicator_id: str,
    fmt: Literal["csv", "json", "geojson", "sdmx"],
    level: Text = None,
    period: Text = None,
    sex: Text = None,
    age_group: Text = None,
) -> Response:
    """The indicator page's table (same selection) as CSV, JSON, GeoJSON or SDMX-CSV 2.0."""
    data = public_data(request)
    params = _selection(level, period, sex, age_group, None)
    table, sel = views.indicator_table(data, indicator_id, params)
    media_type, extension = downloads.FORMATS[fmt]

    def build() -> bytes:
        meta = {
            "indicator": indicator_id,
            **{k: v for k, v in sel.as_dict().items() if k != "area"},
            "source": data.workspace.config.name,
            "disclosure": "suppressed cells are empty (null)",
        }
        if fmt == "csv":
            return downloads.to_csv(table)
        if fmt == "json":
            return downloads.to_json(table, meta)
        if fmt == "geojson":
            return downloads.to_geojson(table, data.shapes(sel.level), meta)
        return downloads.to_sdmx_csv(table, data.indicator(indicator_id))

    body = data.cached(("download", fmt, sel.key()), build)
    name = f"{indicator_id}_{sel.level}_{sel.period[:4]}_{sel.sex}_{sel.age_group}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/neighborhoods", response_model=Envelope)
async def neighborhoods(request: Request, page: Page = 1, per_page: PerPage = 100) -> Response:
    """Every area (finest level first), paginated (twin of ``/neighborhoods``)."""

    def build() -> dict[str, Any]:
        rows = views.neighborhoods(public_data(request), request_lang(request))["areas"]
        items, meta = paged(rows, page, per_page)
        return ok(items, meta)

    return await cached_json(request, build)


@router.get("/neighborhoods/{area_id}", response_model=Envelope)
def neighborhood(request: Request, area_id: str) -> Response:
    """A neighborhood's profile (twin of ``/neighborhoods/{area_id}``)."""
    view = views.neighborhood(public_data(request), area_id, request_lang(request))
    return _json(dumps(ok(view)))


@router.get("/hotspots", response_model=Envelope)
async def hotspots(request: Request, page: Page = 1, per_page: PerPage = 100) -> Response:
    """The priority-neighborhood index by area (twin of ``/hotspots``)."""

    def build() -> dict[str, Any]:
        rows = views.hotspots(public_data(request), request_lang(request))["areas"]
        items, meta = paged(rows, page, per_page)
        return ok(items, meta)

    return await cached_json(request, build)


@router.get("/recommendations", response_model=Envelope)
def recommendations(
    request: Request,
    theme: Text = None,
    institution: Text = None,
    neighborhood: Text = None,
    status: Literal["not_started", "in_process", "addressed", "not_implemented", "discarded"]
    | None = None,
    page: Page = 1,
    per_page: PerPage = 100,
) -> Response:
    """Public recommendations and their status today, filtered and paginated; ``summary`` gives
    the counts by status, theme, institution and neighborhood (twin of ``/recommendations``)."""
    data, lang = public_data(request), request_lang(request)
    filters = {"theme": theme, "institution": institution, "neighborhood": neighborhood,
               "status": status}  # fmt: skip
    listing = views.recommendation_list(data, lang, filters)
    items, meta = paged(listing["recommendations"], page, per_page)
    body = {"summary": views.recommendation_summary(data, lang), "filters": listing["filters"],
            "recommendations": items}  # fmt: skip
    return _json(dumps(ok(body, meta)))


@router.get("/recommendations/{code}", response_model=Envelope)
def recommendation(request: Request, code: str) -> Response:
    """One recommendation with its status history and public evidence."""
    view = views.recommendation(public_data(request), code, request_lang(request))
    return _json(dumps(ok(view)))


@router.get("/assessment", response_model=Envelope)
def assessment(request: Request) -> Response:
    """The latest strategy assessment summary (twin of ``/assessment``)."""
    view = views.assessment(public_data(request), request_lang(request))
    return _json(dumps(ok(view)))


@router.get("/methodology", response_model=Envelope)
async def methodology(request: Request) -> Response:
    """Methods of every indicator and the disclosure rule (twin of ``/methodology``)."""
    lang = request_lang(request)
    return await cached_json(request, lambda: ok(views.methodology(public_data(request), lang)))
