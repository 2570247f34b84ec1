"""Run the store's Alembic migrations from code (no ``alembic.ini`` needed).

The migration scripts ship inside the package (``barrio/store/migrations``). Revisions:
``0001_register`` (institutions, users, the recommendations register, status events, audit
log), ``0002_diagnosis`` (diagnosis, findings, assessments), ``0003_portal`` (API tokens, login
attempts, evidence files) and ``0004_findings_fk`` (recommendation links to findings).

Developers adding a revision::

    from barrio.store.migrate import revision
    revision("postgresql://...", "add something", rev_id="0005_something")

autogenerates it against a database at the current head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Compare only the store's own tables: a server database may also hold PostGIS's
    ``spatial_ref_sys`` or the analytical warehouse, which migrations must never touch."""
    if type_ != "table":
        return True
    from barrio.store.models import metadata

    return name in metadata().tables


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config on the packaged scripts, migrating ``connection`` (or ``url``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the store behind ``engine`` to ``revision`` (default: the latest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the store behind ``engine`` to ``revision`` (``base`` drops every table)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The latest revision among the packaged scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision(url: str, message: str, *, rev_id: str) -> None:
    """Autogenerate a new revision script by comparing the models with the store at ``url``."""
    from barrio.store.base import sqlalchemy_url

    command.revision(
        alembic_config(url=sqlalchemy_url(url)), message=message, autogenerate=True, rev_id=rev_id
    )
