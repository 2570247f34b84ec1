"""The recommendations register: institutions, users, recommendations, status events, audit log.

Status events and the audit log are append-only: triggers refuse UPDATE and DELETE on them
(SQLite ``RAISE(ABORT)``, PostgreSQL a PL/pgSQL trigger function). A later revision that
rebuilds one of these tables in SQLite batch mode must re-create its triggers.

Revision ID: 0001_register
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_register"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("status_events", "audit_log")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _pk(*columns: str, table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _ck(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(_in(column, values), name=op.f(f"ck_{table}_{column}"))


def _accounts() -> None:
    kinds = ("municipal", "state", "federal", "civil_society", "community", "other")
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        _ck("institutions", "kind", kinds),
        _pk("id", table="institutions"),
        sa.UniqueConstraint("code", name=op.f("uq_institutions_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _ck("users", "role", ("admin", "analyst", "editor", "viewer")),
        _fk("users", "institution_id", "institutions"),
        _pk("id", table="users"),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )


def _recommendations() -> None:
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("horizon", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("plan_line", sa.String(length=200), nullable=True),
        sa.Column("sdg_targets", sa.JSON(), nullable=False),
        sa.Column("iccs_codes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("internal_notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _ck("recommendations", "horizon", ("short", "medium", "long")),
        _ck("recommendations", "priority", ("high", "medium", "low")),
        _ck("recommendations", "source", ("audit", "assessment", "diagnosis", "other")),
        _ck("recommendations", "target", ("community", "institution")),
        _fk("recommendations", "responsible_id", "institutions"),
        _pk("id", table="recommendations"),
        sa.UniqueConstraint("code", name=op.f("uq_recommendations_code")),
    )
    op.create_index(
        op.f("ix_recommendations_responsible_id"), "recommendations", ["responsible_id"]
    )
    op.create_index(op.f("ix_recommendations_theme"), "recommendations", ["theme"])


def _links() -> None:
    rec = "recommendation_findings"
    op.create_table(
        rec,
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),  # findings.id, no FK (0002)
        _fk(rec, "recommendation_id", "recommendations"),
        _pk("recommendation_id", "finding_id", table=rec),
    )
    op.create_index(op.f(f"ix_{rec}_finding_id"), rec, ["finding_id"])
    rec = "recommendation_institutions"
    op.create_table(
        rec,
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        _fk(rec, "institution_id", "institutions"),
        _fk(rec, "recommendation_id", "recommendations"),
        _pk("recommendation_id", "institution_id", table=rec),
    )
    rec = "recommendation_neighborhoods"
    op.create_table(
        rec,
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=False),
        _fk(rec, "recommendation_id", "recommendations"),
        _pk("recommendation_id", "area_id", table=rec),
    )
    op.create_index(op.f(f"ix_{rec}_area_id"), rec, ["area_id"])


def _events_and_log() -> None:
    statuses = ("not_started", "in_process", "addressed", "not_implemented", "discarded")
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("evidence_file", sa.String(length=500), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("internal_note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _ck("status_events", "status", statuses),
        _fk("status_events", "recommendation_id", "recommendations"),
        _pk("id", table="status_events"),
    )
    op.create_index(
        op.f("ix_status_events_recommendation_id"), "status_events", ["recommendation_id"]
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=100), nullable=False),
        sa.Column("row_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        _ck("audit_log", "action", ("insert", "update", "delete")),
        _pk("id", table="audit_log"),
    )
    op.create_index("ix_audit_log_table_row", "audit_log", ["table_name", "row_id"])


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION barrio_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER tr_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION barrio_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tr_{table}_no_{action} BEFORE {action.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
            )


def upgrade() -> None:
    _accounts()
    _recommendations()
    _links()
    _events_and_log()
    _append_only_triggers()


def downgrade() -> None:
    for table in (
        "audit_log",
        "status_events",
        "recommendation_neighborhoods",
        "recommendation_institutions",
        "recommendation_findings",
        "recommendations",
        "users",
        "institutions",
    ):
        op.drop_table(table)  # indexes and triggers go with their table
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION barrio_append_only()")
