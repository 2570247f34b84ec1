"""Accessibility and structure of every public page (static checks on the served HTML), and
``barrio serve`` with several worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import free_port

PAGES = (
    "/",
    "/alerts",
    "/indicators",
    "/indicators/assault",
    "/indicators/assault?level=district&sex=F",
    "/neighborhoods",
    "/hotspots",
    "/recommendations",
    "/assessment",
    "/methodology",
)


class Outline(HTMLParser):
    """Collects what the checks need: tags, ids, label targets, table headers, charts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(client: Any, path: str) -> None:
    html = client.get(path, headers={"Accept-Language": "en"}).text
    page = outline(html)
    assert page.all("html")[0].get("lang") in ("es", "en")
    for landmark in ("header", "nav", "main", "footer"):
        assert page.all(landmark), f"{path}: no <{landmark}>"
    assert all(nav.get("aria-label") for nav in page.all("nav")), "every nav is named"
    assert len(page.all("h1")) == 1, f"{path}: one h1"
    labelled = {label.get("for") for label in page.all("label")}
    for control in page.all("select") + page.all("input"):
        if control.get("type") in ("hidden", "submit"):
            continue
        assert control.get("id") in labelled or control.get("aria-label"), (path, control)
    tables = html.count("<table")
    assert html.count("<caption") == tables, f"{path}: every table has a caption"
    assert html.count("<th scope=") >= tables, f"{path}: tables have header cells"
    for chart in [a for a in page.all("div") if "chart" in a.get("class", "").split()]:
        assert chart.get("role") == "img", f"{path}: charts are images for assistive tech"
        assert len(chart.get("aria-label", "")) > 20, f"{path}: charts are described"
    for image in page.all("img"):
        assert "alt" in image, f"{path}: image without alt"
    assert '<meta name="viewport"' in html, "responsive viewport"


def test_page_colours_meet_contrast() -> None:
    """WCAG 2.1 contrast of the stylesheet's text colours on white (>= 4.5) and of white on the
    header and buttons (>= 4.5)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    css = (Path(__file__).parents[2] / "src/barrio/web/static/css/barrio.css").read_text()
    for name in ("ink", "muted", "brand", "brand-dark"):
        value = css.split(f"--{name}:")[1].split(";")[0].strip()
        assert contrast(value, "#ffffff") >= 4.5, name
    for status in ("#1a6b2f", "#7a4b00", "#4d4d4d", "#a1141d"):
        assert contrast(status, "#ffffff") >= 4.5, status
    # reference values from the WCAG definition: black on white is 21, #777 on white ~4.48
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def workers(pid: int) -> list[int]:
    """Worker processes (multiprocessing ``spawn_main``) whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_serve_with_two_workers(demo_city: Path, portal_cache: str) -> None:
    """``barrio serve --workers 2``: two processes answer on one port."""
    import httpx

    port = free_port()
    code = (
        "import sys; from barrio.cli.serve import serve_workspace as s; "
        "s(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2]), workers=2, "
        "secure_cookies=False, log_level='warning', prepare=False)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "BARRIO_WEB_CACHE_DIR": portal_cache}
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(demo_city), str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/indicators", timeout=10)
            except httpx.TransportError:
                time.sleep(0.3)
                continue
            assert response.status_code == 200
            assert response.json()["ok"] is True
            break
        else:
            pytest.fail("barrio serve did not answer")
        assert len(workers(server.pid)) == 2, "two worker processes"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_command_registers() -> None:
    import typer
    from typer.testing import CliRunner

    from barrio.cli import serve

    app = typer.Typer()
    serve.register(app)

    @app.callback()
    def main() -> None:
        """Barrio."""

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--workers" in result.output
    missing = CliRunner().invoke(app, ["serve", "--workspace", "/nonexistent", "--json"])
    assert missing.exit_code == 1
    assert '"workspace_error"' in missing.output
