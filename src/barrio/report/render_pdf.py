"""The PDF of a report: WeasyPrint prints the same self-contained HTML.

Every resource is inlined, so the URL fetcher allows only ``data:`` URIs and fails on anything
else — a report never makes a network request, even if a template were changed to link one.
"""

from __future__ import annotations

from pathlib import Path

from barrio.errors import ConfigError
from barrio.i18n import _


class PdfUnavailableError(ConfigError):
    """WeasyPrint or the system library it prints with is not installed."""


def write_pdf(html: str, path: Path) -> Path:
    """Print ``html`` to ``path`` (A4, page numbers from the stylesheet)."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: the system's Pango is missing
        raise PdfUnavailableError(
            _("PDF output needs WeasyPrint and the system's Pango library: {error}", error=exc),
            hint=_(
                "pip install 'barrio[pdf]' and apt-get install libpango-1.0-0 libpangoft2-1.0-0;"
                " the HTML report needs neither."
            ),
        ) from exc

    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(path)
    return path
