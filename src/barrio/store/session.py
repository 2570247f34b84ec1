"""Open the application store and work in it as a named user.

>>> import tempfile, pathlib
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "barrio.db")
>>> with store.session(actor="ana") as session:
...     session.add(Institution(code="SSPM", name="Secretaría de Seguridad", kind="municipal"))
>>> store.close()

``open_store`` takes a file path (SQLite) or a ``postgresql://`` URL and upgrades the schema to
the latest migration. ``Store.session(actor=...)`` is a transaction: it commits when the block
ends and rolls back on any error, and every change in it is written to the audit trail under
``actor``. :func:`workspace_store_url` finds the store of a workspace.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from barrio.store import migrate
from barrio.store.accounts import Institution
from barrio.store.base import make_engine

if TYPE_CHECKING:
    from barrio.workspace import Workspace

__all__ = ["Institution", "Store", "default_actor", "open_store", "workspace_store_url"]


def default_actor() -> str:
    """The acting user when none is given: ``BARRIO_USER``, else the login name."""
    try:
        return os.environ.get("BARRIO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "system"


@dataclass
class Store:
    """The application store: an engine, a session factory, and the migrations."""

    url: str
    engine: Engine
    factory: sessionmaker[Session] = field(repr=False)

    @contextmanager
    def session(self, actor: str | None = None) -> Iterator[Session]:
        """A session in one transaction, committed at the end, rolled back on error.

        Every insert, update and delete in it is recorded in ``audit_log`` as done by
        ``actor`` (default: :func:`default_actor`).
        """
        with self.factory() as session:
            session.info["actor"] = actor or default_actor()
            with session.begin():
                yield session

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision``."""
        migrate.upgrade(self.engine, revision)

    def downgrade(self, revision: str = "base") -> None:
        """Revert migrations down to ``revision`` (``base``: drop every table)."""
        migrate.downgrade(self.engine, revision)

    def revision(self) -> str | None:
        """The migration revision the store is at."""
        return migrate.current_revision(self.engine)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url_or_path: str | Path, *, upgrade: bool = True) -> Store:
    """Open the store at ``url_or_path`` (a path means SQLite), migrated to the latest revision.

    Parameters
    ----------
    url_or_path
        ``postgresql://user:pass@host/db``, any SQLAlchemy URL, or a file path for SQLite.
    upgrade
        Apply pending migrations (default). ``False`` opens the store as it is.
    """
    from barrio.store import models  # noqa: F401  (every model registered on Base.metadata)

    url = str(url_or_path)
    if "://" not in url:
        Path(url).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if upgrade and migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
    return Store(url=url, engine=engine, factory=sessionmaker(engine, expire_on_commit=False))


def workspace_store_url(workspace: Workspace) -> str:
    """Where a workspace keeps its records: ``BARRIO_STORE_URL``, else ``[store] url`` in
    barrio.toml, else ``barrio.db`` in the workspace folder (SQLite)."""
    configured = workspace.config.raw.get("store", {}).get("url")
    return os.environ.get("BARRIO_STORE_URL") or configured or str(workspace.app_db_path)
