"""The portal in a real browser (Playwright driving Debian's Chromium under the portal's CSP):
switch language, charts and maps render, a download matches the table on the page."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from barrio.web.figures import NO_DATA, PALETTE


def distinct_colours(png: bytes) -> set[tuple[int, ...]]:
    """The set of RGB colours in a PNG screenshot."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _count, colour in image.getcolors(maxcolors=1 << 24) or []}


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def test_switch_language(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/")
    assert page.get_attribute("html", "lang") == "en", "Accept-Language en-US gives English"
    assert page.locator("#key-heading").inner_text() == "Key indicators"
    page.click("nav.lang-switch a[data-lang='es']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "es"
    assert page.locator("#key-heading").inner_text() == "Indicadores clave"
    page.click("nav.site-nav a[href='/indicators']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "es", "the choice is kept (cookie)"
    page.click("nav.lang-switch a[data-lang='en']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"


def test_chart_and_map_render(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/indicators/assault?level=district")
    page.wait_for_selector("#series-chart[data-rendered]", timeout=15_000)
    page.wait_for_selector("#map-chart[data-rendered]", timeout=15_000)
    series = distinct_colours(page.locator("#series-chart").screenshot())
    assert len(series) > 20, "the time series chart is not blank"
    shown = distinct_colours(page.locator("#map-chart").screenshot())
    assert len(shown) > 20, "the map is not blank"
    classes = {hex_rgb(c) for c in (*PALETTE, NO_DATA)} & shown
    assert len(classes) >= 3, f"the map shows its class colours (found {classes})"


def test_selectors_update_the_page(page: Any, live_url: str) -> None:
    """Changing a selector swaps the page's content in place (htmx), keeps the URL shareable,
    redraws the charts; a second change works on the swapped content too."""
    page.goto(f"{live_url}/indicators/assault")
    page.wait_for_selector("#map-chart[data-rendered]")
    page.select_option("#sel-level", "district")
    page.wait_for_url("**level=district**")
    page.wait_for_function("document.querySelectorAll('#indicator-table tbody tr').length == 10")
    page.wait_for_selector("#map-chart[data-rendered]")
    assert page.locator("#sel-level").input_value() == "district"
    page.select_option("#sel-sex", "F")
    page.wait_for_url("**sex=F**")
    page.wait_for_selector("#series-chart[data-rendered]")
    assert "level=district" in page.url


@pytest.mark.parametrize("query", ["", "?level=district&sex=M"])
def test_download_matches_the_page(page: Any, live_url: str, query: str) -> None:
    from barrio.web.templating import format_number

    page.goto(f"{live_url}/indicators/assault{query}")
    cells = page.eval_on_selector_all(
        "#indicator-table tbody tr",
        """rows => rows.map(r => ({area: r.dataset.area,
            shown: r.querySelectorAll('td')[2].innerText.trim(),
            raw: r.querySelectorAll('td')[2].dataset.value}))""",
    )
    assert cells
    with page.expect_download() as info:
        page.click("a[data-format='csv']")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert [r["area_id"] for r in rows] == [c["area"] for c in cells]
    for row, cell in zip(rows, cells, strict=True):
        value = float(row["value"]) if row["value"] else None
        assert cell["shown"] == format_number(value, 1, "en")
        if value is not None:
            assert float(cell["raw"]) == pytest.approx(value, rel=1e-5)


TILE_COLOUR = (120, 170, 220)


def test_map_over_basemap_tiles(page: Any, demo_city: Any, portal_cache: str) -> None:
    """With ``tiles_url`` set the map is drawn over raster tiles (here served by the app)."""
    from fastapi import Response
    from PIL import Image

    from tests.web.conftest import make_portal, running

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_COLOUR).save(buffer, "PNG")
    tile = buffer.getvalue()
    app = make_portal(demo_city, cache_dir=portal_cache, tiles_url="/tiles/{z}/{x}/{y}.png")

    @app.get("/tiles/{z}/{x}/{y}.png", include_in_schema=False)
    def tiles(z: int, x: int, y: int) -> Response:
        return Response(tile, media_type="image/png")

    app.router.routes.insert(0, app.router.routes.pop())  # before the page routes
    with running(app) as url:
        page.goto(f"{url}/indicators/assault?level=district")
        page.wait_for_selector("#map-chart[data-rendered]", timeout=20_000)
        page.wait_for_function(
            "() => document.querySelector('#map-chart canvas') !== null", timeout=20_000
        )
        page.wait_for_timeout(1500)  # tiles fade in
        shown = distinct_colours(page.locator("#map-chart").screenshot())
    assert TILE_COLOUR in shown, "the basemap tiles are drawn"
    assert len(shown) > 20


def test_api_documentation_renders_under_the_csp(page: Any, live_url: str) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_url}/api/docs")
    title = page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Barrio observatory API" in title.inner_text()
    page.wait_for_selector(".opblock-tag-section", timeout=15_000)
    assert page.locator(".opblock").count() > 10, "the endpoints are listed"
    assert blocked == []
