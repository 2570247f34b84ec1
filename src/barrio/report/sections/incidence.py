"""Section "Crime incidence": the indicator table at the top level (latest year, exact Poisson
intervals, change on the previous year), trends with intervals, a choropleth of the total
crime rate by neighbourhood, and the breakdown by ICCS category.

Indicators are the workspace's stored table (``barrio indicators compute``); when none is
stored they are computed (yearly totals) with :func:`barrio.indicators.service.compute`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from barrio.i18n import _
from barrio.report import charts, labels, maps, public
from barrio.report.gather import ReportContext
from barrio.report.model import Column, Figure, Section, Table

TOTAL = "total-crime"
TREND_SERIES = 6


def indicator_table(ctx: ReportContext) -> pd.DataFrame:
    """Yearly indicator rows (totals by sex and age) with the indicator names and ICCS codes."""
    from barrio.indicators.service import catalog_rows, compute, stored_table

    table = stored_table(ctx.ws, period="year")
    if table.empty:
        table = compute(ctx.ws, period="year", store=False)
    table = table[(table["sex"] == "total") & (table["age_group"] == "total")].copy()
    names = {r["id"]: r for r in catalog_rows(ctx.ws, ctx.lang)}
    table["name"] = table["indicator_id"].map(lambda i: names.get(i, {}).get("name", i))
    table["iccs"] = table["indicator_id"].map(lambda i: names.get(i, {}).get("iccs", ""))
    table["sdg"] = table["indicator_id"].map(lambda i: names.get(i, {}).get("sdg", ""))
    table["year"] = pd.to_datetime(table["period_start"]).dt.year
    if ctx.public:
        table, _summary = public.protect_indicators(ctx.ws, table)
    return table


def top_series(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The yearly rows of the top ``level``; when it has several areas (a workspace of
    neighbourhoods only), their sum: counts and populations added, the pooled rate, no
    interval (the indicator table itself is left as computed)."""
    rows = table[table["area_level"] == level]
    if rows["area_id"].nunique() <= 1:
        return rows
    keys = ["indicator_id", "name", "iccs", "sdg", "year"]
    pooled = rows.groupby(keys, as_index=False)[["numerator", "denominator"]].sum(min_count=1)
    multiplier = rows.groupby("indicator_id")["multiplier"].first()
    pooled["value"] = (pooled["numerator"] / pooled["denominator"].where(pooled["denominator"] > 0)
                       * pooled["indicator_id"].map(multiplier))  # fmt: skip
    for column in ("lower", "upper", "change_prev_pct", "p_change_prev"):
        pooled[column] = np.nan
    pooled["area_id"], pooled["area_level"] = "*", level
    return pooled


def build(ctx: ReportContext) -> Section:
    """Indicators, trends, rate map and ICCS breakdown."""
    section = Section("incidence", _("Crime incidence"))
    table = indicator_table(ctx)
    if table.empty:
        section.omitted = True
        section.note = _("No indicators: load incidents and population, then run "
                         "barrio indicators compute.")  # fmt: skip
        return section
    levels = [lv for lv in ctx.ws.config.levels if lv in set(table["area_level"])]
    top, finest = levels[0], levels[-1]
    latest = int(table["year"].max())
    series = top_series(table, top)
    head = series[series["year"] == latest].sort_values(["value", "numerator"], ascending=False)
    if table.loc[table["area_level"] == top, "area_id"].nunique() > 1:
        section.paragraphs.append(
            _("The workspace has no single top area: the table adds up the {n} areas of the "
              "{level} level (pooled rates, without intervals).",
              n=table.loc[table["area_level"] == top, "area_id"].nunique(),
              level=labels.level(top))
        )  # fmt: skip
    section.paragraphs.append(
        _("Rates per 100,000 inhabitants in {year} at the {level} level, with exact Poisson 95 % "
          "intervals; the change is against the previous year.", year=latest,
          level=labels.level(top))
    )  # fmt: skip
    section.tables.append(_headline(head))
    if head["value"].isna().all():
        section.paragraphs.append(
            _("The population table has no figures for these areas, so the indicator table "
              "shows counts only; the map uses the population given with the areas.")
        )  # fmt: skip
    section.figures.append(_trends(series, head))
    hidden = table[(table["area_level"] == finest) & (table["year"] == latest)
                   & (table["indicator_id"] == TOTAL) & table["numerator"].isna()]  # fmt: skip
    rate_map = _rate_map(ctx, finest, latest, set(hidden["area_id"]))
    if rate_map is not None:
        section.figures.append(rate_map)
    breakdown = head[head["indicator_id"] != TOTAL]
    section.figures.append(
        Figure("iccs", _("Incidents by ICCS category, {year}", year=latest),
               charts.bar_chart(breakdown["name"].tolist(),
                                breakdown["numerator"].fillna(0).tolist(),
                                xlabel=_("incidents")),
               alt=_("Bar chart of incidents by crime category"))
    )  # fmt: skip
    return section


def _headline(head: pd.DataFrame) -> Table:
    columns = [
        Column("name", _("Indicator")), Column("iccs", _("ICCS")), Column("sdg", _("SDG")),
        Column("numerator", _("Incidents"), "int"), Column("value", _("Rate"), "rate"),
        Column("lower", _("95 % low"), "rate"), Column("upper", _("95 % high"), "rate"),
        Column("change_prev_pct", _("Change %"), "percent"),
        Column("p_change_prev", _("p (change)"), "float", 3),
    ]  # fmt: skip
    return Table("indicators", _("Indicators"), columns, head.reset_index(drop=True))


def _trends(top: pd.DataFrame, head: pd.DataFrame) -> Figure:
    ids = [i for i in head["indicator_id"] if i != TOTAL][:TREND_SERIES]
    series = top[top["indicator_id"].isin(ids)]
    if series["value"].notna().any():
        png = charts.trend_chart(series, series="name", x="year", y="value", lower="lower",
                                 upper="upper", ylabel=_("rate per 100,000"))  # fmt: skip
    else:  # no population: counts, without intervals
        png = charts.trend_chart(series, series="name", x="year", y="numerator",
                                 lower="numerator", upper="numerator",
                                 ylabel=_("incidents"))  # fmt: skip
    return Figure("trends", _("Trends of the most frequent crimes"), png,
                  alt=_("Line chart of yearly rates with 95 % intervals"),
                  caption=_("Shaded bands: exact Poisson 95 % intervals."))  # fmt: skip


def _rate_map(ctx: ReportContext, level: str, year: int, hidden: set[str]) -> Figure | None:
    """Total crime rate by area in ``year`` (counts, population and rate as
    :func:`barrio.spatial.workspace.area_layer` computes them; population given with the
    polygons is used when the population table has none). Public reports blank the ``hidden``
    areas (suppressed in the protected indicator table)."""
    import datetime as dt

    from barrio.spatial.workspace import area_layer

    areas = area_layer(ctx.ws, level, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    if ctx.public:
        areas.loc[areas["area_id"].isin(hidden), ["count", "rate"]] = np.nan
    if not areas["rate"].notna().any():
        return None
    png = maps.choropleth(areas.to_crs(ctx.ws.config.crs), "rate", locale=ctx.locale,
                          legend_title=_("crimes per 100,000"))  # fmt: skip
    title = _("Total crime rate by {level}, {year}", level=labels.level(level), year=year)
    return Figure("rate_map", title, png, alt=_("Choropleth map of the crime rate by area"))
