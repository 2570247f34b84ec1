"""Fixtures of the admin tests: a copy of the demo city with one account per role, the app, and
signed-in clients.

Accounts: ``admin``, ``analyst``, ``viewer``, ``editor_a`` (institution SSPM), ``editor_b``
(institution DESOC). Every password is :data:`PASSWORD`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct horse battery staple"
INSTITUTION_A, INSTITUTION_B = "SSPM", "DESOC"
ACCOUNTS = {
    "admin": ("admin", None),
    "analyst": ("analyst", None),
    "viewer": ("viewer", None),
    "editor_a": ("editor", INSTITUTION_A),
    "editor_b": ("editor", INSTITUTION_B),
}
EN = {"Accept-Language": "en"}  # messages checked in English (the city's locale is es)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_accounts(workspace: Path) -> None:
    """Create the test accounts in the workspace's store."""
    from barrio.store import open_store, workspace_store_url
    from barrio.web.security.users import add_user
    from barrio.workspace import Workspace

    url = workspace_store_url(Workspace.open(workspace))
    with open_store(url) as store, store.session(actor="tests") as session:
        for name, (role, institution) in ACCOUNTS.items():
            add_user(session, username=name, role=role, password=PASSWORD,
                     institution=institution)  # fmt: skip


@pytest.fixture(scope="session")
def admin_city(demo_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo city with the test accounts (shared by the tests of this folder)."""
    root = tmp_path_factory.mktemp("admin") / "city"
    shutil.copytree(demo_city, root)
    add_accounts(root)
    return root


def make_app(workspace: Path, **overrides: Any) -> Any:
    """The portal app on ``workspace`` (plain-HTTP cookies for the test client)."""
    from barrio.web.app import create_app
    from barrio.web.settings import WebSettings

    settings = {"secure_cookies": False, **overrides}
    return create_app(WebSettings.for_workspace(workspace, **settings))


@pytest.fixture(scope="session")
def app(admin_city: Path) -> Any:
    """One app over the shared admin city."""
    return make_app(admin_city)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = CSRF.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign ``client`` in through the login form; returns the POST response."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/admin"},
        follow_redirects=False,
    )


def page_token(client: Any, path: str = "/admin") -> str:
    """A CSRF token for the client's session (from a page that renders a form)."""
    response = client.get(path)
    found = CSRF.search(response.text)
    return found.group(1) if found else csrf_of(client.get("/login").text)


@pytest.fixture(scope="session")
def clients(app: Any) -> Iterator[Callable[[str], Any]]:
    """``clients(name)``: a TestClient signed in as that account (``"anonymous"``: none)."""
    from fastapi.testclient import TestClient

    made: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in made:
            client = TestClient(app, base_url="http://testserver", headers=EN)
            client.__enter__()
            if name != "anonymous":
                response = sign_in(client, name)
                assert response.status_code == 303, response.text
            made[name] = client
        return made[name]

    yield get
    for client in made.values():
        client.__exit__(None, None, None)
