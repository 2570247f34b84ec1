"""Monitoring summary of a recommendations register, in the style of the Querétaro audit.

The Querétaro Local Safety Audit (UNODC Center of Excellence / municipality of Querétaro)
reported its 141 recommendations by status — finally 77 % addressed, 8 % in process and 15 %
not implemented — and broke the counts down by theme, responsible institution and
neighborhood, following them over time. :func:`summarize` computes those tables from the
register's frames: counts and shares by status overall and within each theme, institution and
neighborhood on a date, and the status shares at the end of every quarter up to that date.

Shares are of the recommendations registered by the date. A recommendation that names several
neighborhoods counts once in each of them (so neighborhood rows can add up to more than the
total); one without neighborhoods is listed under ``(none)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from barrio.audit.recs_status import quarter_ends, status_as_of, status_at_dates
from barrio.store.register import STATUSES

NONE_LABEL = "(none)"


@dataclass(frozen=True)
class RegisterSummary:
    """The summary tables; each ``by_*`` frame has ``key``, ``total`` and per status
    ``<status>`` (count) and ``share_<status>`` (0-1) columns."""

    at: dt.date
    total: int
    by_status: pd.DataFrame  # status, count, share
    by_theme: pd.DataFrame
    by_institution: pd.DataFrame
    by_neighborhood: pd.DataFrame
    over_time: pd.DataFrame  # date, total, <status>, share_<status>

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready tables (lists of records)."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [{str(k): v for k, v in row.items()} for row in clean.to_dict("records")]

        return {
            "at": self.at.isoformat(),
            "total": self.total,
            "by_status": records(self.by_status),
            "by_theme": records(self.by_theme),
            "by_institution": records(self.by_institution),
            "by_neighborhood": records(self.by_neighborhood),
            "over_time": records(self.over_time),
        }


def crosstab(keys: pd.Series, statuses: pd.Series, key_name: str = "key") -> pd.DataFrame:
    """Counts of each status within each key, with totals and shares (sorted by total)."""
    table = pd.crosstab(keys.to_numpy(), statuses.to_numpy()).reindex(
        columns=list(STATUSES), fill_value=0
    )
    table.index.name = key_name
    table.columns.name = None
    total = table.sum(axis=1)
    shares = table.div(total.where(total > 0), axis=0).add_prefix("share_")
    out = pd.concat([total.rename("total"), table, shares], axis=1).reset_index()
    return out.sort_values(["total", key_name], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def summarize(
    recommendations: pd.DataFrame,
    events: pd.DataFrame,
    neighborhoods: pd.DataFrame,
    at: dt.date,
) -> RegisterSummary:
    """Counts and shares of statuses on ``at`` by status, theme, institution and neighborhood.

    Parameters
    ----------
    recommendations
        ``id``, ``theme``, ``institution`` (the responsible institution's code or None).
    events
        ``id``, ``recommendation_id``, ``status``, ``effective_on``.
    neighborhoods
        ``recommendation_id``, ``area_id`` (one row per link).
    at
        The date to evaluate on; ``over_time`` ends there.
    """
    ids = set(recommendations["id"])
    events = events[events["recommendation_id"].isin(ids)]
    now = status_as_of(events, at).merge(
        recommendations.rename(columns={"id": "recommendation_id"}), on="recommendation_id"
    )
    counts = now["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    total = int(counts.sum())
    by_status = pd.DataFrame(
        {"status": list(STATUSES), "count": counts.to_numpy(),
         "share": counts.to_numpy() / total if total else [None] * len(STATUSES)}
    )  # fmt: skip
    hood = now.merge(neighborhoods, on="recommendation_id", how="left")
    return RegisterSummary(
        at=at,
        total=total,
        by_status=by_status,
        by_theme=crosstab(now["theme"], now["status"], "theme"),
        by_institution=crosstab(
            now["institution"].fillna(NONE_LABEL), now["status"], "institution"
        ),
        by_neighborhood=crosstab(hood["area_id"].fillna(NONE_LABEL), hood["status"], "area_id"),
        over_time=over_time(events, at),
    )


def over_time(events: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """Status counts and shares at each quarter end from the first event to ``at``."""
    if events.empty:
        return pd.DataFrame(columns=["date", "total", *STATUSES])
    first = pd.to_datetime(events["effective_on"]).min().date()
    if first > at:
        return pd.DataFrame(columns=["date", "total", *STATUSES])
    states = status_at_dates(events, quarter_ends(first, at))
    table = crosstab(states["date"], states["status"], "date")
    return table.sort_values("date").reset_index(drop=True)
