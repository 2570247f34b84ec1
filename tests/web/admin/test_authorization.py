"""Every admin route, every method, as every role: allowed or refused as the role table says.

The expected table below is written out by hand (not read from the code under test); the test
also fails when the app has an admin route the table does not list, so a new route cannot ship
without its authorization being decided and tested.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.admin.conftest import INSTITUTION_A, INSTITUTION_B, page_token
from tests.web.admin.helpers import app_routes, events_of, open_recommendations

ROLES = ("anonymous", "viewer", "editor_a", "editor_b", "analyst", "admin")
EVERYONE = frozenset({"viewer", "editor_a", "editor_b", "analyst", "admin"})
DATA = frozenset({"analyst", "admin"})
ADMIN = frozenset({"admin"})
# editor_b is refused on the status routes because {code} is a recommendation of institution A
STATUS = frozenset({"admin", "editor_a"})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/admin"): EVERYONE,
    ("GET", "/admin/recommendations"): EVERYONE,
    ("GET", "/admin/recommendations/{code}"): EVERYONE,
    ("POST", "/admin/recommendations/{code}/status"): STATUS,
    ("GET", "/admin/upload"): DATA,
    ("POST", "/admin/upload"): DATA,
    ("GET", "/admin/diagnosis"): DATA,
    ("POST", "/admin/diagnosis/findings"): DATA,
    ("GET", "/admin/assessment"): DATA,
    ("POST", "/admin/assessment/levels"): DATA,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{username}/role"): ADMIN,
    ("POST", "/admin/users/{username}/active"): ADMIN,
    ("POST", "/admin/users/{username}/password"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/api/v1/admin/me"): EVERYONE,
    ("GET", "/api/v1/admin/recommendations/{code}"): EVERYONE,
    ("POST", "/api/v1/admin/recommendations/{code}/status"): STATUS,
    ("POST", "/api/v1/admin/uploads"): DATA,
    ("POST", "/api/v1/admin/findings"): DATA,
    ("PUT", "/api/v1/admin/assessments/{code}/items/{item}"): DATA,
    ("GET", "/api/v1/admin/users"): ADMIN,
    ("GET", "/api/v1/admin/audit"): ADMIN,
}
# a valid status change, so that allowed roles succeed and refusals are not validation errors
STATUS_CHANGE = {"status": "in_process", "evidence_text": "authorization walk"}
BODIES = {
    "/admin/recommendations/{code}/status": STATUS_CHANGE,
    "/api/v1/admin/recommendations/{code}/status": STATUS_CHANGE,
}


def admin_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route under /admin and /api/v1/admin."""
    found = set()
    for path, methods in app_routes(app):
        if path.startswith(("/admin", "/api/v1/admin")):
            found |= {(m, path) for m in methods if m != "HEAD"}
    return found


@pytest.fixture(scope="module")
def walk_code(admin_city) -> str:
    """A recommendation of institution A (editor_a's) that can move to in_process."""
    return open_recommendations(admin_city, INSTITUTION_A)[0]


def _url(path: str, code: str) -> str:
    return path.replace("{code}", code).replace("{username}", "nobody").replace("{item}", "1.1")


def _call(client: Any, method: str, path: str, code: str) -> Any:
    token = page_token(client, "/login")
    body = BODIES.get(path, {})
    url = _url(path, code)
    headers = {"X-CSRF-Token": token}
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if path.startswith("/api/"):
        return client.request(method, url, json=body, headers=headers, follow_redirects=False)
    return client.request(
        method, url, data={**body, "csrf_token": token}, headers=headers, follow_redirects=False
    )


def test_the_table_lists_every_admin_route(app):
    assert admin_routes(app) == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_route_as_every_role(app, clients, role, walk_code):
    client = clients(role)
    problems = []
    for method, path in sorted(EXPECTED):
        response = _call(client, method, path, walk_code)
        allowed = role in EXPECTED[(method, path)]
        outcome = _outcome(response, path, role, allowed)
        if outcome:
            problems.append(f"{role} {method} {path}: {outcome}")
    assert problems == []


def _outcome(response: Any, path: str, role: str, allowed: bool) -> str | None:
    """None when the response is what the role table says; otherwise what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    to_login = status == 303 and response.headers["location"].startswith("/login")
    if allowed:
        return f"refused with {status}" if status in (401, 403) or to_login else None
    if role == "anonymous" and path.startswith("/api/"):
        body = response.json()
        ok = status == 401 and body["ok"] is False and body["error"]["code"] == "unauthorized"
        return None if ok else f"expected 401 envelope, got {status}"
    if role == "anonymous":
        return None if to_login else f"expected a redirect to /login, got {status}"
    if status != 403:
        return f"expected 403, got {status}"
    if path.startswith("/api/") and response.json()["error"]["code"] != "forbidden":
        return "403 without the forbidden envelope"
    return None


def test_anonymous_page_redirects_back_after_login(clients):
    response = clients("anonymous").get("/admin/users?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users%3Fx%3D1"


# ------------------------------------------------------------------- object-level checks


@pytest.fixture(scope="module")
def other_code(admin_city) -> str:
    """A recommendation of institution B."""
    return open_recommendations(admin_city, INSTITUTION_B)[0]


def test_editor_cannot_update_another_institutions_recommendation_by_form(
    clients, admin_city, other_code
):
    client = clients("editor_a")
    before = events_of(admin_city, other_code)
    token = page_token(client, f"/admin/recommendations/{other_code}")
    response = client.post(
        f"/admin/recommendations/{other_code}/status",
        data={"status": "in_process", "evidence_text": "not mine", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert events_of(admin_city, other_code) == before
    # the page of another institution's recommendation offers no form either
    page = client.get(f"/admin/recommendations/{other_code}").text
    assert f'action="/admin/recommendations/{other_code}/status"' not in page


def test_editor_cannot_update_another_institutions_recommendation_by_api(
    clients, admin_city, other_code
):
    client = clients("editor_a")
    before = events_of(admin_city, other_code)
    response = client.post(
        f"/api/v1/admin/recommendations/{other_code}/status",
        json={"status": "in_process", "evidence_text": "not mine"},
        headers={"X-CSRF-Token": page_token(client, "/login")},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert events_of(admin_city, other_code) == before


def test_editor_updates_own_recommendation_and_the_trail_names_them(clients, admin_city):
    from tests.web.admin.helpers import query

    code = open_recommendations(admin_city, INSTITUTION_A)[1]
    client = clients("editor_a")
    token = page_token(client, f"/admin/recommendations/{code}")
    response = client.post(
        f"/admin/recommendations/{code}/status",
        data={"status": "in_process", "evidence_text": "Contract signed", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    last = events_of(admin_city, code)[-1]
    assert last[:3] == ("in_process", "editor_a", "Contract signed")
    trail = query(
        admin_city,
        "SELECT actor FROM audit_log WHERE table_name = 'status_events' ORDER BY id DESC LIMIT 1",
    )
    assert trail == [("editor_a",)]


def test_admin_may_update_any_recommendation_analyst_and_viewer_may_not(clients, admin_city):
    code = open_recommendations(admin_city, INSTITUTION_B)[1]
    for role, expected in (("viewer", 403), ("analyst", 403), ("admin", 200)):
        client = clients(role)
        response = client.post(
            f"/api/v1/admin/recommendations/{code}/status",
            json={"status": "in_process", "evidence_text": f"by {role}"},
            headers={"X-CSRF-Token": page_token(client, "/login")},
        )
        assert response.status_code == expected, (role, response.text)
    assert [e[1] for e in events_of(admin_city, code)].count("admin") == 1
