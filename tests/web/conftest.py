"""Fixtures of the portal tests: the app over the demo city, a test client, a live server
(uvicorn in a thread, for the browser) and a headless Chromium driven by Playwright.

The demo city is read only: tests that change data copy it first.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def make_portal(workspace: Path, **overrides: Any) -> Any:
    """The portal app on ``workspace`` (plain-HTTP cookies for tests)."""
    from barrio.web.app import create_app
    from barrio.web.settings import WebSettings

    return create_app(
        WebSettings.for_workspace(workspace, **{"secure_cookies": False, **overrides})
    )


@pytest.fixture(scope="session")
def portal_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the demo city's protected tables go (the demo city itself stays untouched)."""
    return str(tmp_path_factory.mktemp("portal-cache"))


@pytest.fixture(scope="session")
def portal(demo_city: Path, portal_cache: str) -> Any:
    """One app over the (read-only) demo city, its public tables prepared as ``barrio serve``
    does (so no request waits for disclosure control)."""
    app = make_portal(demo_city, cache_dir=portal_cache)
    app.state.data.prepare()
    return app


@pytest.fixture(scope="session")
def client(portal: Any) -> Iterator[Any]:
    """A test client of :func:`portal` (lifespan run once)."""
    from fastapi.testclient import TestClient

    with TestClient(portal) as test_client:
        yield test_client


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_url(portal: Any) -> Iterator[str]:
    """Base URL of the demo-city portal served by uvicorn."""
    with running(portal) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page (its own cookies), failing the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
