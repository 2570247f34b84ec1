"""User-facing text in Spanish and English from gettext message catalogs.

Message ids are the English text; Spanish translations live in
``barrio/data/locales/es/LC_MESSAGES/*.po`` (one catalog per domain, e.g. ``barrio.po``,
``survey.po``; edit them with any PO editor). Catalogs are read
with Babel on first use so ``import barrio`` stays light and no compile step is needed.

>>> set_locale("es")
>>> gettext("Rows read")
'Filas leídas'
>>> set_locale("en")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources

SUPPORTED = ("es", "en")
# A context variable, so that concurrent web requests (and threads started from them) each keep
# their own language.
_current: ContextVar[str | None] = ContextVar("barrio_locale", default=None)


def default_locale() -> str:
    """Locale from ``BARRIO_LANG`` or ``LANG`` (``es_MX.UTF-8`` -> ``es``); English otherwise."""
    for var in ("BARRIO_LANG", "LC_ALL", "LANG"):
        value = os.environ.get(var, "")[:2].lower()
        if value in SUPPORTED:
            return value
    return "en"


def set_locale(locale: str | None) -> None:
    """Choose the language of messages; ``None`` returns to the default."""
    _current.set(_checked(locale))


def _checked(locale: str | None) -> str | None:
    if locale is not None and locale[:2].lower() not in SUPPORTED:
        raise ValueError(f"unknown language {locale!r}; expected one of: {', '.join(SUPPORTED)}")
    return None if locale is None else locale[:2].lower()


@contextmanager
def using_locale(locale: str | None) -> Iterator[str]:
    """Render messages in ``locale`` inside the block (a report, a web request), then restore."""
    token = _current.set(_checked(locale))
    try:
        yield current_locale()
    finally:
        _current.reset(token)


def current_locale() -> str:
    """The language messages are rendered in now."""
    return _current.get() or default_locale()


@cache
def _catalog(locale: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    folder = resources.files("barrio") / "data" / "locales" / locale / "LC_MESSAGES"
    messages: dict[str, str] = {}
    if not folder.is_dir():
        return messages
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".po"):
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            messages.update({str(m.id): str(m.string) for m in catalog if m.id and m.string})
    return messages


def gettext(message: str, locale: str | None = None, **values: object) -> str:
    """Translate ``message`` and fill ``{placeholders}`` from ``values``."""
    text = _catalog(locale or current_locale()).get(message, message)
    return text.format(**values) if values else text


_ = gettext
