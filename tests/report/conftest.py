"""Fixtures of the report tests: a copy of the demo city with every report built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require_binary


@pytest.fixture(scope="session")
def report_city(demo_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the small demo city (the demo already wrote its findings report)."""
    root = tmp_path_factory.mktemp("reports") / "city"
    shutil.copytree(demo_city, root)
    return root


@pytest.fixture(scope="session")
def built(report_city: Path) -> dict[tuple[str, str], dict]:
    """The findings report in English (html, pdf, xlsx) and in Spanish (the html and pdf the
    demo wrote: same code path, one gathering less); monitoring and assessment in both
    languages (html, xlsx)."""
    from barrio.i18n import using_locale
    from barrio.report.service import build_report
    from barrio.workspace import Workspace

    ws = Workspace.open(report_city)
    out: dict[tuple[str, str], dict] = {}
    with using_locale("en"):
        out["findings", "en"] = build_report(
            ws, "findings", formats=("html", "pdf", "xlsx"), lang="en"
        )
        for lang in ("es", "en"):
            for kind in ("monitoring", "assessment"):
                out[kind, lang] = build_report(ws, kind, formats=("html", "xlsx"), lang=lang)
    reports = report_city / "out" / "reports"
    out["findings", "es"] = {
        "files": {fmt: str(reports / f"findings-es.{fmt}") for fmt in ("html", "pdf")},
        "figures": out["findings", "en"]["figures"],
    }
    return out


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """Poppler's pdftoppm (skip locally, fail in CI when absent)."""
    return require_binary("pdftoppm", "poppler-utils")
