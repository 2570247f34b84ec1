"""Read count series for early warning from a workspace's warehouse, and store the alerts.

Series are area x ICCS code x period. They come from the ``counts`` table when it holds rows of
the requested period type (published aggregates), otherwise from ``incidents``. Either way one
DuckDB aggregation rolls areas up to the requested level through the ``area_ancestors`` view and
truncates ICCS codes to the requested number of digits; periods without a row are zeros (filled
by :func:`barrio.alerts.detect.to_matrix`, from the first period of the data on). Population
comes from the ``population`` table when every series' area has it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from barrio.errors import ConfigError, InputError
from barrio.i18n import _

PERIODS = ("month", "week")
ICCS_DIGITS = (2, 4, 5, 6)

INCIDENT_SERIES = """
SELECT anc.ancestor_id AS area_id, left(i.iccs_code, $digits) AS iccs_code,
       CAST(date_trunc($period, i.occurred_on) AS DATE) AS period, count(*) AS count
FROM incidents i
JOIN area_ancestors anc ON anc.area_id = i.area_id AND anc.ancestor_level = $level
WHERE i.iccs_code IS NOT NULL AND i.occurred_on IS NOT NULL
  AND ($until IS NULL OR i.occurred_on < $until)
GROUP BY ALL
"""

INCIDENT_COVERAGE = """
SELECT CAST(date_trunc($period, min(occurred_on)) AS DATE) AS first_period,
       count(*) AS incidents,
       count(*) FILTER (WHERE iccs_code IS NULL) AS unclassified,
       count(*) FILTER (WHERE iccs_code IS NOT NULL AND area_id IS NULL) AS unassigned
FROM incidents WHERE occurred_on IS NOT NULL AND ($until IS NULL OR occurred_on < $until)
"""

# published counts: the total rows where given, otherwise the sum of the disaggregated ones
COUNT_SERIES = """
WITH c AS (
    SELECT *, bool_or(sex = 'total' AND age_group = 'total')
              OVER (PARTITION BY area_id, period_start, local_category) AS has_total
    FROM counts WHERE period_type = $period AND ($until IS NULL OR period_start < $until)
)
SELECT anc.ancestor_id AS area_id, left(c.iccs_code, $digits) AS iccs_code,
       c.period_start AS period, sum(c.count) AS count
FROM c JOIN area_ancestors anc ON anc.area_id = c.area_id AND anc.ancestor_level = $level
WHERE c.iccs_code IS NOT NULL
  AND ((c.has_total AND c.sex = 'total' AND c.age_group = 'total')
       OR (NOT c.has_total AND c.sex <> 'total' AND c.age_group <> 'total'))
GROUP BY ALL
"""

# population per area and year at the requested level, from the finest areas that have it
POPULATION = """
WITH p AS (
    SELECT area_id, year, coalesce(
        max(population) FILTER (WHERE sex = 'total' AND age_group = 'total'),
        sum(population) FILTER (WHERE sex <> 'total' AND age_group <> 'total')) AS population
    FROM population GROUP BY area_id, year
), finest AS (
    SELECT p.* FROM p WHERE NOT EXISTS (
        SELECT 1 FROM area_ancestors d JOIN p q ON q.area_id = d.area_id AND q.year = p.year
        WHERE d.ancestor_id = p.area_id AND d.depth > 0)
)
SELECT anc.ancestor_id AS area_id, f.year, sum(f.population) AS population
FROM finest f JOIN area_ancestors anc ON anc.area_id = f.area_id AND anc.ancestor_level = $level
GROUP BY ALL
"""


@dataclass
class WorkspaceSeries:
    """Long counts read from a warehouse, and where they came from."""

    counts: pd.DataFrame  # area_id, area_name, iccs_code, crime, period, count[, population]
    source: str  # "counts" or "incidents"
    first_period: dt.date | None
    notes: dict[str, Any] = field(default_factory=dict)


def _levels(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT level FROM areas ORDER BY 1").fetchall()]


def _check(con, level: str, period: str, iccs_digits: int) -> None:
    if period not in PERIODS:
        raise ConfigError(
            _(
                "unknown period {period}; expected one of: {choices}",
                period=repr(period),
                choices=", ".join(PERIODS),
            ),
            hint=_("Use --period month or --period week."),
        )
    if iccs_digits not in ICCS_DIGITS:
        raise ConfigError(
            _(
                "unknown ICCS level {iccs_digits}; expected one of: 2, 4, 5, 6 (digits)",
                iccs_digits=iccs_digits,
            ),
            hint=_("Use --iccs-level 2 (section), 4 (division), 5 or 6 (groups)."),
        )
    levels = _levels(con)
    if not levels:
        raise InputError(
            _("the workspace has no areas"), hint=_("Load them first: barrio ingest areas FILE")
        )
    if level not in levels:
        raise ConfigError(
            _(
                "unknown area level {level}; the workspace has: {levels}",
                level=repr(level),
                levels=", ".join(levels),
            ),
            hint=_("Choose --level among the workspace's area levels."),
            allowed=levels,
        )


def _frame(con, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).df()


def read_series(
    con: duckdb.DuckDBPyConnection,
    *,
    level: str = "neighborhood",
    period: str = "month",
    iccs_digits: int = 4,
    until: dt.date | None = None,
    locale: str = "en",
) -> WorkspaceSeries:
    """Aggregate the warehouse into long count series (see the module docstring).

    ``until`` drops everything after that period (its last day included), so that a later,
    incomplete period does not end the calendar.
    """
    _check(con, level, period, iccs_digits)
    end = None if until is None else _period_end(until, period)
    params = {"digits": iccs_digits, "period": period, "level": level, "until": end}
    n_counts = con.execute(
        "SELECT count(*) FROM counts WHERE period_type = $period", {"period": period}
    ).fetchone()
    notes: dict[str, Any] = {}
    if n_counts and n_counts[0] > 0:
        source, frame = "counts", _frame(con, COUNT_SERIES, params)
        row = con.execute(
            "SELECT min(period_start) FROM counts WHERE period_type = $period", {"period": period}
        ).fetchone()
        first_period = row[0] if row else None
    else:
        source, frame = "incidents", _frame(con, INCIDENT_SERIES, params)
        cov = _frame(con, INCIDENT_COVERAGE, params).iloc[0]
        first_period = None if pd.isna(cov["first_period"]) else cov["first_period"]
        notes = {
            "incidents": int(cov["incidents"]),
            "unclassified_incidents": int(cov["unclassified"]),
            "incidents_without_area": int(cov["unassigned"]),
        }
    if frame.empty:
        raise InputError(
            _(
                "the workspace has no {source} to build {period}ly series from",
                source=source,
                period=period,
            ),
            hint=_("Load incidents or counts first: barrio ingest incidents FILE"),
        )
    frame = _with_population(con, frame, params, notes)
    start = None if first_period is None else pd.Timestamp(first_period).date()
    return WorkspaceSeries(_with_names(con, frame, locale), source, start, notes)


def _period_end(until: dt.date, period: str) -> dt.date:
    """The first day after the period that contains ``until``."""
    stamp = pd.Timestamp(until)
    if period == "month":
        return (stamp.to_period("M") + 1).start_time.date()
    return (stamp - pd.Timedelta(days=stamp.weekday()) + pd.Timedelta(days=7)).date()


def _with_population(con, frame: pd.DataFrame, params, notes) -> pd.DataFrame:
    """Add each row's population (latest year not after the period's, else the earliest)."""
    pop = _frame(con, POPULATION, params)
    missing = set(frame["area_id"]) - set(pop["area_id"])
    if pop.empty or missing:
        notes["population"] = "absent" if pop.empty else f"missing for {len(missing)} area(s)"
        return frame
    frame = frame.assign(year=pd.to_datetime(frame["period"]).dt.year)
    pop = pop.sort_values("year")
    back = pd.merge_asof(
        frame.sort_values("year"), pop, on="year", by="area_id", direction="backward"
    )
    earliest = pop.groupby("area_id")["population"].first()
    back["population"] = back["population"].fillna(back["area_id"].map(earliest))
    notes["population"] = "offset available"
    return back.drop(columns="year")


def _with_names(con, frame: pd.DataFrame, locale: str) -> pd.DataFrame:
    """Area names and ICCS names (in the user's language) for the explanations."""
    from barrio.classify import load_iccs

    names = con.execute("SELECT area_id, name FROM areas").df().set_index("area_id")["name"]
    iccs = load_iccs().set_index("code")
    column = "name_es" if locale == "es" else "name_en"
    crime = frame["iccs_code"].map(iccs[column]).fillna(frame["iccs_code"])
    return frame.assign(area_name=frame["area_id"].map(names).fillna(frame["area_id"]), crime=crime)


def write_alerts(con: duckdb.DuckDBPyConnection, alerts: pd.DataFrame, run: dict[str, Any]) -> int:
    """Replace the warehouse table ``alerts`` with this run's rows and its settings."""
    table = alerts.drop(columns=[c for c in ("trend", "trend_coef") if c in alerts])
    table = table.assign(
        period=pd.to_datetime(table["period"]).dt.date,
        run_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        run_settings=json.dumps(run, sort_keys=True, default=str),
    )
    con.register("alerts_frame", table)
    try:
        con.execute("CREATE OR REPLACE TABLE alerts AS SELECT * FROM alerts_frame")
    finally:
        con.unregister("alerts_frame")
    return len(table)
