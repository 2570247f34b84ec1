"""Recorded crime rates per neighbourhood x codebook theme, read from the workspace warehouse.

This is the records input of the risk matrix (:func:`barrio.audit.risk.risk_matrix`). It is kept
in one small function so that it can be swapped for the indicators engine (``barrio.indicators``)
when that lands: same output, one row per neighbourhood and theme.

Rule: incidents of the theme's ICCS codes (prefix match; a tag restricts to records carrying
it; an incident matching several codes of a theme counts once) that occurred in the period,
divided by the neighbourhood's population, per 100,000 inhabitants per year. The population is
that of the latest census/projection year not after the period's last year (the ``total`` row
when given, else the sum of the sex x age cells).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from barrio.audit.codebook import Codebook
from barrio.errors import InputError
from barrio.i18n import _

if TYPE_CHECKING:
    from barrio.workspace import Workspace

RATE_SQL = """
WITH hoods AS (SELECT area_id FROM areas WHERE level = $level),
themes AS (SELECT DISTINCT theme FROM sel),
popyear AS (
    SELECT max(year) AS year FROM population WHERE year <= year($end::DATE)
),
pop AS (
    SELECT area_id, coalesce(
        max(CASE WHEN sex = 'total' AND age_group = 'total' THEN population END),
        sum(CASE WHEN sex <> 'total' AND age_group <> 'total' THEN population END)
    ) AS population
    FROM population WHERE year = (SELECT year FROM popyear) GROUP BY area_id
),
hits AS (
    SELECT s.theme, i.area_id, count(DISTINCT i.rowid) AS incidents
    FROM incidents i JOIN sel s
      ON starts_with(i.iccs_code, s.code)
     AND (s.tag IS NULL OR list_contains(string_split(coalesce(i.tags, ''), ';'), s.tag))
    WHERE i.occurred_on BETWEEN $start::DATE AND $end::DATE AND i.area_id IS NOT NULL
    GROUP BY ALL
)
SELECT h.area_id, t.theme, coalesce(x.incidents, 0) AS incidents, p.population,
       (SELECT year FROM popyear) AS population_year
FROM hoods h CROSS JOIN themes t
LEFT JOIN hits x ON x.area_id = h.area_id AND x.theme = t.theme
LEFT JOIN pop p ON p.area_id = h.area_id
ORDER BY t.theme, h.area_id
"""


def crime_rates_by_theme(
    ws: Workspace,
    codebook: Codebook,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Annual crime rate per 100,000 of each codebook theme in each neighbourhood.

    Parameters
    ----------
    ws
        The workspace (its warehouse holds ``areas``, ``population`` and ``incidents``).
    codebook
        Themes and their ICCS selectors; themes without codes get no rows.
    start, end
        The period (default: the 365 days up to the latest incident date).
    level
        Area level of the neighbourhoods (default: the finest level in barrio.toml).

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``theme``, ``incidents``, ``population``, ``population_year``, ``days``,
        ``rate`` (NaN where the population is unknown or zero), ``start``, ``end``.
    """
    from barrio.warehouse.duck import connect

    selectors = codebook.selectors()
    level = level or ws.config.levels[-1]
    with connect(ws.warehouse_path, read_only=True) as con:
        if end is None:
            latest = con.execute("SELECT max(occurred_on) FROM incidents").fetchall()[0]
            if not latest or latest[0] is None:
                raise InputError(
                    _("the warehouse holds no incidents to compute crime rates from"),
                    hint=_("Load police records first: barrio ingest incidents FILE"),
                )
            end = latest[0]
        assert end is not None
        start = start or end - dt.timedelta(days=364)
        con.register("sel", selectors)
        frame = con.execute(RATE_SQL, {"level": level, "start": start, "end": end}).df()
    days = (end - start).days + 1
    population = frame["population"].astype("float64")
    frame["days"] = days
    frame["rate"] = (frame["incidents"] / population.where(population > 0)) * 1e5 * 365.25 / days
    frame["start"], frame["end"] = start, end
    return frame
