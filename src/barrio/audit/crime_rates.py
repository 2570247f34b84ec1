"""Recorded crime rates per neighbourhood x codebook theme, from the indicators engine.

This is the records input of the risk matrix (:func:`barrio.audit.risk.risk_matrix`). Each theme
of the codebook becomes one or more indicators of :mod:`barrio.indicators` (its untagged ICCS
codes in one; each tag with its codes in another, minus the codes the untagged part already
counts, so that no record is counted twice), computed monthly at the neighbourhood level on the
workspace's engine (DuckDB, PostgreSQL or Spark; from incidents or from published counts), so
the risk matrix uses the same counts and denominators as every published indicator.

Rule: the records of the theme in the whole months of the period (cut to the months the records
cover, so that a period running past the data is not diluted), divided by the neighbourhood's
mean monthly population (mid-month values interpolated between census/projection years, the
method stated per row), per 100,000 inhabitants per year (``× 12 / months``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from barrio.audit.codebook import Codebook, Theme
from barrio.errors import ConfigError, InputError
from barrio.i18n import _
from barrio.indicators.catalog import Denominator, Indicator, Numerator

if TYPE_CHECKING:
    from barrio.workspace import Workspace

COLUMNS = [
    "area_id", "theme", "incidents", "population", "population_method", "months", "days",
    "rate", "start", "end",
]  # fmt: skip


def theme_indicators(theme: Theme) -> list[Indicator]:
    """The indicators whose numerators add up to ``theme``'s records, each record once.

    Untagged codes form one indicator; the codes of each tag form another, excluding the
    untagged codes nested inside them (and dropped entirely when an untagged code covers them).
    Two different tags on overlapping codes cannot be counted exactly once and are refused.
    """
    plain = tuple(s.code for s in theme.iccs if not s.tag)
    by_tag: dict[str, list[str]] = {}
    for s in theme.iccs:
        if s.tag and not any(s.code.startswith(p) for p in plain):
            by_tag.setdefault(s.tag, []).append(s.code)
    parts: list[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]] = []
    if plain:
        parts.append((plain, (), ()))
    tagged = sorted(by_tag.items())
    for i, (tag, codes) in enumerate(tagged):
        for other, other_codes in tagged[i + 1 :]:
            if any(a.startswith(b) or b.startswith(a) for a in codes for b in other_codes):
                raise ConfigError(
                    _(
                        "theme {theme} gives overlapping ICCS codes two different tags "
                        "({a}, {b}): a record with both would count twice",
                        theme=theme.id,
                        a=tag,
                        b=other,
                    ),
                    hint=_("Give the tags codes that do not nest, or one tag per theme."),
                    theme=theme.id,
                )
        key, sep, value = tag.partition("=")
        if not sep:
            raise ConfigError(
                _("theme {theme}: tag {tag} is not key=VALUE", theme=theme.id, tag=tag),
                hint=_('Write ICCS entries as "0401" or as {code: "0201", tag: "key=VALUE"}.'),
                theme=theme.id,
            )
        exclude = tuple(p for p in plain if any(p.startswith(c) for c in codes))
        parts.append((tuple(codes), exclude, ((key, value),)))
    return [
        Indicator(
            id=f"theme:{theme.id}:{n}",
            name={"en": theme.id, "es": theme.id},
            description={},
            numerator=Numerator(iccs=codes, exclude_iccs=exclude, tags=tags),
            denominator=Denominator(),
            multiplier=100_000,
            unit={},
            disaggregations=(),
        )
        for n, (codes, exclude, tags) in enumerate(parts)
    ]


def month_window(
    latest: dt.date, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The whole months of the period: by default the 12 months up to the latest complete one.

    ``end`` (default: the latest record's date) rounds down to the end of its month when that
    month is complete, else to the end of the month before; ``start`` rounds down to the first of
    its month (default: 11 months before the end month).
    """
    end = end or latest
    following = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = end if end == following - dt.timedelta(days=1) else end.replace(day=1) - dt.timedelta(1)
    if start is None:
        index = last.year * 12 + last.month - 1 - 11
        first = dt.date(index // 12, index % 12 + 1, 1)
    else:
        first = start.replace(day=1)
    if first > last:
        raise InputError(
            _("the period {start} to {end} holds no whole month", start=first, end=last),
            hint=_("Give a period of at least one calendar month."),
        )
    return first, last


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
        The workspace (its engine holds ``areas``, ``population`` and ``incidents``/``counts``).
    codebook
        Themes and their ICCS selectors; themes without codes get no rows.
    start, end
        The period, in whole months (default: the 12 months up to the latest complete month of
        records; see :func:`month_window`).
    level
        Area level of the neighbourhoods (default: the finest level in barrio.toml).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: ``incidents`` in the period, mean monthly ``population``, its
        ``population_method``, ``months``, ``days``, ``rate`` (NaN where the population is
        unknown or zero), ``start``, ``end``.
    """
    from barrio.indicators.compute import indicator_table
    from barrio.warehouse.engines import open_engine

    level = level or ws.config.levels[-1]
    parts = {t.id: theme_indicators(t) for t in codebook.themes.values() if t.iccs}
    owner = {ind.id: theme for theme, inds in parts.items() for ind in inds}
    con = open_engine(ws)
    try:
        latest = _latest_record(con)
        first, last = month_window(latest, start, end)
        table = indicator_table(
            con, [ind for inds in parts.values() for ind in inds], period="month", levels=[level]
        )
    finally:
        con.disconnect()
    return _annual_rates(table, owner, first, last)


def _latest_record(con: object) -> dt.date:
    """The last day with records: the latest incident, else the end of the latest count."""
    incidents = con.table("incidents")  # type: ignore[attr-defined]
    latest = incidents.occurred_on.max().to_pyarrow().as_py()
    if latest is None:
        counts = con.table("counts")  # type: ignore[attr-defined]
        month = counts.filter(counts.period_type == "month").period_start.max()
        first = month.to_pyarrow().as_py()
        if first is None:
            raise InputError(
                _("the warehouse holds no incidents to compute crime rates from"),
                hint=_("Load police records first: barrio ingest incidents FILE"),
            )
        latest = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    return latest if isinstance(latest, dt.date) else latest.date()


def _annual_rates(
    table: pd.DataFrame, owner: dict[str, str], first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Sum the window's months; the window shrinks to the months the records cover."""
    starts = pd.to_datetime(table["period_start"]).dt.date
    keep = (
        (table["sex"] == "total")
        & (table["age_group"] == "total")
        & (starts >= first)
        & (starts <= last)
    )
    if not keep.any():
        return pd.DataFrame(columns=COLUMNS)
    rows = table[keep].assign(theme=lambda t: t["indicator_id"].map(owner))
    covered = starts[keep]
    months = int(covered.nunique())
    first = covered.min()
    following = (covered.max().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = min(last, following - dt.timedelta(days=1))
    # the parts of a theme share one denominator: count over parts, population over months
    per_month = rows.groupby(["area_id", "theme", "period_start"], as_index=False).agg(
        incidents=("numerator", "sum"),
        population=("denominator", "first"),
        population_method=("population_method", "first"),
    )
    out = per_month.groupby(["area_id", "theme"], as_index=False).agg(
        incidents=("incidents", "sum"),
        population=("population", "mean"),
        population_method=("population_method", _methods),
    )
    out["incidents"] = out["incidents"].astype("int64")
    out["months"] = months
    out["days"] = (last - first).days + 1
    population = out["population"].astype("float64")
    out["rate"] = out["incidents"] / population.where(population > 0) * 1e5 * 12 / months
    out["start"], out["end"] = first, last
    return out[COLUMNS].sort_values(["theme", "area_id"], ignore_index=True)


def _methods(values: pd.Series) -> str:
    """The population methods used over the period (``interpolated``, or e.g. ``exact+...``)."""
    return "+".join(sorted({str(v) for v in values.dropna()}))
