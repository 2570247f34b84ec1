"""Public HTML pages (server-rendered). Every page has a JSON twin in :mod:`barrio.web.api`.

Pages built only from the warehouse are cached whole (per warehouse version, URL and language)
for visitors who are not signed in; pages that show the recommendations register are rendered
on every request, so an update made in the admin appears at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from barrio.web import views
from barrio.web.api import public_data
from barrio.web.templating import render, request_lang

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=200)]


async def cached_page(request: Request, build: Callable[[], HTMLResponse]) -> Response:
    """``build()``'s page, kept for anonymous visitors until the warehouse changes."""
    if getattr(request.state, "user", None) is not None:
        return await run_in_threadpool(build)
    key = ("page", request.url.path, str(request.url.query), request_lang(request))
    body = await public_data(request).cached_async(key, lambda: bytes(build().body))
    return HTMLResponse(body)


async def _page(
    request: Request, template: str, build: Callable[[str], dict[str, Any]]
) -> Response:
    return await cached_page(
        request, lambda: render(request, template, build(request_lang(request)))
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    """Key indicators and latest alerts."""
    return await _page(request, "home.html", lambda lang: views.home(public_data(request), lang))


@router.get("/alerts", response_class=HTMLResponse)
async def alerts(request: Request) -> Response:
    """Every early-warning alert raised."""
    return await _page(
        request, "alerts.html", lambda lang: views.alerts(public_data(request), lang)
    )


@router.get("/indicators", response_class=HTMLResponse)
async def indicators(request: Request) -> Response:
    """The published indicators."""
    return await _page(
        request, "indicators.html", lambda lang: views.indicator_list(public_data(request), lang)
    )


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
async def indicator(
    request: Request,
    indicator_id: str,
    level: Text = None,
    period: Text = None,
    sex: Text = None,
    age_group: Text = None,
    area: Text = None,
) -> Response:
    """Selectors, time series with intervals, choropleth map, table and downloads."""
    params = {"level": level, "period": period, "sex": sex, "age_group": age_group, "area": area}

    def build(lang: str) -> dict[str, Any]:
        view = views.indicator(public_data(request), indicator_id, lang, params)
        selection = {k: v for k, v in view["selection"].items() if k not in ("indicator", "area")}
        query = urlencode(selection)
        base = f"/api/v1/indicators/{indicator_id}/download"
        view["downloads"] = [
            (fmt, label, f"{base}/{fmt}?{query}")
            for fmt, label in (("csv", "CSV"), ("json", "JSON"), ("geojson", "GeoJSON"),
                               ("sdmx", "SDMX-CSV"))
        ]  # fmt: skip
        view["twin_url"] = f"/api/v1/indicators/{indicator_id}?{request.url.query}".rstrip("?")
        view["all_indicators"] = public_data(request).indicators(lang)
        return view

    return await _page(request, "indicator.html", build)


@router.get("/neighborhoods", response_class=HTMLResponse)
async def neighborhoods(request: Request) -> Response:
    """Every area, with links to their profiles."""
    return await _page(
        request, "neighborhoods.html", lambda lang: views.neighborhoods(public_data(request), lang)
    )


@router.get("/neighborhoods/{area_id}", response_class=HTMLResponse)
def neighborhood(request: Request, area_id: str) -> Response:
    """A neighborhood's profile (shows its recommendations: not cached)."""
    lang = request_lang(request)
    return render(
        request, "neighborhood.html", views.neighborhood(public_data(request), area_id, lang)
    )


@router.get("/hotspots", response_class=HTMLResponse)
async def hotspots(request: Request) -> Response:
    """Map and table of the priority-neighborhood index."""
    return await _page(
        request, "hotspots.html", lambda lang: views.hotspots(public_data(request), lang)
    )


@router.get("/recommendations", response_class=HTMLResponse)
def recommendations(
    request: Request,
    theme: Text = None,
    institution: Text = None,
    neighborhood: Text = None,
    status: Text = None,
) -> Response:
    """The recommendations dashboard: status by theme, institution and neighborhood, and the
    list (filtered)."""
    from barrio.web import figures

    data, lang = public_data(request), request_lang(request)
    filters = {"theme": theme, "institution": institution, "neighborhood": neighborhood,
               "status": status if status in views.STATUSES else None}  # fmt: skip
    summary = views.recommendation_summary(data, lang)
    listing = views.recommendation_list(data, lang, filters)
    by_status = summary.get("by_status", [])
    chart = figures.bar_figure(
        [r["label"] for r in by_status], [r["count"] for r in by_status],
        views.label_text("Recommendations", lang),
    )  # fmt: skip
    context = {
        "summary": summary, "status_figure": chart, **listing,
        "statuses": [(s, views.label("status", s, lang)) for s in views.STATUSES],
        "themes": sorted(data.theme_names(lang).items(), key=lambda kv: kv[1]),
        "institutions": [r["institution"] for r in summary.get("by_institution", [])],
        "areas": {a["area_id"]: a["name"] for a in views.neighborhoods(data, lang)["areas"]},
    }  # fmt: skip
    return render(request, "recommendations.html", context)


@router.get("/recommendations/{code}", response_class=HTMLResponse)
def recommendation(request: Request, code: str) -> Response:
    """One recommendation, its status history and public evidence."""
    data, lang = public_data(request), request_lang(request)
    context = views.recommendation(data, code, lang)
    context["areas"] = {a["area_id"]: a["name"] for a in views.neighborhoods(data, lang)["areas"]}
    return render(request, "recommendation.html", context)


@router.get("/assessment", response_class=HTMLResponse)
def assessment(request: Request) -> Response:
    """The strategy assessment summary."""
    from barrio.web import figures

    lang = request_lang(request)
    context = views.assessment(public_data(request), lang)
    found = context["assessment"]
    if found:
        context["stage_figure"] = figures.bar_figure(
            [s["name"] for s in found["stages"]], [s["score"] for s in found["stages"]],
            views.label_text("Score (0-100)", lang),
        )  # fmt: skip
    return render(request, "assessment.html", context)


@router.get("/methodology", response_class=HTMLResponse)
async def methodology(request: Request) -> Response:
    """How each indicator is computed, and the disclosure rule."""
    return await _page(
        request, "methodology.html", lambda lang: views.methodology(public_data(request), lang)
    )
