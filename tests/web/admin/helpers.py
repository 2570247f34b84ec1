"""Small readers of the test workspace's store, independent of the code under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

OPEN = ("not_started", "in_process", "addressed", "not_implemented")  # may go to in_process


def engine(workspace: Path) -> Any:
    """A plain SQLAlchemy engine on the workspace's SQLite store."""
    return create_engine(f"sqlite:///{workspace / 'barrio.db'}")


def query(workspace: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the workspace's store."""
    eng = engine(workspace)
    try:
        with eng.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql), params).all()]
    finally:
        eng.dispose()


def open_recommendations(workspace: Path, institution: str, *, public: bool = True) -> list[str]:
    """Codes of recommendations of ``institution`` whose latest status allows ``in_process``,
    latest event not in the future, in code order."""
    rows = query(
        workspace,
        """
        SELECT r.code, (SELECT e.status FROM status_events e WHERE e.recommendation_id = r.id
                        ORDER BY e.effective_on DESC, e.id DESC LIMIT 1) AS status,
               (SELECT max(e.effective_on) FROM status_events e
                WHERE e.recommendation_id = r.id) AS latest
        FROM recommendations r JOIN institutions i ON i.id = r.responsible_id
        WHERE i.code = :code AND r.is_public = :public ORDER BY r.code
        """,
        code=institution,
        public=public,
    )
    import datetime as dt

    today = dt.date.today().isoformat()
    return [code for code, status, latest in rows if status in OPEN and (latest or "") <= today]


def events_of(workspace: Path, code: str) -> list[tuple[Any, ...]]:
    """(status, author, evidence_text, evidence_url, evidence_file) of each event of ``code``."""
    return query(
        workspace,
        """SELECT e.status, e.author, e.evidence_text, e.evidence_url, e.evidence_file
           FROM status_events e JOIN recommendations r ON r.id = e.recommendation_id
           WHERE r.code = :code ORDER BY e.id""",
        code=code,
    )


def app_routes(app: Any) -> list[tuple[str, frozenset[str]]]:
    """(path, methods) of every HTTP route of the app, included routers flattened (FastAPI
    0.16x keeps included routers as one entry of ``app.routes``)."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    out = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount) or not context.methods:
            continue
        out.append((str(context.path), frozenset(context.methods)))
    return out
