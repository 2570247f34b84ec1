"""Application records (SQLAlchemy 2 + Alembic): users, diagnosis, recommendations, assessments.

SQLite in the workspace (``barrio.db``) by default, PostgreSQL on a server. Unlike the analytical
warehouse these records are edited one at a time, so they live in a transactional store with
migrations and an audit trail.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Store", "open_store", "workspace_store_url"]


def __getattr__(name: str) -> Any:
    """``from barrio.store import open_store`` without importing Alembic until it is used."""
    if name in __all__:
        from barrio.store import session

        return getattr(session, name)
    raise AttributeError(name)
