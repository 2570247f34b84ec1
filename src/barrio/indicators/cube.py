"""The engine's part of the indicator table, written once in Ibis for DuckDB, PostgreSQL and Spark.

The engine does the step that grows with the number of records; everything after it grows only
with the size of the result and is done with dense numpy arrays
(:mod:`barrio.indicators.cells`):

1. ``base``: every record (or published count) with its area, period index, sex, age group
   and the fields indicator filters look at (ICCS code, tags, local category, attempted).
2. ``coded_base``: one aggregation to integer-coded groups (area code × period × sex code ×
   age code × the set of indicators that count them, one bit each), with their count.

The result has at most one row per finest area × period × sex × age group × indicator set, a
few million rows for a country, and moves to Python as Arrow integer columns.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from barrio.indicators.catalog import Indicator
from barrio.indicators.population import TOTAL, UNKNOWN, AgeGroup

PERIODS = {"month": 12, "quarter": 4, "year": 1}
"""Period types and how many make a year."""

COUNT = dt.Int64(nullable=False)
"""Type of every count. Spelled non-nullable so that Ibis keeps the cast: DuckDB sums BIGINTs
into 128-bit HUGEINTs, which would make every later aggregation slower."""


def period_index(date: ir.DateValue, period: str) -> ir.IntegerValue:
    """An integer that counts periods: year·12 + month − 1, year·4 + quarter − 1, or year."""
    year = date.year().cast("int64")
    if period == "month":
        return year * 12 + date.month().cast("int64") - 1
    if period == "quarter":
        return year * 4 + (date.month().cast("int64") - 1) // 3
    return year


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
    """Step 1 on ``incidents``: assigned records with their period, sex and age group (n = 1)."""
    t = con.table("incidents")
    t = t.filter(t.area_id.notnull(), t.occurred_on.notnull())
    return t.select(
        "area_id",
        "iccs_code",
        period_index=period_index(t.occurred_on, period),
        sex=_sex(t.victim_sex, allow_total=False),
        age_group=t.victim_age.isnull().ifelse(
            ibis.literal(UNKNOWN), _age_case(t.victim_age, groups)
        ),
        tags=t.tags.fill_null(""),
        local_category=t.local_category.lower(),
        attempted=t.attempted.fill_null(False),
        n=ibis.literal(1, "int64"),
    )


def base_counts(con: Any, period: str) -> ir.Table:
    """Step 1 on ``counts``: published counts with the requested period (n = the count).

    Only period types no coarser than the requested one can be used (a year of counts cannot
    be split into months); the caller checks that.
    """
    t = con.table("counts")
    return t.select(
        "area_id",
        "iccs_code",
        period_index=period_index(t.period_start, period),
        sex=_sex(t.sex, allow_total=True),
        age_group=t.age_group.fill_null(UNKNOWN),
        tags=ibis.literal(""),
        local_category=t.local_category.lower(),
        attempted=ibis.literal(False),
        n=t["count"].fill_null(0).cast("int64"),
    )


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


def coded_base(
    con: Any,
    base: ir.Table,
    indicators: tuple[Indicator, ...],
    published: bool,
    ages: tuple[str, ...],
) -> ir.Table:
    """Step 2: the base groups integer-coded, with one bit per indicator that counts them.

    Area ids become the code of ``_barrio_area_codes`` (uploaded by the caller), sex the
    position in ``F, M, unknown, total`` and age groups their position in ``ages``. Groups no
    indicator counts are dropped. Columns: area, period_index, sex, age, mask0 … (62 indicators
    per 64-bit word), n (records or published count), rows (base rows: presence matters for
    published ``total`` rows).
    """
    words = {}
    for word in range(0, len(indicators), 62):
        bits = [
            _matches(base, ind, published).ifelse(ibis.literal(1 << bit, "int64"), 0)
            for bit, ind in enumerate(indicators[word : word + 62])
        ]
        total = bits[0]
        for b in bits[1:]:
            total = total + b
        words[f"mask{word // 62}"] = total.cast("int64")
    sex = ibis.cases(
        (base.sex == "F", 0), (base.sex == "M", 1), (base.sex == TOTAL, 3), else_=2
    ).cast("int64")
    unknown = ages.index(UNKNOWN)
    age = ibis.cases(
        *[(base.age_group == label, pos) for pos, label in enumerate(ages) if label != UNKNOWN],
        else_=unknown,
    ).cast("int64")
    coded = base.mutate(sex_code=sex, age_code=age, **words)
    codes = con.table("_barrio_area_codes")
    j = coded.join(codes, coded.area_id == codes.area_id)
    keys = [
        j.code.cast("int32").name("area"),
        j.period_index.cast("int32").name("period_index"),
        j.sex_code.cast("int8").name("sex"),
        j.age_code.cast("int16").name("age"),
    ]
    grouped = j.group_by([*keys, *words]).aggregate(
        n=j.n.sum().cast(COUNT), rows=j.count().cast("int32")
    )
    return grouped.filter(ibis.or_(*[grouped[w] != 0 for w in words]))


def upload(con: Any, name: str, frame: pd.DataFrame) -> ir.Table:
    """A small frame as a temporary table of the engine (every backend resolves it in plans).

    Ibis' PySpark backend has no temporary tables: there the frame becomes a session view.
    """
    if con.name == "pyspark":
        con._session.createDataFrame(frame).createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, frame, temp=True, overwrite=True)
