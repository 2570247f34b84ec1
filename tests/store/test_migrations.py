"""Migrations: upgrade from empty to head, the schema equals the models, downgrade to base."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from barrio.store import migrate, open_store
from barrio.store.base import make_engine
from barrio.store.models import metadata

REGISTER_TABLES = {
    "institutions", "users", "recommendations", "recommendation_neighborhoods",
    "recommendation_institutions", "recommendation_findings", "status_events", "audit_log",
}  # fmt: skip


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}


def test_upgrade_from_empty_creates_every_model_table(store_url):
    engine = make_engine(store_url)
    assert _tables(engine) == set()
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _tables(engine) >= REGISTER_TABLES
    assert _tables(engine) == set(metadata().tables)
    engine.dispose()


def test_migrated_schema_equals_models(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        differences = compare_metadata(context, metadata())
    engine.dispose()
    assert differences == []


def test_comparison_sees_a_difference(tmp_path):
    """The comparison above can fail: a missing table and a changed column are reported."""
    engine = make_engine(str(tmp_path / "b.db"))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE recommendation_findings"))
        conn.execute(text("DROP INDEX ix_recommendations_theme"))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": migrate.include_name}
        )
        kinds = {
            d[0] if isinstance(d, tuple) else d[0][0] for d in compare_metadata(context, metadata())
        }
    engine.dispose()
    assert {"add_table", "add_index"} <= kinds


def test_downgrade_to_base_and_up_again(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)  # triggers and the PL/pgSQL function were dropped cleanly
    assert _tables(engine) >= REGISTER_TABLES
    engine.dispose()


def test_register_revision_is_the_first(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine, "0001_register")
    assert migrate.current_revision(engine) == "0001_register"
    assert _tables(engine) == REGISTER_TABLES
    engine.dispose()


def test_open_store_upgrades_once_and_is_idempotent(store_url):
    first = open_store(store_url)
    assert first.revision() == migrate.head_revision()
    first.close()
    again = open_store(store_url)
    assert again.revision() == migrate.head_revision()
    again.close()


@pytest.mark.parametrize("table", ["status_events", "audit_log"])
def test_database_refuses_updates_and_deletes_of_append_only_tables(store_url, table):
    store = open_store(store_url)
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO recommendations (code, title, description, theme, target, "
                          "priority, horizon, sdg_targets, iccs_codes, source, is_public, "
                          "internal_notes, created_at) VALUES ('R-1', 't', '', 'youth', "
                          "'community', 'high', 'short', '[]', '[]', 'audit', true, '', "
                          "CURRENT_TIMESTAMP)"))  # fmt: skip
        conn.execute(text("INSERT INTO status_events (recommendation_id, status, effective_on, "
                          "evidence_text, author, internal_note, recorded_at) VALUES (1, "
                          "'not_started', '2023-01-01', '', 'a', '', "
                          "CURRENT_TIMESTAMP)"))  # fmt: skip
        conn.execute(text("INSERT INTO audit_log (at, actor, table_name, row_id, action) VALUES "
                          "(CURRENT_TIMESTAMP, 'a', 't', '1', 'insert')"))  # fmt: skip
    column = "author" if table == "status_events" else "actor"
    for statement in (f"UPDATE {table} SET {column} = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT {column} FROM {table}")).scalar_one() == "a"
    store.close()
