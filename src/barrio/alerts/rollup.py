"""Roll long count series up a hierarchy (areas, ICCS crime codes) before detection.

A rise spread over many small areas can be invisible in each of them and obvious in their
district: summing the children into their parent and running the same detection there shows it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from barrio.errors import InputError
from barrio.i18n import _


def roll_up(
    counts: pd.DataFrame,
    parent: Mapping[str, str] | pd.Series,
    *,
    key: str,
    period: str = "period",
    value_columns: tuple[str, ...] = ("count",),
    strict: bool = True,
) -> pd.DataFrame:
    """Sum ``value_columns`` of the children of each parent, per period and other keys.

    Parameters
    ----------
    counts : long counts with column ``key`` (e.g. ``area_id``), ``period`` and the values.
    parent : child -> parent mapping (``areas.parent_id``, or an ICCS code -> its division).
    key : the column to roll up; every other non-value column is kept as a key.
    strict : raise when a child has no parent (otherwise such rows are dropped and reported in
        ``attrs["unmapped"]``).

    Examples
    --------
    >>> df = pd.DataFrame({"area_id": ["a", "b"], "period": ["2024-01"] * 2, "count": [2, 3]})
    >>> roll_up(df, {"a": "D1", "b": "D1"}, key="area_id")["count"].tolist()
    [5]
    """
    mapping = pd.Series(parent, dtype="string") if not isinstance(parent, pd.Series) else parent
    mapped = counts[key].map(mapping)
    unmapped = sorted(set(counts.loc[mapped.isna(), key].astype(str)))
    if unmapped and strict:
        shown = ", ".join(unmapped[:5])
        raise InputError(
            _(
                "{n} value(s) of {key} have no parent: {shown}",
                n=len(unmapped),
                key=key,
                shown=shown,
            ),
            hint=_("Add them to the parent mapping, or pass strict=False to leave them out."),
            column=key,
            values=unmapped[:20],
        )
    out = counts.assign(**{key: mapped}).dropna(subset=[key])
    keys = [c for c in counts.columns if c not in value_columns]
    rolled = out.groupby(keys, sort=True, observed=True)[list(value_columns)].sum().reset_index()
    rolled.attrs["unmapped"] = unmapped
    return rolled
