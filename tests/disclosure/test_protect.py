"""Suppression never leaks: primary and complementary suppression checked by an independent
linear-algebra proof (numpy ranks over every additive relation) and by linear programming."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from barrio.disclosure import DisclosureError, protect, recoverable, relations
from tests.disclosure.tables import AGES, SEXES, constraint_matrix, cube, recoverable_by_rank


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """A city with 1-2 districts of 1-3 neighbourhoods, counts 0-12 per sex × age cell."""
    parents: dict[str, str | None] = {"C": None}
    n_districts = draw(st.integers(1, 2))
    for d in range(n_districts):
        parents[f"D{d}"] = "C"
    leaves = []
    for d in range(n_districts):
        for n in range(draw(st.integers(1, 3))):
            parents[f"D{d}N{n}"] = f"D{d}"
            leaves.append(f"D{d}N{n}")
    shape = (len(SEXES), len(AGES))
    counts = {
        leaf: np.array(draw(st.lists(st.integers(0, 12), min_size=6, max_size=6))).reshape(shape)
        for leaf in leaves
    }
    return cube(counts, parents), parents


def _hidden(out: pd.DataFrame) -> np.ndarray:
    return (out["suppressed"] != "").to_numpy()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(2, 6))
def test_no_hidden_cell_is_recoverable(case: tuple[pd.DataFrame, dict], k: int) -> None:
    table, parents = case
    out = protect(table, parents=parents, k=k).table
    hidden = _hidden(out)
    counts = table["numerator"].to_numpy()
    assert ((counts > 0) & (counts < k) <= hidden).all()  # every small cell is hidden
    assert not (hidden & (counts == 0)).any()  # zeros never are
    assert recoverable_by_rank(constraint_matrix(table, parents), hidden) == []
    published = out.loc[~hidden, "numerator"].astype(int).to_numpy()
    assert (published == counts[~hidden]).all()
    assert out.loc[hidden, "numerator"].isna().all()


@settings(max_examples=15, deadline=None)
@given(tables())
def test_hidden_cells_keep_a_feasible_interval(case: tuple[pd.DataFrame, dict]) -> None:
    """Protection interval: with counts >= 0, each hidden cell can still take a range of values
    (min < max over every table consistent with what is published)."""
    table, parents = case
    hidden = _hidden(protect(table, parents=parents, k=5).table)
    if not hidden.any():
        return
    a = constraint_matrix(table, parents)
    counts = table["numerator"].to_numpy(float)
    a_hid, b = a[:, hidden], -(a[:, ~hidden] @ counts[~hidden])
    for j in range(hidden.sum()):
        cost = np.zeros(hidden.sum())
        cost[j] = 1
        low = linprog(cost, A_eq=a_hid, b_eq=b, bounds=(0, None)).fun
        high = -linprog(-cost, A_eq=a_hid, b_eq=b, bounds=(0, None)).fun
        assert high - low > 0.5


@settings(max_examples=60, deadline=None)
@given(tables(), st.data())
def test_audit_agrees_with_ranks(case: tuple[pd.DataFrame, dict], data: st.DataObject) -> None:
    """The production audit (eigen-decomposition of the Gram matrix per component) finds the
    same recoverable cells as the rank test, for arbitrary (leaky) patterns."""
    table, parents = case
    hidden = np.array(data.draw(st.lists(st.booleans(), min_size=len(table), max_size=len(table))))
    hidden &= table["numerator"].to_numpy() > 0  # absent/zero cells are known to a reader
    rel = relations(table[table["numerator"] > 0].reset_index(drop=True), parents=parents)
    positions = np.flatnonzero(table["numerator"].to_numpy() > 0)
    found = positions[recoverable(rel, hidden[positions])].tolist()
    assert found == recoverable_by_rank(constraint_matrix(table, parents), hidden)


def test_textbook_two_way_table() -> None:
    """One small cell in a two-way table with margins needs a rectangle of four hidden cells
    (Hundepool et al. 2012, §4.2.3): the cell, one in its row, one in its column, and the
    corner closing the rectangle."""
    counts = {"A": np.array([[2, 20, 30], [40, 25, 35]])}
    table = cube(counts, {"A": None})
    out = protect(table, k=5).table
    hidden = out.loc[_hidden(out), ["sex", "age_group", "suppressed"]]
    assert hidden.to_dict("records") == [
        {"sex": "F", "age_group": "0-14", "suppressed": "primary"},
        {"sex": "F", "age_group": "15-64", "suppressed": "complementary"},
        {"sex": "M", "age_group": "0-14", "suppressed": "complementary"},
        {"sex": "M", "age_group": "15-64", "suppressed": "complementary"},
    ]


def test_derived_and_lagged_columns_are_hidden() -> None:
    table = pd.DataFrame(
        {
            "indicator_id": "x",
            "period_type": "year",
            "period_start": ["2023-01-01"] * 3 + ["2024-01-01"] * 3,
            "area_id": "A",
            "sex": ["total", "F", "M"] * 2,
            "age_group": "total",
            "numerator": [12, 3, 9, 30, 10, 20],
            "value": [1.2, 0.3, 0.9, 3.0, 1.0, 2.0],
            "lower": 0.1,
            "flag_small": True,
            "prev_value": [None, None, None, 1.2, 0.3, 0.9],
            "change_prev_pct": [None, None, None, 150.0, 233.0, 122.0],
        }
    )
    out = protect(table, k=5).table
    assert out["suppressed"].tolist()[:3] == ["", "primary", "complementary"]
    assert out.loc[1:2, ["numerator", "value", "lower", "flag_small"]].isna().all().all()
    # 2024 cells are published, but their previous-year rates of hidden cells are not
    assert out.loc[4:5, "prev_value"].isna().all()
    assert out.loc[4:5, "change_prev_pct"].isna().all()
    assert out.loc[3, "prev_value"] == 1.2


def test_sensitive_mask_limits_the_threshold_rule() -> None:
    table = cube({"A": np.array([[2, 20, 30], [40, 25, 35]])}, {"A": None})
    out = protect(table, k=5, sensitive=np.zeros(len(table), bool)).table
    assert (out["suppressed"] == "").all()


def test_non_additive_table_is_refused() -> None:
    table = cube({"A": np.array([[2, 20, 30], [40, 25, 35]])}, {"A": None})
    table.loc[0, "numerator"] += 1
    with pytest.raises(DisclosureError, match="do not equal the sum"):
        protect(table, k=5)
