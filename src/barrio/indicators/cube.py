"""The count cube, written once in Ibis so that DuckDB, PostgreSQL and Spark run the same plan.

From the ``incidents`` (or published ``counts``) table to one row per indicator × area (at every
requested level) × period × disaggregation cell, with its numerator, the denominator of the
period (joined from population segments, see :mod:`barrio.indicators.population`), and the
numerators and denominators of the previous period and of the same period a year before.

Steps (each one query plan, no Python loop over rows):

1. ``base``: records grouped by finest area × period × the fields indicator filters look at
   (ICCS code, tags, local category, attempted, sex, age group).
2. ``by_indicator``: one filtered projection of ``base`` per indicator, stacked.
3. roll-up along ``area_ancestors`` to the requested levels (so a district is exactly the sum
   of its neighborhoods), then one aggregation per disaggregation set (total, by sex, by age
   group, by sex × age group). A published ``total`` row wins over the sum of its cells.
4. totals are completed with zeros for every area × period × indicator (a map needs zeros).
5. denominators of the period, the previous one and a year before by one equality join with
   the population line of each (area, sex, age group, year); numerators of the previous period
   and of a year before by window functions over the period index.

Inside the plan indicators and denominators are small integers (``ind``, ``den``: positions in
the caller's tuples), not strings: joins, windows and groupings hash fewer bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from barrio.indicators.catalog import Indicator
from barrio.indicators.population import TOTAL, UNKNOWN, AgeGroup

PERIODS = {"month": 12, "quarter": 4, "year": 1}

COUNT = dt.Int64(nullable=False)
"""Type of every count. Spelled non-nullable so that Ibis keeps the cast: DuckDB sums BIGINTs
into 128-bit HUGEINTs, which would make every later join, window and sum slower."""
"""Period types and how many make a year."""


@dataclass(frozen=True)
class CubeSpec:
    """What to compute: indicators, period type, area levels, disaggregations."""

    indicators: tuple[Indicator, ...]
    period: str = "year"
    levels: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    source: str = "incidents"


def period_index(date: ir.DateValue, period: str) -> ir.IntegerValue:
    """An integer that counts periods: year·12 + month − 1, year·4 + quarter − 1, or year."""
    year = date.year().cast("int64")
    if period == "month":
        return year * 12 + date.month().cast("int64") - 1
    if period == "quarter":
        return year * 4 + (date.month().cast("int64") - 1) // 3
    return year


def period_midpoint(index: ir.IntegerValue, period: str) -> ir.FloatingValue:
    """The period's midpoint in fractional years (the time at which its population is read)."""
    per_year = PERIODS[period]
    return index.cast("float64") / per_year + 0.5 / per_year


def _age_case(age: ir.IntegerValue, groups: list[AgeGroup]) -> ir.StringValue:
    if not groups:
        return ibis.literal(UNKNOWN)
    branches = []
    for g in groups:
        cond = age >= g.lower
        if g.upper is not None:
            cond &= age <= g.upper
        branches.append((cond, ibis.literal(g.label)))
    return ibis.cases(*branches, else_=ibis.literal(UNKNOWN))


def _sex(value: ir.StringValue, allow_total: bool) -> ir.StringValue:
    known = ["F", "M", TOTAL] if allow_total else ["F", "M"]
    return value.isin(known).ifelse(value, ibis.literal(UNKNOWN)).fill_null(UNKNOWN)


def base_incidents(con: Any, period: str, groups: list[AgeGroup]) -> ir.Table:
    """Step 1 on ``incidents``: assigned records grouped by area, period and filter fields."""
    t = con.table("incidents")
    t = t.filter(t.area_id.notnull(), t.occurred_on.notnull())
    t = t.mutate(
        period_index=period_index(t.occurred_on, period),
        sex=_sex(t.victim_sex, allow_total=False),
        age_group=t.victim_age.isnull().ifelse(
            ibis.literal(UNKNOWN), _age_case(t.victim_age, groups)
        ),
        tags=t.tags.fill_null(""),
        local_category=t.local_category.lower(),
        attempted=t.attempted.fill_null(False),
    )
    keys = ["area_id", "period_index", "iccs_code", "tags", "local_category", "attempted"]
    return t.group_by([*keys, "sex", "age_group"]).aggregate(n=t.count().cast("int64"))


def base_counts(con: Any, period: str) -> ir.Table:
    """Step 1 on ``counts``: published counts re-aggregated to the requested period.

    Only period types no coarser than the requested one can be used (a year of counts cannot
    be split into months); the caller checks that.
    """
    t = con.table("counts")
    t = t.mutate(
        period_index=period_index(t.period_start, period),
        sex=_sex(t.sex, allow_total=True),
        age_group=t.age_group.fill_null(UNKNOWN),
        tags=ibis.literal(""),
        local_category=t.local_category.lower(),
        attempted=ibis.literal(False),
    )
    keys = ["area_id", "period_index", "iccs_code", "tags", "local_category", "attempted"]
    return t.group_by([*keys, "sex", "age_group"]).aggregate(n=t["count"].sum().cast(COUNT))


def _matches(t: ir.Table, ind: Indicator, published: bool) -> ir.BooleanValue:
    """Whether a base row counts for ``ind``.

    On published counts (``published``) a row without sex (``total``) still counts for a
    sex-specific indicator when the indicator names its local categories (feminicidio is
    published as a total but only has women victims).
    """
    num = ind.numerator
    code = t.iccs_code
    cond: ir.BooleanValue = code.notnull()
    if num.iccs:
        cond &= ibis.or_(*[code.startswith(prefix) for prefix in num.iccs])
    for prefix in num.exclude_iccs:
        cond &= ~code.startswith(prefix)
    if num.victim_sex:
        if published and num.local_category:
            cond &= (t.sex == num.victim_sex) | (t.sex == TOTAL)
        else:
            cond &= t.sex == num.victim_sex
    for key, value in num.tags:
        cond &= t.tags.contains(f"{key}={value}")
    if num.local_category:
        cond &= ibis.or_(*[t.local_category.like(p.lower()) for p in num.local_category])
    if not num.include_attempted:
        cond &= ~t.attempted
    return cond


def denominator_key(ind: Indicator) -> str:
    """Identifies the population an indicator is per (indicators share denominators)."""
    den = ind.denominator
    if den.age_min is None and den.age_max is None:
        return den.sex
    return f"{den.sex}:{den.age_min if den.age_min is not None else ''}-{den.age_max or ''}"


def denominator_codes(indicators: tuple[Indicator, ...]) -> dict[str, int]:
    """The integer ``den`` of each denominator key, in order of first use."""
    codes: dict[str, int] = {}
    for ind in indicators:
        codes.setdefault(denominator_key(ind), len(codes))
    return codes


def by_indicator(
    base: ir.Table, indicators: tuple[Indicator, ...], published: bool = False
) -> ir.Table:
    """Step 2: the base rows each indicator counts, stacked with the indicator's position."""
    dens = denominator_codes(indicators)
    parts = [
        base.filter(_matches(base, ind, published)).select(
            ind=ibis.literal(pos, "int64"),
            den=ibis.literal(dens[denominator_key(ind)], "int64"),
            area_id=base.area_id,
            period_index=base.period_index,
            sex=base.sex,
            age_group=base.age_group,
            n=base.n,
        )
        for pos, ind in enumerate(indicators)
    ]
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def grouping_sets(by: tuple[str, ...]) -> list[tuple[str, ...]]:
    """(), (sex,), (age_group,), (sex, age_group) — every subset of ``by``, totals first."""
    return [combo for r in range(len(by) + 1) for combo in combinations(by, r)]


def rolled_up(con: Any, stacked: ir.Table, levels: tuple[str, ...]) -> ir.Table:
    """Step 3a: counts of every ancestor area at the requested levels."""
    anc = con.table("area_ancestors")
    if levels:
        anc = anc.filter(anc.ancestor_level.isin(list(levels)))
    j = stacked.join(anc, stacked.area_id == anc.area_id)
    return j.group_by(
        [
            "ind",
            "den",
            j.ancestor_id.name("area_id"),
            j.ancestor_level.name("area_level"),
            "period_index",
            "sex",
            "age_group",
        ]
    ).aggregate(n=j.n.sum().cast(COUNT))


def disaggregated(cube: ir.Table, by: tuple[str, ...], published: bool = True) -> ir.Table:
    """Step 3b: one aggregation per disaggregation set, stacked.

    Dimensions outside the set are summed, except that a published ``total`` row (as in
    SESNSP files) is used instead of the sum of its cells when the source has one. Records
    (``published`` False) never have ``total`` rows: plain sums, a cheaper plan.
    """
    keys = ["ind", "den", "area_id", "area_level", "period_index"]
    parts = []
    for combo in grouping_sets(by):
        rest = [d for d in ("sex", "age_group") if d not in combo]
        t = cube
        for dim in combo if published else ():
            t = t.filter(t[dim] != TOTAL)
        if rest and published:
            explicit = ibis.and_(*[t[d] == TOTAL for d in rest])
            cells = ibis.and_(*[t[d] != TOTAL for d in rest])
            agg = t.group_by([*keys, *combo]).aggregate(
                explicit_rows=explicit.ifelse(1, 0).sum(),
                explicit_n=explicit.ifelse(t.n, 0).sum(),
                cell_n=cells.ifelse(t.n, 0).sum(),
            )
            agg = agg.mutate(
                numerator=(agg.explicit_rows > 0).ifelse(agg.explicit_n, agg.cell_n).cast(COUNT)
            )
        else:
            agg = t.group_by([*keys, *combo]).aggregate(numerator=t.n.sum().cast(COUNT))
        out = {k: agg[k] for k in keys}
        out["sex"] = agg["sex"] if "sex" in combo else ibis.literal(TOTAL)
        out["age_group"] = agg["age_group"] if "age_group" in combo else ibis.literal(TOTAL)
        out["numerator"] = agg.numerator
        parts.append(agg.select(**out))
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def upload(con: Any, name: str, frame: pd.DataFrame) -> ir.Table:
    """A small frame as a temporary table of the engine (every backend resolves it in plans).

    Ibis' PySpark backend has no temporary tables: there the frame becomes a session view.
    """
    if con.name == "pyspark":
        con._session.createDataFrame(frame).createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, frame, temp=True, overwrite=True)


def grid(
    con: Any, indicators: ir.Table, levels: tuple[str, ...], first: int, last: int
) -> ir.Table:
    """Every indicator × area of the requested levels × period from ``first`` to ``last``.

    Built by the engine (a cross join of the areas with two small tables), never in Python:
    at national size it has tens of millions of rows.
    """
    areas = con.table("areas")
    areas = areas.filter(areas.level.isin(list(levels))).select("area_id", area_level=areas.level)
    periods = upload(
        con,
        "_barrio_periods",
        pd.DataFrame({"period_index": range(first, last + 1)}, dtype="int64"),
    )
    return areas.cross_join(indicators.select("ind", "den")).cross_join(periods)


def zero_filled(con: Any, table: ir.Table, frame: ir.Table) -> ir.Table:
    """Step 4: every indicator × area × period of ``frame`` gets a total row (0 when absent)."""
    f = frame
    totals = table.filter((table.sex == TOTAL) & (table.age_group == TOTAL))
    j = f.join(
        totals,
        [
            f.ind == totals.ind,
            f.area_id == totals.area_id,
            f.period_index == totals.period_index,
        ],
        how="left",
    )
    filled = j.select(
        ind=f.ind,
        den=f.den,
        area_id=f.area_id,
        area_level=f.area_level,
        period_index=f.period_index,
        sex=ibis.literal(TOTAL),
        age_group=ibis.literal(TOTAL),
        numerator=totals.numerator.fill_null(0).cast(COUNT),
    )
    rest = table.filter((table.sex != TOTAL) | (table.age_group != TOTAL))
    return ibis.union(filled, rest.mutate(numerator=rest.numerator.cast("int64")), distinct=False)


def line_year(index: ir.IntegerValue, period: str) -> ir.IntegerValue:
    """The year y whose population line [y + 0.5, y + 1.5) holds the period's midpoint.

    Knots sit at mid-years (``year + 0.5``) and no period's midpoint is a knot except whole
    years, so integer arithmetic is exact: months 0–5 of a year belong to the previous line.
    """
    per_year = PERIODS[period]
    return (index - per_year // 2) // per_year


def population_lines(con: Any, segments: ir.Table, period: str, first: int, last: int) -> ir.Table:
    """The population line of each key for every year a row or its comparisons can fall in.

    One row per den × area × sex × age group × line year with the line of that year
    (``k_from`` … ``n_knots``) and the line of the year before (``pre_*``), so that one
    equality join gives the population of the period, the previous period and a year before.
    """
    lo = (first - PERIODS[period] - PERIODS[period] // 2) // PERIODS[period]
    hi = (last - PERIODS[period] // 2) // PERIODS[period]
    years = pd.DataFrame({"y": range(lo - 1, hi + 1)}, dtype="int64")
    lines = segments.cross_join(upload(con, "_barrio_years", years))
    mid = lines.y.cast("float64") + 0.5
    lines = lines.filter(lines.t_from <= mid, lines.t_to > mid).drop("t_from", "t_to")
    pre = lines.view()
    keys = ["den", "area_id", "sex", "age_group"]
    j = lines.join(pre, [*[lines[k] == pre[k] for k in keys], lines.y == pre.y + 1], how="inner")
    return j.select(
        *[lines[c] for c in lines.columns],
        **{f"pre_{c}": pre[c] for c in ("k_from", "k_to", "p_from", "p_to")},
    )


def _line_value(t: ir.FloatingValue, k_from: Any, k_to: Any, p_from: Any, p_to: Any) -> Any:
    span = k_to - k_from
    slope = (span > 0).ifelse((p_to - p_from) / span, 0.0)
    return ibis.greatest(p_from + slope * (t - k_from), 0.0)


def with_denominators(t: ir.Table, lines: ir.Table, period: str) -> ir.Table:
    """Step 5a: the denominator of the row's period, the previous one and a year before.

    ``lines`` is :func:`population_lines`; rows without population (unknown sex or age, areas
    without figures) get NULL.
    """
    per_year = PERIODS[period]
    t = t.mutate(_y=line_year(t.period_index, period))
    s = lines
    keys = ["den", "area_id", "sex", "age_group"]
    j = t.join(s, [*[t[k] == s[k] for k in keys], t._y == s.y], how="left")
    now = period_midpoint(j.period_index, period)
    before = period_midpoint(j.period_index - 1, period)
    year_ago = period_midpoint(j.period_index - per_year, period)
    same_line = line_year(j.period_index - 1, period) == j._y
    pop = _line_value(now, j.k_from, j.k_to, j.p_from, j.p_to)
    pre = (j.pre_k_from, j.pre_k_to, j.pre_p_from, j.pre_p_to)
    prev_pop = same_line.ifelse(
        _line_value(before, j.k_from, j.k_to, j.p_from, j.p_to), _line_value(before, *pre)
    )
    method = ibis.cases(
        (j.n_knots.isnull(), ibis.null("string")),
        (j.n_knots == 1, ibis.literal("constant")),
        ((now == j.k_from) | (now == j.k_to), ibis.literal("exact")),
        ((now < j.k_from) | (now > j.k_to), ibis.literal("extrapolated")),
        else_=ibis.literal("interpolated"),
    )
    return j.select(
        *[t[c] for c in t.columns if c != "_y"],
        denominator=pop,
        population_method=method,
        prev_denominator=prev_pop,
        yoy_denominator=_line_value(year_ago, *pre),
    )


def with_comparisons(t: ir.Table, period: str, first_index: int) -> ir.Table:
    """Step 5b: numerators of the previous period and of the same period a year before.

    A cell absent in an earlier period that lies inside the data's range had no events (0);
    before the first period of the data the comparison is unknown (NULL). Each is a window
    over the cell's periods whose frame is exactly ``lag`` periods back (RANGE frame: it works
    on sparse cells, where the row ``lag`` back may be missing).
    """
    keys = ["ind", "area_id", "sex", "age_group"]
    extra = {}
    for name, lag in (("prev", 1), ("yoy", PERIODS[period])):
        w = ibis.window(group_by=keys, order_by="period_index", range=(-lag, -lag))
        inside = t.period_index - lag >= first_index
        earlier = t.numerator.max().over(w)
        extra[f"{name}_numerator"] = inside.ifelse(
            earlier.fill_null(0).cast("int64"), ibis.null("int64")
        )
    return t.mutate(**extra)
