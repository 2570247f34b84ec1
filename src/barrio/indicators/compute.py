"""Compute the tidy indicator table on any Ibis backend (DuckDB, PostgreSQL, Spark).

The engine does the heavy part (the count cube over every record, the roll-up, the joins with
population segments and earlier periods, see :mod:`barrio.indicators.cube`); numpy then adds
what SQL cannot do exactly (Poisson intervals, exact tests, empirical-Bayes smoothing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
    """Segments of every denominator the indicators need (see population.py)."""
    pop = con.table("population").select("area_id", "year", "sex", "age_group", "population")
    pop_df = pop.to_pandas()
    columns = ["den_key", "area_id", "sex", "age_group", "t_from", "t_to"]
    columns += ["k_from", "k_to", "p_from", "p_to", "n_knots"]
    if pop_df.empty:
        return pd.DataFrame({col: pd.Series(dtype=_SEGMENT_TYPES[col]) for col in columns})
    areas = con.table("areas").select("area_id", "parent_id").to_pandas()
    full = roll_up(with_margins(pop_df), areas)
    parts = []
    for key, ind in {c.denominator_key(i): i for i in indicators}.items():
        den = ind.denominator
        table = denominator_table(full, den.sex, den.age_min, den.age_max)
        table = table.groupby(["area_id", "year", "sex", "age_group"], as_index=False).agg(
            population=("population", "sum")
        )
        parts.append(segments(table).assign(den_key=key))
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.astype({col: _SEGMENT_TYPES[col] for col in columns})


_SEGMENT_TYPES = {
    "den_key": "string",
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
    """The tidy indicator table (columns :data:`COLUMNS`) computed on backend ``con``."""
    if period not in c.PERIODS:
        raise InputError(
            _("unknown period {period}", period=period),
            hint=_("Use month, quarter or year."),
        )
    by_dims = tuple(by or ())
    source = _choose_source(con, source, period)
    usable = [i for i in indicators if source == "incidents" or not i.numerator.tags]
    if not usable:
        return pd.DataFrame(columns=COLUMNS)
    inds = tuple(usable)
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
    seg_df = population_segments(con, inds)
    groups = age_groups(seg_df["age_group"].unique().tolist())
    base = (
        c.base_incidents(con, period, groups)
        if source == "incidents"
        else c.base_counts(con, period)
    ).cache()
    try:
        return _assemble(
            con, base, source, seg_df, inds, period, chosen, by_dims, smooth, confidence
        )
    finally:
        base.release()


def _assemble(
    con: Any,
    base: Any,
    source: str,
    seg_df: pd.DataFrame,
    inds: tuple[Indicator, ...],
    period: str,
    levels: tuple[str, ...],
    by: tuple[str, ...],
    smooth: bool,
    confidence: float,
) -> pd.DataFrame:
    bounds = base.aggregate(lo=base.period_index.min(), hi=base.period_index.max()).to_pandas()
    if bounds.empty or pd.isna(bounds.at[0, "lo"]):
        return pd.DataFrame(columns=COLUMNS)
    first, last = int(bounds.at[0, "lo"]), int(bounds.at[0, "hi"])
    areas = con.table("areas").select("area_id", "level").to_pandas()
    areas = areas[areas["level"].isin(levels)]
    frame = _frame(inds, areas, first, last)
    stacked = c.by_indicator(base, inds, published=source == "counts")
    counted = c.disaggregated(c.rolled_up(con, stacked, levels), by)
    counted = c.zero_filled(con, counted, c.upload(con, "_barrio_frame", frame))
    segs = c.upload(con, "_barrio_segments", seg_df)
    # materialised once: the comparisons join this table with itself twice
    rated = c.with_denominators(counted, segs, period).cache()
    try:
        # Arrow, then pandas: much faster than Ibis' own to_pandas on millions of rows
        df = c.with_comparisons(rated, period, first).to_pyarrow().to_pandas()
    finally:
        rated.release()
    out = finish(df, inds, period, smooth, confidence)
    out["source"] = source
    return out


def _frame(inds: tuple[Indicator, ...], areas: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    idx = np.arange(first, last + 1, dtype=np.int64)
    n_areas, n_per = len(areas), len(idx)
    frames = []
    for ind in inds:
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": ind.id,
                    "den_key": c.denominator_key(ind),
                    "area_id": np.repeat(areas["area_id"].to_numpy(), n_per),
                    "area_level": np.repeat(areas["level"].to_numpy(), n_per),
                    "period_index": np.tile(idx, n_areas),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"indicator_id": "string", "den_key": "string", "area_id": "string"})


def finish(
    df: pd.DataFrame,
    inds: tuple[Indicator, ...],
    period: str,
    smooth: bool,
    confidence: float,
) -> pd.DataFrame:
    """Rates, intervals, flags, changes and tests on the engine's rows (vectorised)."""
    mult = df["indicator_id"].map({i.id: i.multiplier for i in inds}).astype(float).to_numpy()
    k = df["numerator"].to_numpy(dtype=np.int64)
    pop = df["denominator"].to_numpy(dtype=float, na_value=np.nan)
    has_pop = np.isfinite(pop) & (pop > 0)
    safe = np.where(has_pop, pop, 1.0)
    value = np.where(has_pop, k / safe * mult, np.nan)
    lo, hi = stats.poisson_interval(k, confidence)
    small, unstable = stats.reliability_flags(k)
    out = pd.DataFrame(
        {
            "indicator_id": df["indicator_id"].astype(str),
            "area_id": df["area_id"].astype(str),
            "area_level": df["area_level"].astype(str),
            "period_type": period,
            "period_start": _period_starts(df["period_index"].to_numpy(dtype=np.int64), period),
            "sex": df["sex"].astype(str),
            "age_group": df["age_group"].astype(str),
            "numerator": k,
            "denominator": np.where(has_pop, pop, np.nan),
            "value": value,
            "lower": np.where(has_pop, lo / safe * mult, np.nan),
            "upper": np.where(has_pop, hi / safe * mult, np.nan),
            "multiplier": mult.astype(np.int64),
            "flag_small": small,
            "flag_unstable": unstable,
            "population_method": df["population_method"],
        }
    )
    for name in ("prev", "yoy"):
        k0 = df[f"{name}_numerator"].to_numpy(dtype=float, na_value=np.nan)
        p0 = df[f"{name}_denominator"].to_numpy(dtype=float, na_value=np.nan)
        ok0 = np.isfinite(k0) & np.isfinite(p0) & (p0 > 0)
        v0 = np.where(ok0, np.nan_to_num(k0) / np.where(ok0, p0, 1.0) * mult, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(ok0 & (v0 > 0) & has_pop, (value / v0 - 1.0) * 100.0, np.nan)
        test = ok0 & has_pop
        pvals = np.full(len(df), np.nan)
        if test.any():
            pvals[test] = stats.rate_change_test(
                k[test], pop[test], k0[test].astype(np.int64), p0[test]
            )
        out[f"{name}_value"] = v0
        out[f"change_{name}_pct"] = change
        out[f"p_change_{name}"] = pvals
    out["value_eb"] = np.nan
    if smooth:
        keys = out[["indicator_id", "area_level", "period_start", "sex", "age_group"]]
        groups = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
        out["value_eb"] = stats.empirical_bayes(k, pop, groups) * mult
    out["source"] = ""
    order = ["indicator_id", "area_level", "area_id", "period_start", "sex", "age_group"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)[COLUMNS]


def _period_starts(index: np.ndarray, period: str) -> np.ndarray:
    per_year = c.PERIODS[period]
    year, sub = np.divmod(index, per_year)
    month = sub * (12 // per_year) + 1
    months = (year - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[ns]")
