"""Compute the tidy indicator table on any Ibis backend (DuckDB, PostgreSQL, Spark).

Two halves. The engine does what grows with the number of records: one aggregation of the
``incidents`` (or published ``counts``) into integer-coded groups, with one bit per indicator
that counts them (:mod:`barrio.indicators.cube`). What grows with the size of the result is done
here, the same way whatever the engine, so every engine gives the same table: dense area ×
period × sex × age arrays per block of areas (:mod:`barrio.indicators.cells`: the roll-up,
margins, zero-filled totals, denominators, earlier periods) and one compiled pass per block
that finishes every column of every row (:mod:`barrio.indicators.kernels`: rates, exact Poisson
limits, flags, changes and R's exact tests). The rows come out as Arrow record batches:
:func:`indicator_table` collects them into a DataFrame (small callers); :func:`store_table`
streams them into the warehouse's ``indicators`` table without holding the whole table in
memory (national-size runs).
"""

from __future__ import annotations

import ctypes
import functools
import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from barrio.errors import InputError
from barrio.i18n import _
from barrio.indicators import cells, stats
from barrio.indicators import cube as c
from barrio.indicators.catalog import Indicator
from barrio.indicators.population import TOTAL, UNKNOWN, AgeGroup, age_groups

if TYPE_CHECKING:
    from barrio.indicators.lines import Lines

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


def population_inputs(con: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``population`` table and the area hierarchy, read from the engine."""
    pop = con.table("population").select("area_id", "year", "sex", "age_group", "population")
    areas = con.table("areas").select("area_id", "parent_id")
    return pop.to_pandas(), areas.to_pandas()


def denominator_age_groups(
    pop_df: pd.DataFrame, indicators: tuple[Indicator, ...]
) -> list[AgeGroup]:
    """The age groups of the denominators' population (what records' ages are grouped into):
    every group for a denominator of all ages, the groups inside its range otherwise."""
    labels = pop_df["age_group"].dropna().astype(str).unique().tolist()
    found = set()
    for ind in indicators:
        den = ind.denominator
        for group in age_groups(labels):
            if (den.age_min is None and den.age_max is None) or group.within(
                den.age_min, den.age_max
            ):
                found.add(group.label)
    return age_groups(sorted(found))


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
        parts = [decoded(batch) for batch in batches]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pa.Table.from_batches(parts).to_pandas()
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    order = ["indicator_id", "area_level", "area_id", "period_start", "sex", "age_group"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)[COLUMNS]


@contextmanager
def reused_memory() -> Iterator[None]:
    """Let the C allocator reuse freed memory instead of returning it to the system.

    Finishing the table allocates and frees arrays of a few MB for every block; by default
    glibc gives such memory back and every new array pays a page fault per 4 kB touched, which
    on virtual machines cost more than the arithmetic. Inside the block freed memory is kept
    (mmap threshold fixed at 32 MB, no trimming); afterwards trimming is restored and the
    kept memory released. No effect outside glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        yield
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 2**31 - 1)
    try:
        yield
    finally:
        libc.mallopt(m_trim_threshold, 128 << 10)
        libc.malloc_trim(0)


@contextmanager
def table_batches(con: Any, request: Plan) -> Iterator[Iterator[pa.RecordBatch]]:
    """The finished table as Arrow record batches (columns :data:`COLUMNS`, no order).

    The engine groups and codes the records (:func:`barrio.indicators.cube.coded_base`); the
    cube, denominators, comparisons, intervals and tests are computed here block by block of
    areas (:mod:`barrio.indicators.cells`, :mod:`barrio.indicators.kernels`), in order, when
    the caller asks for the next batch (the compiled pass already uses every core; a producer
    thread running ahead only oversubscribed them). String columns are dictionary-encoded
    (:func:`decoded` turns them into plain strings). A batch holds one indicator on one block
    of areas.
    """
    from barrio.indicators import lines  # compiled code: imported when used

    with reused_memory():
        inds = request.indicators
        areas = con.table("areas").select("area_id", "level").to_pandas()
        areas = areas.sort_values("area_id", kind="stable").reset_index(drop=True)
        area_code = pd.Series(np.arange(len(areas), dtype=np.int64), index=areas["area_id"])
        pop_df, hierarchy = population_inputs(con)
        groups = denominator_age_groups(pop_df, inds)
        published = request.source == "counts"
        ages = _age_labels(con, published, groups)
        c.upload(
            con,
            "_barrio_area_codes",
            pd.DataFrame({"area_id": areas["area_id"].astype("string"), "code": area_code.values}),
        )
        base = (
            c.base_incidents(con, request.period, groups)
            if request.source == "incidents"
            else c.base_counts(con, request.period)
        )
        # sorted by area, the finest level's blocks are slices (see cells.blocks)
        query = c.coded_base(con, base, inds, published, ages).order_by(["area", "period_index"])
        with ThreadPoolExecutor(1) as pool:  # the engine counts while numpy draws the lines
            counting = pool.submit(query.to_pyarrow)
            population = lines.population_lines(pop_df, hierarchy, inds, area_code, ages)
            coded = counting.result()
        del pop_df, hierarchy
        if coded.num_rows == 0:
            yield iter(())
            return
        period = coded["period_index"].to_numpy()
        first, last = int(period.min()), int(period.max())
        grid = cells.Grid(first, last - first + 1, ages, c.PERIODS[request.period])
        records = _records(coded, first)
        del coded
        levels = _levels(con, areas, area_code, request.levels)
        finisher = _Finisher(request, grid)
        tasks = _tasks(request, grid, records, levels, population, finisher)
        yield (task() for task in tasks)


def _records(coded: pa.Table, first: int) -> cells.Records:
    """The engine's coded groups as numpy arrays (periods counted from ``first``)."""
    masks = [coded[name].to_numpy() for name in coded.column_names if name.startswith("mask")]
    return cells.Records(
        area=coded["area"].to_numpy(),
        period=coded["period_index"].to_numpy() - first,
        sex=coded["sex"].to_numpy(),
        age=coded["age"].to_numpy(),
        masks=np.column_stack(masks),
        n=coded["n"].to_numpy(),
        rows=coded["rows"].to_numpy(),
    )


def _age_labels(con: Any, published: bool, groups: list[Any]) -> tuple[str, ...]:
    """Age-group codes: the labels records can carry, then ``unknown`` and ``total``."""
    if published:
        t = con.table("counts")
        found = t.select(a=t.age_group.fill_null(UNKNOWN)).distinct().to_pandas()["a"]
        labels = sorted(set(found.astype(str)) - {UNKNOWN, TOTAL})
    else:
        labels = [g.label for g in groups]
    return (*labels, UNKNOWN, TOTAL)


def _levels(
    con: Any, areas: pd.DataFrame, area_code: pd.Series, wanted: tuple[str, ...]
) -> list[cells.Level]:
    """Each requested level's areas and the map from every area to its ancestor there."""
    anc = con.table("area_ancestors")
    anc = anc.filter(anc.ancestor_level.isin(list(wanted))).to_pandas()
    out = []
    for name in wanted:
        ids = areas.loc[areas["level"] == name, "area_id"].to_numpy()
        local = pd.Series(np.arange(len(ids), dtype=np.int64), index=ids)
        pairs = anc[anc["ancestor_level"] == name]
        src = area_code.reindex(pairs["area_id"]).to_numpy()
        dst = local.reindex(pairs["ancestor_id"]).to_numpy()
        ok = ~(np.isnan(src.astype(float)) | np.isnan(dst.astype(float)))
        src, dst = src[ok].astype(np.int64), dst[ok].astype(np.int64)
        ancestor = np.full(len(area_code), -1, dtype=np.int64)
        dup = pd.Series(src).duplicated().to_numpy()
        ancestor[src[~dup]] = dst[~dup]
        extra = pd.DataFrame({"area": src[dup], "local": dst[dup]})
        own = np.full(len(area_code), -1, dtype=np.int64)
        own[area_code.reindex(ids).to_numpy()] = local.to_numpy()
        out.append(cells.Level(name, ids, ancestor, own, extra))
    return out


def _tasks(
    request: Plan,
    grid: cells.Grid,
    records: cells.Records,
    levels: list[cells.Level],
    population: Lines,
    finisher: _Finisher,
) -> Iterator[Callable[[], pa.RecordBatch]]:
    """One task per level × block of areas × indicator (population grids shared per block)."""
    from barrio.indicators import lines  # compiled code: imported when used

    codes = c.denominator_codes(request.indicators)
    dens = [codes[c.denominator_key(i)] for i in request.indicators]
    published = request.source == "counts"
    for level in levels:
        n_areas = len(level.area_ids)
        local, recs = cells.level_records(records, level)
        pop, pop_local = lines.level_lines(population, level.own)
        size = cells.block_size(grid, n_areas, whole=request.smooth)
        for first_area, count, block_local, block_recs in cells.blocks(local, recs, n_areas, size):
            grids = {}
            for den in sorted(set(dens)):
                part, at = lines.block_lines(pop, pop_local, den, first_area, count)
                grids[den] = lines.population_grid(
                    part, at, count, grid.midpoints, grid.sexes, len(grid.ages)
                )
            ids = pa.array(level.area_ids[first_area : first_area + count].astype(str))
            counts = None
            if not (published or request.smooth):
                counts = finisher.count(block_local, block_recs, first_area, count)
            for pos, ind in enumerate(request.indicators):
                yield functools.partial(
                    finisher.batch,
                    ind,
                    pos,
                    level,
                    first_area,
                    count,
                    block_local,
                    block_recs,
                    grids[dens[pos]],
                    published,
                    ids,
                    None if counts is None else counts[pos],
                )


class _Finisher:
    """Turns the cells of one indicator and block into a finished Arrow batch."""

    LIMITS = 1 << 16
    """Poisson limits are looked up for counts below this (computed directly above)."""

    def __init__(self, request: Plan, grid: cells.Grid) -> None:
        self.request = request
        self.grid = grid
        k = np.arange(self.LIMITS)
        self.lower, self.upper = stats.poisson_interval(k, request.confidence)
        index = np.arange(grid.first, grid.first + grid.periods, dtype=np.int64)
        per_year = grid.per_year
        month = (index // per_year - 1970) * 12 + (index % per_year) * (12 // per_year)
        days = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)
        self.days = days
        self.zeros = pa.array(np.zeros(1 << 16, dtype=np.int8))
        self.texts: dict[str, pa.Array] = {}
        self.integers: dict[int, pa.Array] = {}
        self.counts = np.zeros((len(request.indicators), 0))
        """Dense counts of the current block (see :meth:`count`)."""
        self.sexes = pa.array(list(cells.SEXES))
        self.ages = pa.array(list(grid.ages))
        self.methods = pa.array(list(cells.METHODS))

    def batch(
        self,
        ind: Indicator,
        pos: int,
        level: cells.Level,
        first_area: int,
        count: int,
        local: np.ndarray,
        records: cells.Records,
        population: tuple[np.ndarray, np.ndarray],
        published: bool,
        area_ids: pa.Array,
        counted: np.ndarray | None,
    ) -> pa.RecordBatch:
        """The finished rows of indicator ``ind`` (position ``pos``) on one block of areas."""
        from barrio.indicators import kernels

        grid, request = self.grid, self.request
        pop, methods = population
        eb = np.empty(0)
        if published or request.smooth:
            x, exists = cells.cube_cells(
                records, local, first_area, count, grid, pos, request.by, published
            )
            if request.smooth:
                eb = cells.empirical_bayes_grid(x, exists, pop).reshape(-1)
        else:  # records, counted by :meth:`count`: rows are decided from the counts
            assert counted is not None
            x = counted
            exists = np.empty(0, dtype=bool)
        mult = float(ind.multiplier)
        x = x.reshape(-1)
        keys, k, method, floats, valid, retest = kernels.finish(
            x,
            exists.reshape(-1),
            pop.reshape(-1),
            methods.reshape(-1),
            eb,
            count,
            grid.periods,
            grid.cells,
            len(grid.ages),
            grid.per_year,
            mult,
            self.lower,
            self.upper,
            "sex" in request.by,
            "age_group" in request.by,
        )
        del exists
        big = np.flatnonzero(valid[0] & (k >= self.LIMITS))
        if len(big):
            lower, upper = stats.poisson_interval(k[big], request.confidence)
            floats[2][big] = lower / floats[0][big] * mult
            floats[3][big] = upper / floats[0][big] * mult
        for which, lag in enumerate((1, grid.per_year)):
            rows = np.flatnonzero(retest[which])
            if len(rows):  # large tests: the earlier cell is ``lag`` periods back
                area, period, sex, age = (key[rows].astype(np.int64) for key in keys)
                cell = ((area * grid.periods + period) * grid.sexes + sex) * len(grid.ages) + age
                back = cell - lag * grid.cells
                floats[6 + 3 * which][rows] = stats.rate_change_test(
                    k[rows], floats[0][rows], x[back].astype(np.int64), pop.reshape(-1)[back]
                )
        del x
        n = len(k)
        columns: dict[str, pa.Array] = {
            "indicator_id": self.constant(ind.id, n),
            "area_id": pa.DictionaryArray.from_arrays(keys[0], area_ids),
            "area_level": self.constant(level.name, n),
            "period_type": self.constant(request.period, n),
            "period_start": pa.Array.from_buffers(
                pa.date32(), n, [None, pa.py_buffer(self.days[keys[1]])]
            ),
            "sex": pa.DictionaryArray.from_arrays(keys[2], self.sexes),
            "age_group": pa.DictionaryArray.from_arrays(keys[3], self.ages),
            "numerator": pa.array(k),
            "multiplier": self.repeated(int(ind.multiplier), n),
            "flag_small": pa.array(k < stats.SMALL_NUMERATOR),
            "flag_unstable": pa.array(k < stats.UNSTABLE_NUMERATOR),
            "population_method": pa.DictionaryArray.from_arrays(
                pa.array(method, mask=method < 0), self.methods
            ),
            "source": self.constant(request.source, n),
        }
        for row, (name, mask) in enumerate(_FLOAT_COLUMNS):
            columns[name] = _floats(floats[row], valid[mask])
        return pa.RecordBatch.from_arrays([columns[c] for c in COLUMNS], names=COLUMNS)

    def count(
        self, local: np.ndarray, records: cells.Records, first_area: int, n_areas: int
    ) -> np.ndarray:
        """Dense counts (indicator, cell) of one block of areas, all indicators in one pass.

        The buffer is reused from block to block (zeroed: cheaper than fresh pages).
        """
        from barrio.indicators import kernels

        grid = self.grid
        size = n_areas * grid.periods * grid.cells
        if self.counts.shape[1] < size:
            self.counts = np.zeros((len(self.request.indicators), size))
        counts = self.counts[:, :size]
        counts[:] = 0.0
        kernels.scatter(
            counts,
            local,
            records.period,
            records.sex,
            records.age,
            records.n,
            records.masks,
            first_area,
            n_areas,
            grid.periods,
            grid.sexes,
            len(grid.ages),
        )
        return counts

    def constant(self, text: str, n: int) -> pa.DictionaryArray:
        """``text`` on every row (dictionary-encoded: one string, zero indices)."""
        if n > len(self.zeros):
            self.zeros = pa.array(np.zeros(n, dtype=np.int8))
        if text not in self.texts:
            self.texts[text] = pa.array([text])
        return pa.DictionaryArray.from_arrays(self.zeros.slice(0, n), self.texts[text])

    def repeated(self, value: int, n: int) -> pa.Array:
        """The integer ``value`` on every row (slices of one array per value)."""
        column = self.integers.get(value)
        if column is None or len(column) < n:
            column = self.integers[value] = pa.array(np.full(max(n, 1 << 16), value, np.int64))
        return column.slice(0, n)


_FLOAT_COLUMNS = (
    ("denominator", 0),
    ("value", 0),
    ("lower", 0),
    ("upper", 0),
    ("prev_value", 1),
    ("change_prev_pct", 2),
    ("p_change_prev", 3),
    ("yoy_value", 4),
    ("change_yoy_pct", 5),
    ("p_change_yoy", 6),
    ("value_eb", 7),
)
"""The float columns in the order of :func:`barrio.indicators.kernels.finish`'s rows, with
the row of ``valid`` that marks their non-NULL values."""


def decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with its dictionary-encoded columns as plain strings."""
    arrays = [
        col.dictionary_decode() if pa.types.is_dictionary(col.type) else col
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _floats(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """A float64 column that is NULL where ``valid`` is False (whatever ``values`` holds)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if valid.all():
        return pa.array(values)
    bitmap = np.packbits(valid, bitorder="little")
    return pa.Array.from_buffers(
        pa.float64(), len(values), [pa.py_buffer(bitmap), pa.py_buffer(values)]
    )


def store_table(con: Any, writer: Any, request: Plan, run_id: str) -> tuple[int, int]:
    """Compute ``request`` on ``con`` and write it into the ``indicators`` table of ``writer``.

    ``writer`` is a DuckDB connection to the warehouse (a cursor of ``con``'s database when
    the engine is the warehouse). One transaction: the rows of the same indicators, period
    type and levels go, and one ``INSERT`` pulls the new ones from the Arrow stream (DuckDB
    writes large inserts straight to disk; row-by-batch inserts kept them in memory until the
    commit), in no particular order. Returns (rows, rows without population).
    """
    tally = {"rows": 0, "missing": 0}

    def counted(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            tally["rows"] += batch.num_rows
            tally["missing"] += batch.column("denominator").null_count
            yield batch

    # rows need no order in the table (readers sort): DuckDB then compresses and writes the
    # row groups on every thread instead of one (1.7x faster at national size)
    keep_order = writer.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    writer.execute("SET SESSION preserve_insertion_order = false")
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
    finally:
        writer.execute(f"SET SESSION preserve_insertion_order = {bool(keep_order)}")
    return tally["rows"], tally["missing"]
