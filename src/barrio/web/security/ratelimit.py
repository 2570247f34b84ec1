"""Login rate limiting: after N failed sign-ins for one username from one client address within
a window, further attempts are refused (HTTP 429 with ``Retry-After``) until the oldest failure
leaves the window.

Failures are rows of ``login_attempts`` in the application store, so every worker process (and
every server sharing a PostgreSQL store) counts the same attempts. A successful sign-in clears
the failures of that username and address.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, insert, select

from barrio.store.accounts import utcnow
from barrio.store.portal import login_attempts
from barrio.store.session import Store


def _key(username: str, client: str) -> tuple[str, str]:
    return username.strip().lower()[:80], client[:64]


def retry_after(
    store: Store, username: str, client: str, *, attempts: int, window_seconds: int
) -> int | None:
    """Seconds to wait before ``username`` may try again from ``client``; None when allowed."""
    user, address = _key(username, client)
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    with store.engine.connect() as connection:
        count, oldest = connection.execute(
            select(func.count(), func.min(login_attempts.c.at)).where(
                login_attempts.c.username == user,
                login_attempts.c.client == address,
                login_attempts.c.at > since,
            )
        ).one()
    if count < attempts or oldest is None:
        return None
    if oldest.tzinfo is None:  # SQLite gives naive datetimes, written in UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    wait = (oldest + dt.timedelta(seconds=window_seconds) - utcnow()).total_seconds()
    return max(1, math.ceil(wait))


def record_failure(store: Store, username: str, client: str, *, window_seconds: int) -> None:
    """Count one failed sign-in (and forget failures older than the window)."""
    user, address = _key(username, client)
    now = utcnow()
    with store.engine.begin() as connection:
        connection.execute(
            delete(login_attempts).where(
                login_attempts.c.at < now - dt.timedelta(seconds=window_seconds)
            )
        )
        connection.execute(insert(login_attempts).values(username=user, client=address, at=now))


def clear(store: Store, username: str, client: str) -> None:
    """Forget the failures of ``username`` from ``client`` (after a successful sign-in)."""
    user, address = _key(username, client)
    with store.engine.begin() as connection:
        connection.execute(
            delete(login_attempts).where(
                login_attempts.c.username == user, login_attempts.c.client == address
            )
        )
