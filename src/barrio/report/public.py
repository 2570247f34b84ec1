"""Disclosure control for public reports, behind one module.

Public reports (``--public``) never show incident points (maps are of areas and grid cells
only; every table is checked with :func:`barrio.disclosure.service.check_no_coordinates`),
never internal notes of recommendations (the register's public view), and publish:

- the indicator table as :func:`barrio.disclosure.service.public_indicators` protects it (the
  workspace's ``[disclosure]`` settings: threshold rule on sensitive cells, complementary
  suppression over the area hierarchy, audited so that no hidden cell can be derived);
- survey estimates as :func:`barrio.disclosure.survey.public_estimates` allows them
  (``survey_min_quality``, flagged or suppressed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from barrio.i18n import _


def threshold(ws: Any) -> int:
    """The workspace's ``k`` (``[disclosure] k`` in barrio.toml)."""
    return int(ws.config.disclosure.k)


def protect_indicators(ws: Any, table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The indicator rows after disclosure control (hidden counts and everything derived from
    them are NA) and the summary of what was hidden."""
    from barrio.disclosure.service import public_indicators

    if table.empty:
        return table, {}
    result = public_indicators(ws, table.reset_index(drop=True))
    return result.table, result.summary()


def protect_estimates(ws: Any, estimates: pd.DataFrame) -> pd.DataFrame:
    """Survey estimates as they may be published (``disclosure`` column; low-quality ones
    flagged or hidden per ``[disclosure] survey_low``)."""
    from barrio.disclosure.survey import public_estimates

    settings = ws.config.disclosure
    return public_estimates(estimates, min_quality=settings.survey_min_quality,
                            low=settings.survey_low)  # fmt: skip


def check_tables(tables: list[Any]) -> None:
    """Refuse to publish a table that holds incident locations (points, times, ids)."""
    from barrio.disclosure.service import check_no_coordinates

    for table in tables:
        check_no_coordinates(table.rows, table.title)


def method_note(k: int) -> str:
    """The sentence the methodology annex prints about disclosure control."""
    return _(
        "Public edition: counts from 1 to {top} of sensitive indicators, and of any sex or age "
        "group in small areas, are suppressed (blank) with the rates computed from them, and "
        "further cells are suppressed so that no hidden count can be derived from the totals; "
        "maps show areas and grid cells, never incident locations; recommendations are shown in "
        "their public view, without internal notes.",
        top=k - 1,
    )
