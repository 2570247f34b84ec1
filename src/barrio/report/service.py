"""Build a report of a workspace and write it as HTML, PDF and/or Excel.

The CLI (``barrio report KIND``), the demo and the portal call :func:`build_report`; it gathers
the report once, in the requested language, and renders each format from that one gathering.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from barrio.errors import ConfigError
from barrio.i18n import _, using_locale
from barrio.report.gather import ReportContext
from barrio.report.model import Report
from barrio.workspace import Workspace

KINDS = ("findings", "monitoring", "assessment")
FORMATS = ("html", "pdf", "xlsx")
LANGS = ("es", "en")


def _gatherer(kind: str) -> Callable[..., Report]:
    if kind == "findings":
        from barrio.report.findings import findings_report

        return findings_report
    if kind == "monitoring":
        from barrio.report.monitoring import monitoring_report

        return monitoring_report
    from barrio.report.assessment import assessment_report

    return assessment_report


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` if allowed, else a ConfigError naming the allowed values."""
    if value not in allowed:
        raise ConfigError(
            _("unknown {what} {value!r}; expected one of: {allowed}", what=what, value=value,
              allowed=", ".join(allowed)),
            hint=_("Choose one of: {allowed}", allowed=", ".join(allowed)),
        )  # fmt: skip
    return value


def default_path(ws: Workspace, kind: str, lang: str, public: bool, fmt_: str) -> Path:
    """``out/reports/<kind>[-public]-<lang>.<format>``."""
    folder = ws.out / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{kind}{'-public' if public else ''}-{lang}.{fmt_}"


def build_report(
    ws: Workspace,
    kind: str = "findings",
    *,
    formats: tuple[str, ...] = ("html",),
    lang: str | None = None,
    public: bool = False,
    at: dt.date | None = None,
    output: Path | None = None,
) -> dict[str, Any]:
    """Gather report ``kind`` of ``ws`` and write it in ``formats``.

    ``lang`` defaults to the workspace locale; ``output`` (one format only) replaces the default
    ``out/reports/<kind>-<lang>.<format>``. Returns the files, the sections built and omitted,
    and the seconds each stage took.
    """
    check_choice(kind, KINDS, "report")
    for name in formats:
        check_choice(name, FORMATS, "format")
    lang = check_choice((lang or ws.config.locale or "en")[:2], LANGS, "language")
    if output is not None and len(formats) != 1:
        raise ConfigError(
            _("--output needs exactly one --format"),
            hint=_("Omit --output to write every format to out/reports/."),
        )
    timings: dict[str, float] = {}
    files: dict[str, str] = {}
    ctx = ReportContext(ws, lang, public)
    with using_locale(lang), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        start = time.perf_counter()
        try:
            report = _gatherer(kind)(ctx, at=at)
        finally:
            ctx.close()
        timings["gather"] = time.perf_counter() - start
        if public:
            from barrio.report.public import check_tables

            check_tables(report.tables())
        html = None
        for name in formats:
            path = output or default_path(ws, kind, lang, public, name)
            start = time.perf_counter()
            if name in ("html", "pdf") and html is None:
                from barrio.report.render_html import render_html

                html = render_html(report, ctx.locale)
            if name == "html":
                path.write_text(html or "", encoding="utf-8")
            elif name == "pdf":
                from barrio.report.render_pdf import write_pdf

                write_pdf(html or "", path)
            else:
                from barrio.report.workbook import write_workbook

                write_workbook(report, path, ctx.locale)
            timings[name] = time.perf_counter() - start
            files[name] = str(path)
    return {**report.summary(), "files": files, "seconds": timings}
