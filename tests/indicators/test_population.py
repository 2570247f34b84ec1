"""Population lines (barrio.indicators.lines) against a plainly written reference.

The reference below is written from the rules in barrio.indicators.population's docstring with
dictionaries and loops (one figure at a time, the roll-up as a recursion over the hierarchy),
independently of the array code. Random small populations exercise every rule; the mixed-depth
roll-up is also checked against values worked out by hand.
"""

from __future__ import annotations

import doctest
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from barrio.errors import InputError
from barrio.indicators import cube
from barrio.indicators import lines as lines_module
from barrio.indicators import population as population_module
from barrio.indicators.catalog import Denominator, Indicator, load_catalog
from barrio.indicators.lines import (
    Lines,
    block_lines,
    level_lines,
    population_grid,
    population_lines,
)
from barrio.indicators.population import TOTAL, parse_age_group

SEXES = ("F", "M", "unknown", TOTAL)
Key = tuple[str, int, str, str]


def indicators(*dens: Denominator) -> tuple[Indicator, ...]:
    base = next(iter(load_catalog().values()))
    return tuple(replace(base, id=f"i{n}", denominator=d) for n, d in enumerate(dens))


# --- the reference ---------------------------------------------------------------------------


def ref_figures(pop: pd.DataFrame, hierarchy: pd.DataFrame, known: set[str]) -> dict[Key, float]:
    """Duplicates summed, margins, roll-up: every figure of every area."""
    given: dict[Key, float] = defaultdict(float)
    for row in pop.itertuples(index=False):
        if row.area_id in known:
            key = (row.area_id, int(row.year), str(row.sex), str(row.age_group))
            given[key] += float(row.population)
    own: dict[Key, float] = {}
    for (area, year, sex, age), value in given.items():
        if sex != TOTAL and age != TOTAL:
            own[(area, year, sex, age)] = value
            for margin in ((sex, TOTAL), (TOTAL, age), (TOTAL, TOTAL)):
                own[(area, year, *margin)] = own.get((area, year, *margin), 0.0) + value
    for key, value in given.items():
        if key not in own:  # a given total only where no cell gives it
            own[key] = value
    children = defaultdict(list)
    for row in hierarchy.itertuples(index=False):
        if isinstance(row.parent_id, str):
            children[row.parent_id].append(row.area_id)
    keys = {key[1:] for key in own}

    def figure(area: str, key: tuple[int, str, str]) -> float | None:
        if (area, *key) in own:
            return own[(area, *key)]
        found = [figure(child, key) for child in children[area]]
        found = [x for x in found if x is not None]
        return sum(found) if found else None

    out = {}
    for area in known:
        for key in keys:
            value = figure(area, key)
            if value is not None:
                out[(area, *key)] = value
    return out


class NoAgeGroupError(Exception):
    """The reference found no age group within an indicator's range."""


def ref_denominator(figures: dict[Key, float], den: Denominator) -> dict[Key, float]:
    out = dict(figures)
    if den.age_min is not None or den.age_max is not None:
        labels = {key[3] for key in figures}
        inside = set()
        for label in labels:
            group = parse_age_group(label)
            if group is not None and group.within(den.age_min, den.age_max):
                inside.add(label)
        if not inside:
            raise NoAgeGroupError
        out = {key: v for key, v in figures.items() if key[3] in inside}
        for (area, year, sex, _age), value in list(out.items()):
            total = (area, year, sex, TOTAL)
            out[total] = out.get(total, 0.0) + value
    if den.sex in ("F", "M"):
        own = {key: v for key, v in out.items() if key[2] == den.sex}
        out = dict(own)
        for (area, year, _sex, age), value in own.items():
            out[(area, year, TOTAL, age)] = value
    return out


def ref_value(knots: list[tuple[float, float]], t: float) -> tuple[float, int]:
    """The population at time t on the lines through the knots, and the method code."""
    if len(knots) == 1:
        return max(knots[0][1], 0.0), 0
    i = 0
    while i + 2 < len(knots) and knots[i + 1][0] <= t:
        i += 1
    (ka, pa), (kb, pb) = knots[i], knots[i + 1]
    value = max(pa + (pb - pa) / (kb - ka) * (t - ka), 0.0)
    if t in (ka, kb):
        return value, 1
    return value, 2 if t < ka or t > kb else 3


def ref_grids(
    pop: pd.DataFrame,
    hierarchy: pd.DataFrame,
    inds: tuple[Indicator, ...],
    area_code: pd.Series,
    ages: tuple[str, ...],
    mids: np.ndarray,
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Value and method grids (area code, period, sex, age) of each denominator code."""
    figures = ref_figures(pop, hierarchy, set(area_code.index))
    shape = (len(area_code), len(mids), len(SEXES), len(ages))
    out = {}
    for ind in inds:
        code = cube.denominator_codes(inds)[cube.denominator_key(ind)]
        table = ref_denominator(figures, ind.denominator)
        series = defaultdict(list)
        for (area, year, sex, age), value in table.items():
            if sex in SEXES and age in ages:
                series[(area_code[area], SEXES.index(sex), ages.index(age))].append(
                    (year + 0.5, value)
                )
        values, methods = np.full(shape, np.nan), np.full(shape, -1, dtype=np.int8)
        for (area, sex, age), knots in series.items():
            knots.sort()
            for period, t in enumerate(mids):
                values[area, period, sex, age], methods[area, period, sex, age] = ref_value(
                    knots, float(t)
                )
        out[code] = (values, methods)
    return out


# --- random populations ------------------------------------------------------------------------


AGE_LABELS = ["0-14", "15-29", "30-44", "45+", "15 - 19", "unknown", "n/a"]
SEX_LABELS = ["F", "M", "unknown", "X"]
YEARS = [2010, 2012, 2015, 2016, 2020]


def random_case(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """A random hierarchy of mixed depth and a population with every kind of row."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    ids = [f"a{i:02d}" for i in range(n)]
    parents = [None] + [
        ids[int(rng.integers(0, i))] if rng.random() < 0.85 else None for i in range(1, n)
    ]
    hierarchy = pd.DataFrame({"area_id": ids, "parent_id": parents})
    area_code = pd.Series(np.arange(n, dtype=np.int64), index=ids)
    rows = []
    with_figures = [a for a in ids if rng.random() < 0.6] + ["ghost"]  # ghost: not an area
    for area in with_figures:
        for year in rng.choice(YEARS, size=int(rng.integers(1, 4)), replace=False):
            kind = rng.integers(0, 3)  # cells / totals only / cells and some given totals
            sexes = SEX_LABELS if kind != 1 else []
            for sex in sexes:
                for age in AGE_LABELS:
                    if rng.random() < 0.5:
                        rows.append((area, year, sex, age, _figure(rng)))
            if kind != 0:
                for sex, age in [(TOTAL, TOTAL), ("F", TOTAL), ("M", TOTAL), (TOTAL, "0-14")]:
                    if rng.random() < 0.6:
                        rows.append((area, year, sex, age, _figure(rng)))
    pop = pd.DataFrame(rows, columns=["area_id", "year", "sex", "age_group", "population"])
    if len(pop):  # duplicates: some rows again, with other figures
        dup = pop.sample(frac=0.2, random_state=seed).assign(population=lambda d: d.population / 3)
        pop = pd.concat([pop, dup], ignore_index=True).sample(frac=1.0, random_state=seed + 1)
    return pop.reset_index(drop=True), hierarchy, area_code


def _figure(rng: np.random.Generator) -> float:
    value = float(rng.integers(0, 500))
    return value + 0.1 * int(rng.integers(0, 10)) if rng.random() < 0.3 else value


DENOMINATORS = (
    Denominator(),
    Denominator("F"),
    Denominator("M"),
    Denominator("all", 15, 44),
    Denominator("F", 15, None),
    Denominator("M", None, 29),
)
GRID_AGES = ("0-14", "15-29", "30-44", "45+", "unknown", TOTAL)  # "15 - 19", "n/a": no code


def grids_of(lines: Lines, codes: list[int], n_areas: int, mids: np.ndarray, n_ages: int):
    out = {}
    for code in codes:
        mine = lines.take(np.flatnonzero(lines.den == code))
        out[code] = population_grid(mine, mine.area, n_areas, mids, len(SEXES), n_ages)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_lines_match_the_reference_on_random_populations(seed):
    pop, hierarchy, area_code = random_case(seed)
    inds = indicators(*DENOMINATORS)
    # monthly midpoints from before the first to after the last year; and whole years, whose
    # midpoints are the knots themselves
    monthly = np.arange(2008 * 12, 2023 * 12) / 12 + 1 / 24
    yearly = np.arange(2008, 2023) + 0.5
    try:
        ref_grids(pop, hierarchy, inds, area_code, GRID_AGES, yearly)
    except NoAgeGroupError:
        with pytest.raises(InputError):
            population_lines(pop, hierarchy, inds, area_code, GRID_AGES)
        return
    lines = population_lines(pop, hierarchy, inds, area_code, GRID_AGES)
    order = np.lexsort((lines.age, lines.sex, lines.area, lines.den))
    assert (order == np.arange(len(lines))).all()
    for mids in (monthly, yearly):
        want = ref_grids(pop, hierarchy, inds, area_code, GRID_AGES, mids)
        got = grids_of(lines, sorted(want), len(area_code), mids, len(GRID_AGES))
        for code, (values, methods) in want.items():
            np.testing.assert_array_equal(np.isnan(got[code][0]), np.isnan(values))
            np.testing.assert_allclose(got[code][0], values, rtol=1e-12, atol=1e-9)
            np.testing.assert_array_equal(got[code][1], methods)


def test_knots_increase_within_each_series():
    pop, hierarchy, area_code = random_case(7)
    lines = population_lines(pop, hierarchy, indicators(*DENOMINATORS), area_code, GRID_AGES)
    first = np.zeros(len(lines.k), dtype=bool)
    first[lines.start[:-1]] = True
    assert (np.diff(lines.k)[~first[1:]] > 0).all()
    assert (np.diff(lines.start) > 0).all()


# --- by hand -----------------------------------------------------------------------------------


def test_roll_up_of_a_mixed_depth_hierarchy_by_hand():
    # R ── A (figures)          R has none of its own: A + C in 2020, C alone in 2025
    #  └── B ── C (figures)     B gets C's; D (no figures anywhere below) gets nothing
    #  └── D
    hierarchy = pd.DataFrame(
        {"area_id": ["A", "B", "C", "D", "R"], "parent_id": ["R", "R", "B", "R", None]}
    )
    area_code = pd.Series(np.arange(5, dtype=np.int64), index=["A", "B", "C", "D", "R"])
    pop = pd.DataFrame(
        {
            "area_id": ["A", "C", "C"],
            "year": [2020, 2020, 2025],
            "sex": [TOTAL, TOTAL, TOTAL],
            "age_group": [TOTAL, TOTAL, TOTAL],
            "population": [100, 50, 70],
        }
    )
    lines = population_lines(pop, hierarchy, indicators(Denominator()), area_code, (TOTAL,))
    got = {
        int(lines.area[i]): list(zip(lines.k[lo:hi], lines.p[lo:hi], strict=True))
        for i, (lo, hi) in enumerate(zip(lines.start[:-1], lines.start[1:], strict=True))
    }
    assert got == {
        0: [(2020.5, 100.0)],
        1: [(2020.5, 50.0), (2025.5, 70.0)],
        2: [(2020.5, 50.0), (2025.5, 70.0)],
        4: [(2020.5, 150.0), (2025.5, 70.0)],
    }


def test_own_figures_win_and_margins_by_hand():
    # P's own 2020 total (1000) wins over its child's; P's 2021 comes from the child.
    # The child's 2020 cells (F 0-14 = 10 twice: summed, M 0-14 = 5) make its totals; its
    # given total 999 is ignored; its 2021 total is given only as a total and kept.
    hierarchy = pd.DataFrame({"area_id": ["K", "P"], "parent_id": ["P", None]})
    area_code = pd.Series([0, 1], index=["K", "P"])
    pop = pd.DataFrame(
        [
            ("K", 2020, "F", "0-14", 10),
            ("K", 2020, "F", "0-14", 10),
            ("K", 2020, "M", "0-14", 5),
            ("K", 2020, TOTAL, TOTAL, 999),
            ("K", 2021, TOTAL, TOTAL, 40),
            ("P", 2020, TOTAL, TOTAL, 1000),
        ],
        columns=["area_id", "year", "sex", "age_group", "population"],
    )
    ages = ("0-14", "unknown", TOTAL)
    lines = population_lines(pop, hierarchy, indicators(Denominator()), area_code, ages)
    got = {
        (int(lines.area[i]), SEXES[lines.sex[i]], ages[lines.age[i]]): lines.p[lo:hi].tolist()
        for i, (lo, hi) in enumerate(zip(lines.start[:-1], lines.start[1:], strict=True))
    }
    assert got == {
        (0, "F", "0-14"): [20.0],
        (0, "F", TOTAL): [20.0],
        (0, "M", "0-14"): [5.0],
        (0, "M", TOTAL): [5.0],
        (0, TOTAL, "0-14"): [25.0],
        (0, TOTAL, TOTAL): [25.0, 40.0],
        (1, "F", "0-14"): [20.0],
        (1, "F", TOTAL): [20.0],
        (1, "M", "0-14"): [5.0],
        (1, "M", TOTAL): [5.0],
        (1, TOTAL, "0-14"): [25.0],
        (1, TOTAL, TOTAL): [1000.0, 40.0],
    }


def test_grid_by_hand():
    # knots 2020.5 → 100, 2022.5 → 120, 2023.5 → 90; and a single knot of -5 (never negative)
    lines = Lines(
        den=np.zeros(2, dtype=np.int64),
        area=np.array([0, 1]),
        sex=np.array([3, 0]),
        age=np.array([0, 0]),
        start=np.array([0, 3, 4]),
        k=np.array([2020.5, 2022.5, 2023.5, 2021.5]),
        p=np.array([100.0, 120.0, 90.0, -5.0]),
    )
    mids = np.array([2019.5, 2020.5, 2021.0, 2022.5, 2023.0, 2023.5, 2025.5, 2060.5])
    values, methods = population_grid(lines, np.array([1, 0]), 2, mids, 4, 1)
    assert values[1, :, 3, 0].tolist() == [90.0, 100.0, 105.0, 120.0, 105.0, 90.0, 30.0, 0.0]
    assert methods[1, :, 3, 0].tolist() == [2, 1, 3, 1, 3, 1, 2, 2]
    assert values[0, :, 0, 0].tolist() == [0.0] * 8
    assert methods[0, :, 0, 0].tolist() == [0] * 8
    assert np.isnan(values[0, :, 1:]).all()
    assert (methods[1, :, :3] == -1).all()


def test_take_keeps_the_knots_of_each_series():
    pop, hierarchy, area_code = random_case(3)
    lines = population_lines(pop, hierarchy, indicators(*DENOMINATORS), area_code, GRID_AGES)
    pick = np.array([len(lines) - 1, 0, 2])
    for part, rows in ((lines.take(pick), pick), (lines.take(slice(1, 4)), np.arange(1, 4))):
        assert part.start[0] == 0
        assert part.start[-1] == len(part.k)
        for new, old in enumerate(rows):
            lo, hi = lines.start[old], lines.start[old + 1]
            assert part.k[part.start[new] : part.start[new + 1]].tolist() == lines.k[lo:hi].tolist()
            assert part.p[part.start[new] : part.start[new + 1]].tolist() == lines.p[lo:hi].tolist()
            assert part.area[new] == lines.area[old]
            assert part.sex[new] == lines.sex[old]


def test_no_age_group_within_the_range_is_an_input_error():
    pop = pd.DataFrame(
        {"area_id": ["a"], "year": [2020], "sex": ["F"], "age_group": ["0-14"], "population": [1]}
    )
    hierarchy = pd.DataFrame({"area_id": ["a"], "parent_id": [None]})
    with pytest.raises(InputError, match="no population age group lies within 15-29") as err:
        population_lines(
            pop,
            hierarchy,
            indicators(Denominator("all", 15, 29)),
            pd.Series([0], index=["a"]),
            ("0-14", TOTAL),
        )
    assert "age range" in str(err.value.hint)


def test_cycles_and_empty_input_do_not_hang():
    hierarchy = pd.DataFrame({"area_id": ["a", "b", "c"], "parent_id": ["b", "a", "b"]})
    area_code = pd.Series([0, 1, 2], index=["a", "b", "c"])
    pop = pd.DataFrame(
        {"area_id": ["c"], "year": [2020], "sex": [TOTAL], "age_group": [TOTAL], "population": [7]}
    )
    lines = population_lines(pop, hierarchy, indicators(Denominator()), area_code, (TOTAL,))
    assert lines.area.tolist() == [2]
    assert lines.p.tolist() == [7.0]
    empty = population_lines(pop.iloc[:0], hierarchy, indicators(Denominator()), area_code, ())
    assert len(empty) == 0
    assert empty.start.tolist() == [0]


@pytest.mark.parametrize("module", [lines_module, population_module])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def test_blocks_of_a_level_give_the_grid_of_the_whole_level():
    pop, hierarchy, area_code = random_case(7)  # 11 areas, 9 with figures
    inds = indicators(*DENOMINATORS)
    lines = population_lines(pop, hierarchy, inds, area_code, GRID_AGES)
    mids = np.arange(2008, 2023) + 0.5
    n = len(area_code)
    own = np.full(n, -1, dtype=np.int64)  # a "level" of every other area, in code order
    own[::2] = np.arange(len(own[::2]))
    n_level = int(own.max()) + 1
    mine, local = level_lines(lines, own)
    assert (np.diff(mine.den * n + local) >= 0).all()
    for code in sorted(set(lines.den.tolist())):
        whole = lines.take(np.flatnonzero(lines.den == code))
        want = population_grid(whole, whole.area, n, mids, len(SEXES), len(GRID_AGES))
        assert (~np.isnan(want[0][own >= 0])).any()
        for first in range(0, n_level, 2):
            count = min(2, n_level - first)
            part, at = block_lines(mine, local, code, first, count)
            got = population_grid(part, at, count, mids, len(SEXES), len(GRID_AGES))
            areas = np.flatnonzero(own >= 0)[first : first + count]
            np.testing.assert_array_equal(got[0], want[0][areas])
            np.testing.assert_array_equal(got[1], want[1][areas])


# --- real data: CONAPO projections ---------------------------------------------------------------


@pytest.mark.realdata
def test_conapo_roll_up_gives_the_published_national_and_state_figures():
    # Input: CONAPO's mid-year projections of the 32 states by sex (F and M rows, 1970-2070) and
    # the municipal projections (totals, 1990-2040). Left out of the input, as references: the
    # national figures by sex and in total, and the states' totals. The roll-up must give them
    # exactly (integer sums: CONAPO's series add up across levels), each as the "exact" figure
    # of its year.
    from tests.conftest import shared_path

    folder = shared_path("mx_population")
    states = pd.read_parquet(folder / "conapo_proyecciones_estatal_sexo_1950_2070.parquet")
    states["sex"] = states["genero"].map({"Hombres": "M", "Mujeres": "F", "Total": TOTAL})
    towns = pd.read_parquet(folder / "conapo_proyecciones_municipal_1990_2040.parquet")
    given = states[(states["cve_ent"] != "00") & (states["sex"] != TOTAL)]
    pop = pd.DataFrame(
        {
            "area_id": [*given["cve_ent"], *towns["CVE"]],
            "year": [*given["n_year"], *towns["year"]],
            "sex": [*given["sex"], *[TOTAL] * len(towns)],
            "age_group": TOTAL,
            "population": [*given["pob_mid_year"], *towns["poblacion"]],
        }
    )
    ids = sorted({"00", *given["cve_ent"], *towns["CVE"]})
    parents = [None if i == "00" else i[:2] if len(i) == 5 else "00" for i in ids]
    hierarchy = pd.DataFrame({"area_id": ids, "parent_id": parents})
    area_code = pd.Series(np.arange(len(ids), dtype=np.int64), index=ids)
    ages = ("unknown", TOTAL)
    lines = population_lines(
        pop, hierarchy, indicators(Denominator(), Denominator("F")), area_code, ages
    )
    national = states["cve_ent"] == "00"
    since_1970 = states["n_year"] >= 1970
    with_towns = states["n_year"].between(1990, 2040)
    expected = {  # denominator code → published rows and the grid sex they appear as
        0: [
            (states[national & since_1970 & (states["sex"] != TOTAL)], None),
            (states[with_towns & (states["sex"] == TOTAL)], TOTAL),  # national and states
        ],
        1: [(states[national & since_1970 & (states["sex"] == "F")], TOTAL)],
    }
    years = np.arange(1950, 2071)
    for code, parts in expected.items():
        mine = lines.take(np.flatnonzero(lines.den == code))
        values, methods = population_grid(mine, mine.area, len(ids), years + 0.5, 4, len(ages))
        for rows, as_sex in parts:
            area = area_code[rows["cve_ent"]].to_numpy()
            period = rows["n_year"].to_numpy() - 1950
            sex = [SEXES.index(as_sex or s) for s in rows["sex"]]
            want = rows["pob_mid_year"].to_numpy(dtype=np.float64)
            assert len(want) >= 101
            np.testing.assert_array_equal(values[area, period, sex, 1], want)
            assert (methods[area, period, sex, 1] == 1).all()
