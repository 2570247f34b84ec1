"""Denominators: population by area, sex and age group for any period.

Census and projection figures are given for some years. Each year's figure is taken as the
mid-year population (time ``year + 0.5``); a period's population is the value at the period's
midpoint on the straight line between the two nearest known years (``interpolated``), on the
line through the two nearest years when the period lies outside them (``extrapolated``, never
below zero), the figure itself in a known year (``exact``) and the only figure when an area has
one year (``constant``). Annual rates therefore use each year's own figure, as SESNSP and
CONAPO-based official rates do.

Before the lines are drawn (:mod:`barrio.indicators.lines`) the ``population`` table is
completed, in this order, as a dense :class:`PopulationTable` (area × year × sex × age group,
NaN = no figure), so that every step is an array operation:

1. **Duplicates** (same area, year, sex and age group) are summed.
2. **Margins** (:func:`add_margins`). The *cells* are the rows whose sex and age group are not
   ``total`` (unknown and unparseable labels included). Each margin — a sex across ages, an
   age group across sexes, the grand total — is the sum of the area-year's cells and exists
   where any cell exists; a ``total`` row given in the file is used only where no cell gives
   that margin (a file with totals only keeps them as given).
3. **Roll-up** (:func:`roll_up_table`). An area's own figure for a (year, sex, age group) wins
   (official projections for a municipality, say); an area without one gets the sum of its
   children's figures (their own or rolled up) when any child has one. Areas are done from the
   deepest level up, so a parent is filled only once all its children are final, whatever the
   depth of each branch. Areas deeper than :data:`MAX_LEVELS` or on a cycle of the hierarchy
   are left out of the roll-up.
4. **The denominator** of each indicator (:func:`denominator_of`). An age range keeps the
   age groups that lie within it, and their sum (for every sex) becomes the ``total`` age
   group; a rate of homicides of women is per women: ``F`` keeps the female rows and uses them
   as the sex ``total`` too (the ``M`` row has no denominator).

Rows whose area has no code (not in the ``areas`` table) are ignored from the start, as are rows
with a missing key (the schema requires every key); a missing figure counts as 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from barrio.errors import InputError
from barrio.i18n import _

TOTAL = "total"
UNKNOWN = "unknown"
MAX_LEVELS = 64
"""Deepest hierarchy the roll-up follows (a guard against cycles in the ``areas`` table)."""

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


@dataclass
class PopulationTable:
    """Known population figures as a dense array; NaN where there is no figure.

    ``values[i, y, s, a]`` is the population of area ``area[i]`` in year ``years[y]``, sex
    ``sexes[s]`` and age group ``ages[a]``. Both label lists end with ``total``.
    """

    values: np.ndarray
    """float64 (areas, years, sexes, ages)."""
    area: np.ndarray
    """int64 global area code of each area (increasing)."""
    parent: np.ndarray
    """int64 position of each area's parent in this table, -1 for none."""
    years: np.ndarray
    """int64, increasing."""
    sexes: tuple[str, ...]
    ages: tuple[str, ...]


def population_table(
    pop_df: pd.DataFrame, hierarchy: pd.DataFrame, area_code: pd.Series
) -> PopulationTable:
    """The ``population`` rows as a :class:`PopulationTable`, duplicates summed (step 1).

    ``pop_df`` has columns area_id, year, sex, age_group, population; ``hierarchy`` area_id,
    parent_id (null for a root); ``area_code`` maps area ids to integer codes. The table holds
    the areas with figures and all their ancestors, ordered by code.

    >>> pop = pd.DataFrame({"area_id": ["a", "a"], "year": [2020, 2020], "sex": ["F", "F"],
    ...                     "age_group": ["0-14", "0-14"], "population": [10, 5]})
    >>> tree = pd.DataFrame({"area_id": ["a", "r"], "parent_id": ["r", None]})
    >>> t = population_table(pop, tree, pd.Series([0, 1], index=["a", "r"]))
    >>> t.area.tolist(), t.sexes, t.ages, float(t.values[0, 0, 0, 0])
    ([0, 1], ('F', 'total'), ('0-14', 'total'), 15.0)
    """
    area, year, sex, age, figures, sexes, ages = _coded_rows(pop_df, area_code)
    used, parent, row = _areas(area, hierarchy, area_code)
    years = np.unique(year).astype(np.int64)
    shape = (len(used), len(years), len(sexes), len(ages))
    flat = row[area] * shape[1] + np.searchsorted(years, year)
    del area, year, row
    flat = (flat * shape[2] + sex) * shape[3] + age
    del sex, age
    size = int(np.prod(shape))
    values = np.bincount(flat, weights=np.nan_to_num(figures, nan=0.0, copy=False), minlength=size)
    present = np.zeros(size, dtype=bool)
    present[flat] = True
    values[~present] = np.nan
    return PopulationTable(values.reshape(shape), used, parent, years, sexes, ages)


def _coded_rows(
    pop_df: pd.DataFrame, area_code: pd.Series
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]
]:
    """Area, year, sex and age codes and figures of the rows with a coded area and every key,
    with the sex and age labels those rows use (``total`` last)."""
    area = _codes_of(pop_df["area_id"], area_code)
    year = pop_df["year"].to_numpy(dtype=np.float64, na_value=np.nan)
    sex, sexes = _labels(pop_df["sex"])
    age, ages = _labels(pop_df["age_group"])
    keep = (area >= 0) & ~np.isnan(year) & (sex >= 0) & (age >= 0)
    figures = pop_df["population"].to_numpy(dtype=np.float64, na_value=np.nan)
    if not keep.all():
        area, year, sex, age, figures = (x[keep] for x in (area, year, sex, age, figures))
        sex, sexes = _used(sex, sexes)
        age, ages = _used(age, ages)
    return area, year, sex, age, figures, sexes, ages


def _areas(
    area: np.ndarray, hierarchy: pd.DataFrame, area_code: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The codes of the areas with figures and of their ancestors (sorted), each one's parent
    position among them (-1: none), and the position of every code (-1: not used)."""
    n_codes = int(area_code.max()) + 1 if len(area_code) else 0
    parent_of = _parents(hierarchy, area_code, n_codes)
    used = _with_ancestors(area, parent_of)
    row = np.full(n_codes, -1, dtype=np.int64)
    row[used] = np.arange(len(used))
    up = parent_of[used]
    return used, np.where(up >= 0, row[np.maximum(up, 0)], -1), row


def _codes_of(ids: pd.Series, area_code: pd.Series) -> np.ndarray:
    """The integer code of each area id (-1: no code), looked up once per distinct id."""
    codes, uniques = pd.factorize(ids)
    where = pd.Index(area_code.index).get_indexer(uniques)
    found = np.where(where >= 0, area_code.to_numpy(dtype=np.int64)[np.maximum(where, 0)], -1)
    return np.where(codes >= 0, found[codes] if len(found) else -1, -1).astype(np.int64)


def _labels(column: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes of a label column (-1 when missing) and the labels, ``total`` last."""
    codes, uniques = pd.factorize(column)
    text = [str(x) for x in uniques]
    labels = sorted(set(text) - {TOTAL})
    labels.append(TOTAL)
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position[x] for x in text], dtype=np.int64)
    out = np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else -1, -1)
    return out.astype(np.int64), tuple(labels)


def _used(codes: np.ndarray, labels: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes and labels without the labels no code uses (``total`` stays last)."""
    used = np.bincount(codes, minlength=len(labels)) > 0
    used[-1] = True
    new = np.cumsum(used) - 1
    return new[codes], tuple(label for label, u in zip(labels, used, strict=True) if u)


def _parents(hierarchy: pd.DataFrame, area_code: pd.Series, n_codes: int) -> np.ndarray:
    """Parent code of every area code (-1: root or unknown parent)."""
    parent = np.full(n_codes, -1, dtype=np.int64)
    child = _codes_of(hierarchy["area_id"], area_code)
    up = _codes_of(hierarchy["parent_id"], area_code)
    ok = child >= 0
    parent[child[ok]] = up[ok]
    return parent


def _with_ancestors(area: np.ndarray, parent_of: np.ndarray) -> np.ndarray:
    """The distinct codes in ``area`` and all their ancestors, sorted."""
    used = np.zeros(len(parent_of), dtype=bool)
    frontier = np.unique(area)
    used[frontier] = True
    for _level in range(MAX_LEVELS):
        up = parent_of[frontier]
        up = np.unique(up[up >= 0])
        frontier = up[~used[up]]
        if not len(frontier):
            break
        used[frontier] = True
    return np.flatnonzero(used).astype(np.int64)


def add_margins(table: PopulationTable) -> PopulationTable:
    """Step 2: each area-year's margins from its cells; given totals only where none.

    >>> t = PopulationTable(np.array([[[[1.0, 2.0, 99.0], [3.0, np.nan, 5.0]]]]),
    ...                     np.array([0]), np.array([-1]), np.array([2020]),
    ...                     ("F", "total"), ("0-14", "15-29", "total"))
    >>> add_margins(t).values[0, 0].tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """
    v = table.values.copy()
    cells = v[:, :, :-1, :-1]
    has = ~np.isnan(cells)
    filled = np.where(has, cells, 0.0)
    any_by_sex = has.any(axis=3)
    any_by_age = has.any(axis=2)
    any_cell = any_by_sex.any(axis=2)
    v[:, :, :-1, -1] = np.where(any_by_sex, filled.sum(axis=3), v[:, :, :-1, -1])
    v[:, :, -1, :-1] = np.where(any_by_age, filled.sum(axis=2), v[:, :, -1, :-1])
    v[:, :, -1, -1] = np.where(any_cell, filled.sum(axis=(2, 3)), v[:, :, -1, -1])
    return replace(table, values=v)


def roll_up_table(table: PopulationTable) -> PopulationTable:
    """Step 3: fill each area's missing figures with the sum of its children's, bottom-up.

    >>> v = np.full((3, 1, 1, 1), np.nan)
    >>> v[1:, 0, 0, 0] = [4.0, 6.0]
    >>> t = PopulationTable(v, np.arange(3), np.array([-1, 0, 0]), np.array([2020]),
    ...                     ("total",), ("total",))
    >>> roll_up_table(t).values.ravel().tolist()
    [10.0, 4.0, 6.0]
    """
    depth, parent = _depths(table.parent)
    v = table.values.copy()
    n_areas = v.shape[0]
    size = int(np.prod(v.shape[1:]))
    flat = v.reshape(n_areas, size)
    for level in range(int(depth.max(initial=0)), 0, -1):
        child = np.flatnonzero((depth == level) & (parent >= 0))
        if not len(child):
            continue
        rows, inverse = np.unique(parent[child], return_inverse=True)
        given = flat[child]
        has = ~np.isnan(given)
        at = (inverse[:, None] * size + np.arange(size)).ravel()
        sums = np.bincount(
            at, weights=np.where(has, given, 0.0).ravel(), minlength=len(rows) * size
        )
        reached = np.zeros(len(rows) * size, dtype=bool)
        reached[at[has.ravel()]] = True
        own = flat[rows]
        fill = np.isnan(own) & reached.reshape(own.shape)
        own[fill] = sums.reshape(own.shape)[fill]
        flat[rows] = own
    return replace(table, values=v)


def _depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each area's depth below its root, and the parents the roll-up follows.

    Depths are found by following parents at most :data:`MAX_LEVELS` times; areas whose depth
    did not settle by then (on a cycle, or too deep) and the areas below them are cut off.
    """
    has = parent >= 0
    up = np.maximum(parent, 0)
    depth = np.zeros(len(parent), dtype=np.int64)
    for _level in range(MAX_LEVELS):
        deeper = np.where(has, depth[up] + 1, 0)
        if np.array_equal(deeper, depth):
            return depth, parent
        depth = deeper
    unsettled = depth >= MAX_LEVELS
    return np.where(unsettled, 0, depth), np.where(unsettled, -1, parent)


def denominator_of(
    table: PopulationTable, sex: str, age_min: int | None, age_max: int | None
) -> PopulationTable:
    """Step 4: the population an indicator's rate is per, with its own ``total`` rows.

    An age range keeps the age groups within it (:meth:`AgeGroup.within`) and sums them into
    the age ``total`` of every sex; ``F`` or ``M`` keeps that sex, also as the sex ``total``.
    Raises :class:`~barrio.errors.InputError` when no age group lies within the range.
    """
    v, sexes, ages = table.values, table.sexes, table.ages
    if age_min is not None or age_max is not None:
        inside = [
            i
            for i, label in enumerate(ages)
            if (group := parse_age_group(label)) is not None and group.within(age_min, age_max)
        ]
        if not inside:
            raise InputError(
                _(
                    "no population age group lies within {low}-{high}",
                    low=age_min,
                    high=age_max if age_max is not None else "",
                ),
                hint=_("Load population by age groups that fit the indicator's age range."),
            )
        kept = v[:, :, :, inside]
        has = ~np.isnan(kept)
        total = np.where(has.any(axis=3), np.where(has, kept, 0.0).sum(axis=3), np.nan)
        v = np.concatenate([kept, total[:, :, :, None]], axis=3)
        ages = (*(ages[i] for i in inside), TOTAL)
    if sex in ("F", "M"):
        chosen = [sexes.index(sex)] * 2 if sex in sexes else []
        v = v[:, :, chosen, :]
        sexes = (sex, TOTAL) if chosen else ()
    return replace(table, values=v, sexes=sexes, ages=ages)
