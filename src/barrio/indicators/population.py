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
    keys = ["year", "sex", "age_group"]
    for _round in range(32):  # deeper hierarchies than this do not exist
        child = known[known["area_id"].isin(parent.index)].copy()
        child["area_id"] = child["area_id"].map(parent)
        summed = child.groupby(["area_id", *keys], as_index=False).agg(
            population=("population", "sum")
        )
        have = known.set_index(["area_id", *keys]).index
        new = summed[~summed.set_index(["area_id", *keys]).index.isin(have)]
        if new.empty:
            break
        known = pd.concat([known, new], ignore_index=True)
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
    pop = population.sort_values([*keys, "year"])
    pop = pop.assign(k=pop["year"].astype(float) + 0.5, p=pop["population"].astype(float))
    group = pop.groupby(keys, sort=False, observed=True)
    pop["n_knots"] = group["k"].transform("size")
    pop["pos"] = group.cumcount()
    nxt = group[["k", "p"]].shift(-1)
    prv = group[["k", "p"]].shift(1)
    # interior and right-end pieces: from each knot to the next one (last: to +inf)
    piece = pop.assign(
        t_from=pop["k"],
        t_to=nxt["k"].fillna(OPEN_END),
        k_from=np.where(nxt["k"].notna(), pop["k"], prv["k"]),
        k_to=np.where(nxt["k"].notna(), nxt["k"], pop["k"]),
        p_from=np.where(nxt["k"].notna(), pop["p"], prv["p"]),
        p_to=np.where(nxt["k"].notna(), nxt["p"], pop["p"]),
    )
    # left end: from -inf to the first knot, on the line through the first two knots
    first = pop[pop["pos"] == 0]
    nxt_first = nxt.loc[first.index]
    left = first.assign(
        t_from=-OPEN_END,
        t_to=first["k"],
        k_from=first["k"],
        k_to=nxt_first["k"].fillna(first["k"]),
        p_from=first["p"],
        p_to=nxt_first["p"].fillna(first["p"]),
    )
    out = pd.concat([left, piece], ignore_index=True)
    single = out["n_knots"] == 1
    for col, src in (("k_from", "k"), ("k_to", "k"), ("p_from", "p"), ("p_to", "p")):
        out.loc[single, col] = out.loc[single, src]
    cols = [*keys, "t_from", "t_to", "k_from", "k_to", "p_from", "p_to", "n_knots"]
    return out[cols].reset_index(drop=True)
