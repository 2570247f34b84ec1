"""Store fixtures shared by the store and register tests: one store per backend.

``store_url`` runs a test twice, on SQLite (a file under tmp_path) and on a fresh PostgreSQL
database (``postgres_url``: skipped locally, a failure in CI, when the server is missing).
Register tests elsewhere bind them as module globals: ``store = tests.store.conftest.store``.
"""

from __future__ import annotations

import pytest

from barrio.store import Store, open_store

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """A URL of an empty store: SQLite file or fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "barrio.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    """An open store migrated to head on each backend; closed afterwards."""
    opened: Store = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path):
    """A store on SQLite only, for tests of Python-side rules that do not depend on the backend."""
    opened: Store = open_store(tmp_path / "barrio.db")
    yield opened
    opened.close()
