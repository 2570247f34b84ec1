"""Status of recommendations, derived from their append-only status events.

The status of a recommendation on a date is the status of its latest event on or before that
date; events on the same date are ordered by id (the order they were recorded). A
recommendation without any event by then was not yet registered. Nothing is stored on the
recommendation itself, so the status at any past date is as easy to get as today's.

Allowed transitions (the first event may have any status; registering a recommendation
records ``not_started``):

==================  ===================================================================
from                to
==================  ===================================================================
not_started         in_process, addressed, not_implemented, discarded
in_process          in_process (a progress report), addressed, not_implemented, discarded
addressed           in_process (reopened when the measure lapsed)
not_implemented     in_process (taken up later), discarded
discarded           nothing: discarding is final
==================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from barrio.errors import BarrioError
from barrio.i18n import _
from barrio.store.register import STATUSES

CLOSED = ("addressed", "discarded")  # not overdue once here
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "not_started": ("in_process", "addressed", "not_implemented", "discarded"),
    "in_process": ("in_process", "addressed", "not_implemented", "discarded"),
    "addressed": ("in_process",),
    "not_implemented": ("in_process", "discarded"),
    "discarded": (),
}
EVENT_COLUMNS = ("id", "recommendation_id", "status", "effective_on")


class RegisterError(BarrioError):
    """A change to the recommendations register is not allowed (transition, date, code)."""

    code = "register_error"


def check_status(status: str) -> str:
    """``status`` if it is one of :data:`STATUSES`; otherwise a RegisterError naming them."""
    if status not in STATUSES:
        raise RegisterError(
            _("unknown status {status!r}; expected one of: {allowed}", status=status,
              allowed=", ".join(STATUSES)),
            hint=_("Use one of the statuses listed."),
            status=status,
        )  # fmt: skip
    return status


def check_transition(previous: str | None, new: str, *, code: str = "") -> None:
    """Raise a RegisterError unless a recommendation may go from ``previous`` to ``new``.

    ``previous`` is ``None`` for the first event of a recommendation (any status).
    """
    check_status(new)
    if previous is None or new in TRANSITIONS[previous]:
        return
    allowed = ", ".join(TRANSITIONS[previous]) or _("none (final status)")
    raise RegisterError(
        _("recommendation {code} cannot go from {previous} to {new}; allowed next: {allowed}",
          code=code, previous=previous, new=new, allowed=allowed),
        hint=_("Record one of the allowed statuses; discarding is final."),
        code=code, previous=previous, new=new,
    )  # fmt: skip


def check_sequence(statuses: Iterable[str], *, code: str = "") -> None:
    """Check every transition of a recommendation's statuses in event order."""
    previous: str | None = None
    for status in statuses:
        check_transition(previous, status, code=code)
        previous = status


def _sorted(events: pd.DataFrame) -> pd.DataFrame:
    frame = events.loc[:, list(EVENT_COLUMNS)].copy()
    frame["effective_on"] = pd.to_datetime(frame["effective_on"]).astype("datetime64[us]")
    return frame.sort_values(["effective_on", "id"], kind="stable")


def status_as_of(events: pd.DataFrame, at: dt.date | None = None) -> pd.DataFrame:
    """The status of every recommendation registered by ``at`` (default: all events).

    Parameters
    ----------
    events
        One row per event: ``id``, ``recommendation_id``, ``status``, ``effective_on``.
    at
        The date to evaluate on (inclusive).

    Returns
    -------
    DataFrame
        ``recommendation_id``, ``status``, ``since`` (date of that event), one row per
        recommendation with an event on or before ``at``.

    Examples
    --------
    >>> ev = pd.DataFrame({"id": [1, 2, 3], "recommendation_id": [7, 7, 7],
    ...     "status": ["not_started", "in_process", "addressed"],
    ...     "effective_on": ["2023-01-01", "2023-06-01", "2023-06-01"]})
    >>> status_as_of(ev, dt.date(2023, 6, 1)).status.tolist()
    ['addressed']
    """
    frame = _sorted(events)
    if at is not None:
        frame = frame[frame["effective_on"] <= pd.Timestamp(at)]
    latest = frame.drop_duplicates("recommendation_id", keep="last")
    out = latest.rename(columns={"effective_on": "since"})[["recommendation_id", "status", "since"]]
    out["since"] = out["since"].dt.date
    return out.sort_values("recommendation_id").reset_index(drop=True)


def status_at_dates(events: pd.DataFrame, dates: Sequence[dt.date]) -> pd.DataFrame:
    """The status of every registered recommendation at each of ``dates`` (one as-of join).

    Returns ``date``, ``recommendation_id``, ``status``; recommendations not yet registered on
    a date have no row for it.
    """
    frame = _sorted(events)
    ids = np.sort(frame["recommendation_id"].unique())
    grid = pd.DataFrame(
        {
            "date": np.repeat(np.asarray(dates, dtype="datetime64[D]"), len(ids)).astype(
                "datetime64[us]"
            ),
            "recommendation_id": np.tile(ids, len(dates)),
        }
    ).sort_values("date", kind="stable")
    joined = pd.merge_asof(
        grid,
        frame.rename(columns={"effective_on": "date"})[["date", "recommendation_id", "status"]],
        on="date",
        by="recommendation_id",
        direction="backward",
    ).dropna(subset=["status"])
    joined["date"] = joined["date"].dt.date
    return joined.sort_values(["date", "recommendation_id"]).reset_index(drop=True)


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every quarter from ``first``'s quarter to ``last``'s (``last`` itself
    ends the list when it falls inside a quarter)."""
    ends = pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="Q").end_time.date
    return [min(d, last) for d in ends]
