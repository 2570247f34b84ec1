"""Compute the tidy indicator table on any Ibis backend (DuckDB, PostgreSQL, Spark).

The engine does the heavy part (the count cube over every record, the roll-up, the joins with
population lines and earlier periods, see :mod:`barrio.indicators.cube`) and finishes every
column it can: rates, exact Poisson limits (joined from a small table of per-count quantiles
computed with scipy), flags, changes and empirical-Bayes rates. The table then streams out in
Arrow record batches; numpy adds the exact test p-values batch by batch (R's ``binom.test`` has
no SQL form). :func:`indicator_table` collects the batches into a DataFrame (small callers);
:func:`store_table` writes them into the warehouse's ``indicators`` table without ever holding
the whole table in memory (national-size runs).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from barrio.errors import InputError
from barrio.i18n import _
from barrio.indicators import cube as c
from barrio.indicators import stats
from barrio.indicators.catalog import Indicator
from barrio.indicators.population import (
    age_groups,
    denominator_table,
    roll_up,
    segments,
    with_margins,
)

COLUMNS = [
    "indicator_id",
    "area_id",
    "area_level",
    "period_type",
    "period_start",
    "sex",
    "age_group",
    "numerator",
    "denominator",
    "value",
    "lower",
    "upper",
    "multiplier",
    "flag_small",
    "flag_unstable",
    "population_method",
    "prev_value",
    "change_prev_pct",
    "p_change_prev",
    "yoy_value",
    "change_yoy_pct",
    "p_change_yoy",
    "value_eb",
    "source",
]

_PERIOD_RANK = {"week": 0, "month": 1, "quarter": 2, "year": 3}


def population_segments(con: Any, indicators: tuple[Indicator, ...]) -> pd.DataFrame:
    """Segments of every denominator the indicators need (see population.py).

    ``den`` is the denominator's code (:func:`barrio.indicators.cube.denominator_codes`).
    """
    pop = con.table("population").select("area_id", "year", "sex", "age_group", "population")
    pop_df = pop.to_pandas()
    columns = ["den", "area_id", "sex", "age_group", "t_from", "t_to"]
    columns += ["k_from", "k_to", "p_from", "p_to", "n_knots"]
    if pop_df.empty:
        return pd.DataFrame({col: pd.Series(dtype=_SEGMENT_TYPES[col]) for col in columns})
    areas = con.table("areas").select("area_id", "parent_id").to_pandas()
    full = roll_up(with_margins(pop_df), areas)
    parts = []
    codes = c.denominator_codes(indicators)
    for key, ind in {c.denominator_key(i): i for i in indicators}.items():
        den = ind.denominator
        table = denominator_table(full, den.sex, den.age_min, den.age_max)
        table = table.groupby(["area_id", "year", "sex", "age_group"], as_index=False).agg(
            population=("population", "sum")
        )
        parts.append(segments(table).assign(den=codes[key]))
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.astype({col: _SEGMENT_TYPES[col] for col in columns})


_SEGMENT_TYPES = {
    "den": "int64",
    "area_id": "string",
    "sex": "string",
    "age_group": "string",
    "t_from": "float64",
    "t_to": "float64",
    "k_from": "float64",
    "k_to": "float64",
    "p_from": "float64",
    "p_to": "float64",
    "n_knots": "int64",
}


def _choose_source(con: Any, source: str, period: str) -> str:
    if source == "auto":
        incidents = con.table("incidents").count().to_pyarrow().as_py()
        source = "incidents" if incidents else "counts"
    if source == "counts":
        types = con.table("counts").select("period_type").distinct().to_pandas()["period_type"]
        types = types.dropna().tolist()
        coarse = [t for t in types if _PERIOD_RANK.get(t, 9) > _PERIOD_RANK[period]]
        if coarse:
            raise InputError(
                _(
                    "the counts table has {types} counts, which cannot be split into {period}s",
                    types=", ".join(coarse),
                    period=period,
                ),
                hint=_("Compute with --period year (or a period at least as long)."),
            )
    return source


@dataclass(frozen=True)
class Plan:
    """A validated request: what :func:`table_batches` computes."""

    indicators: tuple[Indicator, ...]
    period: str
    levels: tuple[str, ...]
    by: tuple[str, ...]
    source: str
    smooth: bool
    confidence: float


def plan(
    con: Any,
    indicators: list[Indicator],
    *,
    period: str = "year",
    levels: list[str] | None = None,
    by: list[str] | None = None,
    source: str = "auto",
    smooth: bool = False,
    confidence: float = 0.95,
) -> Plan | None:
    """Check the request against the engine's tables (None: nothing the source can count)."""
    if period not in c.PERIODS:
        raise InputError(
            _("unknown period {period}", period=period),
            hint=_("Use month, quarter or year."),
        )
    source = _choose_source(con, source, period)
    usable = [i for i in indicators if source == "incidents" or not i.numerator.tags]
    all_levels = (
        con.table("areas").select("level").distinct().to_pandas()["level"].dropna().tolist()
    )
    chosen = tuple(levels) if levels else tuple(sorted(all_levels))
    unknown = [lv for lv in chosen if lv not in all_levels]
    if unknown:
        raise InputError(
            _("unknown area level(s) {levels}", levels=", ".join(unknown)),
            hint=_("The workspace has levels: {levels}", levels=", ".join(sorted(all_levels))),
        )
    if not usable:
        return None
    return Plan(tuple(usable), period, chosen, tuple(by or ()), source, smooth, confidence)


def indicator_table(
    con: Any,
    indicators: list[Indicator],
    *,
    period: str = "year",
    levels: list[str] | None = None,
    by: list[str] | None = None,
    source: str = "auto",
    smooth: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The tidy indicator table (columns :data:`COLUMNS`) computed on backend ``con``.

    Sorted by indicator, level, area, period, sex and age group. For national-size tables use
    :func:`store_table`, which never holds the whole table in memory.
    """
    request = plan(
        con,
        indicators,
        period=period,
        levels=levels,
        by=by,
        source=source,
        smooth=smooth,
        confidence=confidence,
    )
    if request is None:
        return pd.DataFrame(columns=COLUMNS)
    with table_batches(con, request) as batches:
        parts = [batch.to_pandas() for batch in batches]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    order = ["indicator_id", "area_level", "area_id", "period_start", "sex", "age_group"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)[COLUMNS]


@contextmanager
def table_batches(
    con: Any, request: Plan, chunk_rows: int = 1 << 20
) -> Iterator[Iterator[pa.RecordBatch]]:
    """The finished table as Arrow record batches (columns :data:`COLUMNS`, no order).

    The engine's intermediate tables are dropped when the block ends.
    """
    seg_df = population_segments(con, request.indicators)
    groups = age_groups(seg_df["age_group"].unique().tolist())
    base = (
        c.base_incidents(con, request.period, groups)
        if request.source == "incidents"
        else c.base_counts(con, request.period)
    ).cache()
    cached = [base]
    try:
        bounds = base.aggregate(lo=base.period_index.min(), hi=base.period_index.max())
        lo_hi = bounds.to_pyarrow().to_pylist()[0]
        if lo_hi["lo"] is None:
            yield iter(())
            return
        rated = _cube(con, base, seg_df, request, int(lo_hi["lo"]), int(lo_hi["hi"])).cache()
        cached.append(rated)
        final = _finished(con, rated, request)
        yield (_with_p_values(batch) for batch in _arrow_batches(con, final, chunk_rows))
    finally:
        for table in reversed(cached):
            table.release()


def _arrow_batches(con: Any, expr: Any, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """Stream ``expr``'s rows; DuckDB's relation reader avoids a copy of the DB-API one."""
    if con.name == "duckdb":
        yield from con.con.sql(con.compile(expr)).to_arrow_reader(chunk_rows)
    else:
        yield from expr.to_pyarrow_batches(chunk_size=chunk_rows)


def _cube(con: Any, base: Any, seg_df: pd.DataFrame, request: Plan, first: int, last: int) -> Any:
    """Counts, denominators and comparisons of every output row (integer ``ind``/``den``)."""
    inds = request.indicators
    codes = c.denominator_codes(inds)
    catalog = c.upload(
        con,
        "_barrio_inds",
        pd.DataFrame(
            {
                "ind": np.arange(len(inds), dtype=np.int64),
                "den": np.array([codes[c.denominator_key(i)] for i in inds], dtype=np.int64),
                "indicator_id": pd.Series([i.id for i in inds], dtype="string"),
                "multiplier": np.array([i.multiplier for i in inds], dtype=np.int64),
            }
        ),
    )
    published = request.source == "counts"
    stacked = c.by_indicator(base, inds, published=published)
    rolled = c.rolled_up(con, stacked, request.levels)
    counted = c.disaggregated(rolled, request.by, published=published)
    frame = c.grid(con, catalog, request.levels, first, last)
    counted = c.zero_filled(con, counted, frame)
    segs = c.upload(con, "_barrio_segments", seg_df)
    lines = c.population_lines(con, segs, request.period, first, last)
    rated = c.with_denominators(counted, lines, request.period)
    return c.with_comparisons(rated, request.period, first)


def _finished(con: Any, rated: Any, request: Plan) -> Any:
    """Every column of :data:`COLUMNS` but the p-values, plus the inputs of the tests."""
    counts = rated.select("numerator").distinct().to_pyarrow()["numerator"].to_numpy()
    lower, upper = stats.poisson_interval(counts, request.confidence)
    limits = c.upload(
        con,
        "_barrio_poisson",
        pd.DataFrame({"numerator": counts.astype(np.int64), "lo": lower, "hi": upper}),
    )
    inds = con.table("_barrio_inds")
    t = rated.join(inds.select("ind", "indicator_id", "multiplier"), "ind").join(
        limits, "numerator"
    )
    if request.smooth:
        t = _with_empirical_bayes(t)
    mult = t.multiplier.cast("float64")
    k = t.numerator.cast("float64")
    has_pop = t.denominator.notnull() & (t.denominator > 0)
    pop = has_pop.ifelse(t.denominator, ibis.null("float64"))
    value = k / pop * mult
    columns: dict[str, Any] = {
        "indicator_id": t.indicator_id,
        "area_id": t.area_id,
        "area_level": t.area_level,
        "period_type": ibis.literal(request.period),
        "period_start": _period_start(t.period_index, request.period),
        "sex": t.sex,
        "age_group": t.age_group,
        "numerator": t.numerator,
        "denominator": pop,
        "value": value,
        "lower": t.lo / pop * mult,
        "upper": t.hi / pop * mult,
        "multiplier": t.multiplier,
        "flag_small": t.numerator < stats.SMALL_NUMERATOR,
        "flag_unstable": t.numerator < stats.UNSTABLE_NUMERATOR,
        "population_method": t.population_method,
    }
    for name in ("prev", "yoy"):
        k0 = t[f"{name}_numerator"]
        p0 = t[f"{name}_denominator"]
        ok0 = k0.notnull() & p0.notnull() & (p0 > 0)
        v0 = ok0.ifelse(k0.cast("float64") / p0 * mult, ibis.null("float64"))
        columns[f"{name}_value"] = v0
        columns[f"change_{name}_pct"] = (ok0 & (v0 > 0) & has_pop).ifelse(
            (value / v0 - 1.0) * 100.0, ibis.null("float64")
        )
        columns[f"p_change_{name}"] = ibis.null("float64")
        # inputs of the exact test (numpy, see _with_p_values)
        columns[f"_k_{name}"] = ok0.ifelse(k0, ibis.null("int64"))
        columns[f"_e_{name}"] = ok0.ifelse(p0, ibis.null("float64"))
    columns["value_eb"] = t._eb * mult if request.smooth else ibis.null("float64")
    columns["source"] = ibis.literal(request.source)
    return t.select(**columns)


def _with_empirical_bayes(t: Any) -> Any:
    """Add ``_eb``: Marshall's global EB rate per person within indicator × level × period ×
    sex × age group (the formula of :func:`barrio.indicators.stats.empirical_bayes`, with
    window sums; rows without population get NULL)."""
    w = ibis.window(group_by=["ind", "area_level", "period_index", "sex", "age_group"])
    valid = t.denominator.notnull() & (t.denominator > 0)
    t = t.mutate(
        _b=valid.ifelse(t.denominator, ibis.null("float64")),
        _e=valid.ifelse(t.numerator.cast("float64"), ibis.null("float64")),
    )
    t = t.mutate(_rate=t._e / t._b)
    t = t.mutate(
        _m=t._e.sum().over(w) / t._b.sum().over(w),
        _b_sum=t._b.sum().over(w),
        _count=t._b.count().over(w).cast("float64"),
    )
    t = t.mutate(_spread=(t._b * (t._rate - t._m) * (t._rate - t._m)).sum().over(w) / t._b_sum)
    between = ibis.greatest(t._spread - t._m / (t._b_sum / t._count), 0.0)
    # 0 / 0 is NaN in numpy and an error in PostgreSQL and Spark: weight 0 either way
    spread_plus_noise = between + t._m / t._b
    weight = (spread_plus_noise > 0).ifelse(between / spread_plus_noise, 0.0)
    return t.mutate(_eb=t._b.notnull().ifelse(weight * t._rate + (1.0 - weight) * t._m, None))


def _period_start(index: Any, period: str) -> Any:
    per_year = c.PERIODS[period]
    year = index // per_year
    month = (index % per_year) * (12 // per_year) + 1
    return ibis.date(year.cast("int32"), month.cast("int32"), ibis.literal(1, "int32"))


def _with_p_values(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Fill ``p_change_prev``/``p_change_yoy`` (exact tests, numpy) and drop their inputs."""
    cols = dict(zip(batch.schema.names, batch.columns, strict=True))
    k = cols["numerator"].to_numpy(zero_copy_only=False).astype(np.int64)
    pop = _floats(cols["denominator"])
    for name in ("prev", "yoy"):
        k0 = _floats(cols.pop(f"_k_{name}"))
        p0 = _floats(cols.pop(f"_e_{name}"))
        test = np.isfinite(k0) & np.isfinite(p0) & np.isfinite(pop)
        pvals = np.full(len(k), np.nan)
        if test.any():
            pvals[test] = stats.rate_change_test(
                k[test], pop[test], k0[test].astype(np.int64), p0[test]
            )
        cols[f"p_change_{name}"] = pa.array(pvals, from_pandas=True)
    return pa.RecordBatch.from_arrays([cols[name] for name in COLUMNS], names=COLUMNS)


def _floats(column: pa.Array) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)


def store_table(con: Any, writer: Any, request: Plan, run_id: str) -> tuple[int, int]:
    """Compute ``request`` on ``con`` and write it into the ``indicators`` table of ``writer``.

    ``writer`` is a DuckDB connection to the warehouse (a cursor of ``con``'s database when
    the engine is the warehouse). One transaction: the rows of the same indicators, period
    type and levels go, and one ``INSERT`` pulls the new ones from the Arrow stream (DuckDB
    writes large inserts straight to disk; row-by-batch inserts kept them in memory until the
    commit). Returns (rows, rows without population).
    """
    tally = {"rows": 0, "missing": 0}

    def counted(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            tally["rows"] += batch.num_rows
            tally["missing"] += batch.column("denominator").null_count
            yield batch

    writer.execute("BEGIN TRANSACTION")
    try:
        writer.execute(
            "DELETE FROM indicators WHERE period_type = ? AND list_contains(?, indicator_id)"
            " AND list_contains(?, area_level)",
            [request.period, [i.id for i in request.indicators], list(request.levels)],
        )
        with table_batches(con, request) as batches:
            first = next(batches, None)
            if first is not None:
                stream = pa.RecordBatchReader.from_batches(
                    first.schema, counted(itertools.chain([first], batches))
                )
                writer.register("_barrio_stream", stream)
                writer.execute("INSERT INTO indicators SELECT *, ? FROM _barrio_stream", [run_id])
                writer.unregister("_barrio_stream")
        writer.execute("COMMIT")
    except Exception:
        writer.execute("ROLLBACK")
        raise
    return tally["rows"], tally["missing"]
