"""A report as one self-contained HTML file: CSS inlined, every image a ``data:`` URI, no
external request of any kind (the file opens offline and is what WeasyPrint prints)."""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources
from typing import Any

from barrio.i18n import _
from barrio.report import fmt
from barrio.report.model import Column, Figure, Report


def data_uri(figure: Figure) -> str:
    """The figure's PNG as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")


@cache
def stylesheet() -> str:
    """The report stylesheet (package data)."""
    return (resources.files("barrio.report") / "templates" / "report.css").read_text("utf-8")


@cache
def _environment() -> Any:
    import jinja2

    loader = jinja2.PackageLoader("barrio.report", "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                             lstrip_blocks=True)  # fmt: skip
    env.filters["data_uri"] = data_uri
    return env


def render_html(report: Report, locale: str) -> str:
    """The report as an HTML document; numbers and dates formatted for ``locale``."""
    from barrio import __version__

    env = _environment().overlay()
    env.filters["cell"] = lambda value, column: _cell(value, column, locale)
    words = {"contents": _("Contents"), "generated": _("Generated on"),
             "omitted": _("omitted"), "references": _("References")}  # fmt: skip
    edition = _("Public edition") if report.public else _("Internal edition")
    return str(
        env.get_template("report.html.j2").render(
            report=report, css=stylesheet(), t=words, edition=edition, version=__version__,
            generated=fmt.datetime(report.generated_on, locale),
        )
    )  # fmt: skip


def _cell(value: Any, column: Column, locale: str) -> str:
    if column.key == "quality" and isinstance(value, str):
        return {"high": _("high"), "moderate": _("moderate"), "low": _("low")}.get(value, value)
    return fmt.cell(value, column.kind, locale, column.digits)
