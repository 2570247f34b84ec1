"""CSRF on every form route, login rate limiting across app instances, security headers,
Argon2 hashes that never show, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from typing import Any

import pytest
from tests.web.admin.conftest import EN, PASSWORD, make_app, page_token, sign_in
from tests.web.admin.helpers import app_routes, engine, query

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


# ------------------------------------------------------------------------------------ CSRF


def form_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every unsafe route that is not the machine API."""
    return sorted(
        (m, path)
        for path, methods in app_routes(app)
        for m in methods & UNSAFE
        if not path.startswith("/api/")
    )


def test_the_app_has_form_routes(app):
    routes = form_routes(app)
    assert ("POST", "/login") in routes
    assert ("POST", "/admin/upload") in routes
    assert len(routes) >= 10


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_csrf_refused_on_every_form_route(app, clients, token):
    client = clients("admin")
    page_token(client)  # the session has a token; the requests below do not send it
    refused = []
    for method, path in form_routes(app):
        data = {"csrf_token": token} if token else {}
        response = client.request(method, _fill(path), data=data, follow_redirects=False)
        if response.status_code != 403:
            refused.append(f"{method} {path}: {response.status_code}")
    assert refused == []


def test_csrf_on_the_json_api_with_a_session(clients):
    client = clients("admin")
    url = "/api/v1/admin/recommendations/R-001/status"
    body = {"status": "in_process", "evidence_text": "x"}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403


def test_login_form_needs_its_token(clients):
    client = clients("anonymous")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403


# ----------------------------------------------------------------------------- rate limit


def test_login_rate_limit_is_shared_by_two_app_instances(admin_city):
    from fastapi.testclient import TestClient

    first, second = make_app(admin_city), make_app(admin_city)  # like two worker processes
    with TestClient(first, headers=EN) as one, TestClient(second, headers=EN) as two:
        for client in (one, two, one, two, one):  # 5 failures (login_attempts = 5)
            response = sign_in(client, "viewer", "wrong password!")
            assert response.status_code == 401
        for client in (two, one):
            blocked = sign_in(client, "viewer", PASSWORD)  # even the right password waits
            assert blocked.status_code == 429
            wait = int(blocked.headers["Retry-After"])
            assert 1 <= wait <= 300
        assert sign_in(one, "analyst").status_code == 303  # other usernames are not blocked
        # once the failures are older than the window, signing in works again
        with engine(admin_city).begin() as connection:
            from sqlalchemy import text

            old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=301)
            connection.execute(text("UPDATE login_attempts SET at = :old"), {"old": old})
        assert sign_in(two, "viewer").status_code == 303
        assert query(admin_city, "SELECT count(*) FROM login_attempts WHERE username='viewer'") == [
            (0,)
        ]


# -------------------------------------------------------------------------------- headers


def _check_headers(response: Any, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("content-security-policy", "")
    directives = dict(([*d.strip().split(" ", 1), ""])[:2] for d in csp.split(";") if d.strip())
    script = directives.get("script-src", directives.get("default-src", ""))
    if "'self'" not in script or "unsafe-inline" in script or "unsafe-eval" in script:
        problems.append(f"{where}: script-src {script!r}")
    if directives.get("frame-ancestors") != "'none'":
        problems.append(f"{where}: frame-ancestors")
    if response.headers.get("x-content-type-options") != "nosniff":
        problems.append(f"{where}: nosniff")
    if not response.headers.get("referrer-policy"):
        problems.append(f"{where}: referrer-policy")
    return problems


# Public pages and API answers of every kind (the header middleware does not look at the route;
# walking every public route would spend here the minute the home page takes to compute cold).
PUBLIC_SAMPLE = ["/recommendations", "/methodology", "/api/v1/recommendations", "/api/docs",
                 "/openapi.json", "/static/vendor/plotly.min.js", "/static/admin/admin.css",
                 "/no/such/page", "/api/v1/no-such", "/evidence/x"]  # fmt: skip


def test_security_headers_on_every_response(app, clients):
    paths = [p for p, methods in app_routes(app) if "GET" in methods and "{" not in p]
    paths = [p for p in paths if p.startswith(("/admin", "/api/v1/admin", "/login"))]
    paths += PUBLIC_SAMPLE
    problems = []
    for role in ("anonymous", "admin"):
        client = clients(role)
        for path in paths:
            response = client.get(path, follow_redirects=False)
            problems += _check_headers(response, f"{role} GET {path} ({response.status_code})")
    response = clients("anonymous").post("/login", data={})
    problems += _check_headers(response, "POST /login")
    assert problems == []


def test_security_headers_on_an_unexpected_error(admin_city):
    from fastapi.testclient import TestClient

    app = make_app(admin_city)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    assert _check_headers(response, "GET /broken") == []


def test_private_pages_are_not_cached_and_hsts_behind_https(app, clients, admin_city):
    assert clients("admin").get("/admin").headers["cache-control"] == "no-store"
    from fastapi.testclient import TestClient

    with TestClient(
        make_app(admin_city, secure_cookies=True), base_url="https://t", headers=EN
    ) as client:
        response = client.get("/login")
        assert "max-age=" in response.headers["strict-transport-security"]
        cookie = response.headers.get("set-cookie", "")
        assert "secure" in cookie.lower()
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()


def test_admin_pages_have_no_inline_scripts_or_handlers(clients, admin_city):
    from tests.web.admin.helpers import open_recommendations

    code = open_recommendations(admin_city, "SSPM")[0]
    pages = ["/admin", "/admin/recommendations", f"/admin/recommendations/{code}",
             "/admin/upload", "/admin/diagnosis", "/admin/assessment", "/admin/users",
             "/admin/audit", "/login",
             # public pages too: the CSP would block their inline scripts in a browser
             "/recommendations", f"/recommendations/{code}", "/methodology"]  # fmt: skip
    for path in pages:
        html = clients("admin").get(path).text
        # a script element runs unless it has a src or is a JSON data block
        inline = r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
        assert not re.search(inline, html), path
        assert not re.search(r"\son[a-z]+\s*=", html, flags=re.IGNORECASE), path
        assert "javascript:" not in html.lower(), path


def test_public_pages_set_no_session_cookie(app):
    from fastapi.testclient import TestClient

    with TestClient(app, headers=EN) as visitor:  # a first visit, no cookie yet
        response = visitor.get("/recommendations")
        assert "barrio_session" not in response.headers.get("set-cookie", "")
        assert "barrio_session" in visitor.get("/login").headers.get("set-cookie", "")


# ------------------------------------------------------------------------------ passwords


def test_password_hashes_are_argon2_and_never_shown_or_logged(clients, admin_city, caplog):
    hashes = [h for (h,) in query(admin_city, "SELECT password_hash FROM users")]
    assert hashes
    assert all(h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for h in hashes)
    with caplog.at_level(logging.DEBUG):
        from fastapi.testclient import TestClient

        with TestClient(clients("admin").app, headers=EN) as client:
            sign_in(client, "admin", "a wrong password")
            sign_in(client, "admin")
            pages = [client.get(p).text for p in ("/admin/users", "/admin/audit")]
            pages.append(client.get("/api/v1/admin/users").text)
            pages.append(client.get("/api/v1/admin/audit?limit=1000").text)
    logged = caplog.text
    for secret in (*hashes, PASSWORD, "a wrong password"):
        assert secret not in logged
        assert all(secret not in page for page in pages)
    assert all("$argon2" not in page for page in pages)
    trail = query(admin_city, "SELECT after FROM audit_log WHERE table_name = 'users'")
    assert trail
    assert all("$argon2" not in (after or "") for (after,) in trail)


def test_changing_a_password_ends_open_sessions(admin_city):
    from fastapi.testclient import TestClient

    from barrio.store import open_store
    from barrio.web.security.users import add_user, set_password

    with open_store(admin_city / "barrio.db") as store, store.session(actor="t") as s:
        add_user(s, username="rotating", role="viewer", password=PASSWORD)
    with TestClient(make_app(admin_city), headers=EN) as client:
        assert sign_in(client, "rotating").status_code == 303
        assert client.get("/admin", follow_redirects=False).status_code == 200
        with open_store(admin_city / "barrio.db") as store, store.session(actor="t") as s:
            set_password(s, "rotating", "another long password")
        assert client.get("/admin", follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------------- tokens


def _token(admin_city, *args: str) -> dict[str, Any]:
    import json

    import typer
    from typer.testing import CliRunner

    from barrio.cli import users

    cli = typer.Typer()
    users.register(cli)
    result = CliRunner().invoke(cli, ["users", "token", *args, "-w", str(admin_city), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["data"]


def test_machine_token_lifecycle(clients, admin_city):
    from fastapi.testclient import TestClient
    from tests.web.admin.helpers import events_of, open_recommendations

    created = _token(admin_city, "editor_a", "--name", "etl")
    secret = created["token"]
    stored = query(admin_city, "SELECT token_hash, prefix FROM api_tokens WHERE id = :i",
                   i=created["id"])  # fmt: skip
    assert stored[0][0] == hashlib.sha256(secret.encode()).hexdigest()
    dump = "\n".join(str(r) for r in query(admin_city, "SELECT * FROM api_tokens"))
    dump += "\n".join(str(r) for r in query(admin_city, "SELECT * FROM audit_log"))
    assert secret not in dump
    assert stored[0][0] not in dump.replace(stored[0][0], "", 1)

    bearer = {"Authorization": f"Bearer {secret}"}
    code = open_recommendations(admin_city, "SSPM")[2]
    with TestClient(clients("admin").app, headers=EN) as client:  # no cookie: the token alone
        me = client.get("/api/v1/admin/me", headers=bearer).json()["data"]
        assert (me["username"], me["auth"], me["institution"]) == ("editor_a", "token", "SSPM")
        response = client.post(
            f"/api/v1/admin/recommendations/{code}/status", headers=bearer,
            json={"status": "in_process", "evidence_text": "from the ETL"},
        )  # fmt: skip
        assert response.status_code == 200, response.text  # no CSRF token needed
        assert events_of(admin_city, code)[-1][:3] == ("in_process", "editor_a", "from the ETL")
        wrong = {"Authorization": "Bearer barrio_" + "x" * 43}
        assert client.get("/api/v1/admin/me", headers=wrong).status_code == 401

        _token(admin_city, "editor_a", "--revoke", str(created["id"]))
        revoked = client.get("/api/v1/admin/me", headers=bearer)
        assert revoked.status_code == 401
        assert revoked.headers["www-authenticate"] == "Bearer"

        later = _token(admin_city, "editor_a", "--days", "1")
        with engine(admin_city).begin() as connection:
            from sqlalchemy import text

            past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            connection.execute(
                text("UPDATE api_tokens SET expires_at = :p WHERE id = :i"),
                {"p": past, "i": later["id"]},
            )
        headers = {"Authorization": f"Bearer {later['token']}"}
        assert client.get("/api/v1/admin/me", headers=headers).status_code == 401
        listed = _token(admin_city, "editor_a", "--list")["tokens"]
        states = {t["id"]: t["state"] for t in listed}
        assert states[created["id"]] == "revoked"
        assert states[later["id"]] == "expired"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_to_another_site(admin_city, target):
    from fastapi.testclient import TestClient
    from tests.web.admin.conftest import csrf_of

    with TestClient(make_app(admin_city), headers=EN) as client:
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "viewer", "password": PASSWORD, "csrf_token": token,
                  "next": target},
            follow_redirects=False,
        )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"


def test_admin_pages_in_spanish(clients):
    client = clients("anonymous")
    page = client.get("/login?lang=es").text
    assert "Iniciar sesión" in page
    token = page_token(client, "/login")
    wrong = client.post(
        "/login", data={"username": "nobody", "password": "x" * 12, "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "Usuario o contraseña incorrectos." in wrong.text
    client.get("/login?lang=en")  # back to English for the other tests
