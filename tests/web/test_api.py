"""The public JSON API and pages: envelope, pagination, errors, downloads, language, caching."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

PAGES = (
    "/",
    "/alerts",
    "/indicators",
    "/indicators/assault",
    "/neighborhoods",
    "/hotspots",
    "/recommendations",
    "/assessment",
    "/methodology",
)


def twin(path: str) -> str:
    """The JSON twin of a page."""
    return "/api/v1" + ("/home" if path == "/" else path)


def test_every_page_and_twin_answers(client: Any) -> None:
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert twin(path) in page.text, f"{path} does not link its JSON twin"
        data = client.get(twin(path))
        assert data.status_code == 200, twin(path)
        body = data.json()
        assert body["ok"] is True, twin(path)
        assert "data" in body, twin(path)
        assert set(body) <= {"ok", "data", "meta"}


def test_profile_and_recommendation_pages(client: Any) -> None:
    area = client.get("/api/v1/neighborhoods", params={"per_page": 1}).json()["data"][0]
    profile = client.get(f"/api/v1/neighborhoods/{area['area_id']}").json()["data"]
    assert profile["area"]["name"] == area["name"]
    assert client.get(f"/neighborhoods/{area['area_id']}").status_code == 200
    recs = client.get("/api/v1/recommendations", params={"per_page": 1}).json()["data"]
    code = recs["recommendations"][0]["code"]
    one = client.get(f"/api/v1/recommendations/{code}").json()["data"]["recommendation"]
    assert one["code"] == code
    assert one["events"], "a recommendation shows its history"
    page = client.get(f"/recommendations/{code}")
    assert page.status_code == 200
    assert code in page.text


def test_errors_use_the_envelope(client: Any) -> None:
    missing = client.get("/api/v1/indicators/no-such-indicator")
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert missing.json()["ok"] is False
    assert error["code"] == "not_found"
    assert "assault" in error["hint"], "the hint names the known indicators"
    bad = client.get("/api/v1/indicators/assault", params={"level": "galaxy"})
    assert bad.status_code == 400
    details = bad.json()["error"]["details"]
    assert details["parameter"] == "level"
    assert "neighborhood" in details["allowed"]
    invalid = client.get("/api/v1/neighborhoods", params={"per_page": 0})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_request"
    nowhere = client.get("/api/v1/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["ok"] is False
    html = client.get("/indicators/no-such-indicator")
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")


def test_pagination_covers_every_row_once(client: Any) -> None:
    everything = client.get("/api/v1/neighborhoods", params={"per_page": 1000}).json()
    total = everything["meta"]["total"]
    assert total == len(everything["data"]) > 100
    per_page = 7
    seen: list[str] = []
    first = client.get("/api/v1/neighborhoods", params={"per_page": per_page}).json()["meta"]
    assert first == {"total": total, "page": 1, "per_page": per_page,
                     "pages": math.ceil(total / per_page)}  # fmt: skip
    for page in range(1, first["pages"] + 1):
        body = client.get("/api/v1/neighborhoods", params={"page": page, "per_page": per_page})
        seen += [row["area_id"] for row in body.json()["data"]]
    assert seen == [row["area_id"] for row in everything["data"]]
    past = client.get("/api/v1/neighborhoods", params={"page": first["pages"] + 1})
    assert past.json()["data"] == []


def _table(client: Any, **params: str) -> list[dict[str, Any]]:
    body = client.get("/api/v1/indicators/assault", params={**params, "per_page": 1000}).json()
    assert body["meta"]["total"] == len(body["data"]["table"])
    return list(body["data"]["table"])


@pytest.mark.parametrize("params", [{}, {"level": "district", "sex": "F", "period": "2023"}])
def test_downloads_match_the_table(client: Any, params: dict[str, str]) -> None:
    table = _table(client, **params)
    assert table
    base = "/api/v1/indicators/assault/download"
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}/csv", params=params).text)))
    assert [r["area_id"] for r in rows] == [r["area_id"] for r in table]
    for got, want in zip(rows, table, strict=True):
        if want["value"] is None:
            assert got["value"] == ""
        else:
            assert float(got["value"]) == pytest.approx(want["value"], rel=1e-5)
    document = client.get(f"{base}/json", params=params).json()
    assert document["rows"] == table
    geo = client.get(f"{base}/geojson", params=params)
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert {f["properties"]["area_id"] for f in features} == {r["area_id"] for r in table}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    sdmx = list(csv.DictReader(io.StringIO(client.get(f"{base}/sdmx", params=params).text)))
    assert list(sdmx[0])[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert "OBS_VALUE" in sdmx[0]
    assert "TIME_PERIOD" in sdmx[0]
    assert {r["STRUCTURE_ID"] for r in sdmx} == {"BARRIO:DSD_CRIME_IND(1.0)"}  # as the export
    by_area = {r["REF_AREA"]: r for r in sdmx if r["UNIT_MEASURE"] == "PER_100K"}
    for want in table:
        got = by_area[want["area_id"]]
        assert got["TIME_PERIOD"] == want["period_start"][:4]
        if want["value"] is not None:
            assert float(got["OBS_VALUE"]) == pytest.approx(want["value"], rel=1e-5)


def test_public_rows_never_show_suppressed_values(client: Any) -> None:
    for params in ({}, {"level": "neighborhood", "sex": "F", "age_group": "15-29"}):
        for row in _table(client, **params):
            if row["suppressed"]:
                assert row["value"] is None
                assert row["numerator"] is None
                assert row["lower"] is None
                assert row["upper"] is None


def test_public_recommendations_hide_internal_fields(client: Any, demo_city: Path) -> None:
    from sqlalchemy import func, select

    from barrio.store import open_store, workspace_store_url
    from barrio.store.register import Recommendation
    from barrio.workspace import Workspace

    store_url = workspace_store_url(Workspace.open(demo_city))
    with open_store(store_url) as store, store.session() as session:
        public = session.scalar(select(func.count()).where(Recommendation.is_public.is_(True)))
    body = client.get("/api/v1/recommendations", params={"per_page": 1000}).json()
    assert body["meta"]["total"] == public
    text = json.dumps(body)
    for field in ("internal_notes", "internal_note", "author", "reviewer"):
        assert f'"{field}"' not in text


def test_language_choice(client: Any) -> None:
    client.cookies.clear()
    spanish = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in spanish.text
    english = client.get("/?lang=en", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in english.text
    assert "lang=en" in english.headers["set-cookie"]
    kept = client.get("/indicators", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in kept.text, "the cookie wins over Accept-Language"
    api = client.get("/api/v1/indicators?lang=es").json()["data"]["indicators"]
    assert any(r["id"] == "assault" and r["name"] == "Lesiones y agresiones" for r in api)
    client.cookies.clear()


def test_accept_language_parsing() -> None:
    from barrio.web.language import accepted, choose

    assert accepted("fr-FR,en;q=0.8,es;q=0.9") == "es"
    assert accepted("de, fr") is None
    assert accepted("es;q=0, en;q=0.1") == "en"
    assert choose("lang=xx", "lang=en", "es", "es") == ("en", False)
    assert choose("", "", "", "es") == ("es", False)
    assert choose("lang=es", "", "en", "en") == ("es", True)


def test_assets_are_served_locally(client: Any) -> None:
    import re

    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/js/charts.js").status_code == 200
    for path in PAGES:
        html = client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
        assert not external, f"{path} loads {external}"
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html), f"{path} has an inline event handler"


def test_api_documentation_is_served_locally(client: Any) -> None:
    import re

    html = client.get("/api/docs")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert all(s.startswith("/static/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc)[^>]*>", html.text), "no inline script"
    for source in sources:
        assert client.get(source).status_code == 200, source
    bundle = client.get("/static/vendor/swagger/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content
    assert client.get("/static/vendor/swagger/index.html").status_code == 404
    assert client.get("/api/v1").json()["data"]["docs"] == "/api/docs"


def test_warehouse_change_invalidates_the_cache(demo_city: Path, tmp_path: Path) -> None:
    import duckdb
    from fastapi.testclient import TestClient

    from tests.web.conftest import make_portal

    root = tmp_path / "city"
    shutil.copytree(demo_city, root)
    with TestClient(make_portal(root)) as client:
        params = {"level": "city", "per_page": 10}
        before = client.get("/api/v1/indicators/assault", params=params).json()["data"]
        page_before = client.get("/indicators/assault?level=city").text
        con = duckdb.connect(str(root / "warehouse" / "barrio.duckdb"))
        con.execute(
            "UPDATE indicators SET value = 123456.5 WHERE indicator_id = 'assault'"
            " AND area_level = 'city' AND sex = 'total' AND age_group = 'total'"
        )
        con.close()
        after = client.get("/api/v1/indicators/assault", params=params).json()["data"]
        assert before["table"][0]["value"] != 123456.5
        assert after["table"][0]["value"] == 123456.5
        assert "123,456.5" not in page_before
        assert "123" in client.get("/indicators/assault?level=city&lang=en").text


def test_map_classes_match_mapclassify(client: Any) -> None:
    """Reference: the choropleth's quantile classes are mapclassify's Quantiles(k=5) bins
    (upper bounds), on the district rates and on a skewed sample; tolerance 1e-12."""
    import mapclassify
    import numpy as np

    from barrio.web.figures import class_edges

    table = _table(client, level="district")
    district = np.array([r["value"] for r in table if r["value"] is not None], dtype=float)
    sample = np.random.default_rng(7).lognormal(3.0, 1.0, size=500)
    for values in (district, sample):
        edges = class_edges(values)
        reference = mapclassify.Quantiles(values, k=5).bins
        assert len(edges) == 6
        np.testing.assert_allclose(edges[1:], reference, rtol=1e-12)
        assert edges[0] == values.min()


def test_status_change_shows_on_the_dashboard_at_once(demo_city: Path, tmp_path: Path) -> None:
    """The register's pages are cached per audit-trail entry: a new status event (with its
    public evidence and an internal note) appears at once, the note never does."""
    from fastapi.testclient import TestClient

    from barrio.audit.recommendations import record_status
    from barrio.store import open_store, workspace_store_url
    from barrio.workspace import Workspace
    from tests.web.conftest import make_portal

    root = tmp_path / "city"
    shutil.copytree(demo_city, root)
    with TestClient(make_portal(root)) as client:
        rows = client.get("/api/v1/recommendations", params={"status": "not_started"}).json()
        code = rows["data"]["recommendations"][0]["code"]
        before = client.get(f"/recommendations/{code}").text
        assert "Bridge lighting installed" not in before
        url = workspace_store_url(Workspace.open(root))
        with open_store(url) as store, store.session(actor="tests") as session:
            record_status(
                session, code, "in_process", evidence_text="Bridge lighting installed",
                internal_note="secret budget line",
            )  # fmt: skip
        page = client.get(f"/recommendations/{code}?lang=en").text
        assert "Bridge lighting installed" in page
        assert "secret budget line" not in page
        one = client.get(f"/api/v1/recommendations/{code}").json()["data"]["recommendation"]
        assert one["status"] == "in_process"
        assert "secret budget line" not in json.dumps(one)


def test_protected_tables_are_shared_through_files(demo_city: Path, tmp_path: Path) -> None:
    """A second worker (a fresh app) reads the protected table another one wrote, and serves
    exactly the same figures; a warehouse change starts a new version and drops the old one."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import make_portal

    root = tmp_path / "city"
    shutil.copytree(demo_city, root)
    cache = tmp_path / "cache"
    params = {"level": "district", "sex": "F", "per_page": 1000}
    with TestClient(make_portal(root, cache_dir=str(cache))) as first:
        computed = first.get("/api/v1/indicators/family-violence", params=params).json()
    files = list(cache.glob("*/family-violence.parquet"))
    assert len(files) == 1
    with TestClient(make_portal(root, cache_dir=str(cache))) as second:
        loaded = second.get("/api/v1/indicators/family-violence", params=params).json()
        assert loaded == computed
        warehouse = root / "warehouse" / "barrio.duckdb"
        stat = warehouse.stat()
        os.utime(warehouse, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        second.get("/api/v1/indicators/family-violence", params=params)
    versions = [p for p in cache.iterdir() if p.is_dir()]
    assert len(versions) == 1
    assert versions[0] != files[0].parent


def test_pages_show_annual_rows_when_monthly_ones_are_stored(demo_city: Path, tmp_path: Path):
    """A workspace that also stored a monthly table (``indicators compute --period month``)
    still shows one row per area and year on the indicator page."""
    from barrio.indicators.service import compute
    from barrio.web.public_data import PublicData
    from barrio.workspace import Workspace

    city = tmp_path / "city"
    shutil.copytree(demo_city, city)
    ws = Workspace.open(city)
    compute(ws, ids=["assault"], period="month")
    data = PublicData(ws, store=None, cache_dir=tmp_path / "cache")
    rows = data.indicator_rows("assault")
    assert not rows.empty
    keys = ["area_id", "period_start", "sex", "age_group"]
    assert not rows.duplicated(keys).any()
    assert {d.month for d in rows["period_start"]} == {1}
