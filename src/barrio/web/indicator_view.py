"""What the indicator page shows: a validated selection, the map/table rows and the series.

Pure functions over the (already protected) rows of one indicator, so the page, its JSON twin
and every download read exactly the same rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from barrio.i18n import _

TABLE_COLUMNS = (
    "indicator_id", "area_id", "area_name", "area_level", "period_start", "sex", "age_group",
    "numerator", "denominator", "value", "lower", "upper", "suppressed", "suppression",
)  # fmt: skip
SERIES_COLUMNS = ("period_start", "numerator", "value", "lower", "upper", "suppressed")


@dataclass(frozen=True)
class Selection:
    """One choice of the indicator page's selectors."""

    indicator: str
    level: str
    period: str
    sex: str
    age_group: str
    area: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def key(self) -> tuple[str, ...]:
        return tuple(self.as_dict().values())


def _pick(name: str, value: str | None, allowed: list[str], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        from barrio.web.public_data import InvalidQueryError

        raise InvalidQueryError(
            _("unknown {name} {value!r}; expected one of: {allowed}", name=name, value=value,
              allowed=", ".join(allowed)),
            parameter=name, value=value, allowed=allowed,
        )  # fmt: skip
    return value


def resolve(
    rows: pd.DataFrame,
    options: dict[str, list[str]],
    indicator: str,
    *,
    level: str | None = None,
    period: str | None = None,
    sex: str | None = None,
    age_group: str | None = None,
    area: str | None = None,
) -> Selection:
    """Check each choice against ``options``; defaults: the finest level, the latest period,
    totals, and the series of the coarsest area."""
    levels = options["level"] or [""]
    top_level = levels[0]
    top_areas = sorted(rows.loc[rows["area_level"] == top_level, "area_id"].unique())
    all_areas = sorted(rows["area_id"].unique())
    period = period[:4] + "-01-01" if period and len(period) == 4 else period
    return Selection(
        indicator=indicator,
        level=_pick("level", level, levels, levels[-1]),
        period=_pick("period", period, options["period"] or [""], (options["period"] or [""])[-1]),
        sex=_pick("sex", sex, options["sex"] or ["total"], "total"),
        age_group=_pick("age_group", age_group, options["age_group"] or ["total"], "total"),
        area=_pick("area", area, all_areas or [""], top_areas[0] if top_areas else ""),
    )


def map_rows(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """The rows of the map and the table: every area of the level in the period."""
    if rows.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    keep = (
        (rows["area_level"] == sel.level)
        & (rows["period_start"].astype(str) == sel.period)
        & (rows["sex"] == sel.sex)
        & (rows["age_group"] == sel.age_group)
    )
    out = rows.loc[keep, list(TABLE_COLUMNS)]
    return out.sort_values(["area_name", "area_id"]).reset_index(drop=True)


def series_rows(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """The time series of the chosen area, sex and age group, oldest first."""
    if rows.empty:
        return pd.DataFrame(columns=list(SERIES_COLUMNS))
    keep = (
        (rows["area_id"] == sel.area)
        & (rows["sex"] == sel.sex)
        & (rows["age_group"] == sel.age_group)
    )
    out = rows.loc[keep, list(SERIES_COLUMNS)]
    return out.sort_values("period_start").reset_index(drop=True)


def paginate(total: int, page: int, per_page: int) -> tuple[slice, dict[str, Any]]:
    """The slice of rows of ``page`` (1-based) and the ``meta`` member of the envelope."""
    pages = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    meta = {"total": total, "page": page, "per_page": per_page, "pages": pages}
    return slice(start, start + per_page), meta
