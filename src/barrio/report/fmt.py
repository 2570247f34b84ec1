"""Numbers and dates formatted for the report's locale (Babel CLDR data).

The report language (``es`` / ``en``) maps to a CLDR locale: Spanish reports use ``es_MX``
(Barrio's first users are Mexican observatories; ``1,234.5`` as in INEGI's tables), English
ones ``en``. A workspace can choose another region with ``report_locale`` (e.g. ``es_ES`` gives
``1.234,5``).

>>> number(1234.5, "es_MX")
'1,234.5'
>>> number(1234.5, "es_ES")
'1.234,5'
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

CLDR = {"es": "es_MX", "en": "en"}


def cldr_locale(lang: str, region: str | None = None) -> str:
    """The CLDR locale of a report language, or ``region`` when given (``es_ES``)."""
    return region or CLDR.get(lang[:2], "en")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, locale: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals and the locale's grouping ("" when missing)."""
    from babel.numbers import format_decimal

    if _missing(value):
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return str(format_decimal(float(value), format=pattern, locale=locale))


def integer(value: Any, locale: str) -> str:
    """A whole number with the locale's grouping."""
    return number(value, locale, 0)


def percent(value: Any, locale: str, digits: int = 1) -> str:
    """``value`` already in percent (12.5 -> "12.5 %")."""
    from babel.numbers import format_percent

    if _missing(value):
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return str(format_percent(float(value) / 100, format=pattern, locale=locale))


def share(value: Any, locale: str, digits: int = 0) -> str:
    """A 0-1 share as percent (0.125 -> "12 %")."""
    return "" if _missing(value) else percent(float(value) * 100, locale, digits)


def date(value: Any, locale: str, style: str = "medium") -> str:
    """A date in the locale's ``style`` (``short``, ``medium``, ``long``)."""
    from babel.dates import format_date

    if _missing(value) or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "date") and not isinstance(value, dt.date):  # pandas Timestamp
        value = value.date()
    return str(format_date(value, format=style, locale=locale))


def datetime(value: dt.datetime, locale: str) -> str:
    """A timestamp in the locale's medium style."""
    from babel.dates import format_datetime

    return str(format_datetime(value, format="medium", locale=locale))


def cell(value: Any, kind: str, locale: str, digits: int = 1) -> str:
    """One table cell as text, by column kind (see :data:`barrio.report.model.KINDS`)."""
    if _missing(value):
        return ""
    if kind == "int":
        return integer(value, locale)
    if kind in ("float", "rate"):
        return number(value, locale, digits)
    if kind == "percent":
        return percent(value, locale, digits)
    if kind == "share":
        return share(value, locale, digits)
    if kind == "date":
        return date(value, locale)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
