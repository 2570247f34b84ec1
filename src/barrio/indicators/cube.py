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
5. denominators, previous period and year-before values by joins on an integer period index.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from barrio.indicators.catalog import Indicator
from barrio.indicators.population import TOTAL, UNKNOWN, AgeGroup

PERIODS = {"month": 12, "quarter": 4, "year": 1}
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
    return t.group_by([*keys, "sex", "age_group"]).aggregate(n=t["count"].sum().cast("int64"))


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


def by_indicator(
    base: ir.Table, indicators: tuple[Indicator, ...], published: bool = False
) -> ir.Table:
    """Step 2: the base rows each indicator counts, stacked with the indicator's id."""
    parts = [
        base.filter(_matches(base, ind, published)).select(
            indicator_id=ibis.literal(ind.id),
            den_key=ibis.literal(denominator_key(ind)),
            area_id=base.area_id,
            period_index=base.period_index,
            sex=base.sex,
            age_group=base.age_group,
            n=base.n,
        )
        for ind in indicators
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
            "indicator_id",
            "den_key",
            j.ancestor_id.name("area_id"),
            j.ancestor_level.name("area_level"),
            "period_index",
            "sex",
            "age_group",
        ]
    ).aggregate(n=j.n.sum().cast("int64"))


def disaggregated(cube: ir.Table, by: tuple[str, ...]) -> ir.Table:
    """Step 3b: one aggregation per disaggregation set, stacked.

    Dimensions outside the set are summed, except that a published ``total`` row (as in
    SESNSP files) is used instead of the sum of its cells when the source has one.
    """
    keys = ["indicator_id", "den_key", "area_id", "area_level", "period_index"]
    parts = []
    for combo in grouping_sets(by):
        rest = [d for d in ("sex", "age_group") if d not in combo]
        t = cube
        for dim in combo:
            t = t.filter(t[dim] != TOTAL)
        if rest:
            explicit = ibis.and_(*[t[d] == TOTAL for d in rest])
            cells = ibis.and_(*[t[d] != TOTAL for d in rest])
            agg = t.group_by([*keys, *combo]).aggregate(
                explicit_rows=explicit.ifelse(1, 0).sum(),
                explicit_n=explicit.ifelse(t.n, 0).sum(),
                cell_n=cells.ifelse(t.n, 0).sum(),
            )
            agg = agg.mutate(
                numerator=(agg.explicit_rows > 0).ifelse(agg.explicit_n, agg.cell_n).cast("int64")
            )
        else:
            agg = t.group_by([*keys, *combo]).aggregate(numerator=t.n.sum().cast("int64"))
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


def zero_filled(con: Any, table: ir.Table, frame: ir.Table) -> ir.Table:
    """Step 4: every indicator × area × period of ``frame`` gets a total row (0 when absent)."""
    f = frame
    totals = table.filter((table.sex == TOTAL) & (table.age_group == TOTAL))
    j = f.join(
        totals,
        [
            f.indicator_id == totals.indicator_id,
            f.area_id == totals.area_id,
            f.period_index == totals.period_index,
        ],
        how="left",
    )
    filled = j.select(
        indicator_id=f.indicator_id,
        den_key=f.den_key,
        area_id=f.area_id,
        area_level=f.area_level,
        period_index=f.period_index,
        sex=ibis.literal(TOTAL),
        age_group=ibis.literal(TOTAL),
        numerator=totals.numerator.fill_null(0).cast("int64"),
    )
    rest = table.filter((table.sex != TOTAL) | (table.age_group != TOTAL))
    return ibis.union(filled, rest, distinct=False)


def _population_at(t: ir.Table, segments: ir.Table, period: str, lag: int, prefix: str) -> ir.Table:
    """Join the population ``lag`` periods before each row's period as ``{prefix}denominator``."""
    t = t.mutate(t_mid=period_midpoint(t.period_index - lag, period))
    s = segments
    j = t.join(
        s,
        [
            t.den_key == s.den_key,
            t.area_id == s.area_id,
            t.sex == s.sex,
            t.age_group == s.age_group,
            t.t_mid >= s.t_from,
            t.t_mid < s.t_to,
        ],
        how="left",
    )
    span = j.k_to - j.k_from
    slope = (span > 0).ifelse((j.p_to - j.p_from) / span, 0.0)
    pop = ibis.greatest(j.p_from + slope * (j.t_mid - j.k_from), 0.0)
    extra: dict[str, Any] = {f"{prefix}denominator": pop}
    if not prefix:
        extra["population_method"] = ibis.cases(
            (j.n_knots.isnull(), ibis.null("string")),
            (j.n_knots == 1, ibis.literal("constant")),
            ((j.t_mid == j.k_from) | (j.t_mid == j.k_to), ibis.literal("exact")),
            ((j.t_mid < j.k_from) | (j.t_mid > j.k_to), ibis.literal("extrapolated")),
            else_=ibis.literal("interpolated"),
        )
    return j.select(*[t[c] for c in t.columns if c != "t_mid"], **extra)


def with_denominators(t: ir.Table, segments: ir.Table, period: str) -> ir.Table:
    """Step 5a: the denominator of the row's period, the previous one and a year before."""
    t = _population_at(t, segments, period, 0, "")
    t = _population_at(t, segments, period, 1, "prev_")
    return _population_at(t, segments, period, PERIODS[period], "yoy_")


def with_comparisons(t: ir.Table, period: str, first_index: int) -> ir.Table:
    """Step 5b: numerators of the previous period and of the same period a year before.

    A cell absent in an earlier period that lies inside the data's range had no events (0);
    before the first period of the data the comparison is unknown (NULL).
    """
    keys = ["indicator_id", "area_id", "sex", "age_group"]
    out = t
    for name, lag in (("prev", 1), ("yoy", PERIODS[period])):
        tv = t.view()
        other = tv.select(*keys, period_index=tv.period_index + lag, _k=tv.numerator)
        preds = [out[k] == other[k] for k in [*keys, "period_index"]]
        joined = out.join(other, preds, how="left")
        inside = joined.period_index - lag >= first_index
        out = joined.select(
            *[joined[c] for c in out.columns],
            **{f"{name}_numerator": inside.ifelse(joined._k.fill_null(0), ibis.null("int64"))},
        )
    return out
