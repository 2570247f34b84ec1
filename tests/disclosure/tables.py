"""Small additive count tables (area hierarchy × sex × age) and an independent recoverability
check written from scratch with numpy ranks (it shares no code with barrio.disclosure)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

SEXES = ("F", "M")
AGES = ("0-14", "15-64", "65+")


def cube(leaf_counts: dict[str, np.ndarray], parents: dict[str, str | None]) -> pd.DataFrame:
    """Every cell of the table (zeros included): leaf areas' sex × age counts, summed up the
    hierarchy and over sex and age.

    ``leaf_counts[area]`` is a ``len(SEXES) × len(AGES)`` integer array.
    """
    levels = {None: -1}
    order = list(parents)
    for area in order:  # parents come before their children in ``parents``
        levels[area] = levels[parents[area]] + 1
    full = {area: np.zeros((len(SEXES), len(AGES)), dtype=np.int64) for area in order}
    for area, counts in leaf_counts.items():
        node: str | None = area
        while node is not None:
            full[node] += counts
            node = parents[node]
    names = {0: "city", 1: "district", 2: "neighborhood"}
    rows = []
    for area in order:
        m = full[area]
        sex_rows = [*list(SEXES), "total"]
        grid = np.vstack([m, m.sum(axis=0)])
        grid = np.hstack([grid, grid.sum(axis=1, keepdims=True)])
        for (i, s), (j, a) in itertools.product(enumerate(sex_rows), enumerate([*AGES, "total"])):
            rows.append(
                {
                    "indicator_id": "x",
                    "period_type": "year",
                    "period_start": "2024-01-01",
                    "area_id": area,
                    "area_level": names[levels[area]],
                    "sex": s,
                    "age_group": a,
                    "numerator": int(grid[i, j]),
                }
            )
    return pd.DataFrame(rows)


def constraint_matrix(table: pd.DataFrame, parents: dict[str, str | None]) -> np.ndarray:
    """Every additive relation of a *dense* table as a row of coefficients over its cells."""
    index = {
        (r.area_id, r.sex, r.age_group): i
        for i, r in enumerate(table[["area_id", "sex", "age_group"]].itertuples())
    }
    areas = list(dict.fromkeys(table["area_id"]))
    sexes = [*SEXES, "total"]
    ages = [*AGES, "total"]
    rows = []

    def relation(total: tuple[str, str, str], parts: list[tuple[str, str, str]]) -> None:
        row = np.zeros(len(table))
        row[index[total]] = 1
        for p in parts:
            row[index[p]] -= 1
        rows.append(row)

    for area, a in itertools.product(areas, ages):
        relation((area, "total", a), [(area, s, a) for s in SEXES])
    for area, s in itertools.product(areas, sexes):
        relation((area, s, "total"), [(area, s, a) for a in AGES])
    for area in areas:
        children = [c for c in areas if parents.get(c) == area]
        for s, a in itertools.product(sexes, ages):
            if children:
                relation((area, s, a), [(c, s, a) for c in children])
    return np.array(rows)


def recoverable_by_rank(matrix: np.ndarray, hidden: np.ndarray) -> list[int]:
    """Hidden cells whose unit vector lies in the row space of the relations restricted to the
    hidden cells: rank([A_S; e_j]) == rank(A_S)."""
    cols = np.flatnonzero(hidden)
    sub = matrix[:, cols]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if not len(sub):
        return []
    base = np.linalg.matrix_rank(sub)
    found = []
    for j, cell in enumerate(cols):
        unit = np.zeros(len(cols))
        unit[j] = 1
        if np.linalg.matrix_rank(np.vstack([sub, unit])) == base:
            found.append(int(cell))
    return found
