"""Denominators: population by area, sex and age group for any period.

Census and projection figures are given for some years. Each year's figure is taken as the
mid-year population (time ``year + 0.5``); a period's population is the value at the period's
midpoint on the straight line between the two nearest known years (``interpolated``), on the
line through the two nearest years when the period lies outside them (``extrapolated``, never
below zero), the figure itself in a known year (``exact``) and the only figure when an area has
one year (``constant``). Annual rates therefore use each year's own figure, as SESNSP and
CONAPO-based official rates do.

This module is pure pandas: it turns the ``population`` table into *segments* (one straight
line per area × sex × age group × interval between known years), which the engine joins to the
count cube with an equality join and a range filter, so the population of 60 months × 50,000
areas is never materialised in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from barrio.errors import InputError
from barrio.i18n import _

TOTAL = "total"
UNKNOWN = "unknown"
OPEN_END = 1e9
"""Stands for ±infinity at the open ends of the first and last segments (portable to every SQL
engine, unlike IEEE infinities)."""

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-|–|a|to)\s*(\d+)\s*(?:años|years)?\s*$", re.IGNORECASE)
_OPEN = re.compile(r"^\s*(\d+)\s*(?:\+|y más|y mas|or more|and over|plus)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class AgeGroup:
    """A population age group: its label and inclusive bounds (``upper`` None = open)."""

    label: str
    lower: int
    upper: int | None

    def within(self, low: int | None, high: int | None) -> bool:
        """Whether the whole group lies inside [low, high] (None = unbounded)."""
        if low is not None and self.lower < low:
            return False
        if high is None:
            return True
        return self.upper is not None and self.upper <= high


def parse_age_group(label: str) -> AgeGroup | None:
    """``"15-29"`` → 15..29, ``"65+"`` → 65..open; other labels (``total``) → None."""
    text = str(label)
    if m := _RANGE.match(text):
        return AgeGroup(text, int(m.group(1)), int(m.group(2)))
    if m := _OPEN.match(text):
        return AgeGroup(text, int(m.group(1)), None)
    return None


def age_groups(labels: list[str]) -> list[AgeGroup]:
    """The parseable age groups among ``labels``, ordered by lower bound."""
    groups = [g for g in (parse_age_group(x) for x in set(labels)) if g is not None]
    return sorted(groups, key=lambda g: g.lower)


def with_margins(population: pd.DataFrame) -> pd.DataFrame:
    """Complete the sex × age table of every area-year with its margins (``total`` rows).

    Margins are summed from the F/M × age-group cells when the area-year has cells; figures
    given only as totals are kept as given.
    """
    pop = population[["area_id", "year", "sex", "age_group", "population"]].copy()
    pop["sex"] = pop["sex"].astype(str)
    pop["age_group"] = pop["age_group"].astype(str)
    cells = pop[(pop["sex"] != TOTAL) & (pop["age_group"] != TOTAL)]
    keys = ["area_id", "year"]
    parts = [cells]
    for dims in (["sex"], ["age_group"], []):
        margin = cells.groupby(keys + dims, as_index=False, observed=True).agg(
            population=("population", "sum")
        )
        for dim in ("sex", "age_group"):
            if dim not in dims:
                margin[dim] = TOTAL
        parts.append(margin)
    derived = pd.concat(parts, ignore_index=True)
    given = pop[(pop["sex"] == TOTAL) | (pop["age_group"] == TOTAL)]
    have = derived.set_index(["area_id", "year", "sex", "age_group"]).index
    extra = given[~given.set_index(["area_id", "year", "sex", "age_group"]).index.isin(have)]
    out = pd.concat([derived, extra], ignore_index=True)
    return out.groupby(["area_id", "year", "sex", "age_group"], as_index=False).agg(
        population=("population", "sum")
    )


def roll_up(population: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Add the population of every ancestor area that has no figure of its own.

    An area's own figures win (official projections for a municipality, say); an area without
    figures for a year gets the sum of its children, level by level from the bottom.
    """
    parent = areas.set_index("area_id")["parent_id"].dropna()
    known = population.copy()
    frontier = known
    keys = ["area_id", "year", "sex", "age_group"]
    for _round in range(32):  # deeper hierarchies than this do not exist
        # only the rows added last round can give a parent a key it does not have yet (a key
        # first reaches a parent from the children that first had it)
        child = frontier[frontier["area_id"].isin(parent.index)].copy()
        child["area_id"] = child["area_id"].map(parent)
        summed = child.groupby(keys, as_index=False).agg(population=("population", "sum"))
        have = known[known["area_id"].isin(summed["area_id"].unique())]
        new = summed.merge(have[keys], on=keys, how="left", indicator=True)
        new = new[new["_merge"] == "left_only"].drop(columns="_merge")
        if new.empty:
            break
        known = pd.concat([known, new], ignore_index=True)
        frontier = new
    return known


def denominator_table(
    population: pd.DataFrame, sex: str, age_min: int | None, age_max: int | None
) -> pd.DataFrame:
    """Population of the indicator's denominator, for each (sex, age group) row of the table.

    A rate of homicides of women is per women: its ``total`` row uses the female population and
    its ``M`` row has no denominator. An age range keeps the age groups inside it.
    """
    pop = population
    restricted_age = age_min is not None or age_max is not None
    if restricted_age:
        inside = {
            g.label
            for g in age_groups(pop["age_group"].unique().tolist())
            if g.within(age_min, age_max)
        }
        if not inside:
            raise InputError(
                _(
                    "no population age group lies within {low}-{high}",
                    low=age_min,
                    high=age_max if age_max is not None else "",
                ),
                hint=_("Load population by age groups that fit the indicator's age range."),
            )
        cells = pop[pop["age_group"].isin(inside)]
        totals = cells.groupby(["area_id", "year", "sex"], as_index=False).agg(
            population=("population", "sum")
        )
        totals["age_group"] = TOTAL
        pop = pd.concat([cells, totals], ignore_index=True)
    if sex in ("F", "M"):
        own = pop[pop["sex"] == sex]
        as_total = own.assign(sex=TOTAL)
        pop = pd.concat([own, as_total], ignore_index=True)
    return pop


def segments(population: pd.DataFrame) -> pd.DataFrame:
    """Straight-line pieces of each area × sex × age-group population over time.

    Columns: area_id, sex, age_group, t_from, t_to (the piece applies for t_from ≤ t < t_to;
    ±OPEN_END at the open ends),
    k_from, k_to, p_from, p_to (the line through (k_from, p_from) and (k_to, p_to); k = year +
    0.5), n_knots. Periods are located by their midpoint t (fractional year).
    """
    keys = ["area_id", "sex", "age_group"]
    pop = population.sort_values([*keys, "year"], kind="stable").reset_index(drop=True)
    k = pop["year"].to_numpy(dtype=float) + 0.5
    p = pop["population"].to_numpy(dtype=float)
    # rows are sorted by key then year: a group starts where any key changes
    codes = [pd.factorize(pop[key])[0] for key in keys]
    starts = np.ones(len(pop), dtype=bool)
    for code in codes:
        starts[1:] &= code[1:] == code[:-1]
    starts = ~starts
    starts[0] = True
    first_row = np.flatnonzero(starts)
    sizes = np.diff(np.append(first_row, len(pop)))
    n_knots = np.repeat(sizes, sizes)
    last = np.append(starts[1:], True)  # the row before the next group's start
    k_next = np.where(last, np.nan, np.append(k[1:], np.nan))
    p_next = np.where(last, np.nan, np.append(p[1:], np.nan))
    k_prev = np.where(starts, np.nan, np.insert(k[:-1], 0, np.nan))
    p_prev = np.where(starts, np.nan, np.insert(p[:-1], 0, np.nan))
    has_next = ~last
    # interior and right-end pieces: from each knot to the next one (last: to +inf)
    piece = pd.DataFrame(
        {
            **{key: pop[key] for key in keys},
            "t_from": k,
            "t_to": np.where(has_next, k_next, OPEN_END),
            "k_from": np.where(has_next, k, k_prev),
            "k_to": np.where(has_next, k_next, k),
            "p_from": np.where(has_next, p, p_prev),
            "p_to": np.where(has_next, p_next, p),
            "n_knots": n_knots,
        }
    )
    # left end: from -inf to the first knot, on the line through the first two knots
    f = first_row
    left = pd.DataFrame(
        {
            **{key: pop[key].to_numpy()[f] for key in keys},
            "t_from": -OPEN_END,
            "t_to": k[f],
            "k_from": k[f],
            "k_to": np.where(has_next[f], k_next[f], k[f]),
            "p_from": p[f],
            "p_to": np.where(has_next[f], p_next[f], p[f]),
            "n_knots": sizes,
        }
    )
    out = pd.concat([left, piece], ignore_index=True)
    single = (out["n_knots"] == 1).to_numpy()
    if single.any():
        k_all = np.concatenate([k[f], k])
        p_all = np.concatenate([p[f], p])
        out.loc[single, "k_from"] = k_all[single]
        out.loc[single, "k_to"] = k_all[single]
        out.loc[single, "p_from"] = p_all[single]
        out.loc[single, "p_to"] = p_all[single]
    cols = [*keys, "t_from", "t_to", "k_from", "k_to", "p_from", "p_to", "n_knots"]
    return out[cols].reset_index(drop=True)
