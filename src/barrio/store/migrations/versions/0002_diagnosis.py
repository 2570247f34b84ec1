"""The participatory diagnosis (imports, activities, findings) and strategy assessments.

Revision ID: 0002_diagnosis
Revises: 0001_register
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_diagnosis"
down_revision: str | None = "0001_register"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVITY_KINDS = (
    "focus_group",
    "safety_walk_day",
    "safety_walk_night",
    "participatory_map",
    "interview",
)
FINDING_KINDS = ("threat", "vulnerability", "capacity")
PARTICIPANTS = (
    "participants_women",
    "participants_men",
    "participants_other",
    "participants_under_18",
    "participants_18_29",
    "participants_30_59",
    "participants_60_plus",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _pk(*columns: str, table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _diagnosis() -> None:
    op.create_table(
        "diagnosis_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("codebook", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        _pk("id", table="diagnosis_imports"),
    )
    op.create_table(
        "diagnosis_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=False),
        sa.Column("facilitator", sa.String(length=200), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in PARTICIPANTS),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", ACTIVITY_KINDS), name=op.f("ck_diagnosis_activities_kind")),
        _fk("diagnosis_activities", "import_id", "diagnosis_imports"),
        _pk("id", table="diagnosis_activities"),
        sa.UniqueConstraint("code", name=op.f("uq_diagnosis_activities_code")),
    )
    _index("diagnosis_activities", "area_id", "import_id")
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("intensity", sa.Integer(), nullable=False),
        sa.Column("population_group", sa.String(length=60), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("segment", sa.String(length=60), nullable=False),
        sa.Column("coder", sa.String(length=100), nullable=False),
        sa.Column("second_coding", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", FINDING_KINDS), name=op.f("ck_findings_kind")),
        sa.CheckConstraint("intensity BETWEEN 1 AND 5", name=op.f("ck_findings_intensity")),
        _fk("findings", "activity_id", "diagnosis_activities"),
        _fk("findings", "import_id", "diagnosis_imports"),
        _pk("id", table="findings"),
        sa.UniqueConstraint("code", name=op.f("uq_findings_code")),
    )
    _index("findings", "activity_id", "theme", "area_id", "segment", "import_id")


def _assessments() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("strategy", sa.String(length=300), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("instrument", sa.String(length=60), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _pk("id", table="assessments"),
        sa.UniqueConstraint("code", name=op.f("uq_assessments_code")),
    )
    op.create_table(
        "assessment_items",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "level IS NULL OR (level BETWEEN 0 AND 4)", name=op.f("ck_assessment_items_level")
        ),
        _fk("assessment_items", "assessment_id", "assessments"),
        _pk("assessment_id", "item", table="assessment_items"),
    )


def upgrade() -> None:
    _diagnosis()
    _assessments()


def downgrade() -> None:
    for table in (
        "assessment_items",
        "assessments",
        "findings",
        "diagnosis_activities",
        "diagnosis_imports",
    ):
        op.drop_table(table)  # indexes go with their table
