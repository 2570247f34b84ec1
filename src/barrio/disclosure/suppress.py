"""Cell suppression of a count table: primary (threshold rule) and complementary.

Primary suppression hides every sensitive cell with ``0 < count < k`` (the threshold rule;
Hundepool et al. 2012, §4.2). Complementary suppression then hides further cells so that no
hidden cell can be computed back from the published totals of the table
(:mod:`barrio.disclosure.relations`):

1. Heuristic: every relation (a total and its parts) with exactly one hidden cell hides its
   smallest non-zero published cell (ties: first in table order); repeat over all relations of
   every dimension until none has a single hidden cell.
2. Proof: the linear-algebra audit (:func:`barrio.disclosure.audit.recoverable`) looks for hidden
   cells that combinations of relations still determine; for each, the smallest non-zero published
   cell of one of its relations is hidden too, and the heuristic and audit run again until the
   audit finds nothing.

Everything is deterministic (same table, same pattern) and vectorised over the whole table.
Zeros are never hidden and never used as complements. A hidden cell has NA as its count and in
every derived column (rate, interval, changes), and ``suppressed`` says ``primary`` or
``complementary``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from barrio.disclosure.audit import recoverable
from barrio.disclosure.relations import (
    MARGINS,
    TABLE_KEYS,
    DisclosureError,
    Relations,
    check_additive,
    relations,
)
from barrio.i18n import _

DEFAULT_K = 5
# Columns of the indicator table computed from a cell's count (NA when the count is hidden).
DERIVED = (
    "value",
    "lower",
    "upper",
    "value_eb",
    "flag_small",
    "flag_unstable",
    "change_prev_pct",
    "p_change_prev",
    "change_yoy_pct",
    "p_change_yoy",
)
# Columns that carry another period's rate: hidden when that period's cell is hidden.
LAGGED = {
    "prev_value": ("change_prev_pct", "p_change_prev"),
    "yoy_value": ("change_yoy_pct", "p_change_yoy"),
}
PRIMARY = "primary"
COMPLEMENTARY = "complementary"


@dataclass
class ProtectedTable:
    """A table after suppression.

    Attributes
    ----------
    table
        The input rows with hidden counts and derived columns set to NA and a ``suppressed``
        column (``primary``, ``complementary`` or empty).
    k
        Threshold of the primary rule.
    primary, complementary
        Number of cells hidden by each step.
    rounds
        Audit rounds needed (1 when the heuristic alone was enough).
    recoverable
        Hidden cells the final audit found recoverable (always 0; kept as the proof's record).
    """

    table: pd.DataFrame
    k: int
    primary: int
    complementary: int
    rounds: int
    recoverable: int = 0
    method: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What a manifest or a ``--json`` answer records about the protection."""
        return {
            "k": self.k,
            "cells": len(self.table),
            "primary": self.primary,
            "complementary": self.complementary,
            "audit_rounds": self.rounds,
            "recoverable_after_audit": self.recoverable,
            **self.method,
        }


def protect(
    table: pd.DataFrame,
    *,
    value: str = "numerator",
    area: str = "area_id",
    parents: Mapping[str, str | None] | None = None,
    margins: Mapping[str, str] = MARGINS,
    by: Sequence[str] = TABLE_KEYS,
    k: int = DEFAULT_K,
    sensitive: pd.Series | np.ndarray | None = None,
    derived: Sequence[str] = DERIVED,
) -> ProtectedTable:
    """Suppress small sensitive cells and enough others that none can be derived.

    Parameters
    ----------
    table
        One row per published cell: ``by`` columns (indicator, period), the area and margin
        columns, and the count ``value``. Absent cells are zeros.
    parents
        Area → parent area (``None`` at the top), for the hierarchy relations.
    margins
        Disaggregation columns and the code of their total.
    k
        Threshold: sensitive cells with ``0 < count < k`` are hidden (primary).
    sensitive
        Boolean mask of the rows the threshold applies to (default: every row).
    derived
        Columns hidden together with the count.

    Examples
    --------
    >>> t = pd.DataFrame({"area_id": "A", "sex": ["total", "F", "M", "unknown"],
    ...                   "numerator": [30, 3, 20, 7]})
    >>> out = protect(t, margins={"sex": "total"}, k=5)
    >>> out.table["suppressed"].tolist()
    ['', 'primary', '', 'complementary']
    """
    table = table.reset_index(drop=True)
    rel = relations(table, area=area, parents=parents, margins=margins, by=by)
    check_additive(table, rel, value)
    counts = table[value].fillna(0).to_numpy(dtype=float)
    mask = np.ones(len(table), bool) if sensitive is None else np.asarray(sensitive, bool)
    primary = mask & (counts > 0) & (counts < k)
    hidden = primary.copy()
    audited = np.zeros(len(table), bool)
    rounds = 0
    while True:
        rounds += 1
        hidden = _heuristic(rel, counts, hidden)
        # components without a newly hidden cell were proved safe by the previous round
        leaks = recoverable(rel, hidden, focus=hidden & ~audited)
        audited = hidden.copy()
        if not len(leaks):
            break
        covered = _cover(rel, counts, hidden, leaks)
        if (covered == hidden).all():  # pragma: no cover - impossible while counts are >= 0
            raise DisclosureError(
                _("{n} hidden cells stay derivable and no cell is left to hide", n=len(leaks)),
                hint=_("Check that the counts are non-negative and the totals add up."),
            )
        hidden = covered
    reason = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, ""))
    out = _blank(table.assign(suppressed=reason), hidden, value, derived, by, area, margins)
    return ProtectedTable(
        table=out,
        k=k,
        primary=int(primary.sum()),
        complementary=int((hidden & ~primary).sum()),
        rounds=rounds,
        recoverable=len(leaks),
        method={
            "method": "threshold rule, complementary suppression (smallest cell), audited",
            "relations": int(rel.n_groups),
        },
    )


def _heuristic(rel: Relations, counts: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide the smallest non-zero published cell of every relation with one hidden cell."""
    hidden = hidden.copy()
    while True:
        n_hidden = np.bincount(rel.group, weights=hidden[rel.cell], minlength=rel.n_groups)
        single = n_hidden[rel.group] == 1
        chosen = _smallest(rel, counts, hidden, single)
        if not len(chosen):
            return hidden
        hidden[chosen] = True


def _smallest(
    rel: Relations, counts: np.ndarray, hidden: np.ndarray, in_group: np.ndarray
) -> np.ndarray:
    """Per relation selected by ``in_group``, its smallest non-zero published cell."""
    cand = in_group & ~hidden[rel.cell] & (counts[rel.cell] > 0)
    groups, cells = rel.group[cand], rel.cell[cand]
    if not len(cells):
        return cells
    order = np.lexsort((cells, counts[cells], groups))
    first = np.r_[True, groups[order][1:] != groups[order][:-1]]
    return np.unique(cells[order][first])


def _cover(rel: Relations, counts: np.ndarray, hidden: np.ndarray, leaks: np.ndarray) -> np.ndarray:
    """For each recoverable cell, hide the smallest published non-zero cell of its relations.

    When all its relations are fully hidden (the leak comes through a longer combination), the
    search widens to the relations of the hidden cells it is related to, one step at a time.
    Leaks are few, so this loops over them.
    """
    hidden = hidden.copy()
    for leak in leaks:
        groups = np.unique(rel.group[rel.cell == leak])
        seen = np.zeros(rel.n_groups, bool)
        while len(groups):
            seen[groups] = True
            member = seen[rel.group]
            cand = member & ~hidden[rel.cell] & (counts[rel.cell] > 0)
            if cand.any():
                cells = rel.cell[cand]
                hidden[cells[np.lexsort((cells, counts[cells]))[0]]] = True
                break
            linked = np.unique(rel.cell[member & hidden[rel.cell]])
            groups = np.setdiff1d(rel.group[np.isin(rel.cell, linked)], np.flatnonzero(seen))
    return hidden


def _blank(
    table: pd.DataFrame,
    hidden: np.ndarray,
    value: str,
    derived: Sequence[str],
    by: Sequence[str],
    area: str,
    margins: Mapping[str, str],
) -> pd.DataFrame:
    """NA in the count and derived columns of hidden cells, and in lagged columns that point
    to a hidden cell of an earlier period."""
    for col in [value, *(c for c in derived if c in table.columns)]:
        table[col] = table[col].astype(_nullable(table[col])).mask(hidden)
    if "period_start" in table.columns and "period_type" in table.columns:
        for lag, changes in LAGGED.items():
            if lag in table.columns:
                refers = _lag_hidden(table, hidden, lag, by, area, margins)
                cols = [lag, *(c for c in changes if c in table.columns)]
                table.loc[refers | hidden, cols] = np.nan
    return table


def _nullable(column: pd.Series) -> Any:
    """A dtype that holds NA for ``column`` (Int64 for counts, boolean for flags)."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "Int64"
    if pd.api.types.is_float_dtype(column):
        return "float64"
    return "object"


STEP = {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}


def _lag_hidden(
    table: pd.DataFrame,
    hidden: np.ndarray,
    lag: str,
    by: Sequence[str],
    area: str,
    margins: Mapping[str, str],
) -> np.ndarray:
    """Rows whose ``lag`` column holds the rate of a hidden cell of an earlier period."""
    start = pd.to_datetime(table["period_start"])
    year = pd.DateOffset(years=1)
    earlier = pd.Series(start, index=table.index)
    for ptype in table["period_type"].unique():
        rows = table["period_type"] == ptype
        step = year if lag == "yoy_value" else STEP.get(str(ptype), year)
        earlier[rows] = start[rows] - step
    keys = [c for c in (*by, area, *margins) if c in table.columns and c != "period_start"]
    gone = table.loc[hidden, keys].assign(_start=start[hidden]).astype(str)
    probe = table[keys].assign(_start=earlier).astype(str)
    marker = pd.MultiIndex.from_frame(gone)
    return np.asarray(pd.MultiIndex.from_frame(probe).isin(marker))
