"""The additive relations of a published table: which cells add up to which.

An indicator table holds, for every indicator and period, counts at several area levels
(neighbourhood → district → city) and disaggregations (total, sex, age, sex × age). Every
total equals the sum of its parts along each of these dimensions:

- hierarchy: ``cell(parent area, s, a) = Σ cell(child area, s, a)``;
- each margin (``sex``, ``age_group``): ``cell(area, total, a) = Σ_s cell(area, s, a)``.

:func:`relations` lists them as a long table of memberships ``(group, cell, sign)`` with sign
``+1`` for the total and ``-1`` for each part, so that ``Σ sign · value = 0`` within a group.
Cells absent from the table are zeros (the indicator table is sparse) and are known to a reader,
so they never enter a relation. Disclosure control (:mod:`barrio.disclosure.suppress`) and its
proof (:mod:`barrio.disclosure.audit`) both work on these memberships.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from barrio.errors import BarrioError
from barrio.i18n import _

TABLE_KEYS = ("indicator_id", "period_type", "period_start")
MARGINS: dict[str, str] = {"sex": "total", "age_group": "total"}


class DisclosureError(BarrioError):
    """A table cannot be protected as given (not additive, missing columns, ...)."""

    code = "disclosure_error"


@dataclass(frozen=True)
class Relations:
    """Memberships of the additive relations of a table.

    Attributes
    ----------
    group, cell, sign
        Parallel integer arrays: cell ``cell[i]`` (a row position in the table) belongs to
        relation ``group[i]`` with coefficient ``sign[i]`` (+1 total, -1 part).
    n_groups
        Number of relations.
    kind
        Per relation, the dimension it adds up along (``area`` or a margin column name).
    """

    group: np.ndarray
    cell: np.ndarray
    sign: np.ndarray
    n_groups: int
    kind: np.ndarray

    def residuals(self, values: np.ndarray) -> np.ndarray:
        """``Σ sign · value`` per relation (all zero for an additive table)."""
        return np.bincount(
            self.group, weights=self.sign * values[self.cell], minlength=self.n_groups
        )


def relations(
    table: pd.DataFrame,
    *,
    area: str = "area_id",
    parents: Mapping[str, str | None] | None = None,
    margins: Mapping[str, str] = MARGINS,
    by: Sequence[str] = TABLE_KEYS,
) -> Relations:
    """The additive relations among the rows of ``table`` (see the module docstring).

    Parameters
    ----------
    table
        One row per cell; ``by`` columns separate independent tables (indicator, period).
    area
        The hierarchical dimension; ``parents`` maps each area to its parent (``None`` at the
        top). Without ``parents`` no hierarchy relation is built.
    margins
        Flat dimensions and the code of their total (``{"sex": "total"}``).

    Examples
    --------
    A city (``C``) with two districts, totals only: one relation, ``C - D1 - D2 = 0``.

    >>> t = pd.DataFrame({"area_id": ["C", "D1", "D2"], "numerator": [9, 4, 5]})
    >>> rel = relations(t, parents={"C": None, "D1": "C", "D2": "C"}, margins={})
    >>> rel.n_groups, rel.cell.tolist(), rel.sign.tolist()
    (1, [1, 2, 0], [-1, -1, 1])
    >>> rel.residuals(t["numerator"].to_numpy(float)).tolist()
    [0.0]
    """
    by = [c for c in by if c in table.columns]
    margins = {d: t for d, t in margins.items() if d in table.columns}
    dims = [area, *margins]
    missing = [c for c in dims if c not in table.columns]
    if missing:
        raise DisclosureError(
            _("the table has no column {columns}", columns=", ".join(missing)),
            hint=_("Give the area and disaggregation columns of the table."),
        )
    keys = table[by + dims].reset_index(drop=True).astype(str)
    cells = np.arange(len(keys))
    parts: list[pd.DataFrame] = []
    for dim, total in margins.items():
        others = [c for c in by + dims if c != dim]
        is_total = (keys[dim] == total).to_numpy()
        parts.append(_members(keys, others, cells, is_total, dim))
    if parents:
        parent = keys[area].map(dict(parents)).astype(object)
        child = keys.assign(**{area: parent})[parent.notna().to_numpy()]
        up = keys[keys[area].isin(set(child[area]))]
        both = pd.concat([child, up])
        is_total = np.r_[np.zeros(len(child), bool), np.ones(len(up), bool)]
        idx = np.r_[cells[parent.notna().to_numpy()], up.index.to_numpy()]
        parts.append(_members(both.reset_index(drop=True), by + dims, idx, is_total, "area"))
    return _assemble(parts)


def _members(
    keys: pd.DataFrame, group_by: list[str], cells: np.ndarray, is_total: np.ndarray, kind: str
) -> pd.DataFrame:
    """Memberships of the relations keyed by ``group_by``; relations without parts are dropped."""
    gid = keys.groupby(group_by, sort=False, dropna=False).ngroup().to_numpy()
    n_parts = np.bincount(gid[~is_total], minlength=gid.max() + 1 if len(gid) else 0)
    keep = n_parts[gid] > 0
    return pd.DataFrame(
        {
            "group": gid[keep],
            "cell": cells[keep],
            "sign": np.where(is_total[keep], 1, -1),
            "kind": kind,
        }
    )


def _assemble(parts: list[pd.DataFrame]) -> Relations:
    """Number the relations of every dimension consecutively."""
    offset = 0
    frames = []
    kinds: list[np.ndarray] = []
    for part in parts:
        if part.empty:
            continue
        codes, uniques = pd.factorize(part["group"])
        frames.append(part.assign(group=codes + offset))
        kinds.append(np.full(len(uniques), part["kind"].iloc[0], dtype=object))
        offset += len(uniques)
    if not frames:
        empty = np.zeros(0, dtype=np.int64)
        return Relations(empty, empty, empty, 0, np.zeros(0, dtype=object))
    long = pd.concat(frames, ignore_index=True)
    return Relations(
        group=long["group"].to_numpy(np.int64),
        cell=long["cell"].to_numpy(np.int64),
        sign=long["sign"].to_numpy(np.int64),
        n_groups=offset,
        kind=np.concatenate(kinds),
    )


def check_additive(table: pd.DataFrame, rel: Relations, value: str) -> None:
    """Raise :class:`DisclosureError` when a total differs from the sum of its parts.

    Suppression is only provably safe for the relations a reader can use; a table whose totals
    do not add up (a partial disaggregation, rows filtered out) would make the proof wrong.
    """
    values = table[value].fillna(0).to_numpy(dtype=float)
    bad = np.flatnonzero(np.abs(rel.residuals(values)) > 1e-6)
    if len(bad):
        first = rel.cell[(rel.group == bad[0]) & (rel.sign == 1)]
        where = table.iloc[first[:1]].to_dict("records") if len(first) else []
        raise DisclosureError(
            _(
                "{n} totals of the table do not equal the sum of their parts (first: {where})",
                n=len(bad),
                where=where,
            ),
            hint=_("Protect the whole table (every level and disaggregation) computed at once."),
        )
