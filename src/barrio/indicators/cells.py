"""The count cube in numpy: dense arrays over area × period × sex × age-group cells.

The engine hands over the records already grouped and integer-coded (see
:func:`barrio.indicators.cube.coded_base`): area, period, sex and age-group codes, one bit per
indicator the group counts for, the count and the number of source rows. Everything after that
depends only on the size of the *result* (areas × periods × cells), whose shape is known in
advance, so it is done here with dense arrays instead of hash joins and window functions:

- the records of a block of areas go into a dense ``(area, period, sex, age group)`` array
  per indicator, each record also into its three margins (``total`` sex and/or age group):
  one compiled pass for all indicators (:func:`barrio.indicators.kernels.scatter`), or
  ``np.bincount`` and sums over axes for published counts, where a ``total`` row (as in SESNSP
  files) wins over the sum of its cells (:func:`cube_cells`); ancestors at coarser levels get
  the same records through the area hierarchy, so a district is exactly the sum of its
  neighborhoods;
- the previous period and the same period a year before are the same array shifted along the
  period axis (a cell absent then had no events);
- denominators come from the population lines (:mod:`barrio.indicators.lines`) evaluated
  once per block of areas and period.

Areas are processed in blocks small enough for the arrays to stay in cache-sized pieces
(:data:`BLOCK_CELLS`); memory does not grow with the number of areas.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from barrio.indicators.population import TOTAL, UNKNOWN

SEXES = ("F", "M", UNKNOWN, TOTAL)
"""Sex codes 0–3 (``total`` last)."""

METHODS = ("constant", "exact", "extrapolated", "interpolated")
"""Population method codes 0–3 (-1: no population)."""

BLOCK_CELLS = 1 << 20
"""Cells (areas × periods × sex × age groups) per block of areas (8 MB per float array)."""


@dataclass(frozen=True)
class Grid:
    """The cell layout shared by every level: periods and the sex × age codes."""

    first: int
    """Period index of the first period (``period_index`` as in :mod:`cube`)."""
    periods: int
    ages: tuple[str, ...]
    """Age-group labels; ``unknown`` then ``total`` last."""
    per_year: int

    @property
    def sexes(self) -> int:
        return len(SEXES)

    @property
    def cells(self) -> int:
        """Sex × age cells of one area and period."""
        return len(SEXES) * len(self.ages)

    @property
    def midpoints(self) -> np.ndarray:
        """Each period's midpoint in fractional years (where its population is read)."""
        index = np.arange(self.first, self.first + self.periods, dtype=np.int64)
        return index.astype(np.float64) / self.per_year + 0.5 / self.per_year


@dataclass
class Records:
    """Coded record groups (one row per area × period × sex × age × indicator set)."""

    area: np.ndarray
    """Global area code (position in the sorted area list)."""
    period: np.ndarray
    """Period relative to :attr:`Grid.first`."""
    sex: np.ndarray
    age: np.ndarray
    masks: np.ndarray
    """(rows, words) int64: bit ``i % 62`` of word ``i // 62`` is set when indicator ``i``
    counts the group."""
    n: np.ndarray
    rows: np.ndarray
    """Source rows in the group (published counts can be 0; presence is what matters)."""

    def __len__(self) -> int:
        return len(self.n)

    def take(self, index: np.ndarray | slice) -> Records:
        return Records(
            self.area[index],
            self.period[index],
            self.sex[index],
            self.age[index],
            self.masks[index],
            self.n[index],
            self.rows[index],
        )

    def counts_for(self, indicator: int) -> np.ndarray:
        """Boolean: the rows indicator ``indicator`` counts."""
        word, bit = divmod(indicator, 62)
        return (self.masks[:, word] >> np.int64(bit)) & 1 == 1


@dataclass
class Level:
    """The areas of one level and how the records reach them."""

    name: str
    area_ids: np.ndarray
    """Area ids of the level (the position is the level's local code)."""
    ancestor: np.ndarray
    """For each global area code, the local code of its ancestor at this level (-1: none)."""
    own: np.ndarray
    """For each global area code, its own local code when it is of this level (-1: not)."""
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Further (global area, local code) pairs where an area has two ancestors at this level."""


def level_records(records: Records, level: Level) -> tuple[np.ndarray, Records]:
    """The records each area of ``level`` counts: (ancestor local codes, records).

    Records without an ancestor at the level stay, with code -1 (skipped later: see
    :func:`blocks`), so that no copy is made unless an area has two ancestors at the level.
    """
    local, taken = level.ancestor[records.area], records
    if not level.extra.empty:
        more = level.extra
        src = more["area"].to_numpy()
        order = np.argsort(src, kind="stable")
        src, dst = src[order], more["local"].to_numpy()[order]
        lo = np.searchsorted(src, records.area, "left")
        hi = np.searchsorted(src, records.area, "right")
        reps = hi - lo
        rows = np.repeat(np.arange(len(records)), reps)
        offset = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
        local = np.concatenate([local, dst[lo[rows] + offset]])
        taken = _concat(taken, records.take(rows))
    return local, taken


def _concat(a: Records, b: Records) -> Records:
    return Records(
        *[np.concatenate([getattr(a, k), getattr(b, k)]) for k in Records.__dataclass_fields__]
    )


def block_size(grid: Grid, n_areas: int, whole: bool = False) -> int:
    """Areas per block (all of them when ``whole``: empirical Bayes pools every area)."""
    if whole:
        return max(1, n_areas)
    return max(1, BLOCK_CELLS // (grid.periods * grid.cells))


SCAN_BLOCKS = 16
"""Up to this many blocks, unsorted records are scanned once per block instead of sorted."""


def blocks(
    local: np.ndarray, records: Records, n_areas: int, size: int
) -> Iterator[tuple[int, int, np.ndarray, Records]]:
    """(first area, areas, local codes, records) of each block of ``size`` areas.

    The local codes stay the level's (a block's areas are ``first`` to ``first + areas - 1``),
    and the rows handed over may include others (code -1 or outside the block), which the
    consumers skip: this avoids copying ten million records per level. Records sorted by area
    (the engine returns them so; at the finest level their local codes rise) give each block
    a slice; a few blocks of unsorted records (coarse levels) get all rows; many blocks of
    unsorted records are sorted by block once (one copy).
    """
    n_blocks = -(-n_areas // size) if n_areas else 0
    if n_blocks == 0:
        return
    from barrio.indicators.kernels import rising_bounds

    bounds = rising_bounds(local, size, n_blocks)
    if len(bounds):
        for b in range(n_blocks):
            rows = slice(bounds[b], bounds[b + 1])
            first = b * size
            yield first, min(size, n_areas - first), local[rows], records.take(rows)
        return
    if n_blocks <= SCAN_BLOCKS:
        for b in range(n_blocks):
            first = b * size
            yield first, min(size, n_areas - first), local, records
        return
    block = np.where(local >= 0, local // size, n_blocks)
    order = np.argsort(block.astype(np.uint16 if n_blocks < 1 << 16 else np.int64), kind="stable")
    bounds = np.searchsorted(block[order], np.arange(n_blocks + 1))
    del block
    local, records = local[order], records.take(order)  # one copy; blocks are slices of it
    for b in range(n_blocks):
        rows = slice(bounds[b], bounds[b + 1])
        first = b * size
        yield first, min(size, n_areas - first), local[rows], records.take(rows)


def cube_cells(
    records: Records,
    local: np.ndarray,
    first_area: int,
    n_areas: int,
    grid: Grid,
    indicator: int,
    by: tuple[str, ...],
    published: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(numerators, exists) of every cell of one indicator on a block of areas.

    ``numerators`` is a dense float array (area, period, sex, age) with the margins filled in;
    ``exists`` marks the rows the table has: every cell with records, margins of the requested
    disaggregations, and the total of every area and period (zeros included). ``local`` holds
    the level's codes; rows outside the block's areas are skipped (see :func:`blocks`).
    """
    local = local - first_area
    take = records.counts_for(indicator) & (local >= 0) & (local < n_areas)
    n_ages = len(grid.ages)
    s_tot, g_tot = grid.sexes - 1, n_ages - 1
    size = n_areas * grid.periods * grid.cells
    shape = (n_areas, grid.periods, grid.sexes, n_ages)
    at = (local[take] * grid.periods + records.period[take]) * grid.sexes
    sex, age, n = records.sex[take], records.age[take], records.n[take]
    if not published:
        # records never carry ``total`` codes: each one adds to its cell and the three margins
        flat = np.concatenate(
            [
                (at + sex) * n_ages + age,
                (at + sex) * n_ages + g_tot,
                (at + s_tot) * n_ages + age,
                (at + s_tot) * n_ages + g_tot,
            ]
        )
        x = np.bincount(flat, weights=np.tile(n, 4), minlength=size).reshape(shape)
        exists = x > 0
    else:
        flat = (at + sex) * n_ages + age
        x = np.bincount(flat, weights=n, minlength=size).reshape(shape)
        rows = np.bincount(flat, weights=records.rows[take], minlength=size).reshape(shape)
        present = rows > 0
        cells = x[:, :, :s_tot, :g_tot]
        sex_explicit, age_explicit = present[:, :, :s_tot, g_tot], present[:, :, s_tot, :g_tot]
        all_explicit = present[:, :, s_tot, g_tot]
        sex_margin = np.where(sex_explicit, x[:, :, :s_tot, g_tot], cells.sum(axis=3))
        age_margin = np.where(age_explicit, x[:, :, s_tot, :g_tot], cells.sum(axis=2))
        grand = np.where(all_explicit, x[:, :, s_tot, g_tot], cells.sum(axis=(2, 3)))
        exists = present.copy()
        exists[:, :, :s_tot, g_tot] = present[:, :, :s_tot, :].any(axis=3)
        exists[:, :, s_tot, :g_tot] = present[:, :, :, :g_tot].any(axis=2)
        x[:, :, :s_tot, g_tot] = sex_margin
        x[:, :, s_tot, :g_tot] = age_margin
        x[:, :, s_tot, g_tot] = grand
    exists[:, :, s_tot, g_tot] = True
    if "sex" not in by:
        exists[:, :, :s_tot, g_tot] = False
    if "age_group" not in by:
        exists[:, :, s_tot, :g_tot] = False
    if not ("sex" in by and "age_group" in by):
        exists[:, :, :s_tot, :g_tot] = False
    return x, exists


def empirical_bayes_grid(
    numerators: np.ndarray, exists: np.ndarray, population: np.ndarray
) -> np.ndarray:
    """Marshall's global EB rate per person of each cell, pooling the areas of the level
    within each period × sex × age cell (:func:`barrio.indicators.stats.empirical_bayes` on
    dense arrays); NaN where the cell has no population or no row."""
    valid = exists & (population > 0)
    b = np.where(valid, population, 0.0)
    e = np.where(valid, numerators, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b_sum = b.sum(axis=0)
        m = e.sum(axis=0) / b_sum
        count = valid.sum(axis=0)
        rate = np.where(valid, e / np.where(valid, b, 1.0), 0.0)
        spread = (b * (rate - m) ** 2).sum(axis=0) / b_sum
        between = np.maximum(spread - m / (b_sum / count), 0.0)
        noise = between + m / np.where(valid, b, np.nan)
        weight = np.where(noise > 0, between / noise, 0.0)
        smoothed = weight * rate + (1.0 - weight) * m
    return np.where(valid, smoothed, np.nan)
