"""In a real browser (Playwright driving Debian's Chromium): an editor signs in, records a status
change with evidence (text and a PDF), sees the new status, and the public recommendation page
shows the evidence. The CSP is enforced by the browser, so a blocked script or style would show
up as a console error here."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.admin.conftest import PASSWORD, make_app
from tests.web.admin.helpers import events_of, open_recommendations

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(admin_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The portal of a private copy of the city, served by uvicorn in a thread."""
    import uvicorn

    root = tmp_path_factory.mktemp("browser") / "city"
    shutil.copytree(admin_city, root)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(root), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield root, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(chromium: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a pinned web dependency
        pytest.fail("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        context = browser.new_context(locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def test_editor_updates_a_recommendation_and_the_public_page_shows_it(served, page, tmp_path):
    root, base = served
    code = open_recommendations(root, "SSPM")[5]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/admin/recommendations/{code}?lang=en")
    assert "/login" in page.url  # anonymous: sent to sign in first
    page.fill("#username", "editor_a")
    page.fill("#password", PASSWORD)
    page.click("form.admin-form button[type=submit]")
    page.wait_for_url(f"**/admin/recommendations/{code}**")

    evidence = "Street lighting repaired on 12 blocks (browser test)"
    pdf = tmp_path / "acta.pdf"
    pdf.write_bytes(PDF)
    page.select_option("#status", "in_process")
    page.fill("#evidence_text", evidence)
    page.set_input_files("#evidence_file", str(pdf))
    page.click("form.admin-form button[type=submit]")
    page.wait_for_url(f"**/admin/recommendations/{code}?saved=1")
    assert page.get_attribute(".current-status", "data-status") == "in_process"
    assert page.locator("table.history").inner_text().count(evidence) == 1

    status, author, text, _url, name = events_of(root, code)[-1]
    assert (status, author, text) == ("in_process", "editor_a", evidence)

    page.goto(f"{base}/recommendations/{code}?lang=en")
    body = page.locator("main").inner_text()
    assert evidence in body
    link = page.locator(f'a[href="/evidence/{name}"]')
    assert link.count() == 1
    response = page.request.get(f"{base}/evidence/{name}")
    assert response.status == 200
    assert response.body() == PDF

    page.goto(f"{base}/recommendations?lang=en")
    assert code in page.locator("main").inner_text()
    assert [e for e in errors if "Content Security Policy" in e] == []
