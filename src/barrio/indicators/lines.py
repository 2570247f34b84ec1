"""Population lines: the known figures of every denominator, and their value in any period.

The rules are in :mod:`barrio.indicators.population`: the ``population`` table is completed
(duplicates summed, margins, roll-up to ancestor areas) and restricted to each denominator as a
dense :class:`~barrio.indicators.population.PopulationTable`. Here each denominator becomes
:class:`Lines`: one *series* per (denominator, area, sex, age group) with a figure, its known
years as *knots* (time ``year + 0.5``, mid-year) in CSR layout, so that a block of areas is a
slice and no piece table is ever joined.

:func:`population_grid` reads the lines at each period's midpoint t. With knots
k_0 < … < k_{m-1}, t uses the line through knots i and i + 1 where k_i ≤ t < k_{i+1}, through
the first two before k_0 and through the last two from k_{m-1} on; the value is
max(p_from + slope · (t − k_from), 0) (a population is never negative). Method codes
(:data:`barrio.indicators.cells.METHODS`): 0 constant (one knot: its figure), 1 exact (t is a
knot of the line used), 2 extrapolated (t outside the line's knots), 3 interpolated.

Numba is imported here; import this module lazily (``import barrio`` stays light).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from barrio.indicators import cube
from barrio.indicators.catalog import Denominator, Indicator
from barrio.indicators.cells import SEXES
from barrio.indicators.population import (
    PopulationTable,
    add_margins,
    denominator_of,
    population_table,
    roll_up_table,
)


@dataclass
class Lines:
    """Known population figures of every denominator, one series per
    (denominator, area, sex, age group), as knots in CSR layout."""

    den: np.ndarray
    """int64, per series: denominator code (:func:`barrio.indicators.cube.denominator_codes`)."""
    area: np.ndarray
    """int64, per series: global area code (``area_code[area_id]``)."""
    sex: np.ndarray
    """int64, per series: code in ``cells.SEXES`` = ("F", "M", "unknown", "total")."""
    age: np.ndarray
    """int64, per series: position of the label in ``ages``."""
    start: np.ndarray
    """int64, len(series) + 1: the knots of series i are ``start[i]:start[i + 1]``."""
    k: np.ndarray
    """float64 knot times, year + 0.5, increasing within a series."""
    p: np.ndarray
    """float64 population at each knot."""

    def __len__(self) -> int:
        return len(self.den)

    def take(self, index: np.ndarray | slice) -> Lines:
        """The series ``index`` (positions or a slice of step 1), knots re-packed."""
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError(f"slice step {step}; expected 1")
            stop = max(stop, first)
            lo, hi = self.start[first], self.start[stop]
            return Lines(
                self.den[first:stop],
                self.area[first:stop],
                self.sex[first:stop],
                self.age[first:stop],
                self.start[first : stop + 1] - lo,
                self.k[lo:hi],
                self.p[lo:hi],
            )
        index = np.asarray(index, dtype=np.int64)
        sizes = self.start[index + 1] - self.start[index]
        start = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(sizes, out=start[1:])
        knots = np.repeat(self.start[index] - start[:-1], sizes) + np.arange(start[-1])
        return Lines(
            self.den[index],
            self.area[index],
            self.sex[index],
            self.age[index],
            start,
            self.k[knots],
            self.p[knots],
        )


def population_lines(
    pop_df: pd.DataFrame,
    hierarchy: pd.DataFrame,
    indicators: tuple[Indicator, ...],
    area_code: pd.Series,
    ages: tuple[str, ...],
) -> Lines:
    """The lines of every denominator ``indicators`` need, sorted by (den, area, sex, age).

    ``pop_df`` (area_id, year, sex, age_group, population) and ``hierarchy`` (area_id,
    parent_id) as :func:`barrio.indicators.compute.population_inputs` reads them;
    ``area_code`` maps area ids to global codes; ``ages`` are the grid's age labels (groups,
    ``unknown``, ``total``). Series whose sex or age group has no grid code are left out (they
    still count in the margins and totals), as are areas without a code. Raises
    :class:`~barrio.errors.InputError` when an indicator's age range holds no age group.

    >>> from barrio.indicators.catalog import load_catalog
    >>> ind = next(iter(load_catalog().values()))
    >>> pop = pd.DataFrame({"area_id": ["a", "a"], "year": [2020, 2025], "sex": ["F", "M"],
    ...                     "age_group": ["total", "total"], "population": [100, 120]})
    >>> tree = pd.DataFrame({"area_id": ["a"], "parent_id": [None]})
    >>> lines = population_lines(pop, tree, (ind,), pd.Series([0], index=["a"]), ("total",))
    >>> lines.sex.tolist(), lines.start.tolist(), lines.k.tolist()
    ([0, 1], [0, 1, 2], [2020.5, 2025.5])
    """
    if pop_df.empty:
        return _empty()
    full = roll_up_table(add_margins(population_table(pop_df, hierarchy, area_code)))
    codes = cube.denominator_codes(indicators)
    chosen = {cube.denominator_key(ind): ind for ind in indicators}
    dens = [(codes[key], chosen[key].denominator) for key in sorted(chosen, key=codes.__getitem__)]

    def table_of(den: Denominator) -> PopulationTable:
        return denominator_of(full, den.sex, den.age_min, den.age_max)

    # two passes, one denominator's table at a time: count, then write straight into the
    # output (no concatenation of per-denominator pieces)
    sizes = [_sizes(_grid_order(table_of(den), ages)[0]) for _code, den in dens]
    out = _allocated(sum(n for n, _k in sizes), sum(k for _n, k in sizes))
    series = knots = 0
    for (code, den), (n, k) in zip(dens, sizes, strict=True):
        _write(out, series, knots, code, table_of(den), ages)
        series, knots = series + n, knots + k
    return out


def _grid_order(
    table: PopulationTable, ages: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A denominator's values as a contiguous (area, sex, age, year) array, the knots of each
    series contiguous and in year order, sexes and ages in grid code order (labels without a
    grid code left out); and the grid codes of its sexes and ages."""
    sex_at = {label: i for i, label in enumerate(table.sexes)}
    age_at = {label: i for i, label in enumerate(table.ages)}
    sex_code = [code for code, label in enumerate(SEXES) if label in sex_at]
    age_code = [code for code, label in enumerate(ages) if label in age_at]
    values = table.values[:, :, [sex_at[SEXES[c]] for c in sex_code], :]
    values = values[:, :, :, [age_at[ages[c]] for c in age_code]]
    values = np.ascontiguousarray(values.transpose(0, 2, 3, 1))
    return values, np.asarray(sex_code, dtype=np.int64), np.asarray(age_code, dtype=np.int64)


def _sizes(values: np.ndarray) -> tuple[int, int]:
    """Series and knots of a denominator (values as :func:`_grid_order` gives them)."""
    known = ~np.isnan(values)
    return int(known.any(axis=3).sum()), int(known.sum())


def _allocated(n_series: int, n_knots: int) -> Lines:
    ints = [np.empty(n_series, dtype=np.int64) for _ in range(4)]
    start = np.empty(n_series + 1, dtype=np.int64)
    start[0] = 0
    den, area, sex, age = ints
    return Lines(den, area, sex, age, start, np.empty(n_knots), np.empty(n_knots))


def _write(
    out: Lines, series: int, knots: int, den: int, table: PopulationTable, ages: tuple[str, ...]
) -> None:
    """Write a denominator's series from position ``series`` and knots from ``knots`` on."""
    values, sex_code, age_code = _grid_order(table, ages)
    known = ~np.isnan(values)
    sizes = known.sum(axis=3)
    has = sizes > 0
    n = int(has.sum())
    rows = slice(series, series + n)
    out.den[rows] = den
    # each series' area, sex and age: the codes along one axis, broadcast over the others
    for axis, (target, codes) in enumerate(
        ((out.area, table.area), (out.sex, sex_code), (out.age, age_code))
    ):
        view = np.expand_dims(codes, [a for a in range(3) if a != axis])
        target[rows] = np.broadcast_to(view, has.shape)[has]
    ends = out.start[series + 1 : series + n + 1]
    np.cumsum(sizes[has], out=ends)
    ends += knots
    flat = known.reshape(-1)
    at = slice(knots, int(ends[-1]) if n else knots)
    np.compress(flat, values.reshape(-1), out=out.p[at])
    values[...] = table.years + 0.5  # the time of every cell (the array is ours to reuse)
    np.compress(flat, values.reshape(-1), out=out.k[at])


def _empty() -> Lines:
    return _allocated(0, 0)


def level_lines(lines: Lines, own: np.ndarray) -> tuple[Lines, np.ndarray]:
    """The series of one level's areas and their local codes, sorted by (den, local code).

    ``own`` gives the level's local code of every global area code (-1: not of the level), as
    :attr:`barrio.indicators.cells.Level.own`.
    """
    local = own[lines.area]
    keep = np.flatnonzero(local >= 0)
    mine, local = lines.take(keep), local[keep]
    order = np.lexsort((local, mine.den))  # stable: sex and age order kept within an area
    if (order != np.arange(len(order))).any():
        mine, local = mine.take(order), local[order]
    return mine, local


def block_lines(
    lines: Lines, local: np.ndarray, den: int, first_area: int, n_areas: int
) -> tuple[Lines, np.ndarray]:
    """The series of denominator ``den`` for local areas ``first_area`` … ``+ n_areas − 1`` and
    their positions in that block (``lines``, ``local`` as :func:`level_lines` returns them)."""
    lo, hi = np.searchsorted(lines.den, den, "left"), np.searchsorted(lines.den, den, "right")
    a_lo = lo + np.searchsorted(local[lo:hi], first_area, "left")
    a_hi = lo + np.searchsorted(local[lo:hi], first_area + n_areas, "left")
    return lines.take(slice(a_lo, a_hi)), local[a_lo:a_hi] - first_area


def population_grid(
    lines: Lines, area: np.ndarray, n_areas: int, mids: np.ndarray, sexes: int, n_ages: int
) -> tuple[np.ndarray, np.ndarray]:
    """Population and method code of every (area, period, sex, age) of a block of areas.

    ``lines`` holds the series of one denominator, ``area`` each series' position in the
    block (0 … n_areas − 1), ``mids`` the periods' midpoints in fractional years
    (:attr:`barrio.indicators.cells.Grid.midpoints`). Returns arrays of shape (n_areas,
    periods, sexes, n_ages): float64 values (NaN: no series) and int8 method codes (-1: none).

    >>> lines = Lines(*(np.zeros(1, dtype=np.int64),) * 4, np.array([0, 2]),
    ...               np.array([2020.5, 2021.5]), np.array([100.0, 110.0]))
    >>> values, methods = population_grid(lines, np.zeros(1, dtype=np.int64), 1,
    ...                                   np.array([2020.0, 2020.5, 2021.0, 2022.0]), 1, 1)
    >>> values.ravel().tolist(), methods.ravel().tolist()
    ([95.0, 100.0, 105.0, 115.0], [2, 1, 3, 2])
    """
    shape = (n_areas, len(mids), sexes, n_ages)
    values = np.full(shape, np.nan)
    methods = np.full(shape, -1, dtype=np.int8)
    if len(lines):
        fill_lines(
            values.reshape(-1),
            methods.reshape(-1),
            np.asarray(area, dtype=np.int64),
            lines.sex,
            lines.age,
            lines.start,
            lines.k,
            lines.p,
            np.asarray(mids, dtype=np.float64),
            sexes,
            n_ages,
        )
    return values, methods


@njit(cache=True, nogil=True)
def fill_lines(
    values: np.ndarray,
    methods: np.ndarray,
    area: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    start: np.ndarray,
    k: np.ndarray,
    p: np.ndarray,
    mids: np.ndarray,
    sexes: int,
    n_ages: int,
) -> Any:  # pragma: no cover - compiled
    """Write every series' value and method at each midpoint into the flat (area, period,
    sex, age) arrays ``values`` and ``methods`` (see the module for the rules).

    ``mids`` must be increasing: one pass walks each series' knots alongside the periods.
    """
    periods = mids.shape[0]
    stride = sexes * n_ages
    for i in range(area.shape[0]):
        first = start[i]
        last = start[i + 1] - 1
        f = (area[i] * periods * sexes + sex[i]) * n_ages + age[i]
        if last == first:
            for period in range(periods):
                values[f] = max(p[first] + 0.0 * (mids[period] - k[first]), 0.0)
                methods[f] = 0
                f += stride
            continue
        period = 0
        for a in range(first, last):  # the line through knots a and a + 1
            ka, kb, pa = k[a], k[a + 1], p[a]
            slope = (p[a + 1] - pa) / (kb - ka)
            # up to the next knot; the last line also beyond it
            while period < periods and (a == last - 1 or mids[period] < kb):
                t = mids[period]
                values[f] = max(pa + slope * (t - ka), 0.0)
                if t == ka or t == kb:  # noqa: SIM109 - Numba code: plain comparisons
                    methods[f] = 1
                elif t < ka or t > kb:
                    methods[f] = 2
                else:
                    methods[f] = 3
                period += 1
                f += stride
