"""Alembic environment: migrate the connection handed over by :mod:`barrio.store.migrate`.

Barrio runs migrations from code (``Config.attributes["connection"]``), so users need no
``alembic.ini``. Developers can still point Alembic at a URL with ``sqlalchemy.url``.
SQLite runs in batch mode (table copies) because it cannot alter constraints in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from barrio.store.base import make_engine
from barrio.store.migrate import include_name
from barrio.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _offline()
elif (given := config.attributes.get("connection")) is not None:
    _run(given)
else:
    engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
